"""The jobs' life on the engine: what a killed worker left running is queued again when its
kind is restartable and failed with a warning when it is not (an import), judged by each
job's heartbeat; a periodic kind is queued when due and not before, by the engine's own
schedule (a row per kind, each run scheduling the next once) or by `run_jobs --once`; a job
and its task are written together and a task delivered twice runs its job once. The races
between real worker processes are in test_jobs_engine.py (PostgreSQL)."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from jobs.models import Job, JobHeartbeat, PeriodicSchedule
from jobs.periodic import STUCK_AFTER, SWEEP, periodic_ensure, periodic_fire
from jobs.registry import PERIODIC, job_kind, periodic
from jobs.services import (
    ENGINE_RESULTS_KEPT,
    MAX_ATTEMPTS,
    JobFailed,
    JobLost,
    _beat_tick,
    abandoned_after,
    job_enqueue,
    job_heartbeat,
    job_run,
    job_run_next,
    job_set_progress,
    jobs_prune_engine_results,
    jobs_redeliver,
    jobs_requeue_abandoned,
    periodic_enqueue,
)
from jobs.tasks import run_job
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


# Abandoned jobs: a heartbeat per job -------------------------------------------------------


def beating(job: Job, ago: datetime.timedelta) -> Job:
    """The job as a worker that last beat `ago` left it."""
    Job.objects.filter(pk=job.pk).update(claimed_by="run-1")
    JobHeartbeat.objects.update_or_create(job=job, defaults={"beat_at": timezone.now() - ago})
    job.refresh_from_db()
    return job


def test_a_job_whose_worker_beats_is_left_alone_a_silent_one_is_requeued(users):
    live = beating(left_running(), datetime.timedelta(seconds=5))
    silent = beating(left_running(), abandoned_after() + datetime.timedelta(seconds=1))
    assert jobs_requeue_abandoned() == [silent.pk]
    assert Job.objects.get(pk=live.pk).state == Job.State.RUNNING
    silent.refresh_from_db()
    assert (silent.state, silent.progress, silent.claimed_by) == (Job.State.QUEUED, 0, "")
    assert not JobHeartbeat.objects.filter(job=silent).exists()
    # Queued again in the engine, in the same transaction.
    assert run_job_tasks(silent.pk) == 1


def test_a_sweep_that_meets_a_fresh_beat_or_another_sweep_changes_nothing(users):
    job = beating(left_running(), abandoned_after() * 2)
    JobHeartbeat.objects.filter(job=job).update(beat_at=timezone.now())  # it beat meanwhile
    assert jobs_requeue_abandoned() == []
    # Another sweep (or the job's own new run) changed its claim first: this one's update
    # is conditional on the claim it saw.
    JobHeartbeat.objects.filter(job=job).update(beat_at=timezone.now() - abandoned_after() * 2)
    Job.objects.filter(pk=job.pk).update(claimed_by="run-2")
    assert jobs_requeue_abandoned() == [job.pk]  # the claim it reads now
    assert jobs_requeue_abandoned() == []  # and once only


@job_kind("tests.progress_after_sweep", restartable=True)
def _reports_progress_after_the_sweep(job: Job) -> None:
    # The worker was silent too long: the sweep has requeued the job meanwhile.
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, claimed_by="")
    job_set_progress(job, 1, 2)
    raise AssertionError("not reached: the progress report finds the job lost")


def test_a_run_whose_job_was_swept_stops_and_leaves_the_job_alone(users):
    job = job_enqueue(kind="tests.progress_after_sweep", by=None)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    # Still the next run's to do: not marked failed or done over its head.
    assert (job.state, job.finished_at, job.progress) == (Job.State.QUEUED, None, 0)
    # A progress report of a run that lost its job raises rather than writes.
    job.claimed_by = "a-lost-run"
    with pytest.raises(JobLost):
        job_set_progress(job, 1)
    assert Job.objects.get(pk=job.pk).progress == 0


def test_the_heartbeat_beats_bears_a_locked_database_and_stops_when_lost(users):
    job = beating(left_running(), abandoned_after() * 2)
    old = JobHeartbeat.objects.get(job=job).beat_at
    with transaction.atomic(), connection.execute_wrapper(_locked("jobs_jobheartbeat", "UPDATE")):
        assert _beat_tick(job) is True  # an error, not a stop
    assert JobHeartbeat.objects.get(job=job).beat_at == old
    assert _beat_tick(job) is True
    assert JobHeartbeat.objects.get(job=job).beat_at > old
    Job.objects.filter(pk=job.pk).update(claimed_by="another-run")
    assert _beat_tick(job) is False  # taken: nothing left to keep alive


def test_the_heartbeat_reconnects_after_its_connection_drops(users):
    """A database restart or a proxy's idle timeout closes the heartbeat thread's connection
    under Django: the tick that meets it drops it, so the next one opens a new one."""
    job = beating(left_running(), datetime.timedelta(0))
    seen: dict[str, object] = {}

    def heartbeat() -> None:
        try:
            connection.ensure_connection()
            connection.connection.close()  # Django still thinks it open
            seen["tick"] = _beat_tick(job)
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


def test_the_heartbeat_thread_runs_only_within_its_block(users):
    job = left_running()
    with job_heartbeat(job, every=60):
        assert [t for t in threading.enumerate() if t.name == f"job-{job.pk}-heartbeat"]
    assert not [t for t in threading.enumerate() if t.name.endswith("-heartbeat")]


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


# The engine: tasks, claims and schedules ----------------------------------------------------


def run_job_tasks(job_id: int) -> int:
    return DBTaskResult.objects.filter(
        task_path="jobs.tasks.run_job", args_kwargs__args=[job_id], status="READY"
    ).count()


def test_a_job_and_its_task_are_written_in_one_transaction(users):
    job = job_enqueue(kind=KIND, by=None)
    assert run_job_tasks(job.pk) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = job_enqueue(kind=KIND, by=None)
        raise RuntimeError("the request fails after queueing")
    assert not Job.objects.filter(pk=lost.pk).exists()
    assert run_job_tasks(lost.pk) == 0


def test_a_task_delivered_twice_runs_its_job_once(users):
    job = job_enqueue(kind="tests.counted", by=None)
    run_job.call(job.pk)
    run_job.call(job.pk)
    job_run(job_id=job.pk)
    assert [job.pk] == COUNTED
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


COUNTED: list[int] = []


@job_kind("tests.counted")
def _counted(job: Job) -> None:
    COUNTED.append(job.pk)


def test_queued_jobs_without_a_task_are_given_one_on_start(users):
    orphan = Job.objects.create(kind=KIND, params={"language": "en"})  # the old engine's
    queued = job_enqueue(kind=KIND, by=None)
    assert jobs_redeliver() == [orphan.pk]
    assert (run_job_tasks(orphan.pk), run_job_tasks(queued.pk)) == (1, 1)
    assert jobs_redeliver() == []


def test_the_engines_old_records_are_pruned_not_its_waiting_tasks(users):
    job = job_enqueue(kind=KIND, by=None)
    old = job_enqueue(kind=KIND, by=None)
    finished = timezone.now() - ENGINE_RESULTS_KEPT - datetime.timedelta(hours=1)
    DBTaskResult.objects.filter(args_kwargs__args=[old.pk]).update(
        status="SUCCESSFUL", finished_at=finished
    )
    assert jobs_prune_engine_results() == 1
    assert run_job_tasks(job.pk) == 1
    assert Job.objects.filter(pk=old.pk).exists()  # the user's record stays


def schedule_of(name: str) -> PeriodicSchedule:
    return PeriodicSchedule.objects.get(name=name)


def test_each_periodic_kind_and_the_sweep_is_scheduled_once(db):
    PeriodicSchedule.objects.all().delete()  # as before the first migrate's
    DBTaskResult.objects.all().delete()
    now = timezone.now()
    assert periodic_ensure(now) == sorted([*PERIODIC, SWEEP])
    assert periodic_ensure(now) == []  # every run is waiting: nothing more
    tasks = DBTaskResult.objects.filter(task_path="jobs.tasks.run_periodic")
    assert sorted(t.args_kwargs["args"][0] for t in tasks) == sorted([*PERIODIC, SWEEP])
    # A chain broken by a worker killed in a periodic run is scheduled again.
    row = schedule_of(KIND)
    DBTaskResult.objects.filter(pk=row.task_id).update(
        status="RUNNING", started_at=now - STUCK_AFTER - datetime.timedelta(minutes=1)
    )
    assert periodic_ensure(now) == [KIND]
    assert schedule_of(KIND).task_id != row.task_id


def test_a_periodic_run_schedules_the_next_and_queues_its_job(db):
    PeriodicSchedule.objects.all().delete()
    periodic_ensure()
    row = schedule_of(KIND)
    periodic_fire(KIND, task_id=row.task_id)
    [job] = Job.objects.filter(kind=KIND)
    assert job.created_by is None and run_job_tasks(job.pk) == 1
    after = schedule_of(KIND)
    assert after.task_id != row.task_id
    assert after.next_at >= row.next_at + REMINDERS_EVERY - datetime.timedelta(seconds=1)
    following = DBTaskResult.objects.get(pk=after.task_id)
    assert (following.status, following.run_after) == ("READY", after.next_at)
    # The same task delivered again, or an old one: superseded, nothing done.
    periodic_fire(KIND, task_id=row.task_id)
    assert Job.objects.filter(kind=KIND).count() == 1
    assert schedule_of(KIND).task_id == after.task_id
    # Its job still waiting: the next run queues none beside it.
    periodic_fire(KIND, task_id=after.task_id)
    assert Job.objects.filter(kind=KIND).count() == 1


def test_a_periodic_run_with_nothing_to_do_leaves_no_job(db):
    PeriodicSchedule.objects.all().delete()
    periodic_ensure()
    row = schedule_of("notifications.mail")  # `when`: only while an e-mail is due
    periodic_fire("notifications.mail", task_id=row.task_id)
    assert not Job.objects.filter(kind="notifications.mail").exists()
    assert schedule_of("notifications.mail").next_at > row.next_at


def test_a_first_schedule_counts_from_the_last_job(db):
    PeriodicSchedule.objects.all().delete()
    last = Job.objects.create(kind=KIND, state=Job.State.DONE)
    periodic_ensure()
    assert schedule_of(KIND).next_at == Job.objects.get(pk=last.pk).created_at + REMINDERS_EVERY


def test_the_sweep_runs_on_its_own_schedule(users):
    PeriodicSchedule.objects.all().delete()
    periodic_ensure()
    job = left_running()
    row = schedule_of(SWEEP)
    periodic_fire(SWEEP, task_id=row.task_id)
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED
    assert schedule_of(SWEEP).next_at >= row.next_at + abandoned_after() / 2 - datetime.timedelta(
        seconds=1
    )


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
