"""Reads of progress reports, help requests and the bulk-update sheet: always scoped to the
user by the definitions of `tasks.rules` (as `tasks.selectors.tasks_visible_to` is), so
whatever a user may not see is a 404."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import User
from accounts.visibility import NATIONAL
from tasks import periods, progress, rules
from tasks.models import (
    Closure,
    HelpRequest,
    Milestone,
    MilestoneUpdate,
    ProgressReport,
    Target,
    TargetUpdate,
    Task,
)
from tasks.selectors import claimant_coordinators

# Reports ------------------------------------------------------------------------------------


def schedule(task: Task) -> tuple[int, int]:
    """(months per period, days after the period's end the report is due)."""
    programme = task.programme
    return programme.report_every_months, programme.report_due_days


def periods_open(task: Task, today: datetime.date | None = None) -> list[periods.Period]:
    """The periods a report may be filed for: from the one in which the plan was approved to
    the current one."""
    if task.plan_state != Task.PlanState.APPROVED or task.plan_approved_at is None:
        return []
    today = today or timezone.localdate()
    approved = timezone.localdate(task.plan_approved_at)
    months, _days = schedule(task)
    return periods.between(approved, max(approved, today), months)


@dataclass
class PeriodRow:
    period: periods.Period
    label: str
    due_on: datetime.date
    report: ProgressReport | None
    overdue: bool
    # The period has not ended yet: its report is not due, and no report is no failing.
    running: bool = False

    @property
    def late(self) -> bool:
        """Submitted after the due date."""
        submitted = self.report.submitted_at if self.report else None
        return submitted is not None and timezone.localdate(submitted) > self.due_on


def period_rows(user: Actor, task: Task, today: datetime.date | None = None) -> list[PeriodRow]:
    """Every period from plan approval to now, newest first, with its report where the user
    may see it (a draft is the implementer's until submitted)."""
    today = today or timezone.localdate()
    months, days = schedule(task)
    reports = {(r.year, r.period): r for r in task.reports.all()}
    # A submitted report is seen by whoever sees the task; only drafts need the finer check.
    sees_submitted = rules.can_view_task(user, task)
    rows = []
    for period in reversed(periods_open(task, today)):
        report = reports.get(period)
        if report is not None:
            submitted = report.state == ProgressReport.State.SUBMITTED
            visible = sees_submitted if submitted else rules.can_view_report(user, report)
            report = report if visible else None
        due = periods.due_on(period, months, days)
        filed = report is not None and report.state == ProgressReport.State.SUBMITTED
        rows.append(
            PeriodRow(
                period,
                periods.label(period, months),
                due,
                report,
                not filed and due < today,
                running=periods.bounds(period, months)[1] >= today,
            )
        )
    return rows


def report_get_for_user(user: Actor, pk: int) -> ProgressReport:
    reports = rules.REPORTS.queryset(user).select_related("task__programme", "task__claimant")
    try:
        return reports.get(pk=pk)
    except ProgressReport.DoesNotExist:
        raise Http404 from None


def previous_submitted(task: Task, period: periods.Period) -> ProgressReport | None:
    """The latest submitted report of a period before `period`."""
    year, number = period
    return (
        task.reports.filter(state=ProgressReport.State.SUBMITTED)
        .filter(Q(year__lt=year) | Q(year=year, period__lt=number))
        .order_by("-year", "-period")
        .first()
    )


def _later_submitted(report: ProgressReport) -> QuerySet[ProgressReport]:
    return report.task.reports.filter(state=ProgressReport.State.SUBMITTED).filter(
        Q(year__gt=report.year) | Q(year=report.year, period__gt=report.period)
    )


def later_submitted_exists(report: ProgressReport) -> bool:
    return _later_submitted(report).exists()


def kept_on_report_only(report: ProgressReport) -> bool:
    """Whether a submitted report's figures stayed on the report: a report of a later period
    was already in when it was submitted, so they did not become the task's."""
    if report.submitted_at is None:
        return False
    return _later_submitted(report).filter(submitted_at__lt=report.submitted_at).exists()


@dataclass
class MilestoneLine:
    milestone: Milestone
    update: MilestoneUpdate
    before: MilestoneUpdate | None

    @property
    def changed(self) -> bool:
        if self.before is None:
            return self.update.status != Milestone._meta.get_field("status").default
        return (self.update.status, self.update.done_on) != (
            self.before.status,
            self.before.done_on,
        )


@dataclass
class TargetLine:
    target: Target
    update: TargetUpdate
    before: TargetUpdate | None

    @property
    def previous_actual(self) -> Decimal | None:
        return self.before.actual if self.before else None

    @property
    def change(self) -> Decimal | None:
        if self.update.actual is None:
            return None
        # A previous actual of 0 is a figure (a count that fell to zero), not "none".
        previous = self.previous_actual
        return self.update.actual - (previous if previous is not None else self.target.baseline)

    @property
    def share(self) -> Decimal:
        t = self.target
        return progress.percent(
            progress.target_share(t.baseline, t.target_value, self.update.actual)
        )


@dataclass
class Figures:
    milestones: list[MilestoneLine]
    targets: list[TargetLine]
    previous: ProgressReport | None
    progress: Decimal
    previous_progress: Decimal | None


def _report_progress(
    milestones: list[Milestone],
    targets: list[Target],
    m_updates: dict[int, MilestoneUpdate],
    t_updates: dict[int, TargetUpdate],
) -> Decimal:
    """The task's progress as this report's figures make it (tasks.progress's definition)."""
    ms = [
        SimpleNamespace(weight=m.weight, status=m_updates[m.pk].status)
        for m in milestones
        if m.pk in m_updates
    ]
    ts = [
        SimpleNamespace(
            weight=t.weight,
            baseline=t.baseline,
            target_value=t.target_value,
            actual=t_updates[t.pk].actual,
        )
        for t in targets
        if t.pk in t_updates
    ]
    return progress.task_progress(ms, ts)


def report_figures(report: ProgressReport) -> Figures:
    """The report's figures beside those of the previous submitted report."""
    task = report.task
    milestones = list(task.milestones.all())
    targets = list(task.targets.all())
    now_m = {u.milestone_id: u for u in report.milestones.all()}
    now_t = {u.target_id: u for u in report.targets.all()}
    previous = previous_submitted(task, (report.year, report.period))
    before_m: dict[int, MilestoneUpdate] = {}
    before_t: dict[int, TargetUpdate] = {}
    if previous is not None:
        before_m = {u.milestone_id: u for u in previous.milestones.all()}
        before_t = {u.target_id: u for u in previous.targets.all()}
    return Figures(
        milestones=[
            MilestoneLine(m, now_m[m.pk], before_m.get(m.pk)) for m in milestones if m.pk in now_m
        ],
        targets=[TargetLine(t, now_t[t.pk], before_t.get(t.pk)) for t in targets if t.pk in now_t],
        previous=previous,
        progress=_report_progress(milestones, targets, now_m, now_t),
        previous_progress=(
            _report_progress(milestones, targets, before_m, before_t) if previous else None
        ),
    )


# Who is told --------------------------------------------------------------------------------


def locality_coordinators(task: Task) -> QuerySet[User]:
    """The users who speak for the claimant of the task."""
    return claimant_coordinators(task.claimant)


def national_coordinators() -> QuerySet[User]:
    return NATIONAL.members()


def coordinators_at(task: Task, level: str) -> QuerySet[User]:
    if level == HelpRequest.Level.NATIONAL:
        return national_coordinators()
    return locality_coordinators(task)


# Help requests ------------------------------------------------------------------------------


def help_visible_to(user: Actor) -> QuerySet[HelpRequest]:
    """The national coordinator sees every request; a locality those of its tasks (a
    province also those of the zones it oversees); an implementer those of the tasks its
    organisation implements."""
    return rules.HELP_REQUESTS.queryset(user).select_related(
        "task__programme",
        "task__claimant__division",
        "task__claimant__region_group",
        "raised_by",
        "answered_by",
    )


def help_list(user: Actor, params: dict[str, str]) -> QuerySet[HelpRequest]:
    qs = help_visible_to(user)
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    if params.get("level"):
        qs = qs.filter(level=params["level"])
    if params.get("programme"):
        qs = qs.filter(task__programme_id=params["programme"])
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(text__icontains=text) | Q(answer__icontains=text) | Q(task__title__icontains=text)
        )
    return qs.order_by("-raised_at", "-id")


