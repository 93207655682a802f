"""Reads of commissioned evaluations (委托评估): the commissions a user may see, the tasks of
one, its visits and evidence, and the evaluator's read-only dossier of a task in its scope.

Scoping: `evaluation.rules.COMMISSIONS` — the national level sees every commission, the users
of a third-party evaluator only their organisation's; anybody else none (404). A task is read
through a commission only when it is in that commission's scope (`TaskEvaluation`), so an
evaluator reads exactly the tasks it was commissioned for and nothing else of implementation.

Every read here costs a fixed number of queries, however many tasks, reports or files there
are (select_related / prefetch_related, no per-row query).
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import Role
from claims.models import Claimant, Programme
from evaluation import rules
from evaluation.models import (
    CloseOut,
    CloseOutMilestone,
    CloseOutTarget,
    Commission,
    Evidence,
    FieldVisit,
    InstitutionalDocument,
    TaskEvaluation,
)
from regions.models import Organisation, RegionGroup
from tasks import periods
from tasks import selectors as task_reads
from tasks.models import (
    Closure,
    FollowUp,
    HelpRequest,
    Implementer,
    Milestone,
    MilestoneUpdate,
    ProgressReport,
    Target,
    TargetUpdate,
    Task,
    ToleranceFiling,
)
from tasks.reports_selectors import help_of_task
from tasks.selectors import supervision as supervision_reads

TASK_RELATED = (
    "task__programme",
    "task__claimant__division",
    "task__claimant__region_group",
    "task__claim__item",
)

# The commission list ----------------------------------------------------------------------------


def commissions_visible_to(user: Actor) -> QuerySet[Commission]:
    return rules.COMMISSIONS.queryset(user).select_related(
        "evaluator", "programme", "claimant__division", "claimant__region_group", "region_group"
    )


def commission_list(user: Actor, params: dict[str, str]) -> QuerySet[Commission]:
    """The user's commissions narrowed by the list filters (state, evaluator, scope, q), each
    with `task_count` and `closed_count`, the newest start first."""
    qs = commissions_visible_to(user)
    if params.get("state") in Commission.State.values:
        qs = qs.filter(state=params["state"])
    if params.get("scope") in Commission.Scope.values:
        qs = qs.filter(scope=params["scope"])
    if params.get("evaluator", "").isdigit():
        qs = qs.filter(evaluator_id=int(params["evaluator"]))
    text = params.get("q", "").strip()
    if text:
        in_scope = TaskEvaluation.objects.filter(task__title__icontains=text).values(
            "commission_id"
        )
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(terms_of_reference__icontains=text)
            | Q(evaluator__name__icontains=text)
            | Q(pk__in=in_scope)
        )
    return qs.annotate(
        task_count=Count("evaluations", distinct=True),
        closed_count=Count(
            "evaluations", filter=~Q(evaluations__task__closure=Closure.OPEN), distinct=True
        ),
    ).order_by("-starts_on", "-id")


@dataclass
class CommissionRow:
    commission: Commission
    tasks: int
    closed: int


def commission_rows(qs: QuerySet[Commission]) -> Iterator[CommissionRow]:
    """The rows of `commission_list` with their counts, streamed (for the export)."""
    for commission in qs.iterator(chunk_size=500):
        counted: Any = commission  # the annotations of commission_list
        yield CommissionRow(commission, counted.task_count, counted.closed_count)


def evaluators_for(user: Actor) -> QuerySet[Organisation]:
    """The evaluators the user may filter the list by: those of its commissions."""
    ids = rules.COMMISSIONS.queryset(user).values("evaluator_id")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def commission_get_for_user(user: Actor, pk: int) -> Commission:
    return get_object_or_404(commissions_visible_to(user).select_related("created_by"), pk=pk)


# One commission ---------------------------------------------------------------------------------


def commission_evaluations(commission: Commission) -> QuerySet[TaskEvaluation]:
    """The tasks of the scope, each with its claimant, programme and item, in claimant and
    item order."""
    return commission.evaluations.select_related(*TASK_RELATED).order_by(
        "task__programme_id",
        "task__claimant__region_group_id",
        "task__claimant__division__code",
        "task__claim__item__position",
        "task_id",
    )


def commission_tasks(commission: Commission) -> QuerySet[Task]:
    return Task.objects.filter(evaluations__commission=commission).select_related(
        "programme", "claimant__division", "claimant__region_group"
    )


def commission_visits(commission: Commission, task: Task | None = None) -> QuerySet[FieldVisit]:
    qs = commission.visits.select_related("task", "by")
    return qs.filter(task=task) if task is not None else qs


def commission_evidence(commission: Commission, task: Task | None = None) -> QuerySet[Evidence]:
    qs = commission.evidence.select_related("task", "visit", "uploaded_by")
    return qs.filter(task=task) if task is not None else qs


def evidence_get(commission: Commission, pk: int) -> Evidence | None:
    """A piece of evidence of this (already scoped) commission, None when gone."""
    return commission.evidence.select_related("commission").filter(pk=pk).first()


def scope_object(commission: Commission) -> str:
    """What the scope names besides its tasks: the locality, programme or region."""
    parts: list[str] = []
    if commission.claimant is not None:
        parts.append(str(commission.claimant))
    if commission.region_group is not None:
        parts.append(str(commission.region_group))
    if commission.programme is not None:
        parts.append(commission.programme.title)
    return " · ".join(parts)


@dataclass
class ScopeCounts:
    tasks: int
    closed: int

    @property
    def open(self) -> int:
        return self.tasks - self.closed


def scope_counts(commission: Commission) -> ScopeCounts:
    found = commission.evaluations.aggregate(
        tasks=Count("pk"), closed=Count("pk", filter=~Q(task__closure=Closure.OPEN))
    )
    return ScopeCounts(found["tasks"], found["closed"])


# The create form's choices ----------------------------------------------------------------------


def evaluator_choices() -> QuerySet[Organisation]:
    """Third-party evaluators, and the institutes and universities with users who evaluate
    (`rules.EVALUATING_KINDS`)."""
    evaluating = Q(kind=Organisation.Kind.EVALUATOR) | Q(
        kind__in=rules.EVALUATING_KINDS, users__role=Role.EVALUATOR
    )
    return Organisation.objects.filter(evaluating).distinct().order_by("name")


def evaluating_conflict(task: Task, organisation: Organisation) -> str | None:
    """Why `organisation` cannot be named an implementer of `task`: it is evaluating the task
    (independence, the other way round from `services.commissions.conflicts`)."""
    commission = (
        Commission.objects.filter(
            evaluator=organisation, state=Commission.State.IN_PROGRESS, evaluations__task=task
        )
        .order_by("pk")
        .first()
    )
    if commission is None:
        return None
    return _(
        "%(name)s is evaluating this task (%(commission)s): an organisation cannot implement "
        "a task it evaluates."
    ) % {"name": organisation.name, "commission": commission.title}


def task_choices(*, include_open: bool, programme: Programme | None = None) -> QuerySet[Task]:
    """The tasks the national level may put in a scope of chosen tasks: closed ones unless
    `include_open` (a mid-term or follow-up evaluation)."""
    qs = Task.objects.select_related(
        "programme", "claimant__division", "claimant__region_group", "claim__item"
    )
    if not include_open:
        qs = qs.exclude(closure=Closure.OPEN)
    if programme is not None:
        qs = qs.filter(programme=programme)
    return qs.order_by(
        "programme_id", "claimant__region_group_id", "claimant__division__code", "pk"
    )


def claimant_choices() -> QuerySet[Claimant]:
    """The localities that have tasks, in every programme."""
    return (
        Claimant.objects.filter(tasks__isnull=False)
        .distinct()
        .select_related("programme", "division", "region_group")
        .order_by("-programme__created_at", "region_group_id", "division__code")
    )


def programme_choices() -> QuerySet[Programme]:
    return Programme.objects.filter(tasks__isnull=False).distinct().order_by("-created_at")


def region_choices() -> QuerySet[RegionGroup]:
    return RegionGroup.objects.filter(kind=RegionGroup.Kind.EXPERIMENT_REGION).order_by("id")


# The dossier: a task as the evaluator reads it --------------------------------------------------


def evaluated_task_get(user: Actor, commission: Commission, task_pk: int) -> TaskEvaluation:
    """The task's row in the (already scoped) commission, or 404 when the task is not in its
    scope; `rules.can_view_evaluated_task` is checked as well."""
    evaluation = (
        commission.evaluations.select_related(*TASK_RELATED).filter(task_id=task_pk).first()
    )
    if evaluation is None or not rules.can_view_evaluated_task(user, commission, evaluation.task):
        raise Http404
    return evaluation


@dataclass
class ReportView:
    """A submitted progress report with the milestone and target figures it gave."""

    report: ProgressReport
    label: str
    milestones: list[MilestoneUpdate]
    targets: list[TargetUpdate]


@dataclass
class CloseOutView:
    close_out: CloseOut
    targets: list[CloseOutTarget]
    milestones: list[CloseOutMilestone]
    documents: list[InstitutionalDocument]


@dataclass
class Dossier:
    """Everything of a task the evaluator reads, read-only."""

    task: Task
    implementers: list[Implementer]
    plan: task_reads.PlanLine
    reports: list[ReportView]
    inspections: list[Any]
    help_requests: list[HelpRequest]
    filings: list[ToleranceFiling]
    close_out: CloseOutView | None
    expected_end: datetime.date | None
    other_commissions: list[Commission] = field(default_factory=list)


def _task_with_plan(task_pk: int) -> Task:
    return (
        Task.objects.select_related(
            "programme", "claimant__division", "claimant__region_group", "claim__item"
        )
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("position")),
            Prefetch("targets", queryset=Target.objects.order_by("position")),
            Prefetch(
                "implementers",
                queryset=Implementer.objects.select_related("organisation__division").order_by(
                    "-lead", "organisation__name"
                ),
            ),
        )
        .get(pk=task_pk)
    )


def _reports(task: Task) -> list[ReportView]:
    """Every submitted report, newest period first; drafts are the implementer's."""
    reports = (
        ProgressReport.objects.filter(task=task, state=ProgressReport.State.SUBMITTED)
        .select_related("created_by")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=MilestoneUpdate.objects.select_related("milestone").order_by(
                    "milestone__position"
                ),
            ),
            Prefetch(
                "targets",
                queryset=TargetUpdate.objects.select_related("target").order_by("target__position"),
            ),
        )
        .order_by("-year", "-period")
    )
    months = task.programme.report_every_months
    return [
        ReportView(
            r,
            periods.label((r.year, r.period), months),
            list(r.milestones.all()),
            list(r.targets.all()),
        )
        for r in reports
    ]


