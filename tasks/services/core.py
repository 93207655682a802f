"""Writes every part of implementation shares: opening the tasks of a programme once its
notices are issued, locking a task before a change is checked, and recomputing a task's
progress after its figures change."""

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from claims import rules as claims_rules
from claims.models import Programme
from claims.selectors import claims_to_implement
from notifications.services import notify
from tasks import progress
from tasks.dispatch import forget_figures
from tasks.models import Task


@transaction.atomic
def tasks_open(*, programme: Programme, by: User) -> list[Task]:
    """One task per claim of the programme (called when its task notices are issued)."""
    claims = (
        claims_to_implement(programme)
        .filter(task__isnull=True)
        .select_related("item", "claimant")
        .order_by("claimant_id", "item__position")
    )
    tasks = Task.objects.bulk_create(
        Task(
            claim=claim,
            programme=programme,
            claimant=claim.claimant,
            title=claim.item.title,
        )
        for claim in claims
    )
    forget_figures()  # bulk_create sends no post_save
    for task in tasks:
        record("task.opened", obj=task, by=by, changes={"title": [None, task.title]})
    _tell_claimants(programme, tasks)
    return tasks


def _tell_claimants(programme: Programme, tasks: list[Task]) -> None:
    """Each claimant's coordinators hear that the task notice is issued and its tasks wait
    for them to name the implementers (实施主体) and the responsible person."""
    per_claimant: dict[int, list[Task]] = {}
    for task in tasks:
        per_claimant.setdefault(task.claimant_id, []).append(task)
    for mine in per_claimant.values():
        notify(
            users=claims_rules.SPOKEN_FOR.audience(mine[0].claimant),
            subject=_("Task notice issued: %(count)s tasks to set up in %(title)s")
            % {"count": len(mine), "title": programme.title},
            body="\n".join(f"- {task.title}" for task in mine),
            url=reverse("tasks:index"),
            email=True,
        )


def open_tasks_on_notices(sender: object, *, programme: Programme, by: User, **kwargs: Any) -> None:
    """Receiver of `claims.signals.notices_issued`: implementation starts with the notices."""
    tasks_open(programme=programme, by=by)


def task_lock(task: Task) -> Task:
    """The task read again under a row lock, with its claimant (every right is decided on
    it): the caller's copy may be stale by the time its request gets here."""
    return Task.objects.select_for_update().select_related("claimant").get(pk=task.pk)


def refresh_progress(task: Task) -> Task:
    """Recompute and store the task's progress from its milestones and targets."""
    value = progress.task_progress(task.milestones.all(), task.targets.all())
    if value != task.progress:
        task.progress = value
        task.save(update_fields=["progress"])
    return task
