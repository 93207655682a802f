"""Replicable reform outcomes (可复制推广的改革成果): what the national level distils from one or
more evaluated tasks, and what the promotion stage will promote.

Source: 发改高技〔2021〕484号 §三(四) ("总结凝练为可复制推广的改革成果，推动其在更大范围内实施
推广") and §一「四是出经验、做示范」("不断总结凝练可复制推广的改革成果，为全国深化科技创新体制机制
改革做示范").
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluation.models.commissions import Recommendation, TaskEvaluation
from proposals.models import ReformField
from tasks.models import Task


class Outcome(models.Model):
    """A replicable reform outcome (可复制推广的改革成果 / 经验)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("being distilled")
        CONFIRMED = "confirmed", _("confirmed for promotion")

    title = models.CharField(_("title"), max_length=200)
    field = models.ForeignKey(
        ReformField, verbose_name=_("reform field"), on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("summary"))
    institutional_change = models.TextField(_("institutional change made"))
    origin = models.CharField(_("where it came from"), max_length=300)
    evidence = models.TextField(_("evidence"), blank=True)
    tasks = models.ManyToManyField(Task, verbose_name=_("tasks behind it"), related_name="outcomes")
    evaluations = models.ManyToManyField(
        TaskEvaluation, verbose_name=_("evaluations"), related_name="outcomes", blank=True
    )
    recommended_scope = models.CharField(
        _("recommended scope"),
        max_length=24,
        choices=[c for c in Recommendation.choices if c[0] != Recommendation.NOT_YET],
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("replicable outcome")
        verbose_name_plural = _("replicable outcomes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(confirmed_at__isnull=False),
                name="outcome_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title
