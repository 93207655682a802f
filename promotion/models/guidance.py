"""Guidance and training (解决地方"推什么""怎么推"), and the exchange seminars (交流研讨会).

Source 000: "通过政策宣讲团、办班培训、出台操作指南（指引）、重点对象专题辅导等方式，解决地方
'推什么'和'怎么推'的认识问题", and "定期、分批次组织跨区域交流研讨会，原则上各批次拟推广改革举措
至国办发文之日起，一年后组织交流研讨一次".
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from promotion.models.adoption import UnitLevel
from promotion.models.batches import PromotedMeasure, PromotionBatch
from regions.models import Division


class GuidanceActivity(models.Model):
    """One 政策宣讲, 办班培训, 操作指南（指引） or 专题辅导, for a batch (and possibly one measure)
    at one level."""

    class Kind(models.TextChoices):
        BRIEFING = "briefing", _("policy briefing")
        TRAINING = "training", _("training course")
        GUIDE = "guide", _("operating guide")
        COACHING = "coaching", _("targeted coaching")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    batch = models.ForeignKey(
        PromotionBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="guidance"
    )
    measure = models.ForeignKey(
        PromotedMeasure,
        verbose_name=_("measure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guidance",
    )
    # The level it was held at (national when no division is given) and where.
    level = models.PositiveSmallIntegerField(
        _("level"), choices=UnitLevel.choices, null=True, blank=True
    )
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    held_on = models.DateField(_("date"))
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    document = models.FileField(_("document"), upload_to="promotion/guidance/", blank=True)
    document_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("guidance activity")
        verbose_name_plural = _("guidance activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__isnull=True, division__isnull=True)
                | Q(level__isnull=False, division__isnull=False),
                name="guidance_level_has_division",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Seminar(models.Model):
    """A cross-region exchange seminar (跨区域交流研讨会): proposed by the platform a year after
    a batch's date of issue (then periodically), held and recorded by the national level."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        PLANNED = "planned", _("planned")
        HELD = "held", _("held")

    title = models.CharField(_("title"), max_length=200)
    batches = models.ManyToManyField(
        PromotionBatch, verbose_name=_("batches"), related_name="seminars"
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PROPOSED
    )
    # When the platform proposed it (its rule's date), and when it is or was held.
    proposed_for = models.DateField(_("due on"), null=True, blank=True)
    held_on = models.DateField(_("date"), null=True, blank=True)
    regions = models.ManyToManyField(
        Division, verbose_name=_("regions taking part"), blank=True, related_name="+"
    )
    agenda = models.TextField(_("agenda"), blank=True)
    practices = models.TextField(_("practices collected"), blank=True)
    solutions = models.TextField(_("solutions to difficulties"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-proposed_for", "-id"]
        verbose_name = _("exchange seminar")
        verbose_name_plural = _("exchange seminars")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="held") | Q(held_on__isnull=False),
                name="seminar_held_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title
