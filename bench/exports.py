"""Big imports and exports as background jobs (issue #13): time and peak memory by size.

Each figure comes from a fresh child process (`python -m bench.exports --child ...`) that
builds its own throwaway database (the configured engine, a test database of its own name;
SQLite in a file, so that the database is not counted as the process's memory), runs one job
through jobs.services.job_run as the worker would, and reports its time, its CPU time (which
other work on a busy machine does not inflate) and the peak resident memory during the job
(Linux's VmHWM, reset just before it) against the process's size before it. Memory that stays
flat as rows grow is the point: compare the two sizes.

- the proposal import of generated workbooks of BENCH_IMPORT_ROWS rows (default 5000,50000);
- the bulk-update sheet (批量更新表) of bench/tasks.py's national data set at BENCH_BULK_TASKS
  tasks (default 300,1500; six milestone and target rows per task).

`python -m bench.exports` prints the table; `main()` is what bench/__main__.py may call.
"""

import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

IMPORT_ROWS = [int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "5000,50000").split(",")]
BULK_TASKS = [int(n) for n in os.environ.get("BENCH_BULK_TASKS", "300,1500").split(",")]
ROOT = Path(__file__).resolve().parent.parent
# One child at a time may not take longer than this (seconds).
CHILD_TIMEOUT = 1800


