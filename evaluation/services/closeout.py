"""Writes of close-out (验收): the implementer files the close-out report (总结报告), the
locality that runs the task confirms it and sends it up or returns it, and the national level
accepts it — closing the task as completed or not completed — or returns it with a reason.

Sources: 发改高技〔2021〕484号 §三(四) ("在揭榜改革任务完成后，国家发展改革委、科技部及时委托
第三方机构评估"): evaluation starts from a finished task, so finishing is recorded; §四
("研究制定和落实容错纠错机制") for a task closed as not completed on a tolerated filing. The
steps themselves (implementer → locality → national level, return with a reason at either
level) are the platform's, modelled on the plan and report flow.

The platform's own rules, stated where they are enforced:
- a report "not completed" says why; it may rest on a fault-tolerance filing (容错), which must
  be the task's own and already decided as tolerated (a pending or refused filing is not a
  ground to close on);
- a report returned by the national level goes back to the implementer and is filed to the
  locality again, which confirms it again (both levels are told);
- on acceptance the close-out's figures (achieved values, milestone statuses) become the
  task's final figures, and its progress is recomputed from them: one fact, read everywhere;
- an institutional document's file name is kept to `kernel.uploads.NAME_LIMIT` characters.

Every step is recorded on the task (its history shows the close-out with the rest of its
life) and told to whoever acts next.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_national
from accounts.visibility import NATIONAL
from audit.services import record
from evaluation import rules
from evaluation.errors import EvaluationError
from evaluation.models import (
    CloseOut,
    CloseOutMilestone,
    CloseOutTarget,
)
from kernel.errors import Forbidden
from notifications.services import notify
from tasks.models import Closure, Milestone, Status, Target, Task, ToleranceFiling
from tasks.rules import IMPLEMENTED_BY, runs_task
from tasks.selectors import claimant_coordinators
from tasks.services.core import refresh_progress, task_lock
from tasks.services.reports import write_figures

State = CloseOut.State
Result = CloseOut.Result
EDITABLE = (State.DRAFT, State.RETURNED)


@dataclass(frozen=True)
class TargetRow:
    """A target's line in the report: the target of the plan, the figure achieved, a note."""

    target_id: int
    achieved: Decimal | None
    note: str = ""


@dataclass(frozen=True)
class MilestoneRow:
    milestone_id: int
    status: str
    done_on: datetime.date | None = None


def _url(close_out: CloseOut) -> str:
    return reverse("evaluation:closeout", args=[close_out.pk])


def close_out_lock(close_out: CloseOut) -> CloseOut:
    """The close-out read again under a row lock, with its task (the caller's copy may be
    stale: a colleague may have acted first)."""
    return (
        CloseOut.objects.select_for_update().select_related("task__claimant").get(pk=close_out.pk)
    )


def _implementers(task: Task) -> QuerySet[User]:
    return IMPLEMENTED_BY.audience(task)


def check_editable(close_out: CloseOut, by: User) -> None:
    """The implementer may change the report while it is a draft or returned."""
    if not rules.files_close_out(by, close_out.task):
        raise Forbidden
    if close_out.state == State.ACCEPTED:
        raise EvaluationError(_("This close-out has already been accepted."))
    if close_out.state not in EDITABLE:
        raise EvaluationError(
            _("This close-out report has already been filed; it can be changed once returned.")
        )
    if not rules.can_edit_close_out(by, close_out):
        raise EvaluationError(_("The task's plan is not approved: there is nothing to close."))


def _clean_text(value: str) -> str:
    return (value or "").strip()


def _tolerance(task: Task, filing: ToleranceFiling | None) -> ToleranceFiling | None:
    """The filing a report "not completed" rests on: the task's own, decided as tolerated."""
    if filing is None:
        return None
    if filing.task_id != task.pk:
        raise EvaluationError(_("The fault-tolerance filing must be one of this task's own."))
    state = ToleranceFiling.objects.filter(pk=filing.pk).values_list("state", flat=True).first()
    if state != ToleranceFiling.State.ACCEPTED:
        raise EvaluationError(
            _("Only a filing decided as tolerated can be linked; this one is not.")
        )
    return filing


