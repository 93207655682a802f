"""Exports ready for Excel/WPS (issue #12, "Exports ready for Excel/WPS: column widths, frozen
header, the filter that was applied written at the top, numbers as numbers, dates as dates").

Every workbook here comes from a real view (or job) and is read back with openpyxl. Sheets
that are uploaded again keep importing (the proposal export, the tasks' bulk sheet).
"""

import datetime
import io

from django import forms
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jobs.models import Job
from kernel.spreadsheets import display_width, form_filters
from notifications.services import notify
from proposals.models import Proposal
from tasks.exports import bulk
from tests.conftest import make_proposal
from tests.test_excel import capture, english, export, jobs_run_inline, run_import  # noqa: F401
from tests.test_tasks_fixtures import task_world


def _sheet(content: bytes, index: int = 0) -> Worksheet:
    sheet = load_workbook(io.BytesIO(content)).worksheets[index]
    assert isinstance(sheet, Worksheet)
    return sheet


def _text(sheet: Worksheet, row: int, column: int) -> str:
    value = sheet.cell(row, column).value
    assert isinstance(value, str), value
    return value


def _moment(sheet: Worksheet, row: int, column: int) -> datetime.datetime:
    value = sheet.cell(row, column).value
    assert isinstance(value, datetime.datetime), value
    return value


def _assert_ready(sheet: Worksheet, header_row: int) -> None:
    """Header frozen, autofilter on it, every used column given a width."""
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.auto_filter.ref is not None
    assert sheet.auto_filter.ref.startswith(f"A{header_row}:")
    for column in range(1, sheet.max_column + 1):
        letter = get_column_letter(column)
        assert sheet.column_dimensions[letter].width >= 6, letter


def test_task_index_carries_its_filter_and_numbers_as_numbers(users):
    world = task_world(users)
    client = english(users["national"])
    response = client.get(reverse("tasks:index_xlsx"), {"plan_state": "approved"})
    assert response.status_code == 200
    sheet = _sheet(b"".join(response.streaming_content) if response.streaming else response.content)
    line = _text(sheet, 1, 1)
    assert line.startswith("Filters applied: Plan=plan approved")
    assert "Exported at: " in line
    _assert_ready(sheet, header_row=2)
    assert sheet.cell(2, 1).value == "No."
    # Only the approved plan's task is listed: its item number and progress are numbers.
    assert sheet.max_row == 3
    number, progress = sheet.cell(3, 1), sheet.cell(3, 8)
    assert number.data_type == "n" and number.value == world.task.claim.item.position
    assert progress.data_type == "n"


def test_task_index_without_a_filter_says_none(users):
    task_world(users)
    response = english(users["national"]).get(reverse("tasks:index_xlsx"))
    sheet = _sheet(b"".join(response.streaming_content) if response.streaming else response.content)
    assert _text(sheet, 1, 1).startswith("Filters applied: none")
    _assert_ready(sheet, header_row=2)


def test_dates_are_dates_and_wide_text_gets_a_wide_column(users):
    """The task list's milestone due dates are date cells shown as yyyy-mm-dd."""
    world = task_world(users)
    client = english(users["sichuan"])
    response = client.get(f"/tasks/lists/{world.sichuan.pk}/tasks/xlsx/")
    sheet = _sheet(response.content)
    _assert_ready(sheet, header_row=1)
    due = [sheet.cell(row, 8) for row in range(2, sheet.max_row + 1) if sheet.cell(row, 8).value]
    assert due, "the approved plan has milestones with due dates"
    assert all(isinstance(cell.value, datetime.datetime) for cell in due)
    assert all(cell.number_format == "yyyy-mm-dd" for cell in due)
    assert _moment(sheet, due[0].row or 0, 8).date() == datetime.date(2026, 3, 2)
    # The task title column (Chinese) is wider than the item number column.
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_messages_export_shows_the_chosen_state_and_receipt_time(users):
    user = users["sichuan"]
    notify(users=[user], subject="逾期未报送", body="请报送进展报告")
    response = english(user).get(reverse("notifications:export"), {"state": "unread"})
    sheet = _sheet(response.content)
    assert _text(sheet, 1, 1).startswith("Filters applied: State=unread")
    _assert_ready(sheet, header_row=2)
    assert sheet.cell(3, 1).value == "逾期未报送"
    # Received just now, written in local time (Excel has no time zones).
    now = timezone.localtime().replace(tzinfo=None)
    assert abs(_moment(sheet, 3, 3) - now) < datetime.timedelta(minutes=5)
    assert sheet.cell(3, 3).number_format == "yyyy-mm-dd hh:mm"


def test_an_exported_proposal_sheet_imports_back_as_it_is(users, cycle, jobs_run_inline, capture):  # noqa: F811
    """The export has the filter line above its header; uploaded unchanged, it still imports:
    the importer finds the header on row 2."""
    make_proposal(cycle, users["sichuan"], state="submitted", title="川已报")
    sichuan = english(users["sichuan"])
    job = export(sichuan, capture, "state=submitted")[0]
    content = b"".join(sichuan.get(f"/jobs/{job.pk}/download/").streaming_content)
    assert _text(_sheet(content), 1, 1).startswith("Filters applied: State=submitted")
    Job.objects.all().delete()
    job = run_import(sichuan, content, capture)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, (job.message, job.errors)
    assert Proposal.objects.filter(title="川已报", state="draft").count() == 1


def test_the_tasks_bulk_sheet_keeps_its_header_on_row_1(users):
    """A sheet meant to be filled in and uploaded again gets no filter line: its header stays
    on row 1, where the importer reads it (the round trip itself: tests/test_tasks_bulk.py)."""
    task_world(users)
    response = english(users["sichuan"]).get(reverse("tasks:bulk_sheet"))
    assert response.status_code == 200
    sheet = _sheet(response.content)
    with translation.override("en"):
        expected = [str(text) for text in bulk.headers().values()]
    assert [cell.value for cell in sheet[1]][: len(expected)] == expected
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")


def test_cjk_characters_count_double():
    assert display_width("abc") == 3
    assert display_width("湖北省") == 6
    assert display_width("第一行\nlonger line") == 11
    assert display_width(datetime.date(2026, 1, 1)) == 10


def test_form_filters_show_labels_and_chosen_texts():
    class Filter(forms.Form):
        q = forms.CharField(label="Search", required=False)
        state = forms.ChoiceField(
            label="State", choices=[("", "---"), ("sub", "已提交")], required=False
        )
        only = forms.BooleanField(label="Landmark only", required=False)
        page = forms.IntegerField(widget=forms.HiddenInput, required=False)

    with translation.override("en"):
        assert form_filters(Filter({"state": "sub", "q": "", "page": "2"})) == [("State", "已提交")]
        assert form_filters(Filter({"q": "科技", "only": "on"})) == [
            ("Search", "科技"),
            ("Landmark only", "yes"),
        ]
        assert form_filters(Filter()) == []