def help_get_for_user(user: Actor, pk: int) -> HelpRequest:
    try:
        return help_visible_to(user).get(pk=pk)
    except HelpRequest.DoesNotExist:
        raise Http404 from None


def help_of_task(task: Task) -> QuerySet[HelpRequest]:
    return task.help_requests.select_related("raised_by", "answered_by").order_by(
        "-raised_at", "-id"
    )


# Bulk update --------------------------------------------------------------------------------


def bulk_tasks(user: Actor) -> QuerySet[Task]:
    """The tasks a coordinator may update from a sheet: those it runs (every task for the
    national level, none a province only oversees), with an approved plan."""
    return (
        rules.UPDATED_IN_BULK_BY.queryset(user)
        .select_related("programme", "claimant__division", "claimant__region_group", "claim__item")
        .filter(plan_state=Task.PlanState.APPROVED)
        .order_by("pk")
    )


def bulk_items(
    user: Actor, task_ids: Iterable[int] | None = None
) -> tuple[list[Milestone], list[Target]]:
    """The milestones and targets of the user's bulk tasks, or of those among `task_ids`, in
    task and position order. Each task is read once and shared by its rows: joining it to
    every row made building the sheet of a national scope slow."""
    tasks_qs = bulk_tasks(user)
    if task_ids is not None:
        tasks_qs = tasks_qs.filter(pk__in=task_ids)
    tasks = {task.pk: task for task in tasks_qs}
    ids = tasks_qs.values("pk")

    def of_tasks(items: QuerySet[Any]) -> list[Any]:
        found = []
        # A plan approved between the two reads has no task here: it waits for the next sheet.
        for item in items.filter(task__in=ids).order_by("task_id", "position"):
            if item.task_id in tasks:
                item.task = tasks[item.task_id]
                found.append(item)
        return found

    return of_tasks(Milestone.objects.all()), of_tasks(Target.objects.all())


