"""Queueing and running background jobs on django-tasks.

A Job is the user's record of the work (its page, progress, row errors, result file); the
engine (django-tasks, by default its database backend) delivers a `jobs.tasks.run_job` task
for it to one of any number of workers (`manage.py run_jobs`, on any number of machines).
With JOBS_RUN_INLINE (tests) a job runs as soon as the surrounding transaction commits.

No job runs twice: the task claims its Job with a conditional update (queued → running), so
even a task delivered twice, or a job also run by `run_jobs --once`, runs once. A running
job's worker shows it is alive in the job's heartbeat row; a job whose heartbeat has gone
silent was abandoned by a worker that died, and the sweep (`jobs_requeue_abandoned`, run
periodically by the engine) queues it again when its kind is restartable and fails it
otherwise. Every write of the sweep and of a job's end is conditional on the run that
claimed it, so several workers sweeping at once, or a worker that was only slow, change a
job once.
"""

import datetime
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation

from accounts.models import User
from jobs.models import Job, JobHeartbeat
from jobs.registry import ATOMIC, PERIODIC, PERIODIC_WHEN, RESTARTABLE, RUNNERS

log = logging.getLogger(__name__)
# A job that was running each time its worker died is probably what killed it.
MAX_ATTEMPTS = 3


def heartbeat_every() -> float:
    return float(settings.JOBS_HEARTBEAT_SECONDS)


def abandoned_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.JOBS_ABANDONED_AFTER)


class JobFailed(Exception):
    """A runner's way to end a job with a message and row errors for the user."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class JobLost(Exception):
    """This run's job was taken from it (its heartbeat went silent for too long and the sweep
    queued it again or failed it): the run stops, leaving the job to whoever has it now."""


def connection_discard() -> None:
    """Close this thread's database connection and forget it, so its next query opens a new
    one: outside a request Django never drops a broken connection by itself. (Forgetting it
    also covers an in-memory SQLite database, whose close() Django ignores.) Never inside a
    transaction: whoever opened it must see the error and roll back."""
    if connection.in_atomic_block:
        return
    connection.close()
    del connections[DEFAULT_DB_ALIAS]


def job_deliver(job_id: int) -> None:
    """Hand the job to the engine. The database backend writes its task in the caller's
    transaction, so the task exists exactly when the job does; any other backend is given
    the task once the transaction commits."""
    from django_tasks_db import DatabaseBackend

    from jobs.tasks import run_job

    if isinstance(run_job.get_backend(), DatabaseBackend):
        run_job.enqueue(job_id)
    else:
        transaction.on_commit(lambda: run_job.enqueue(job_id))


def job_enqueue(
    *, kind: str, by: User | None, params: dict[str, Any] | None = None, upload: Any = None
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
    else:
        job_deliver(job.pk)
    return job


def _mine(job: Job) -> Any:
    """The job's row while this run still holds it (for a job not claimed by job_run, as
    tests build them, simply its row)."""
    rows = Job.objects.filter(pk=job.pk)
    if job.claimed_by:
        rows = rows.filter(claimed_by=job.claimed_by, state=Job.State.RUNNING)
    return rows


def job_set_progress(job: Job, progress: int, total: int | None = None) -> None:
    """Record the job's progress; JobLost when the job is no longer this run's."""
    if job.claimed_by and not _mine(job).exists():
        raise JobLost(job.pk)
    # A plain save, so that whoever watches the Job's saves sees the progress.
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
    token = uuid.uuid4().hex
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING, claimed_by=token
        )
        if not claimed:
            return None
        JobHeartbeat.objects.update_or_create(job_id=job_id, defaults={"beat_at": timezone.now()})
    return Job.objects.get(pk=job_id)


def job_beat(job: Job) -> bool:
    """Show the job's worker is alive; False once the job is no longer this run's."""
    return bool(
        JobHeartbeat.objects.filter(job_id=job.pk, job__claimed_by=job.claimed_by).update(
            beat_at=timezone.now()
        )
    )


def _beat_tick(job: Job) -> bool:
    """One beat of the heartbeat thread; False when there is nothing left to keep alive."""
    try:
        return job_beat(job)
    except DatabaseError as exc:
        # SQLite's "database is locked" while the job writes, or a dropped connection.
        log.info("job %s heartbeat not written, tried again next tick: %s", job.pk, exc)
        connection_discard()
        return True


@contextmanager
def job_heartbeat(job: Job, every: float | None = None) -> Iterator[None]:
    """Beat from a thread while the job works, however long between its progress reports."""
    stop = threading.Event()
    tick = heartbeat_every() if every is None else every

    def beat() -> None:
        try:
            while not stop.wait(tick) and _beat_tick(job):
                pass
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=tick * 2)


def _failure_message(job: Job) -> str:
    if job.kind in ATOMIC:
        return translation.gettext("The job failed unexpectedly; nothing was changed.")
    return translation.gettext(
        "The job failed unexpectedly. What it finished before the failure is kept."
    )


def _save_end(job: Job) -> None:
    """Save the job's end, unless the run lost it meanwhile."""
    values = {
        f.attname: getattr(job, f.attname) for f in Job._meta.concrete_fields if f.name != "id"
    }
    with transaction.atomic():
        if not _mine(job).update(**values):
            log.warning(
                "job %s was taken from its run before it ended; its end is not saved", job.pk
            )
            return
        JobHeartbeat.objects.filter(job_id=job.pk).delete()


