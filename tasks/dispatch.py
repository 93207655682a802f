"""Dispatch (按季调度): for one reporting period and the tasks a coordinator sees, which
reports came on time, came late or did not come, which milestones are overdue and which help
requests still wait for an answer — per claimant and per task.

The rules, shared with the reminders so a report reminded as overdue shows as missing here:

- A task owes a report for a period once its plan was approved by the period's last day;
  before that its report is *not expected*.
- A report submitted on or before the due date is *on time*, after it *late*. One not
  submitted is *missing* once the due date has passed, else *not yet due*.
- A milestone of an approved plan is *overdue* in the period when its due date is within the
  period's end and already past (a milestone due today is not overdue yet) and it was not done
  by then, or was done late within the period. A milestone done late before the period began
  is old news and not counted again.
- A task is *past its expected end* in the period when its expected end (the date of its
  notice plus the programme's implementation period, `Task.expected_end`) is within the
  period's end and already past, as for milestones, and it is not closed (验收: the evaluation
  app closes a task once its close-out is accepted); these are counted and listed apart, not
  among the tasks needing attention.
- A task closed by the end of a period owes no report for it (*not expected*): its close-out
  report says what the period's report would have.

Figures are computed in SQL, a handful of queries whatever the number of tasks: the report
status of each task is a CASE over its report of the period (joined), overdue milestones and
open help requests of a page's tasks are counted by correlated subqueries, and the per-claimant
table is a GROUP BY over the tasks plus one over each of the milestones and help requests
joined to their tasks (a subquery per task would run 3,500 times at national scale). Task
lines are built only for the page shown (or a chunk of an export).

The per-claimant table reads every task of the scope; it is computed once per scope, period
and day into the shared cache (kernel.snapshots) and forgotten whenever a task, report,
milestone, help request, claimant or notice is saved (`forget_figures`, connected in
tasks.apps), so a submitted report shows at once. A change no save announces (a correction in
SQL) shows within `LIFETIME` at the latest.
"""

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from claims.models import Claimant, Programme, TaskNotice
from kernel import snapshots
from kernel.lazyrows import LazyRows
from tasks import periods, progress, selectors
from tasks.models import Closure, HelpRequest, Milestone, ProgressReport, Status, Task
from tasks.periods import Period


class ReportStatus(TextChoices):
    ON_TIME = "on_time", _("on time")
    LATE = "late", _("late")
    MISSING = "missing", _("missing")
    NOT_DUE = "not_due", _("not yet due")
    NOT_EXPECTED = "not_expected", _("not expected")


# Drill-down choices besides the report statuses.
PROBLEMS, ALL, OVERDUE, HELP = "", "all", "overdue", "help"

# Task fields no dispatch line shows, left unread.
LONG_FIELDS = ("timetable", "roadmap", "landmark", "plan_return_reason", "responsible_post")

# The most periods the period list offers: ten years of quarters.
CHOICES = 40

# The shared cache's namespace of the per-claimant tables, and how long one is kept when no
# save forgets it (平台规则 of the platform's own: a safety net, see the module's docstring).
NAMESPACE = "dispatch"
LIFETIME = 300


def forget_figures(*args: object, **kwargs: object) -> None:
    """Every kept per-claimant table is computed anew on its next view (a signal receiver)."""
    snapshots.forget(NAMESPACE)


@dataclass(frozen=True)
class Schedule:
    """A programme's reporting rhythm."""

    months: int = 3
    due_days: int = 10

    @classmethod
    def of(cls, programme: Programme) -> "Schedule":
        return cls(programme.report_every_months, programme.report_due_days)

    def bounds(self, period: Period) -> tuple[datetime.date, datetime.date]:
        return periods.bounds(period, self.months)

    def due_on(self, period: Period) -> datetime.date:
        return periods.due_on(period, self.months, self.due_days)

    def label(self, period: Period) -> str:
        return periods.label(period, self.months)

    def valid(self, period: Period) -> bool:
        return 1 <= period[1] <= 12 // self.months

    def last_due(self, today: datetime.date) -> Period:
        """The latest period whose report's due date has come."""
        period = periods.previous(periods.period_of(today, self.months), self.months)
        while self.due_on(period) > today:
            period = periods.previous(period, self.months)
        return period

    def choices(self, first: datetime.date, today: datetime.date) -> list[Period]:
        """From the period holding `first` to the running one, newest first; at most
        `CHOICES` of them, so a monthly programme of many years keeps a usable list (an
        older period is still reached by its link)."""
        found = periods.between(min(first, today), today, self.months)
        return list(reversed(found))[:CHOICES]


