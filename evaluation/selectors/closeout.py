"""Reads of close-out (验收): what the close-out report starts from, the close-outs a user may
see, and the tasks that wait for one.

One-time entry (一表多用): the report starts from what the platform already holds — each
target's planned value (`Target.target_value`) and its latest achieved figure (`Target.actual`,
written back from the progress reports), each milestone's status and date from the plan, and
the summary from the last submitted progress report's "what was done", marked as carried over
so the implementer knows to rewrite it. Nothing here writes.

Scoping: `evaluation.rules.CLOSE_OUTS` (a draft is the implementer's; once filed, whoever sees
the task reads it); 404 outside it.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.actors import Actor
from accounts.roles import is_national
from claims.models import Claimant
from evaluation import rules
from evaluation.models import CloseOut, CloseOutMilestone, CloseOutTarget, InstitutionalDocument
from tasks.models import (
    Closure,
    Implementer,
    Milestone,
    ProgressReport,
    Status,
    Target,
    Task,
    ToleranceFiling,
)
from tasks.rules import IMPLEMENTED_BY, RUN_BY, TASKS
from tasks.selectors import expected_ends

# The platform's own rule: the task page invites the implementer to file the close-out from
# this many days before the task's expected end (484号 sets no such lead time).
DUE_SOON_DAYS = 60


# Prefill --------------------------------------------------------------------------------------


@dataclass
class TargetLine:
    """A target of the plan as the close-out shows it: planned against achieved."""

    target: Target
    planned: Decimal
    achieved: Decimal | None
    note: str = ""

    @property
    def reached(self) -> bool | None:
        """Whether the achieved figure reaches the target (up or down from the baseline)."""
        if self.achieved is None:
            return None
        if self.planned >= self.target.baseline:
            return self.achieved >= self.planned
        return self.achieved <= self.planned


@dataclass
class MilestoneLine:
    milestone: Milestone
    status: str
    done_on: datetime.date | None

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


@dataclass
class Prefill:
    """What a new close-out report starts from."""

    summary: str
    carried_from: ProgressReport | None
    targets: list[TargetLine] = field(default_factory=list)
    milestones: list[MilestoneLine] = field(default_factory=list)

    @property
    def all_done(self) -> bool:
        """Every milestone of the plan done and every target reached. The platform's rule: only
        then does a new report start as "completed"; otherwise the implementer chooses."""
        return all(m.status == Status.DONE for m in self.milestones) and all(
            t.reached is True for t in self.targets
        )


def last_submitted_report(task: Task) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(task=task, state=ProgressReport.State.SUBMITTED)
        .order_by("-year", "-period")
        .first()
    )


def prefill(task: Task) -> Prefill:
    """The plan's targets and milestones with their latest figures, and the last submitted
    report's "what was done" as the summary's starting text."""
    report = last_submitted_report(task)
    return Prefill(
        summary=report.done if report is not None else "",
        carried_from=report if report is not None and report.done else None,
        targets=[
            TargetLine(target=t, planned=t.target_value, achieved=t.actual)
            for t in Target.objects.filter(task=task).order_by("position")
        ],
        milestones=[
            MilestoneLine(milestone=m, status=m.status, done_on=m.done_on)
            for m in Milestone.objects.filter(task=task).order_by("position")
        ],
    )


def lines_of(close_out: CloseOut) -> tuple[list[TargetLine], list[MilestoneLine]]:
    """The rows saved on a close-out, completed with the plan's rows added since (a plan
    changed after the draft was saved still shows every target and milestone)."""
    saved_targets = {row.target_id: row for row in close_out.targets.all()}
    saved_milestones = {row.milestone_id: row for row in close_out.milestones.all()}
    targets = []
    for target in Target.objects.filter(task_id=close_out.task_id).order_by("position"):
        row = saved_targets.get(target.pk)
        if row is None:
            targets.append(TargetLine(target, target.target_value, target.actual))
        else:
            targets.append(TargetLine(target, row.planned, row.achieved, row.note))
    milestones = []
    for milestone in Milestone.objects.filter(task_id=close_out.task_id).order_by("position"):
        saved = saved_milestones.get(milestone.pk)
        if saved is None:
            milestones.append(MilestoneLine(milestone, milestone.status, milestone.done_on))
        else:
            milestones.append(MilestoneLine(milestone, saved.status, saved.done_on))
    return targets, milestones


def tolerance_choices(task: Task) -> QuerySet[ToleranceFiling]:
    """The filings a close-out "not completed" may rest on: the task's own, tolerated ones
    (see `evaluation.services.closeout`)."""
    return ToleranceFiling.objects.filter(task=task, state=ToleranceFiling.State.ACCEPTED).order_by(
        "-decided_at", "-id"
    )


# Getters --------------------------------------------------------------------------------------


def _detailed(qs: QuerySet[CloseOut]) -> QuerySet[CloseOut]:
    return qs.select_related(
        "task__claimant__division",
        "task__claimant__region_group",
        "task__programme",
        "tolerance_filing",
        "created_by",
        "confirmed_by",
        "decided_by",
    ).prefetch_related(
        Prefetch("targets", queryset=CloseOutTarget.objects.select_related("target")),
        Prefetch("milestones", queryset=CloseOutMilestone.objects.select_related("milestone")),
        Prefetch("documents", queryset=InstitutionalDocument.objects.select_related("added_by")),
    )


def close_outs_visible_to(user: Actor) -> QuerySet[CloseOut]:
    return rules.CLOSE_OUTS.queryset(user)


def close_out_get_for_user(user: Actor, pk: int) -> CloseOut:
    """A close-out the user may read, with everything its page shows, or 404."""
    return get_object_or_404(_detailed(close_outs_visible_to(user)), pk=pk)


def close_out_of_task(user: Actor, task: Task) -> CloseOut | None:
    """The task's close-out if the user may read it (a draft only by the implementer)."""
    return close_outs_visible_to(user).filter(task=task).first()