def proposal_workbook(path: Path, rows: int) -> int:
    """Write a proposal import workbook of `rows` filled-in rows (the template's Chinese
    header) to `path`; its size in bytes. Needs Django set up (the header's labels)."""
    from django.utils import translation
    from openpyxl import Workbook

    from proposals import excel
    from proposals.models import ReformField

    with translation.override("zh-hans"):
        header = [excel.label(name) for name, _w in excel.IMPORT_COLUMNS]
    fields = list(ReformField.objects.values_list("name", flat=True)) or ["其他"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("建议书")
    sheet.append(header)
    for i in range(rows):
        sheet.append(
            [
                f"建立科技成果赋权改革容错机制（{i}）",
                fields[i % len(fields)],
                "赋权后国有资产管理责任不清，单位不敢赋权。",
                f"明确赋权成果不纳入国有资产保值增值考核。\n建立尽职免责清单，第{i}项。",
                "是" if i % 3 == 0 else "否",
                "科技部、财政部" if i % 3 == 0 else "",
                "省科技厅、省财政厅",
                "形成可复制的赋权改革经验",
                f"赋权成果{i % 500}项",
                "2099年6月前出台办法",
                "需要国家层面容错支持",
                "李四",
                "028-87654321",
            ]
        )
    workbook.save(path)
    return path.stat().st_size


def _peak_kib() -> int:
    """This process's peak resident memory: Linux's VmHWM, which `_reset_peak` can lower to
    the current size so that a job's own peak is seen (building the data before the job may
    have peaked higher); else getrusage's peak, which never comes down."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")  # 5: reset the peak RSS to the current RSS (proc(5))
    except OSError:
        pass


def _django(media: str) -> Any:
    """Set Django up in this child with a test database of its own; its old name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiebang.settings")
    os.environ["MEDIA_ROOT"] = media
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    settings.MEDIA_ROOT = media
    settings.JOBS_RUN_INLINE = False
    # Its own name: a bench of another helper or `make bench` may hold the default one.
    test: dict[str, Any] = connection.settings_dict.setdefault("TEST", {})
    # SQLite in a file, not in memory: an in-memory database would count in the peak memory.
    test["NAME"] = (
        str(Path(media) / "bench.sqlite3")
        if connection.vendor == "sqlite"
        else f"test_bench_exports_{os.getpid()}"
    )
    setup_test_environment()
    return connection.creation.create_test_db(verbosity=0, autoclobber=True)


def _run_job(kind: str, by: Any, params: dict[str, Any], upload: Any = None) -> dict[str, Any]:
    from jobs.models import Job
    from jobs.services import job_enqueue, job_run

    job = job_enqueue(kind=kind, by=by, params=params, upload=upload)
    _reset_peak()
    before = _peak_kib()
    start, cpu = time.perf_counter(), time.process_time()
    job_run(job_id=job.pk)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    job = Job.objects.get(pk=job.pk)
    return {
        "state": job.state,
        "message": job.message,
        "seconds": round(seconds, 2),
        # CPU time of the job's process: what a busy machine (other work on its cores) does
        # not inflate; the database's own work is outside it on PostgreSQL.
        "cpu_seconds": round(cpu, 2),
        "peak_growth_mib": round((_peak_kib() - before) / 1024, 1),
        "peak_mib": round(_peak_kib() / 1024, 1),
        "before_mib": round(before / 1024, 1),
        "total": job.total,
    }


def via_job(client: Any, url: str) -> Callable[[], object]:
    """A timed export that is a background job: GET its link (a redirect to the job's page),
    run the job as the worker would, and throw its file away. For bench/tasks.py's timings
    of the task index, dispatch and bulk-update workbooks, which used to be plain GETs."""

    def run() -> object:
        from jobs.models import Job
        from jobs.services import job_run

        response = client.get(url)
        location = response.get("Location", "")
        assert response.status_code == 302 and location.startswith("/jobs/"), (url, location)
        job_id = int(location.strip("/").split("/")[-1])
        job_run(job_id=job_id)
        job = Job.objects.get(pk=job_id)
        assert job.state == Job.State.DONE, (url, job.message)
        job.result_file.delete(save=False)
        return job

    return run


def _child_import(path: str) -> dict[str, Any]:
    from django.core.files import File

    from accounts.models import Role, User
    from proposals.models import Cycle, Proposal
    from proposals.reference import load_fields
    from regions.models import Division
    from regions.reference import load_divisions

    load_divisions()
    load_fields()
    national = User.objects.create(username="bench-national", role=Role.NATIONAL)
    sichuan = User.objects.create(
        username="bench-sichuan", role=Role.LOCALITY, division=Division.objects.get(code="510000")
    )
    cycle = Cycle.objects.create(
        year=2099, title="bench", deadline=datetime.date(2099, 4, 30), opened_by=national
    )
    with open(path, "rb") as handle:
        result = _run_job(
            "proposals.import",
            sichuan,
            {"cycle_id": cycle.pk, "language": "en"},
            File(handle, name="proposals.xlsx"),
        )
    result["imported"] = Proposal.objects.count()
    return result


def _child_bulk(tasks: int) -> dict[str, Any]:
    from accounts.models import User
    from bench import tasks as implementation
    from tasks.jobs import BULK_SHEET

    built = implementation.build(tasks)
    return _run_job(BULK_SHEET, User.objects.get(pk=built["national"]), {"language": "en"})


def _spawn(*args: str) -> dict[str, Any]:
    """Run one measurement in a fresh process; its JSON result."""
    done = subprocess.run(  # noqa: S603 (this interpreter, on our own module)
        [sys.executable, "-m", "bench.exports", "--child", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"bench child {args} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def import_figures(sizes: list[int] = IMPORT_ROWS) -> Iterator[dict[str, Any]]:
    """The proposal import at each number of rows, as each is measured: time, CPU time,
    peak memory, rows imported."""
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"proposals-{rows}.xlsx"
            size = _spawn("workbook", str(path), str(rows))["bytes"]
            result = _spawn("import", str(path))
            yield {"rows": rows, "file_mib": round(size / 2**20, 1), **result}


def bulk_figures(sizes: list[int] = BULK_TASKS) -> Iterator[dict[str, Any]]:
    """The bulk-update sheet job at each number of tasks, as each is measured."""
    for tasks in sizes:
        yield {"tasks": tasks, **_spawn("bulk", str(tasks))}


def main() -> None:
    print("== big imports and exports, as background jobs ==")
    for figure in import_figures():
        print(
            f"proposal import {figure['rows']:>7,} rows ({figure['file_mib']} MiB): "
            f"{figure['seconds']:7.1f} s ({figure['cpu_seconds']:.1f} s CPU), "
            f"peak RSS {figure['peak_mib']:6.1f} MiB "
            f"(+{figure['peak_growth_mib']:.1f} over the process before the job), "
            f"{figure['imported']:,} imported ({figure['state']})",
            flush=True,
        )
    for figure in bulk_figures():
        print(
            f"bulk-update sheet {figure['tasks']:>5,} tasks ({figure['total']:,} rows): "
            f"{figure['seconds']:7.1f} s ({figure['cpu_seconds']:.1f} s CPU), "
            f"peak RSS {figure['peak_mib']:6.1f} MiB "
            f"(+{figure['peak_growth_mib']:.1f} over the process before the job) "
            f"({figure['state']})",
            flush=True,
        )


def _child(args: list[str]) -> None:
    what = args[0]
    if what not in ("workbook", "import", "bulk"):
        raise SystemExit(f"unknown child {what!r}")
    with tempfile.TemporaryDirectory() as media:
        old_name = _django(media)
        from django.db import connection

        try:
            if what == "workbook":
                from proposals.reference import load_fields

                load_fields()
                result = {"bytes": proposal_workbook(Path(args[1]), int(args[2]))}
            elif what == "import":
                result = _child_import(args[1])
            else:
                result = _child_bulk(int(args[1]))
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2:])
    else:
        main()
