"""The diffusion of one measure (overview:diffusion): adoption over time against a count
made here record by record, the laggards, the difficulties grouped by theme with the text
package of merging, a province's view limited to its territory, refusals and bounded
queries."""

import datetime
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role
from overview.dashboards.base import month_ends
from overview.snapshots import forget_all
from promotion.models import AdoptionRecord, PromotedMeasure
from promotion.reference import load_promotion
from promotion.services.records import AdoptionData, adoption_write
from promotion.territory import divisions_in_scope, parks_in_scope
from regions.models import Division
from tests.conftest import client_for, make_user

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
SIMILAR = [
    "研发费用加计扣除政策落实难，税务部门认定标准不统一，企业申报材料繁琐",
    "研发费用加计扣除认定标准不统一，企业申报材料繁琐，税务部门审核周期长",
]
DIFFERENT = "高校科研人员离岗创业的人事关系处理缺少细则，人社部门没有明确口径"


def file(by: Any, unit: Division, measure: PromotedMeasure, data: AdoptionData) -> None:
    adoption_write(by=by, unit=unit, measure=measure, data=data)


def add_records(world: SimpleNamespace, n: int) -> None:
    """`n` more records of Sichuan's counties, cycling through statuses and dates."""
    taken = AdoptionRecord.objects.filter(measure=world.measure).values("division")
    units = list(
        Division.objects.filter(province=world.sc, level=3)
        .exclude(pk__in=taken)
        .order_by("code")[:n]
    )
    cycle = [
        AdoptionData("not_deployed"),
        AdoptionData("deployed", datetime.date(2023, 1, 15)),
        AdoptionData("landed", datetime.date(2024, 2, 29), local_document="文件"),
        AdoptionData("effective", datetime.date(2025, 7, 1), local_document="文件"),
        AdoptionData("not_applicable", reason="不适用"),
    ]
    for i, unit in enumerate(units):
        file(world.sichuan, unit, world.measure, cycle[i % len(cycle)])


@pytest.fixture
def world(users, media_root) -> SimpleNamespace:
    load_promotion()
    sc = Division.objects.get(code="510000")
    gd = Division.objects.get(code="440000")
    measure = PromotedMeasure.objects.get(batch__number=1, position=9)
    ns = SimpleNamespace(
        users=users,
        national=users["national"],
        sichuan=users["sichuan"],
        guangdong=users["guangdong"],
        sc=sc,
        gd=gd,
        measure=measure,
    )
    prefectures = list(Division.objects.filter(province=sc, level=2).order_by("code")[:3])
    # A prefecture deployed in 2022, then in place in 2023: both dates are kept.
    file(
        ns.sichuan,
        prefectures[0],
        measure,
        AdoptionData("deployed", datetime.date(2022, 3, 1), difficulties=SIMILAR[0]),
    )
    file(
        ns.sichuan,
        prefectures[0],
        measure,
        AdoptionData(
            "landed",
            datetime.date(2023, 6, 30),
            local_document="成府发〔2023〕1号",
            difficulties=SIMILAR[0],
        ),
    )
    file(ns.sichuan, prefectures[1], measure, AdoptionData("not_deployed", difficulties=SIMILAR[1]))
    file(
        ns.sichuan,
        prefectures[2],
        measure,
        AdoptionData("deployed", datetime.date(2024, 1, 10), difficulties=DIFFERENT),
    )
    file(
        ns.sichuan,
        sc,
        measure,
        AdoptionData("effective", datetime.date(2021, 12, 31), local_document="川府发〔2021〕9号"),
    )
    file(
        ns.guangdong,
        gd,
        measure,
        AdoptionData("deployed", datetime.date(2020, 5, 5), difficulties="广东的难点：资金不足"),
    )
    return ns


def url(world: SimpleNamespace) -> str:
    return reverse("overview:diffusion", args=[world.measure.pk])


def highest(record: AdoptionRecord, day: datetime.date) -> str:
    """The record's status at `day`, worked out here one record at a time."""
    if record.effective_on and record.effective_on <= day:
        return "effective"
    if record.landed_on and record.landed_on <= day:
        return "landed"
    if record.deployed_on and record.deployed_on <= day:
        return "deployed"
    if record.status == "not_applicable" and (record.status_on is None or record.status_on <= day):
        return "not_applicable"
    return "none"


def units_in(measure: PromotedMeasure, province: Division) -> int:
    return (
        divisions_in_scope(measure).filter(province=province).count()
        + parks_in_scope(measure).filter(province=province).count()
    )


