"""Commissioned evaluations (委托评估): the national level commissions a third-party evaluator
over chosen tasks, a locality's tasks, a programme or an experiment region as a whole; an
organisation implementing a task in the scope cannot evaluate it; the evaluator sees exactly
its commissions and the tasks in them, read-only, and records field visits and evidence.

Sources: 发改高技〔2021〕484号 §三(四) ("在揭榜改革任务完成后，国家发展改革委、科技部及时委托
第三方机构评估"): only the national level commissions, and the evaluator is a third party;
source 000 ("从3年的跟踪评估看"): a task can be evaluated again in later years, and open tasks
may be taken for a mid-term or follow-up evaluation. The independence check, the default to
closed tasks and the once-only rules are the platform's."""

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role
from audit.models import AuditEntry
from audit.presentation import change_rows
from claims import services as claims
from claims.models import Programme
from evaluation.errors import EvaluationError
from evaluation.models import Commission, Evidence, FieldVisit, Indicator, TaskEvaluation
from evaluation.models.closeout import InstitutionalDocument
from evaluation.services import commissions as services
from kernel.errors import Forbidden
from kernel.uploads import NAME_LIMIT
from notifications.models import Notification
from regions.models import Organisation, RegionGroup
from tasks.models import Implementer, ProgressReport, Task
from tasks.services import help as help_services
from tasks.services import reports, supervision, tolerance
from tasks.services.reports import MilestoneFigure
from tests.conftest import client_for, division, make_user
from tests.test_claims_fixtures import claimant, make_programme
from tests.test_evaluation_fixtures import close_task
from tests.test_tasks_fixtures import task_world

Scope = Commission.Scope
EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
START, END = datetime.date(2027, 3, 1), datetime.date(2027, 9, 30)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def w(users):
    return task_world(users)


def close(*tasks: Task, on: datetime.date = datetime.date(2027, 1, 15)) -> None:
    """Closed as completed, directly (the close-out flow is tested in its own module)."""
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(closure="completed", closed_on=on)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def evaluator_org(users) -> Organisation:
    return users["evaluator"].organisation


def commission(users, *, scope=Scope.TASKS, title="2027年度揭榜任务第三方评估", **kw) -> Commission:
    kw.setdefault("evaluator", evaluator_org(users))
    return services.commission_create(
        by=users["national"],
        title=title,
        scope=scope,
        starts_on=kw.pop("starts_on", START),
        ends_on=kw.pop("ends_on", END),
        terms_of_reference=kw.pop("terms_of_reference", "评估目标达成情况与改革成效"),
        independence=kw.pop("independence", services.standard_independence()),
        **kw,
    )


def scoped(c: Commission) -> set[int]:
    return set(c.evaluations.values_list("task_id", flat=True))


