"""The dispatch as a workbook: the per-claimant table and the task lines, with the figures
of the page."""

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

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


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Text stays the text typed: characters a sheet cannot hold are dropped and a leading
    "=" is never run as a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def dispatch_xlsx(result: Dispatch | None, lines: list[TaskLine]) -> bytes:
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("By claimant"))
    tasks = workbook.create_sheet(_("Tasks"))
    summary.append(summary_headers())
    tasks.append(task_headers())
    if result is not None:
        for claimant_line in [*result.claimants, result.total]:
            summary.append([_cell(summary, v) for v in summary_row(claimant_line)])
        for line in lines:
            tasks.append([_cell(tasks, v) for v in task_row(line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