def _write_rows(
    close_out: CloseOut,
    targets: Sequence[TargetRow] | None,
    milestones: Sequence[MilestoneRow] | None,
) -> None:
    """Replace the report's target and milestone lines; rows not given start from the plan."""
    task = close_out.task
    plan_targets = {t.pk: t for t in Target.objects.filter(task=task)}
    plan_milestones = {m.pk: m for m in Milestone.objects.filter(task=task)}
    given_targets = {row.target_id: row for row in targets or ()}
    given_milestones = {row.milestone_id: row for row in milestones or ()}
    if set(given_targets) - set(plan_targets) or set(given_milestones) - set(plan_milestones):
        raise EvaluationError(_("A line does not belong to this task's plan."))
    target_rows = []
    for pk, target in plan_targets.items():
        row = given_targets.get(pk)
        achieved = target.actual if row is None else row.achieved
        note = "" if row is None else _clean_text(row.note)[:300]
        target_rows.append(
            CloseOutTarget(
                close_out=close_out,
                target=target,
                planned=target.target_value,
                achieved=achieved,
                note=note,
            )
        )
    milestone_rows = []
    for pk, milestone in plan_milestones.items():
        given = given_milestones.get(pk)
        status = milestone.status if given is None else given.status
        done_on = milestone.done_on if given is None else given.done_on
        if status not in Status.values:
            raise EvaluationError(_("Choose a status for every milestone."))
        if status == Status.DONE and done_on is None:
            raise EvaluationError(
                _("Give the date milestone “%(title)s” was done.") % {"title": milestone.title}
            )
        if status == Status.DONE and done_on is not None and done_on > timezone.localdate():
            raise EvaluationError(
                _("Milestone “%(title)s” cannot be done on a future date.")
                % {"title": milestone.title}
            )
        if status != Status.DONE:
            done_on = None
        milestone_rows.append(
            CloseOutMilestone(
                close_out=close_out, milestone=milestone, status=status, done_on=done_on
            )
        )
    close_out.targets.all().delete()
    close_out.milestones.all().delete()
    CloseOutTarget.objects.bulk_create(target_rows)
    CloseOutMilestone.objects.bulk_create(milestone_rows)


@transaction.atomic
def closeout_save(
    *,
    task: Task,
    by: User,
    summary: str,
    result: str = Result.COMPLETED,
    cases: str = "",
    proposed_outcomes: str = "",
    not_completed_reason: str = "",
    tolerance_filing: ToleranceFiling | None = None,
    targets: Sequence[TargetRow] | None = None,
    milestones: Sequence[MilestoneRow] | None = None,
) -> CloseOut:
    """Create the task's close-out report or change its draft. Lines not given start from the
    plan (`evaluation.selectors.closeout.prefill`). A draft may be incomplete: the checks that
    matter are made when it is filed (`closeout_submit`)."""
    task = task_lock(task)
    if not rules.files_close_out(by, task):
        raise Forbidden
    if result not in Result.values:
        raise EvaluationError(_("Choose whether the task was completed."))
    close_out = CloseOut.objects.select_for_update().filter(task=task).first()
    if close_out is not None:
        close_out.task = task
        check_editable(close_out, by)
    elif not rules.can_file_close_out(by, task):
        if task.is_closed:
            raise EvaluationError(_("This task is already closed."))
        raise EvaluationError(_("The task's plan is not approved: there is nothing to close."))
    completed = result == Result.COMPLETED
    reason = "" if completed else _clean_text(not_completed_reason)
    filing = None if completed else _tolerance(task, tolerance_filing)
    if not completed and not reason:
        # The database insists on it too (closeout_not_completed_has_reason).
        raise EvaluationError(_("Say why the task was not completed."))
    values: dict[str, Any] = {
        "result": result,
        "summary": _clean_text(summary),
        "cases": _clean_text(cases),
        "proposed_outcomes": _clean_text(proposed_outcomes),
        "not_completed_reason": reason,
        "tolerance_filing": filing,
    }
    created = close_out is None
    if close_out is None:
        close_out = CloseOut.objects.create(task=task, created_by=by, **values)
        changes: dict[str, list[Any]] = {"close_out": [None, str(State.DRAFT.label)]}
    else:
        changes = {}
        for name, value in values.items():
            before = getattr(close_out, name)
            if before != value:
                if name == "result":
                    # The trail reads the result as the page does (its label), not its code.
                    changes[name] = [str(Result(before).label), str(Result(value).label)]
                else:
                    changes[name] = [str(before or ""), str(value or "")]
                setattr(close_out, name, value)
        if changes:
            close_out.save(update_fields=list(changes))
    _write_rows(close_out, targets, milestones)
    if created:
        changes["result"] = [None, close_out.get_result_display()]
    record("task.closeout_saved", obj=task, by=by, changes=changes)
    return close_out