def pdf(name="调研纪要.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def other_evaluator():
    org = Organisation.objects.create(
        name="另一评估机构", kind="evaluator", division=division("110000")
    )
    return make_user("other_evaluator", Role.EVALUATOR, organisation=org)


# Scope resolution ---------------------------------------------------------------------------


def test_chosen_tasks_are_the_scope_and_the_indicator_system_starts(users, w):
    close(*w.sichuan_tasks[:2])
    c = commission(users, tasks=w.sichuan_tasks[:2])
    assert scoped(c) == {t.pk for t in w.sichuan_tasks[:2]}
    assert (c.scope, c.programme, c.claimant, c.region_group) == (Scope.TASKS, None, None, None)
    assert Indicator.objects.filter(commission=c).count() == 6
    assert c.state == Commission.State.IN_PROGRESS


def test_a_locality_scope_takes_its_closed_tasks_unless_open_ones_are_asked_for(users, w):
    close(w.sichuan_tasks[0], w.guangdong_tasks[0])
    c = commission(users, scope=Scope.LOCALITY, claimant=w.sichuan)
    assert scoped(c) == {w.sichuan_tasks[0].pk}
    assert (c.claimant, c.programme) == (w.sichuan, w.programme)
    midterm = commission(
        users, scope=Scope.LOCALITY, claimant=w.sichuan, closed_only=False, title="中期评估"
    )
    assert scoped(midterm) == {t.pk for t in w.sichuan_tasks}


def test_a_locality_scope_over_every_programme(users, w):
    second = task_world(users, approved=False)
    assert second.programme != w.programme
    c = commission(
        users, scope=Scope.LOCALITY, claimant=w.sichuan, all_programmes=True, closed_only=False
    )
    assert scoped(c) == {t.pk for t in [*w.sichuan_tasks, *second.sichuan_tasks]}
    assert c.programme is None and c.claimant == w.sichuan


def test_a_programme_scope_takes_every_closed_task_of_the_programme(users, w):
    close(w.sichuan_tasks[1], *w.guangdong_tasks)
    c = commission(users, scope=Scope.PROGRAMME, programme=w.programme)
    assert scoped(c) == {w.sichuan_tasks[1].pk, *(t.pk for t in w.guangdong_tasks)}
    assert c.programme == w.programme


def region_world(users):
    """A programme in which experiment region 1 (the `region` user's) claimed two items."""
    programme = make_programme(users, title="试验区域揭榜")
    region = claimant(programme, users["region"])
    sichuan = claimant(programme, users["sichuan"])
    items = list(programme.items.order_by("position"))
    for item in items[:2]:
        claims.item_claim(item=item, claimant=region, by=users["region"])
    for item in items[:3]:
        claims.item_claim(item=item, claimant=sichuan, by=users["sichuan"])
    claims.programme_close(programme=programme, by=users["national"], reason="测试")
    claims.notices_issue(
        programme=Programme.objects.get(pk=programme.pk),
        by=users["national"],
        issuing_authority="国家发展改革委",
        doc_code="发改高技",
        issued_on=datetime.date(2026, 1, 1),
    )
    return programme, list(Task.objects.filter(claimant=region))


def test_a_region_scope_takes_the_tasks_of_the_region_as_a_whole(users, w):
    programme, region_tasks = region_world(users)
    assert len(region_tasks) == 2
    close(*region_tasks, *w.sichuan_tasks)
    group = RegionGroup.objects.get(pk=1)
    c = commission(users, scope=Scope.REGION, region_group=group)
    assert scoped(c) == {t.pk for t in region_tasks}
    assert c.region_group == group and c.programme is None
    # The region's own indicators (机制、政策、主体、资源协同, source 002) come on top.
    assert Indicator.objects.filter(commission=c).count() == 10


def test_a_region_scope_of_one_programme_and_only_of_an_experiment_region(users, w):
    programme, region_tasks = region_world(users)
    close(*region_tasks)
    group = RegionGroup.objects.get(pk=1)
    with pytest.raises(EvaluationError, match="No closed task"):
        commission(users, scope=Scope.REGION, region_group=group, programme=w.programme)
    c = commission(users, scope=Scope.REGION, region_group=group, programme=programme)
    assert scoped(c) == {t.pk for t in region_tasks} and c.programme == programme
    zone = RegionGroup.objects.filter(kind=RegionGroup.Kind.DEMONSTRATION_ZONE).first()
    with pytest.raises(EvaluationError, match="not a comprehensive innovation reform"):
        commission(users, scope=Scope.REGION, region_group=zone, title="示范区")


# Refusals -----------------------------------------------------------------------------------


def test_an_organisation_implementing_a_task_in_scope_cannot_evaluate_it(users, w):
    close(*w.sichuan_tasks)
    task = w.sichuan_tasks[1]
    Implementer.objects.create(task=task, organisation=evaluator_org(users))
    with pytest.raises(EvaluationError) as refused:
        commission(users, scope=Scope.LOCALITY, claimant=w.sichuan)
    assert task.title in refused.value.message and "评估中心" in refused.value.message
    assert not Commission.objects.exists()
    assert not Notification.objects.filter(user=users["evaluator"]).exists()
    # Leaving the task out of the scope is allowed.
    c = commission(users, tasks=[w.sichuan_tasks[0], w.sichuan_tasks[2]])
    assert task.pk not in scoped(c)


@pytest.mark.parametrize("who", ["sichuan", "implementer", "evaluator", "expert"])
def test_only_the_national_level_commissions(users, w, who):
    close(w.task)
    with pytest.raises(Forbidden):
        services.commission_create(
            by=users[who],
            title="越权",
            evaluator=evaluator_org(users),
            scope=Scope.TASKS,
            tasks=[w.task],
            starts_on=START,
            ends_on=END,
            terms_of_reference="x",
            independence="x",
        )
    assert not Commission.objects.exists()


def test_commissioning_checks_evaluator_terms_declaration_and_scope(users, w):
    close(w.task)
    university = Organisation.objects.get(name="四川大学")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"evaluator": university}, "not a third-party evaluator"),
        ({"independence": "  "}, "independence declaration"),
        ({"ends_on": START - datetime.timedelta(days=1)}, "end date cannot be before"),
        ({"terms_of_reference": ""}, "terms of reference"),
        ({"tasks": []}, "No task in this scope"),
    ]
    for overrides, message in cases:
        kw = {"tasks": [w.task], **overrides}
        with pytest.raises(EvaluationError, match=message):
            commission(users, **kw)
    with pytest.raises(EvaluationError, match="No closed task"):
        commission(users, scope=Scope.LOCALITY, claimant=w.guangdong)
    assert not Commission.objects.exists()


