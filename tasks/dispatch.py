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

Figures are computed from a handful of queries over the whole scope, never one per task.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from claims.models import Claimant, Programme, TaskNotice
from tasks import periods, progress, selectors
from tasks.models import HelpRequest, Milestone, ProgressReport, Status, Task
from tasks.periods import Period


class ReportStatus(TextChoices):
    ON_TIME = "on_time", _("on time")
    LATE = "late", _("late")
    MISSING = "missing", _("missing")
    NOT_DUE = "not_due", _("not yet due")
    NOT_EXPECTED = "not_expected", _("not expected")


# Drill-down choices besides the report statuses.
PROBLEMS, ALL, OVERDUE, HELP = "", "all", "overdue", "help"

# The most periods the period list offers: ten years of quarters.
CHOICES = 40


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

    def add(self, line: TaskLine) -> None:
        self.tasks += 1
        self.reports[line.report] += 1
        self.overdue_milestones += line.overdue_milestones
        self.open_help += line.open_help
        self.past_end += line.past_end

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
    programme: Programme
    period: Period
    schedule: Schedule
    today: datetime.date
    claimants: list[ClaimantLine]
    total: ClaimantLine
    lines: list[TaskLine]

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
    def past_end(self) -> list[TaskLine]:
        """The tasks past their expected end, the longest overdue first."""
        found = [line for line in self.lines if line.past_end]
        return sorted(found, key=lambda line: (line.expected_end or self.today, line.task.pk))

    def select(self, status: str = PROBLEMS, text: str = "") -> list[TaskLine]:
        """The drill-down: problem tasks by default, or those of one status."""
        if status == ALL:
            chosen = self.lines
        elif status == OVERDUE:
            chosen = [line for line in self.lines if line.overdue_milestones]
        elif status == HELP:
            chosen = [line for line in self.lines if line.open_help]
        elif status in ReportStatus.values:
            chosen = [line for line in self.lines if line.report == status]
        else:
            chosen = [line for line in self.lines if line.has_problem]
        text = text.strip().lower()
        if text:
            chosen = [
                line
                for line in chosen
                if text in line.task.title.lower() or text in line.task.responsible_person.lower()
            ]
        return chosen


def _counts(qs: QuerySet[Any]) -> dict[int, int]:
    # order_by() drops the model ordering, which would otherwise split the groups.
    return dict(qs.order_by().values("task_id").annotate(n=Count("id")).values_list("task_id", "n"))


def dispatch(
    tasks: QuerySet[Task], programme: Programme, period: Period, today: datetime.date
) -> Dispatch:
    """The dispatch of `tasks` (already scoped to the viewer) of `programme` for `period`."""
    tasks = tasks.filter(programme=programme)
    schedule = Schedule.of(programme)
    start, end = schedule.bounds(period)
    due = schedule.due_on(period)
    ids = tasks.values("pk")
    year, number = period
    submitted = dict(
        ProgressReport.objects.filter(
            task__in=ids, year=year, period=number, state=ProgressReport.State.SUBMITTED
        ).values_list("task_id", "submitted_at")
    )
    cutoff = min(end, today - datetime.timedelta(days=1))
    overdue = _counts(
        Milestone.objects.filter(task__in=ids).filter(overdue_milestones(start, cutoff))
    )
    open_help = _counts(HelpRequest.objects.filter(task__in=ids, state=HelpRequest.State.OPEN))
    notice_dates = dict(
        TaskNotice.objects.filter(programme=programme).values_list("claimant_id", "issued_on")
    )
    by_claimant: dict[int, ClaimantLine] = {}
    total = ClaimantLine(None)
    lines = []
    ordered = tasks.order_by(
        "claimant__region_group_id", "claimant__division__code", "claim__item__position", "pk"
    )
    for task in ordered:
        issued_on = notice_dates.get(task.claimant_id)
        expected_end = programme.implementation_end(issued_on) if issued_on else None
        line = TaskLine(
            task=task,
            report=report_status(
                plan_approved_at=task.plan_approved_at,
                submitted_at=submitted.get(task.pk),
                period_end=end,
                due=due,
                today=today,
                closed_before=task.closed_on is not None and task.closed_on <= end,
            ),
            submitted_at=submitted.get(task.pk),
            overdue_milestones=overdue.get(task.pk, 0),
            open_help=open_help.get(task.pk, 0),
            expected_end=expected_end,
            past_end=not task.is_closed and expected_end is not None and expected_end <= cutoff,
        )
        lines.append(line)
        by_claimant.setdefault(task.claimant_id, ClaimantLine(task.claimant)).add(line)
        total.add(line)
    shares = selectors.claimant_progress(tasks)
    for claimant_id, claimant_line in by_claimant.items():
        claimant_line.progress = shares.get(claimant_id, Decimal(0))
    # The programme's rule (tasks.progress): a plain mean over the claimants shown.
    total.progress = progress.weighted_mean((c.progress, Decimal(1)) for c in by_claimant.values())
    return Dispatch(programme, period, schedule, today, list(by_claimant.values()), total, lines)


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
