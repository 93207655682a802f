"""How the implementation-to-promotion resources look in the API: tasks with their plans
(节点任务 and targets), progress reports (进展报告), task evaluations, replicable outcomes,
promotion batches and adoption records; and the body of a bulk report submission (一次填报).

Read-only: every write goes through the UI's services (`api.work.views`, `api.work.bulk`)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from evaluation.models import Outcome, TaskEvaluation
from promotion.models import AdoptionRecord, AdoptionStatus, PromotedMeasure, PromotionBatch
from tasks.models import (
    HelpRequest,
    Implementer,
    Milestone,
    MilestoneUpdate,
    ProgressReport,
    Status,
    Target,
    TargetUpdate,
    Task,
)

# Implementation (实施) -----------------------------------------------------------------------


class ImplementerSerializer(serializers.ModelSerializer[Implementer]):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Implementer
        fields = ["organisation", "organisation_name", "lead", "responsibility"]


class MilestoneSerializer(serializers.ModelSerializer[Milestone]):
    class Meta:
        model = Milestone
        fields = ["id", "position", "title", "due_on", "deliverable", "weight", "status", "done_on"]


class TargetSerializer(serializers.ModelSerializer[Target]):
    class Meta:
        model = Target
        fields = [
            "id",
            "position",
            "indicator",
            "unit",
            "baseline",
            "target_value",
            "due_on",
            "weight",
            "actual",
        ]


class TaskSerializer(serializers.ModelSerializer[Task]):
    programme_title = serializers.CharField(source="programme.title", read_only=True)
    claimant_name = serializers.CharField(source="claimant.short_name", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "programme",
            "programme_title",
            "claimant",
            "claimant_name",
            "responsible_person",
            "landmark",
            "weight",
            "plan_state",
            "progress",
            "closure",
            "closed_on",
        ]


class TaskDetailSerializer(TaskSerializer):
    """A task with its plan: implementers, milestones (节点任务) and targets."""

    implementers = ImplementerSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields,
            "responsible_post",
            "timetable",
            "roadmap",
            "plan_submitted_at",
            "plan_approved_at",
            "implementers",
            "milestones",
            "targets",
        ]


class ReportSerializer(serializers.ModelSerializer[ProgressReport]):
    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "year",
            "period",
            "state",
            "done",
            "problems",
            "help_needed",
            "unchanged",
            "submitted_at",
            "reviewed_at",
            "review_note",
        ]


class MilestoneUpdateSerializer(serializers.ModelSerializer[MilestoneUpdate]):
    position = serializers.IntegerField(source="milestone.position", read_only=True)

    class Meta:
        model = MilestoneUpdate
        fields = ["milestone", "position", "status", "done_on", "note"]


class TargetUpdateSerializer(serializers.ModelSerializer[TargetUpdate]):
    position = serializers.IntegerField(source="target.position", read_only=True)

    class Meta:
        model = TargetUpdate
        fields = ["target", "position", "actual"]


class ReportDetailSerializer(ReportSerializer):
    """A report with its figures: each milestone's status and each target's actual value."""

    milestones = MilestoneUpdateSerializer(many=True, read_only=True)
    targets = TargetUpdateSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "milestones", "targets"]


class ReportReviewSerializer(serializers.Serializer[Any]):
    """Marking a submitted report as read (已阅)."""

    note = serializers.CharField(
        label=_("Note to the implementer (optional)"),
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
    )


# Bulk report submission (一次填报) ------------------------------------------------------------

# 平台规则: how many reports one request may carry (a province's quarter, in a few requests).
BULK_MAX = 200


class MilestoneFigureSerializer(serializers.Serializer[Any]):
    milestone = serializers.IntegerField(min_value=1, help_text="The milestone's id (节点任务).")
    status = serializers.ChoiceField(choices=Status.choices)
    done_on = serializers.DateField(required=False, allow_null=True, default=None)


class TargetFigureSerializer(serializers.Serializer[Any]):
    target = serializers.IntegerField(min_value=1, help_text="The target's id.")
    actual = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, coerce_to_string=False
    )


class BulkReportItemSerializer(serializers.Serializer[Any]):
    """One period's report of one task, filed as the report form files it: the milestones
    and targets named take the figures given, the others keep the task's."""

    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The sending system's own reference, returned with the item's result.",
    )
    task = serializers.IntegerField(min_value=1)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    period = serializers.IntegerField(min_value=1, max_value=12)
    done = serializers.CharField(max_length=20000, allow_blank=True)
    problems = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    help_needed = serializers.CharField(
        max_length=20000, required=False, allow_blank=True, default=""
    )
    help_level = serializers.ChoiceField(
        choices=HelpRequest.Level.choices, required=False, default=HelpRequest.Level.LOCALITY
    )
    milestones = MilestoneFigureSerializer(many=True, required=False, default=list)
    targets = TargetFigureSerializer(many=True, required=False, default=list)


