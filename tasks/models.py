"""Implementation of claimed measures (实施): one task per claim, its implementers, plan,
milestones and targets, progress reports, help requests, supervision and fault tolerance.

Figures are entered once: a report's milestone statuses and target actuals are written back
to the milestones and targets, and a task's `progress` is recomputed from them by
`tasks.progress` on every such write, so every page and export reads the same number.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from claims.models import Claim, Claimant, Programme
from regions.models import Organisation


class Closure(models.TextChoices):
    OPEN = "open", _("being implemented")
    COMPLETED = "completed", _("closed as completed")
    NOT_COMPLETED = "not_completed", _("closed as not completed")


class Task(models.Model):
    """A claimed measure being implemented (揭榜任务)."""

    class PlanState(models.TextChoices):
        # States, not the actions that lead to them (“plan submitted” is also the action's
        # label, 提交实施方案): the context keeps the two apart in the catalog.
        DRAFT = "draft", pgettext_lazy("plan state", "plan in preparation")
        SUBMITTED = "submitted", pgettext_lazy("plan state", "plan submitted")
        RETURNED = "returned", pgettext_lazy("plan state", "plan returned")
        APPROVED = "approved", pgettext_lazy("plan state", "plan approved")

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="task")
    # Denormalised from the claim so lists filter and roll up without joins through claims.
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="tasks")
    claimant = models.ForeignKey(Claimant, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    responsible_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    responsible_post = models.CharField(
        _("post of the responsible person"), max_length=100, blank=True
    )
    responsible_phone = models.CharField(_("telephone"), max_length=40, blank=True)
    landmark = models.BooleanField(_("landmark reform item (标志性改革事项)"), default=False)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    timetable = models.TextField(_("timetable"), blank=True)
    roadmap = models.TextField(_("roadmap"), blank=True)
    plan_state = models.CharField(
        _("plan"), max_length=16, choices=PlanState.choices, default=PlanState.DRAFT
    )
    plan_return_reason = models.TextField(_("reason for returning the plan"), blank=True)
    plan_submitted_at = models.DateTimeField(null=True, blank=True)
    plan_approved_at = models.DateTimeField(null=True, blank=True)
    # 0–100, recomputed from the milestones and targets by tasks.progress.
    progress = models.DecimalField(_("progress (%)"), max_digits=5, decimal_places=1, default=0)
    # Set only when the national level accepts the task's close-out (验收, the evaluation
    # app): implementation is over, no report is due and the task can be evaluated.
    closure = models.CharField(
        _("close-out"), max_length=16, choices=Closure.choices, default=Closure.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "claimant", "claim__item__position"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="task_weight_positive"),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="task_progress_range"
            ),
            models.CheckConstraint(
                condition=~Q(plan_state="returned") | ~Q(plan_return_reason=""),
                name="task_returned_plan_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(closure="open", closed_on__isnull=True)
                | (~Q(closure="open") & Q(closed_on__isnull=False)),
                name="task_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claimant} · {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.closure != Closure.OPEN

    @property
    def expected_end(self) -> datetime.date | None:
        """The date of the claimant's task notice plus the programme's implementation period
        (`Programme.implementation_months`); None while there is no notice."""
        notice = getattr(self.claimant, "notice", None)
        if notice is None:
            return None
        return self.programme.implementation_end(notice.issued_on)


class Implementer(models.Model):
    """An implementing body (实施主体) and what it answers for (the responsibility list)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="implementers")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    lead = models.BooleanField(_("lead implementer"), default=False)
    responsibility = models.TextField(_("responsibility"), blank=True)

    class Meta:
        ordering = ["task_id", "-lead", "organisation__name"]
        verbose_name = _("implementer")
        verbose_name_plural = _("implementers")
        constraints = [
            models.UniqueConstraint(fields=["task", "organisation"], name="implementer_once"),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("not started")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")


class Milestone(models.Model):
    """A node task (节点任务) of the plan."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due date"))
    deliverable = models.CharField(_("deliverable"), max_length=200, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        # By the column, not by "task": ordering by a relation follows Task's own ordering,
        # which joined seven tables into every query for one task's rows (and the same for
        # the other children of a task, a close-out, a commission, a list version, a measure
        # and a tracking round). Rows across several parents sort by their ids.
        ordering = ["task_id", "position"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="milestone_position_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="milestone_weight_positive"),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False)
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="milestone_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    """A quantifiable, assessable target (可量化可考核目标)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField(_("number"))
    indicator = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    baseline = models.DecimalField(_("baseline"), max_digits=16, decimal_places=2)
    target_value = models.DecimalField(_("target value"), max_digits=16, decimal_places=2)
    due_on = models.DateField(_("due date"))
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    actual = models.DecimalField(
        _("actual value"), max_digits=16, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["task_id", "position"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["task", "position"], name="target_position_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="target_weight_positive"),
            # A target equal to its baseline has no distance to cover and no progress measure.
            models.CheckConstraint(
                condition=~Q(target_value=F("baseline")), name="target_differs_from_baseline"
            ),
        ]

    def __str__(self) -> str:
        return self.indicator


class ProgressReport(models.Model):
    """A periodic progress report (进展报告) for one period of one task."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"))
    # The period's number in its year: quarter 1–4 with the default quarterly schedule.
    period = models.PositiveSmallIntegerField(_("period"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    done = models.TextField(_("what was done"), blank=True)
    problems = models.TextField(_("problems met"), blank=True)
    help_needed = models.TextField(_("help needed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Filed in one action as "no change this period" (本期无变化): figures carried forward.
    unchanged = models.BooleanField(_("filed unchanged"), default=False)
    # Read (已阅) by a coordinator overseeing the task, with an optional note.
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("reviewed by"),
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["task_id", "-year", "-period"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(fields=["task", "year", "period"], name="report_once"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(submitted_at__isnull=False),
                name="report_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} · {self.year}/{self.period}"


class MilestoneUpdate(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "milestone"], name="milestone_update_once"),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} · {self.status}"


class TargetUpdate(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="targets")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="updates")
    actual = models.DecimalField(
        _("actual value"), max_digits=16, decimal_places=2, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="target_update_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.actual}"


class HelpRequest(models.Model):
    """A request for coordination (协调事项), addressed to the level that can act on it and
    tracked until answered."""

    class Level(models.TextChoices):
        LOCALITY = "locality", _("locality coordinator")
        NATIONAL = "national", _("national coordinator")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("help request", "open")
        ANSWERED = "answered", _("answered")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="help_requests")
    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.CharField(_("addressed to"), max_length=16, choices=Level.choices)
    text = models.TextField(_("help needed"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open", answered_at__isnull=True)
                | (Q(state="answered", answered_at__isnull=False) & ~Q(answer="")),
                name="help_answered_has_answer",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Inspection(models.Model):
    """A supervision record (督查): a visit or a review of reports, its findings and the
    rectification it requires, followed up until closed."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("site visit")
        REPORT_REVIEW = "report_review", _("report review")

    class State(models.TextChoices):
        OPEN = "open", _("rectification open")
        CLOSED = "closed", pgettext_lazy("inspection", "closed")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="inspections")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    inspected_on = models.DateField(_("date"))
    findings = models.TextField(_("findings"))
    rectification = models.TextField(_("rectification required"), blank=True)
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            # Nothing to rectify: closed at once.
            models.CheckConstraint(
                condition=~Q(rectification="") | Q(state="closed"),
                name="inspection_without_rectification_closed",
            ),
            models.CheckConstraint(
                condition=Q(state="open", closed_at__isnull=True)
                | Q(state="closed", closed_at__isnull=False),
                name="inspection_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.inspected_on}"


class FollowUp(models.Model):
    """A step in following up a rectification: the implementer's account of what was
    rectified, or the inspector's check; the closing one ends the inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="follow_ups")
    note = models.TextField(_("note"))
    closes = models.BooleanField(_("closes the rectification"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inspection", "at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return self.note[:60]


class ToleranceFiling(models.Model):
    """A fault-tolerance filing (容错纠错): what went wrong and why it was a good-faith
    exploration; the locality decides with a reason, naming the body deciding and citing the
    implementing measures (实施办法) its decision applies.

    484号 §四 asks the localities to draw up and apply a fault-tolerance mechanism
    ("研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索"), and the evaluation articles
    (source 000) to issue implementing measures for it (研究出台……容错纠错机制的实施办法) in
    step with discipline inspection and audit (纪检审计): a decision is taken under such
    measures, not at will, and is not the last word. The body and the measures are required
    by the service for every decision; the database does not insist on them, since decisions
    recorded before they were asked for have none.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting decision")
        ACCEPTED = "accepted", _("tolerated")
        REJECTED = "rejected", _("not tolerated")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="tolerance_filings")
    what_went_wrong = models.TextField(_("what went wrong"))
    good_faith = models.TextField(_("why it was a good-faith exploration"))
    state = models.CharField(
        _("decision"), max_length=16, choices=State.choices, default=State.PENDING
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    deciding_body = models.CharField(_("deciding body"), max_length=200, blank=True)
    measures_title = models.CharField(
        _("implementing measures applied"), max_length=200, blank=True
    )
    measures_number = models.CharField(
        _("document number of the measures"), max_length=100, blank=True
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("fault-tolerance filing")
        verbose_name_plural = _("fault-tolerance filings")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="pending", decided_at__isnull=True)
                | (
                    Q(state__in=["accepted", "rejected"], decided_at__isnull=False)
                    & ~Q(decision_reason="")
                ),
                name="tolerance_decision_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.what_went_wrong[:60]

    @property
    def measures(self) -> str:
        """The measures cited, as title and document number ("" when none was recorded)."""
        if not self.measures_title:
            return ""
        if not self.measures_number:
            return self.measures_title
        return gettext("%(title)s (document %(number)s)") % {
            "title": self.measures_title,
            "number": self.measures_number,
        }


class Reminder(models.Model):
    """A reminder already sent, so that a restarted runner never sends one twice. `key`
    names what it is about: `report-due:<year>:<period>`, `report-overdue:…`,
    `milestone-due:<id>` or `milestone-overdue:<id>`."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    key = models.CharField(max_length=60)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "key"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.key}"