def test_a_repeated_commission_is_refused_but_a_follow_up_year_is_not(users, w):
    close(w.task)
    first = commission(users, tasks=[w.task])
    with pytest.raises(EvaluationError, match="already commissioned"):
        commission(users, tasks=[w.task])
    follow_up = commission(
        users,
        tasks=[w.task],
        title="三年跟踪评估",
        starts_on=datetime.date(2029, 3, 1),
        ends_on=datetime.date(2029, 9, 30),
    )
    assert list(w.task.evaluations.order_by("commission__starts_on")) == list(
        TaskEvaluation.objects.filter(commission__in=[first, follow_up]).order_by(
            "commission__starts_on"
        )
    )


def test_commissioning_is_recorded_and_told_to_the_evaluator_only(users, w):
    # Only what this test does, not the hand-off messages of setting the world up (issue #12).
    Notification.objects.all().delete()
    close(w.task)
    other = other_evaluator()
    c = commission(users, tasks=[w.task])
    entries = AuditEntry.objects.filter(object_id=str(c.pk), action__startswith="commission.")
    actions = set(entries.values_list("action", flat=True))
    assert actions == {"commission.created", "commission.independence_declared"}
    note = Notification.objects.get(user=users["evaluator"])
    assert note.url == f"/evaluation/commissions/{c.pk}/" and c.title in note.subject
    assert not Notification.objects.filter(user=other).exists()
    assert not Notification.objects.filter(user=users["implementer"]).exists()


# Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def two(users, w):
    """One commission for `evaluator` (Sichuan's first task) and one for another evaluator."""
    close(*w.sichuan_tasks, *w.guangdong_tasks)
    other = other_evaluator()
    mine = commission(users, tasks=[w.task])
    theirs = commission(
        users, tasks=[w.guangdong_tasks[0]], evaluator=other.organisation, title="广东评估"
    )
    return mine, theirs, other


def test_the_evaluator_lists_only_its_organisations_commissions(users, w, two):
    mine, theirs, other = two
    page = client_for(users["evaluator"]).get("/evaluation/commissions/", **EN)
    assert page.status_code == 200
    assert mine.title in page.content.decode() and theirs.title not in page.content.decode()
    page = client_for(other).get("/evaluation/commissions/", **EN)
    assert theirs.title in page.content.decode() and mine.title not in page.content.decode()
    national = client_for(users["national"]).get("/evaluation/commissions/", **EN)
    assert mine.title in national.content.decode() and theirs.title in national.content.decode()


def test_the_evaluator_reads_exactly_the_tasks_of_its_commissions(users, w, two):
    mine, theirs, other = two
    client = client_for(users["evaluator"])
    assert client.get(f"/evaluation/commissions/{mine.pk}/").status_code == 200
    assert client.get(f"/evaluation/commissions/{mine.pk}/tasks/{w.task.pk}/").status_code == 200
    assert client.get(f"/evaluation/commissions/{theirs.pk}/").status_code == 404
    outside = w.sichuan_tasks[1]
    assert client.get(f"/evaluation/commissions/{mine.pk}/tasks/{outside.pk}/").status_code == 404
    theirs_task = w.guangdong_tasks[0]
    assert (
        client.get(f"/evaluation/commissions/{mine.pk}/tasks/{theirs_task.pk}/").status_code == 404
    )
    # The other evaluator sees none of `mine`.
    other_client = client_for(other)
    assert other_client.get(f"/evaluation/commissions/{mine.pk}/").status_code == 404
    url = f"/evaluation/commissions/{mine.pk}/tasks/{w.task.pk}/"
    assert other_client.get(url).status_code == 404
    # Implementation pages stay closed to the evaluator: it reads the task only here.
    assert client.get(f"/tasks/{w.task.pk}/").status_code == 404


def test_the_national_level_sees_every_commission_and_scoped_dossier(users, w, two):
    mine, theirs, _other = two
    client = client_for(users["national"])
    for c, task in ((mine, w.task), (theirs, w.guangdong_tasks[0])):
        assert client.get(f"/evaluation/commissions/{c.pk}/").status_code == 200
        assert client.get(f"/evaluation/commissions/{c.pk}/tasks/{task.pk}/").status_code == 200
    # A task outside the commission's scope has no dossier in it, even for the national level.
    url = f"/evaluation/commissions/{mine.pk}/tasks/{w.guangdong_tasks[0].pk}/"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["sichuan", "guangdong", "implementer", "innovator", "expert"])
def test_localities_and_implementers_see_no_commission_pages(users, w, two, who):
    mine, _theirs, _other = two
    client = client_for(users[who])
    assert client.get("/evaluation/commissions/").status_code == 403
    assert client.get("/evaluation/commissions/xlsx/").status_code == 403
    assert client.get("/evaluation/commissions/new/").status_code == 403
    for path in ("", "edit/", "xlsx/", f"tasks/{w.task.pk}/", "visits/new/", "evidence/new/"):
        assert client.get(f"/evaluation/commissions/{mine.pk}/{path}").status_code == 404, path


def test_anonymous_users_are_sent_to_log_in(client, users, w, two):
    mine, _theirs, _other = two
    response = client.get(f"/evaluation/commissions/{mine.pk}/")
    assert response.status_code == 302 and "login" in response["Location"]


