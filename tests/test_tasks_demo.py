"""The demo's implementation: the pilot's three tasks with plans approved in April 2025 and a
history of quarterly reports, one late and one missing; implemented by the zone's management
body, run by the zone's coordinator and supervised by the province (source 003: the zone
implements, 省地协同; 广东 "不定期开展督查"; 发改高技〔2021〕484号 §四 "分层推进")."""

import datetime

from django.utils import timezone

from claims.models import Programme
from demo.builder import build_demo
from demo.claims_demo import PILOT_TITLE
from demo.tasks_demo import build_tasks_demo
from tasks.models import ProgressReport, Task
from tasks.progress import task_progress


def test_demo_tasks(db):
    build_demo()
    pilot = Programme.objects.get(title=PILOT_TITLE)
    tasks = list(Task.objects.filter(programme=pilot).order_by("claim__item__position"))
    assert len(tasks) == 3
    assert {t.plan_state for t in tasks} == {"approved"}
    assert all(t.implementers.filter(lead=True).count() == 1 for t in tasks)
    assert [t.reports.filter(state="submitted").count() for t in tasks] == [6, 6, 5]
    third_quarter = ProgressReport.objects.filter(year=2026, period=3)
    assert not third_quarter.filter(task=tasks[2]).exists()
    late = third_quarter.get(task=tasks[1])
    assert late.submitted_at is not None
    assert timezone.localdate(late.submitted_at) > datetime.date(2026, 10, 10)
    # The stored figure is the one tasks.progress gives from the milestones and targets.
    for task in tasks:
        assert task.progress == task_progress(task.milestones.all(), task.targets.all())
        assert task.progress > 0
    assert tasks[2].milestones.get(position=2).status != "done"
    assert build_tasks_demo() is False


def test_the_zone_implements_and_the_province_supervises(db):
    from accounts.models import User
    from audit.models import AuditEntry
    from tasks import rules
    from tasks.models import Implementer, Inspection, ToleranceFiling

    build_demo()
    zone, sichuan = User.objects.get(username="chengdu_zone"), User.objects.get(username="sichuan")
    implementer = User.objects.get(username="implementer")
    assert implementer.organisation is not None
    assert implementer.organisation.name == "成都高新区管理委员会（演示）"
    tasks = list(
        Task.objects.filter(programme__title=PILOT_TITLE).order_by("claim__item__position")
    )
    leads = Implementer.objects.filter(task__in=tasks, lead=True)
    assert {i.organisation.name for i in leads} == {"成都高新区管理委员会（演示）"}
    # No department of the province implements the zone's tasks.
    assert not Implementer.objects.filter(
        task__in=tasks, organisation__division__code="510000"
    ).exists()
    approvals = AuditEntry.objects.filter(
        action="task.plan_approved", object_id__in=[str(t.pk) for t in tasks]
    )
    assert {e.actor for e in approvals} == {zone} and approvals.count() == 3
    for task in tasks:
        assert rules.runs_task(zone, task) and not rules.runs_task(sichuan, task)
        assert rules.can_view_task(sichuan, task) and rules.can_inspect(sichuan, task)
    inspection = Inspection.objects.get(task__in=tasks)
    assert inspection.task == tasks[2] and inspection.inspector == sichuan
    assert inspection.state == Inspection.State.OPEN
    assert inspection.follow_ups.get().by == implementer
    filing = ToleranceFiling.objects.get(task__in=tasks)
    assert filing.state == ToleranceFiling.State.PENDING and filing.filed_by == implementer
    assert rules.can_decide_tolerance(zone, filing)
    assert not rules.can_decide_tolerance(sichuan, filing)


def test_report_states_read_as_labels_in_the_task_history(users):
    """A milestone's status is recorded on its task; the history shows its label, not the
    code."""
    from django.utils.translation import override

    from audit.presentation import change_rows
    from audit.selectors import entries_for
    from tasks.services import reports
    from tests.test_tasks_fixtures import task_world

    w = task_world(users)
    first = w.task.milestones.get(position=1)
    report = reports.report_start(task=w.task, by=users["implementer"])
    reports.report_save(
        report=report,
        by=users["implementer"],
        milestones=[reports.MilestoneFigure(first.pk, "in_progress")],
        targets={},
        done="推进试点",
        problems="",
        help_needed="",
    )
    with override("en"):
        rows = [tuple(map(str, row[1:])) for e in entries_for(w.task) for row in change_rows(e)]
    assert ("not started", "in progress") in rows
