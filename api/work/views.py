"""The implementation-to-promotion resources of the API: tasks and their plans, progress
reports (with the bulk submission, 一次填报, and marking as read, 已阅), task evaluations,
replicable outcomes, promotion batches and adoption records.

Each reads through the selector its pages use and is refused as they are (`api.base`): the
list's gate is the page's (`list_right`, 403), an object outside the user's scope is 404, a
write goes through the page's service."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.actors import Actor
from api.base import Filter, ScopedViewSet, filter_parameters
from api.work import bulk
from api.work import serializers as s
from evaluation import rules as evaluation_rules
from evaluation.models import Outcome, Recommendation, TaskEvaluation
from evaluation.selectors import outcomes as outcome_reads
from kernel.errors import Forbidden
from promotion import rules as promotion_rules
from promotion.forms.adoption import AdoptionForm
from promotion.models import AdoptionRecord, AdoptionStatus, PromotionBatch, UnitLevel
from promotion.selectors import adoption as adoption_reads
from promotion.selectors import rounds as round_reads
from promotion.services.records import adoption_write
from promotion.services.records import check as adoption_check
from tasks import rules
from tasks import selectors as task_reads
from tasks.models import Closure, Implementer, ProgressReport, Task
from tasks.services import reports as report_services

# Tasks and their plans (实施方案, 节点任务) ------------------------------------------------------

TASK_FILTERS = {
    "programme": Filter("programme_id", "The programme's id.", type=int),
    "cycle": Filter(
        "programme__list_version__annual_list__cycle_id",
        "The cycle's id (tasks of the programme on its published list).",
        type=int,
    ),
    "province": Filter("claimant__division_id", "The claiming province's division id.", type=int),
    "region_group": Filter(
        "claimant__region_group_id", "The claiming region group's id.", type=int
    ),
    "plan_state": Filter("plan_state", "State of the plan.", enum=list(Task.PlanState.values)),
    "closure": Filter("closure", "Close-out.", enum=list(Closure.values)),
    "landmark": Filter("landmark", "Landmark reform items only (true).", type=bool),
}


@extend_schema_view(list=extend_schema(parameters=filter_parameters(TASK_FILTERS)))
class TaskViewSet(ScopedViewSet):
    """Implementation tasks (揭榜任务) the user sees, as the task index shows them."""

    serializer_class = s.TaskSerializer
    list_right = rules.can_list_tasks
    filters = TASK_FILTERS

    def get_serializer_class(self) -> Any:
        return s.TaskDetailSerializer if self.action == "retrieve" else s.TaskSerializer

    def visible(self, user: Actor) -> QuerySet[Task]:
        qs = task_reads.tasks_visible_to(user).order_by("pk")
        if self.action == "retrieve":
            implementers = Implementer.objects.select_related("organisation")
            qs = qs.prefetch_related(
                Prefetch("implementers", queryset=implementers), "milestones", "targets"
            )
        return qs

    @extend_schema(
        request=s.TaskReportSerializer,
        responses={
            201: s.ReportDetailSerializer,
            200: s.ReportDetailSerializer,
            # The item's result with its errors, or the body's own errors: either way, nothing
            # written.
            400: OpenApiResponse(description="Refused: the errors, nothing written."),
        },
        summary="File the task's report of a period",
        description=(
            "As the report form files it: 201 with the report submitted; 200 with the report "
            "already submitted for the period (nothing written, safe to retry); 400 with the "
            "errors (nothing written)."
        ),
    )
    @action(detail=True, methods=["post"], url_path="reports")
    def file_report(self, request: Request, pk: str) -> Response:
        task = self.object_for(pk, rules.can_report)  # 404 / 403 as the report's start page
        data = self.request_data(s.TaskReportSerializer)
        result = bulk.file_one(by=request.user, index=0, item={**data, "task": task.pk})
        if result.result == bulk.REJECTED or result.report is None:
            return Response(vars(result), status=status.HTTP_400_BAD_REQUEST)
        report = ProgressReport.objects.prefetch_related(
            "milestones__milestone", "targets__target"
        ).get(pk=result.report)
        code = status.HTTP_201_CREATED if result.result == bulk.SUBMITTED else status.HTTP_200_OK
        return Response(s.ReportDetailSerializer(report).data, status=code)


# Progress reports (进展报告) --------------------------------------------------------------------

REPORT_FILTERS = {
    "task": Filter("task_id", "The task's id.", type=int),
    "programme": Filter("task__programme_id", "The programme's id.", type=int),
    "cycle": Filter(
        "task__programme__list_version__annual_list__cycle_id", "The cycle's id.", type=int
    ),
    "province": Filter(
        "task__claimant__division_id", "The claiming province's division id.", type=int
    ),
    "year": Filter("year", "Year of the period.", type=int),
    "period": Filter("period", "Number of the period in its year.", type=int),
    "state": Filter("state", "State of the report.", enum=list(ProgressReport.State.values)),
}


@extend_schema_view(list=extend_schema(parameters=filter_parameters(REPORT_FILTERS)))
class ReportViewSet(ScopedViewSet):
    """Progress reports: submitted ones for whoever sees the task, drafts for the implementers
    only (`tasks.rules.REPORTS`)."""

    serializer_class = s.ReportSerializer
    # The reports are read on the task pages: whoever may open the task index.
    list_right = rules.can_list_tasks
    filters = REPORT_FILTERS

    def get_serializer_class(self) -> Any:
        return s.ReportDetailSerializer if self.action == "retrieve" else s.ReportSerializer

    def visible(self, user: Actor) -> QuerySet[ProgressReport]:
        qs = rules.REPORTS.queryset(user).order_by("pk")
        if self.action == "retrieve":
            qs = qs.prefetch_related("milestones__milestone", "targets__target")
        return qs

    @extend_schema(
        request=s.BulkReportSerializer,
        responses={200: s.BulkResultSerializer},
        summary="File many progress reports at once (一次填报)",
        description=(
            "Each item is filed as the report form files it, in its own transaction: "
            "`submitted`, `already_submitted` (the period's report was filed before: nothing "
            "written, safe to retry) or `rejected` with its errors (nothing written). Only "
            "for tasks the user implements; at most 200 items."
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Request) -> Response:
        if not bulk.may_file_reports(request.user):
            raise Forbidden
        data = self.request_data(s.BulkReportSerializer)
        results = bulk.file_reports(by=request.user, items=data["reports"])
        counts = {key: 0 for key in (bulk.SUBMITTED, bulk.ALREADY_SUBMITTED, bulk.REJECTED)}
        for result in results:
            counts[result.result] += 1
        body = {**counts, "results": [vars(r) for r in results]}
        return Response(s.BulkResultSerializer(body).data)

    @extend_schema(request=s.ReportReviewSerializer, responses={200: s.ReportSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        """Mark a submitted report as read (已阅), with an optional note."""
        report = self.object_for(pk, lambda user, r: rules.reviews_reports_of(user, r.task))
        data = self.request_data(s.ReportReviewSerializer)
        report = report_services.report_review(user=request.user, report=report, note=data["note"])
        return Response(s.ReportSerializer(report).data, status=status.HTTP_200_OK)


# Evaluation (评估) and outcomes (可复制推广的改革成果) -------------------------------------------

EVALUATION_FILTERS = {
    "commission": Filter("commission_id", "The commission's id.", type=int),
    "task": Filter("task_id", "The task's id.", type=int),
    "programme": Filter("task__programme_id", "The programme's id.", type=int),
    "province": Filter(
        "task__claimant__division_id", "The claiming province's division id.", type=int
    ),
    "rating": Filter("rating", "Rating.", enum=list(TaskEvaluation.Rating.values)),
}


@extend_schema_view(list=extend_schema(parameters=filter_parameters(EVALUATION_FILTERS)))
class TaskEvaluationViewSet(ScopedViewSet):
    """Task evaluations: for the national level and the evaluator at once, for whoever sees
    the task once the commission's report is delivered (`evaluation.rules.TASK_EVALUATIONS`)."""

    serializer_class = s.TaskEvaluationSerializer
    # Anyone with a part in the evaluation stage (its menu entry).
    list_right = evaluation_rules.can_open_stage
    filters = EVALUATION_FILTERS

    def visible(self, user: Actor) -> QuerySet[TaskEvaluation]:
        return (
            evaluation_rules.TASK_EVALUATIONS.queryset(user)
            .select_related("commission", "task")
            .order_by("pk")
        )


