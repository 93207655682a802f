"""How each promoted measure is taken up (推广落实) down the four levels — 国家、省、市、区县
(source 000: "畅通国家、省、市、区（县）四级政策传导机制") — and in the parks, and the tracking
rounds (跟踪调研, 全国摸查) in which the levels report it.

One `AdoptionRecord` per unit (a division or a park) and measure holds its current state; the
date each status was first reached is kept beside it, so that diffusion over time is counted
in the database. A unit that has no record has not reported (未报送).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from promotion.models.batches import PromotedMeasure, PromotionBatch
from regions.models import Division, Park


class AdoptionStatus(models.TextChoices):
    """The status of a measure in a unit, in the order a measure is taken up."""

    NOT_DEPLOYED = "not_deployed", _("not deployed")
    DEPLOYED = "deployed", _("deployed")
    LANDED = "landed", _("in place")
    EFFECTIVE = "effective", _("showing results")
    NOT_APPLICABLE = "not_applicable", _("not applicable")


# The statuses that follow one another; each has the date it was first reached.
PROGRESSION = [AdoptionStatus.DEPLOYED, AdoptionStatus.LANDED, AdoptionStatus.EFFECTIVE]


class UnitLevel(models.IntegerChoices):
    """Where a reporting unit sits: the three division levels below the national one, and parks."""

    PROVINCE = 1, _("province level")
    PREFECTURE = 2, _("prefecture level")
    COUNTY = 3, _("county level")
    PARK = 4, _("park")


class TrackingRound(models.Model):
    """A round of tracking (跟踪调研 / 全国摸查) the national level opens over one or several
    batches, with a deadline (source 000: "建立前后3批改革举措推广情况的跟踪调研与评估反馈机制")."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    title = models.CharField(_("title"), max_length=200)
    batches = models.ManyToManyField(
        PromotionBatch, verbose_name=_("batches"), related_name="tracking_rounds"
    )
    opened_on = models.DateField(_("opened on"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    note = models.TextField(_("note"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("tracking round")
        verbose_name_plural = _("tracking rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opened_on")),
                name="tracking_round_deadline_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_at__isnull=False),
                name="tracking_round_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReportingUnit(models.Model):
    """What a record or a return is about: a division or a park, with the province and the
    prefecture it lies in kept beside it, so that each level's roll-up is one filter."""

    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("park"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=UnitLevel.choices)
    province = models.ForeignKey(
        Division, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    # The prefecture a prefecture, county or park lies in; empty for a province and for a
    # county or park placed directly under its province (省直辖县级行政区划).
    prefecture = models.ForeignKey(
        Division,
        verbose_name=_("prefecture"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def unit(self) -> Division | Park:
        unit = self.division or self.park
        assert unit is not None
        return unit

    @staticmethod
    def one_unit(name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(division__isnull=False, park__isnull=True, level__lt=4)
            | Q(division__isnull=True, park__isnull=False, level=4),
            name=name,
        )


class AdoptionRecord(ReportingUnit):
    """How one unit has taken up one measure (推广落实情况): status, date, the local document
    that adopted it, contact, difficulties met (难点、堵点) and evidence."""

    measure = models.ForeignKey(
        PromotedMeasure,
        verbose_name=_("measure"),
        on_delete=models.PROTECT,
        related_name="adoptions",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AdoptionStatus.choices,
        default=AdoptionStatus.NOT_DEPLOYED,
    )
    status_on = models.DateField(_("date"), null=True, blank=True)
    deployed_on = models.DateField(_("deployed on"), null=True, blank=True)
    landed_on = models.DateField(_("in place on"), null=True, blank=True)
    effective_on = models.DateField(_("showing results on"), null=True, blank=True)
    reason = models.TextField(_("why not applicable"), blank=True)
    local_document = models.CharField(_("local document"), max_length=300, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    difficulties = models.TextField(_("difficulties met"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="promotion/evidence/", blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    # The round it was last filed in, and whether that filing only confirmed the previous one.
    round = models.ForeignKey(
        TrackingRound,
        verbose_name=_("tracking round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["measure_id", "level", "province__code", "id"]
        verbose_name = _("adoption record")
        verbose_name_plural = _("adoption records")
        constraints = [
            ReportingUnit.one_unit("adoption_record_one_unit"),
            models.UniqueConstraint(
                fields=["measure", "division"], name="adoption_record_unique_division"
            ),
            models.UniqueConstraint(fields=["measure", "park"], name="adoption_record_unique_park"),
            models.CheckConstraint(
                condition=~Q(status="not_applicable") | ~Q(reason=""),
                name="adoption_record_not_applicable_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["measure", "province", "status"]),
            models.Index(fields=["measure", "prefecture", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.measure}"


class RoundReturn(ReportingUnit):
    """A unit's part in a tracking round: handed down to it by the level above (下发), chased
    (催报), filed (报送) — possibly as "unchanged since the last round" (与上轮相比无变化)."""

    round = models.ForeignKey(
        TrackingRound,
        verbose_name=_("tracking round"),
        on_delete=models.CASCADE,
        related_name="returns",
    )
    delegated_at = models.DateTimeField(_("handed down at"), null=True, blank=True)
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chased_at = models.DateTimeField(_("last chased at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unchanged = models.BooleanField(_("unchanged since the last round"), default=False)

    class Meta:
        ordering = ["round_id", "level", "province__code", "id"]
        verbose_name = _("round return")
        verbose_name_plural = _("round returns")
        constraints = [
            ReportingUnit.one_unit("round_return_one_unit"),
            models.UniqueConstraint(
                fields=["round", "division"], name="round_return_unique_division"
            ),
            models.UniqueConstraint(fields=["round", "park"], name="round_return_unique_park"),
            models.CheckConstraint(
                condition=Q(filed_at__isnull=True) | Q(filed_by__isnull=False),
                name="round_return_filed_has_filer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.unit}"


class RoundFeedback(models.Model):
    """The feedback (评估反馈) the national level sends each province after a round."""

    round = models.ForeignKey(
        TrackingRound,
        verbose_name=_("tracking round"),
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    province = models.ForeignKey(
        Division, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("feedback"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["round_id", "province__code"]
        verbose_name = _("round feedback")
        verbose_name_plural = _("round feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "province"], name="round_feedback_one_per_province"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.province}"
