import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regions.models import Division, Organisation


def default_deadline(year: int) -> datetime.date:
    """Localities submit by 30 April of the cycle's year."""
    return datetime.date(year, 4, 30)


# 发改高技〔2021〕484号, the 主送 line: the call is addressed to the 发展改革委、科技厅（委、局）of
# 北京、天津、河北、辽宁、上海、江苏、浙江、安徽、湖北、广东、重庆、四川、陕西. Their GB/T 2260
# codes, in the notice's order. A cycle's participants start as these (editable per cycle).
CALL_484_ADDRESSEES = (
    "110000",  # 北京市
    "120000",  # 天津市
    "130000",  # 河北省
    "210000",  # 辽宁省
    "310000",  # 上海市
    "320000",  # 江苏省
    "330000",  # 浙江省
    "340000",  # 安徽省
    "420000",  # 湖北省
    "440000",  # 广东省
    "500000",  # 重庆市
    "510000",  # 四川省
    "610000",  # 陕西省
)


class Cycle(models.Model):
    """An annual call for proposals (年度征集), opened by the national coordinator.

    `participants` are the province-level localities the call is addressed to. A new cycle
    starts with the 13 addressees of 发改高技〔2021〕484号 (its 主送 line, `CALL_484_ADDRESSEES`),
    however it is created; the national coordinator may edit the list.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    deadline = models.DateField(_("submission deadline"))
    min_per_locality = models.PositiveSmallIntegerField(
        _("minimum proposals per locality"), default=3
    )
    max_per_locality = models.PositiveSmallIntegerField(
        _("maximum proposals per locality"), default=5
    )
    is_open = models.BooleanField(_("open"), default=True)
    # The two ministries that call for the proposals and receive them (484号 落款; §四: 向国家
    # 发展改革委创新和高技术发展司、科技部成果转化与区域创新司报送).
    issuing_authorities = models.CharField(
        _("issuing authorities"),
        max_length=200,
        default="国家发展改革委、科技部",
        help_text=_("The ministries that call for and receive the proposals, jointly."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    participants = models.ManyToManyField(
        Division,
        verbose_name=_("participants"),
        related_name="+",
        blank=True,
        limit_choices_to={"level": Division.Level.PROVINCE},
        help_text=_("The province-level localities this year's call is addressed to."),
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    min_per_locality__gte=1, max_per_locality__gte=models.F("min_per_locality")
                ),
                name="cycle_range_is_sane",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            self.participants.set(default_participants())


def default_participants() -> models.QuerySet[Division]:
    """The addressees of 发改高技〔2021〕484号 (主送): a new cycle's participants."""
    return Division.objects.filter(code__in=CALL_484_ADDRESSEES, level=Division.Level.PROVINCE)


class CurrentFieldManager(models.Manager["ReformField"]):
    def get_queryset(self) -> models.QuerySet["ReformField"]:
        return super().get_queryset().filter(retired=False)


class ReformField(models.Model):
    """A field a reform measure is filed under (改革领域).

    发改高技〔2021〕484号 §二: the four key tasks (重点任务), each described by what it "主要包括",
    and 其他（个性化改革举措） for the measures a locality plans for its own needs (§二's closing
    paragraph). Seeded by `proposals.reference` and migration 0004; the list stays data the
    national coordinator maintains.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("What the field covers, shown where it is chosen."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    source = models.TextField(_("source"), blank=True)
    retired = models.BooleanField(
        _("retired"),
        default=False,
        help_text=_("Named by a published list only; no longer offered."),
    )

    # What forms offer; a published list still reaches a retired field through its items.
    objects = CurrentFieldManager()
    all_fields = models.Manager()  # noqa: DJ012 (ruff takes a second manager for a field)

    class Meta:
        ordering = ["order", "id"]
        base_manager_name = "all_fields"
        verbose_name = _("reform field")
        verbose_name_plural = _("reform fields")

    def __str__(self) -> str:
        return self.name


class DeadlineExtension(models.Model):
    """Permission for one locality to submit after the cycle's deadline (延期)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="extensions")
    locality = models.ForeignKey(
        Division, verbose_name=_("locality"), on_delete=models.PROTECT, related_name="+"
    )
    until = models.DateField(_("extended until"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "locality"], name="one_extension_per_locality")
        ]

    def __str__(self) -> str:
        return f"{self.locality} → {self.until}"


