"""The batches of reform measures promoted (复制推广) and the measures in them.

The three real batches (国办发〔2017〕80号, 〔2018〕126号, 〔2020〕3号) are reference data loaded
from data/ (promotion.reference), with what the sources do not give left empty. Later batches
are drafted on the platform from confirmed outcomes (evaluation.Outcome) and published with
their notice.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# How a batch is named, in the user's language.
ORDINALS = {
    1: _("first batch"),
    2: _("second batch"),
    3: _("third batch"),
    4: _("fourth batch"),
    5: _("fifth batch"),
    6: _("sixth batch"),
    7: _("seventh batch"),
    8: _("eighth batch"),
    9: _("ninth batch"),
    10: _("tenth batch"),
}


class PromotionBatch(models.Model):
    """A notice of the State Council's General Office promoting a batch of measures."""

    class State(models.TextChoices):
        DRAFT = "draft", _("being drafted")
        PUBLISHED = "published", _("published")

    number = models.PositiveSmallIntegerField(_("batch"), unique=True)
    # Empty while a new batch is drafted: the number comes with the notice.
    doc_number = models.CharField(_("document number"), max_length=50, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)  # empty: not known
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    published_on = models.DateField(_("date of publication"), null=True, blank=True)
    dates_note = models.TextField(_("about the dates"), blank=True)
    measure_count = models.PositiveSmallIntegerField(_("measures"))
    scope_note = models.TextField(_("where it applies"), blank=True)
    source = models.TextField(_("source"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PUBLISHED
    )
    # Only for batches drafted on the platform; the reference batches have neither.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("promotion batch")
        verbose_name_plural = _("promotion batches")
        constraints = [
            models.UniqueConstraint(
                fields=["doc_number"],
                condition=~models.Q(doc_number=""),
                name="promotion_batch_doc_number_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(state="draft") | ~models.Q(doc_number=""),
                name="promotion_batch_published_has_number",
            ),
        ]

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
    # The measure's wording as the notice gives it; empty where no source gives it.
    text = models.TextField(_("text"), blank=True)
    origin_regions = models.ManyToManyField(
        "regions.RegionGroup", verbose_name=_("origin regions"), blank=True, related_name="+"
    )
    # Set for a measure promoted from an outcome distilled on the platform.
    outcome = models.ForeignKey(
        "evaluation.Outcome",
        verbose_name=_("outcome"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promoted_measures",
    )
    source = models.TextField(_("source"), blank=True)
    title_status = models.CharField(
        _("title status"),
        max_length=30,
        choices=TitleStatus.choices,
        default=TitleStatus.VERIFIED,
    )

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