def task_for_close_out(user: Actor, pk: int) -> Task:
    """A task the user sees, for the close-out edit page (the right is checked by the view)."""
    return get_object_or_404(
        TASKS.queryset(user).select_related("claimant__division", "programme"), pk=pk
    )


def document_get_for_user(user: Actor, pk: int) -> InstitutionalDocument:
    """A document of a close-out the user may read, or 404."""
    found = (
        InstitutionalDocument.objects.select_related("close_out__task")
        .filter(pk=pk, close_out__in=close_outs_visible_to(user))
        .first()
    )
    if found is None:
        raise Http404
    return found


# The index ------------------------------------------------------------------------------------


def pending_for(user: Actor) -> Q:
    """The close-outs waiting on the user: the locality confirms those filed, the national
    level decides those sent up, the implementer redoes those returned."""
    if is_national(user):
        return Q(state=CloseOut.State.CONFIRMED)
    condition = Q(pk__in=[])
    run = RUN_BY.filter_for(user)
    if run is not None:
        condition |= Q(state=CloseOut.State.SUBMITTED, task__in=Task.objects.filter(run))
    implemented = IMPLEMENTED_BY.filter_for(user)
    if implemented is not None:
        condition |= Q(
            state__in=[CloseOut.State.DRAFT, CloseOut.State.RETURNED],
            task__in=Task.objects.filter(implemented),
        )
    return condition


