"""Reads of tasks shared by pages, exports and jobs: always scoped to the user.

The national coordinator sees every task; a locality the tasks of its own claims, and a
province also those of the demonstration zones on its territory (`tasks.rules.OVERSEEN_BY`);
an implementer only the tasks its organisation implements. For anybody else a task does not
exist (404).

The reads of inspections and fault-tolerance filings are in `tasks.selectors.supervision`;
those of reports, help requests and the bulk sheet in `tasks.reports_selectors`.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts import roles
from accounts.actors import Actor
from accounts.models import User
from audit.models import AuditEntry
from audit.selectors import entries_for
from claims import rules as claims_rules
from claims.models import Claimant, Programme, TaskNotice, add_months
from regions.models import Division, Organisation
from tasks import progress, rules
from tasks.models import Implementer, Milestone, Target, Task


def tasks_visible_to(user: Actor) -> QuerySet[Task]:
    return rules.TASKS.queryset(user).select_related(
        "programme", "claimant__division", "claimant__region_group", "claim__item"
    )


def task_get_for_user(user: Actor, pk: int) -> Task:
    try:
        return tasks_visible_to(user).get(pk=pk)
    except Task.DoesNotExist:
        raise Http404 from None


# Who is told -------------------------------------------------------------------------------------
# Every notice about a task goes to one of these sets, read from the same visibility rules
# (`tasks.rules`) that decide who sees the task: whoever is told is whoever may act.


def claimant_coordinators(claimant: Claimant) -> QuerySet[User]:
    """The active users who speak for the claimant: the coordinators of its province, or
    those scoped to its region group."""
    return claims_rules.SPOKEN_FOR.audience(claimant)


def task_implementer_users(task: Task) -> QuerySet[User]:
    """The active users of the organisations implementing the task."""
    return rules.IMPLEMENTED_BY.audience(task)


def claimants_visible_to(user: Actor, programme: Programme | None = None) -> QuerySet[Claimant]:
    """Claimants that have tasks the user sees: a province's own, and those of the zones it
    oversees."""
    qs = Claimant.objects.select_related("division", "region_group", "programme").filter(
        pk__in=rules.TASKS.queryset(user).values("claimant_id")
    )
    if programme is not None:
        qs = qs.filter(programme=programme)
    return qs.order_by("programme_id", "region_group_id", "division__code")


def programmes_with_tasks(user: Actor) -> QuerySet[Programme]:
    ids = tasks_visible_to(user).values("programme_id")
    return Programme.objects.filter(pk__in=ids).order_by("-created_at")


def claimant_progress(tasks: QuerySet[Task]) -> dict[int, Decimal]:
    """Claimant id → its progress, from the stored task figures (see tasks.progress)."""
    pairs = _progress_pairs(tasks)
    return {cid: progress.weighted_mean(p) for cid, p in pairs.items()}


def _progress_pairs(tasks: QuerySet[Task]) -> dict[int, list[tuple[Decimal, Decimal]]]:
    """Claimant id → the (progress, weight) of each of its tasks. Unordered: the model's
    ordering would join the programme, claimant, division and item and sort every task."""
    pairs: dict[int, list[tuple[Decimal, Decimal]]] = {}
    rows = tasks.order_by().values_list("claimant_id", "progress", "weight")
    for claimant_id, value, weight in rows:
        pairs.setdefault(claimant_id, []).append((value, weight))
    return pairs


def programme_progress(programme: Programme) -> Decimal:
    """The plain mean over the programme's claimants (every claimant, not a scoped view)."""
    by_claimant = claimant_progress(Task.objects.filter(programme=programme))
    return progress.weighted_mean((value, Decimal(1)) for value in by_claimant.values())


def first_day_reported(user: Actor, programme: Programme) -> datetime.date | None:
    """The day from which the user's tasks of the programme owe reports: the earliest plan
    approval, or while no plan is approved the day the first task opened (None: no task)."""
    found = (
        tasks_visible_to(user)
        .filter(programme=programme)
        .aggregate(approved=Min("plan_approved_at"), opened=Min("created_at"))
    )
    moment = found["approved"] or found["opened"]
    return timezone.localdate(moment) if moment is not None else None


