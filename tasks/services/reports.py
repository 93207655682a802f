"""Progress reports (进展报告), filled once and used everywhere (一表多用, 一次填报).

A new report starts from the task's figures — its milestones and targets, as the last report
or bulk update left them — so the implementer changes only what moved. Submitting writes back
to the milestones and targets the rows that differ from the task's (the report keeps its own
copy), recomputes the task's progress, tells the locality and, when help is needed, raises a
help request.

A draft's untouched rows follow the task while it is open (`drafts_follow`): whatever differs
from the task on submission is then what the implementer changed, and a bulk update or
another period's report made meanwhile is never put back by it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from kernel.errors import Forbidden
from notifications.services import notify
from tasks import periods, rules
from tasks import reports_selectors as selectors
from tasks.errors import TaskError
from tasks.models import (
    HelpRequest,
    Milestone,
    MilestoneUpdate,
    ProgressReport,
    Status,
    Target,
    TargetUpdate,
    Task,
)
from tasks.services.core import refresh_progress
from tasks.services.help import help_request
from tasks.services.reminders import reminders_close

State = ProgressReport.State


def _lock(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("claimant", "programme").get(pk=task.pk)


def period_label(task: Task, period: periods.Period) -> str:
    return periods.label(period, task.programme.report_every_months)


def periods_to_start(task: Task, today: datetime.date | None = None) -> list[periods.Period]:
    """Periods from plan approval to now that have no report yet, newest first."""
    taken = set(task.reports.values_list("year", "period"))
    return [p for p in reversed(selectors.periods_open(task, today)) if p not in taken]


@transaction.atomic
def report_start(
    *,
    task: Task,
    by: User,
    period: periods.Period | None = None,
    today: datetime.date | None = None,
) -> ProgressReport:
    """Open the draft report of `period` (default: the current one), prefilled."""
    task = _lock(task)
    if not rules.can_report(by, task):
        raise Forbidden
    allowed = selectors.periods_open(task, today)
    if not allowed:
        raise TaskError(_("Reports start once the plan is approved."))
    period = period or allowed[-1]
    if period not in allowed:
        raise TaskError(_("Choose a period from the approval of the plan to the current one."))
    if task.reports.filter(year=period[0], period=period[1]).exists():
        raise TaskError(
            _("%(period)s already has a report.") % {"period": period_label(task, period)}
        )
    previous = selectors.previous_submitted(task, period)
    try:
        with transaction.atomic():
            report = ProgressReport.objects.create(
                task=task,
                year=period[0],
                period=period[1],
                created_by=by,
                problems=previous.problems if previous else "",
            )
    except IntegrityError:
        raise TaskError(
            _("%(period)s already has a report.") % {"period": period_label(task, period)}
        ) from None
    _prefill(report, task)
    record(
        "task.report_saved",
        obj=task,
        by=by,
        changes={"report": [None, period_label(task, period)]},
        note=_("started"),
    )
    return report


def _prefill(report: ProgressReport, task: Task) -> None:
    """The task's figures, not the previous report's: a bulk update or a report of an earlier
    period filed since must not be undone by this one."""
    MilestoneUpdate.objects.bulk_create(
        MilestoneUpdate(report=report, milestone=m, status=m.status, done_on=m.done_on)
        for m in task.milestones.all()
    )
    TargetUpdate.objects.bulk_create(
        TargetUpdate(report=report, target=t, actual=t.actual) for t in task.targets.all()
    )


# A milestone's figure is (status, done on); a target's is its actual value.
Moved = list[tuple[Milestone | Target, Any]]


def drafts_follow(moved: Moved, *, after: periods.Period | None = None) -> None:
    """Move the rows of open drafts that still hold an item's former figure to its new one.

    `moved` pairs each milestone or target, saved with its new figure, with its figure
    before. A row that holds the former figure is one the implementer has not changed (or
    changed back to it): it follows, so that submitting the draft does not put the former
    figure back. With `after`, only drafts of later periods follow: a draft of an earlier
    period keeps its period's figures, and will not write them back (`report_submit`)."""
    later = Q()
    if after is not None:
        year, number = after
        later = Q(report__year__gt=year) | Q(report__year=year, report__period__gt=number)
    drafts = Q(report__state=State.DRAFT) & later
    for obj, before in moved:
        if isinstance(obj, Milestone):
            status, done_on = before
            MilestoneUpdate.objects.filter(
                drafts, milestone=obj, status=status, done_on=done_on
            ).update(status=obj.status, done_on=obj.done_on)
        else:
            TargetUpdate.objects.filter(drafts, target=obj, actual=before).update(actual=obj.actual)


@dataclass
class MilestoneFigure:
    milestone_id: int
    status: str
    done_on: datetime.date | None = None
    # The figure as the edit page showed it, (status, done on). Without it the figure counts
    # as the implementer's whether or not they changed it.
    shown: tuple[str, datetime.date | None] | None = None


