"""The dashboards (overview:dashboard): the national one and a province's, their figures
against counts made here independently, who is refused, the .xlsx export, bounded queries
and the chart files served by the app."""

import datetime
import io
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role, User
from claims.models import Claim, Claimant, Programme, ProgrammeItem, TaskNotice
from evaluation.models import Commission, IncentiveDecision, Outcome, TaskEvaluation
from lists.models import AnnualList, ListItem, ListVersion
from merging.models import CandidateMeasure
from overview.dashboards.pipeline import last_notice_date
from overview.snapshots import forget_all
from promotion.models import (
    AdoptionRecord,
    PromotedMeasure,
    PromotionBatch,
)
from promotion.reference import load_promotion
from promotion.services.records import AdoptionData, adoption_write
from promotion.territory import divisions_in_scope, parks_in_scope
from proposals.models import Cycle, Proposal, ReformField
from regions.models import Division, Park
from tasks.models import Closure, Task
from tests.conftest import client_for, make_proposal, make_user

URL = "/overview/"
LONG_AGO = datetime.date(2020, 1, 1)


def aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def add_tasks(world: SimpleNamespace, n: int) -> None:
    """`n` more claimed items for Sichuan, each a task: open, plan approved long ago, no
    report, notice of 2020 (so past its expected end and with its latest report missing)."""
    start = ProgrammeItem.objects.filter(programme=world.programme).count()
    for i in range(start + 1, start + n + 1):
        item = ProgrammeItem.objects.create(
            programme=world.programme, position=i, category="成果转化类", title=f"事项{i}"
        )
        claim = Claim.objects.create(item=item, claimant=world.sichuan, claimed_by=world.national)
        Task.objects.create(
            claim=claim,
            programme=world.programme,
            claimant=world.sichuan,
            title=f"任务{i}",
            plan_state=Task.PlanState.APPROVED,
            plan_approved_at=aware(datetime.date(2020, 2, 1)),
        )


def add_records(world: SimpleNamespace, n: int) -> None:
    """`n` adoption records filed by Sichuan for its prefectures and counties (the service is
    the one write), cycling through the statuses, for the first nationwide measure."""
    measure = world.measure
    units = list(
        Division.objects.filter(province=world.sc_province, level__gt=1)
        .exclude(pk__in=AdoptionRecord.objects.filter(measure=measure).values("division"))
        .order_by("code")[:n]
    )
    statuses = [
        AdoptionData("not_deployed"),
        AdoptionData("deployed", datetime.date(2024, 3, 5)),
        AdoptionData("landed", datetime.date(2024, 6, 1), local_document="川府发〔2024〕1号"),
        AdoptionData(
            "effective",
            datetime.date(2025, 1, 10),
            local_document="川府发〔2025〕2号",
            difficulties="数据共享机制不健全，部门之间信息壁垒难以打通",
        ),
        AdoptionData("not_applicable", reason="本地无相关产业"),
    ]
    for i, unit in enumerate(units):
        adoption_write(by=world.users["sichuan"], unit=unit, measure=measure, data=statuses[i % 5])


