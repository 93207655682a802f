"""Reads of supervision (督查) and fault tolerance (容错纠错): the indexes of inspections and
filings and a single one of each, always scoped through `tasks_visible_to`, so whatever a
user may not see is a 404. What "overdue" means for a rectification is decided here, by the
database, for the filter and the column alike."""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor
from tasks import rules
from tasks.models import Inspection, Task, ToleranceFiling

# Inspections ----------------------------------------------------------------------------------


def inspections_visible_to(user: Actor) -> QuerySet[Inspection]:
    """The inspections of the tasks the user sees, with what the index and export show."""
    return rules.INSPECTIONS.queryset(user).select_related(
        "task__programme", "task__claimant__division", "task__claimant__region_group", "inspector"
    )


def inspection_get_for_user(user: Actor, pk: int) -> Inspection:
    try:
        return with_overdue(inspections_visible_to(user)).get(pk=pk)
    except Inspection.DoesNotExist:
        raise Http404 from None


def overdue_q(today: datetime.date | None = None) -> Q:
    """Open with its rectify-by date passed."""
    return Q(state=Inspection.State.OPEN, rectify_by__lt=today or timezone.localdate())


def with_overdue(qs: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """Each inspection with `overdue`, decided by the database as the filter is."""
    return qs.annotate(overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))


def inspection_index(user: Actor, params: dict[str, str]) -> QuerySet[Inspection]:
    """The filtered index: `params` as given by the filter form (state, overdue, kind,
    programme, q)."""
    qs = inspections_visible_to(user)
    if params.get("state") in Inspection.State.values:
        qs = qs.filter(state=params["state"])
    if params.get("overdue") == "True":
        qs = qs.filter(overdue_q())
    if params.get("kind") in Inspection.Kind.values:
        qs = qs.filter(kind=params["kind"])
    if params.get("programme", "").isdigit():
        qs = qs.filter(task__programme_id=int(params["programme"]))
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(findings__icontains=text)
            | Q(rectification__icontains=text)
            | Q(task__title__icontains=text)
        )
    counted = with_overdue(qs).annotate(follow_up_count=Count("follow_ups"))
    return counted.order_by("-inspected_on", "-id")


# Fault-tolerance filings ------------------------------------------------------------------------


def filings_visible_to(user: Actor) -> QuerySet[ToleranceFiling]:
    return rules.FILINGS.queryset(user).select_related(
        "task__programme",
        "task__claimant__division",
        "task__claimant__region_group",
        "filed_by",
        "decided_by",
    )


def default_deciding_body(task: Task) -> str:
    """Who decides a filing unless the decider names another body: the locality running the
    task. For a province, its development and reform commission and science and technology
    department, the bodies 发改高技〔2021〕484号 addresses and holds responsible for the claimed
    tasks (§三: "各地发展改革委、科技厅（委、局）对所揭榜任务负总体责任"); for a region group,
    the group itself (the platform's default). A municipality's science body is a 委 or a 局,
    which the data does not say: it keeps the notice's own wording. Only a default: the decider
    corrects it."""
    claimant = task.claimant
    if claimant.division is not None:
        name = claimant.division.name
        science = "科技厅（委、局）" if name.endswith("市") else "科技厅"
        return f"{name}发展改革委、{science}"
    return str(claimant.region_group or "")


def tasks_decided_by(user: Actor, task_ids: list[int]) -> set[int]:
    """Those of `task_ids` whose filings the user decides (`tasks.rules.RUN_BY`): one query."""
    return set(rules.RUN_BY.queryset(user).filter(pk__in=task_ids).values_list("pk", flat=True))


def filing_get_for_user(user: Actor, pk: int) -> ToleranceFiling:
    try:
        return filings_visible_to(user).get(pk=pk)
    except ToleranceFiling.DoesNotExist:
        raise Http404 from None


def filing_index(user: Actor, params: dict[str, str]) -> QuerySet[ToleranceFiling]:
    """Pending filings first (what waits for a decision), then the newest."""
    qs = filings_visible_to(user)
    if params.get("state") in ToleranceFiling.State.values:
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
        When(state=ToleranceFiling.State.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.order_by(pending_first, "-filed_at", "-id")
