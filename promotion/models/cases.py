"""The case library of replicable reform cases (可复制推广的改革案例), public once the national
level publishes a case."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from promotion.models.batches import PromotedMeasure
from regions.models import Division


class ReformCase(models.Model):
    """A replicable reform case (可复制推广的改革案例): where and how a measure worked."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    title = models.CharField(_("title"), max_length=200)
    division = models.ForeignKey(
        Division, verbose_name=_("where"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("field"), max_length=100, blank=True)
    summary = models.TextField(_("summary"))
    body = models.TextField(_("the case"))
    measure = models.ForeignKey(
        PromotedMeasure,
        verbose_name=_("measure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    outcome = models.ForeignKey(
        "evaluation.Outcome",
        verbose_name=_("outcome"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    source = models.TextField(_("source"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("reform case")
        verbose_name_plural = _("reform cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False),
                name="reform_case_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title
