"""Bulk update from a sheet: the downloaded sheet comes back as the update; every bad row is
reported with its row number and nothing is applied unless all rows are valid."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from regions.models import Organisation
from tasks import progress
from tasks.exports.bulk import headers
from tasks.models import Milestone, Status, Target, Task
from tasks.services import bulk
from tests.conftest import client_for, make_user
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
    response = client_for(user).get("/tasks/bulk/sheet/", HTTP_ACCEPT_LANGUAGE=language)
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
        bulk.SheetRow(4, w.task.pk, "target", 1, actual="12"),
    ]
    with override("en"), pytest.raises(bulk.BulkRejected) as caught:
        bulk.bulk_update(by=users["sichuan"], rows=rows, today=TODAY)
    assert [row for row, _m in caught.value.errors] == [2, 3]
    assert Target.objects.get(task=w.task).actual is None
    future = [bulk.SheetRow(2, w.task.pk, "milestone", 1, status="done", done_on="2027-01-01")]
    with override("en"), pytest.raises(bulk.BulkRejected, match="1 rows"):
        bulk.bulk_update(by=users["sichuan"], rows=future, today=TODAY)


def test_only_coordinators_update_from_a_sheet(w, users):
    rows = [bulk.SheetRow(2, w.task.pk, "target", 1, actual="12")]
    for role in ("implementer", "expert", "public", "city"):
        with pytest.raises(PermissionError):
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
