"""The dispatch as a workbook: the per-claimant table and the task lines, with the figures
of the page."""

import io
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from kernel.spreadsheets import Filters, write_table
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
        submitted,
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
        line.expected_end,
        line.task.progress,
        line.task.get_closure_display(),
    ]


def dispatch_xlsx(
    result: Dispatch | None,
    lines: Iterable[TaskLine],
    filters: Filters | None = None,
    on_row: Callable[[int], Any] | None = None,
) -> bytes:
    """Each sheet carries the filters of the page (programme, period, ...) above its header.
    `lines` are streamed (a LazyRows reads them a chunk at a time); `on_row` counts them."""
    workbook = Workbook(write_only=True)
    claimants = [*result.claimants, result.total] if result is not None else []
    past: Iterable[TaskLine] = result.past_end if result is not None else []
    write_table(
        workbook.create_sheet(_("By claimant")),
        summary_headers(),
        map(summary_row, claimants),
        filters=filters,
    )
    write_table(
        workbook.create_sheet(_("Tasks")),
        task_headers(),
        map(task_row, lines),
        filters=filters,
        on_row=on_row,
    )
    # A sheet title holds at most 31 characters.
    write_table(
        workbook.create_sheet(_("Past end, not closed")[:31]),
        past_end_headers(),
        map(past_end_row, past),
        filters=filters,
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