def test_adoption_over_time_as_counted_here(world):
    add_records(world, 10)
    response = client_for(world.sichuan).get(url(world), **EN)
    assert response.status_code == 200
    block = response.context["curve"]
    measure = world.measure
    start = measure.batch.issued_on or measure.batch.published_on
    ends = month_ends(start, timezone.localdate())
    assert [row[0] for row in block.rows] == [end.strftime("%Y-%m") for end in ends]
    records = list(AdoptionRecord.objects.filter(measure=measure, province=world.sc))
    units = units_in(measure, world.sc)
    keys = ["effective", "landed", "deployed", "not_applicable"]
    for end, row in zip(ends, block.rows, strict=True):
        reached = [highest(r, end) for r in records]
        counts = [reached.count(key) for key in keys]
        assert row[1:5] == counts, end
        assert row[5] == units - sum(counts)
        assert row[6] == units
    # The prefecture deployed in March 2022 and in place in June 2023.
    by_month = {row[0]: row for row in block.rows}
    assert by_month["2022-03"][3] - by_month["2022-02"][3] >= 1
    # Guangdong's record is not in Sichuan's curve.
    assert by_month["2020-05"][3] == 0


def test_laggards_are_paged_and_never_reported_first(world, settings):
    settings.PAGE_SIZE = 50
    client = client_for(world.sichuan)
    response = client.get(url(world), **EN)
    page = response.context["page"]
    records = AdoptionRecord.objects.filter(measure=world.measure, province=world.sc)
    moving = records.exclude(status="not_deployed").count()
    assert page.paginator.count == units_in(world.measure, world.sc) - moving
    assert page.paginator.num_pages > 1
    assert all(row["status"] is None for row in response.context["lagging"])
    last = client.get(url(world), {"page": page.paginator.num_pages}, **EN)
    assert last.context["lagging"][-1]["status"] == "not_deployed"
    names = {
        row["name"]
        for p in range(1, page.paginator.num_pages + 1)
        for row in client.get(url(world), {"page": p}, **EN).context["lagging"]
    }
    assert "广东省" not in names
    assert Division.objects.get(code="510000").name not in names  # showing results


def test_difficulties_are_grouped_by_theme(world):
    response = client_for(world.national).get(url(world), **EN)
    groups, alone = response.context["groups"], response.context["alone"]
    texts = [sorted(text for _unit, text in theme.texts) for theme in groups]
    assert sorted(SIMILAR) in texts
    assert any(text == DIFFERENT for theme in alone for _unit, text in theme.texts)
    assert groups[0].terms
    html = response.content.decode()
    assert "广东的难点" in html  # the national level sees every province
    province = client_for(world.sichuan).get(url(world), **EN).content.decode()
    assert "广东的难点" not in province


def test_export_reads_back(world):
    response = client_for(world.sichuan).get(
        reverse("overview:diffusion_xlsx", args=[world.measure.pk]), **EN
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 3
    laggards = book[book.sheetnames[1]]
    assert isinstance(laggards, Worksheet)
    assert laggards.max_row - 1 == units_in(world.measure, world.sc) - 3
    themes = book[book.sheetnames[2]]
    assert isinstance(themes, Worksheet)
    written = [row[2] for row in themes.iter_rows(min_row=2, values_only=True)]
    assert set(SIMILAR) | {DIFFERENT} == set(written)


def test_index_lists_measures_with_their_share(world):
    response = client_for(world.sichuan).get(reverse("overview:diffusion_index"), **EN)
    assert response.status_code == 200
    (row,) = [m for m in response.context["page"].object_list if m.pk == world.measure.pk]
    assert row.reported == 4  # Sichuan's four records, not Guangdong's
    assert row.units == units_in(world.measure, world.sc)
    assert url(world) in response.content.decode()


@pytest.mark.parametrize("role", ["city", "county", "park", "implementer", "expert", "public"])
def test_refused(world, role):
    if role == "county":
        user = make_user("county", Role.CITY, division=Division.objects.get(code="510104"))
    elif role == "park":
        from regions.models import Park

        park = Park.objects.order_by("pk").first()
        user = make_user("park", Role.PARK, park=park)
    else:
        user = world.users[role]
    assert client_for(user).get(url(world)).status_code == 403
    assert client_for(user).get(reverse("overview:diffusion_index")).status_code == 403


def test_draft_measure_is_not_found(world):
    from promotion.models import PromotionBatch

    draft = PromotionBatch.objects.create(number=9, measure_count=1, state="draft")
    measure = PromotedMeasure.objects.create(batch=draft, position=1, title="草稿")
    response = client_for(world.national).get(reverse("overview:diffusion", args=[measure.pk]))
    assert response.status_code == 404


def queries(client: Any, address: str) -> int:
    with CaptureQueriesContext(connection) as found:
        assert client.get(address).status_code == 200
    return len(found)


@pytest.mark.parametrize("who", ["national", "sichuan"])
def test_queries_do_not_grow_with_the_data(world, who, django_assert_num_queries):
    client = client_for(world.users[who])
    small = queries(client, url(world))  # 5 records
    add_records(world, 45)  # 50
    assert AdoptionRecord.objects.filter(measure=world.measure).count() == 50
    with django_assert_num_queries(small):
        assert client.get(url(world)).status_code == 200


def test_index_queries_do_not_grow_with_the_data(world, django_assert_num_queries):
    client = client_for(world.sichuan)
    address = reverse("overview:diffusion_index")
    small = queries(client, address)
    add_records(world, 45)
    forget_all()  # computed anew, as once the snapshot's lifetime is over
    with django_assert_num_queries(small):
        assert client.get(address).status_code == 200
