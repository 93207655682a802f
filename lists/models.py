from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from merging.models import CandidateMeasure
from proposals.models import Cycle, ReformField


class AnnualList(models.Model):
    """The annual list of reform measures (年度全面改革创新举措清单) of one cycle."""

    cycle = models.OneToOneField(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="annual_list"
    )
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-cycle__year"]
        verbose_name = _("annual list")
        verbose_name_plural = _("annual lists")

    def __str__(self) -> str:
        return self.title


class ListVersion(models.Model):
    """One version of a list. A published version never changes; a revision is a new version."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        CONSULTING = "consulting", _("out for opinions")
        PUBLISHED = "published", _("published")

    annual_list = models.ForeignKey(AnnualList, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    issuing_authority = models.CharField(
        _("issuing authority (发文机关)"), max_length=100, blank=True
    )
    doc_number = models.CharField(_("document number (发文字号)"), max_length=60, blank=True)
    preamble = models.TextField(_("preamble"), blank=True)
    issued_on = models.DateField(_("date of issue (成文日期)"), null=True, blank=True)
    change_note = models.TextField(_("what changed"), blank=True)
    # 发改高技〔2021〕484号 §三（二）: the list is completed after "征求有关部门意见并修改完善".
    # A version is published after at least one consultation, or with the reason it was not.
    no_consultation_reason = models.TextField(
        _("reason for publishing without consulting the departments concerned"), blank=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annual_list", "number"]
        verbose_name = _("list version")
        verbose_name_plural = _("list versions")
        constraints = [
            models.UniqueConstraint(
                fields=["annual_list", "number"], name="one_number_per_version"
            ),
            models.CheckConstraint(
                condition=~Q(state="published")
                | Q(published_at__isnull=False, issued_on__isnull=False) & ~Q(doc_number=""),
                name="published_version_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.annual_list} v{self.number}"


class ListItem(models.Model):
    """A measure on a version of the list, copied so the published text never moves."""

    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("number"))
    candidate = models.ForeignKey(
        CandidateMeasure, on_delete=models.PROTECT, related_name="list_items"
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("reform content"))
    field = models.ForeignKey(
        ReformField, verbose_name=_("reform field"), on_delete=models.PROTECT, related_name="+"
    )
    ministries = models.CharField(_("ministries concerned"), max_length=300, blank=True)

    class Meta:
        ordering = ["version_id", "position"]
        verbose_name = _("list item")
        verbose_name_plural = _("list items")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "candidate"], name="candidate_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    """Asking one of the departments concerned (有关部门) for its opinion on a version
    (发改高技〔2021〕484号 §三（二）: "征求有关部门意见并修改完善"). Any department may be asked,
    not only a ministry (部委), except the issuing authorities of the list themselves
    (`lists.authorities`). The column keeps its first name, `ministry`."""

    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="consultations")
    ministry = models.CharField(_("department concerned (有关部门)"), max_length=100)
    asked_at = models.DateField(_("asked on"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateField(_("answered on"), null=True, blank=True)
    change_made = models.TextField(_("what was changed"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["version_id", "asked_at", "id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return self.ministry


class DocumentNumber(models.Model):
    """A document number (发文字号) taken, by a published version of a list or by a task notice
    (claims, above this app, registers its notices here). One issuing agency code (发文机关代字)
    numbers its documents of a year once: 发改高技〔2027〕12号 is one document, never both a
    list and a notice, and the database refuses a second row for it whichever stage writes it.
    The platform's rule, after GB/T 9704-2012 7.2.4 (发文字号由发文机关代字、年份、发文顺序号组成).
    """

    class Use(models.TextChoices):
        LIST = "list", _("the published list")
        NOTICE = "notice", _("the task notice")

    code = models.CharField(_("issuing agency code (发文机关代字)"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial number (发文顺序号)"))
    text = models.CharField(_("document number (发文字号)"), max_length=60)
    use = models.CharField(_("used by"), max_length=16, choices=Use.choices)
    # The list version or task notice that holds the number, and what it is called, for the
    # message that says who has it (a notice is a row of claims, which this app cannot name).
    object_id = models.PositiveIntegerField()
    holder = models.CharField(max_length=300)
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "year", "serial"]
        verbose_name = _("document number")
        verbose_name_plural = _("document numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "year", "serial"], name="document_number_taken_once"
            ),
            models.UniqueConstraint(fields=["use", "object_id"], name="document_number_per_holder"),
        ]

    def __str__(self) -> str:
        return self.text
