from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merging.models import CandidateMeasure
from proposals.models import ReformField
from regions.models import Division, Organisation


class ExpertProfile(models.Model):
    """An expert in the pool (专家库): fields of expertise, where they sit, how much they take."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile"
    )
    fields = models.ManyToManyField(ReformField, verbose_name=_("fields of expertise"), blank=True)
    tags = models.CharField(
        _("finer tags"), max_length=300, blank=True, help_text=_("Separated by commas.")
    )
    division = models.ForeignKey(
        Division, verbose_name=_("division"), null=True, blank=True, on_delete=models.PROTECT
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    available = models.BooleanField(_("available"), default=True)
    max_load = models.PositiveSmallIntegerField(_("most reviews per cycle"), default=8)

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")

    def __str__(self) -> str:
        return str(self.user)


class Assignment(models.Model):
    """An expert asked to review one candidate measure."""

    class Source(models.TextChoices):
        SOLVER = "solver", _("assignment solver")
        OVERRIDE = "override", _("coordinator override")

    candidate = models.ForeignKey(
        CandidateMeasure, on_delete=models.CASCADE, related_name="assignments"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "expert"], name="one_assignment_per_expert"
            ),
            models.CheckConstraint(
                condition=~Q(source="override") | ~Q(override_reason=""),
                name="override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.candidate}"


SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class Review(models.Model):
    """One expert's part in the 专家论证 of 发改高技〔2021〕484号 §三(二), held online (不见面评审,
    a practice named in source 001).

    The four criteria are the platform's own: 484号 sets no scoring standard. They are derived
    from the principles of its §一 (大胆闯、自主改; 小切口、大作为; 易操作、可考核; 出经验、做示范)
    and from §三(二)'s 含金量高 (templates/review/includes/criteria.html describes each).
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    class Recommendation(models.TextChoices):
        INCLUDE = "include", _("include in the list")
        REVISE = "revise", _("include after revision")
        EXCLUDE = "exclude", _("do not include")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review")
    value = models.PositiveSmallIntegerField(
        _("value (含金量)"), null=True, blank=True, validators=SCORE
    )
    operability = models.PositiveSmallIntegerField(
        _("operability (易操作)"), null=True, blank=True, validators=SCORE
    )
    assessability = models.PositiveSmallIntegerField(
        _("assessability (可考核)"), null=True, blank=True, validators=SCORE
    )
    replicability = models.PositiveSmallIntegerField(
        _("replicability (可复制推广)"), null=True, blank=True, validators=SCORE
    )
    comments = models.TextField(_("comments"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=16, choices=Recommendation.choices, blank=True
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    CRITERIA = ["value", "operability", "assessability", "replicability"]

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft")
                | Q(
                    value__isnull=False,
                    operability__isnull=False,
                    assessability__isnull=False,
                    replicability__isnull=False,
                    submitted_at__isnull=False,
                )
                & ~Q(recommendation=""),
                name="submitted_review_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment}"
