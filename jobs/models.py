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
    # A token of the run that claimed it (jobs.services.job_run): a worker whose job was
    # taken from it (its heartbeat went stale) can no longer write to it.
    claimed_by = models.CharField(max_length=32, blank=True)
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


class JobHeartbeat(models.Model):
    """The sign of life of a running job's worker, in a row of its own: a job's own
    transaction (an import writes every row in one) holds its Job row locked, while this row
    is written by the worker's heartbeat thread alone, so the beat is seen while the job's
    transaction is still open (jobs.services.jobs_requeue_abandoned)."""

    job = models.OneToOneField(Job, primary_key=True, on_delete=models.CASCADE)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.job_id} {self.beat_at}"


class PeriodicSchedule(models.Model):
    """The next run of a periodic kind (or of the engine's own sweep) and the engine's task
    that will make it (jobs.periodic). One row per name, locked while it is rescheduled, so
    that however many workers run, each run is scheduled once."""

    name = models.CharField(max_length=64, unique=True)
    next_at = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.next_at}"