@pytest.fixture
def world(users, media_root) -> SimpleNamespace:
    national = users["national"]
    load_promotion()
    sc = Division.objects.get(code="510000")
    gd = Division.objects.get(code="440000")
    # data/parks.csv lists no park in Sichuan: one added by hand, as the register allows.
    park = Park.objects.create(
        name="成都高新技术产业开发区",
        kind=Park.Kind.HIGH_TECH,
        division=Division.objects.get(code="510100"),
        province=sc,
    )
    field = ReformField.objects.order_by("pk").first()
    assert field is not None
    cycle = Cycle.objects.create(
        year=2098, title="2098年度征集", deadline=datetime.date(2098, 4, 30), opened_by=national
    )
    sc_props = [make_proposal(cycle, users["sichuan"], state="submitted") for _i in range(3)]
    make_proposal(cycle, users["sichuan"])  # a draft: not counted
    gd_props = [make_proposal(cycle, users["guangdong"], state="submitted") for _i in range(2)]

    def candidate(title: str, *sources: Proposal) -> CandidateMeasure:
        found = CandidateMeasure.objects.create(
            cycle=cycle, title=title, content="内容", field=field, created_by=national
        )
        Proposal.objects.filter(pk__in=[p.pk for p in sources]).update(
            state=Proposal.State.MERGED, merged_into=found
        )
        return found

    a = candidate("候选A", sc_props[0], sc_props[1])
    b = candidate("候选B", sc_props[2], gd_props[0])
    candidate("候选C", gd_props[1])
    annual = AnnualList.objects.create(cycle=cycle, title="2098年清单", created_by=national)
    version = ListVersion.objects.create(
        annual_list=annual,
        number=1,
        doc_number="发改高技〔2098〕1号",
        issued_on=datetime.date(2098, 6, 1),
        published_at=timezone.now(),
        published_by=national,
        no_consultation_reason="测试",
    )
    ListItem.objects.create(
        version=version, position=1, candidate=a, title="A", content="A", field=field
    )
    ListItem.objects.create(
        version=version, position=2, candidate=b, title="B", content="B", field=field
    )
    # Published once its items are in: a published version never changes (a trigger says so).
    ListVersion.objects.filter(pk=version.pk).update(state=ListVersion.State.PUBLISHED)
    programme = Programme.objects.create(
        kind=Programme.Kind.ANNUAL_LIST,
        title="2098年度揭榜",
        list_version=version,
        state=Programme.State.CLOSED,
        created_by=national,
        min_claims=3,
    )
    sichuan = Claimant.objects.create(programme=programme, division=sc)
    guangdong = Claimant.objects.create(programme=programme, division=gd)
    today = timezone.localdate()
    for claimant, issued_on, number in ((sichuan, LONG_AGO, 1), (guangdong, today, 2)):
        TaskNotice.objects.create(
            claimant=claimant,
            programme=programme,
            number=number,
            doc_number=f"发改高技〔2098〕{number + 10}号",
            issuing_authority="国家发展改革委、科技部",
            issued_on=issued_on,
            issued_by=national,
        )
    ns = SimpleNamespace(
        users=users,
        national=national,
        cycle=cycle,
        programme=programme,
        sichuan=sichuan,
        guangdong=guangdong,
        sc_province=sc,
        gd_province=gd,
        park=park,
    )
    add_tasks(ns, 2)
    # Guangdong claims one item: an open task, plan not approved, notice of today.
    item = ProgrammeItem.objects.get(programme=programme, position=1)
    gd_claim = Claim.objects.create(item=item, claimant=guangdong, claimed_by=national)
    gd_task = Task.objects.create(
        claim=gd_claim, programme=programme, claimant=guangdong, title="广东任务"
    )
    # Sichuan's first task is closed, evaluated "good", distilled into a promoted measure.
    closed = Task.objects.filter(claimant=sichuan).order_by("pk").first()
    assert closed is not None
    closed.closure, closed.closed_on = Closure.COMPLETED, datetime.date(2021, 1, 1)
    closed.save()
    evaluator = users["evaluator"].organisation
    commission = Commission.objects.create(
        title="评估",
        evaluator=evaluator,
        scope=Commission.Scope.TASKS,
        starts_on=datetime.date(2021, 1, 1),
        ends_on=datetime.date(2021, 6, 1),
        terms_of_reference="x",
        independence="x",
        created_by=national,
    )
    TaskEvaluation.objects.create(commission=commission, task=closed, rating="good")
    TaskEvaluation.objects.create(commission=commission, task=gd_task, rating="excellent")
    outcome = Outcome.objects.create(
        title="成果",
        field=field,
        summary="x",
        institutional_change="x",
        origin="四川",
        recommended_scope="nationwide",
        state=Outcome.State.CONFIRMED,
        confirmed_at=timezone.now(),
        created_by=national,
    )
    outcome.tasks.add(closed)
    batch = PromotionBatch.objects.create(
        number=4,
        doc_number="国办发〔2098〕1号",
        issued_on=datetime.date(2098, 1, 1),
        measure_count=1,
        state=PromotionBatch.State.PUBLISHED,
    )
    PromotedMeasure.objects.create(
        batch=batch, position=1, title="推广成果", scope="nationwide", outcome=outcome
    )
    IncentiveDecision.objects.create(
        claimant=sichuan,
        form=IncentiveDecision.Form.COMMENDATION,
        reason="完成较好",
        approving_authority="国家发展改革委",
        decided_on=datetime.date(2022, 1, 1),
        created_by=national,
    )
    IncentiveDecision.objects.create(
        claimant=guangdong,
        form=IncentiveDecision.Form.PRIORITY,
        reason="完成较好",
        approving_authority="国家发展改革委",
        decided_on=datetime.date(2022, 1, 1),
        created_by=national,
    )
    ns.measure = PromotedMeasure.objects.get(batch__number=1, position=9)
    ns.gd_task = gd_task
    add_records(ns, 5)
    adoption_write(
        by=users["guangdong"],
        unit=gd,
        measure=ns.measure,
        data=AdoptionData("deployed", datetime.date(2023, 5, 1)),
    )
    return ns