def job_run(*, job_id: int) -> None:
    """Run the job if it is still queued; a job already claimed is left alone."""
    job = _claim(job_id)
    if job is None:
        return
    language = job.params.get("language", settings.LANGUAGE_CODE)
    # Only a job run outside any transaction (by a worker) can show a heartbeat to the others;
    # run inside one (tests, a caller's own), nobody else sees it running anyway.
    beating = job_heartbeat(job) if not connection.in_atomic_block else _no_heartbeat()
    with beating:
        try:
            with translation.override(language):
                RUNNERS[job.kind](job)
        except JobLost:
            log.warning("job %s was taken from its run; the run stops", job.pk)
            return
        except JobFailed as exc:
            job.state, job.message, job.errors = Job.State.FAILED, exc.message, exc.errors
        except Exception:
            log.exception("job %s failed", job.pk)
            with translation.override(language):
                job.state, job.message = Job.State.FAILED, _failure_message(job)
        else:
            job.state = Job.State.DONE
        job.finished_at = timezone.now()
        _save_end(job)


@contextmanager
def _no_heartbeat() -> Iterator[None]:
    yield


def _abandoned_message(job: Job, attempts: int) -> str:
    with translation.override(job.params.get("language", settings.LANGUAGE_CODE)):
        if job.kind not in RESTARTABLE:
            return translation.gettext(
                "The job was interrupted when the background worker stopped, and it "
                "is not run again on its own: running it twice could do its work "
                "twice. Check what it did (for an import, whether its rows are there) "
                "before you start it again."
            )
        if attempts > MAX_ATTEMPTS:
            return translation.gettext("The job was interrupted too many times and was stopped.")
        return job.message


def jobs_requeue_abandoned(now: datetime.datetime | None = None) -> list[int]:
    """Deal with the running jobs whose heartbeat has been silent for JOBS_ABANDONED_AFTER
    (or that have none: left running by a worker of the engine before): their worker died.

    A restartable kind is queued again and starts over; one that was running at each of
    MAX_ATTEMPTS deaths fails. Any other kind fails with a message that asks the user to
    check what it did, since running it again could, for an import, import its rows twice.
    Each change is conditional on the job still being that abandoned run, so several
    workers sweeping at once, and a worker that beats again meanwhile, are safe.
    """
    cutoff = (now or timezone.now()) - abandoned_after()
    silent = Q(jobheartbeat__isnull=True) | Q(jobheartbeat__beat_at__lt=cutoff)
    requeued = []
    for job in Job.objects.filter(silent, state=Job.State.RUNNING).order_by("id"):
        attempts = int(job.params.get("attempts", 1)) + 1
        again = job.kind in RESTARTABLE and attempts <= MAX_ATTEMPTS
        change: dict[str, Any] = {
            "params": {**job.params, "attempts": attempts},
            "message": _abandoned_message(job, attempts),
            "claimed_by": "",
        }
        if again:
            change.update(state=Job.State.QUEUED, progress=0)
        else:
            change.update(state=Job.State.FAILED, finished_at=timezone.now())
        with transaction.atomic():
            still = Job.objects.filter(silent, pk=job.pk, state=Job.State.RUNNING)
            if not still.filter(claimed_by=job.claimed_by).update(**change):
                continue  # another sweep, or the worker's own beat, came first
            JobHeartbeat.objects.filter(job_id=job.pk).delete()
            if again:
                job_deliver(job.pk)
                requeued.append(job.pk)
    if requeued:
        log.warning("requeued jobs left running by a stopped worker: %s", requeued)
    return requeued


def periodic_job_enqueue(kind: str) -> Job | None:
    """Queue the periodic kind now, unless a job of it is still waiting or running, or its
    `when` test finds nothing to do (which leaves no Job row behind)."""
    if Job.objects.filter(kind=kind, state__in=[Job.State.QUEUED, Job.State.RUNNING]).exists():
        return None
    when = PERIODIC_WHEN.get(kind)
    if when is not None and not when():
        return None
    return job_enqueue(kind=kind, by=None)


def periodic_enqueue(now: datetime.datetime | None = None) -> list[Job]:
    """Queue each periodic kind whose interval has passed since its last job was queued (the
    catch-up of `run_jobs --once`; the engine's own schedule is jobs.periodic)."""
    now = now or timezone.now()
    queued = []
    for kind, every in PERIODIC.items():
        if Job.objects.filter(kind=kind, created_at__gt=now - every).exists():
            continue
        job = periodic_job_enqueue(kind)
        if job is not None:
            queued.append(job)
    return queued


def job_run_next() -> bool:
    """Run the oldest queued job in this process; False when there is none."""
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


def jobs_redeliver() -> list[int]:
    """Give the engine a task for each queued job that has none waiting (jobs queued before
    the engine was, or whose task was pruned); on the database backend only, where that can
    be seen. A task too many would do no harm: the claim runs a job once."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from jobs.tasks import run_job

    if not isinstance(run_job.get_backend(), DatabaseBackend):
        return []
    waiting = DBTaskResult.objects.filter(
        task_path=run_job.module_path, status__in=["READY", "RUNNING"]
    ).values_list("args_kwargs", flat=True)
    delivered = {args["args"][0] for args in waiting if args.get("args")}
    missing = [
        pk
        for pk in Job.objects.filter(state=Job.State.QUEUED).values_list("pk", flat=True)
        if pk not in delivered
    ]
    with transaction.atomic():
        for pk in missing:
            job_deliver(pk)
    return missing


# How long the engine keeps its record of a finished task; the Job keeps the user's record.
ENGINE_RESULTS_KEPT = datetime.timedelta(days=7)


def jobs_prune_engine_results(now: datetime.datetime | None = None) -> int:
    """Delete the engine's records of tasks finished more than ENGINE_RESULTS_KEPT ago (a
    periodic run every minute leaves 1,440 a day); the number deleted."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from jobs.tasks import run_job

    if not isinstance(run_job.get_backend(), DatabaseBackend):
        return 0
    cutoff = (now or timezone.now()) - ENGINE_RESULTS_KEPT
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