def close_out_list(user: Actor, params: dict[str, str]) -> QuerySet[CloseOut]:
    """The user's close-outs narrowed by the index filters, those waiting on the user first,
    then the newest."""
    qs = close_outs_visible_to(user).select_related(
        "task__claimant__division", "task__claimant__region_group", "task__programme"
    )
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    if params.get("result"):
        qs = qs.filter(result=params["result"])
    if params.get("claimant"):
        qs = qs.filter(task__claimant_id=params["claimant"])
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(task__title__icontains=text)
            | Q(summary__icontains=text)
            | Q(documents__title__icontains=text)
            | Q(documents__number__icontains=text)
        ).distinct()
    waiting = pending_for(user)
    return qs.annotate(
        waiting=Case(When(waiting, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("waiting", "-submitted_at", "-created_at", "-id")


def claimants_with_close_outs(user: Actor) -> list[tuple[int, str]]:
    """The claimants of the close-outs the user sees, for the index filter (programme and
    locality: a locality claims in every year's programme)."""
    claimants = Claimant.objects.filter(
        pk__in=close_outs_visible_to(user).values("task__claimant_id")
    ).select_related("division", "region_group", "programme")
    found = [(c.pk, f"{c} · {c.programme.title}") for c in claimants]
    return sorted(found, key=lambda pair: pair[1])


# The task page --------------------------------------------------------------------------------


def due_state(task: Task, today: datetime.date | None = None) -> str:
    """ "past" when the task's expected end has passed, "soon" within `DUE_SOON_DAYS`, else ""."""
    end = task.expected_end
    if end is None:
        return ""
    today = today or timezone.localdate()
    if end < today:
        return "past"
    if (end - today).days <= DUE_SOON_DAYS:
        return "soon"
    return ""


@dataclass
class PastEnd:
    """A task past its expected end and not closed, with its close-out if the user reads it."""

    task: Task
    expected_end: datetime.date
    close_out: CloseOut | None


def past_end_tasks(
    user: Actor, today: datetime.date | None = None, *, limit: int | None = None
) -> tuple[list[PastEnd], int]:
    """The user's open tasks whose expected end (`Task.expected_end`: the task notice's date
    plus the programme's implementation period) has passed, the longest overdue first — as
    the dispatch counts them (`tasks.dispatch`) — at most `limit` of them, and how many there
    are in all. The ends are read as values; only the tasks shown are loaded."""
    today = today or timezone.localdate()
    ends = expected_ends(TASKS.queryset(user).filter(closure=Closure.OPEN))
    found = sorted(
        ((pk, end) for pk, end in ends.items() if end < today), key=lambda p: (p[1], p[0])
    )
    shown = found[:limit] if limit is not None else found
    tasks = Task.objects.select_related(
        "programme", "claimant__division", "claimant__region_group"
    ).in_bulk([pk for pk, _end in shown])
    close_outs = {c.task_id: c for c in close_outs_visible_to(user).filter(task_id__in=list(tasks))}
    rows = [PastEnd(tasks[pk], end, close_outs.get(pk)) for pk, end in shown]
    return rows, len(found)


@dataclass
class Closable:
    """A task the user can start the close-out report of, with its expected end if any."""

    task: Task
    expected_end: datetime.date | None


def tasks_to_close_out(user: Actor, today: datetime.date | None = None) -> list[Closable]:
    """The user's open tasks without a close-out report on which `rules.can_file_close_out`
    holds, in a bounded number of queries: those the user implements whose plan is approved,
    and those the user's locality runs that never got going (no approved plan, or no
    implementing body) and are past their expected end (`rules.files_close_out`, the
    platform's rule). The longest overdue first, then those without an expected end."""
    today = today or timezone.localdate()
    waiting = Task.objects.filter(closure=Closure.OPEN, close_out__isnull=True)
    chosen = Q(pk__in=[])
    implemented = IMPLEMENTED_BY.filter_for(user)
    if implemented is not None:
        approved = waiting.filter(implemented, plan_state=Task.PlanState.APPROVED)
        chosen |= Q(pk__in=approved.values("pk"))
    run = RUN_BY.filter_for(user)
    if run is not None:
        never_started = waiting.filter(run).filter(
            ~Q(plan_state=Task.PlanState.APPROVED)
            | ~Exists(Implementer.objects.filter(task=OuterRef("pk")))
        )
        if implemented is not None:
            # An implementer of the task files only once its plan is approved.
            never_started = never_started.exclude(pk__in=Task.objects.filter(implemented))
        late = [pk for pk, end in expected_ends(never_started).items() if end < today]
        chosen |= Q(pk__in=late)
    tasks = list(
        Task.objects.filter(chosen).select_related(
            "programme", "claimant__division", "claimant__region_group"
        )
    )
    ends = expected_ends(Task.objects.filter(pk__in=[t.pk for t in tasks]))
    rows = [Closable(t, ends.get(t.pk)) for t in tasks]
    return sorted(
        rows,
        key=lambda r: (r.expected_end is None, r.expected_end or today, r.task.title, r.task.pk),
    )
