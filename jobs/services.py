"""Queueing and running background jobs.

Jobs are queued on commit and carry IDs, never model objects. A worker
(`manage.py run_jobs`) picks them up; with JOBS_RUN_INLINE (tests) they run as soon as the
surrounding transaction commits.

Everything the worker knows lives in the Job table, so a worker that is killed and started
again picks up where it was: periodic kinds are due by the time their last job was queued,
and a job left "running" is queued again (`jobs_requeue_abandoned`). That last step assumes
one worker per database: a second worker starting would requeue the first one's running job.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from jobs.models import Job
from jobs.registry import PERIODIC, RUNNERS

log = logging.getLogger(__name__)
# A job that was running each time its worker died is probably what killed it.
MAX_ATTEMPTS = 3


class JobFailed(Exception):
    """A runner's way to end a job with a message and row errors for the user."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def job_enqueue(
    *, kind: str, by: Any, params: dict[str, Any] | None = None, upload: Any = None
) -> Job:
    if kind not in RUNNERS:
        raise ValueError(f"unknown job kind {kind!r}")
    # The job reports in the language of the person who started it.
    params = {"language": translation.get_language() or settings.LANGUAGE_CODE, **(params or {})}
    job = Job(kind=kind, params=params, created_by=by)
    if upload is not None:
        job.input_file.save(upload.name, upload, save=False)
    job.save()
    if settings.JOBS_RUN_INLINE:
        transaction.on_commit(lambda: job_run(job_id=job.pk))
    return job


def job_set_progress(job: Job, progress: int, total: int | None = None) -> None:
    job.progress = progress
    fields = ["progress"]
    if total is not None:
        job.total = total
        fields.append("total")
    job.save(update_fields=fields)


def job_attach_result(job: Job, name: str, content: bytes) -> None:
    job.result_name = name
    job.result_file.save(f"job-{job.pk}-{name}", ContentFile(content), save=False)


def _claim(job_id: int) -> Job | None:
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING
        )
    return Job.objects.get(pk=job_id) if claimed else None


def jobs_requeue_abandoned() -> list[int]:
    """Queue again the jobs a killed worker left running (call when the worker starts).

    Runners must therefore bear being run twice: imports and exports start over, reminders
    skip what was already sent. A job that was running at each of MAX_ATTEMPTS deaths fails.
    """
    requeued = []
    for job in Job.objects.filter(state=Job.State.RUNNING).order_by("id"):
        attempts = int(job.params.get("attempts", 1)) + 1
        job.params = {**job.params, "attempts": attempts}
        if attempts > MAX_ATTEMPTS:
            with translation.override(job.params.get("language", settings.LANGUAGE_CODE)):
                job.message = translation.gettext(
                    "The job was interrupted too many times and was stopped."
                )
            job.state, job.finished_at = Job.State.FAILED, timezone.now()
        else:
            job.state, job.progress = Job.State.QUEUED, 0
            requeued.append(job.pk)
        job.save(update_fields=["params", "state", "progress", "message", "finished_at"])
    if requeued:
        log.warning("requeued jobs left running by a stopped worker: %s", requeued)
    return requeued


def periodic_enqueue(now: datetime.datetime | None = None) -> list[Job]:
    """Queue each periodic kind whose interval has passed since its last job was queued and
    that has no job waiting or running."""
    now = now or timezone.now()
    queued = []
    for kind, every in PERIODIC.items():
        jobs = Job.objects.filter(kind=kind)
        busy = jobs.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING]).exists()
        if busy or jobs.filter(created_at__gt=now - every).exists():
            continue
        queued.append(job_enqueue(kind=kind, by=None))
    return queued


def job_run(*, job_id: int) -> None:
    job = _claim(job_id)
    if job is None:
        return
    try:
        with translation.override(job.params.get("language", settings.LANGUAGE_CODE)):
            RUNNERS[job.kind](job)
    except JobFailed as exc:
        job.state, job.message, job.errors = Job.State.FAILED, exc.message, exc.errors
    except Exception:
        log.exception("job %s failed", job.pk)
        with translation.override(job.params.get("language", settings.LANGUAGE_CODE)):
            message = translation.gettext("The job failed unexpectedly; nothing was changed.")
        job.state, job.message = Job.State.FAILED, message
    else:
        job.state = Job.State.DONE
    job.finished_at = timezone.now()
    job.save()


def job_run_next() -> bool:
    """Run the oldest queued job; False when there is none."""
    job_id = (
        Job.objects.filter(state=Job.State.QUEUED)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if job_id is None:
        return False
    job_run(job_id=job_id)
    return True
