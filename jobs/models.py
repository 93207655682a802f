from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """Long work (imports, large exports, reminders) done outside the request, with visible
    progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=64)
    params = models.JSONField(default=dict)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # Row-numbered problems for imports: [{"row": 3, "message": "..."}]
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    input_file = models.FileField(upload_to="jobs/in/", blank=True)
    result_file = models.FileField(upload_to="jobs/out/", blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    # Empty for the system's own periodic jobs (reminders), which nobody started.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class WorkerLease(models.Model):
    """The one worker allowed to run jobs against this database (a single row, LEASE_ID).

    A worker takes it on start and refreshes `heartbeat_at` as it goes; a second worker
    refuses to start while the heartbeat is fresh and takes over one that has gone silent
    (jobs.services.worker_lease_acquire). Only then may it treat the jobs left running as
    abandoned: while the lease is fresh they are somebody's live work.
    """

    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("worker lease")
        verbose_name_plural = _("worker leases")

    def __str__(self) -> str:
        return self.worker or "-"
