"""Queueing and running background jobs.

Jobs are queued on commit and carry IDs, never model objects. A worker
(`manage.py run_jobs`) picks them up; with JOBS_RUN_INLINE (tests) they run as soon as the
surrounding transaction commits.

Everything the worker knows lives in the Job table, so a worker that is killed and started
again picks up where it was: periodic kinds are due by the time their last job was queued,
and a job left "running" is dealt with by `jobs_requeue_abandoned`: queued again when its
kind is restartable, failed otherwise.

One worker runs at a time, enforced by a lease (`WorkerLease`): a worker takes it on start,
refreshes it between jobs, in `job_set_progress` and from a heartbeat thread, and a second
worker waits (or, with `--once`, refuses to start) while it is fresh. Only a worker holding
the lease may treat running jobs as abandoned, so a second worker never requeues the first
one's live job.

A database error (SQLite's "database is locked", a dropped connection) never ends a worker:
the pass or heartbeat it cut short is tried again, on a new connection.
"""

import datetime
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import formats, timezone, translation

from accounts.models import User
from jobs.models import Job, WorkerLease
from jobs.registry import ATOMIC, PERIODIC, PERIODIC_WHEN, RESTARTABLE, RUNNERS

log = logging.getLogger(__name__)
# A job that was running each time its worker died is probably what killed it.
MAX_ATTEMPTS = 3
LEASE_ID = 1
# A worker silent for this long is taken for dead and its lease may be taken over. It is
# refreshed every RENEW_EVERY, so a live worker is never that silent.
LEASE_TTL = datetime.timedelta(minutes=2)
RENEW_EVERY = datetime.timedelta(seconds=20)
HEARTBEAT_TICK = 5.0
# A worker that cannot take the lease yet looks again this often (seconds).
WAIT_EVERY = 3.0
# How long a worker started with --once, which does not wait for a live worker, still retries
# while the database is merely busy (seconds).
LOCKED_PATIENCE = 30.0