def blocks(response: Any) -> dict[str, Any]:
    return {block.key: block for block in response.context["blocks"]}


def get(user: User, url: str = URL) -> Any:
    with translation.override("en"):
        return client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="en")


def row_of(block: Any, name: str) -> list[Any]:
    (row,) = [row for row in block.rows if row[0] == name]
    return row


def expected_answers(province: Division) -> int:
    """Units of the province in each published measure's scope, measure by measure."""
    total = 0
    for measure in PromotedMeasure.objects.filter(batch__state="published"):
        total += divisions_in_scope(measure).filter(province=province).count()
        total += parks_in_scope(measure).filter(province=province).count()
    return total


def test_national_dashboard_counts_as_counted_here(world):
    response = get(world.national)
    assert response.status_code == 200
    found = blocks(response)
    # The funnel of the cycle: every stage counted here another way.
    submitted = [p for p in Proposal.objects.filter(cycle=world.cycle) if p.state != "draft"]
    candidates = {p.merged_into_id for p in submitted if p.merged_into_id}
    listed = set(
        ListItem.objects.filter(version__annual_list__cycle=world.cycle).values_list(
            "candidate", flat=True
        )
    )
    tasks = list(Task.objects.filter(programme=world.programme))
    assert row_of(found["funnel"], "2098") == [
        "2098",
        len(submitted),
        len(candidates),
        len(listed),
        Claim.objects.filter(item__programme=world.programme).count(),
        len(tasks),
        len([t for t in tasks if t.closure != "open"]),
        len({e.task_id for e in TaskEvaluation.objects.all() if e.rating}),
        PromotedMeasure.objects.filter(outcome__isnull=False).count(),
    ]
    assert row_of(found["funnel"], "2098")[1:4] == [5, 3, 2]
    # Claims against the rule of 484号 §三（三） (不少于3项).
    sichuan_claims = Claim.objects.filter(claimant=world.sichuan).count()
    (sc_row,) = [row for row in found["claims"].rows if row[1] == "四川省"]
    assert sc_row[2:] == [sichuan_claims, 3, "below the minimum"]
    # Late items: open tasks of Sichuan, plan approved in 2020, no report, notice of 2020.
    today = timezone.localdate()
    open_sc = [t for t in tasks if t.claimant_id == world.sichuan.pk and t.closure == "open"]
    past_end = [t for t in open_sc if t.expected_end is not None and t.expected_end < today]
    assert row_of(found["late"], "四川省") == ["四川省", len(open_sc), len(open_sc), len(past_end)]
    assert row_of(found["late"], "广东省") == ["广东省", 1, 0, 0]
    # Adoption by province: answers expected from the units in scope; 未报送 the rest.
    sc_records = AdoptionRecord.objects.filter(province=world.sc_province)
    statuses = [
        sc_records.filter(status=s).count()
        for s in ["not_deployed", "deployed", "landed", "effective", "not_applicable"]
    ]
    expected = expected_answers(world.sc_province)
    row = row_of(found["adoption"], "四川省")
    assert row[1:8] == [expected, expected - sc_records.count(), *statuses]
    assert statuses == [1, 1, 1, 1, 1]
    map_data = {d["code"]: d for d in found["adoption"].chart["data"]}
    assert map_data["510000"]["value"] == row[-1]
    # By level: the county records of Sichuan, and Guangdong's province record.
    levels = found["levels"].rows
    assert sum(r[4] for r in levels) == AdoptionRecord.objects.filter(status="deployed").count()
    # Ratings and incentives.
    assert row_of(found["ratings"], "good")[1] == 1
    assert row_of(found["ratings"], "excellent")[1] == 1
    assert row_of(found["incentives"], "commendation by circular")[1] == 1
    # The seminar a year after the first batch's date of issue (source 000: 一年后组织交流研讨一次).
    first = PromotionBatch.objects.get(number=1)
    start = first.issued_on or first.published_on
    assert start is not None
    due = start.replace(year=start.year + 1)
    (seminar,) = [r for r in found["seminars"].rows if first.doc_number in r[0]]
    assert seminar[1:3] == [due.isoformat(), (due - today).days]
    # The page draws each block from its JSON and shows its table.
    html = response.content.decode()
    for key in found:
        assert f'id="chart-{key}-data"' in html
    assert "<table>" in html and "四川省" in html