def search(qs: QuerySet[Task], text: str) -> QuerySet[Task]:
    text = text.strip()
    if not text:
        return qs
    return qs.filter(
        Q(title__icontains=text)
        | Q(responsible_person__icontains=text)
        | Q(implementers__organisation__name__icontains=text)
    ).distinct()


# Pages of part A: the task index, the task page, the three lists and the progress overview.


def task_list(user: Actor, params: dict[str, str]) -> QuerySet[Task]:
    """The user's tasks narrowed by the index filters, each with `lead_name` (the lead
    implementer's organisation), in list order."""
    qs = tasks_visible_to(user)
    if params.get("programme"):
        qs = qs.filter(programme_id=params["programme"])
    if params.get("claimant"):
        qs = qs.filter(claimant_id=params["claimant"])
    if params.get("plan_state"):
        qs = qs.filter(plan_state=params["plan_state"])
    if params.get("closure"):
        qs = qs.filter(closure=params["closure"])
    if params.get("landmark") == "True":
        qs = qs.filter(landmark=True)
    qs = search(qs, params.get("q", ""))
    lead = Implementer.objects.filter(task=OuterRef("pk"), lead=True).values("organisation__name")
    return qs.annotate(lead_name=Subquery(lead[:1])).order_by(
        "programme_id",
        "claimant__region_group_id",
        "claimant__division__code",
        "claim__item__position",
    )


def task_implementers(task: Task) -> list[Implementer]:
    return list(task.implementers.select_related("organisation__division"))


def task_history(task: Task, limit: int = 100) -> list[AuditEntry]:
    return list(entries_for(task).order_by("-at", "-id")[:limit])


def implementer_get(task: Task, pk: int) -> Implementer:
    """An implementer of this (already scoped) task, or 404."""
    found = task.implementers.select_related("organisation").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def organisations_for(claimant: Claimant) -> QuerySet[Organisation]:
    """The organisations a claimant may name as implementers: those in its province, or for
    a region group in (or under) the divisions of its members. Evaluators never implement."""
    qs = Organisation.objects.select_related("division").exclude(kind=Organisation.Kind.EVALUATOR)
    if claimant.division_id is not None:
        return qs.filter(division__province_id=claimant.division_id)
    members = Division.objects.filter(groups=claimant.region_group_id).values("pk")
    return qs.filter(
        Q(division__in=members)
        | Q(division__parent__in=members)
        | Q(division__province__in=members)
    )


def divisions_for_new_organisation(claimant: Claimant) -> QuerySet[Division]:
    """Where a claimant may register a new organisation: its own division, or one of its
    group's member divisions."""
    if claimant.division_id is not None:
        return Division.objects.filter(pk=claimant.division_id)
    return Division.objects.filter(groups=claimant.region_group_id).order_by("code")


def plan_rows(task: Task) -> tuple[list[Milestone], list[Target]]:
    return list(task.milestones.all()), list(task.targets.all())


# The three lists per claimant (清单) and the progress overview.


def claimant_get_for_user(user: Actor, pk: int) -> Claimant:
    """A claimant with tasks the user may list, or 404."""
    claimant = claimants_visible_to(user).filter(pk=pk).first()
    if claimant is None:
        raise Http404
    return claimant


def programme_get_for_lists(user: Actor, pk: int) -> Programme:
    """A programme with tasks the user may see (national: any; locality: one it claimed in)."""
    programme = programmes_with_tasks(user).filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


def claimant_tasks(claimant: Claimant, *, text: str = "", landmark: bool = False) -> QuerySet[Task]:
    """The claimant's tasks in item order with their plans and implementers prefetched, so a
    page or a sheet costs the same few queries however many rows it has."""
    qs = Task.objects.filter(claimant=claimant).select_related("claim__item")
    if landmark:
        qs = qs.filter(landmark=True)
    qs = search(qs, text)
    return qs.prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("position")),
        Prefetch("targets", queryset=Target.objects.order_by("position")),
        Prefetch(
            "implementers",
            queryset=Implementer.objects.select_related("organisation").order_by(
                "-lead", "organisation__name"
            ),
        ),
    ).order_by("claim__item__position")


