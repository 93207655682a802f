from django.db import models
from django.utils.translation import gettext_lazy as _


class Division(models.Model):
    """An administrative division (行政区划) with its GB/T 2260 code."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province level")
        PREFECTURE = 2, _("prefecture level")
        COUNTY = 3, _("county level")

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    province = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The province-level division this one lies in (itself for a province)."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=1, parent__isnull=True)
                | models.Q(level__gt=1, parent__isnull=False),
                name="division_parent_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_province(self) -> bool:
        return self.level == self.Level.PROVINCE


class RegionGroup(models.Model):
    """A named group of divisions: an experiment region (全面创新改革试验区域) or a
    national independent innovation demonstration zone (国家自主创新示范区)."""

    class Kind(models.TextChoices):
        EXPERIMENT_REGION = (
            "experiment_region",
            _("comprehensive innovation reform experiment region"),
        )
        DEMONSTRATION_ZONE = (
            "demonstration_zone",
            _("national independent innovation demonstration zone"),
        )

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=50)
    divisions = models.ManyToManyField(Division, verbose_name=_("divisions"), related_name="groups")
    focus = models.TextField(_("focus"), blank=True)
    approval_year = models.PositiveSmallIntegerField(_("approval year"), null=True, blank=True)
    approval_date = models.CharField(
        _("approval date"), max_length=60, blank=True, help_text=_("As precise as the source is.")
    )
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("region group")
        verbose_name_plural = _("region groups")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A government department, enterprise, university, institute, 双创示范基地 or evaluator."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government department")
        ENTERPRISE = "enterprise", _("enterprise")
        UNIVERSITY = "university", _("university")
        INSTITUTE = "institute", _("research institute")
        INNOVATION_BASE = (
            "innovation_base",
            _("mass entrepreneurship and innovation demonstration base"),
        )
        EVALUATOR = "evaluator", _("third-party evaluator")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="organisations"
    )

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["name", "division"], name="organisation_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    """A park (园区) — 高新区, 经开区, 自贸区片区 or 自创区分园 — placed in the division it lies in.

    Promotion reaches parks as well as divisions (source 001: 高新区 and 自创区 take up the
    promoted measures). The statistical division codes give the parks they list (data/parks.csv);
    the others are added by hand and have no code.
    """

    class Kind(models.TextChoices):
        HIGH_TECH = "high_tech", _("high-tech zone")
        ECONOMIC = "economic", _("economic and technological development zone")
        FREE_TRADE = "free_trade", _("free trade zone area")
        ZONE_BRANCH = "zone_branch", _("demonstration zone sub-park")
        OTHER = "other", _("other park")

    code = models.CharField(_("statistical code"), max_length=12, blank=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="parks"
    )
    province = models.ForeignKey(
        Division, verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        constraints = [
            models.UniqueConstraint(fields=["name", "division"], name="park_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
