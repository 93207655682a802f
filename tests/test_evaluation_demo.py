"""The demo's evaluation stage (发改高技〔2021〕484号 §三(四): "在揭榜改革任务完成后……委托第三方
机构评估，并总结凝练为可复制推广的改革成果……对完成改革任务较好的地方、单位进行激励"): the Chengdu
zone's first pilot task closed out, evaluated by the demo evaluator with every indicator scored
with its evidence, distilled into a confirmed outcome (and a second one still a draft), and the
zone commended; the second task's close-out awaiting the zone; the third left open. Everything
is demo content marked （演示）, dated in order and never after the day it is loaded."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from claims.models import Programme
from demo import dating, evaluation_demo
from demo.builder import build_demo
from demo.claims_demo import PILOT_TITLE
from demo.evaluation_demo import (
    APPROVED_BY,
    COMMISSION_TITLE,
    DRAFT_OUTCOME_TITLE,
    EVALUATOR,
    OUTCOME_TITLE,
    build_evaluation_demo,
)
from demo.tasks_demo import ZONE_USER, build_tasks_demo
from evaluation import rules
from evaluation.models import (
    CloseOut,
    Commission,
    FieldVisit,
    IncentiveDecision,
    InstitutionalDocument,
    Outcome,
    Score,
    TaskEvaluation,
)
from evaluation.selectors.hub import delivered_evaluations, incentives_for, waiting_for
from notifications.models import Notification
from tasks.models import Closure, Status, Task
from tasks.progress import task_progress

MARK = "（演示）"
pytestmark = pytest.mark.django_db


def _tasks() -> list[Task]:
    pilot = Programme.objects.get(title=PILOT_TITLE)
    return list(Task.objects.filter(programme=pilot).order_by("claim__item__position", "pk"))


def _story_days() -> set[datetime.date]:
    """The days the demo's evaluation story happens on, as loaded today."""
    days = [v for v in vars(evaluation_demo).values() if isinstance(v, datetime.date)]
    return {dating.day(day) for day in days}


def test_the_first_task_is_closed_out_and_evaluated():
    assert build_demo()
    first, second, third = _tasks()
    assert first.closure == Closure.COMPLETED and first.closed_on is not None
    assert second.closure == third.closure == Closure.OPEN
    report = CloseOut.objects.get(task=first)
    assert report.state == CloseOut.State.ACCEPTED
    assert report.confirmed_by and report.confirmed_by.username == ZONE_USER
    assert report.decided_by and report.decided_by.username == "national"
    assert MARK in report.summary and MARK in report.proposed_outcomes
    document = InstitutionalDocument.objects.get(close_out=report)
    assert MARK in document.title and MARK in document.issuer and not document.file
    # The accepted figures are the task's: every milestone done, progress from them.
    assert set(first.milestones.values_list("status", flat=True)) == {Status.DONE}
    assert first.progress == task_progress(first.milestones.all(), first.targets.all())

    commission = Commission.objects.get(title=COMMISSION_TITLE)
    assert MARK in commission.title and commission.evaluator.name == EVALUATOR
    assert commission.state == Commission.State.REPORTED and MARK in commission.findings
    evaluation = TaskEvaluation.objects.get(commission=commission)
    assert evaluation.task == first
    indicators = list(commission.indicators.all())
    scores = Score.objects.filter(evaluation=evaluation)
    assert len(indicators) == scores.count() > 0
    assert {s.indicator_id for s in scores} == {i.pk for i in indicators}
    assert all(s.evidence.startswith(MARK) for s in scores)
    assert evaluation.score is not None and evaluation.rating == "excellent"
    assert MARK in evaluation.findings and evaluation.recommendation == "experiment_regions"
    visit = FieldVisit.objects.get(commission=commission)
    assert visit.task == first and MARK in visit.place and MARK in visit.notes