class ReportChanged(TaskError):
    """Rows the implementer changed whose draft figure also moved since the page showed it (a
    bulk update, or an earlier period's report written back, made meanwhile)."""


def _lock_report(report: ProgressReport) -> ProgressReport:
    return (
        ProgressReport.objects.select_for_update()
        .select_related("task__claimant", "task__programme")
        .get(pk=report.pk)
    )


def _check_writable(report: ProgressReport, by: User) -> None:
    if not rules.can_report(by, report.task):
        raise Forbidden
    if report.state != State.DRAFT:
        raise TaskError(_("A submitted report can no longer be changed."))


def _milestone_figure(status: str, done_on: datetime.date | None) -> tuple[str, Any]:
    return (status, done_on if status == Status.DONE else None)


def _describe_milestone(update: MilestoneUpdate) -> str:
    now = str(Status(update.status).label)
    if update.done_on:
        now = f"{now} {update.done_on.isoformat()}"
    return _("milestone %(n)s (now: %(figure)s)") % {"n": update.milestone.position, "figure": now}


def _describe_target(update: TargetUpdate) -> str:
    now = "—" if update.actual is None else f"{update.actual} {update.target.unit}"
    return _("target %(n)s (now: %(figure)s)") % {"n": update.target.position, "figure": now}


def _wanted(posted: Any, shown: Any, stored: Any, known: bool) -> bool | None:
    """Whether to write the posted figure: True, False, or None when it conflicts. A figure as
    shown is the implementer's no-change, so the stored one (which may have followed the task
    since) stays; a change to a figure that moved meanwhile would silently undo that move."""
    if posted == stored:
        return False
    if not known:
        return True
    if posted == shown:
        return False
    return True if stored == shown else None


@transaction.atomic
def report_save(
    *,
    report: ProgressReport,
    by: User,
    milestones: list[MilestoneFigure],
    targets: dict[int, Decimal | None],
    done: str,
    problems: str,
    help_needed: str,
    targets_shown: dict[int, Decimal | None] | None = None,
    today: datetime.date | None = None,
) -> ProgressReport:
    """Save the draft: statuses with their done dates, actual values, and the text.

    With the figures as the page showed them (`MilestoneFigure.shown`, `targets_shown`), only
    the rows the implementer changed are written; ReportChanged, and nothing saved, when such a
    row moved since the page showed it."""
    report = _lock_report(report)
    _check_writable(report, by)
    today = today or timezone.localdate()
    targets_shown = targets_shown or {}
    # Locked, so that a bulk update moving these rows waits rather than being lost.
    updates = {
        u.milestone_id: u for u in report.milestones.select_for_update().select_related("milestone")
    }
    for figure in milestones:
        update = updates.get(figure.milestone_id)
        if update is None:
            raise TaskError(_("Unknown milestone."))
        if figure.status not in Status.values:
            raise TaskError(_("Unknown status."))
        number = update.milestone.position
        if figure.status == Status.DONE:
            if figure.done_on is None:
                raise TaskError(
                    _("Milestone %(n)s is done: give the date it was done.") % {"n": number}
                )
            if figure.done_on > today:
                raise TaskError(
                    _("Milestone %(n)s: the date it was done cannot be in the future.")
                    % {"n": number}
                )
    target_updates = {
        u.target_id: u for u in report.targets.select_for_update().select_related("target")
    }
    for target_id in targets:
        if target_id not in target_updates:
            raise TaskError(_("Unknown target."))
    conflicts: list[str] = []
    milestone_writes: list[tuple[MilestoneUpdate, tuple[str, Any]]] = []
    for figure in milestones:
        update = updates[figure.milestone_id]
        posted = _milestone_figure(figure.status, figure.done_on)
        shown = _milestone_figure(*figure.shown) if figure.shown else None
        wanted = _wanted(
            posted, shown, (update.status, update.done_on), known=figure.shown is not None
        )
        if wanted is None:
            conflicts.append(_describe_milestone(update))
        elif wanted:
            milestone_writes.append((update, posted))
    target_writes: list[tuple[TargetUpdate, Decimal | None]] = []
    for target_id, actual in targets.items():
        t_update = target_updates[target_id]
        wanted = _wanted(
            actual,
            targets_shown.get(target_id),
            t_update.actual,
            known=target_id in targets_shown,
        )
        if wanted is None:
            conflicts.append(_describe_target(t_update))
        elif wanted:
            target_writes.append((t_update, actual))
    if conflicts:
        raise ReportChanged(
            _(
                "Changed since you opened the page, by a bulk update or another report: "
                "%(rows)s. Check these rows and save again."
            )
            % {"rows": "; ".join(conflicts)}
        )
    changes: dict[str, list[Any]] = {}
    for update, (status, done_on) in milestone_writes:
        key = _("milestone %(n)s") % {"n": update.milestone.position}
        changes[key] = [update.status, status]
        update.status, update.done_on = status, done_on
        update.save(update_fields=["status", "done_on"])
    for t_update, actual in target_writes:
        key = _("target %(n)s") % {"n": t_update.target.position}
        changes[key] = [_plain(t_update.actual), _plain(actual)]
        t_update.actual = actual
        t_update.save(update_fields=["actual"])
    for name, value in (("done", done), ("problems", problems), ("help_needed", help_needed)):
        value = value.strip()
        if getattr(report, name) != value:
            changes[name] = [getattr(report, name), value]
            setattr(report, name, value)
    if changes:
        report.save(update_fields=["done", "problems", "help_needed"])
        record(
            "task.report_saved",
            obj=report.task,
            by=by,
            changes=changes,
            note=period_label(report.task, (report.year, report.period)),
        )
    return report


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@transaction.atomic
def report_submit(
    *, report: ProgressReport, by: User, help_level: str = HelpRequest.Level.LOCALITY
) -> ProgressReport:
    report = _lock_report(report)
    task = _lock(report.task)
    report.task = task
    _check_writable(report, by)
    if not report.done.strip():
        raise TaskError(_("Say what was done in this period before submitting."))
    if report.help_needed and help_level not in HelpRequest.Level.values:
        raise TaskError(_("Choose whom the request for help is addressed to."))
    label = period_label(task, (report.year, report.period))
    changes: dict[str, list[Any]] = {"report": [State.DRAFT, State.SUBMITTED]}
    # A late report of an earlier period must not overwrite the newer figures; the report page
    # says so (`reports_selectors.kept_on_report_only`), and so does the history.
    note = label
    if report.unchanged:
        note = _("%(period)s; filed unchanged") % {"period": label}
    if selectors.later_submitted_exists(report):
        note = _("%(period)s; figures kept on this report only: a later report is already in") % {
            "period": label
        }
    else:
        changes.update(_write_back(report))
        refresh_progress(task)
    report.state, report.submitted_at = State.SUBMITTED, timezone.now()
    report.save(update_fields=["state", "submitted_at"])
    record("task.report_submitted", obj=task, by=by, changes=changes, note=note)
    url = reverse("tasks:report", args=[report.pk])
    notify(
        users=selectors.locality_coordinators(task),
        subject=_("Progress report submitted: %(task)s, %(period)s")
        % {"task": task.title, "period": label},
        body=report.done,
        url=url,
    )
    # The reminders chasing this report are stale now: they close themselves.
    reminders_close(
        task,
        f"report-due:{report.year}:{report.period}",
        f"report-overdue:{report.year}:{report.period}",
    )
    if report.help_needed:
        help_request(task=task, by=by, text=report.help_needed, level=help_level, report=report)
    return report


