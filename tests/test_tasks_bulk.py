"""Bulk update from a sheet: the downloaded sheet comes back as the update; every bad row is
reported with its row number and nothing is applied unless all rows are valid. Only the rows
changed in the sheet are applied, and never over a figure that moved since the download."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from kernel.errors import Forbidden
from kernel.spreadsheets import text_cell
from regions.models import Organisation
from tasks import progress
from tasks.exports.bulk import headers
from tasks.models import Milestone, Status, Target, Task
from tasks.services import bulk, reports
from tasks.services.reports import MilestoneFigure
from tests.conftest import client_for, make_user
from tests.jobfiles import exported
from tests.test_tasks_fixtures import approved_plan, task_world

TODAY = datetime.date(2026, 11, 22)


@pytest.fixture
def w(users):
    world = task_world(users)
    sysu = make_user(
        "sysu", Role.IMPLEMENTER, organisation=Organisation.objects.get(name="中山大学")
    )
    world.gd_task = approved_plan(world.guangdong_tasks[0], users["guangdong"], sysu)
    return world


def download(user, language="en"):
    response = exported(client_for(user), "/tasks/bulk/sheet/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def upload(user, workbook, language="en"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("update.xlsx", buffer.getvalue())
    return client_for(user).post(
        "/tasks/bulk/", {"file": upload}, HTTP_ACCEPT_LANGUAGE=language, follow=True
    )


def columns(sheet):
    return {cell.value: cell.column for cell in sheet[1]}


def test_the_sheet_lists_the_milestones_and_targets_of_the_users_approved_tasks(w, users):
    sheet = download(users["sichuan"]).worksheets[0]
    col = columns(sheet)
    for header in ("Status (edit)", "Done on (edit)", "Actual value (edit)"):
        assert header in col
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3], r[4]) for r in rows] == [
        (w.task.pk, "milestone", 1),
        (w.task.pk, "milestone", 2),
        (w.task.pk, "target", 1),
    ]
    assert rows[0][col["Status (edit)"] - 1] == "not started"
    national = download(users["national"]).worksheets[0]
    assert {r[0] for r in national.iter_rows(min_row=2, values_only=True)} == {
        w.task.pk,
        w.gd_task.pk,
    }


def test_round_trip_applies_the_changes_and_records_them(w, users):
    workbook = download(users["sichuan"], "zh-hans")
    sheet = workbook.worksheets[0]
    with override("zh-hans"):
        col = {key: columns(sheet)[text] for key, text in headers().items()}
        done_label = str(Status.DONE.label)
    sheet.cell(2, col["status"], done_label)  # Chinese label, as a Chinese user types it
    sheet.cell(2, col["done_on"], datetime.date(2026, 3, 1))
    sheet.cell(3, col["status"], "in_progress")  # or the code
    sheet.cell(4, col["actual"], 100)
    response = upload(users["sichuan"], workbook)
    assert response.status_code == 200
    assert "3 rows read; 1 tasks changed." in response.content.decode()
    m1, m2 = Milestone.objects.filter(task=w.task).order_by("position")
    target = Target.objects.get(task=w.task)
    assert (m1.status, m1.done_on, m2.status, target.actual) == (
        "done",
        datetime.date(2026, 3, 1),
        "in_progress",
        Decimal(100),
    )
    task = Task.objects.get(pk=w.task.pk)
    assert task.progress == progress.task_progress([m1, m2], [target]) == Decimal("50.0")
    entry = AuditEntry.objects.get(action="task.bulk_updated", object_id=str(task.pk))
    assert entry.actor == users["sichuan"]
    assert len(entry.changes) == 3
    # Uploading the same sheet again changes nothing and records nothing.
    again = upload(users["sichuan"], workbook)
    assert "3 rows read; 0 tasks changed." in again.content.decode()
    assert AuditEntry.objects.filter(action="task.bulk_updated").count() == 1


def test_every_bad_row_is_reported_and_nothing_is_applied(w, users):
    workbook = download(users["sichuan"])
    sheet = workbook.worksheets[0]
    col = columns(sheet)
    sheet.cell(2, col["Status (edit)"], "in progress")  # valid, must not be applied
    sheet.cell(3, col["Status (edit)"], "finished")  # bad status
    sheet.append([w.task.pk, "", "", "milestone", 9])  # no milestone 9
    sheet.append([w.gd_task.pk, "", "", "target", 1, "", "", "", "", "", "", "", 5])  # not mine
    sheet.cell(4, col["Actual value (edit)"], "about forty")  # not a number
    sheet.append([w.task.pk, "", "", "milestone", 1, "", "", "", "", "", "done", "", ""])
    sheet.append([w.sichuan_tasks[1].pk, "", "", "milestone", 1])  # plan not approved
    response = upload(users["sichuan"], workbook)
    page = response.content.decode()
    assert "Nothing was changed" in page
    errors = dict(response.context["errors"])
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert "not a status" in errors[3]
    assert "not a number" in errors[4]
    assert "no milestone number 9" in errors[5]
    assert "not one of your tasks" in errors[6]
    assert "already on row 2" in errors[7]
    assert "not one of your tasks" in errors[8]
    assert '<th scope="row">6</th>' in page
    assert set(Milestone.objects.filter(task=w.task).values_list("status", flat=True)) == {
        "not_started"
    }
    assert not AuditEntry.objects.filter(action="task.bulk_updated").exists()


def test_a_done_milestone_needs_a_valid_past_date(w, users):
    rows = [
        bulk.SheetRow(2, w.task.pk, "milestone", 1, status="done"),
        bulk.SheetRow(3, w.task.pk, "milestone", 2, status="done", done_on="31/13/2026"),
        bulk.SheetRow(4, w.task.pk, "target", 1, actual="12", was=f"target {w.task.pk} 1"),
    ]
    with override("en"), pytest.raises(bulk.BulkRejected) as caught:
        bulk.bulk_update(by=users["sichuan"], rows=rows, today=TODAY)
    assert [row for row, _m in caught.value.errors] == [2, 3]
    assert Target.objects.get(task=w.task).actual is None
    future = [bulk.SheetRow(2, w.task.pk, "milestone", 1, status="done", done_on="2027-01-01")]
    with override("en"), pytest.raises(bulk.BulkRejected, match="1 rows"):
        bulk.bulk_update(by=users["sichuan"], rows=future, today=TODAY)


def test_only_coordinators_update_from_a_sheet(w, users):
    rows = [bulk.SheetRow(2, w.task.pk, "target", 1, actual="12", was=f"target {w.task.pk} 1")]
    for role in ("implementer", "expert", "public", "city"):
        with pytest.raises(Forbidden):
            bulk.bulk_update(by=users[role], rows=rows)
        client = client_for(users[role])
        assert client.get("/tasks/bulk/").status_code == 403, role
        assert client.get("/tasks/bulk/sheet/").status_code == 403, role
    # Guangdong's coordinator sees Sichuan's task as not its own.
    with pytest.raises(bulk.BulkRejected):
        bulk.bulk_update(by=users["guangdong"], rows=rows)
    assert Target.objects.get(task=w.task).actual is None
    result = bulk.bulk_update(by=users["national"], rows=rows)
    assert (result.rows, result.tasks_changed) == (1, 1)


def test_a_file_that_is_not_the_sheet_is_refused(w, users):
    client = client_for(users["sichuan"])
    bad = SimpleUploadedFile("update.xlsx", b"not a workbook")
    page = client.post("/tasks/bulk/", {"file": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert "not an .xlsx workbook" in page.content.decode()
    workbook = download(users["sichuan"])
    workbook.worksheets[0].delete_rows(1)  # headers gone
    page = upload(users["sichuan"], workbook)
    assert "Row 1 must keep the headers" in page.content.decode()
    assert client.get("/tasks/bulk/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def submit_report(w, users, *, m2_done_on, actual):
    """The implementer's report of the current period: milestone 2 done, the actual moved."""
    implementer = users["implementer"]
    report = reports.report_start(task=w.task, by=implementer)
    m1, m2 = report.milestones.order_by("milestone__position")
    reports.report_save(
        report=report,
        by=implementer,
        milestones=[
            MilestoneFigure(m1.milestone_id, m1.status, m1.done_on),
            MilestoneFigure(m2.milestone_id, "done", m2_done_on),
        ],
        targets={report.targets.get().target_id: actual},
        done="完成首批试点",
        problems="",
        help_needed="",
    )
    reports.report_submit(report=report, by=implementer)


