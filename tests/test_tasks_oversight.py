"""Layered implementation (分层推进, 省地协同): a province oversees the demonstration zones on its
territory, the zone runs its own tasks.

Sources: 发改高技〔2021〕484号 §四 ("建立省份、重点城市、试点单位分层推进机制"); the 2024 zone
policy pilot (source 003): 江苏 "建立省地协同推进机制……省地协同，按季调度", 广东 "督促指导各有关
地市……不定期开展督查". Limiting the oversight to demonstration zones (not experiment regions) is
the platform's rule (`tasks.rules.OVERSEEN_BY`).

The world: a zone pilot programme in which the Chengdu zone (四川), the Shenzhen zone (广东) and
the experiment region 四川（成德绵） each claimed an item. The Chengdu zone's coordinator named
the zone's management body as lead implementer and approved its plan; there are a submitted
and a draft report, a help request addressed to the locality, and a fault-tolerance filing.
"""

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from accounts.models import Role
from claims import services as claims
from claims.models import Programme
from kernel.errors import Forbidden
from notifications.models import Notification
from regions.models import Organisation, RegionGroup
from tasks import dispatch, rules, selectors
from tasks import reports_selectors as report_reads
from tasks.models import HelpRequest, Inspection, ProgressReport, Task, ToleranceFiling
from tasks.services import help as help_services
from tasks.services import plans, reports, supervision, tolerance
from tests.conftest import client_for, division, make_user
from tests.test_claims_fixtures import claimant, make_programme, shortlist_all
from tests.test_tasks_fixtures import approved_plan
from tests.test_visibility import assert_uses_agree

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate()
MEASURES = {"measures_title": "容错纠错实施办法（测试）", "measures_number": "测〔2025〕1号"}


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def build(users) -> SimpleNamespace:
    national = users["national"]
    groups = {
        "chengdu_zone": RegionGroup.objects.get(name="成都国家自主创新示范区"),
        "shenzhen_zone": RegionGroup.objects.get(name="深圳国家自主创新示范区"),
        "chengdemian": RegionGroup.objects.get(name="四川（成德绵）"),
    }
    assert groups["chengdemian"].kind == RegionGroup.Kind.EXPERIMENT_REGION
    for name, group in groups.items():
        users[name] = make_user(name, Role.LOCALITY, region_group=group)
    body = Organisation.objects.create(
        name="成都高新区管理委员会（测试）", kind="government", division=division("510100")
    )
    users["zone_implementer"] = make_user("zone_implementer", Role.IMPLEMENTER, organisation=body)

    programme = make_programme(users, kind=Programme.Kind.ZONE_PILOT, min_claims=0, items=2)
    claims.claimants_set(
        programme=programme, by=national, divisions=[], region_groups=groups.values()
    )
    item = programme.items.order_by("position")[0]
    for name in groups:
        claims.item_claim(item=item, claimant=claimant(programme, users[name]), by=users[name])
    claims.programme_close(programme=programme, by=national)
    shortlist_all(programme, national)
    claims.notices_issue(
        programme=Programme.objects.get(pk=programme.pk),
        by=national,
        issuing_authority="工业和信息化部、科学技术部（测试）",
        doc_code="测试",
        issued_on=TODAY,
    )
    tasks = {t.claimant.region_group: t for t in Task.objects.filter(programme=programme)}
    task = tasks[groups["chengdu_zone"]]
    zone = users["chengdu_zone"]
    plans.task_update(task=task, by=zone, responsible_person="（测试）王主任")
    plans.implementer_add(task=task, by=zone, organisation=body, lead=True)
    task = approved_plan(task, zone, users["zone_implementer"])
    # Approved early in the year, so that a report can be submitted and another drafted.
    approved = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
    Task.objects.filter(pk=task.pk).update(plan_approved_at=approved)
    task = Task.objects.get(pk=task.pk)
    implementer = users["zone_implementer"]
    today = datetime.date(2026, 11, 22)
    report = reports.report_start(task=task, by=implementer, period=(2026, 1), today=today)
    ProgressReport.objects.filter(pk=report.pk).update(done="完成首批试点遴选")
    submitted = reports.report_submit(report=report, by=implementer)
    draft = reports.report_start(task=task, by=implementer, period=(2026, 2), today=today)
    help_request = help_services.help_request(task=task, by=implementer, text="中试平台收费标准")
    filing = tolerance.tolerance_file(
        task=task, by=implementer, what_went_wrong="合作企业退出", good_faith="集体决策"
    )
    return SimpleNamespace(
        programme=programme,
        task=task,
        shenzhen=tasks[groups["shenzhen_zone"]],
        chengdemian=tasks[groups["chengdemian"]],
        submitted=submitted,
        draft=draft,
        help=help_request,
        filing=filing,
    )


