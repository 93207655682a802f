"""Programmes of claiming (悬榜揭榜): the annual list of 发改高技〔2021〕484号 and the policy
pilots of the demonstration zones (国家自创区政策试点"揭榜挂帅") are one concept: items,
eligible claimants, a claim window and rules."""

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lists.authorities import ANNUAL_LIST_ISSUERS
from lists.models import ListItem, ListVersion
from proposals.models import CALL_484_ADDRESSEES
from regions.models import Division, RegionGroup

# The 2024 policy pilots of the demonstration zones are run by two other ministries (source
# 003: "2024年12月26日,工业和信息化部、科学技术部公布国家自主创新示范区……政策试点'揭榜挂帅'").
ZONE_PILOT_ISSUERS = "工业和信息化部、科学技术部"

# The claimants an annual list starts with: the provinces 发改高技〔2021〕484号 is addressed to
# (主送), defined once with the call for proposals. Experiment regions claim only when the
# coordinator adds them.
ANNUAL_LIST_PROVINCES = CALL_484_ADDRESSEES

# The platform's default implementation period, in months, editable per programme. Source 003
# reports 苏南 implementing its pilot items "以两年为实施周期"; no source sets a period for all.
DEFAULT_IMPLEMENTATION_MONTHS = 24
MAX_IMPLEMENTATION_MONTHS = 120


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved `months` calendar months on; the 31st becomes the last day of a shorter
    month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