OUTCOME_FILTERS = {
    "state": Filter("state", "State of the outcome.", enum=list(Outcome.State.values)),
    "field": Filter("field_id", "The reform field's id.", type=int),
    "recommended_scope": Filter(
        "recommended_scope",
        "Recommended scope.",
        enum=[value for value in Recommendation.values if value != Recommendation.NOT_YET],
    ),
}


@extend_schema_view(list=extend_schema(parameters=filter_parameters(OUTCOME_FILTERS)))
class OutcomeViewSet(ScopedViewSet):
    """Replicable reform outcomes: drafts for the national level, confirmed ones for whoever
    sees one of their tasks (`evaluation.rules.OUTCOMES`)."""

    serializer_class = s.OutcomeSerializer
    list_right = evaluation_rules.can_list_outcomes
    filters = OUTCOME_FILTERS

    def visible(self, user: Actor) -> QuerySet[Outcome]:
        return (
            outcome_reads.outcomes_visible_to(user)
            .prefetch_related(Prefetch("tasks", queryset=Task.objects.only("pk")))
            .order_by("-created_at", "-pk")
        )


# Promotion (复制推广) --------------------------------------------------------------------------

BATCH_FILTERS = {
    "state": Filter("state", "State of the batch.", enum=list(PromotionBatch.State.values)),
}


