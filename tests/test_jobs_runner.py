"""The worker survives a restart: what it knows is in the Job table. A job a killed worker
left running is queued again and run; a periodic kind is queued when its interval has passed
since the last one and not before; the system's own jobs have no creator."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from jobs.models import Job
from jobs.registry import PERIODIC, periodic
from jobs.services import (
    MAX_ATTEMPTS,
    job_enqueue,
    job_run_next,
    jobs_requeue_abandoned,
    periodic_enqueue,
)
from tasks.jobs import REMINDERS_EVERY
from tasks.models import Reminder
from tests.conftest import client_for
from tests.test_tasks_dispatch import approve_on
from tests.test_tasks_fixtures import task_world

KIND = "tasks.reminders"


def left_running(**params) -> Job:
    """What a worker killed in the middle of a job leaves behind."""
    return Job.objects.create(kind=KIND, state=Job.State.RUNNING, progress=3, params=params)


def test_reminders_are_a_periodic_kind():
    assert PERIODIC[KIND] == REMINDERS_EVERY == datetime.timedelta(hours=1)


def test_a_job_left_running_is_queued_again_and_run_by_the_worker(users):
    world = task_world(users)
    approve_on(world.task, datetime.date(2026, 1, 5))
    job = left_running(language="en")
    call_command("run_jobs", "--once")
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.params["attempts"] == 2
    assert Reminder.objects.filter(task=world.task).exists()
    assert job.message.endswith("reminders sent.")
    # The restarted worker did not queue another reminder run beside the requeued one.
    assert Job.objects.filter(kind=KIND).count() == 1


def test_a_job_that_keeps_dying_is_stopped(users):
    job = left_running(language="en", attempts=MAX_ATTEMPTS)
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