class Programme(models.Model):
    class Kind(models.TextChoices):
        ANNUAL_LIST = "annual_list", _("annual reform list")
        ZONE_PILOT = "zone_pilot", _("demonstration zone policy pilot")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open for claims")
        CLOSED = "closed", _("closed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    # Who issues the programme's notices, several separated by "、", the host first (see
    # `lists.authorities`); empty when created means the default of its kind.
    issuing_authority = models.CharField(
        _("issuing authorities (发文机关)"), max_length=100, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    list_version = models.ForeignKey(
        ListVersion,
        verbose_name=_("published list version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    min_claims = models.PositiveSmallIntegerField(
        _("minimum claims per claimant"), default=3, help_text=_("0: no minimum.")
    )
    max_claimants = models.PositiveSmallIntegerField(
        _("maximum claimants per item"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    opens_at = models.DateField(_("claims open on"), null=True, blank=True)
    closes_at = models.DateField(_("claims close on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    close_note = models.TextField(_("reason for closing below the minimum"), blank=True)
    # Progress reports of the claimed tasks: one per period, due some days after it ends.
    report_every_months = models.PositiveSmallIntegerField(
        _("report every"),
        choices=[(1, _("month")), (3, _("quarter")), (6, _("half year")), (12, _("year"))],
        default=3,
    )
    report_due_days = models.PositiveSmallIntegerField(
        _("reports due (days after the period ends)"), default=10
    )
    # Every task of the programme is expected to end this long after its notice's date.
    implementation_months = models.PositiveSmallIntegerField(
        _("implementation period (months)"),
        default=DEFAULT_IMPLEMENTATION_MONTHS,
        help_text=_(
            "From the date of the task notice to the expected end of each task. The platform's "
            "default is 24 months (two years)."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_claimants__isnull=True) | Q(max_claimants__gte=1),
                name="programme_max_claimants_positive",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gte=models.F("opens_at")),
                name="programme_window_in_order",
            ),
            models.CheckConstraint(
                condition=Q(implementation_months__gte=1),
                name="programme_implementation_months_positive",
            ),
            # An open programme has its window.
            models.CheckConstraint(
                condition=~Q(state="open") | Q(opens_at__isnull=False, closes_at__isnull=False),
                name="programme_open_has_window",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def default_issuers(kind: str) -> str:
        """The national level is two ministries acting jointly, depending on the programme:
        an annual list is 国家发展改革委、科技部's (发改高技〔2021〕484号 §三（二）（三）), the
        2024 zone pilot 工业和信息化部、科学技术部's (source 003)."""
        if kind == Programme.Kind.ZONE_PILOT:
            return ZONE_PILOT_ISSUERS
        return ANNUAL_LIST_ISSUERS

    @property
    def is_pilot(self) -> bool:
        """A zone pilot: claims are applications (申报), shortlisted (入围) by the national
        level after the window closes."""
        return self.kind == Programme.Kind.ZONE_PILOT

    def implementation_end(self, start: datetime.date) -> datetime.date:
        """The expected end of a task whose notice is dated `start`."""
        return add_months(start, self.implementation_months)


class ProgrammeItem(models.Model):
    """A measure or pilot item that can be claimed, grouped under a category."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("number"))
    category = models.CharField(_("category"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    claim_count: int  # annotated by the selectors
    list_item = models.ForeignKey(
        ListItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["programme", "position"]
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        constraints = [
            models.UniqueConstraint(fields=["programme", "position"], name="item_position_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class Claimant(models.Model):
    """A party eligible to claim: a province-level division, or a region group (experiment
    region or demonstration zone) — exactly one of the two."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="claimants")
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claim_count: int  # annotated by the selectors
    region_group = models.ForeignKey(
        RegionGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["programme", "region_group_id", "division__code"]
        verbose_name = _("claimant")
        verbose_name_plural = _("claimants")
        constraints = [
            models.CheckConstraint(
                condition=Q(division__isnull=False, region_group__isnull=True)
                | Q(division__isnull=True, region_group__isnull=False),
                name="claimant_is_division_or_group",
            ),
            models.UniqueConstraint(
                fields=["programme", "division"],
                condition=Q(division__isnull=False),
                name="claimant_division_once",
            ),
            models.UniqueConstraint(
                fields=["programme", "region_group"],
                condition=Q(region_group__isnull=False),
                name="claimant_group_once",
            ),
        ]

    def __str__(self) -> str:
        party = self.division or self.region_group
        return str(party) if party else ""

    @property
    def short_name(self) -> str:
        if self.region_group is not None:
            return self.region_group.short_name
        return str(self.division)


class Claim(models.Model):
    """A claimant has taken an item (揭榜). Withdrawing deletes it; the trail keeps both.

    In a zone pilot a claim made in the window is an application (申报): after the window
    closes 工业和信息化部、科学技术部 decide, per application and on a date, whether it is
    shortlisted (入围, source 003: "公布……政策试点'揭榜挂帅'入围单位名单"); only a shortlisted
    one becomes a task. A claim of an annual list, or a pilot result entered as it was
    announced, has no shortlisting (blank) and stands as claimed."""

    class Shortlisting(models.TextChoices):
        NONE = "", _("no shortlisting")
        APPLIED = "applied", _("applied, awaiting shortlisting")
        SHORTLISTED = "shortlisted", _("shortlisted")
        NOT_SHORTLISTED = "not_shortlisted", _("not shortlisted")

    item = models.ForeignKey(ProgrammeItem, on_delete=models.CASCADE, related_name="claims")
    claimant = models.ForeignKey(Claimant, on_delete=models.CASCADE, related_name="claims")
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(auto_now_add=True)
    shortlisting = models.CharField(
        _("shortlisting"),
        max_length=16,
        choices=Shortlisting.choices,
        blank=True,
        default=Shortlisting.NONE,
    )
    decided_on = models.DateField(_("shortlisting decided on"), null=True, blank=True)

    class Meta:
        ordering = ["item__position", "claimant_id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(fields=["item", "claimant"], name="claim_once"),
            # A decision has its date; an application awaiting one, or no shortlisting, none.
            models.CheckConstraint(
                condition=Q(
                    shortlisting__in=["shortlisted", "not_shortlisted"], decided_on__isnull=False
                )
                | Q(shortlisting__in=["", "applied"], decided_on__isnull=True),
                name="claim_decision_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claimant} · {self.item}"


class TaskNotice(models.Model):
    """揭榜任务通知书: one per claimant with claims, numbered in its programme, handed down
    (下达) by the programme's issuing authorities (发改高技〔2021〕484号 §三（三）:
    "国家发展改革委、科技部汇总揭榜结果，并采取适当形式下达揭榜任务通知书"). Its document number
    is also taken in `lists.DocumentNumber`, so no list or other notice has it."""

    claimant = models.OneToOneField(Claimant, on_delete=models.PROTECT, related_name="notice")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="notices")
    number = models.PositiveSmallIntegerField(_("number"))
    doc_number = models.CharField(_("document number (发文字号)"), max_length=60)
    issuing_authority = models.CharField(_("issuing authority (发文机关)"), max_length=100)
    issued_on = models.DateField(_("date of issue (成文日期)"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("task notice")
        verbose_name_plural = _("task notices")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="notice_number_unique"),
            models.UniqueConstraint(
                fields=["programme", "doc_number"], name="notice_doc_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.doc_number
