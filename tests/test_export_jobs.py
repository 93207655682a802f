"""The big exports as background jobs (issue #13): the task index, the progress overview, the
bulk-update sheet, the dispatch and the review ranking. Each job is queued through its service
(which refuses the wrong role or region), run as the worker runs it, and its workbook read
back with openpyxl; the streamed table writer keeps the look of kernel.spreadsheets."""

import datetime
import io

import pytest
from django.http import Http404
from django.utils import translation
from openpyxl import load_workbook

from jobs.models import Job
from jobs.services import job_enqueue, job_run
from kernel.errors import Forbidden
from kernel.spreadsheets import display_width, table_bytes
from review.export_jobs import RANKING_EXPORT, ranking_export_start
from tasks import jobs as export_jobs
from tasks.models import Milestone, Target, Task
from tests.conftest import client_for
from tests.test_review_results import reviewed  # noqa: F401  (a fixture)
from tests.test_tasks_fixtures import task_world


@pytest.fixture
def world(users, media_root):
    return task_world(users)


@pytest.fixture(autouse=True)
def english():
    """Jobs report in the language of whoever queued them: English here."""
    with translation.override("en"):
        yield


def finished(job: Job) -> tuple[Job, list[list[tuple]]]:
    """Run `job` as the worker would; the job after, and each sheet's rows."""
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.message
    with job.result_file.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    return job, [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]


def test_task_index_export_lists_the_visible_tasks(users, world):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export_jobs, "EXPORT_PROGRESS_EVERY", 2)  # a progress report mid-way
        job = export_jobs.index_export_start(
            by=users["sichuan"], params={}, shown=[("Programme", world.programme.title)]
        )
        job, (rows,) = finished(job)
    assert str(rows[0][0]).startswith("Filters applied: Programme=")
    assert rows[1][:2] == ("No.", "Task")
    titles = {row[1] for row in rows[2:]}
    assert titles == {t.title for t in world.sichuan_tasks}
    assert job.total == job.progress == 3
    assert job.result_name.startswith("tasks-") and job.result_name.endswith(".xlsx")


def test_progress_export_has_the_claimants_and_every_task(users, world):
    job = export_jobs.progress_export_start(
        by=users["national"], programme=world.programme, text="", shown=[]
    )
    job, (claimants, tasks) = finished(job)
    assert claimants[1] == ("Claimant", "Tasks", "Progress (%)")
    assert len(tasks) == 2 + Task.objects.filter(programme=world.programme).count()
    assert job.total == job.progress == Task.objects.filter(programme=world.programme).count()


def test_bulk_sheet_job_streams_every_milestone_and_target(users, world):
    job = export_jobs.bulk_sheet_start(by=users["sichuan"])
    job, (rows, _notes) = finished(job)
    approved = Task.objects.filter(claimant=world.sichuan, plan_state="approved")
    expected = (
        Milestone.objects.filter(task__in=approved).count()
        + Target.objects.filter(task__in=approved).count()
    )
    assert expected > 0
    assert rows[0][0] == "Task ID"  # the header stays on row 1, where the reader looks
    assert len(rows) == 1 + expected
    assert {row[0] for row in rows[1:]} == set(approved.values_list("pk", flat=True))
    assert job.total == job.progress == expected


def test_bulk_sheet_read_in_chunks_of_tasks_keeps_task_order(users, world, monkeypatch):
    monkeypatch.setattr(export_jobs, "BULK_TASKS_PER_CHUNK", 1)
    job, (rows, _notes) = finished(export_jobs.bulk_sheet_start(by=users["national"]))
    ids = [row[0] for row in rows[1:]]
    assert ids == sorted(ids) and len(set(ids)) >= 1


def test_dispatch_export_of_a_period(users, world):
    job = export_jobs.dispatch_export_start(
        by=users["national"],
        programme=world.programme,
        period=(2026, 1),
        claimant=None,
        status="all",
        text="",
        shown=[("Show", "all tasks")],
    )
    job, (summary, tasks, _past) = finished(job)
    assert "Show=all tasks" in str(summary[0][0])
    assert len(tasks) == 2 + Task.objects.filter(programme=world.programme).count()
    assert job.total == job.progress == len(tasks) - 2
    assert job.result_name.startswith(f"dispatch-{world.programme.pk}-2026-1-")


