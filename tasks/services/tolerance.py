"""Fault tolerance (容错纠错): an implementer of a task files what went wrong and why it was a
good-faith exploration; the locality that runs the task decides — tolerated or not — and must
say why. The national coordinator reads every filing but decides none: they are the
locality's. Each step is on the task's trail, and the filer is told of the decision.

The reads of the filings index live here too, scoped through `tasks.selectors`.
"""

from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Role, User
from audit.services import record
from notifications.services import notify
from tasks.errors import TaskError
from tasks.models import Task, ToleranceFiling
from tasks.selectors import tasks_visible_to

State = ToleranceFiling.State


def locality_users(task: Task) -> list[User]:
    """The active coordinators who speak for the task's claimant."""
    claimant = task.claimant
    candidates = User.objects.filter(role=Role.LOCALITY, is_active=True)
    if claimant.division_id is not None:
        candidates = candidates.filter(division_id=claimant.division_id)
    else:
        candidates = candidates.filter(region_group_id=claimant.region_group_id)
    return [u for u in candidates.select_related("division") if permissions.runs_task(u, task)]


def _url(task: Task) -> str:
    return reverse("tasks:task", args=[task.pk]) + "#tolerance"


@transaction.atomic
def tolerance_file(
    *, task: Task, by: Any, what_went_wrong: str, good_faith: str
) -> ToleranceFiling:
    task = Task.objects.select_for_update().select_related("claimant").get(pk=task.pk)
    if not permissions.can_file_tolerance(by, task):
        raise PermissionError
    what_went_wrong, good_faith = what_went_wrong.strip(), good_faith.strip()
    if not what_went_wrong:
        raise TaskError(_("Say what went wrong."))
    if not good_faith:
        raise TaskError(_("Say why it was a good-faith exploration."))
    filing = ToleranceFiling.objects.create(
        task=task, what_went_wrong=what_went_wrong, good_faith=good_faith, filed_by=by
    )
    record(
        "task.tolerance_filed",
        obj=task,
        by=by,
        changes={"tolerance": [None, str(State.PENDING.label)]},
        note=what_went_wrong,
    )
    notify(
        users=locality_users(task),
        subject=_("Fault-tolerance filing to decide: %(task)s") % {"task": task.title},
        body=what_went_wrong,
        url=reverse("tasks:tolerance_decide", args=[filing.pk]),
    )
    return filing


@transaction.atomic
def tolerance_decide(
    *, filing: ToleranceFiling, by: Any, accepted: bool, reason: str
) -> ToleranceFiling:
    """Tolerated or not tolerated, with the reason; a decision is final."""
    reason = reason.strip()
    if not reason:
        raise TaskError(_("Give the reason for the decision."))
    filing = (
        ToleranceFiling.objects.select_for_update()
        .select_related("task__claimant", "filed_by")
        .get(pk=filing.pk)
    )
    if not permissions.runs_task(by, filing.task):
        raise PermissionError
    if filing.state != State.PENDING:
        raise TaskError(_("This filing has already been decided."))
    if not permissions.can_decide_tolerance(by, filing):
        raise PermissionError
    filing.state = State.ACCEPTED if accepted else State.REJECTED
    filing.decision_reason, filing.decided_by, filing.decided_at = reason, by, timezone.now()
    filing.save(update_fields=["state", "decision_reason", "decided_by", "decided_at"])
    record(
        "task.tolerance_decided",
        obj=filing.task,
        by=by,
        changes={"tolerance": [str(State.PENDING.label), filing.get_state_display()]},
        note=reason,
    )
    notify(
        users=[filing.filed_by],
        subject=_("Fault-tolerance filing decided (%(decision)s): %(task)s")
        % {"decision": filing.get_state_display(), "task": filing.task.title},
        body=reason,
        url=_url(filing.task),
        email=True,
    )
    return filing


# Reads ----------------------------------------------------------------------------------------


def filings_visible_to(user: Any) -> QuerySet[ToleranceFiling]:
    visible = tasks_visible_to(user).values("pk")
    return ToleranceFiling.objects.filter(task__in=visible).select_related(
        "task__programme",
        "task__claimant__division",
        "task__claimant__region_group",
        "filed_by",
        "decided_by",
    )


def filing_get_for_user(user: Any, pk: int) -> ToleranceFiling:
    try:
        return filings_visible_to(user).get(pk=pk)
    except ToleranceFiling.DoesNotExist:
        raise Http404 from None


def filing_index(user: Any, params: dict[str, str]) -> QuerySet[ToleranceFiling]:
    """Pending filings first (what waits for a decision), then the newest."""
    qs = filings_visible_to(user)
    if params.get("state") in State.values:
        qs = qs.filter(state=params["state"])
    if params.get("programme", "").isdigit():
        qs = qs.filter(task__programme_id=int(params["programme"]))
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(what_went_wrong__icontains=text)
            | Q(good_faith__icontains=text)
            | Q(decision_reason__icontains=text)
            | Q(task__title__icontains=text)
        )
    pending_first = Case(
        When(state=State.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.order_by(pending_first, "-filed_at", "-id")