def _inspections(task: Task) -> list[Any]:
    follow_ups = FollowUp.objects.select_related("by").order_by("at", "id")
    return list(
        supervision_reads.with_overdue(
            task.inspections.select_related("inspector").prefetch_related(
                Prefetch("follow_ups", queryset=follow_ups)
            )
        )
    )


def _close_out(task: Task) -> CloseOutView | None:
    """The close-out report once filed (a draft is the implementer's)."""
    found = (
        CloseOut.objects.filter(task=task)
        .exclude(state=CloseOut.State.DRAFT)
        .select_related("tolerance_filing", "created_by", "confirmed_by", "decided_by")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=CloseOutTarget.objects.select_related("target").order_by(
                    "target__position"
                ),
            ),
            Prefetch(
                "milestones",
                queryset=CloseOutMilestone.objects.select_related("milestone").order_by(
                    "milestone__position"
                ),
            ),
            Prefetch(
                "documents",
                queryset=InstitutionalDocument.objects.order_by("issued_on", "id"),
            ),
        )
        .first()
    )
    if found is None:
        return None
    return CloseOutView(
        found, list(found.targets.all()), list(found.milestones.all()), list(found.documents.all())
    )


def dossier(user: Actor, commission: Commission, evaluation: TaskEvaluation) -> Dossier:
    """The task of `evaluation` (in `commission`'s scope, already checked) as the evaluator
    reads it: plan, every submitted report with its figures, inspections with their
    follow-ups, help requests, fault-tolerance filings, the close-out report with its
    documents, and the other commissions of the task the user sees, oldest first (a
    multi-year follow-up)."""
    task = _task_with_plan(evaluation.task_id)
    plan = next(task_reads.plan_lines([task]))
    others = list(
        rules.COMMISSIONS.queryset(user)
        .filter(evaluations__task=task)
        .exclude(pk=commission.pk)
        .select_related("evaluator")
        .order_by("starts_on", "id")
    )
    return Dossier(
        task=task,
        implementers=list(task.implementers.all()),
        plan=plan,
        reports=_reports(task),
        inspections=_inspections(task),
        help_requests=list(help_of_task(task)),
        filings=list(task.tolerance_filings.select_related("filed_by", "decided_by")),
        close_out=_close_out(task),
        expected_end=task.expected_end,
        other_commissions=others,
    )


def evaluations_of_task(user: Actor, task: Task) -> QuerySet[Commission]:
    """The commissions of a task the user sees, oldest first (the years of a follow-up)."""
    return (
        rules.COMMISSIONS.queryset(user)
        .filter(evaluations__task=task)
        .select_related("evaluator")
        .order_by("starts_on", "id")
    )


def close_out_document_get(
    commission: Commission, evaluation: TaskEvaluation, pk: int
) -> InstitutionalDocument:
    """A document of the (filed) close-out of a task in the commission's scope, or 404."""
    found = (
        InstitutionalDocument.objects.filter(pk=pk, close_out__task_id=evaluation.task_id)
        .exclude(close_out__state=CloseOut.State.DRAFT)
        .exclude(file="")
        .first()
    )
    if found is None or evaluation.commission_id != commission.pk:
        raise Http404
    return found