@pytest.fixture
def w(users):
    return build(users)


def inspect(task, by, **kw):
    return supervision.inspection_record(
        task=task,
        by=by,
        kind=Inspection.Kind.REPORT_REVIEW,
        inspected_on=TODAY,
        findings="报告缺数据",
        **kw,
    )


# The definitions --------------------------------------------------------------------------


def test_sichuan_oversees_the_chengdu_zone_and_runs_none_of_it(users, w):
    sichuan, zone = users["sichuan"], users["chengdu_zone"]
    assert rules.can_view_task(sichuan, w.task) and rules.oversees_task(sichuan, w.task)
    assert rules.can_inspect(sichuan, w.task)
    assert not rules.runs_task(sichuan, w.task)
    assert not rules.can_manage_task(sichuan, w.task)
    assert not rules.can_decide_tolerance(sichuan, w.filing)
    assert not rules.can_answer_help(sichuan, w.help)
    assert not rules.can_escalate_help(sichuan, w.help)
    assert not rules.can_bulk_update_task(sichuan, w.task)
    # The zone's coordinator runs it.
    assert rules.runs_task(zone, w.task) and not rules.oversees_task(zone, w.task)
    assert rules.can_manage_task(zone, w.task) and rules.can_inspect(zone, w.task)
    assert rules.can_decide_tolerance(zone, w.filing) and rules.can_answer_help(zone, w.help)
    assert set(rules.RUN_BY.audience(w.task).values_list("username", flat=True)) == {"chengdu_zone"}


def test_only_the_province_the_zone_lies_in_and_only_over_zones(users, w):
    sichuan, guangdong = users["sichuan"], users["guangdong"]
    assert not rules.can_view_task(guangdong, w.task) and not rules.can_inspect(guangdong, w.task)
    assert rules.can_view_task(guangdong, w.shenzhen) and rules.can_inspect(guangdong, w.shenzhen)
    assert not rules.can_view_task(sichuan, w.shenzhen)
    # An experiment region within Sichuan is not overseen: the rule is about zones.
    assert not rules.can_view_task(sichuan, w.chengdemian)
    assert rules.runs_task(users["chengdemian"], w.chengdemian)
    seen = set(selectors.tasks_visible_to(sichuan).values_list("pk", flat=True))
    assert seen == {w.task.pk}
    # Nor does the zone's coordinator see the province's other claimants' tasks.
    assert not rules.can_view_task(users["chengdu_zone"], w.shenzhen)


def world_users(users) -> dict[str, Any]:
    inactive = make_user("sichuan_gone", Role.LOCALITY, division=division("510000"))
    inactive.is_active = False
    inactive.save()
    return {**users, "sichuan_gone": inactive, "anonymous": AnonymousUser()}


KINDS = {
    "tasks": rules.TASKS,
    "run by": rules.RUN_BY,
    "overseen by": rules.OVERSEEN_BY,
    "inspected by": rules.INSPECTED_BY,
    "updated in bulk by": rules.UPDATED_IN_BULK_BY,
    "reports": rules.REPORTS,
    "help requests": rules.HELP_REQUESTS,
    "inspections": rules.INSPECTIONS,
    "filings": rules.FILINGS,
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_predicate_queryset_and_recipients_agree(users, w, kind):
    """As tests/test_visibility.py, over a world with zones: the grant across the zone's
    divisions (a to-many relation) reads alike from the object, the database and the users."""
    inspect(w.task, users["sichuan"], rectification="补数据", rectify_by=TODAY)
    assert_uses_agree(kind, KINDS[kind], world_users(users))


def test_sichuan_reads_the_zone_reports_but_not_its_drafts(users, w):
    readers = set(rules.REPORTS.audience(w.submitted).values_list("username", flat=True))
    assert readers == {"national", "chengdu_zone", "sichuan", "zone_implementer"}
    assert set(rules.REPORTS.audience(w.draft).values_list("username", flat=True)) == {
        "zone_implementer"
    }


# Who is told ------------------------------------------------------------------------------


def test_what_the_zone_decides_is_told_to_the_zone_only(users, w):
    """Help addressed to the locality and filings go to the zone's coordinator, who acts on
    them; the overseeing province is not asked to."""
    for url in (f"/tasks/help/{w.help.pk}/", f"/tasks/tolerance/{w.filing.pk}/decide/"):
        told = Notification.objects.filter(url=url).values_list("user__username", flat=True)
        assert set(told) == {"chengdu_zone"}, url
    # Nor of the plan submitted or the report filed: the zone approves and reads them first.
    # (The claim window's opening, a hand-off of issue #12, did reach the province.)
    sichuan = Notification.objects.filter(user=users["sichuan"])
    sichuan = sichuan.exclude(about__startswith="programme:")
    assert not sichuan.exists()
    task = Task.objects.filter(pk=w.task.pk)
    coordinators = rules.RUN_BY.audience_of_each(task)[w.task.pk]  # the reminders' recipients
    assert [u.username for u in coordinators] == ["chengdu_zone"]


def test_a_rectification_the_province_requires_is_told_to_the_zone(users, w):
    Notification.objects.all().delete()
    inspection = inspect(w.task, users["sichuan"], rectification="补数据", rectify_by=TODAY)
    assert inspection.inspector == users["sichuan"]
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"zone_implementer", "chengdu_zone"}
    # When the zone inspects its own task, it is not told of its own inspection.
    Notification.objects.all().delete()
    inspect(w.task, users["chengdu_zone"], rectification="补数据", rectify_by=TODAY)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "zone_implementer"
    }


