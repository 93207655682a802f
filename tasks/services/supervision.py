"""Supervision (督查): the national coordinator, the locality running a task or the province
overseeing a demonstration zone's task (`tasks.rules.INSPECTED_BY`; 发改高技〔2021〕484号 §四,
and the 2024 zone pilot, source 003: 广东 "不定期开展督查") records an inspection of a task — a
site visit or a review of its reports — with its findings and the rectification it requires;
the implementer answers with what it rectified, and the inspecting side closes the
rectification with a note once satisfied. Anyone on the inspecting side may close, whoever
recorded the inspection: they supervise the same task together.

The reads (the index, what is "overdue") are in `tasks.selectors.supervision`.
"""

import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from kernel.errors import Forbidden
from notifications.services import notify
from tasks import rules
from tasks.errors import TaskError
from tasks.models import FollowUp, Inspection, Task
from tasks.selectors import task_implementer_users
from tasks.services.core import task_lock

State = Inspection.State


def _lock(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update()
        .select_related("task__claimant", "inspector")
        .get(pk=inspection.pk)
    )


def _url(inspection: Inspection) -> str:
    return reverse("tasks:inspection", args=[inspection.pk])


@transaction.atomic
def inspection_record(
    *,
    task: Task,
    by: User,
    kind: str,
    inspected_on: datetime.date,
    findings: str,
    rectification: str = "",
    rectify_by: datetime.date | None = None,
) -> Inspection:
    """Record an inspection. With nothing to rectify it is closed at once; otherwise it stays
    open until the inspecting side closes it, and the implementers are told — and the
    locality running the task too when the inspector is another level (national, or the
    overseeing province): the platform's rule, so the locality learns what it must see to."""
    task = task_lock(task)
    if not rules.can_inspect(by, task):
        raise Forbidden
    findings, rectification = findings.strip(), rectification.strip()
    if kind not in Inspection.Kind.values:
        raise TaskError(_("Choose the kind of inspection."))
    if inspected_on is None:
        raise TaskError(_("Give the date of the inspection."))
    if inspected_on > timezone.localdate():
        raise TaskError(_("The inspection cannot be dated in the future."))
    if not findings:
        raise TaskError(_("Write down the findings."))
    if rectification and rectify_by is None:
        raise TaskError(_("Give the date by which the rectification is due."))
    if rectify_by is not None and not rectification:
        raise TaskError(_("A rectify-by date needs the rectification it is for."))
    if rectify_by is not None and rectify_by < inspected_on:
        raise TaskError(_("The rectification cannot be due before the inspection."))
    now = timezone.now()
    inspection = Inspection.objects.create(
        task=task,
        kind=kind,
        inspected_on=inspected_on,
        findings=findings,
        rectification=rectification,
        rectify_by=rectify_by,
        state=State.OPEN if rectification else State.CLOSED,
        closed_at=None if rectification else now,
        inspector=by,
    )
    changes: dict[str, list[Any]] = {
        "inspection": [None, f"{inspection} · {inspection.get_state_display()}"]
    }
    if rectify_by is not None:
        changes["rectify_by"] = [None, rectify_by.isoformat()]
    record("task.inspected", obj=task, by=by, changes=changes, note=findings)
    if rectification:
        told = list(task_implementer_users(task))
        if not rules.runs_task(by, task):
            told += list(rules.RUN_BY.audience(task))
        notify(
            users=told,
            subject=_("Rectification required: %(task)s") % {"task": task.title},
            body=_("%(rectification)s\nDue by %(date)s.")
            % {
                "rectification": rectification,
                "date": rectify_by.isoformat() if rectify_by else "",
            },
            url=_url(inspection),
            email=True,
        )
    return inspection


@transaction.atomic
def follow_up_add(*, inspection: Inspection, by: User, note: str) -> FollowUp:
    """The implementer's account of what was rectified, or the inspecting side's check."""
    inspection = _lock(inspection)
    task = inspection.task
    if not (rules.can_inspect(by, task) or rules.is_task_implementer(by, task)):
        raise Forbidden
    if inspection.state != State.OPEN:
        raise TaskError(_("This inspection is closed: nothing more to follow up."))
    if not rules.can_follow_up(by, inspection):
        raise Forbidden
    note = note.strip()
    if not note:
        raise TaskError(_("Write the follow-up note."))
    follow_up = FollowUp.objects.create(inspection=inspection, note=note, by=by)
    record("task.followed_up", obj=task, by=by, note=f"{inspection}: {note}")
    if rules.is_task_implementer(by, task) and inspection.inspector_id != by.pk:
        # The inspector learns that there is something to check.
        notify(
            users=[inspection.inspector],
            subject=_("Rectification reported: %(task)s") % {"task": task.title},
            body=note,
            url=_url(inspection),
        )
    return follow_up


@transaction.atomic
def inspection_close(*, inspection: Inspection, by: User, note: str) -> Inspection:
    """Close the rectification with a closing follow-up that says why it is done."""
    note = note.strip()
    if not note:
        raise TaskError(_("Say why the rectification can be closed."))
    inspection = _lock(inspection)
    task = inspection.task
    if not rules.can_inspect(by, task):
        raise Forbidden
    if inspection.state != State.OPEN:
        raise TaskError(_("This inspection is already closed."))
    if not rules.can_close_inspection(by, inspection):
        raise Forbidden
    FollowUp.objects.create(inspection=inspection, note=note, closes=True, by=by)
    inspection.state, inspection.closed_at = State.CLOSED, timezone.now()
    inspection.save(update_fields=["state", "closed_at"])
    record(
        "task.inspection_closed",
        obj=task,
        by=by,
        changes={"inspection": [str(State.OPEN.label), str(State.CLOSED.label)]},
        note=f"{inspection}: {note}",
    )
    notify(
        users=task_implementer_users(task),
        subject=_("Rectification closed: %(task)s") % {"task": task.title},
        body=note,
        url=_url(inspection),
        email=True,
    )
    return inspection
