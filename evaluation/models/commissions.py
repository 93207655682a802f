"""Third-party evaluation (委托第三方机构评估): the commission, its indicator system, the
evaluator's field visits, evidence and scores, the rating of each task and the report.

Sources: 发改高技〔2021〕484号 §三(四) (the national level "及时委托第三方机构评估"); §一「三是
易操作、可考核」("每一项改革举措可操作、可检查、可评估") and §一「二是小切口、大作为」("增强广大
科技界、产业界的获得感"); source 001 ("改革的显示度、对经济发展的贡献度、创新主体的满意度");
sources 000 and 002 (the third-party evaluation of the experiment regions: 机制协同、政策协同、
主体协同、资源协同, and a follow-up over three years).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from claims.models import Claimant, Programme
from regions.models import Organisation, RegionGroup
from tasks.models import Task


class Recommendation(models.TextChoices):
    """Where an evaluated task's reform should go next (复制推广的范围)."""

    NATIONWIDE = "nationwide", _("replicate nationwide")
    EXPERIMENT_REGIONS = "experiment_regions", _("replicate in the 8 experiment regions")
    NOT_YET = "not_yet", _("do not replicate yet")


class Commission(models.Model):
    """A commissioned evaluation (委托评估) of a scope of tasks by a third-party institute."""

    class Scope(models.TextChoices):
        TASKS = "tasks", _("chosen tasks")
        LOCALITY = "locality", _("a locality's tasks")
        PROGRAMME = "programme", _("a programme")
        REGION = "region", _("an experiment region as a whole")

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("being evaluated")
        REPORTED = "reported", _("report delivered")

    title = models.CharField(_("title"), max_length=200)
    evaluator = models.ForeignKey(
        Organisation,
        verbose_name=_("third-party evaluator"),
        on_delete=models.PROTECT,
        related_name="commissions",
    )
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimant = models.ForeignKey(
        Claimant, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_group = models.ForeignKey(
        RegionGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The scope resolved to tasks when commissioned: what the evaluator sees and scores.
    tasks: "models.ManyToManyField[Task, TaskEvaluation]" = models.ManyToManyField(
        Task, related_name="commissions", through="TaskEvaluation"
    )
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    terms_of_reference = models.TextField(_("terms of reference"))
    independence = models.TextField(_("independence declaration"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.IN_PROGRESS
    )
    findings = models.TextField(_("overall findings"), blank=True)
    # The evaluator's own signed report, which replaces the generated one when uploaded.
    report_file = models.FileField(upload_to="evaluations/reports/", blank=True)
    report_file_name = models.CharField(_("file name"), max_length=200, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("commissioned evaluation")
        verbose_name_plural = _("commissioned evaluations")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="commission_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(state="in_progress") | Q(reported_at__isnull=False),
                name="commission_reported_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Indicator(models.Model):
    """One indicator of a commission's indicator system (指标体系), weighted."""

    class Dimension(models.TextChoices):
        ATTAINMENT = "attainment", _("target attainment against the plan")
        OPERABILITY = "operability", _("operable, checkable, assessable")
        GAIN = "gain", _("sense of gain of the science and industry communities")
        VISIBILITY = "visibility", _("visibility")
        CONTRIBUTION = "contribution", _("contribution")
        SATISFACTION = "satisfaction", _("satisfaction")
        MECHANISM = "mechanism", _("mechanism coordination")
        POLICY = "policy", _("policy coordination")
        ACTORS = "actors", _("coordination of actors")
        RESOURCES = "resources", _("resource coordination")
        OTHER = "other", _("other")

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(_("number"))
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    name = models.CharField(_("indicator"), max_length=200)
    guidance = models.TextField(_("what to look at"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)

    class Meta:
        ordering = ["commission_id", "position"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["commission", "position"], name="indicator_position_unique"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class TaskEvaluation(models.Model):
    """One task in a commission's scope: its score, rating, findings and recommendation."""

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("excellent")
        GOOD = "good", _("good")
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="evaluations")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="evaluations")
    # The weighted mean of the indicator scores (0–100), kept with the scores by the service.
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=16, choices=Rating.choices, blank=True)
    findings = models.TextField(_("evaluation findings"), blank=True)
    recommendation = models.CharField(
        _("replication recommendation"), max_length=24, choices=Recommendation.choices, blank=True
    )

    class Meta:
        ordering = [
            "commission_id",
            "task__claimant__region_group_id",
            "task__claimant__division__code",
            "task__claim__item__position",
            "task_id",
        ]
        verbose_name = _("task evaluation")
        verbose_name_plural = _("task evaluations")
        constraints = [
            models.UniqueConstraint(fields=["commission", "task"], name="task_evaluated_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="task_evaluation_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commission} · {self.task}"


class Score(models.Model):
    """The score (0–100) of one task on one indicator, with the evidence for it."""

    evaluation = models.ForeignKey(TaskEvaluation, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    evidence = models.TextField(_("evidence"))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["evaluation_id", "indicator__position"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "indicator"], name="score_once"),
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=100), name="score_range"
            ),
            models.CheckConstraint(condition=~Q(evidence=""), name="score_has_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.value}"


class FieldVisit(models.Model):
    """A field visit (实地调研) of the evaluator, to a task of the scope or to the region."""

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="visits")
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    met = models.TextField(_("who was met"), blank=True)
    notes = models.TextField(_("notes"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["commission_id", "-visited_on", "-id"]
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")

    def __str__(self) -> str:
        return f"{self.place} {self.visited_on}"


def evidence_path(instance: "Evidence", filename: str) -> str:
    return f"evaluations/{instance.commission_id}/{filename}"


class Evidence(models.Model):
    """A file the evaluator collected (佐证材料), for a task or for the commission."""

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="evidence")
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        FieldVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to=evidence_path)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["commission_id", "uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.title
