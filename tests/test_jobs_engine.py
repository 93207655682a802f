"""Real worker processes (`manage.py run_jobs`, the engine's db_worker) on PostgreSQL, as
`make run-prod` starts them: two racing over the same queue run every job once, even jobs
whose task was delivered twice; a job whose worker is killed is queued again when its kind
is restartable and failed with the "not run again on its own" message when it is not; a
periodic kind is run once however many workers start together; progress and row errors show
on the job page. Skipped unless the tests run on PostgreSQL
(DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiebang_engine)."""

import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from jobs.models import Job, PeriodicSchedule
from jobs.registry import job_kind
from jobs.services import JobFailed, job_enqueue, job_set_progress
from jobs.tasks import run_job
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parent.parent
TICK = "tests.engine.tick"
# The worker processes know this module's kinds, and the periodic one (registered there only,
# so that this process's periodic_enqueue stays as the other tests expect it).
BOOT = (
    "import datetime, sys, django; django.setup(); import tests.test_jobs_engine; "
    "from jobs.registry import periodic; "
    f"periodic({TICK!r}, every=datetime.timedelta(hours=1)); "
    "from django.core.management import call_command; "
    "call_command('run_jobs', '--interval', '0.1', '-v', '1')"
)

pytestmark = [
    pytest.mark.skipif(
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"),
        reason="worker races need PostgreSQL (set DATABASE_URL)",
    ),
    pytest.mark.usefixtures("reference_data_back"),
]


def _log(job: Job, line: str) -> None:
    with open(job.params["log"], "a") as log:  # O_APPEND: whole lines from any process
        log.write(f"{line}\n")


@job_kind("tests.engine.count")
def _count(job: Job) -> None:
    _log(job, f"{job.pk} {os.getpid()}")
    time.sleep(0.05)


@job_kind("tests.engine.slow", restartable=True)
def _slow(job: Job) -> None:
    _log(job, f"start {job.pk} {job.params.get('attempts', 1)}")
    if job.params.get("attempts", 1) == 1:
        time.sleep(120)  # killed here


@job_kind("tests.engine.slow_import")
def _slow_import(job: Job) -> None:
    _log(job, f"start {job.pk}")
    time.sleep(120)  # killed here


@job_kind(TICK, restartable=True)
def _tick(job: Job) -> None:
    pass


@job_kind("tests.engine.rows")
def _rows(job: Job) -> None:
    job_set_progress(job, 1, total=3)
    job_set_progress(job, 2)
    raise JobFailed("Nothing was imported.", [{"row": 3, "message": "The title is missing."}])


@contextmanager
def workers(tmp_path: Path, count: int, **env: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jiebang.settings",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    environ.pop("JOBS_RUN_INLINE", None)
    procs = []
    try:
        for n in range(count):
            log = open(tmp_path / f"worker{n}.log", "ab")  # noqa: SIM115
            procs.append(
                subprocess.Popen(  # noqa: S603 (our own worker)
                    [sys.executable, "-c", BOOT], cwd=ROOT, env=environ, stdout=log, stderr=log
                )
            )
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for(done: Callable[[], bool], tmp_path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            logs = "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("worker*.log"))
            pytest.fail(f"not done in {seconds}s; the workers said:\n{logs}")
        time.sleep(0.2)


def test_two_workers_run_every_job_once_and_a_periodic_kind_once(transactional_db, users, tmp_path):
    """Two workers start together on a queue of 40 jobs, each delivered twice, beside an
    import-like job that reports progress and fails on a row, and the periodic kind due."""
    log = tmp_path / "runs.log"
    log.touch()
    jobs = [
        job_enqueue(kind="tests.engine.count", by=None, params={"log": str(log)}) for _ in range(40)
    ]
    for job in jobs:  # every task delivered twice
        run_job.enqueue(job.pk)
    with translation.override("en"):
        rows = job_enqueue(kind="tests.engine.rows", by=users["national"])
    with workers(tmp_path, 2):
        wait_for(
            lambda: (
                not Job.objects.filter(kind__startswith="tests.engine.")
                .exclude(state__in=[Job.State.DONE, Job.State.FAILED])
                .exists()
                and Job.objects.filter(kind=TICK).exists()
            ),
            tmp_path,
        )
        time.sleep(1)  # time for a second worker's duplicate periodic run, if there were one
    runs = [line.split() for line in log.read_text().splitlines()]
    assert Counter(int(pk) for pk, _pid in runs) == Counter({job.pk: 1 for job in jobs})
    assert len({pid for _pk, pid in runs}) == 2  # both workers took their share

    [tick] = Job.objects.filter(kind=TICK)
    assert tick.state == Job.State.DONE
    # The next run an hour on, waiting once in the engine.
    assert PeriodicSchedule.objects.get(name=TICK).next_at > tick.created_at + (
        datetime.timedelta(minutes=59)
    )
    waiting = DBTaskResult.objects.filter(
        task_path="jobs.tasks.run_periodic", status="READY", args_kwargs__args__0=TICK
    )
    assert waiting.count() == 1

    page = client_for(users["national"]).get(f"/jobs/{rows.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Nothing was imported." in html
    assert "<td>3</td><td>The title is missing.</td>" in html
    assert "66%" in html


def test_a_killed_workers_jobs_are_requeued_or_failed(transactional_db, tmp_path):
    log = tmp_path / "runs.log"
    log.touch()
    with translation.override("en"):
        slow = job_enqueue(kind="tests.engine.slow", by=None, params={"log": str(log)})
        imported = job_enqueue(kind="tests.engine.slow_import", by=None, params={"log": str(log)})
    timing = {"JOBS_HEARTBEAT_SECONDS": "1", "JOBS_ABANDONED_AFTER": "3"}
    with workers(tmp_path, 2, **timing) as doomed:
        wait_for(lambda: log.read_text().count("start") == 2, tmp_path)
        for proc in doomed:
            os.kill(proc.pid, signal.SIGKILL)  # no chance to say anything
            proc.wait()
    mine = Job.objects.filter(pk__in=[slow.pk, imported.pk])
    assert set(mine.values_list("state", flat=True)) == {Job.State.RUNNING}
    with workers(tmp_path, 1, **timing):
        wait_for(
            lambda: not mine.exclude(state__in=[Job.State.DONE, Job.State.FAILED]).exists(),
            tmp_path,
        )
    slow.refresh_from_db()
    imported.refresh_from_db()
    assert (slow.state, slow.params["attempts"]) == (Job.State.DONE, 2)
    assert imported.state == Job.State.FAILED
    assert "is not run again on its own" in imported.message
    assert log.read_text().count(f"start {imported.pk}") == 1  # never run twice