def _write_back(report: ProgressReport) -> dict[str, list[Any]]:
    """The report's rows that differ from the task's figures become the task's. The draft's
    untouched rows have followed the task (`drafts_follow`), so these are the rows the
    implementer changed."""
    changes, moved = write_figures(
        [(u.milestone, u.status, u.done_on) for u in report.milestones.select_related("milestone")],
        [(u.target, u.actual) for u in report.targets.select_related("target")],
    )
    drafts_follow(moved, after=(report.year, report.period))
    return changes


def write_figures(
    milestones: list[tuple[Milestone, str, datetime.date | None]],
    targets: list[tuple[Target, Decimal | None]],
) -> tuple[dict[str, list[Any]], Moved]:
    """Figures that differ from the task's become the task's: each milestone's status and date,
    each target's actual value. Returns the changes, for the task's trail, and what moved with
    its value before. (A progress report's figures, and the accepted close-out's.)"""
    changes: dict[str, list[Any]] = {}
    moved: Moved = []
    for milestone, status, done_on in milestones:
        if (milestone.status, milestone.done_on) != (status, done_on):
            key = _("milestone %(n)s") % {"n": milestone.position}
            changes[key] = [milestone.status, status]
            moved.append((milestone, (milestone.status, milestone.done_on)))
            milestone.status, milestone.done_on = status, done_on
            milestone.save(update_fields=["status", "done_on"])
    for target, actual in targets:
        if target.actual != actual:
            key = _("target %(n)s") % {"n": target.position}
            changes[key] = [_plain(target.actual), _plain(actual)]
            moved.append((target, target.actual))
            target.actual = actual
            target.save(update_fields=["actual"])
    return changes, moved


# One-action filing (本期无变化) and review (已阅) ------------------------------------------------