def test_last_notice_date_matches_expected_end():
    """The date bound used in SQL gives exactly the tasks Task.expected_end calls past."""
    from claims.models import add_months

    for today in [datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), datetime.date(2024, 3, 1)]:
        for months in (1, 12, 24):
            bound = last_notice_date(months, today)
            for offset in range(-70, 70):
                day = bound + datetime.timedelta(days=offset)
                assert (add_months(day, months) < today) == (day <= bound), (today, months, day)


def test_province_sees_only_its_territory(world):
    response = get(world.users["sichuan"])
    assert response.status_code == 200
    found = blocks(response)
    assert row_of(found["funnel"], "2098")[1:5] == [3, 2, 2, 2]
    assert {row[1] for row in found["claims"].rows} == {"四川省"}
    assert {row[0] for row in found["late"].rows} == {"四川省"}
    prefectures = set(
        Division.objects.filter(province=world.sc_province, level=2).values_list("name", flat=True)
    )
    names = {row[0] for row in found["adoption"].rows}
    assert names - {"the province and units directly under it"} <= prefectures
    assert found["adoption"].chart["kind"] == "bar"
    # The figures of the whole province add up to the national row of Sichuan.
    total_expected = sum(row[1] for row in found["adoption"].rows)
    assert total_expected == expected_answers(world.sc_province)
    assert sum(row[4] for row in found["adoption"].rows) == 1  # deployed: Sichuan's only
    assert row_of(found["ratings"], "excellent")[1] == 0  # Guangdong's task
    assert row_of(found["incentives"], "priority support for major projects")[1] == 0
    html = response.content.decode()
    assert "广东省" not in html
    assert "2098年度揭榜" in html


def test_guangdong_does_not_see_sichuan(world):
    found = blocks(get(world.users["guangdong"]))
    assert row_of(found["funnel"], "2098")[1:5] == [2, 2, 1, 1]
    assert {row[1] for row in found["claims"].rows} == {"广东省"}
    assert sum(row[6] for row in found["adoption"].rows) == 0  # Sichuan's 见成效


@pytest.mark.parametrize("role", ["city", "county", "park", "implementer", "expert", "region"])
def test_refused(world, role):
    users = world.users
    if role == "city":
        user = users["city"]
    elif role == "county":
        user = make_user("county", Role.CITY, division=Division.objects.get(code="510104"))
    elif role == "park":
        user = make_user("park", Role.PARK, park=world.park)
    else:
        user = users[role]
    measure = world.measure.pk
    for url in [
        URL,
        reverse("overview:dashboard_xlsx"),
        reverse("overview:diffusion_index"),
        reverse("overview:diffusion", args=[measure]),
        reverse("overview:diffusion_xlsx", args=[measure]),
    ]:
        assert client_for(user).get(url).status_code == 403, (role, url)