def figures(task):
    m1, m2 = Milestone.objects.filter(task=task).order_by("position")
    return (m1.status, m2.status, m2.done_on, Target.objects.get(task=task).actual)


def test_an_untouched_sheet_never_writes_over_a_report_submitted_since(w, users):
    workbook = download(users["sichuan"])
    sheet = workbook.worksheets[0]
    assert sheet.column_dimensions[bulk_letter(sheet, "As downloaded (do not change)")].hidden
    done_on = timezone.localdate()
    submit_report(w, users, m2_done_on=done_on, actual=Decimal(48))
    after_report = figures(w.task)
    assert after_report == ("not_started", "done", done_on, Decimal(48))
    response = upload(users["sichuan"], workbook)
    assert "3 rows read; 0 tasks changed." in response.content.decode()
    assert figures(w.task) == after_report
    assert not AuditEntry.objects.filter(action="task.bulk_updated").exists()


def bulk_letter(sheet, header):
    return sheet.cell(1, columns(sheet)[header]).column_letter


def test_a_row_changed_in_the_sheet_whose_figure_moved_since_is_refused(w, users):
    workbook = download(users["sichuan"])
    sheet = workbook.worksheets[0]
    col = columns(sheet)
    sheet.cell(2, col["Status (edit)"], "in progress")  # milestone 1: the report left it alone
    sheet.cell(4, col["Actual value (edit)"], 60)  # the target, which the report moves to 48
    submit_report(w, users, m2_done_on=timezone.localdate(), actual=Decimal(48))
    after_report = figures(w.task)
    response = upload(users["sichuan"], workbook)
    errors = dict(response.context["errors"])
    assert set(errors) == {4}
    assert "changed since you downloaded the sheet: download it again" in errors[4]
    assert figures(w.task) == after_report  # all or nothing: milestone 1 is not applied either
    # Changed to what the database holds already: nothing to refuse, nothing to write.
    sheet.cell(4, col["Actual value (edit)"], 48)
    response = upload(users["sichuan"], workbook)
    assert "3 rows read; 1 tasks changed." in response.content.decode()
    assert figures(w.task) == ("in_progress", *after_report[1:])