def report_expected(plan_approved_at: datetime.datetime | None, period_end: datetime.date) -> bool:
    return plan_approved_at is not None and timezone.localdate(plan_approved_at) <= period_end


def report_status(
    *,
    plan_approved_at: datetime.datetime | None,
    submitted_at: datetime.datetime | None,
    period_end: datetime.date,
    due: datetime.date,
    today: datetime.date,
    closed_before: bool = False,
) -> str:
    if submitted_at is not None:
        on_time = timezone.localdate(submitted_at) <= due
        return ReportStatus.ON_TIME if on_time else ReportStatus.LATE
    if closed_before or not report_expected(plan_approved_at, period_end):
        return ReportStatus.NOT_EXPECTED
    return ReportStatus.MISSING if today > due else ReportStatus.NOT_DUE


def overdue_milestones(start: datetime.date, cutoff: datetime.date) -> Q:
    """Milestones overdue in a period starting on `start`, as of `cutoff` (the period's end,
    or yesterday for the running period)."""
    not_done = ~Q(status=Status.DONE) | Q(done_on__gt=cutoff)
    done_late_in_period = Q(done_on__gt=F("due_on"), done_on__gte=start)
    return Q(task__plan_state=Task.PlanState.APPROVED, due_on__lte=cutoff) & (
        not_done | done_late_in_period
    )


