"""Reads of tasks shared by pages, exports and jobs: always scoped to the user.

The national coordinator sees every task; a locality the tasks of its own claims; an
implementer only the tasks its organisation implements. For anybody else a task does not
exist (404).
"""

from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import permissions
from claims.models import Claimant, Programme
from tasks import progress
from tasks.models import Task


def tasks_visible_to(user: Any) -> QuerySet[Task]:
    qs = Task.objects.select_related(
        "programme", "claimant__division", "claimant__region_group", "claim__item"
    )
    if permissions.is_national(user):
        return qs
    scope = permissions.claimant_scope(user)
    if scope is not None:
        return qs.filter(**{f"claimant__{name}": value for name, value in scope.items()})
    organisation = permissions.implementer_organisation(user)
    if organisation is not None:
        return qs.filter(implementers__organisation_id=organisation).distinct()
    return qs.none()


def task_get_for_user(user: Any, pk: int) -> Task:
    try:
        return tasks_visible_to(user).get(pk=pk)
    except Task.DoesNotExist:
        raise Http404 from None


def claimants_visible_to(user: Any, programme: Programme | None = None) -> QuerySet[Claimant]:
    """Claimants that have tasks, within the user's scope."""
    qs = Claimant.objects.select_related("division", "region_group", "programme").filter(
        tasks__isnull=False
    )
    if programme is not None:
        qs = qs.filter(programme=programme)
    if not permissions.is_national(user):
        scope = permissions.claimant_scope(user)
        if scope is None:
            return qs.none()
        qs = qs.filter(**scope)
    return qs.distinct().order_by("programme_id", "region_group_id", "division__code")


def programmes_with_tasks(user: Any) -> QuerySet[Programme]:
    ids = tasks_visible_to(user).values("programme_id")
    return Programme.objects.filter(pk__in=ids).order_by("-created_at")


def claimant_progress(tasks: QuerySet[Task]) -> dict[int, Decimal]:
    """Claimant id → its progress, from the stored task figures (see tasks.progress)."""
    pairs: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for claimant_id, value, weight in tasks.values_list("claimant_id", "progress", "weight"):
        pairs.setdefault(claimant_id, []).append((value, weight))
    return {cid: progress.weighted_mean(p) for cid, p in pairs.items()}


def programme_progress(programme: Programme) -> Decimal:
    """The plain mean over the programme's claimants (every claimant, not a scoped view)."""
    by_claimant = claimant_progress(Task.objects.filter(programme=programme))
    return progress.weighted_mean((value, Decimal(1)) for value in by_claimant.values())


def search(qs: QuerySet[Task], text: str) -> QuerySet[Task]:
    text = text.strip()
    if not text:
        return qs
    return qs.filter(
        Q(title__icontains=text)
        | Q(responsible_person__icontains=text)
        | Q(implementers__organisation__name__icontains=text)
    ).distinct()