# The services -----------------------------------------------------------------------------


def test_sichuan_inspects_and_the_zone_follows_up(users, w):
    inspection = inspect(w.task, users["sichuan"], rectification="补数据", rectify_by=TODAY)
    supervision.follow_up_add(inspection=inspection, by=users["zone_implementer"], note="已补")
    closed = supervision.inspection_close(inspection=inspection, by=users["sichuan"], note="核实")
    assert closed.state == Inspection.State.CLOSED
    with pytest.raises(Forbidden):
        inspect(w.task, users["guangdong"])


def test_sichuan_cannot_run_the_zone_task(users, w):
    sichuan = users["sichuan"]
    body = Organisation.objects.get(name="成都高新区管理委员会（测试）")
    with pytest.raises(Forbidden):
        plans.task_update(task=w.task, by=sichuan, responsible_person="李四")
    with pytest.raises(Forbidden):
        plans.implementer_add(task=w.task, by=sichuan, organisation=body)
    with pytest.raises(Forbidden):
        tolerance.tolerance_decide(
            filing=w.filing, by=sichuan, accepted=True, reason="符合", **MEASURES
        )
    with pytest.raises(Forbidden):
        help_services.help_answer(request=w.help, by=sichuan, answer="答复")
    with pytest.raises(Forbidden):
        help_services.help_escalate(request=w.help, by=sichuan, note="上报")
    assert w.task.pk not in set(report_reads.bulk_tasks(sichuan).values_list("pk", flat=True))
    assert w.task.pk in set(
        report_reads.bulk_tasks(users["chengdu_zone"]).values_list("pk", flat=True)
    )
    assert w.task.pk in set(report_reads.bulk_tasks(users["national"]).values_list("pk", flat=True))


def test_sichuan_cannot_approve_the_zone_plan(users, w):
    """Plan approval stays with the zone (its plan is submitted again for the check)."""
    zone = users["chengdu_zone"]
    task = Task.objects.get(pk=w.task.pk)
    Task.objects.filter(pk=task.pk).update(plan_state=Task.PlanState.SUBMITTED)
    task.refresh_from_db()
    assert not rules.can_decide_plan(users["sichuan"], task)
    with pytest.raises(Forbidden):
        plans.plan_approve(task=task, by=users["sichuan"])
    assert rules.can_decide_plan(zone, task)
    assert plans.plan_approve(task=task, by=zone).plan_state == Task.PlanState.APPROVED


def test_the_zone_decides_its_filing(users, w):
    decided = tolerance.tolerance_decide(
        filing=w.filing, by=users["chengdu_zone"], accepted=True, reason="符合", **MEASURES
    )
    # The default body deciding is the locality running the task: the zone.
    assert decided.deciding_body == "成都国家自主创新示范区"
    assert decided.measures == "容错纠错实施办法（测试） (document 测〔2025〕1号)"


# Pages ------------------------------------------------------------------------------------


def test_sichuan_sees_the_zone_task_and_its_parts(users, w):
    client = client_for(users["sichuan"])
    task_url = f"/tasks/{w.task.pk}/"
    page = client.get(task_url, **EN)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="oversight"' in html
    assert f"/tasks/reports/{w.submitted.pk}/" in html
    assert f"/tasks/{w.task.pk}/inspections/new/" in html
    for action in ("setup/", "implementers/add/", "plan/approve/", "tolerance/new/"):
        assert f"{task_url}{action}" not in html
    assert f"/tasks/tolerance/{w.filing.pk}/decide/" not in html
    assert "/tasks/bulk/" not in html.split('id="reports-heading"')[1].split("</section>")[0]
    assert client.get(f"/tasks/reports/{w.submitted.pk}/").status_code == 200
    assert client.get(f"/tasks/reports/{w.draft.pk}/").status_code == 404
    assert client.get(f"/tasks/help/{w.help.pk}/").status_code == 200
    index = client.get("/tasks/").context["page"]
    assert w.task.pk in {t.pk for t in index.object_list}
    helps = client.get("/tasks/help/").context["page"]
    assert [h.pk for h in helps.object_list] == [w.help.pk]
    filings = client.get("/tasks/tolerance/", **EN)
    assert [f.pk for f in filings.context["page"].object_list] == [w.filing.pk]
    assert "/decide/" not in filings.content.decode()
    lists = client.get(f"/tasks/lists/{w.task.claimant_id}/tasks/")
    assert lists.status_code == 200
    assert client.get(f"/tasks/progress/{w.programme.pk}/").status_code == 200