def test_outcomes_decision_and_the_close_out_awaiting_the_zone():
    assert build_demo()
    first, second, third = _tasks()
    confirmed = Outcome.objects.get(title=OUTCOME_TITLE)
    draft = Outcome.objects.get(title=DRAFT_OUTCOME_TITLE)
    assert confirmed.state == Outcome.State.CONFIRMED and draft.state == Outcome.State.DRAFT
    for outcome in (confirmed, draft):
        assert MARK in outcome.title and MARK in outcome.summary
        assert list(outcome.tasks.all()) == [first]
        assert list(outcome.evaluations.values_list("task", flat=True)) == [first.pk]
    decision = IncentiveDecision.objects.get()
    assert decision.form == IncentiveDecision.Form.COMMENDATION
    assert decision.claimant == first.claimant and decision.organisation is None
    assert MARK in decision.reason and decision.approving_authority == APPROVED_BY
    assert decision.document_number == ""  # no real circular is implied
    assert list(decision.evaluations.values_list("task", flat=True)) == [first.pk]
    filed = CloseOut.objects.get(task=second)
    assert filed.state == CloseOut.State.SUBMITTED and MARK in filed.summary
    # The third task is left for the browser test to close out from scratch.
    assert not CloseOut.objects.filter(task=third).exists()
    assert rules.can_file_close_out(User.objects.get(username="implementer"), third)


def test_each_login_meets_its_part():
    assert build_demo()
    today = timezone.localdate()
    zone = User.objects.get(username=ZONE_USER)
    national = User.objects.get(username="national")
    evaluator = User.objects.get(username="evaluator")
    waiting = {w.key: w.count for w in waiting_for(zone, today)}
    assert waiting["close_outs_to_confirm"] == 1
    assert "evaluations_delivered" not in waiting and "incentives_received" not in waiting
    assert [d.form for d in incentives_for(zone)] == ["commendation"]
    assert [e.commission.title for e in delivered_evaluations(zone)] == [COMMISSION_TITLE]
    national_waiting = {w.key: w.count for w in waiting_for(national, today)}
    assert national_waiting["outcomes_draft"] == 1
    assert "closed_not_evaluated" not in national_waiting
    commission = Commission.objects.get(title=COMMISSION_TITLE)
    assert rules.can_view_commission(evaluator, commission)
    assert not rules.can_work_on(evaluator, commission)  # delivered: the scores are final


def test_the_story_is_dated_in_order_and_never_ahead():
    assert build_demo()
    first, second, _third = _tasks()
    today = timezone.localdate()
    report = CloseOut.objects.get(task=first)
    commission = Commission.objects.get(title=COMMISSION_TITLE)
    confirmed = Outcome.objects.get(title=OUTCOME_TITLE)
    decision = IncentiveDecision.objects.get()
    moments = [
        report.submitted_at,
        report.confirmed_at,
        report.decided_at,
        commission.created_at,
        commission.reported_at,
        confirmed.created_at,
        confirmed.confirmed_at,
        decision.created_at,
    ]
    assert None not in moments
    assert moments == sorted(moments)  # type: ignore[type-var]
    days = [timezone.localdate(m) for m in moments if m is not None]
    assert days[-1] <= today
    assert first.closed_on == days[2]  # accepted that day
    assert commission.starts_on <= days[4] and decision.decided_on <= today
    # The trail and the notices are dated with the story, not with the day of loading.
    story = _story_days()
    entries = AuditEntry.objects.filter(action__startswith="task.closeout_", object_id=first.pk)
    assert entries.exists()
    assert {timezone.localdate(e.at) for e in entries} <= set(days[:3])
    notices = Notification.objects.filter(url__startswith="/evaluation/")
    assert notices.exists()
    assert {timezone.localdate(n.created_at) for n in notices} <= story
    filed = CloseOut.objects.get(task=second)
    assert filed.submitted_at is not None and timezone.localdate(filed.submitted_at) in story


def test_building_twice_adds_nothing():
    assert build_demo()
    models = (CloseOut, Commission, Score, Outcome, IncentiveDecision, AuditEntry)
    counts = [m.objects.count() for m in models]
    assert build_demo() is False
    assert build_tasks_demo() is False
    assert build_evaluation_demo() is False
    assert counts == [m.objects.count() for m in models]
