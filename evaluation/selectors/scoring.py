"""Reads of an evaluation's indicators, scores, ratings and report, scoped by `evaluation.rules`:
a commission is seen by the national level and by its evaluator (`COMMISSIONS`); a task's
evaluation also by whoever sees the task once the report is delivered (`TASK_EVALUATIONS`).
Anything outside the user's scope is 404. The figures are added up by `evaluation.scoring`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.actors import Actor
from claims.models import Claimant
from evaluation import rules, scoring
from evaluation.models import (
    CloseOut,
    CloseOutTarget,
    Commission,
    Indicator,
    Score,
    TaskEvaluation,
)
from tasks.models import Task

UNSCORED = "unscored"


def commissions_visible_to(user: Actor) -> QuerySet[Commission]:
    return rules.COMMISSIONS.queryset(user).select_related(
        "evaluator",
        "programme",
        "claimant__division",
        "claimant__region_group",
        "region_group",
    )


def commission_get_for_user(user: Actor, pk: int) -> Commission:
    return get_object_or_404(commissions_visible_to(user), pk=pk)


def evaluation_get_for_user(user: Actor, pk: int) -> TaskEvaluation:
    qs = rules.TASK_EVALUATIONS.queryset(user).select_related(
        "commission__evaluator",
        "task__programme",
        "task__claimant__division",
        "task__claimant__region_group",
    )
    return get_object_or_404(qs, pk=pk)


def indicators_of(commission: Commission) -> list[Indicator]:
    return list(commission.indicators.order_by("position"))


def has_scores(commission: Commission) -> bool:
    return Score.objects.filter(evaluation__commission=commission).exists()


def evaluations_of(commission: Commission) -> QuerySet[TaskEvaluation]:
    """The commission's tasks with their figures, `scored` = indicators scored so far."""
    return (
        commission.evaluations.select_related(
            "task__programme", "task__claimant__division", "task__claimant__region_group"
        )
        .annotate(scored=Count("scores"))
        .order_by("task__claimant", "task__claim__item__position", "task_id")
    )


def evaluation_list(commission: Commission, params: dict[str, str]) -> QuerySet[TaskEvaluation]:
    """The scores page: filtered by locality, rating (or not yet scored) and words of the
    task's title."""
    qs = evaluations_of(commission)
    if params.get("claimant"):
        qs = qs.filter(task__claimant_id=params["claimant"])
    rating = params.get("rating")
    if rating == UNSCORED:
        qs = qs.filter(score__isnull=True)
    elif rating:
        qs = qs.filter(rating=rating)
    if params.get("recommendation"):
        qs = qs.filter(recommendation=params["recommendation"])
    if params.get("q"):
        qs = qs.filter(Q(task__title__icontains=params["q"]))
    return qs


def claimants_of(commission: Commission) -> QuerySet[Claimant]:
    return (
        Claimant.objects.filter(tasks__evaluations__commission=commission)
        .select_related("division", "region_group")
        .distinct()
        .order_by("programme_id", "region_group_id", "division__code")
    )


# Ratings ------------------------------------------------------------------------------------


@dataclass
class LocalityRow:
    claimant: Claimant
    result: scoring.LocalityResult

    @property
    def rating_label(self) -> str:
        rating = self.result.rating
        return str(TaskEvaluation.Rating(rating).label) if rating else ""


def locality_rows(commission: Commission) -> list[LocalityRow]:
    """Each locality with tasks in the scope and its rating (`scoring.locality_result`)."""
    pairs: dict[int, list[tuple[Decimal, Decimal | None]]] = {}
    claimants: dict[int, Claimant] = {}
    rows = commission.evaluations.select_related(
        "task__claimant__division", "task__claimant__region_group"
    ).order_by("task__claimant", "task__claim__item__position", "task_id")
    for evaluation in rows:
        claimant = evaluation.task.claimant
        claimants.setdefault(claimant.pk, claimant)
        pairs.setdefault(claimant.pk, []).append((evaluation.task.weight, evaluation.score))
    return [
        LocalityRow(claimants[pk], scoring.locality_result(found)) for pk, found in pairs.items()
    ]


@dataclass
class Summary:
    """What the commission page shows of the scoring."""

    indicators: list[Indicator]
    total_weight: Decimal
    tasks: int
    scored: int  # tasks with a score (every indicator scored)
    recommended: int
    localities: list[LocalityRow]
    has_scores: bool

    @property
    def ready(self) -> bool:
        return self.tasks > 0 and self.scored == self.tasks and self.recommended == self.tasks


def summary(commission: Commission) -> Summary:
    indicators = indicators_of(commission)
    localities = locality_rows(commission)
    counts = commission.evaluations.aggregate(
        tasks=Count("pk"),
        scored=Count("pk", filter=Q(score__isnull=False)),
        recommended=Count("pk", filter=~Q(recommendation="")),
    )
    return Summary(
        indicators=indicators,
        total_weight=sum((i.weight for i in indicators), Decimal(0)),
        tasks=counts["tasks"],
        scored=counts["scored"],
        recommended=counts["recommended"],
        localities=localities,
        has_scores=has_scores(commission),
    )


# One task's evaluation ----------------------------------------------------------------------


@dataclass
class Line:
    indicator: Indicator
    score: Score | None


@dataclass
class Sheet:
    """A task's evaluation: each indicator with its score (or none yet)."""

    evaluation: TaskEvaluation
    lines: list[Line]
    result: scoring.TaskResult
    close_out: CloseOut | None = None
    targets: list[CloseOutTarget] = field(default_factory=list)


def sheet(evaluation: TaskEvaluation) -> Sheet:
    indicators = indicators_of(evaluation.commission)
    scores = {s.indicator_id: s for s in evaluation.scores.select_related("scored_by")}
    lines = [Line(indicator, scores.get(indicator.pk)) for indicator in indicators]
    result = scoring.task_result(
        (line.indicator.weight, line.score.value if line.score else None) for line in lines
    )
    close_out = close_out_of(evaluation.task)
    targets = list(close_out.targets.select_related("target")) if close_out else []
    return Sheet(evaluation, lines, result, close_out, targets)


def close_out_of(task: Task) -> CloseOut | None:
    """The task's close-out report once filed (planned against achieved targets)."""
    return CloseOut.objects.filter(task=task).exclude(state=CloseOut.State.DRAFT).first()


# The task page ------------------------------------------------------------------------------


def task_rounds(user: Actor, task: Task) -> list[TaskEvaluation]:
    """The task's evaluations the user sees, oldest commission first: the rounds of a
    follow-up over the years."""
    return list(
        rules.TASK_EVALUATIONS.queryset(user)
        .filter(task=task)
        .select_related("commission__evaluator")
        .order_by("commission__starts_on", "commission_id")
    )


# The report and the export -----------------------------------------------------------------


def report_evaluations(commission: Commission) -> list[TaskEvaluation]:
    """Every task of the commission with its scores, in the order of the report."""
    scores = Score.objects.select_related("indicator").order_by("indicator__position")
    return list(evaluations_of(commission).prefetch_related(Prefetch("scores", queryset=scores)))
