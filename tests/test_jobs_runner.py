"""The worker survives a restart: what it knows is in the Job table. A job a killed worker
left running is queued again and run when its kind is restartable, and failed with a warning
when it is not (an import); a periodic kind is queued when its interval has passed since the
last one and not before; the system's own jobs have no creator. One worker runs at a time: a
second refuses to start while the first's lease is fresh and takes a silent one's over."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
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


def test_the_heartbeat_thread_runs_only_within_its_block(db):
    with worker_heartbeat(tick=60):
        assert [t for t in threading.enumerate() if t.name == "jobs-heartbeat"]
    assert not [t for t in threading.enumerate() if t.name == "jobs-heartbeat"]


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
