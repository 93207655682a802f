"""Incentives (激励): the ranking of localities and implementing units, its formula, the
decisions taken and the register of priority support they grant.

Source: 发改高技〔2021〕484号 §三(四) ("国家发展改革委、科技部研究采取适当方式，对完成改革任务较好
的地方、单位进行激励，并优先支持其承担创新创业创造等重大项目"). 484号 leaves the way of ranking
to "适当方式": the formula and its weights are the platform's, shown beside every ranking and
changed only by the national level, each change on the trail.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from claims.models import Claimant
from evaluation.models.commissions import TaskEvaluation
from regions.models import Organisation


class RankingFormula(models.Model):
    """The weights of the ranking, one row per change; the newest is in force."""

    completion_weight = models.DecimalField(
        _("weight of completion"), max_digits=6, decimal_places=2, default=Decimal(40)
    )
    evaluation_weight = models.DecimalField(
        _("weight of the evaluation score"), max_digits=6, decimal_places=2, default=Decimal(50)
    )
    progress_weight = models.DecimalField(
        _("weight of progress"), max_digits=6, decimal_places=2, default=Decimal(10)
    )
    note = models.CharField(_("reason for the change"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("ranking formula")
        verbose_name_plural = _("ranking formulas")
        constraints = [
            models.CheckConstraint(
                condition=Q(completion_weight__gte=0)
                & Q(evaluation_weight__gte=0)
                & Q(progress_weight__gte=0),
                name="ranking_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(completion_weight__gt=0)
                | Q(evaluation_weight__gt=0)
                | Q(progress_weight__gt=0),
                name="ranking_weights_not_all_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.completion_weight}/{self.evaluation_weight}/{self.progress_weight}"


class IncentiveDecision(models.Model):
    """An incentive decided for a locality or an implementing unit (激励决定)."""

    class Form(models.TextChoices):
        COMMENDATION = "commendation", _("commendation by circular")
        PRIORITY = "priority", _("priority support for major projects")
        OTHER = "other", _("other")

    claimant = models.ForeignKey(
        Claimant,
        verbose_name=_("locality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("implementing unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    form = models.CharField(_("form"), max_length=16, choices=Form.choices)
    form_detail = models.CharField(_("details of the form"), max_length=300, blank=True)
    reason = models.TextField(_("reason"))
    approving_authority = models.CharField(_("approving authority"), max_length=200)
    decided_on = models.DateField(_("date of decision"))
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    evaluations = models.ManyToManyField(
        TaskEvaluation, verbose_name=_("evaluations"), related_name="incentives", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("incentive decision")
        verbose_name_plural = _("incentive decisions")
        constraints = [
            # Exactly one beneficiary: a locality or a unit.
            models.CheckConstraint(
                condition=Q(claimant__isnull=False, organisation__isnull=True)
                | Q(claimant__isnull=True, organisation__isnull=False),
                name="incentive_one_beneficiary",
            ),
            models.CheckConstraint(
                condition=~Q(form="other") | ~Q(form_detail=""),
                name="incentive_other_is_described",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} · {self.get_form_display()}"

    @property
    def beneficiary(self) -> str:
        return str(self.claimant or self.organisation)
