"""Queueing and running background jobs.

Jobs are queued on commit and carry IDs, never model objects. A worker
(`manage.py run_jobs`) picks them up; with JOBS_RUN_INLINE (tests) they run as soon as the
surrounding transaction commits.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from jobs.models import Job
from jobs.registry import RUNNERS

log = logging.getLogger(__name__)


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