# Reports due (the to-do home, one-action filing) --------------------------------------------


@dataclass(frozen=True)
class DueReport:
    """A period of a task the user implements whose report is due or overdue and not yet
    submitted. `draft` is the open draft of the period, if any; `can_file_unchanged` says the
    period may be filed as "no change" in one action (no draft, or a draft with nothing typed
    or changed in it)."""

    task: Task
    year: int
    period: int
    due_on: datetime.date
    overdue: bool
    draft: ProgressReport | None
    can_file_unchanged: bool

    @property
    def label(self) -> str:
        return periods.label((self.year, self.period), self.task.programme.report_every_months)

    @property
    def value(self) -> str:
        """The period as forms carry it (`periods.parse`)."""
        return f"{self.year}-{self.period}"


def is_due(task: Task, period: periods.Period, today: datetime.date) -> bool:
    """A period's report is due (open for reporting) once the period has ended, or once its
    due date is within the reminder window (settings.REMINDER_DAYS_AHEAD, as the reminders
    have it); the running period may still be reported early from the task page. Platform
    rule (平台规则)."""
    months, days = schedule(task)
    horizon = today + datetime.timedelta(days=settings.REMINDER_DAYS_AHEAD)
    return (
        periods.bounds(period, months)[1] < today or periods.due_on(period, months, days) <= horizon
    )


def due_periods(task: Task, today: datetime.date) -> list[periods.Period]:
    """The periods open for reporting (`periods_open`) that are due, oldest first."""
    return [p for p in periods_open(task, today) if is_due(task, p, today)]


_Figure = tuple[Any, ...]


def _draft_untouched(
    draft: ProgressReport,
    previous_problems: str,
    milestone_rows: list[_Figure],
    target_rows: list[_Figure],
) -> bool:
    """Nothing typed in the draft and its figures still those of the task (an untouched row
    follows the task: `services.reports.drafts_follow`)."""
    if draft.done.strip() or draft.help_needed.strip():
        return False
    if draft.problems.strip() != previous_problems.strip():
        return False
    for status, done_on, task_status, task_done_on in milestone_rows:
        if (status, done_on) != (task_status, task_done_on):
            return False
    return all(actual == task_actual for actual, task_actual in target_rows)


