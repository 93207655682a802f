"""The close-out of a task (验收): the implementer's summary report (总结报告), confirmed by the
locality and accepted by the national level, after which the task is closed and can be
evaluated.

Sources: 发改高技〔2021〕484号 §三(四) ("在揭榜改革任务完成后，国家发展改革委、科技部及时委托
第三方机构评估"): the evaluation starts from a finished task, so finishing is recorded. The
steps (implementer files, locality confirms and sends up, national level accepts or returns)
follow the platform's plan and report flow; they are the platform's, not 484号's.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tasks.models import Milestone, Status, Target, Task, ToleranceFiling


class CloseOut(models.Model):
    """A task's close-out report (总结报告) and where it stands."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("awaiting the locality's confirmation")
        CONFIRMED = "confirmed", _("sent up, awaiting acceptance")
        RETURNED = "returned", _("returned")
        ACCEPTED = "accepted", pgettext_lazy("close-out", "accepted")

    class Result(models.TextChoices):
        COMPLETED = "completed", _("completed")
        NOT_COMPLETED = "not_completed", _("not completed")

    class ReturnedBy(models.TextChoices):
        LOCALITY = "locality", _("the locality")
        NATIONAL = "national", _("the national level")

    task = models.OneToOneField(Task, on_delete=models.PROTECT, related_name="close_out")
    result = models.CharField(
        _("result"), max_length=16, choices=Result.choices, default=Result.COMPLETED
    )
    summary = models.TextField(_("summary of the work done"))
    cases = models.TextField(_("typical cases"), blank=True)
    proposed_outcomes = models.TextField(_("proposed replicable outcomes"), blank=True)
    not_completed_reason = models.TextField(_("why it was not completed"), blank=True)
    # A task closed as not completed may rest on an accepted fault-tolerance filing (容错).
    tolerance_filing = models.ForeignKey(
        ToleranceFiling,
        verbose_name=_("fault-tolerance filing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    returned_by = models.CharField(
        _("returned by"), max_length=16, choices=ReturnedBy.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("close-out report")
        verbose_name_plural = _("close-out reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(result="completed") | ~Q(not_completed_reason=""),
                name="closeout_not_completed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | (~Q(return_reason="") & ~Q(returned_by="")),
                name="closeout_returned_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(decided_at__isnull=False),
                name="closeout_accepted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.task)


class CloseOutTarget(models.Model):
    """A quantified target of the plan: planned against achieved."""

    close_out = models.ForeignKey(CloseOut, on_delete=models.CASCADE, related_name="targets")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="+")
    planned = models.DecimalField(_("target value"), max_digits=16, decimal_places=2)
    achieved = models.DecimalField(
        _("achieved"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["close_out_id", "target__position"]
        constraints = [
            models.UniqueConstraint(fields=["close_out", "target"], name="closeout_target_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.achieved}"


class CloseOutMilestone(models.Model):
    """A milestone of the plan and whether it was done."""

    close_out = models.ForeignKey(CloseOut, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["close_out_id", "milestone__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["close_out", "milestone"], name="closeout_milestone_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} · {self.status}"


def document_path(instance: "InstitutionalDocument", filename: str) -> str:
    return f"closeouts/{instance.close_out_id}/{filename}"


class InstitutionalDocument(models.Model):
    """An institutional document the task issued (制度文件): the reform's lasting trace."""

    close_out = models.ForeignKey(CloseOut, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    issuer = models.CharField(_("issued by"), max_length=200)
    number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("date of issue"))
    file = models.FileField(upload_to=document_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["close_out_id", "issued_on", "id"]
        verbose_name = _("institutional document")
        verbose_name_plural = _("institutional documents")

    def __str__(self) -> str:
        return self.title
