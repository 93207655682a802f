"""Uploaded import files are deleted after the retention period (平台规则, issue #14): the
engine's periodic job deletes a finished job's input file from the disk and clears its field,
keeping the job, its message and its row errors; the job page says so. A job still queued or
running keeps its file, however old."""

import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import override

from jobs import retention
from jobs.models import Job
from jobs.registry import PERIODIC, PERIODIC_WHEN, RUNNERS
from jobs.services import job_run, periodic_job_enqueue
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
ROW_ERRORS = [{"row": 7, "message": "未知的改革领域"}]


def job_with_input(user, *, state=Job.State.FAILED, ended_days_ago: float | None = 31) -> Job:
    job = Job(
        kind="proposals.import",
        created_by=user,
        state=state,
        message="Nothing was imported: 1 row(s) have errors.",
        errors=ROW_ERRORS,
        params={"language": "en", "cycle_id": 1},
    )
    if ended_days_ago is not None:
        job.finished_at = timezone.now() - datetime.timedelta(days=ended_days_ago)
    job.input_file.save("proposals.xlsx", ContentFile(b"PK\x03\x04 workbook bytes"), save=False)
    job.save()
    return job


def on_disk(job: Job) -> Path:
    return Path(job.input_file.path)


def test_expired_inputs_are_deleted_from_disk_and_the_job_keeps_its_errors(users, media_root):
    old = job_with_input(users["sichuan"])
    path = on_disk(old)
    assert path.exists()
    assert retention.job_inputs_expire() == 1
    assert not path.exists()
    old.refresh_from_db()
    assert not old.input_file
    assert old.errors == ROW_ERRORS
    assert old.message == "Nothing was imported: 1 row(s) have errors."
    assert retention.DELETED_AT in old.params
    assert not any(Path(media_root, "jobs", "in").iterdir())
    assert retention.job_inputs_expire() == 0  # nothing left to do


def test_inputs_within_the_period_or_of_unfinished_jobs_are_kept(users, media_root, settings):
    settings.JOBS_INPUT_RETENTION_DAYS = 30
    recent = job_with_input(users["sichuan"], state=Job.State.DONE, ended_days_ago=29)
    queued = job_with_input(users["sichuan"], state=Job.State.QUEUED, ended_days_ago=None)
    Job.objects.filter(pk=queued.pk).update(created_at=timezone.now() - datetime.timedelta(90))
    running = job_with_input(users["sichuan"], state=Job.State.RUNNING, ended_days_ago=None)
    assert retention.job_inputs_expire() == 0
    for job in (recent, queued, running):
        assert on_disk(job).exists()
        job.refresh_from_db()
        assert job.input_file
    settings.JOBS_INPUT_RETENTION_DAYS = 7  # the period is a setting
    assert retention.job_inputs_expire() == 1
    assert not on_disk(recent).exists()


def test_the_engine_runs_the_expiry_periodically_only_when_there_is_work(users, media_root):
    assert retention.KIND in RUNNERS and retention.KIND in PERIODIC
    assert PERIODIC_WHEN[retention.KIND]() is False
    assert periodic_job_enqueue(retention.KIND) is None  # nothing expired: no job row
    old = job_with_input(users["sichuan"])
    path = on_disk(old)
    assert PERIODIC_WHEN[retention.KIND]() is True
    with override("en"):
        job = periodic_job_enqueue(retention.KIND)
        assert job is not None
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.message
    assert "1 uploaded file kept more than 30 days was deleted" in job.message
    assert not path.exists()


def test_the_job_page_says_the_input_was_deleted_after_the_retention_period(users, media_root):
    old = job_with_input(users["sichuan"])
    recent = job_with_input(users["sichuan"], ended_days_ago=1)
    retention.job_inputs_expire()
    client = client_for(users["sichuan"])
    page = client.get(f"/jobs/{old.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Platform rule: uploaded files are kept 30 days after the job ends." in page
    assert "was deleted on" in page
    assert "未知的改革领域" in page  # the row errors stay listed
    kept = client.get(f"/jobs/{recent.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert recent.finished_at is not None
    until = timezone.localtime(recent.finished_at + datetime.timedelta(days=30)).date()
    assert f"will be deleted on {until:%Y-%m-%d}" in kept