def _draft_rows(
    drafts: list[ProgressReport],
) -> tuple[dict[int, list[_Figure]], dict[int, list[_Figure]]]:
    """Each draft's figures beside the task's, in two queries for all drafts."""
    ids = [d.pk for d in drafts]
    m_rows: dict[int, list[_Figure]] = {pk: [] for pk in ids}
    t_rows: dict[int, list[_Figure]] = {pk: [] for pk in ids}
    if not ids:
        return m_rows, t_rows
    milestone_rows: Iterable[_Figure] = MilestoneUpdate.objects.filter(
        report_id__in=ids
    ).values_list("report_id", "status", "done_on", "milestone__status", "milestone__done_on")
    for report_id, *row in milestone_rows:
        m_rows[report_id].append(tuple(row))
    target_rows: Iterable[_Figure] = TargetUpdate.objects.filter(report_id__in=ids).values_list(
        "report_id", "actual", "target__actual"
    )
    for report_id, *row in target_rows:
        t_rows[report_id].append(tuple(row))
    return m_rows, t_rows


def _previous_problems(
    reports: Iterable[ProgressReport], task_id: int, period: periods.Period
) -> str:
    earlier = [
        r
        for r in reports
        if r.task_id == task_id
        and r.state == ProgressReport.State.SUBMITTED
        and (r.year, r.period) < period
    ]
    return max(earlier, key=lambda r: (r.year, r.period)).problems if earlier else ""


def draft_has_edits(draft: ProgressReport) -> bool:
    """Whether the implementer typed or changed something in the draft (then filing it
    "unchanged" would throw that away: the draft is theirs to finish)."""
    m_rows, t_rows = _draft_rows([draft])
    previous = previous_submitted(draft.task, (draft.year, draft.period))
    return not _draft_untouched(
        draft, previous.problems if previous else "", m_rows[draft.pk], t_rows[draft.pk]
    )


def due_reports(user: Actor, today: datetime.date, *, task: Task | None = None) -> list[DueReport]:
    """Every report the user has to file: the due or overdue periods not yet submitted of the
    tasks the user implements and may report on (`rules.can_report`: an approved plan, not
    closed), oldest due first; with `task`, of that task only. At most four queries whatever
    the number of tasks."""
    scope = rules.IMPLEMENTED_BY.queryset(user)
    if task is not None:
        scope = scope.filter(pk=task.pk)
    tasks = list(
        scope.filter(plan_state=Task.PlanState.APPROVED, closure=Closure.OPEN)
        .exclude(plan_approved_at=None)
        .select_related("programme", "claimant")
        .distinct()
    )
    if not tasks:
        return []
    reports = list(ProgressReport.objects.filter(task__in=[t.pk for t in tasks]))
    by_period = {(r.task_id, r.year, r.period): r for r in reports}
    found: list[tuple[Task, periods.Period, datetime.date, ProgressReport | None]] = []
    for task in tasks:
        months, days = schedule(task)
        for period in due_periods(task, today):
            report = by_period.get((task.pk, *period))
            if report is not None and report.state == ProgressReport.State.SUBMITTED:
                continue
            found.append((task, period, periods.due_on(period, months, days), report))
    drafts = [report for _t, _p, _d, report in found if report is not None]
    m_rows, t_rows = _draft_rows(drafts)
    due: list[DueReport] = []
    for task, period, due_on, draft in found:
        untouched = draft is None or _draft_untouched(
            draft,
            _previous_problems(reports, task.pk, period),
            m_rows[draft.pk],
            t_rows[draft.pk],
        )
        due.append(
            DueReport(
                task=task,
                year=period[0],
                period=period[1],
                due_on=due_on,
                overdue=due_on < today,
                draft=draft,
                can_file_unchanged=untouched,
            )
        )
    due.sort(key=lambda d: (d.due_on, d.task.title, d.task.pk))
    return due


def reports_to_review(user: Actor) -> list[ProgressReport]:
    """Submitted reports not yet marked read (已阅) of the tasks the user reviews
    (`rules.REVIEWED_BY`), oldest submitted first. One query."""
    tasks = rules.REVIEWED_BY.queryset(user).values("pk")
    return list(
        ProgressReport.objects.filter(
            task__in=tasks, state=ProgressReport.State.SUBMITTED, reviewed_at=None
        )
        .select_related("task__programme", "task__claimant")
        .order_by("submitted_at", "pk")
    )


def due_reports_of_task(user: Actor, task: Task, today: datetime.date) -> list[DueReport]:
    """`due_reports` of one task."""
    return due_reports(user, today, task=task)
