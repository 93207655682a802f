"""The dispatch as a workbook: the per-claimant table and the task lines, with the figures
of the page."""

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from kernel.spreadsheets import text_cell
from tasks.dispatch import ClaimantLine, Dispatch, TaskLine


def summary_headers() -> list[str]:
    return [
        _("Claimant"),
        _("Tasks"),
        _("On time"),
        _("Late"),
        _("Missing"),
        _("Not yet due"),
        _("Not expected"),
        _("Overdue milestones"),
        _("Open help requests"),
        _("Progress (%)"),
    ]


def summary_row(line: ClaimantLine) -> list[Any]:
    name = line.claimant.short_name if line.claimant is not None else _("Total")
    return [
        name,
        line.tasks,
        line.on_time,
        line.late,
        line.missing,
        line.not_due,
        line.not_expected,
        line.overdue_milestones,
        line.open_help,
        line.progress,
    ]


def task_headers() -> list[str]:
    return [
        _("Claimant"),
        _("Task"),
        _("Responsible person"),
        _("Report"),
        _("Submitted"),
        _("Overdue milestones"),
        _("Open help requests"),
        _("Progress (%)"),
    ]


def task_row(line: TaskLine) -> list[Any]:
    submitted = line.submitted_at
    return [
        line.task.claimant.short_name,
        line.task.title,
        line.task.responsible_person,
        line.report_label,
        timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else "",
        line.overdue_milestones,
        line.open_help,
        line.task.progress,
    ]


def past_end_headers() -> list[str]:
    return [_("Claimant"), _("Task"), _("Expected end"), _("Progress (%)"), _("Close-out")]


def past_end_row(line: TaskLine) -> list[Any]:
    return [
        line.task.claimant.short_name,
        line.task.title,
        line.expected_end.isoformat() if line.expected_end else "",
        line.task.progress,
        line.task.get_closure_display(),
    ]


def dispatch_xlsx(result: Dispatch | None, lines: list[TaskLine]) -> bytes:
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("By claimant"))
    tasks = workbook.create_sheet(_("Tasks"))
    # A sheet title holds at most 31 characters.
    past_end = workbook.create_sheet(_("Past end, not closed")[:31])
    summary.append(summary_headers())
    tasks.append(task_headers())
    past_end.append(past_end_headers())
    if result is not None:
        for claimant_line in [*result.claimants, result.total]:
            summary.append([text_cell(summary, v) for v in summary_row(claimant_line)])
        for line in lines:
            tasks.append([text_cell(tasks, v) for v in task_row(line)])
        for line in result.past_end:
            past_end.append([text_cell(past_end, v) for v in past_end_row(line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