class DraftHasEdits(TaskError):
    """The period has a draft the implementer typed or changed something in: filing it
    "unchanged" would throw that away, so it leads to the draft instead."""

    def __init__(self, message: str, report: ProgressReport) -> None:
        super().__init__(message)
        self.report = report


def unchanged_narrative() -> str:
    """The narrative an unchanged report is prefilled with (预填)."""
    return _("No new progress this period")


def _file_unchanged(
    *, user: User, task: Task, period: periods.Period, narrative: str | None, today: datetime.date
) -> ProgressReport:
    task = _lock(task)
    if not rules.can_report(user, task):
        raise Forbidden
    label = period_label(task, period)
    if period not in selectors.due_periods(task, today):
        raise TaskError(_("The report of %(period)s is not due.") % {"period": label})
    # No default ordering: it joins the task's programme item, which may be missing, and
    # PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    report = (
        task.reports.select_for_update(of=("self",))
        .select_related("task__programme")
        .filter(year=period[0], period=period[1])
        .order_by()
        .first()
    )
    if report is not None and report.state == State.SUBMITTED:
        raise TaskError(_("The report of %(period)s is already submitted.") % {"period": label})
    if report is not None and selectors.draft_has_edits(report):
        raise DraftHasEdits(
            _(
                "The report of %(period)s has a draft with your changes: finish it instead of "
                "filing it unchanged."
            )
            % {"period": label},
            report,
        )
    if report is None:
        report = report_start(task=task, by=user, period=period, today=today)
    # The figures are the task's (the last report's, or a bulk update's made since): the
    # draft was prefilled with them, or followed them (`drafts_follow`).
    report.done = (narrative or "").strip() or unchanged_narrative()
    report.unchanged = True
    report.save(update_fields=["done", "unchanged"])
    return report_submit(report=report, by=user)


@transaction.atomic
def report_file_unchanged(
    *,
    user: User,
    task: Task,
    year: int,
    period: int,
    narrative: str | None = None,
    today: datetime.date | None = None,
) -> ProgressReport:
    """File the due report of a period as "no change this period" (本期无变化): the task's
    figures carried forward, the narrative prefilled ("No new progress this period") unless
    the implementer wrote one. Refused for a task the user does not implement (Forbidden), a
    period that is not due, a report already submitted, and a draft with edits
    (DraftHasEdits, which names the draft). Reduces the burden of reporting (减负; 484号's
    一次填报); the one-action filing itself is a platform rule (平台规则)."""
    return _file_unchanged(
        user=user,
        task=task,
        period=(year, period),
        narrative=narrative,
        today=today or timezone.localdate(),
    )


@transaction.atomic
def reports_file_unchanged(
    *,
    user: User,
    items: list[tuple[int, int, int]],
    today: datetime.date | None = None,
) -> list[ProgressReport]:
    """File several due reports unchanged at once: `items` are (task id, year, period). All
    or nothing: any that may not be filed (another's task, a period not due, a report already
    submitted, a draft with edits) refuses the whole batch, and nothing is filed twice."""
    today = today or timezone.localdate()
    wanted = list(dict.fromkeys(items))
    if not wanted:
        raise TaskError(_("Choose at least one report."))
    tasks = Task.objects.select_related("programme", "claimant").in_bulk(
        {task_id for task_id, _y, _p in wanted}
    )
    filed = []
    for task_id, year, number in wanted:
        task = tasks.get(task_id)
        if task is None:
            raise Forbidden
        filed.append(
            _file_unchanged(
                user=user, task=task, period=(year, number), narrative=None, today=today
            )
        )
    return filed


@transaction.atomic
def report_review(*, user: User, report: ProgressReport, note: str = "") -> ProgressReport:
    """Mark a submitted report as read (已阅), with an optional note; the implementers are
    told, with a link to the report. A platform rule (平台规则): the locality running the task,
    or the province overseeing it, acknowledges what it was sent."""
    report = _lock_report(report)
    task = report.task
    if not rules.reviews_reports_of(user, task):
        raise Forbidden
    if report.state != State.SUBMITTED:
        raise TaskError(_("Only a submitted report can be marked as read."))
    if report.reviewed_at is not None:
        raise TaskError(_("This report is already marked as read."))
    label = period_label(task, (report.year, report.period))
    report.reviewed_at, report.reviewed_by, report.review_note = timezone.now(), user, note.strip()
    report.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    record(
        "task.report_reviewed",
        obj=task,
        by=user,
        changes={"report": [label, _("marked as read")]},
        note=report.review_note,
    )
    notify(
        users=rules.IMPLEMENTED_BY.audience(task),
        subject=_("Progress report read: %(task)s, %(period)s")
        % {"task": task.title, "period": label},
        body=report.review_note,
        url=reverse("tasks:report", args=[report.pk]),
        about=f"task:{task.pk}:report-reviewed:{report.pk}",
    )
    return report