def test_the_zone_coordinator_is_offered_what_it_runs(users, w):
    client = client_for(users["chengdu_zone"])
    html = client.get(f"/tasks/{w.task.pk}/", **EN).content.decode()
    assert 'id="oversight"' not in html
    assert f"/tasks/{w.task.pk}/setup/" in html
    assert f"/tasks/tolerance/{w.filing.pk}/decide/" in html
    filings = client.get("/tasks/tolerance/", **EN).content.decode()
    assert f"/tasks/tolerance/{w.filing.pk}/decide/" in filings


@pytest.mark.parametrize(
    ("url", "sichuan", "guangdong"),
    [
        ("/tasks/{task}/", 200, 404),
        ("/tasks/{task}/inspections/new/", 200, 404),
        ("/tasks/{task}/setup/", 403, 404),
        ("/tasks/{task}/implementers/add/", 403, 404),
        ("/tasks/{task}/plan/approve/", 403, 404),
        ("/tasks/tolerance/{filing}/decide/", 403, 404),
        ("/tasks/help/{help}/answer/", 403, 404),
        ("/tasks/reports/{report}/", 200, 404),
    ],
)
def test_over_http(users, w, url, sichuan, guangdong):
    url = url.format(task=w.task.pk, filing=w.filing.pk, help=w.help.pk, report=w.submitted.pk)
    assert client_for(users["sichuan"]).get(url).status_code == sichuan
    assert client_for(users["guangdong"]).get(url).status_code == guangdong


def test_sichuan_records_an_inspection_over_http(users, w):
    url = f"/tasks/{w.task.pk}/inspections/new/"
    data = {
        "kind": "report_review",
        "inspected_on": TODAY.isoformat(),
        "findings": "第二季度报告未报",
        "rectification": "补报",
        "rectify_by": TODAY.isoformat(),
    }
    response = client_for(users["sichuan"]).post(url, data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and inspection.inspector == users["sichuan"]
    assert client_for(users["guangdong"]).post(url, data).status_code == 404
    # The zone and its implementer see it on the task.
    for who in ("chengdu_zone", "zone_implementer"):
        html = client_for(users[who]).get(f"/tasks/{w.task.pk}/").content.decode()
        assert "第二季度报告未报" in html


def test_sichuan_dispatches_the_zone_quarterly(users, w):
    """按季调度 (003): the province's dispatch of the pilot holds the zone's task."""
    result = dispatch.dispatch_for(users["sichuan"], w.programme, (2026, 1), today=TODAY)
    assert [line.task.pk for line in result.lines] == [w.task.pk]
    assert result.lines[0].report == dispatch.ReportStatus.LATE  # submitted long after its due
    assert result.total.open_help == 1
    guangdong = dispatch.dispatch_for(users["guangdong"], w.programme, (2026, 1), today=TODAY)
    assert [line.task.pk for line in guangdong.lines] == [w.shenzhen.pk]
    page = client_for(users["sichuan"]).get(
        f"/tasks/dispatch/?programme={w.programme.pk}&period=2026-1&status=all"
    )
    assert page.status_code == 200
    assert [line.task.pk for line in page.context["page"].object_list] == [w.task.pk]
    # One claimant in this programme: nothing to choose.
    assert "claimant" not in page.context["filters"].fields


def test_a_province_with_own_claims_and_a_zone_may_pick_the_claimant(users, w):
    """Beside the zone's task, a task of Sichuan's own in another programme: the task index
    lets it pick either claimant."""
    from tests.test_tasks_fixtures import task_world

    task_world(users)
    form = client_for(users["sichuan"]).get("/tasks/").context["filters"]
    choices = {c.pk for c in form.fields["claimant"].queryset}
    assert w.task.claimant_id in choices and len(choices) == 2
    assert (
        "claimant" not in client_for(users["chengdu_zone"]).get("/tasks/").context["filters"].fields
    )


def test_help_stays_with_the_zone(users, w):
    assert HelpRequest.objects.get(pk=w.help.pk).level == HelpRequest.Level.LOCALITY
    answered = help_services.help_answer(request=w.help, by=users["chengdu_zone"], answer="已协调")
    assert answered.state == HelpRequest.State.ANSWERED
    assert ToleranceFiling.objects.get(pk=w.filing.pk).state == ToleranceFiling.State.PENDING
