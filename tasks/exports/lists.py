"""Workbooks of the task index, the three lists per claimant and the progress overview.

Each reads the same selectors and stored figures as its page, so a sheet never disagrees
with the screen; progress is the stored 0–100 figure of tasks.progress, never recomputed.
"""

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from claims.models import Claimant
from kernel.spreadsheets import Filters, write_table
from tasks import selectors
from tasks.models import Task

# Rows read from the database at a time by an export.
CHUNK = 500
Sheet = tuple[str, list[str], Iterable[list[Any]]]
OnRow = Callable[[int], Any] | None


def workbook_bytes(
    sheets: list[Sheet], filters: Filters | None = None, on_row: OnRow = None
) -> bytes:
    """The sheets, rows streamed (kernel.spreadsheets.write_table); `on_row` counts the rows
    of the last sheet, the long one."""
    workbook = Workbook(write_only=True)
    for number, (title, headers, rows) in enumerate(sheets, start=1):
        counted = on_row if number == len(sheets) else None
        write_table(
            workbook.create_sheet(title[:31]), headers, rows, filters=filters, on_row=counted
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _yes(value: bool) -> str:
    return _("yes") if value else ""


def index_xlsx(
    tasks: Iterable[Task], filters: Filters | None = None, on_row: OnRow = None
) -> bytes:
    headers = [
        _("No."),
        _("Task"),
        _("Programme"),
        _("Claimant"),
        _("Lead implementer"),
        _("Responsible person"),
        _("Plan"),
        _("Progress (%)"),
        _("Close-out"),
        _("Closed on"),
        _("Landmark"),
    ]
    rows = (
        [
            t.claim.item.position,
            t.title,
            t.programme.title,
            t.claimant.short_name,
            getattr(t, "lead_name", "") or "",
            t.responsible_person,
            t.get_plan_state_display(),
            t.progress,
            t.get_closure_display(),
            t.closed_on,
            _yes(t.landmark),
        ]
        for t in tasks
    )
    return workbook_bytes([(_("Tasks"), headers, rows)], filters, on_row)


def _plan_rows(tasks: Iterable[Task]) -> Iterator[list[Any]]:
    """A task row, then one row per milestone and per target, the task repeated on each so
    the sheet can be filtered by task."""
    overdue = _("overdue")
    for line in selectors.plan_lines(tasks):
        task = line.task
        number = task.claim.item.position
        yield [
            number,
            task.title,
            task.responsible_person,
            line.lead,
            task.get_plan_state_display(),
            task.progress,
            "",
            "",
            "",
            "",
            "",
        ]
        for m in line.milestones:
            yield [
                number,
                task.title,
                "",
                "",
                "",
                "",
                _("Milestone %(n)s: %(title)s")
                % {"n": m.milestone.position, "title": m.milestone.title},
                m.milestone.due_on,
                m.milestone.deliverable,
                m.status,
                overdue if m.overdue else "",
            ]
        for t in line.targets:
            target = t.target
            yield [
                number,
                task.title,
                "",
                "",
                "",
                "",
                _("Target %(n)s: %(indicator)s (%(unit)s)")
                % {"n": target.position, "indicator": target.indicator, "unit": target.unit},
                target.due_on,
                f"{target.baseline} → {target.target_value}",
                "" if target.actual is None else target.actual,
                f"{t.share}%",
            ]


def _plan_headers() -> list[str]:
    return [
        _("No."),
        _("Task"),
        _("Responsible person"),
        _("Lead implementer"),
        _("Plan"),
        _("Progress (%)"),
        _("Milestone or target"),
        _("Due date"),
        _("Deliverable / baseline → target"),
        _("Status / actual value"),
        _("Overdue / share covered"),
    ]


def task_list_xlsx(
    claimant: Claimant, tasks: Iterable[Task], filters: Filters | None = None
) -> bytes:
    """The task list (任务清单)."""
    return workbook_bytes([(_("Task list"), _plan_headers(), _plan_rows(tasks))], filters)


def landmark_list_xlsx(
    claimant: Claimant, tasks: Iterable[Task], filters: Filters | None = None
) -> bytes:
    """The landmark reform items list (标志性改革事项清单)."""
    return workbook_bytes(
        [(_("Landmark reform items"), _plan_headers(), _plan_rows(tasks))], filters
    )


def responsibility_xlsx(
    claimant: Claimant, tasks: Iterable[Task], filters: Filters | None = None
) -> bytes:
    """The responsibility list (责任清单): who answers for what."""
    headers = [
        _("No."),
        _("Task"),
        _("Implementer"),
        _("Lead implementer"),
        _("Responsibility"),
        _("Responsible person"),
        _("Post"),
        _("Telephone"),
    ]

    def rows() -> Iterator[list[Any]]:
        for task in tasks:
            person = [task.responsible_person, task.responsible_post, task.responsible_phone]
            implementers = list(task.implementers.all())
            if not implementers:
                yield [task.claim.item.position, task.title, "", "", "", *person]
            for i in implementers:
                yield [
                    task.claim.item.position,
                    task.title,
                    i.organisation.name,
                    _yes(i.lead),
                    i.responsibility,
                    *person,
                ]

    return workbook_bytes([(_("Responsibility list"), headers, rows())], filters)


def progress_xlsx(
    overview: selectors.Overview, filters: Filters | None = None, on_row: OnRow = None
) -> bytes:
    """The claimants, then the tasks read in chunks (the programme's tasks can be many)."""
    claimant_rows: list[list[Any]] = []
    if overview.programme_progress is not None:
        total = sum(row.tasks for row in overview.claimants)
        claimant_rows.append(
            [
                _("Whole programme: %(title)s") % {"title": overview.programme.title},
                total,
                overview.programme_progress,
            ]
        )
    claimant_rows += [[r.claimant.short_name, r.tasks, r.progress] for r in overview.claimants]
    task_rows = (
        [
            t.claimant.short_name,
            t.claim.item.position,
            t.title,
            t.get_plan_state_display(),
            t.progress,
        ]
        for t in overview.tasks.iterator(chunk_size=CHUNK)
    )
    return workbook_bytes(
        [
            (_("Claimants"), [_("Claimant"), _("Tasks"), _("Progress (%)")], claimant_rows),
            (
                _("Tasks"),
                [_("Claimant"), _("No."), _("Task"), _("Plan"), _("Progress (%)")],
                task_rows,
            ),
        ],
        filters,
        on_row,
    )