@dataclass
class ClaimantRow:
    claimant: Claimant
    tasks: int
    progress: Decimal


@dataclass
class Overview:
    """A programme's progress as the user may see it: the programme figure (national only),
    one row per claimant and the tasks (paginated by the view)."""

    programme: Programme
    programme_progress: Decimal | None
    claimants: list[ClaimantRow]
    tasks: QuerySet[Task]


def progress_overview(user: Actor, programme: Programme, text: str = "") -> Overview:
    tasks = tasks_visible_to(user).filter(programme=programme)
    # One read of the tasks' figures gives both each claimant's progress and its count.
    pairs = _progress_pairs(tasks)
    figures = {cid: progress.weighted_mean(p) for cid, p in pairs.items()}
    counts = {cid: len(p) for cid, p in pairs.items()}
    rows = [
        ClaimantRow(c, counts.get(c.pk, 0), figures.get(c.pk, progress.ZERO))
        for c in claimants_visible_to(user, programme)
    ]
    national = roles.is_national(user)
    return Overview(
        programme=programme,
        programme_progress=programme_progress(programme) if national else None,
        claimants=rows,
        tasks=search(tasks, text).order_by(
            "claimant__region_group_id", "claimant__division__code", "claim__item__position"
        ),
    )


def is_overdue(due_on: datetime.date, done: bool, today: datetime.date | None = None) -> bool:
    return not done and due_on < (today or timezone.localdate())


def milestone_status(milestone: Milestone) -> str:
    """The status as lists show it: with its date once done."""
    if milestone.done_on:
        return f"{milestone.get_status_display()} {milestone.done_on.isoformat()}"
    return str(milestone.get_status_display())


def target_share(target: Target) -> Decimal:
    """The share (0–100) of the distance from baseline to target covered, as tasks.progress
    counts it."""
    return progress.percent(
        progress.target_share(target.baseline, target.target_value, target.actual)
    )


@dataclass
class MilestoneLine:
    milestone: Milestone
    overdue: bool
    status: str


@dataclass
class TargetLine:
    target: Target
    share: Decimal


@dataclass
class PlanLine:
    """A task with its plan as every list shows it."""

    task: Task
    lead: str
    milestones: list[MilestoneLine]
    targets: list[TargetLine]


def plan_lines(tasks: Iterable[Task], today: datetime.date | None = None) -> Iterator[PlanLine]:
    """One line per task, from the milestones, targets and implementers already fetched
    (see claimant_tasks)."""
    today = today or timezone.localdate()
    for task in tasks:
        lead = next((i.organisation.name for i in task.implementers.all() if i.lead), "")
        yield PlanLine(
            task=task,
            lead=lead,
            milestones=[
                MilestoneLine(
                    m, is_overdue(m.due_on, m.status == "done", today), milestone_status(m)
                )
                for m in task.milestones.all()
            ],
            targets=[TargetLine(t, target_share(t)) for t in task.targets.all()],
        )


def progress_of_claimant(claimant: Claimant) -> Decimal | None:
    """The claimant's progress over all its tasks (see tasks.progress)."""
    return claimant_progress(Task.objects.filter(claimant=claimant)).get(claimant.pk)


def task_fresh(task: Task) -> Task:
    """The task as stored now, for a form bound to it (the caller's copy carries prefetches)."""
    return Task.objects.get(pk=task.pk)


def expected_ends(tasks: QuerySet[Task]) -> dict[int, datetime.date]:
    """Each task's expected end (`Task.expected_end`: the date of its claimant's task notice
    plus the programme's implementation period), for the tasks that have a notice, in two
    queries whatever their number. The one definition the dispatch, the close-out index and
    the to-do lists count "past its expected end" by."""
    rows = list(tasks.values_list("pk", "claimant_id", "programme__implementation_months"))
    notices = dict(
        TaskNotice.objects.filter(
            claimant_id__in={claimant for _, claimant, _ in rows}
        ).values_list("claimant_id", "issued_on")
    )
    return {
        pk: add_months(notices[claimant], months)
        for pk, claimant, months in rows
        if claimant in notices
    }