class Suggestion(models.Model):
    """A reform suggestion (改革建议) an innovation body sends to its locality."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("received")
        ADOPTED = "adopted", _("adopted into a proposal")
        DECLINED = "declined", _("declined")

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="suggestions"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    locality = models.ForeignKey(
        Division, verbose_name=_("locality"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""),
                name="declined_suggestion_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Topic(models.Model):
    """A topic of a cycle that localities answer with proposals (出题).

    Source 000 (lines 15–22): a reform that needs national coordination is set by the centre
    (中央"出题", `CENTRAL`) and the localities answer it (地方"破题"); a reform a locality has a
    strong need for is proposed by that locality (地方"出题", `LOCAL`) and authorised by the
    national level (中央部门"充分授权"), then answered jointly. A central topic is open when
    set; a local one is proposed, then open (authorised) or declined.
    """

    class Kind(models.TextChoices):
        CENTRAL = "central", _("topic set by the centre")
        LOCAL = "local", _("topic proposed by a locality")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("awaiting authorisation")
        OPEN = "open", pgettext_lazy("topic", "open")
        DECLINED = "declined", pgettext_lazy("topic", "declined")

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="topics"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    field = models.ForeignKey(
        ReformField,
        verbose_name=_("reform field"),
        on_delete=models.PROTECT,
        related_name="topics",
        null=True,
        blank=True,
    )
    deadline = models.DateField(_("answer by"), null=True, blank=True)
    # A local topic: the province that proposed it, and why it needs the reform.
    locality = models.ForeignKey(
        Division,
        verbose_name=_("proposed by locality"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    need = models.TextField(_("why the locality needs it"), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            # A local topic names its locality and need; a central one names neither and
            # is never awaiting authorisation.
            models.CheckConstraint(
                condition=Q(kind="local", locality__isnull=False)
                | Q(kind="central", locality__isnull=True, need=""),
                name="topic_locality_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="local") | Q(state="open"),
                name="central_topic_is_open",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""),
                name="declined_topic_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Proposal(models.Model):
    """A reform-measure proposal (全面创新改革举措建议书) a locality submits for a cycle.

    The fields follow the outline the issue gives; the official 484号 outline was not found,
    so this is the project's own schema.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned for revision")
        MERGED = "merged", _("merged into a candidate measure")

    # What a locality writes, in the order of the 建议书 outline.
    CONTENT_FIELDS = [
        "title",
        "field",
        "problem",
        "content",
        "needs_national_authority",
        "ministries",
        "implementing_bodies",
        "expected_results",
        "targets",
        "timetable",
        "risks",
        "contact_name",
        "contact_phone",
    ]
    # Platform rule (not 484号's): a draft may be saved with its title only, e.g. when drafted
    # from a suggestion (改革建议); these must be filled in before it is submitted
    # (`proposals_submit`, `missing_to_submit`).
    REQUIRED_TO_SUBMIT = [
        "title",
        "field",
        "problem",
        "content",
        "implementing_bodies",
        "expected_results",
        "targets",
        "timetable",
        "contact_name",
        "contact_phone",
    ]

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="proposals"
    )
    locality = models.ForeignKey(
        Division, verbose_name=_("locality"), on_delete=models.PROTECT, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=200)
    field = models.ForeignKey(
        ReformField,
        verbose_name=_("reform field"),
        on_delete=models.PROTECT,
        related_name="proposals",
        # A draft may be saved incomplete (platform rule); a submitted one has a field
        # (`submitted_proposal_has_field`) and every field of `REQUIRED_TO_SUBMIT`.
        null=True,
        blank=True,
    )
    problem = models.TextField(_("problem and pain point"), blank=True)
    content = models.TextField(_("reform content"))
    needs_national_authority = models.BooleanField(_("needs national authority"), default=False)
    ministries = models.CharField(_("ministries concerned"), max_length=300, blank=True)
    implementing_bodies = models.TextField(_("implementing bodies"), blank=True)
    expected_results = models.TextField(_("expected results"), blank=True)
    targets = models.TextField(_("quantifiable targets"), blank=True)
    timetable = models.TextField(_("timetable"), blank=True)
    risks = models.TextField(_("risks and fault-tolerance needs"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    sources = models.ManyToManyField(
        Suggestion, verbose_name=_("source suggestions"), blank=True, related_name="proposals"
    )
    # The topic the proposal answers (破题), if any: only an open one is chosen.
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answers",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    merged_into = models.ForeignKey(
        "merging.CandidateMeasure",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sources",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Space-separated segmented terms, padded with spaces, so a term matches as a whole word.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["cycle", "locality", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(needs_national_authority=True) | ~Q(ministries=""),
                name="national_authority_names_ministries",
            ),
            # A merged proposal always says what it became, and only a merged one does.
            models.CheckConstraint(
                condition=Q(state="merged", merged_into__isnull=False)
                | (~Q(state="merged") & Q(merged_into__isnull=True)),
                name="merged_proposal_points_at_candidate",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""),
                name="returned_proposal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(submitted_at__isnull=False),
                name="submitted_proposal_has_date",
            ),
            # Only a draft may lack its reform field (a draft may be incomplete).
            models.CheckConstraint(
                condition=Q(state="draft") | Q(field__isnull=False),
                name="submitted_proposal_has_field",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def missing_to_submit(self) -> list[str]:
        """The verbose names of the fields still to fill in before submission (empty when
        complete). Platform rule: drafts may be incomplete; submission needs them all."""
        missing = []
        for name in self.REQUIRED_TO_SUBMIT:
            if name == "field":
                empty = self.field_id is None
            else:
                empty = not str(getattr(self, name) or "").strip()
            if empty:
                field = self._meta.get_field(name)
                assert isinstance(field, models.Field)
                missing.append(str(field.verbose_name))
        return missing


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"proposals/{instance.proposal_id}/{filename}"


class Attachment(models.Model):
    """A supporting file attached to a proposal (附件)."""

    # The longest name kept: a longer one is refused before its file is written.
    NAME_MAX = 200

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(_("file name"), max_length=NAME_MAX)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
