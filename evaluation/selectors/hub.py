"""What waits on a user in close-out, evaluation, outcomes and incentives: the counts on the
stage's start page and the home page. A handful of queries whatever the data size."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts import roles
from accounts.actors import Actor
from evaluation import rules
from evaluation.models import (
    CloseOut,
    Commission,
    IncentiveDecision,
    Outcome,
    Recommendation,
    TaskEvaluation,
)
from tasks.models import Closure, Task
from tasks.rules import IMPLEMENTED_BY, RUN_BY
from tasks.selectors import expected_ends


def past_expected_end(tasks: QuerySet[Task], today: datetime.date) -> list[int]:
    """The ids of the open tasks of `tasks` past their expected end (`expected_ends`)."""
    # order_by(): the tasks' default ordering would join five tables to sort a dict's source.
    ends = expected_ends(tasks.filter(closure=Closure.OPEN).order_by())
    return [pk for pk, end in ends.items() if end < today]


@dataclass(frozen=True)
class Waiting:
    """One kind of thing waiting on the user: how many, and where to act (a URL name and query)."""

    key: str
    count: int


def waiting_for(user: Actor, today: datetime.date) -> list[Waiting]:
    """What the user has to do in this stage, by kind; kinds with nothing waiting are left out."""
    found: list[Waiting] = []

    def add(key: str, count: int) -> None:
        if count:
            found.append(Waiting(key, count))

    close_outs = rules.CLOSE_OUTS.queryset(user)
    if roles.implementer_organisation(user) is not None:
        # Tasks with a plan to close and no close-out on its way up.
        mine = (
            IMPLEMENTED_BY.queryset(user, Task.objects.all())
            .filter(plan_state=Task.PlanState.APPROVED)
            .exclude(close_out__state__in=[CloseOut.State.SUBMITTED, CloseOut.State.CONFIRMED])
        )
        add("close_outs_to_file", len(past_expected_end(mine, today)))
        add(
            "close_outs_returned",
            close_outs.filter(state=CloseOut.State.RETURNED).count(),
        )
    if RUN_BY.filter_for(user) is not None:
        run = RUN_BY.queryset(user, Task.objects.all())
        # Only the reports of the tasks the user runs: a province reads its zones' close-outs
        # but confirms none of them.
        add(
            "close_outs_to_confirm",
            close_outs.filter(state=CloseOut.State.SUBMITTED, task__in=run).count(),
        )
        add("tasks_past_end", len(past_expected_end(run, today)))
    if roles.is_national(user):
        add("close_outs_to_accept", close_outs.filter(state=CloseOut.State.CONFIRMED).count())
        add("tasks_past_end", len(past_expected_end(Task.objects.all(), today)))
        add(
            "closed_not_evaluated",
            Task.objects.exclude(closure=Closure.OPEN).filter(evaluations__isnull=True).count(),
        )
        add(
            "commissions_in_progress",
            Commission.objects.filter(state=Commission.State.IN_PROGRESS).count(),
        )
        add(
            "evaluated_without_outcome",
            TaskEvaluation.objects.filter(
                commission__state=Commission.State.REPORTED, outcomes__isnull=True
            )
            .exclude(recommendation=Recommendation.NOT_YET)
            .count(),
        )
        add("outcomes_draft", Outcome.objects.filter(state=Outcome.State.DRAFT).count())
    if roles.evaluator_organisation(user) is not None:
        commissions = rules.COMMISSIONS.queryset(user).filter(state=Commission.State.IN_PROGRESS)
        add("commissions_to_work_on", commissions.count())
        add(
            "tasks_to_score",
            TaskEvaluation.objects.filter(commission__in=commissions, score__isnull=True).count(),
        )
    return found


def incentives_for(user: Actor, limit: int = 10) -> list[IncentiveDecision]:
    """The newest incentive decisions for the localities or the unit the user speaks for (the
    national level's own decisions are on its incentives page, not its home)."""
    if roles.is_national(user):
        return []
    return list(
        rules.INCENTIVES.queryset(user)
        .select_related("claimant__division", "claimant__region_group", "organisation")
        .order_by("-decided_on", "-pk")[:limit]
    )


def delivered_evaluations(user: Actor, limit: int = 10) -> list[TaskEvaluation]:
    """The newest delivered evaluations of the tasks the user runs or implements (the result a
    locality or an implementer sees on its home page), newest first."""
    if RUN_BY.filter_for(user) is None and IMPLEMENTED_BY.filter_for(user) is None:
        return []
    return list(
        rules.TASK_EVALUATIONS.queryset(user)
        .filter(commission__state=Commission.State.REPORTED)
        .select_related("task__claimant__division", "task__claimant__region_group", "commission")
        .order_by("-commission__reported_at", "-pk")[:limit]
    )
