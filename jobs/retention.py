"""Uploaded import files are deleted after a retention period (平台规则, not 484号's): a
finished job's input file (jobs/in/) is kept JOBS_INPUT_RETENTION_DAYS days after the job
ended, then deleted by a periodic job of the engine. The job's record stays, with its message
and the row errors it listed, and its page says the file was deleted and when.

A queued or running job's input is never touched, however old: it is still to be read."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jobs.models import Job
from jobs.registry import job_kind, periodic
from jobs.services import job_set_progress

log = logging.getLogger(__name__)
KIND = "jobs.inputs_expire"
# The key of a job's params recording when its input was deleted (ISO date-time).
DELETED_AT = "input_deleted_at"
# How often the engine looks for expired inputs: within a day of their expiry is soon enough.
EXPIRE_EVERY = datetime.timedelta(hours=6)


def retention() -> datetime.timedelta:
    return datetime.timedelta(days=settings.JOBS_INPUT_RETENTION_DAYS)


def kept_until(job: Job) -> datetime.datetime | None:
    """When a finished job's input file will be deleted (None while it runs or has none)."""
    if not job.input_file or job.finished_at is None:
        return None
    return job.finished_at + retention()


def expired_inputs(now: datetime.datetime | None = None) -> QuerySet[Job]:
    cutoff = (now or timezone.now()) - retention()
    finished = [Job.State.DONE, Job.State.FAILED]
    return Job.objects.filter(state__in=finished, finished_at__lt=cutoff).exclude(input_file="")


def _expired_exist() -> bool:
    return expired_inputs().exists()


def job_inputs_expire(now: datetime.datetime | None = None) -> int:
    """Delete the input files of the jobs finished more than the retention period ago and
    clear their field, keeping the jobs; the number deleted. The file goes first: a run cut
    short leaves at worst a field naming a file already gone, which the next run clears (the
    storage ignores a missing file), never a file nobody refers to."""
    now = now or timezone.now()
    deleted = 0
    for job_id in expired_inputs(now).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=job_id).first()
            if job is None or not job.input_file:
                continue
            try:
                job.input_file.delete(save=False)
            except OSError:  # the storage refused (a permission, a bucket down): next run
                log.exception("input file of job %s not deleted", job_id)
                continue
            job.params = {**job.params, DELETED_AT: now.isoformat()}
            job.save(update_fields=["input_file", "params"])
            deleted += 1
    return deleted


@job_kind(KIND, title=gettext_lazy("Deleting expired import files"), restartable=True)
def run_inputs_expire(job: Job) -> None:
    job_set_progress(job, 0, total=1)
    count = job_inputs_expire()
    job.progress = 1
    job.message = ngettext(
        "Platform rule: %(count)s uploaded file kept more than %(days)s days was deleted.",
        "Platform rule: %(count)s uploaded files kept more than %(days)s days were deleted.",
        count,
    ) % {"count": count, "days": settings.JOBS_INPUT_RETENTION_DAYS}
    if not count:
        job.message = _("No uploaded file had passed its retention period.")


periodic(KIND, every=EXPIRE_EVERY, when=_expired_exist)