@transaction.atomic
def closeout_submit(*, close_out: CloseOut, by: User) -> CloseOut:
    """The implementer files the report to the locality running the task."""
    close_out = close_out_lock(close_out)
    check_editable(close_out, by)
    if not close_out.summary.strip():
        raise EvaluationError(_("Write the summary of the work done before filing."))
    if close_out.result == Result.NOT_COMPLETED:
        if not close_out.not_completed_reason.strip():
            raise EvaluationError(_("Say why the task was not completed."))
        _tolerance(close_out.task, close_out.tolerance_filing)
    was = close_out.get_state_display()
    close_out.submitted_at = timezone.now()
    if runs_task(by, close_out.task):
        # The locality filed in the implementer's stead: what it files, it sends up.
        close_out.state = State.CONFIRMED
        close_out.confirmed_by, close_out.confirmed_at = by, close_out.submitted_at
        close_out.save(update_fields=["state", "submitted_at", "confirmed_by", "confirmed_at"])
        record(
            "task.closeout_confirmed",
            obj=close_out.task,
            by=by,
            changes={"close_out": [str(was), str(State.CONFIRMED.label)]},
        )
        notify(
            users=NATIONAL.members(),
            subject=_("Close-out to accept: %(task)s") % {"task": close_out.task},
            body=close_out.summary[:500],
            url=_url(close_out),
        )
        return close_out
    close_out.state = State.SUBMITTED
    close_out.save(update_fields=["state", "submitted_at"])
    record(
        "task.closeout_submitted",
        obj=close_out.task,
        by=by,
        changes={"close_out": [str(was), str(State.SUBMITTED.label)]},
    )
    notify(
        users=claimant_coordinators(close_out.task.claimant),
        subject=_("Close-out report to confirm: %(task)s") % {"task": close_out.task.title},
        body=close_out.summary[:500],
        url=_url(close_out),
    )
    return close_out


@transaction.atomic
def closeout_confirm(*, close_out: CloseOut, by: User, note: str = "") -> CloseOut:
    """The locality running the task confirms the report and sends it up."""
    close_out = close_out_lock(close_out)
    if not runs_task(by, close_out.task):
        raise Forbidden
    if close_out.state != State.SUBMITTED:
        raise EvaluationError(_already(close_out))
    close_out.state = State.CONFIRMED
    close_out.confirmed_by, close_out.confirmed_at = by, timezone.now()
    close_out.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    record(
        "task.closeout_confirmed",
        obj=close_out.task,
        by=by,
        changes={"close_out": [str(State.SUBMITTED.label), str(State.CONFIRMED.label)]},
        note=_clean_text(note),
    )
    notify(
        users=NATIONAL.members(),
        subject=_("Close-out to accept: %(task)s") % {"task": close_out.task},
        body=_clean_text(note),
        url=_url(close_out),
    )
    return close_out


