"""The worker survives a restart: what it knows is in the Job table. A job a killed worker
left running is queued again and run when its kind is restartable, and failed with a warning
when it is not (an import); a periodic kind is queued when its interval has passed since the
last one and not before; the system's own jobs have no creator. One worker runs at a time: a
second waits (with --once, refuses to start) while the first's lease is fresh, and takes over
from a silent one, or at once from a dead one on this host. A database error cuts a pass or a
heartbeat short but does not end the worker."""

import datetime
import io
import os
import signal
import socket
import subprocess
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone, translation

from jobs.models import Job, WorkerLease
from jobs.registry import PERIODIC, job_kind, periodic
from jobs.services import (
    LEASE_ID,
    LEASE_TTL,
    MAX_ATTEMPTS,
    JobFailed,
    WorkerBusy,
    WorkerLeaseLost,
    _heartbeat_tick,
    job_enqueue,
    job_run,
    job_run_next,
    job_set_progress,
    jobs_requeue_abandoned,
    periodic_enqueue,
    worker_heartbeat,
    worker_lease_acquire,
    worker_lease_release,
    worker_lease_renew,
    worker_lease_wait,
    worker_pass,
)
from proposals.models import Proposal
from tasks.jobs import REMINDERS_EVERY
from tasks.models import Reminder
from tests.conftest import client_for
from tests.test_tasks_dispatch import approve_on
from tests.test_tasks_fixtures import task_world

KIND = "tasks.reminders"


def left_running(kind: str = KIND, **fields) -> Job:
    """What a worker killed in the middle of a job leaves behind."""
    fields.setdefault("params", {"language": "en"})
    return Job.objects.create(kind=kind, state=Job.State.RUNNING, progress=3, **fields)


def lease(worker: str, seen: datetime.timedelta) -> WorkerLease:
    """The lease as another worker, last alive `seen` ago, left it."""
    now = timezone.now()
    found, _created = WorkerLease.objects.update_or_create(
        pk=LEASE_ID, defaults={"worker": worker, "started_at": now, "heartbeat_at": now - seen}
    )
    return found


@pytest.fixture
def held():
    """This process as a worker holding the lease, renewing at every chance (no throttle)."""
    worker_lease_acquire("this:1", renew_every=datetime.timedelta(0))
    yield WorkerLease.objects.get(pk=LEASE_ID)
    worker_lease_release()


def test_reminders_are_a_periodic_kind():
    assert PERIODIC[KIND] == REMINDERS_EVERY == datetime.timedelta(hours=1)


def test_a_job_left_running_is_queued_again_and_run_by_the_worker(users):
    world = task_world(users)
    approve_on(world.task, datetime.date(2026, 1, 5))
    job = left_running()
    call_command("run_jobs", "--once")
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.params["attempts"] == 2
    assert Reminder.objects.filter(task=world.task).exists()
    assert job.message.endswith("reminders sent.")
    # The restarted worker did not queue another reminder run beside the requeued one.
    assert Job.objects.filter(kind=KIND).count() == 1


def test_a_job_that_keeps_dying_is_stopped(users):
    job = left_running(params={"language": "en", "attempts": MAX_ATTEMPTS})
    assert jobs_requeue_abandoned() == []
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.finished_at is not None
    assert job.message == "The job was interrupted too many times and was stopped."


def test_queued_and_finished_jobs_are_left_alone_on_start(users):
    queued = job_enqueue(kind=KIND, by=None)
    done = Job.objects.create(kind=KIND, state=Job.State.DONE)
    assert jobs_requeue_abandoned() == []
    assert Job.objects.get(pk=queued.pk).state == Job.State.QUEUED
    assert Job.objects.get(pk=done.pk).state == Job.State.DONE


def test_a_periodic_kind_is_queued_when_due_and_not_before(db):
    now = timezone.now()
    first = periodic_enqueue(now)
    assert [(job.kind, job.created_by) for job in first] == [(KIND, None)]
    # Still waiting to run: not queued twice.
    assert periodic_enqueue(now + 2 * REMINDERS_EVERY) == []
    assert job_run_next() is True
    # Finished, but queued within the interval: not yet.
    assert periodic_enqueue(now + REMINDERS_EVERY / 2) == []
    # The state is in the table: a worker started later counts from the last job queued.
    Job.objects.filter(kind=KIND).update(created_at=now - REMINDERS_EVERY - datetime.timedelta(1))
    again = periodic_enqueue(now)
    assert len(again) == 1
    assert Job.objects.filter(kind=KIND).count() == 2