def test_anonymous_is_sent_to_log_in(world):
    from django.test import Client

    for url in [URL, reverse("overview:dashboard_xlsx"), reverse("overview:diffusion_index")]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_export_has_one_sheet_per_block(world):
    user = world.users["sichuan"]
    found = blocks(get(user))
    with translation.override("en"):
        response = client_for(user).get(
            reverse("overview:dashboard_xlsx"), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == len(found)
    for name, block in zip(book.sheetnames, found.values(), strict=True):
        sheet = book[name]
        assert isinstance(sheet, Worksheet)
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert values[0] == block.headers
        for written, shown in zip(values[1 : 1 + len(block.rows)], block.rows, strict=True):
            assert [("" if v is None else v) for v in written] == shown
    adoption_sheet = book[book.sheetnames[list(found).index("adoption")]]
    assert isinstance(adoption_sheet, Worksheet)
    assert adoption_sheet.max_row >= 2


def count_queries(user: User) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["national", "sichuan"])
def test_queries_do_not_grow_with_the_data(world, who, django_assert_num_queries):
    user = world.users[who]
    small = count_queries(user)
    add_tasks(world, 4)  # 2 -> 6 tasks of Sichuan
    add_records(world, 45)  # 5 -> 50 adoption records
    more = ProgrammeItem.objects.create(
        programme=world.programme, position=99, category="x", title="再一项"
    )
    Claim.objects.create(item=more, claimant=world.guangdong, claimed_by=world.national)
    assert AdoptionRecord.objects.filter(province=world.sc_province).count() == 50
    forget_all()  # computed anew, as once the snapshot's lifetime is over
    client = client_for(user)
    with django_assert_num_queries(small):
        assert client.get(URL).status_code == 200


def test_chart_files_are_served_by_the_app(world):
    """ECharts and the map of China come from static/vendor (make setup), found by the
    static files finders the app serves them with; no page loads anything from elsewhere."""
    script = finders.find("vendor/echarts/echarts.min.js")
    china = finders.find("vendor/echarts/china.json")
    assert script and china, "run `make setup` to copy the vendored files"
    import json

    geo = json.loads(Path(china).read_text(encoding="utf-8"))
    codes = {feature["properties"]["id"] for feature in geo["features"]}
    assert {"510000", "440000", "110000"} <= codes
    assert finders.find("js/charts.js")
    response = get(world.national)
    html = response.content.decode()
    assert f'src="{settings.STATIC_URL}vendor/echarts/echarts.min.js"' in html or (
        "/static/vendor/echarts/echarts.min.js" in html
    )
    chart = blocks(response)["adoption"].chart
    assert chart["map"].endswith("vendor/echarts/china.json")
    outside = re.compile(r"""<(?:script|link|img|iframe)[^>]+(?:src|href)=["']https?://""", re.I)
    assert not outside.search(html)
    for template in Path(settings.BASE_DIR, "templates", "overview").glob("*.html"):
        assert not outside.search(template.read_text(encoding="utf-8")), template
    assert "http://" not in Path(finders.find("js/charts.js") or "").read_text(encoding="utf-8")


def test_claims_against_the_rule_of_484(world):
    """发改高技〔2021〕484号 §三（三）: "原则上每个地方年度揭榜改革任务不少于3项" — addressed to
    the provinces; an experiment region added as claimant is shown but not held to it."""
    add_tasks(world, 1)  # Sichuan: 3 claims
    group = Claimant.objects.create(programme=world.programme, region_group_id=1)
    item = ProgrammeItem.objects.get(programme=world.programme, position=1)
    Claim.objects.create(item=item, claimant=group, claimed_by=world.national)
    rows = {row[1]: row[2:] for row in blocks(get(world.national))["claims"].rows}
    assert rows["四川省"] == [3, 3, "meets the rule"]
    assert rows["广东省"] == [1, 3, "below the minimum"]
    assert group.short_name in rows
    assert rows[group.short_name][0] == 1
    assert rows[group.short_name][2] == "not held to the rule"