class TaskReportSerializer(BulkReportItemSerializer):
    """One report of the task named by the address."""

    task = None


class BulkReportSerializer(serializers.Serializer[Any]):
    reports = BulkReportItemSerializer(many=True, min_length=1, max_length=BULK_MAX)


class BulkItemResultSerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField(help_text="The item's position in `reports`, from 0.")
    external_id = serializers.CharField()
    task = serializers.IntegerField(allow_null=True)
    year = serializers.IntegerField(allow_null=True)
    period = serializers.IntegerField(allow_null=True)
    result = serializers.ChoiceField(
        choices=[
            ("submitted", "submitted"),
            ("already_submitted", "already submitted (nothing written)"),
            ("rejected", "rejected (nothing written)"),
        ]
    )
    report = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BulkResultSerializer(serializers.Serializer[Any]):
    submitted = serializers.IntegerField()
    already_submitted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = BulkItemResultSerializer(many=True)


# Evaluation (评估) ----------------------------------------------------------------------------


class TaskEvaluationSerializer(serializers.ModelSerializer[TaskEvaluation]):
    commission_title = serializers.CharField(source="commission.title", read_only=True)
    commission_state = serializers.CharField(source="commission.state", read_only=True)
    task_title = serializers.CharField(source="task.title", read_only=True)

    class Meta:
        model = TaskEvaluation
        fields = [
            "id",
            "commission",
            "commission_title",
            "commission_state",
            "task",
            "task_title",
            "score",
            "rating",
            "findings",
            "recommendation",
        ]


class OutcomeSerializer(serializers.ModelSerializer[Outcome]):
    field_name = serializers.CharField(source="field.name", read_only=True)
    tasks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "title",
            "field",
            "field_name",
            "summary",
            "institutional_change",
            "origin",
            "evidence",
            "recommended_scope",
            "state",
            "created_at",
            "confirmed_at",
            "tasks",
        ]


# Promotion (复制推广) -------------------------------------------------------------------------


class BatchSerializer(serializers.ModelSerializer[PromotionBatch]):
    class Meta:
        model = PromotionBatch
        fields = [
            "id",
            "number",
            "doc_number",
            "title",
            "issued_on",
            "published_on",
            "measure_count",
            "scope_note",
            "state",
        ]


class PromotedMeasureSerializer(serializers.ModelSerializer[PromotedMeasure]):
    class Meta:
        model = PromotedMeasure
        fields = [
            "id",
            "position",
            "title",
            "field",
            "scope",
            "origin",
            "text",
            "title_status",
            "outcome",
        ]


class BatchDetailSerializer(BatchSerializer):
    measures = PromotedMeasureSerializer(many=True, read_only=True)

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "dates_note", "source", "measures"]


class AdoptionAnswerSerializer(serializers.Serializer[Any]):
    """A unit's answer on one measure in a tracking round, as the measure's form takes it
    (the evidence file is sent on the page only)."""

    round = serializers.IntegerField(min_value=1, help_text="The tracking round's id.")
    unit_kind = serializers.ChoiceField(choices=[("division", "division"), ("park", "park")])
    unit = serializers.IntegerField(min_value=1, help_text="The division's or park's id.")
    measure = serializers.IntegerField(min_value=1, help_text="The promoted measure's id.")
    status = serializers.ChoiceField(choices=AdoptionStatus.choices)
    status_on = serializers.DateField(required=False, allow_null=True, default=None)
    local_document = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    difficulties = serializers.CharField(
        max_length=20000, required=False, allow_blank=True, default=""
    )
    reason = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")


class AdoptionRecordSerializer(serializers.ModelSerializer[AdoptionRecord]):
    unit_name = serializers.SerializerMethodField()

    class Meta:
        model = AdoptionRecord
        fields = [
            "id",
            "measure",
            "level",
            "division",
            "park",
            "unit_name",
            "province",
            "prefecture",
            "status",
            "status_on",
            "deployed_on",
            "landed_on",
            "effective_on",
            "reason",
            "local_document",
            "contact",
            "difficulties",
            "round",
            "updated_at",
        ]

    def get_unit_name(self, record: AdoptionRecord) -> str:
        return str(record.division or record.park or "")
