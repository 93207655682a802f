"""The batches of reform measures promoted nationwide (复制推广) and the measures in them.

Only the reference part of the stage for now: what the State Council's General Office
promoted, loaded from data/ (promotion.reference). Tracking how each measure is taken up
down the four levels (国家、省、市、区县) comes later.
"""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# How a batch is named, in the user's language.
ORDINALS = {1: _("first batch"), 2: _("second batch"), 3: _("third batch")}


class PromotionBatch(models.Model):
    """A notice of the State Council's General Office promoting a batch of measures."""

    number = models.PositiveSmallIntegerField(_("batch"), unique=True)
    doc_number = models.CharField(_("document number"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)  # empty: not known
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    published_on = models.DateField(_("date of publication"), null=True, blank=True)
    dates_note = models.TextField(_("about the dates"), blank=True)
    measure_count = models.PositiveSmallIntegerField(_("measures"))
    scope_note = models.TextField(_("where it applies"), blank=True)
    source = models.TextField(_("source"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("promotion batch")
        verbose_name_plural = _("promotion batches")

    def __str__(self) -> str:
        return f"{self.ordinal()}（{self.doc_number}）"

    def ordinal(self) -> str:
        label = ORDINALS.get(self.number)
        if label is not None:
            return str(label)
        return gettext("batch %(number)s") % {"number": self.number}


class PromotedMeasure(models.Model):
    """One measure slot of a batch: its title where a source gives it, else left empty."""

    class Scope(models.TextChoices):
        NATIONWIDE = "nationwide", _("nationwide")
        REGIONS = "8_regions", _("the 8 reform experiment regions")
        UNVERIFIED = "unverified", _("not verified")

    class TitleStatus(models.TextChoices):
        VERIFIED = "verified", _("verified")
        TRUNCATED = "truncated_in_source", _("cut off in the source")
        DESCRIBED = "described_in_source", _("as an article describes it")
        NOT_FOUND = "not_found", _("not known")

    batch = models.ForeignKey(
        PromotionBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="measures"
    )
    position = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=100, blank=True)  # empty: not known
    scope = models.CharField(
        _("where it applies"), max_length=20, choices=Scope.choices, default=Scope.UNVERIFIED
    )
    origin = models.CharField(_("origin"), max_length=200, blank=True)
    origin_basis = models.TextField(_("how the origin is known"), blank=True)
    source = models.TextField(_("source"))
    title_status = models.CharField(_("title status"), max_length=30, choices=TitleStatus.choices)

    class Meta:
        ordering = ["batch__number", "position"]
        verbose_name = _("promoted measure")
        verbose_name_plural = _("promoted measures")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "position"], name="promoted_measure_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.batch} #{self.position}"