class WorkerBusy(Exception):
    """Another worker holds a fresh lease, or is writing the lease row: this one may not run
    yet. `message` is for a worker that gives up, `waiting` for one that waits."""

    def __init__(self, message: str, waiting: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.waiting = waiting
        self.locked = locked

    @classmethod
    def held(cls, worker: str, seen: datetime.datetime) -> "WorkerBusy":
        names = {"worker": worker, "seen": _when(seen), "free": _when(seen + LEASE_TTL)}
        return cls(
            translation.gettext(
                "Another worker (%(worker)s) is running jobs on this database: it last "
                "showed it was alive at %(seen)s. Only one worker may run at a time. If that "
                "worker has died, start this one again after %(free)s."
            )
            % names,
            translation.gettext(
                "Another worker (%(worker)s) is running jobs on this database: it last "
                "showed it was alive at %(seen)s. Only one worker may run at a time, so this "
                "one waits. It starts when that one stops, or when it has stayed silent for "
                "two minutes."
            )
            % names,
        )

    @classmethod
    def locked_out(cls) -> "WorkerBusy":
        return cls(
            translation.gettext(
                "The worker could not take its lease: the database is busy, most likely with "
                "another worker's job. Only one worker may run at a time; try again in a "
                "minute."
            ),
            translation.gettext(
                "The worker cannot take its lease yet: the database is busy, most likely with "
                "another worker's job. It keeps trying."
            ),
            locked=True,
        )


class WorkerLeaseLost(Exception):
    """This worker was silent for too long and another took its lease over: it must stop
    at once, leaving the jobs' state to the new worker."""


def _when(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i:s")


@dataclass
class _Held:
    worker: str
    renew_every: float
    renewed: float  # time.monotonic() of the last renewal
    lost: bool = False
    # Whether the next pass must first deal with jobs left running: a new worker's first
    # pass, and the pass after one cut short (its job may have been left running).
    requeue: bool = True


# The lease this process holds, if it is a worker; inline jobs (tests) run without one.
_held: _Held | None = None


def _process_gone(worker: str) -> bool:
    """Whether `worker` ("host:pid") ran on this machine and its process has ended: then its
    lease is taken over at once rather than after LEASE_TTL. (Workers in separate PID
    namespaces under one host name, such as containers sharing the host's network, would
    look gone to each other; give them distinct host names.)"""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == 0:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, and somebody else's
        return False
    return False


def worker_lease_acquire(
    worker: str,
    *,
    now: datetime.datetime | None = None,
    renew_every: datetime.timedelta = RENEW_EVERY,
) -> str:
    """Take the lease for `worker`: the id of the silent or dead worker it was taken from, or
    "". Raises WorkerBusy while another worker's lease is fresh and its process may be alive,
    or while the lease row is being written."""
    global _held
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # nowait: a live worker in the middle of a transaction holds the row.
            lease, _created = WorkerLease.objects.select_for_update(nowait=True).get_or_create(
                pk=LEASE_ID
            )
            previous = lease.worker if lease.worker != worker else ""
            seen = lease.heartbeat_at
            fresh = seen is not None and seen > now - LEASE_TTL
            if previous and seen is not None and fresh and not _process_gone(previous):
                raise WorkerBusy.held(previous, seen)
            lease.worker, lease.started_at, lease.heartbeat_at = worker, now, now
            lease.save()
    except DatabaseError as exc:
        # The row is locked (PostgreSQL) or the database is (SQLite): someone is writing.
        raise WorkerBusy.locked_out() from exc
    _held = _Held(worker, renew_every.total_seconds(), time.monotonic())
    if previous:
        log.warning("took the worker lease over from %s, last seen %s", previous, seen)
    return previous


def worker_lease_wait(
    worker: str,
    *,
    wait: bool,
    on_wait: Callable[[WorkerBusy], None],
    every: float = WAIT_EVERY,
    patience: float = LOCKED_PATIENCE,
) -> str:
    """worker_lease_acquire, looking again every `every` seconds while the lease is busy.

    With `wait`, it waits as long as it takes, so that a worker started while a dead one's
    lease is still fresh ends up running rather than exiting with nobody to restart it; it
    calls `on_wait` once, when another worker holds the lease or the database has been busy
    for `patience` seconds. Without (`--once`, run by cron), it raises WorkerBusy at once
    for a live worker, and after `patience` seconds for a busy database.
    """
    busy_until = time.monotonic() + patience
    told = False
    while True:
        try:
            return worker_lease_acquire(worker)
        except WorkerBusy as busy:
            # A busy database is usually a passing write, not worth a message at once.
            worth_telling = not busy.locked or time.monotonic() >= busy_until
            if not wait and worth_telling:
                raise
            if wait and worth_telling and not told:
                on_wait(busy)
                told = True
        time.sleep(every)


def worker_lease_renew() -> None:
    """Show this worker is alive, at most every RENEW_EVERY; a no-op outside a worker.
    Raises WorkerLeaseLost when another worker has taken the lease over."""
    held = _held
    if held is None:
        return
    if held.lost:
        raise WorkerLeaseLost(held.worker)
    if time.monotonic() - held.renewed < held.renew_every:
        return
    refreshed = WorkerLease.objects.filter(pk=LEASE_ID, worker=held.worker).update(
        heartbeat_at=timezone.now()
    )
    if not refreshed:
        held.lost = True
        log.error("worker %s lost its lease to another worker", held.worker)
        raise WorkerLeaseLost(held.worker)
    held.renewed = time.monotonic()


def worker_lease_release() -> None:
    global _held
    held, _held = _held, None
    if held is not None:
        WorkerLease.objects.filter(pk=LEASE_ID, worker=held.worker).update(
            worker="", heartbeat_at=None
        )


def connection_discard() -> None:
    """Close this thread's database connection and forget it, so its next query opens a new
    one. Outside a request Django never drops a broken connection by itself: after a
    database restart or a proxy's idle timeout, every later query would fail on it.
    (Forgetting it also covers an in-memory SQLite database, whose close() Django ignores.)
    Never inside a transaction: whoever opened it must see the error and roll back."""
    if connection.in_atomic_block:
        return
    connection.close()
    del connections[DEFAULT_DB_ALIAS]


def _heartbeat_tick() -> bool:
    """One beat of the heartbeat thread; False once the lease is lost and there is nothing
    left to keep alive."""
    try:
        worker_lease_renew()
    except WorkerLeaseLost:
        return False  # the main thread stops at its own next renewal
    except DatabaseError as exc:
        log.info("lease heartbeat not written, tried again next tick: %s", exc)
        connection_discard()
    return True


@contextmanager
def worker_heartbeat(tick: float = HEARTBEAT_TICK) -> Iterator[None]:
    """Keep the lease fresh from a thread while a job works for long between progress
    reports (building a large workbook, waiting on a slow mail server). It writes only when
    nothing else renewed the lease for RENEW_EVERY, so it rarely meets the job's own writes;
    when it does, SQLite answers "database is locked" and the thread tries again next tick."""

    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(tick) and _heartbeat_tick():
                pass
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name="jobs-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=tick * 2)


class JobFailed(Exception):
    """A runner's way to end a job with a message and row errors for the user."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


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
    return job


def job_set_progress(job: Job, progress: int, total: int | None = None) -> None:
    # A job reporting progress is alive: this is the worker's heartbeat during long jobs.
    worker_lease_renew()
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
    """Deal with the jobs a dead worker left running: call it with the lease held and no job
    of this worker's own running, when the worker starts and after a pass a database error
    cut short (while another worker's lease is fresh, they are its live work).

    A restartable kind is queued again and starts over; one that was running at each of
    MAX_ATTEMPTS deaths fails. Any other kind fails with a message that asks the user to
    check what it did, since running it again could, for an import, import its rows twice.
    """
    requeued = []
    with transaction.atomic():
        abandoned = Job.objects.select_for_update().filter(state=Job.State.RUNNING)
        for job in abandoned.order_by("id"):
            attempts = int(job.params.get("attempts", 1)) + 1
            job.params = {**job.params, "attempts": attempts}
            with translation.override(job.params.get("language", settings.LANGUAGE_CODE)):
                if job.kind not in RESTARTABLE:
                    job.message = translation.gettext(
                        "The job was interrupted when the background worker stopped, and it "
                        "is not run again on its own: running it twice could do its work "
                        "twice. Check what it did (for an import, whether its rows are there) "
                        "before you start it again."
                    )
                elif attempts > MAX_ATTEMPTS:
                    job.message = translation.gettext(
                        "The job was interrupted too many times and was stopped."
                    )
            if job.kind in RESTARTABLE and attempts <= MAX_ATTEMPTS:
                job.state, job.progress = Job.State.QUEUED, 0
                requeued.append(job.pk)
            else:
                job.state, job.finished_at = Job.State.FAILED, timezone.now()
            job.save(update_fields=["params", "state", "progress", "message", "finished_at"])
    if requeued:
        log.warning("requeued jobs left running by a stopped worker: %s", requeued)
    return requeued


def periodic_enqueue(now: datetime.datetime | None = None) -> list[Job]:
    """Queue each periodic kind whose interval has passed since its last job was queued,
    that has no job waiting or running and, if it has a `when` test, has work to do."""
    now = now or timezone.now()
    queued = []
    for kind, every in PERIODIC.items():
        jobs = Job.objects.filter(kind=kind)
        busy = jobs.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING]).exists()
        if busy or jobs.filter(created_at__gt=now - every).exists():
            continue
        when = PERIODIC_WHEN.get(kind)
        if when is not None and not when():
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
    except WorkerLeaseLost:
        # Another worker owns the jobs now: this one's state is that worker's to set.
        raise
    except JobFailed as exc:
        job.state, job.message, job.errors = Job.State.FAILED, exc.message, exc.errors
    except Exception:
        log.exception("job %s failed", job.pk)
        with translation.override(job.params.get("language", settings.LANGUAGE_CODE)):
            if job.kind in ATOMIC:
                message = translation.gettext("The job failed unexpectedly; nothing was changed.")
            else:
                message = translation.gettext(
                    "The job failed unexpectedly. What it finished before the failure is kept."
                )
        job.state, job.message = Job.State.FAILED, message
    else:
        job.state = Job.State.DONE
    job.finished_at = timezone.now()
    job.save()


def worker_pass() -> bool:
    """One pass of the worker's loop: show it is alive, deal with the jobs left running when
    there may be any, queue the periodic kinds that are due and run every queued job.

    False when a database error cut the pass short, as SQLite's "database is locked" does
    when another connection holds a transaction past the busy timeout: the error is logged
    and the connection dropped, and the worker goes on. Only WorkerLeaseLost stops it.
    """
    held = _held
    try:
        worker_lease_renew()
        # With the lease renewed and none of this worker's jobs running, any running job is
        # abandoned: another worker's, dead, or this one's, whose end could not be saved.
        if held is not None and held.requeue:
            jobs_requeue_abandoned()
            held.requeue = False
        periodic_enqueue()
        while job_run_next():
            worker_lease_renew()
    except DatabaseError as exc:
        log.warning("worker pass cut short by a database error, tried again next pass: %s", exc)
        connection_discard()
        if held is not None:
            held.requeue = True
        return False
    return True


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
