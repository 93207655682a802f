"""The figures behind the ranking (`evaluation.ranking`), gathered per programme in a fixed
number of queries whatever the number of localities, units and tasks: the counts and sums are
grouped in SQL, the latest delivered evaluation score of each task is a subquery, and only the
expected end (one per locality, from its task notice) is applied in Python.

Implementing units are ranked on the tasks they lead (牵头实施主体): the lead answers for the
task, so a unit that only takes part in a task is not credited or charged with it. This is the
platform's rule, stated on the ranking page.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.actors import Actor
from claims.models import Claimant, Programme, TaskNotice
from evaluation import ranking
from evaluation.models import Commission, RankingFormula, TaskEvaluation
from regions.models import Organisation
from tasks.models import Closure, Task, ToleranceFiling
from tasks.selectors import programmes_with_tasks

# A task closed as not completed on an accepted fault-tolerance filing (容错, 484号 §四).
TOLERATED = Q(
    closure=Closure.NOT_COMPLETED,
    close_out__tolerance_filing__state=ToleranceFiling.State.ACCEPTED,
)


@dataclass(frozen=True)
class Formula:
    """The formula in force: the newest `RankingFormula`, or the model's defaults while the
    national level has never set one (`row` is None then)."""

    weights: ranking.Weights
    row: RankingFormula | None

    @property
    def is_default(self) -> bool:
        return self.row is None


@dataclass(frozen=True)
class Ranking:
    programme: Programme
    formula: Formula
    localities: list[ranking.Row]
    units: list[ranking.Row]
    today: datetime.date

    @property
    def tolerated(self) -> int:
        return sum(row.figures.tolerated for row in self.localities)


def formula_in_force() -> Formula:
    row = RankingFormula.objects.select_related("changed_by").first()
    if row is None:
        return Formula(ranking.DEFAULT, None)
    weights = ranking.Weights(row.completion_weight, row.evaluation_weight, row.progress_weight)
    return Formula(weights, row)


def formula_history(limit: int = 50) -> list[RankingFormula]:
    """The changes of the formula, newest first (each row is one change)."""
    return list(RankingFormula.objects.select_related("changed_by")[:limit])


def programmes_ranked(user: Actor) -> QuerySet[Programme]:
    """The programmes with tasks, newest first: what the ranking can be shown for."""
    return programmes_with_tasks(user)


def latest_delivered_score() -> Subquery:
    """The score of a task's latest evaluation whose report was delivered (evaluations can
    repeat over the years: the newest report counts)."""
    latest = TaskEvaluation.objects.filter(
        task=OuterRef("pk"),
        commission__state=Commission.State.REPORTED,
        score__isnull=False,
    ).order_by("-commission__reported_at", "-pk")
    return Subquery(latest.values("score")[:1])


def _grouped(tasks: QuerySet[Task], *keys: str) -> list[dict[str, object]]:
    counted = ~TOLERATED
    rows = (
        tasks.annotate(latest_score=latest_delivered_score())
        .values(*keys)
        .annotate(
            tasks=Count("pk"),
            tolerated=Count("pk", filter=TOLERATED),
            completed=Count("pk", filter=Q(closure=Closure.COMPLETED)),
            failed=Count("pk", filter=Q(closure=Closure.NOT_COMPLETED) & counted),
            open=Count("pk", filter=Q(closure=Closure.OPEN)),
            progress_sum=Sum("progress", filter=counted),
            progress_count=Count("pk", filter=counted),
            score_sum=Sum("latest_score", filter=counted),
            scored=Count("latest_score", filter=counted),
        )
        .order_by(*keys)
    )
    return list(rows)


def _figures(key: int, name: str, row: dict[str, object], due: bool) -> ranking.Figures:
    def number(name: str) -> int:
        value = row[name]
        assert isinstance(value, int)
        return value

    def amount(name: str) -> Decimal:
        value = row[name]
        return Decimal(str(value)) if value is not None else Decimal(0)

    open_tasks = number("open")
    return ranking.Figures(
        key=key,
        name=name,
        tasks=number("tasks"),
        tolerated=number("tolerated"),
        completed=number("completed"),
        failed=number("failed"),
        open_due=open_tasks if due else 0,
        open_not_due=0 if due else open_tasks,
        progress_sum=amount("progress_sum"),
        progress_count=number("progress_count"),
        score_sum=amount("score_sum"),
        scored=number("scored"),
    )


def _past_end(programme: Programme, today: datetime.date) -> set[int]:
    """The claimants whose tasks are past their expected end: notice date plus the programme's
    implementation period (`Task.expected_end`). No notice, no expected end."""
    notices = TaskNotice.objects.filter(programme=programme).values_list("claimant_id", "issued_on")
    return {cid for cid, day in notices if programme.implementation_end(day) < today}


def ranking_of(programme: Programme, *, today: datetime.date | None = None) -> Ranking:
    """The ranking of the programme's localities (claimants) and lead implementing units under
    the formula in force."""
    today = today or timezone.localdate()
    formula = formula_in_force()
    tasks = Task.objects.filter(programme=programme)
    past_end = _past_end(programme, today)

    claimants = {
        c.pk: str(c)
        for c in Claimant.objects.filter(programme=programme).select_related(
            "division", "region_group"
        )
    }
    localities = [
        _figures(
            int(str(row["claimant_id"])),
            claimants.get(int(str(row["claimant_id"])), ""),
            row,
            row["claimant_id"] in past_end,
        )
        for row in _grouped(tasks, "claimant_id")
    ]

    led = tasks.filter(implementers__lead=True)
    by_unit: dict[int, ranking.Figures] = {}
    rows = _grouped(led, "implementers__organisation_id", "claimant_id")
    names = dict(
        Organisation.objects.filter(
            pk__in={row["implementers__organisation_id"] for row in rows}
        ).values_list("pk", "name")
    )
    for row in rows:
        key = int(str(row["implementers__organisation_id"]))
        part = _figures(key, names.get(key, ""), row, row["claimant_id"] in past_end)
        if key in by_unit:
            by_unit[key].add(part)
        else:
            by_unit[key] = part
    return Ranking(
        programme=programme,
        formula=formula,
        localities=ranking.rank(localities, formula.weights),
        units=ranking.rank(by_unit.values(), formula.weights),
        today=today,
    )
