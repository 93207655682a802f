"""Writes of a task's set-up and plan: the locality names implementers and the responsible
person; an implementer (or the locality) files the plan — milestones, targets, timetable,
roadmap — and the locality approves it or returns it with a reason."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.visibility import IMPLEMENTER
from audit.services import record
from kernel.errors import Forbidden
from notifications.services import notify
from regions.models import Division, Organisation
from tasks import rules, selectors
from tasks.errors import TaskError
from tasks.models import Implementer, Milestone, Target, Task
from tasks.services.core import refresh_progress, task_lock

PlanState = Task.PlanState
EDITABLE = (PlanState.DRAFT, PlanState.RETURNED)


@transaction.atomic
def task_update(
    *,
    task: Task,
    by: User,
    responsible_person: str,
    responsible_post: str = "",
    responsible_phone: str = "",
    landmark: bool = False,
    weight: Decimal = Decimal(1),
) -> Task:
    task = task_lock(task)
    if not rules.can_manage_task(by, task):
        raise Forbidden
    if weight is None or weight <= 0:
        raise TaskError(_("The weight must be greater than zero."))
    new = {
        "responsible_person": responsible_person.strip(),
        "responsible_post": responsible_post.strip(),
        "responsible_phone": responsible_phone.strip(),
        "landmark": landmark,
        "weight": Decimal(weight),
    }
    changes = {}
    for name, value in new.items():
        before = getattr(task, name)
        if before != value:
            changes[name] = [str(before), str(value)]
            setattr(task, name, value)
    if changes:
        task.save(update_fields=list(changes))
        record("task.updated", obj=task, by=by, changes=changes)
    return task


@transaction.atomic
def implementer_add(
    *,
    task: Task,
    by: User,
    organisation: Organisation,
    lead: bool = False,
    responsibility: str = "",
) -> Implementer:
    """Name an implementing body. Only one lead: naming a new lead demotes the old one."""
    task = task_lock(task)
    if not rules.can_manage_task(by, task):
        raise Forbidden
    return _add(task, by, organisation, lead, responsibility)


# Checks later stages add on who may implement a task (the evaluation stage: an organisation
# evaluating the task cannot implement it). Each returns the refusal's message, or None.
ImplementerCheck = Callable[[Task, Organisation], str | None]
_IMPLEMENTER_CHECKS: list[ImplementerCheck] = []


def register_implementer_check(check: ImplementerCheck) -> None:
    if check not in _IMPLEMENTER_CHECKS:
        _IMPLEMENTER_CHECKS.append(check)


def _add(
    task: Task, by: User, organisation: Organisation, lead: bool, responsibility: str
) -> Implementer:
    # A locality names bodies of its own area only; the form offers no others, this holds
    # against a forged post.
    if not selectors.organisations_for(task.claimant).filter(pk=organisation.pk).exists():
        raise TaskError(
            _("%(name)s is not in the area of %(claimant)s.")
            % {"name": organisation, "claimant": task.claimant}
        )
    if task.implementers.filter(organisation=organisation).exists():
        raise TaskError(_("%(name)s is already an implementer.") % {"name": organisation})
    for check in _IMPLEMENTER_CHECKS:
        refusal = check(task, organisation)
        if refusal:
            raise TaskError(refusal)
    if lead:
        task.implementers.filter(lead=True).update(lead=False)
    implementer = Implementer.objects.create(
        task=task, organisation=organisation, lead=lead, responsibility=responsibility.strip()
    )
    record(
        "task.implementer_added",
        obj=task,
        by=by,
        changes={"implementer": [None, organisation.name], "lead": [None, lead]},
        note=responsibility.strip(),
    )
    # The organisation's users learn they implement the task, and that its plan is theirs.
    notify(
        users=IMPLEMENTER.members().filter(organisation_id=organisation.pk),
        subject=_("You are named as implementer: %(title)s") % {"title": task.title},
        body=responsibility.strip(),
        url=reverse("tasks:task", args=[task.pk]),
        email=True,
    )
    return implementer


# Bodies that carry out reforms; evaluators judge them and never implement.
IMPLEMENTING_KINDS = [
    Organisation.Kind.GOVERNMENT,
    Organisation.Kind.ENTERPRISE,
    Organisation.Kind.UNIVERSITY,
    Organisation.Kind.INSTITUTE,
    Organisation.Kind.INNOVATION_BASE,
]


@transaction.atomic
def implementer_add_new(
    *,
    task: Task,
    by: User,
    name: str,
    kind: str,
    division: Division | None = None,
    lead: bool = False,
    responsibility: str = "",
) -> Implementer:
    """Register an organisation not yet known (in the locality's division, or one of its
    group's member divisions) and name it as implementer. An organisation of that name
    already registered there is reused rather than duplicated."""
    task = task_lock(task)
    if not rules.can_manage_task(by, task):
        raise Forbidden
    name = name.strip()
    if not name:
        raise TaskError(_("Give the name of the new organisation."))
    if kind not in IMPLEMENTING_KINDS:
        raise TaskError(_("Choose the kind of the new organisation."))
    allowed = selectors.divisions_for_new_organisation(task.claimant)
    if division is None and allowed.count() == 1:
        # A province, or a group of one member: the form has nothing to offer, so it asks
        # nothing.
        division = allowed.get()
    if division is None or not allowed.filter(pk=division.pk).exists():
        raise TaskError(_("Choose where the new organisation is, within your area."))
    organisation = Organisation.objects.filter(name=name, division=division).first()
    if organisation is None:
        organisation = Organisation.objects.create(name=name, kind=kind, division=division)
        record(
            "task.organisation_created",
            obj=task,
            by=by,
            changes={"organisation": [None, name], "division": [None, division.name]},
        )
    return _add(task, by, organisation, lead, responsibility)


@transaction.atomic
def implementer_update(
    *, implementer: Implementer, by: User, lead: bool, responsibility: str
) -> Implementer:
    task = task_lock(implementer.task)
    if not rules.can_manage_task(by, task):
        raise Forbidden
    implementer = Implementer.objects.select_for_update().get(pk=implementer.pk)
    responsibility = responsibility.strip()
    changes: dict[str, list[Any]] = {}
    if implementer.lead != lead:
        changes["lead"] = [implementer.lead, lead]
    if implementer.responsibility != responsibility:
        changes["responsibility"] = [implementer.responsibility, responsibility]
    if not changes:
        return implementer
    if lead:
        task.implementers.filter(lead=True).exclude(pk=implementer.pk).update(lead=False)
    implementer.lead, implementer.responsibility = lead, responsibility
    implementer.save(update_fields=list(changes))
    record(
        "task.implementer_changed",
        obj=task,
        by=by,
        changes=changes,
        note=implementer.organisation.name,
    )
    return implementer


@transaction.atomic
def implementer_remove(*, implementer: Implementer, by: User) -> None:
    task = task_lock(implementer.task)
    if not rules.can_manage_task(by, task):
        raise Forbidden
    # A filed plan is somebody's commitment: it keeps at least one body answering for it.
    filed = task.plan_state in (PlanState.SUBMITTED, PlanState.APPROVED)
    if filed and task.implementers.count() <= 1:
        raise TaskError(
            _("The plan is filed: name another implementer before removing the last one.")
        )
    name = implementer.organisation.name
    implementer.delete()
    record("task.implementer_removed", obj=task, by=by, changes={"implementer": [name, None]})


@dataclass
class MilestoneRow:
    title: str
    due_on: datetime.date
    deliverable: str = ""
    weight: Decimal = Decimal(1)


@dataclass
class TargetRow:
    indicator: str
    unit: str
    baseline: Decimal
    target_value: Decimal
    due_on: datetime.date
    weight: Decimal = Decimal(1)


def _check_rows(milestones: list[MilestoneRow], targets: list[TargetRow]) -> None:
    for number, m in enumerate(milestones, start=1):
        if not m.title.strip() or m.due_on is None:
            raise TaskError(_("Milestone %(n)s needs a title and a due date.") % {"n": number})
        if m.weight is None or m.weight <= 0:
            raise TaskError(_("Milestone %(n)s: the weight must be above zero.") % {"n": number})
    for number, t in enumerate(targets, start=1):
        if not t.indicator.strip() or not t.unit.strip() or t.due_on is None:
            raise TaskError(
                _("Target %(n)s needs an indicator, a unit and a due date.") % {"n": number}
            )
        if t.baseline is None or t.target_value is None:
            raise TaskError(_("Target %(n)s needs a baseline and a target value.") % {"n": number})
        if t.target_value == t.baseline:
            raise TaskError(
                _("Target %(n)s: the target value must differ from the baseline.") % {"n": number}
            )
        if t.weight is None or t.weight <= 0:
            raise TaskError(_("Target %(n)s: the weight must be above zero.") % {"n": number})


@transaction.atomic
def plan_save(
    *,
    task: Task,
    by: User,
    timetable: str,
    roadmap: str,
    milestones: list[MilestoneRow],
    targets: list[TargetRow],
) -> Task:
    """Replace the plan's milestones and targets by these rows (the plan is not yet
    approved, so nothing has been reported against them)."""
    task = task_lock(task)
    if not rules.takes_part_in_plan(by, task):
        raise Forbidden
    if task.plan_state not in EDITABLE:
        raise TaskError(_("The plan can be changed only before it is submitted."))
    _check_rows(milestones, targets)
    before = {"milestones": task.milestones.count(), "targets": task.targets.count()}
    task.milestones.all().delete()
    task.targets.all().delete()
    Milestone.objects.bulk_create(
        Milestone(
            task=task,
            position=n,
            title=m.title.strip(),
            due_on=m.due_on,
            deliverable=m.deliverable.strip(),
            weight=m.weight,
        )
        for n, m in enumerate(milestones, start=1)
    )
    Target.objects.bulk_create(
        Target(
            task=task,
            position=n,
            indicator=t.indicator.strip(),
            unit=t.unit.strip(),
            baseline=t.baseline,
            target_value=t.target_value,
            due_on=t.due_on,
            weight=t.weight,
        )
        for n, t in enumerate(targets, start=1)
    )
    task.timetable, task.roadmap = timetable.strip(), roadmap.strip()
    task.save(update_fields=["timetable", "roadmap"])
    refresh_progress(task)
    record(
        "task.plan_saved",
        obj=task,
        by=by,
        changes={
            "milestones": [before["milestones"], len(milestones)],
            "targets": [before["targets"], len(targets)],
        },
    )
    return task


@transaction.atomic
def plan_submit(*, task: Task, by: User) -> Task:
    """Send the plan to the locality, whose coordinators are told it waits for them."""
    task = task_lock(task)
    if not rules.takes_part_in_plan(by, task):
        raise Forbidden
    if task.plan_state not in EDITABLE:
        raise TaskError(_("This plan has already been submitted."))
    if not task.milestones.exists():
        raise TaskError(_("A plan needs at least one milestone."))
    if not task.targets.exists():
        raise TaskError(_("A plan needs at least one quantifiable target."))
    if not task.implementers.exists() or not task.responsible_person:
        raise TaskError(
            _("The locality must name the implementers and the responsible person first.")
        )
    before = task.plan_state
    task.plan_state, task.plan_submitted_at = PlanState.SUBMITTED, timezone.now()
    task.save(update_fields=["plan_state", "plan_submitted_at"])
    record(
        "task.plan_submitted", obj=task, by=by, changes={"plan_state": [before, task.plan_state]}
    )
    # Nothing else brings the plan to the locality's attention, and the work waits on it.
    notify(
        users=selectors.claimant_coordinators(task.claimant).exclude(pk=by.pk),
        subject=_("Plan to approve: %(title)s") % {"title": task.title},
        body=_("%(user)s submitted the plan for approval.") % {"user": by},
        url=reverse("tasks:task", args=[task.pk]),
    )
    return task


@transaction.atomic
def plan_approve(*, task: Task, by: User) -> Task:
    task = task_lock(task)
    if not rules.runs_task(by, task):
        raise Forbidden
    if task.plan_state != PlanState.SUBMITTED:
        raise TaskError(_("Only a submitted plan can be approved."))
    task.plan_state, task.plan_approved_at = PlanState.APPROVED, timezone.now()
    task.plan_return_reason = ""
    task.save(update_fields=["plan_state", "plan_approved_at", "plan_return_reason"])
    record(
        "task.plan_approved",
        obj=task,
        by=by,
        changes={"plan_state": [PlanState.SUBMITTED, PlanState.APPROVED]},
    )
    # Implementation and its periodic reports start now.
    notify(
        users=selectors.task_implementer_users(task),
        subject=_("Plan approved: %(title)s") % {"title": task.title},
        url=reverse("tasks:task", args=[task.pk]),
        email=True,
    )
    return task


@transaction.atomic
def plan_return(*, task: Task, by: User, reason: str) -> Task:
    if not reason.strip():
        raise TaskError(_("Say why the plan is returned."))
    task = task_lock(task)
    if not rules.runs_task(by, task):
        raise Forbidden
    if task.plan_state != PlanState.SUBMITTED:
        raise TaskError(_("Only a submitted plan can be returned."))
    task.plan_state, task.plan_return_reason = PlanState.RETURNED, reason.strip()
    task.save(update_fields=["plan_state", "plan_return_reason"])
    record(
        "task.plan_returned",
        obj=task,
        by=by,
        changes={"plan_state": [PlanState.SUBMITTED, PlanState.RETURNED]},
        note=reason.strip(),
    )
    # The implementers must act before anything else can happen to the task.
    notify(
        users=selectors.task_implementer_users(task),
        subject=_("Plan returned: %(title)s") % {"title": task.title},
        body=reason.strip(),
        url=reverse("tasks:task", args=[task.pk]),
    )
    return task