@transaction.atomic
def closeout_return(*, close_out: CloseOut, by: User, reason: str) -> CloseOut:
    """The locality returns a filed report to the implementer; the national level returns one
    sent up — to the implementer, and the locality is told. A reason is required."""
    reason = _clean_text(reason)
    close_out = close_out_lock(close_out)
    national = is_national(by)
    if not national and not runs_task(by, close_out.task):
        raise Forbidden
    expected = State.CONFIRMED if national else State.SUBMITTED
    if close_out.state != expected:
        raise EvaluationError(_already(close_out))
    if not reason:
        raise EvaluationError(_("Give the reason for returning the report."))
    was = close_out.get_state_display()
    close_out.state = State.RETURNED
    close_out.return_reason = reason
    close_out.returned_by = (
        CloseOut.ReturnedBy.NATIONAL if national else CloseOut.ReturnedBy.LOCALITY
    )
    # Filed again, it waits for the locality's confirmation again.
    close_out.confirmed_by, close_out.confirmed_at = None, None
    close_out.save(
        update_fields=["state", "return_reason", "returned_by", "confirmed_by", "confirmed_at"]
    )
    record(
        "task.closeout_returned",
        obj=close_out.task,
        by=by,
        changes={
            "close_out": [str(was), str(State.RETURNED.label)],
            "returned_by": [None, close_out.get_returned_by_display()],
        },
        note=reason,
    )
    told = list(_implementers(close_out.task))
    if national:
        told += list(claimant_coordinators(close_out.task.claimant))
    notify(
        users=told,
        subject=_("Close-out report returned: %(task)s") % {"task": close_out.task.title},
        body=reason,
        url=_url(close_out),
        email=True,
    )
    return close_out


@transaction.atomic
def closeout_accept(
    *, close_out: CloseOut, by: User, note: str = "", today: datetime.date | None = None
) -> CloseOut:
    """The national level accepts the close-out: the task is closed, as completed or not
    completed as the report says, on `today` (the day of the decision, today by default);
    its final figures are the report's."""
    # The task first, then its close-out: the order every other close-out write locks them in.
    task = task_lock(close_out.task)
    close_out = close_out_lock(close_out)
    if not is_national(by):
        raise Forbidden
    if close_out.state != State.CONFIRMED:
        raise EvaluationError(_already(close_out))
    now = timezone.now()
    close_out.state = State.ACCEPTED
    close_out.decided_by, close_out.decided_at = by, now
    close_out.save(update_fields=["state", "decided_by", "decided_at"])
    task.closure = (
        Closure.COMPLETED if close_out.result == Result.COMPLETED else Closure.NOT_COMPLETED
    )
    task.closed_on = today or timezone.localdate(now)
    task.save(update_fields=["closure", "closed_on"])
    figures = _write_back(close_out, task)
    record(
        "task.closeout_accepted",
        obj=task,
        by=by,
        changes={
            "close_out": [str(State.CONFIRMED.label), str(State.ACCEPTED.label)],
            "closure": [str(Closure.OPEN.label), task.get_closure_display()],
            "closed_on": [None, task.closed_on.isoformat()],
            **figures,
        },
        note=_clean_text(note),
    )
    notify(
        users=[*_implementers(task), *claimant_coordinators(task.claimant)],
        subject=_("Close-out accepted (%(closure)s): %(task)s")
        % {"closure": task.get_closure_display(), "task": task.title},
        body=_clean_text(note),
        url=_url(close_out),
        email=True,
    )
    return close_out


def _write_back(close_out: CloseOut, task: Task) -> dict[str, list[Any]]:
    """The accepted figures become the task's (the platform's rule: one fact, read everywhere);
    returns the changes for the task's trail."""
    changes, _moved = write_figures(
        [
            (r.milestone, r.status, r.done_on)
            for r in close_out.milestones.select_related("milestone")
        ],
        [(line.target, line.achieved) for line in close_out.targets.select_related("target")],
    )
    refresh_progress(task)
    return changes


def _already(close_out: CloseOut) -> str:
    """The message for an action on a close-out that has moved on (a double click, or a
    colleague who acted first)."""
    messages = {
        State.DRAFT: _("This close-out report has not been filed yet."),
        State.SUBMITTED: _("This close-out report awaits the locality's confirmation."),
        State.CONFIRMED: _("This close-out report has already been confirmed and sent up."),
        State.RETURNED: _("This close-out report has already been returned."),
        State.ACCEPTED: _("This close-out has already been accepted."),
    }
    return str(messages[State(close_out.state)])