def test_a_row_that_lost_its_value_as_downloaded_is_refused(w, users):
    workbook = download(users["sichuan"])
    sheet = workbook.worksheets[0]
    col = columns(sheet)
    was = col["As downloaded (do not change)"]
    sheet.cell(2, col["Status (edit)"], "in progress")
    sheet.cell(2, was).value = None
    sheet.cell(4, col["Actual value (edit)"], 60)
    sheet.cell(4, was, sheet.cell(3, was).value)  # another row's, as after sorting part of it
    response = upload(users["sichuan"], workbook)
    errors = dict(response.context["errors"])
    assert set(errors) == {2, 4}
    assert all("lost the hidden value it had when downloaded" in e for e in errors.values())
    assert figures(w.task) == ("not_started", "not_started", None, None)


def test_text_that_could_run_as_a_formula_stays_text_in_the_sheet(w, users):
    payload = '=HYPERLINK("x")'
    Milestone.objects.filter(task=w.task, position=1).update(title=payload)
    Target.objects.filter(task=w.task).update(indicator="@SUM(A1)", unit="-1")
    sheet = download(users["sichuan"]).worksheets[0]
    col = columns(sheet)
    cells = [sheet.cell(2, col["Milestone or indicator"]), sheet.cell(4, col["Unit"])]
    cells.append(sheet.cell(4, col["Milestone or indicator"]))
    assert [(c.value, c.data_type) for c in cells] == [
        (payload, "s"),
        ("-1", "s"),
        ("@SUM(A1)", "s"),
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_shared_guard_writes_any_formula_start_as_text(start):
    sheet = Workbook(write_only=True).create_sheet()
    cell = text_cell(sheet, f"{start}1+2")
    assert (cell.value, cell.data_type) == (f"{start}1+2", "s")
    assert text_cell(sheet, "plain\x07 text") == "plain text"  # a bell a sheet cannot hold
    assert text_cell(sheet, 12) == 12


def test_an_upload_locks_only_the_tasks_it_names_within_the_scope(w, users):
    rows = [
        bulk.SheetRow(2, w.gd_task.pk, "target", 1),
        bulk.SheetRow(3, w.sichuan_tasks[1].pk, "target", 1),  # plan not approved
        bulk.SheetRow(4, "not a task", "target", 1),
    ]
    with transaction.atomic():
        # The national scope holds both approved tasks; the sheet names one of them.
        assert bulk.lock_sheet_tasks(users["national"], rows) == [w.gd_task.pk]
        assert bulk.lock_sheet_tasks(users["sichuan"], rows) == []
        both = [bulk.SheetRow(5, w.task.pk, "target", 1), *rows]
        assert bulk.lock_sheet_tasks(users["national"], both) == sorted([w.task.pk, w.gd_task.pk])
