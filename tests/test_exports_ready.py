"""Exports ready for Excel/WPS (issue #12, "Exports ready for Excel/WPS: column widths, frozen
header, the filter that was applied written at the top, numbers as numbers, dates as dates").

Every workbook here comes from a real view (or job) and is read back with openpyxl. Sheets
that are uploaded again keep importing (the proposal export, the tasks' bulk sheet).
"""

import datetime
import io
from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from evaluation.models import TaskEvaluation
from jobs.models import Job
from kernel.spreadsheets import display_width, form_filters
from notifications.services import notify
from proposals.models import Proposal
from proposals.services.suggestions import suggestion_submit
from tasks.exports import bulk
from tests.conftest import make_proposal
from tests.jobfiles import exported
from tests.test_evaluation_scoring import make_commission, score_all
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
    response = exported(client, reverse("tasks:index_xlsx"), {"plan_state": "approved"})
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
    response = exported(english(users["national"]), reverse("tasks:index_xlsx"))
    sheet = _sheet(b"".join(response.streaming_content) if response.streaming else response.content)
    assert _text(sheet, 1, 1).startswith("Filters applied: none")
    _assert_ready(sheet, header_row=2)


def test_dates_are_dates_and_wide_text_gets_a_wide_column(users):
    """The task list's milestone due dates are date cells shown as yyyy-mm-dd."""
    world = task_world(users)
    client = english(users["sichuan"])
    response = client.get(f"/tasks/lists/{world.sichuan.pk}/tasks/xlsx/")
    sheet = _sheet(response.content)
    _assert_ready(sheet, header_row=2)  # row 1: the filter line (无)
    due = [sheet.cell(row, 8) for row in range(3, sheet.max_row + 1) if sheet.cell(row, 8).value]
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
    response = exported(english(users["sichuan"]), reverse("tasks:bulk_sheet"))
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


# The exports finished later (the ranking, the dispatch, the scores, the claimant lists, the
# suggestions): each carries its filter line, a frozen header below it and typed numbers.


def test_ranking_names_its_programme_in_the_filter_line_and_scores_are_numbers(users):
    world = task_world(users)
    response = english(users["national"]).get(
        reverse("evaluation:ranking_xlsx"), {"programme": world.programme.pk}
    )
    assert response.status_code == 200
    sheet = _sheet(response.content)
    assert _text(sheet, 1, 1).startswith(f"Filters applied: Programme={world.programme.title}")
    _assert_ready(sheet, header_row=2)
    assert sheet.cell(2, 1).value == "Rank" and sheet.cell(2, 8).value == "Tasks"
    tasks = {sheet.cell(row, 3).value: sheet.cell(row, 8).value for row in (3, 4)}
    assert tasks == {"四川省": 3, "广东省": 3}  # counts as numbers, not text
    formula = _sheet(response.content, 2)
    _assert_ready(formula, header_row=1)
    assert formula.cell(2, 2).value == 40.0


def test_dispatch_workbook_carries_the_chosen_view_on_every_sheet(users):
    world = task_world(users)
    response = exported(
        english(users["national"]),
        reverse("tasks:dispatch_xlsx"),
        {"programme": world.programme.pk, "period": "2026-1", "status": "all"},
    )
    assert response.status_code == 200
    for index in range(3):
        sheet = _sheet(response.content, index)
        line = _text(sheet, 1, 1)
        assert f"Programme={world.programme.title}" in line and "Show=all tasks" in line
        _assert_ready(sheet, header_row=2)
    summary = _sheet(response.content, 0)
    assert summary.cell(2, 1).value == "Claimant"
    assert isinstance(summary.cell(3, 2).value, int)  # the claimant's task count


def test_scores_export_carries_the_pages_filter_and_keeps_to_it(users):
    world = task_world(users)
    commission = make_commission(users, [*world.sichuan_tasks, world.guangdong_tasks[0]])
    first = TaskEvaluation.objects.get(commission=commission, task=world.task)
    score_all(first, users, Decimal(88))
    url = reverse("evaluation:scores_xlsx", args=[commission.pk])
    response = english(users["evaluator"]).get(url, {"rating": "good"})
    assert response.status_code == 200
    tasks = _sheet(response.content, 0)
    assert _text(tasks, 1, 1).startswith("Filters applied: Rating=good")
    _assert_ready(tasks, header_row=2)
    assert [tasks.cell(row, 2).value for row in range(3, tasks.max_row + 1)] == [world.task.title]
    assert tasks.cell(3, 4).value == 88  # the score, a number
    scores = _sheet(response.content, 1)
    _assert_ready(scores, header_row=2)
    assert scores.max_row == 2 + 6 and scores.cell(3, 6).value == 88
    # The localities' ratings are the whole commission's: no filter line.
    _assert_ready(_sheet(response.content, 2), header_row=1)
    page = english(users["evaluator"]).get(
        reverse("evaluation:scores", args=[commission.pk]), {"rating": "good"}
    )
    assert f"{url}?rating=good" in page.content.decode()


def test_claimant_lists_write_the_search_applied(users):
    world = task_world(users)
    client = english(users["sichuan"])
    word = world.task.title
    for kind in ("tasks", "landmark", "responsibility"):
        response = client.get(f"/tasks/lists/{world.sichuan.pk}/{kind}/xlsx/", {"q": word})
        sheet = _sheet(response.content)
        assert _text(sheet, 1, 1).startswith(f"Filters applied: Search={word}"), kind
        assert sheet.freeze_panes == "A3", kind
    sheet = _sheet(client.get(f"/tasks/lists/{world.sichuan.pk}/tasks/xlsx/", {"q": word}).content)
    assert isinstance(sheet.cell(3, 1).value, int)  # the item number
    progress = exported(client, f"/tasks/progress/{world.programme.pk}/xlsx/", {"q": word})
    sheet = _sheet(progress.content)
    assert _text(sheet, 1, 1).startswith(f"Filters applied: Search={word}")
    _assert_ready(sheet, header_row=2)


def test_suggestion_export_job_writes_the_filters_it_was_asked_with(users, cycle, inline_jobs):
    suggestion = suggestion_submit(
        by=users["innovator"], cycle=cycle, title="仪器共享", content="内容"
    )
    client = english(users["sichuan"])
    inline_jobs(lambda: client.post("/suggestions/export/", {"query": "state=submitted&q=仪器"}))
    job = Job.objects.get(kind="suggestions.export")
    assert job.state == Job.State.DONE, job.message
    with job.result_file.open("rb") as f:
        sheet = _sheet(f.read())
    line = _text(sheet, 1, 1)
    assert "Search=仪器" in line and "State=" in line
    _assert_ready(sheet, header_row=2)
    assert sheet.cell(3, 1).value == suggestion.pk  # a number