def test_the_worker_queues_and_runs_the_periodic_job(db):
    call_command("run_jobs", "--once")
    job = Job.objects.get(kind=KIND)
    assert job.state == Job.State.DONE and job.created_by is None
    call_command("run_jobs", "--once")  # within the hour: nothing new
    assert Job.objects.filter(kind=KIND).count() == 1


def test_periodic_needs_a_known_kind_and_a_positive_interval():
    with pytest.raises(ValueError):
        periodic("no.such.kind", every=datetime.timedelta(hours=1))
    with pytest.raises(ValueError):
        periodic(KIND, every=datetime.timedelta(0))
    assert PERIODIC[KIND] == REMINDERS_EVERY


def test_a_system_job_page_works_without_a_creator(users):
    job = job_enqueue(kind=KIND, by=None)
    job_run_next()
    national = client_for(users["national"])
    page = national.get(f"/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Sending reminders" in page.content.decode()
    assert national.get(f"/jobs/{job.pk}/status/").json()["state"] == "done"
    for name in ("sichuan", "implementer", "public"):
        assert client_for(users[name]).get(f"/jobs/{job.pk}/").status_code == 404


# One worker at a time ----------------------------------------------------------------------


def test_a_second_worker_refuses_to_start_while_the_first_is_alive(users):
    lease("other-host:41", seen=datetime.timedelta(seconds=30))
    running = left_running()  # the other worker's live job
    queued = job_enqueue(kind=KIND, by=None)
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("run_jobs", "--once")
    assert "Another worker (other-host:41) is running jobs on this database" in str(refused.value)
    assert "Only one worker may run at a time." in str(refused.value)
    # Nothing touched: the live job is not requeued, the queued one not run, the lease kept.
    assert Job.objects.get(pk=running.pk).state == Job.State.RUNNING
    assert Job.objects.get(pk=queued.pk).state == Job.State.QUEUED
    assert WorkerLease.objects.get().worker == "other-host:41"


def test_a_silent_workers_lease_is_taken_over_and_given_back_on_exit(users):
    lease("dead-host:7", seen=LEASE_TTL + datetime.timedelta(seconds=5))
    job = left_running()
    call_command("run_jobs", "--once")
    job.refresh_from_db()
    assert job.state == Job.State.DONE  # a restartable kind is run again
    released = WorkerLease.objects.get()
    assert (released.worker, released.heartbeat_at) == ("", None)
    call_command("run_jobs", "--once")  # the next worker starts at once


def test_acquiring_the_lease_names_whom_it_was_taken_from(db):
    lease("dead-host:7", seen=LEASE_TTL * 2)
    try:
        assert worker_lease_acquire("this:1") == "dead-host:7"
        assert WorkerLease.objects.get().worker == "this:1"
        with pytest.raises(WorkerBusy):
            worker_lease_acquire("third:2")
    finally:
        worker_lease_release()


def test_job_set_progress_keeps_the_lease_fresh(users, held):
    WorkerLease.objects.filter(pk=LEASE_ID).update(heartbeat_at=timezone.now() - LEASE_TTL)
    job = job_enqueue(kind=KIND, by=None)
    job_set_progress(job, 1, 10)
    fresh = WorkerLease.objects.get().heartbeat_at
    assert fresh is not None and fresh > timezone.now() - datetime.timedelta(seconds=5)
    with pytest.raises(WorkerBusy):
        worker_lease_acquire("other-host:41")


@job_kind("tests.progress_after_takeover", restartable=True)
def _reports_progress(job: Job) -> None:
    job_set_progress(job, 1, 2)


def test_a_worker_whose_lease_was_taken_over_stops_and_leaves_the_job_alone(users, held):
    lease("new-host:9", seen=datetime.timedelta(0))  # took over while this one was silent
    job = job_enqueue(kind="tests.progress_after_takeover", by=None)
    with pytest.raises(WorkerLeaseLost):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    # Still the new worker's to deal with: not marked failed or done over its head.
    assert (job.state, job.finished_at, job.progress) == (Job.State.RUNNING, None, 0)
    with pytest.raises(WorkerLeaseLost):
        worker_lease_renew()


def test_the_heartbeat_renews_the_lease_and_bears_a_locked_database(users, held):
    old = timezone.now() - LEASE_TTL
    WorkerLease.objects.filter(pk=LEASE_ID).update(heartbeat_at=old)
    with transaction.atomic():
        # What the thread meets when the job holds the database: an error, not a stop.
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE jobs_workerlease RENAME TO jobs_workerlease_away")
        assert _heartbeat_tick() is True
        transaction.set_rollback(True)
    assert WorkerLease.objects.get().heartbeat_at == old
    assert _heartbeat_tick() is True  # the next tick gets through
    renewed = WorkerLease.objects.get().heartbeat_at
    assert renewed is not None and renewed > old
    lease("new-host:9", seen=datetime.timedelta(0))
    assert _heartbeat_tick() is False  # taken over: nothing left to keep alive


def test_the_heartbeat_reconnects_after_its_connection_drops(db, held):
    """A database restart or a proxy's idle timeout closes the heartbeat thread's connection
    under Django: the tick that meets it drops it, so the next one opens a new one. (`held`
    renews at every tick, so the tick does reach the database.)"""
    seen: dict[str, object] = {}

    def heartbeat() -> None:
        try:
            connection.ensure_connection()
            connection.connection.close()  # Django still thinks it open
            seen["tick"] = _heartbeat_tick()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                seen["after"] = cursor.fetchone()
        except Exception as exc:
            seen["error"] = repr(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=heartbeat)
    thread.start()
    thread.join()
    assert seen == {"tick": True, "after": (1,)}


def test_the_heartbeat_thread_runs_only_within_its_block(db):
    with worker_heartbeat(tick=60):
        assert [t for t in threading.enumerate() if t.name == "jobs-heartbeat"]
    assert not [t for t in threading.enumerate() if t.name == "jobs-heartbeat"]


def _gone_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen(["true"])  # noqa: S607
    proc.wait()
    return proc.pid


def test_a_dead_worker_on_this_host_is_taken_over_at_once(users):
    dead = f"{socket.gethostname()}:{_gone_pid()}"
    lease(dead, seen=datetime.timedelta(seconds=1))
    job = left_running()
    out = io.StringIO()
    with translation.override("en"):
        call_command("run_jobs", "--once", stderr=out)
    assert f"Took over from worker {dead}" in out.getvalue()
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE
    assert WorkerLease.objects.get().worker == ""


@pytest.mark.parametrize(
    "holder",
    [
        lambda: f"{socket.gethostname()}:{os.getppid()}",  # alive, and ours
        lambda: f"{socket.gethostname()}:1",  # alive, and maybe not ours to signal
        lambda: f"elsewhere-{socket.gethostname()}:{_gone_pid()}",  # another host: no telling
    ],
    ids=["alive", "alive-not-ours", "elsewhere"],
)
def test_a_worker_that_may_be_alive_keeps_its_lease(db, holder):
    worker = holder()
    lease(worker, seen=datetime.timedelta(seconds=1))
    with pytest.raises(CommandError):
        call_command("run_jobs", "--once")
    assert WorkerLease.objects.get().worker == worker


@job_kind("tests.ctrl_c")
def _interrupted(job: Job) -> None:
    raise KeyboardInterrupt  # what Ctrl-C raises in the worker


class _HolderDiesWhileWaiting(io.StringIO):
    """The stderr of a worker waiting for the lease: the holder goes silent for good as soon
    as the waiting worker says it waits."""

    def write(self, text: str) -> int:
        if "so this one waits" in text:
            WorkerLease.objects.filter(pk=LEASE_ID).update(
                heartbeat_at=timezone.now() - LEASE_TTL - datetime.timedelta(seconds=1)
            )
        return super().write(text)


def test_a_worker_waits_for_a_held_lease_then_takes_over_and_gives_it_back_on_ctrl_c(db):
    lease("other-host:41", seen=datetime.timedelta(seconds=1))
    job = job_enqueue(kind="tests.ctrl_c", by=None)
    out = _HolderDiesWhileWaiting()
    with translation.override("en"), pytest.raises(KeyboardInterrupt):
        call_command("run_jobs", "--wait-every", "0.01", "--interval", "0", stderr=out)
    told = out.getvalue()
    assert told.count("Another worker (other-host:41) is running jobs on this database") == 1
    assert "so this one waits. It starts when that one stops" in told
    assert "Took over from worker other-host:41" in told
    assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING  # the job it was in
    released = WorkerLease.objects.get()
    assert (released.worker, released.heartbeat_at) == ("", None)


@job_kind("tests.hangup")
def _hung_up(job: Job) -> None:
    os.kill(os.getpid(), signal.SIGHUP)  # the terminal closes
    time.sleep(1)  # the handler runs here


def test_a_hangup_stops_the_worker_and_gives_the_lease_back(db):
    hangups: list[int] = []

    def ours(signum: int, frame: object) -> None:
        hangups.append(signum)

    before = signal.signal(signal.SIGHUP, ours)
    try:
        job_enqueue(kind="tests.hangup", by=None)
        with pytest.raises(SystemExit):
            call_command("run_jobs", "--once")
        assert hangups == []  # the worker's handler took it
        assert signal.getsignal(signal.SIGHUP) is ours  # and put this one back
    finally:
        signal.signal(signal.SIGHUP, before)
    released = WorkerLease.objects.get()
    assert (released.worker, released.heartbeat_at) == ("", None)


def _locked(table: str, statement: str, times: int = 10**6):
    """An execute wrapper on which the first `times` `statement`s on `table` meet SQLite's
    "database is locked" (another connection holding a transaction past the busy timeout)."""
    left = [times]

    def wrapper(execute, sql, params, many, context):
        if sql.startswith(statement) and f'"{table}"' in sql and left[0] > 0:
            left[0] -= 1
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    return wrapper


def test_a_locked_database_while_renewing_cuts_the_pass_short_not_the_worker(users, held, caplog):
    job = job_enqueue(kind=KIND, by=None)
    # The worker runs in autocommit; here a savepoint stands in for that, so that the error
    # does not break the test's own transaction.
    with transaction.atomic(), connection.execute_wrapper(_locked("jobs_workerlease", "UPDATE")):
        assert worker_pass() is False
    assert "database is locked" in caplog.text
    # Nothing run on a lease it could not renew; the next pass does it.
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED
    assert worker_pass() is True
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


def test_the_pass_after_a_database_error_deals_with_jobs_left_running(users, held):
    assert worker_pass() is True  # the first pass, which deals with them anyway
    # A job whose end could not be saved, as a pass cut short may leave one.
    job = left_running()
    with transaction.atomic(), connection.execute_wrapper(_locked("jobs_workerlease", "UPDATE")):
        assert worker_pass() is False
    assert worker_pass() is True
    job.refresh_from_db()
    assert (job.state, job.params["attempts"]) == (Job.State.DONE, 2)


def test_a_locked_database_at_start_is_waited_out(db):
    told: list[WorkerBusy] = []
    # A passing lock: retried without a word, even by --once.
    with connection.execute_wrapper(_locked("jobs_workerlease", "SELECT", times=3)):
        assert worker_lease_wait("this:1", wait=False, on_wait=told.append, every=0) == ""
    worker_lease_release()
    assert told == []
    with connection.execute_wrapper(_locked("jobs_workerlease", "SELECT", times=3)):
        call_command("run_jobs", "--once", "--wait-every", "0")  # through the command, too
    # One that lasts: --once gives up after its patience, a worker waits and says so once.
    with connection.execute_wrapper(_locked("jobs_workerlease", "SELECT")):
        with pytest.raises(WorkerBusy) as busy:
            worker_lease_wait("this:1", wait=False, on_wait=told.append, every=0, patience=0)
        assert busy.value.locked
    with connection.execute_wrapper(_locked("jobs_workerlease", "SELECT", times=3)):
        worker_lease_wait("this:1", wait=True, on_wait=told.append, every=0, patience=0)
    worker_lease_release()
    assert [busy.locked for busy in told] == [True]


# What an interrupted or failed job becomes ---------------------------------------------------


def test_an_interrupted_import_is_failed_not_run_again(users, cycle, media_root):
    from tests.test_excel import ENGLISH_HEADERS, row, xlsx

    job = job_enqueue(
        kind="proposals.import",
        by=users["sichuan"],
        params={"cycle_id": cycle.pk, "language": "en"},
        upload=SimpleUploadedFile("p.xlsx", xlsx(ENGLISH_HEADERS, row())),
    )
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    before = Proposal.objects.count()
    call_command("run_jobs", "--once")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.finished_at is not None
    assert job.message.startswith("The job was interrupted when the background worker stopped")
    assert "Check what it did (for an import, whether its rows are there)" in job.message
    assert Proposal.objects.count() == before  # not imported (again)


def test_an_interrupted_export_is_run_again(users, media_root):
    job = left_running("proposals.export", created_by=users["national"])
    call_command("run_jobs", "--once")
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.result_file
    assert job.params["attempts"] == 2


@job_kind("tests.atomic_failure", atomic=True)
def _fails_atomically(job: Job) -> None:
    raise RuntimeError("boom")


@job_kind("tests.partial_failure")
def _fails_half_way(job: Job) -> None:
    raise RuntimeError("boom")


@job_kind("tests.told_failure")
def _fails_with_a_message(job: Job) -> None:
    raise JobFailed("Row 3 is wrong.")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("tests.atomic_failure", "The job failed unexpectedly; nothing was changed."),
        (
            "tests.partial_failure",
            "The job failed unexpectedly. What it finished before the failure is kept.",
        ),
        ("tests.told_failure", "Row 3 is wrong."),
    ],
)
def test_the_failure_message_says_nothing_changed_only_for_atomic_kinds(db, kind, message):
    with translation.override("en"):
        job = job_enqueue(kind=kind, by=None)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.FAILED, message)