def test_dispatch_export_of_a_locality_holds_its_own_only(users, world):
    job = export_jobs.dispatch_export_start(
        by=users["guangdong"],
        programme=world.programme,
        period=(2026, 1),
        claimant=None,
        status="all",
        text="",
        shown=[],
    )
    _job, (_summary, tasks, _past) = finished(job)
    assert {row[1] for row in tasks[2:]} == {t.title for t in world.guangdong_tasks}


def test_ranking_export_job(reviewed, media_root):  # noqa: F811 (the fixture)
    w = reviewed
    job = ranking_export_start(by=w.national, cycle=w.cycle, params={}, shown=[])
    job, (rows,) = finished(job)
    assert rows[1][:3] == ("Rank", "No.", "Candidate measure")
    assert len(rows) - 2 == job.total == job.progress
    assert {row[2] for row in rows[2:]} >= {w.ip.title, w.joint.title}


def test_the_wrong_role_or_region_is_refused_by_the_services(users, world, reviewed):  # noqa: F811
    with pytest.raises(Forbidden):
        export_jobs.index_export_start(by=users["expert"], params={}, shown=[])
    with pytest.raises(Forbidden):
        export_jobs.bulk_sheet_start(by=users["implementer"])
    with pytest.raises(Forbidden):
        export_jobs.progress_export_start(
            by=users["implementer"], programme=world.programme, text="", shown=[]
        )
    with pytest.raises(Http404):  # a region with no task in the programme
        export_jobs.progress_export_start(
            by=users["region"], programme=world.programme, text="", shown=[]
        )
    with pytest.raises(Forbidden):
        export_jobs.dispatch_export_start(
            by=users["implementer"],
            programme=world.programme,
            period=(2026, 1),
            claimant=None,
            status="all",
            text="",
            shown=[],
        )
    with pytest.raises(Forbidden):
        ranking_export_start(by=users["sichuan"], cycle=reviewed.cycle, params={}, shown=[])
    assert not Job.objects.exists()


def test_a_job_queued_for_a_user_without_the_right_fails_and_writes_no_file(users, world):
    for kind in (export_jobs.INDEX_EXPORT, export_jobs.BULK_SHEET, RANKING_EXPORT):
        job = job_enqueue(kind=kind, by=users["expert"], params={"language": "en"})
        job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.state == Job.State.FAILED
        assert job.message == "You may not export this list."
        assert not job.result_file


def test_the_export_link_queues_the_job_and_its_page_offers_the_file(users, world, inline_jobs):
    client = client_for(users["sichuan"])
    response = inline_jobs(lambda: client.get("/tasks/bulk/sheet/"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/jobs/{job.pk}/download/" in page
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 200


def test_a_streamed_table_keeps_the_look_beyond_its_sample():
    """Widths fitted on the first rows, header frozen and bold, the autofilter over every row
    (set after them), numbers and dates typed: with far more rows than the sample."""
    day = datetime.date(2026, 3, 2)
    rows = ([n, f"第{n}行", day] for n in range(1, 1201))
    content = table_bytes("表", ["序号", "名称", "日期"], rows, filters=[("状态", "已提交")])
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert str(sheet.cell(1, 1).value).startswith("Filters applied: 状态=已提交")
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:C1202"
    assert sheet.cell(2, 2).font.bold
    assert sheet.max_row == 1202
    assert sheet.cell(1202, 1).value == 1200 and sheet.cell(1202, 1).data_type == "n"
    assert sheet.cell(1202, 3).number_format == "yyyy-mm-dd"
    # Fitted on the sample (SAMPLE_ROWS = 500): "第500行" is 7 columns wide, plus 2.
    assert sheet.column_dimensions["B"].width == display_width("第500行") + 2 == 9