@extend_schema_view(
    list=extend_schema(parameters=filter_parameters(BATCH_FILTERS)),
)
class BatchViewSet(ScopedViewSet):
    """Promotion batches (推广批次) with their measures: published ones for everybody, signed in
    or not, as on the public pages; drafts for the national level."""

    serializer_class = s.BatchSerializer
    permission_classes = [AllowAny]
    filters = BATCH_FILTERS

    def get_serializer_class(self) -> Any:
        return s.BatchDetailSerializer if self.action == "retrieve" else s.BatchSerializer

    def visible(self, user: Actor) -> QuerySet[PromotionBatch]:
        qs = promotion_rules.BATCHES.queryset(user).order_by("number")
        if self.action == "retrieve":
            qs = qs.prefetch_related("measures")
        return qs


ADOPTION_FILTERS = {
    "measure": Filter("measure_id", "The promoted measure's id.", type=int),
    "batch": Filter("measure__batch_id", "The batch's id.", type=int),
    "province": Filter("province_id", "The province's division id.", type=int),
    "prefecture": Filter("prefecture_id", "The prefecture's division id.", type=int),
    "round": Filter("round_id", "The tracking round's id.", type=int),
    "status": Filter("status", "Adoption status.", enum=list(AdoptionStatus.values)),
    "level": Filter("level", "Level of the unit (1–4).", enum=[str(v) for v in UnitLevel.values]),
}


def _reads_adoption(user: Actor) -> bool:
    """The officials who read adoption: the national level and every unit that reports it."""
    return promotion_rules.manages_promotion(user) or promotion_rules.reports_adoption(user)


@extend_schema_view(list=extend_schema(parameters=filter_parameters(ADOPTION_FILTERS)))
class AdoptionRecordViewSet(ScopedViewSet):
    """Adoption records (推广落实情况): the national level all, each level its own units and
    the levels below it (`promotion.rules.ADOPTIONS`)."""

    serializer_class = s.AdoptionRecordSerializer
    list_right = _reads_adoption
    filters = ADOPTION_FILTERS

    def visible(self, user: Actor) -> QuerySet[AdoptionRecord]:
        return (
            promotion_rules.ADOPTIONS.queryset(user)
            .select_related("division", "park")
            .order_by("pk")
        )

    @extend_schema(
        request=s.AdoptionAnswerSerializer,
        responses={
            200: s.AdoptionRecordSerializer,
            400: OpenApiResponse(description="Refused: the errors, nothing written."),
        },
        summary="Answer one measure for a unit in a tracking round",
        description=(
            "As the measure's form in the round answers it: 404 for a round, unit or measure "
            "the user does not see, 403 for a unit they see but do not report for, 409 when "
            "the round no longer takes answers."
        ),
    )
    @action(detail=False, methods=["post"])
    def answer(self, request: Request) -> Response:
        data = self.request_data(s.AdoptionAnswerSerializer)
        # The refusals of the measure's page (`promotion.views.adoption.round_unit_measure`).
        round = round_reads.round_get_for_user(request.user, data["round"])
        unit = adoption_reads.unit_get(data["unit_kind"], data["unit"])
        ret = adoption_reads.return_for_user(request.user, round, unit)
        if not adoption_reads.may_file(request.user, ret):
            raise Forbidden
        measures = {m.pk: m for m in adoption_reads.unit_measures(round, unit)}
        measure = measures.get(data["measure"])
        if measure is None:
            raise Http404
        fields = ("status", "status_on", "local_document", "contact", "difficulties", "reason")
        form = AdoptionForm({name: data[name] or "" for name in fields})
        if not form.is_valid():
            errors = {
                ("non_field_errors" if name == "__all__" else name): [str(m) for m in msgs]
                for name, msgs in form.errors.items()
            }
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        answer = form.data_for_service()
        # The service's own check of the data, answered as a bad request (as the page shows
        # it beside the form); what it refuses for the round's state stays a conflict (409).
        problems = adoption_check(answer)
        if problems:
            return Response({"non_field_errors": problems}, status=status.HTTP_400_BAD_REQUEST)
        record = adoption_write(
            by=request.user, unit=unit, measure=measure, data=answer, round=round
        )
        record = AdoptionRecord.objects.select_related("division", "park").get(pk=record.pk)
        return Response(s.AdoptionRecordSerializer(record).data)