def _after(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` in the current time zone: a moment falls on `day` or
    earlier (`timezone.localdate`) exactly when it is before this one."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(midnight)


def _per_task(related: QuerySet[Any]) -> Coalesce:
    """How many rows of `related` belong to the task of the outer query (0 for none)."""
    counted = (
        related.filter(task=OuterRef("pk"))
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class CountedRows(LazyRows[Any]):
    """Lazy rows whose number the per-claimant table already gives (its totals count the
    same tasks), so a pager does not count them again over every task in scope."""

    def __init__(self, qs: QuerySet[Any], make: Any, known: int) -> None:
        super().__init__(qs, make)
        self._known = known

    def count(self) -> int:
        return self._known

    def __bool__(self) -> bool:
        return self._known > 0


@dataclass
class TaskLine:
    task: Task
    report: str
    submitted_at: datetime.datetime | None
    overdue_milestones: int
    open_help: int
    expected_end: datetime.date | None = None
    past_end: bool = False

    @property
    def report_label(self) -> str:
        return str(ReportStatus(self.report).label)

    @property
    def has_problem(self) -> bool:
        late = self.report in (ReportStatus.LATE, ReportStatus.MISSING)
        return late or self.overdue_milestones > 0 or self.open_help > 0


@dataclass
class ClaimantLine:
    claimant: Claimant | None  # None on the total line
    tasks: int = 0
    reports: Counter[str] = field(default_factory=Counter)
    overdue_milestones: int = 0
    open_help: int = 0
    progress: Decimal = Decimal(0)
    past_end: int = 0
    # Tasks in each drill-down (PROBLEMS, OVERDUE, HELP): what the pagers count.
    tasks_in: Counter[str] = field(default_factory=Counter)

    def add(self, line: "ClaimantLine") -> None:
        """Counts `line` in (the total line sums the claimants' lines)."""
        self.tasks += line.tasks
        self.reports.update(line.reports)
        self.overdue_milestones += line.overdue_milestones
        self.open_help += line.open_help
        self.past_end += line.past_end
        self.tasks_in.update(line.tasks_in)

    @property
    def on_time(self) -> int:
        return self.reports[ReportStatus.ON_TIME]

    @property
    def late(self) -> int:
        return self.reports[ReportStatus.LATE]

    @property
    def missing(self) -> int:
        return self.reports[ReportStatus.MISSING]

    @property
    def not_due(self) -> int:
        return self.reports[ReportStatus.NOT_DUE]

    @property
    def not_expected(self) -> int:
        return self.reports[ReportStatus.NOT_EXPECTED]


@dataclass
class Dispatch:
    """The figures of a dispatch, and its tasks as lazy rows (`rows`, `past_end`)."""

    programme: Programme
    period: Period
    schedule: Schedule
    today: datetime.date
    claimants: list[ClaimantLine]
    total: ClaimantLine
    # The tasks in scope annotated with their figures (`_annotate`), in the page's order.
    tasks: QuerySet[Task]
    # Claimant id → the expected end of its tasks (its notice's date plus the programme's
    # implementation period); claimants without a notice are absent.
    ends: dict[int, datetime.date]
    # The overdue milestones and open help requests of the programme's tasks.
    overdue: QuerySet[Milestone]
    open_help: QuerySet[HelpRequest]
    # What the kept figures of this dispatch are keyed by (the scope's SQL, the period, the
    # day); "" when the scope is empty and nothing is kept.
    scope: str = ""

    @property
    def start(self) -> datetime.date:
        return self.schedule.bounds(self.period)[0]

    @property
    def end(self) -> datetime.date:
        return self.schedule.bounds(self.period)[1]

    @property
    def due(self) -> datetime.date:
        return self.schedule.due_on(self.period)

    @property
    def label(self) -> str:
        return self.schedule.label(self.period)

    @property
    def cutoff(self) -> datetime.date:
        return min(self.end, self.today - datetime.timedelta(days=1))

    def _lines(self, tasks: list[Task]) -> list[TaskLine]:
        return [
            TaskLine(
                task=task,
                report=task.dispatch_report,  # type: ignore[attr-defined]
                submitted_at=task.dispatch_submitted_at,  # type: ignore[attr-defined]
                overdue_milestones=task.dispatch_overdue,  # type: ignore[attr-defined]
                open_help=task.dispatch_help,  # type: ignore[attr-defined]
                expected_end=self.ends.get(task.claimant_id),
                past_end=task.dispatch_past_end,  # type: ignore[attr-defined]
            )
            for task in tasks
        ]

    def rows(self, status: str = PROBLEMS, text: str = "") -> LazyRows[TaskLine]:
        """The drill-down (problem tasks by default, or those of one status, matching `text`
        in the title or the responsible person), filtered in SQL and built a page or a chunk
        at a time: what the page paginates and an export iterates. Without `text` their
        number is the totals' (`CountedRows`), not counted again."""
        chosen = self.tasks
        drill_downs = _drill_downs((self.overdue, self.open_help))
        if status == ALL:
            known = self.total.tasks
        elif status in ReportStatus.values:
            chosen = chosen.filter(Q(dispatch_report=status))
            known = self.total.reports[status]
        else:
            status = status if status in drill_downs else PROBLEMS
            chosen = chosen.filter(drill_downs[status])
            known = self.total.tasks_in[status]
        text = text.strip()
        if text:
            chosen = chosen.filter(Q(title__icontains=text) | Q(responsible_person__icontains=text))
            return LazyRows(chosen, self._lines)
        return CountedRows(chosen, self._lines, known)

    def select(self, status: str = PROBLEMS, text: str = "") -> list[TaskLine]:
        """`rows` read at once, for a small scope."""
        return list(self.rows(status, text))

    @property
    def lines(self) -> list[TaskLine]:
        """Every task of the dispatch, read at once (a small scope only: pages use `rows`)."""
        return list(self.rows(ALL))

    @property
    def past_end(self) -> LazyRows[TaskLine]:
        """The tasks past their expected end, the longest overdue first."""
        past = [claimant for claimant, end in self.ends.items() if end <= self.cutoff]
        chosen = self.tasks.filter(Q(dispatch_past_end=True))
        if past:  # else none is: an empty CASE would order by a constant, refused by PostgreSQL
            expected_end = Case(
                *[When(claimant_id=c, then=Value(self.ends[c])) for c in past],
                output_field=DateField(),
            )
            chosen = chosen.order_by(expected_end, "pk")
        return CountedRows(chosen, self._lines, self.total.past_end)


def _annotate(
    tasks: QuerySet[Task],
    period: Period,
    schedule: Schedule,
    today: datetime.date,
    ends: dict[int, datetime.date],
    related: tuple[QuerySet[Milestone], QuerySet[HelpRequest]],
) -> QuerySet[Task]:
    """Each task with its report status (`dispatch_report`), the moment its report of the
    period was submitted, its overdue milestones and open help requests (`related`), and
    whether it is past its expected end — each in SQL, by the rules of the module's
    docstring. The counts are correlated subqueries over indexed task ids: PostgreSQL runs
    them after the sort and the limit for a page's rows; the per-claimant table sums them."""
    start, end = schedule.bounds(period)
    due = schedule.due_on(period)
    year, number = period
    # One report per task and period (the constraint report_once): a join, not a subquery,
    # since the CASE below reads it several times.
    submitted = Q(
        reports__year=year, reports__period=number, reports__state=ProgressReport.State.SUBMITTED
    )
    expected_now = ReportStatus.MISSING if today > due else ReportStatus.NOT_DUE
    report = Case(
        When(period_report__submitted_at__lt=_after(due), then=Value(ReportStatus.ON_TIME)),
        When(period_report__submitted_at__isnull=False, then=Value(ReportStatus.LATE)),
        When(closed_on__lte=end, then=Value(ReportStatus.NOT_EXPECTED)),
        When(plan_approved_at__lt=_after(end), then=Value(expected_now)),
        default=Value(ReportStatus.NOT_EXPECTED),
        output_field=CharField(),
    )
    cutoff = min(end, today - datetime.timedelta(days=1))
    past = [claimant for claimant, expected_end in ends.items() if expected_end <= cutoff]
    past_end = Q(closure=Closure.OPEN, claimant_id__in=past)
    overdue, open_help = related
    return tasks.annotate(period_report=FilteredRelation("reports", condition=submitted)).annotate(
        dispatch_submitted_at=F("period_report__submitted_at"),
        dispatch_report=report,
        dispatch_overdue=_per_task(overdue),
        dispatch_help=_per_task(open_help),
        dispatch_past_end=Case(
            When(past_end, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
    )


def _mean(weighted: Decimal | None, weights: Decimal | None) -> Decimal:
    """tasks.progress.weighted_mean from the sums SQL made. SQLite sums decimals as floats:
    rounding them to the places of their terms gives back the exact sums."""
    if not weights:
        return Decimal(0)
    weighted = Decimal(weighted or 0).quantize(Decimal("0.001"))
    weights = Decimal(weights).quantize(Decimal("0.01"))
    return (weighted / weights).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _drill_downs(related: tuple[QuerySet[Milestone], QuerySet[HelpRequest]]) -> dict[str, Q]:
    """The tasks of each drill-down but the report statuses, by set membership (a hashed
    subquery, one scan) rather than the per-task counts, which a filter would compute for
    every task in scope."""
    overdue, open_help = related
    with_overdue = Q(pk__in=overdue.values("task_id"))
    with_help = Q(pk__in=open_help.values("task_id"))
    late = [ReportStatus.LATE, ReportStatus.MISSING]
    return {
        PROBLEMS: Q(dispatch_report__in=late) | with_overdue | with_help,
        OVERDUE: with_overdue,
        HELP: with_help,
    }


def _per_claimant(
    related: tuple[QuerySet[Milestone], QuerySet[HelpRequest]], scoped: QuerySet[Task]
) -> tuple[dict[int, int], dict[int, int]]:
    """Claimant id → how many overdue milestones, and how many open help requests, its tasks
    in `scoped` have: each a join and GROUP BY (a hash join over the programme's rows, not a
    subquery per task), the two in one query (UNION ALL)."""
    in_scope = scoped.order_by().values("pk")
    grouped = [
        rows.filter(task__in=in_scope)
        .order_by()
        .values("task__claimant_id")
        .annotate(n=Count("pk"), kind=Value(kind))
        .values_list("task__claimant_id", "n", "kind")
        for kind, rows in enumerate(related)
    ]
    counts: tuple[dict[int, int], dict[int, int]] = ({}, {})
    for claimant_id, n, kind in grouped[0].union(grouped[1], all=True):
        counts[kind][claimant_id] = n
    return counts


def _claimant_lines(
    tasks: QuerySet[Task],
    scoped: QuerySet[Task],
    related: tuple[QuerySet[Milestone], QuerySet[HelpRequest]],
) -> list[ClaimantLine]:
    """One GROUP BY claimant over the annotated tasks (the report statuses, progress, past
    end), and one over each of `related` (overdue milestones, open help requests) of
    `scoped`; the claimants in the page's order."""
    statuses = {f"report_{s}": Count("pk", filter=Q(dispatch_report=s)) for s in ReportStatus}
    drill_downs = _drill_downs(related)
    tasks_in = {f"in_{name}": Count("pk", filter=q) for name, q in drill_downs.items()}
    grouped = (
        tasks.order_by()
        .values("claimant_id")
        .annotate(
            n=Count("pk"),
            past_end=Count("pk", filter=Q(dispatch_past_end=True)),
            weighted=Sum(
                F("progress") * F("weight"),
                output_field=DecimalField(max_digits=20, decimal_places=3),
            ),
            weights=Sum("weight"),
            **statuses,
            **tasks_in,
        )
    )
    found = {row["claimant_id"]: row for row in grouped}
    if not found:
        return []
    overdue, open_help = _per_claimant(related, scoped)
    claimants = (
        Claimant.objects.filter(pk__in=found)
        .select_related("division", "region_group")
        .order_by("region_group_id", "division__code", "pk")
    )
    lines = []
    for claimant in claimants:
        row = found[claimant.pk]
        lines.append(
            ClaimantLine(
                claimant,
                tasks=row["n"],
                reports=Counter({s: row[f"report_{s}"] for s in ReportStatus.values}),
                overdue_milestones=overdue.get(claimant.pk, 0),
                open_help=open_help.get(claimant.pk, 0),
                progress=_mean(row["weighted"], row["weights"]),
                past_end=row["past_end"],
                tasks_in=Counter({name: row[f"in_{name}"] for name in drill_downs}),
            )
        )
    return lines


def _scope_key(scoped: QuerySet[Task], period: Period, today: datetime.date) -> str:
    """The scope's SQL (the viewer's visibility and the claimant chosen, exactly), the period
    and the day, hashed; "" for a scope that cannot hold a task."""
    try:
        sql = str(scoped.query)
    except EmptyResultSet:
        return ""
    return hashlib.sha256(f"{sql}|{period}|{today}".encode()).hexdigest()


def _kept_claimant_lines(
    tasks: QuerySet[Task],
    scoped: QuerySet[Task],
    related: tuple[QuerySet[Milestone], QuerySet[HelpRequest]],
    scope: str,
) -> list[ClaimantLine]:
    """`_claimant_lines` from the shared cache, keyed by `scope` (`_scope_key`)."""
    if not scope:
        return []
    kept = snapshots.snapshot(
        NAMESPACE, "claimants", scope, lambda: _claimant_lines(tasks, scoped, related), LIFETIME
    )
    return kept.value


def dispatch(
    tasks: QuerySet[Task], programme: Programme, period: Period, today: datetime.date
) -> Dispatch:
    """The dispatch of `tasks` (already scoped to the viewer) of `programme` for `period`."""
    schedule = Schedule.of(programme)
    notices = TaskNotice.objects.filter(programme=programme).values_list("claimant_id", "issued_on")
    ends = {claimant: programme.implementation_end(issued) for claimant, issued in notices}
    scoped = tasks.filter(programme=programme)
    start, end = schedule.bounds(period)
    cutoff = min(end, today - datetime.timedelta(days=1))
    # Of the programme's tasks: the outer query (a task, the tasks of a page) narrows them.
    overdue = Milestone.objects.filter(task__programme=programme).filter(
        overdue_milestones(start, cutoff)
    )
    open_help = HelpRequest.objects.filter(task__programme=programme, state=HelpRequest.State.OPEN)
    annotated = _annotate(scoped, period, schedule, today, ends, (overdue, open_help))
    # The lines show the claimant's name and a few task fields: the plan's long texts and the
    # programme and item rows (joined by tasks_visible_to) stay unread.
    ordered = (
        annotated.select_related(None)
        .select_related("claimant__division", "claimant__region_group")
        .defer(*LONG_FIELDS)
        .order_by(
            "claimant__region_group_id", "claimant__division__code", "claim__item__position", "pk"
        )
    )
    scope = _scope_key(scoped, period, today)
    claimants = _kept_claimant_lines(annotated, scoped, (overdue, open_help), scope)
    total = ClaimantLine(None)
    for line in claimants:
        total.add(line)
    # The programme's rule (tasks.progress): a plain mean over the claimants shown.
    total.progress = progress.weighted_mean((c.progress, Decimal(1)) for c in claimants)
    return Dispatch(
        programme,
        period,
        schedule,
        today,
        claimants,
        total,
        ordered,
        ends,
        overdue,
        open_help,
        scope,
    )


def dispatch_for(
    user: Actor,
    programme: Programme,
    period: Period,
    *,
    today: datetime.date,
    claimant: Claimant | None = None,
) -> Dispatch:
    """The dispatch as `user` may see it: the national coordinator every claimant (or the one
    chosen), a locality its own."""
    tasks = selectors.tasks_visible_to(user)
    if claimant is not None:
        tasks = tasks.filter(claimant=claimant)
    return dispatch(tasks, programme, period, today)