# The dossier --------------------------------------------------------------------------------


TODAY = datetime.date(2026, 11, 22)


def submitted_report(w, users):
    task = Task.objects.get(pk=w.task.pk)
    Task.objects.filter(pk=task.pk).update(
        plan_approved_at=datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
    )
    task = Task.objects.get(pk=task.pk)
    report = reports.report_start(task=task, by=users["implementer"], period=(2026, 1), today=TODAY)
    milestones = [
        MilestoneFigure(u.milestone_id, "done", datetime.date(2026, 3, 1))
        for u in report.milestones.order_by("milestone__position")[:1]
    ] + [
        MilestoneFigure(u.milestone_id, "in_progress")
        for u in report.milestones.order_by("milestone__position")[1:]
    ]
    target = report.targets.get()
    report = reports.report_save(
        report=report,
        by=users["implementer"],
        milestones=milestones,
        targets={target.target_id: Decimal(120)},
        done="培育技术经理人一百二十名",
        problems="",
        help_needed="",
        today=TODAY,
    )
    return reports.report_submit(report=report, by=users["implementer"])


@pytest.fixture
def evaluated(users, w, media_root):
    """Sichuan's first task with a report, an inspection, a help request, a filing and an
    accepted close-out with a document, in a commission of the `evaluator`."""
    report = submitted_report(w, users)
    draft = reports.report_start(
        task=w.task, by=users["implementer"], period=(2026, 2), today=TODAY
    )
    supervision.inspection_record(
        task=w.task,
        by=users["sichuan"],
        kind="visit",
        inspected_on=datetime.date(2026, 6, 1),
        findings="台账不全",
        rectification="补齐台账",
        rectify_by=datetime.date(2026, 7, 1),
    )
    help_services.help_request(task=w.task, by=users["implementer"], text="需协调数据共享")
    tolerance.tolerance_file(
        task=w.task,
        by=users["implementer"],
        what_went_wrong="首批试点企业退出",
        good_faith="集体决策",
    )
    close_out = close_task(w, users)
    InstitutionalDocument.objects.create(
        close_out=close_out,
        title="技术经理人管理办法",
        issuer="四川省科学技术厅",
        number="川科〔2027〕1号",
        issued_on=datetime.date(2027, 1, 5),
        file=SimpleUploadedFile("办法.pdf", PDF),
        file_name="办法.pdf",
        added_by=users["implementer"],
    )
    c = commission(users, tasks=[w.task])
    return c, report, draft


def test_the_dossier_shows_everything_of_the_task_read_only(users, w, evaluated):
    c, report, draft = evaluated
    page = client_for(users["evaluator"]).get(
        f"/evaluation/commissions/{c.pk}/tasks/{w.task.pk}/", **EN
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="read-only"' in html and "Read-only" in html
    for text in [
        "制定实施方案",  # the plan's milestone
        "培育技术经理人",  # its target
        "培育技术经理人一百二十名",  # the submitted report
        "台账不全",  # the inspection
        "补齐台账",
        "需协调数据共享",  # the help request
        "首批试点企业退出",  # the fault-tolerance filing
        "完成技术经理人培育",  # the close-out report
        "技术经理人管理办法",  # its institutional document
        "川科〔2027〕1号",
        "四川省科学技术厅",  # the implementer
    ]:
        assert text in html, text
    assert f'data-report="{report.pk}"' in html and f'data-report="{draft.pk}"' not in html
    assert 'data-closure="completed"' in html
    # Nothing to act on: no form posts from the dossier.
    assert '<form method="post"' not in html
    # The close-out document downloads through the commission, for the evaluator.
    document = InstitutionalDocument.objects.get()
    url = f"/evaluation/commissions/{c.pk}/tasks/{w.task.pk}/documents/{document.pk}/"
    response = client_for(users["evaluator"]).get(url)
    assert response.status_code == 200 and body(response) == PDF
    assert client_for(users["sichuan"]).get(url).status_code == 404


def test_the_commission_page_shows_the_scope_with_closure_states(users, w):
    close(w.sichuan_tasks[0])
    c = commission(users, scope=Scope.LOCALITY, claimant=w.sichuan, closed_only=False)
    html = client_for(users["evaluator"]).get(f"/evaluation/commissions/{c.pk}/", **EN)
    text = html.content.decode()
    assert text.count('data-closure="completed"') == 1
    assert text.count('data-closure="open"') == 2
    for task in w.sichuan_tasks:
        assert f"/evaluation/commissions/{c.pk}/tasks/{task.pk}/" in text
    assert "3 tasks: 1 closed out, 2 still being implemented" in text


def test_a_task_evaluated_again_lists_its_other_evaluations_in_order(users, w):
    close(w.task)
    first = commission(users, tasks=[w.task], title="首年评估")
    commission(
        users,
        tasks=[w.task],
        title="三年跟踪评估",
        starts_on=datetime.date(2029, 3, 1),
        ends_on=datetime.date(2029, 9, 30),
    )
    second = Commission.objects.get(title="三年跟踪评估")
    later = commission(
        users,
        tasks=[w.task],
        title="第二年跟踪评估",
        starts_on=datetime.date(2028, 3, 1),
        ends_on=datetime.date(2028, 9, 30),
    )
    html = (
        client_for(users["evaluator"])
        .get(f"/evaluation/commissions/{first.pk}/tasks/{w.task.pk}/", **EN)
        .content.decode()
    )
    assert html.index(later.title) < html.index(second.title)


# Visits -------------------------------------------------------------------------------------


@pytest.fixture
def c(users, w):
    close(*w.sichuan_tasks)
    return commission(users, tasks=w.sichuan_tasks[:2])


def visit_data(w, **kw):
    data = {
        "visited_on": "2027-04-10",
        "place": "成都市科技局",
        "task": str(w.task.pk),
        "met": "局长、技术经理人代表",
        "notes": "服务站运行正常",
    }
    data.update(kw)
    return data


def test_the_evaluator_records_a_field_visit(users, w, c):
    client = client_for(users["evaluator"])
    assert client.get(f"/evaluation/commissions/{c.pk}/visits/new/").status_code == 200
    response = client.post(f"/evaluation/commissions/{c.pk}/visits/new/", visit_data(w))
    assert response.status_code == 302
    visit = FieldVisit.objects.get()
    assert (visit.task, visit.place, visit.by) == (w.task, "成都市科技局", users["evaluator"])
    assert AuditEntry.objects.filter(action="commission.visit_recorded", object_id=str(c.pk))
    page = client.get(f"/evaluation/commissions/{c.pk}/", **EN).content.decode()
    assert "服务站运行正常" in page
    # A repeated click is told, not doubled.
    again = client.post(f"/evaluation/commissions/{c.pk}/visits/new/", visit_data(w), **EN)
    assert again.status_code == 200 and "already recorded" in again.content.decode()
    assert FieldVisit.objects.count() == 1


def test_a_visit_to_a_task_outside_the_scope_is_refused(users, w, c):
    with pytest.raises(EvaluationError, match="not in the scope"):
        services.visit_record(
            commission=c,
            by=users["evaluator"],
            visited_on=datetime.date(2027, 4, 1),
            place="广州",
            notes="x",
            task=w.guangdong_tasks[0],
        )
    response = client_for(users["evaluator"]).post(
        f"/evaluation/commissions/{c.pk}/visits/new/",
        visit_data(w, task=str(w.guangdong_tasks[0].pk)),
    )
    assert response.status_code == 200 and not FieldVisit.objects.exists()


@pytest.mark.parametrize("who", ["national", "sichuan", "implementer"])
def test_only_the_evaluator_records_visits(users, w, c, who):
    client = client_for(users[who])
    expected = 403 if who == "national" else 404
    url = f"/evaluation/commissions/{c.pk}/visits/new/"
    assert client.get(url).status_code == expected
    assert client.post(url, visit_data(w)).status_code == expected
    assert not FieldVisit.objects.exists()


def reported(c: Commission) -> None:
    Commission.objects.filter(pk=c.pk).update(
        state=Commission.State.REPORTED, reported_at=timezone.now()
    )


def test_nothing_is_recorded_once_the_report_is_delivered(users, w, c, media_root):
    reported(c)
    client = client_for(users["evaluator"])
    url = f"/evaluation/commissions/{c.pk}/visits/new/"
    # An old link leads to the commission's page, which says the work is over.
    opened = client.get(url, **EN)
    assert opened.status_code == 302 and opened["Location"] == f"/evaluation/commissions/{c.pk}/"
    response = client.post(url, visit_data(w), **EN)
    assert response.status_code == 200 and "report of this evaluation is delivered" in (
        response.content.decode()
    )
    with pytest.raises(EvaluationError, match="delivered"):
        services.evidence_add(commission=c, by=users["evaluator"], title="x", upload=pdf())
    assert not FieldVisit.objects.exists() and not Evidence.objects.exists()


# Evidence -----------------------------------------------------------------------------------


def stored_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_the_evaluator_adds_evidence_and_it_downloads_through_a_checked_view(
    users, w, c, media_root
):
    client = client_for(users["evaluator"])
    url = f"/evaluation/commissions/{c.pk}/evidence/new/"
    assert client.get(url + f"?task={w.task.pk}").status_code == 200
    response = client.post(url, {"title": "座谈会纪要", "file": pdf(), "task": str(w.task.pk)})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.name, evidence.size, evidence.task) == ("调研纪要.pdf", len(PDF), w.task)
    entry = AuditEntry.objects.get(action="commission.evidence_added")
    assert entry.changes == {"attachment": [None, "调研纪要.pdf"]} and entry.note == "座谈会纪要"
    # The history shows the file added, and no change without a value on either side.
    rows = change_rows(entry)
    assert [(before, after) for _label, before, after in rows] == [("—", "调研纪要.pdf")]
    history = client_for(users["national"]).get(f"/evaluation/commissions/{c.pk}/", **EN)
    assert "— → —" not in history.content.decode()
    download = f"/evaluation/commissions/{c.pk}/evidence/{evidence.pk}/"
    for who in ("evaluator", "national"):
        got = client_for(users[who]).get(download)
        assert got.status_code == 200 and body(got) == PDF
    assert client_for(other_evaluator()).get(download).status_code == 404
    assert client_for(users["implementer"]).get(download).status_code == 404
    # Repeated, the same file is not added twice.
    again = client.post(url, {"title": "座谈会纪要", "file": pdf(), "task": str(w.task.pk)}, **EN)
    assert "already among the evidence" in again.content.decode()
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("病毒.exe", b"MZ\x90\x00"),
        SimpleUploadedFile("假的.pdf", b"not a pdf at all"),
        SimpleUploadedFile("假的.docx", b"PK\x03\x04 not really"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(users, w, c, media_root, upload):
    response = client_for(users["evaluator"]).post(
        f"/evaluation/commissions/{c.pk}/evidence/new/", {"title": "坏文件", "file": upload}, **EN
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "not accepted" in text or "does not look like" in text
    assert not Evidence.objects.exists() and stored_files(media_root) == []


def test_a_long_file_name_is_shortened_before_writing(users, c, media_root):
    name = "很" * 150 + ".pdf"
    evidence = services.evidence_add(
        commission=c, by=users["evaluator"], title="长名", upload=pdf(name)
    )
    assert len(evidence.name) <= NAME_LIMIT and evidence.name.endswith(".pdf")
    assert len(evidence.file.name) <= 100
    assert stored_files(media_root) == [Path(media_root) / evidence.file.name]


def test_no_file_is_left_behind_when_the_record_cannot_be_saved(users, c, media_root):
    upload = pdf()
    upload.size = -1  # a size the database refuses (a positive integer column)
    with pytest.raises(Exception):  # noqa: B017 — whatever the database raises
        services.evidence_add(commission=c, by=users["evaluator"], title="坏", upload=upload)
    assert stored_files(media_root) == []


def test_evidence_is_removed_after_a_confirmation(
    users, w, c, media_root, django_capture_on_commit_callbacks
):
    evidence = services.evidence_add(
        commission=c, by=users["evaluator"], title="照片", upload=pdf(), task=w.task
    )
    path = Path(media_root) / evidence.file.name
    client = client_for(users["evaluator"])
    url = f"/evaluation/commissions/{c.pk}/evidence/{evidence.pk}/remove/"
    confirm = client.get(url, **EN)
    assert confirm.status_code == 200 and "照片" in confirm.content.decode()
    assert Evidence.objects.exists() and path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and not Evidence.objects.exists() and not path.exists()
    entry = AuditEntry.objects.get(action="commission.evidence_removed")
    assert entry.changes == {"attachment": ["调研纪要.pdf", None]}
    # A second click is told it was done, not refused.
    again = client.post(url, follow=True, **EN)
    assert "already removed" in again.content.decode()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["national", "sichuan", "other"])
def test_only_the_evaluator_removes_evidence(users, w, c, media_root, who):
    evidence = services.evidence_add(
        commission=c, by=users["evaluator"], title="照片", upload=pdf()
    )
    user = other_evaluator() if who == "other" else users[who]
    url = f"/evaluation/commissions/{c.pk}/evidence/{evidence.pk}/remove/"
    expected = 403 if who == "national" else 404
    assert client_for(user).get(url).status_code == expected
    assert client_for(user).post(url).status_code == expected
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    with pytest.raises(Forbidden):
        services.evidence_remove(evidence=evidence, by=users["national"])


# Changing a commission ----------------------------------------------------------------------


def test_the_national_level_changes_title_dates_and_terms(users, w, c):
    client = client_for(users["national"])
    url = f"/evaluation/commissions/{c.pk}/edit/"
    assert client.get(url).status_code == 200
    data = {
        "title": "改名后的评估",
        "starts_on": "2027-03-01",
        "ends_on": "2027-12-31",
        "terms_of_reference": "评估目标达成情况与改革成效",
    }
    assert client.post(url, data).status_code == 302
    c.refresh_from_db()
    assert (c.title, c.ends_on) == ("改名后的评估", datetime.date(2027, 12, 31))
    entry = AuditEntry.objects.get(action="commission.updated")
    assert set(entry.changes) == {"title", "ends_on"}
    # Saved again unchanged: nothing more is recorded.
    assert client.post(url, data).status_code == 302
    assert AuditEntry.objects.filter(action="commission.updated").count() == 1
    bad = client.post(url, {**data, "ends_on": "2027-01-01"}, **EN)
    assert bad.status_code == 200 and "end date cannot be before" in bad.content.decode()


def test_the_evaluator_cannot_change_the_commission_and_a_reported_one_is_fixed(users, w, c):
    assert (
        client_for(users["evaluator"]).get(f"/evaluation/commissions/{c.pk}/edit/").status_code
        == 403
    )
    reported(c)
    national = client_for(users["national"])
    opened = national.get(f"/evaluation/commissions/{c.pk}/edit/", follow=True, **EN)
    assert opened.redirect_chain == [(f"/evaluation/commissions/{c.pk}/", 302)]
    assert "report of this evaluation is delivered" in opened.content.decode()
    with translation.override("en"), pytest.raises(EvaluationError, match="cannot change"):
        services.commission_update(
            commission=c,
            by=users["national"],
            title="x",
            starts_on=START,
            ends_on=END,
            terms_of_reference="x",
        )


# Commissioning through the pages ------------------------------------------------------------


def test_commissioning_starts_with_the_kind_of_scope(users, w):
    page = client_for(users["national"]).get("/evaluation/commissions/new/", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    for value in Scope.values:
        assert f'<a class="button" href="?scope={value}">' in html
    # The choices are a row of buttons, not a bulleted list.
    choices = html[html.index('<div class="actions" role="group"') :]
    assert "<li>" not in choices[: choices.index("</div>")]


def test_the_form_heading_reads_with_the_scope(users, w):
    page = client_for(users["national"]).get("/evaluation/commissions/new/?scope=programme", **EN)
    assert "<h1>Commission an evaluation: a programme</h1>" in page.content.decode()


def test_the_tasks_offered_are_the_closed_ones_unless_open_ones_are_asked_for(users, w):
    close(w.sichuan_tasks[0])
    client = client_for(users["national"])
    offered = client.get("/evaluation/commissions/new/?scope=tasks", **EN).content.decode()
    assert f'value="{w.sichuan_tasks[0].pk}"' in offered
    assert f'value="{w.sichuan_tasks[1].pk}"' not in offered
    with_open = client.get("/evaluation/commissions/new/?scope=tasks&open=1").content.decode()
    assert f'value="{w.sichuan_tasks[1].pk}"' in with_open


def test_the_form_starts_from_the_platforms_declaration_and_commissions(users, w):
    close(w.task)
    client = client_for(users["national"])
    page = client.get("/evaluation/commissions/new/?scope=tasks", **EN).content.decode()
    assert services.standard_independence() in page and "platform&#x27;s standard wording" in page
    # The declaration is the evaluator's; the national level records it as received.
    assert "Independence declaration given by the evaluator" in page
    assert "records the declaration as received from the evaluator" in page
    data = {
        "tasks": [str(w.task.pk)],
        "evaluator": str(evaluator_org(users).pk),
        "title": "页面委托的评估",
        "starts_on": "2027-03-01",
        "ends_on": "2027-09-30",
        "terms_of_reference": "评估",
        "independence": "本机构声明独立",
    }
    response = client.post("/evaluation/commissions/new/?scope=tasks", data, **EN)
    assert response.status_code == 302
    made = Commission.objects.get()
    assert response["Location"] == f"/evaluation/commissions/{made.pk}/"
    assert scoped(made) == {w.task.pk} and made.independence == "本机构声明独立"
    entry = AuditEntry.objects.get(action="commission.independence_declared")
    assert entry.actor == users["national"] and entry.changes == {
        "independence": [None, "本机构声明独立"]
    }
    assert entry.note == f"Given by {evaluator_org(users).name}; recorded as received."
    shown = client.get(f"/evaluation/commissions/{made.pk}/", **EN).content.decode()
    assert "Independence declaration given by the evaluator" in shown
    assert "Recorded as received by national on" in shown


def test_the_form_shows_the_independence_refusal(users, w):
    close(*w.sichuan_tasks)
    Implementer.objects.create(task=w.sichuan_tasks[2], organisation=evaluator_org(users))
    data = {
        "claimant": str(w.sichuan.pk),
        "evaluator": str(evaluator_org(users).pk),
        "title": "四川评估",
        "starts_on": "2027-03-01",
        "ends_on": "2027-09-30",
        "terms_of_reference": "评估",
        "independence": "独立",
    }
    response = client_for(users["national"]).post(
        "/evaluation/commissions/new/?scope=locality", data, **EN
    )
    assert response.status_code == 200
    assert "cannot evaluate them" in response.content.decode()
    assert w.sichuan_tasks[2].title in response.content.decode()
    assert not Commission.objects.exists()


def test_the_exports_read_as_everywhere_else(users, w, c):
    """One label for an Excel export across the platform ("Export to Excel")."""
    for url in ("/evaluation/commissions/", f"/evaluation/commissions/{c.pk}/"):
        html = client_for(users["national"]).get(url, **EN).content.decode()
        assert ">Export to Excel</a>" in html, url
        assert "Export the tasks" not in html and "(.xlsx)" not in html, url


# Exports ------------------------------------------------------------------------------------


def test_the_list_exports_what_it_shows(users, w, two):
    mine, theirs, _other = two
    response = client_for(users["evaluator"]).get("/evaluation/commissions/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2 and rows[1][1] == mine.title and rows[1][5] == 1
    national = client_for(users["national"]).get("/evaluation/commissions/xlsx/?q=广东")
    sheet = load_workbook(io.BytesIO(national.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows[1:]] == [theirs.title]


def test_the_scope_exports_with_closure_states(users, w, c):
    response = client_for(users["evaluator"]).get(f"/evaluation/commissions/{c.pk}/xlsx/", **EN)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(values_only=True))
    assert {r[4] for r in rows[1:]} == {t.title for t in w.sichuan_tasks[:2]}
    assert all(str(r[5]).startswith("closed as completed") for r in rows[1:])


def test_the_list_filters(users, w, two):
    mine, theirs, other = two
    client = client_for(users["national"])
    by_evaluator = client.get(f"/evaluation/commissions/?evaluator={other.organisation.pk}")
    html = by_evaluator.content.decode()
    assert theirs.title in html and mine.title not in html
    reported(mine)
    html = client.get("/evaluation/commissions/?state=in_progress").content.decode()
    assert theirs.title in html and mine.title not in html
    html = client.get("/evaluation/commissions/?scope=region").content.decode()
    assert theirs.title not in html and mine.title not in html


# Query counts -------------------------------------------------------------------------------


def test_list_query_count_does_not_grow(users, w, django_assert_max_num_queries):
    close(*w.sichuan_tasks, *w.guangdong_tasks)
    client = client_for(users["national"])
    counts = []
    made = 0
    for n in (2, 8):
        while made < n:
            commission(users, tasks=w.sichuan_tasks, title=f"评估{made}")
            made += 1
        for url in ("/evaluation/commissions/", "/evaluation/commissions/xlsx/"):
            client.get(url)
            with django_assert_max_num_queries(15) as ctx:
                assert client.get(url).status_code == 200
            counts.append((url, len(ctx.captured_queries)))
    assert counts[:2] == [(u, n) for u, n in counts[2:]], counts


def test_commission_page_and_dossier_query_counts_do_not_grow(
    users, w, media_root, django_assert_max_num_queries
):
    first = task_world(users, approved=False)  # more tasks, in another programme
    tasks = [*w.sichuan_tasks, *w.guangdong_tasks, *first.sichuan_tasks]
    close(*tasks)
    small = commission(users, tasks=tasks[:2], title="小")
    large = commission(users, tasks=tasks, title="大")
    for c in (small, large):
        for n in range(3 if c is large else 1):
            services.visit_record(
                commission=c,
                by=users["evaluator"],
                visited_on=datetime.date(2027, 4, n + 1),
                place=f"地点{n}",
                notes="记录",
                task=tasks[n],
            )
            services.evidence_add(
                commission=c, by=users["evaluator"], title=f"材料{n}", upload=pdf(), task=tasks[n]
            )
    client = client_for(users["evaluator"])
    counts = []
    for c in (small, large):
        url = f"/evaluation/commissions/{c.pk}/"
        client.get(url)
        with django_assert_max_num_queries(30) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_dossier_query_count_does_not_grow_with_the_tasks_record(
    users, w, django_assert_max_num_queries
):
    close(w.task)
    c = commission(users, tasks=[w.task])
    client = client_for(users["evaluator"])
    url = f"/evaluation/commissions/{c.pk}/tasks/{w.task.pk}/"
    counts = []
    Task.objects.filter(pk=w.task.pk).update(closure="open", closed_on=None)
    task = Task.objects.get(pk=w.task.pk)
    Task.objects.filter(pk=task.pk).update(
        plan_approved_at=datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
    )
    task = Task.objects.get(pk=task.pk)
    for round_, period in enumerate([(2026, 1), (2026, 2)]):
        report = reports.report_start(
            task=task, by=users["implementer"], period=period, today=TODAY
        )
        ProgressReport.objects.filter(pk=report.pk).update(
            state="submitted", submitted_at=timezone.now()
        )
        for n in range(1 + round_ * 3):
            supervision.inspection_record(
                task=task,
                by=users["sichuan"],
                kind="visit",
                inspected_on=datetime.date(2026, 6, 1 + n),
                findings=f"发现{round_}-{n}",
                rectification="整改",
                rectify_by=datetime.date(2026, 7, 1),
            )
            help_services.help_request(task=task, by=users["implementer"], text=f"协调{round_}{n}")
            tolerance.tolerance_file(
                task=task,
                by=users["implementer"],
                what_went_wrong=f"问题{round_}{n}",
                good_faith="x",
            )
        client.get(url)
        with django_assert_max_num_queries(40) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
