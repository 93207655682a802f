"""The bulk-update sheet: one row per milestone and per target of a coordinator's tasks, the
editable columns marked, and hidden beside them the figure as downloaded; and the same sheet
read back into rows for tasks.services.bulk."""

import io
from collections.abc import Callable, Iterable
from contextlib import closing
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kernel.spreadsheets import ReadCaps, header_keys, sheet_rows, text_cell
from tasks.models import Milestone, Status, Target
from tasks.services.bulk import SheetRow, as_downloaded

# (key, width, editable); the reader finds the columns by their header, in either language.
COLUMNS = [
    ("task", 8, False),
    ("title", 36, False),
    ("claimant", 14, False),
    ("kind", 10, False),
    ("number", 8, False),
    ("name", 36, False),
    ("due_on", 12, False),
    ("unit", 8, False),
    ("baseline", 10, False),
    ("target_value", 12, False),
    ("status", 14, True),
    ("done_on", 14, True),
    ("actual", 14, True),
    ("was", 30, False),
]
HIDDEN = {"was"}
REQUIRED = {"task", "kind", "number"}
EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")
MAX_READ_ROWS = 5000
# The platform's caps on the uploaded sheet (平台规则): 5,000 rows fit many times over.
CAPS = ReadCaps(file_bytes=10 * 1024 * 1024, unpacked_bytes=100 * 1024 * 1024)


def headers() -> dict[str, str]:
    """Column key → header, in the active language."""
    return {
        "task": _("Task ID"),
        "title": _("Task"),
        "claimant": _("Claimant"),
        "kind": _("Kind"),
        "number": _("No."),
        "name": _("Milestone or indicator"),
        "due_on": _("Due date"),
        "unit": _("Unit"),
        "baseline": _("Baseline"),
        "target_value": _("Target value"),
        "status": _("Status (edit)"),
        "done_on": _("Done on (edit)"),
        "actual": _("Actual value (edit)"),
        "was": _("As downloaded (do not change)"),
    }


def _rows(milestones: list[Milestone], targets: list[Target]) -> list[list[Any]]:
    """The sheet's rows by task, its milestones before its targets. The words repeated on
    every row are looked up once: a national sheet has tens of thousands of rows."""
    milestone_word = str(Milestone._meta.verbose_name)
    target_word = str(Target._meta.verbose_name)
    status_labels = {value: str(label) for value, label in Status.choices}
    claimants: dict[int, str] = {}

    def start(item: Milestone | Target, word: str) -> list[Any]:
        task = item.task
        if task.pk not in claimants:
            claimants[task.pk] = str(task.claimant)
        return [task.pk, task.title, claimants[task.pk], word, item.position]

    keyed: list[tuple[tuple[int, int, int], list[Any]]] = []
    for m in milestones:
        row = [m.title, m.due_on, None, None, None, status_labels[m.status], m.done_on, None]
        keyed.append(
            ((m.task_id, 0, m.position), [*start(m, milestone_word), *row, as_downloaded(m)])
        )
    for t in targets:
        row = [t.indicator, t.due_on, t.unit, t.baseline, t.target_value, None, None, t.actual]
        keyed.append(((t.task_id, 1, t.position), [*start(t, target_word), *row, as_downloaded(t)]))
    keyed.sort(key=lambda pair: pair[0])
    return [row for _key, row in keyed]


def _letter(key: str) -> str:
    return get_column_letter(1 + [k for k, _w, _e in COLUMNS].index(key))


def sheet_bytes(milestones: list[Milestone], targets: list[Target]) -> bytes:
    """The sheet of these milestones and targets (all held already: tests, a few tasks)."""
    workbook = Workbook(write_only=True)
    write_sheet(workbook, [(milestones, targets)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_sheet(
    workbook: Workbook,
    chunks: Iterable[tuple[list[Milestone], list[Target]]],
    on_row: Callable[[int], Any] | None = None,
) -> int:
    """Fill a write-only `workbook` with the sheet, reading the items chunk by chunk (each
    chunk whole tasks, in task order), so that only one chunk is held at a time; the number
    of item rows written.

    Styled by range, not cell by cell: a national sheet has tens of thousands of rows, and
    per-cell styles made it take seconds. Widths and frozen panes are written before the
    first row; the shading, the status choice and the autofilter after the last (openpyxl
    writes them in the sheet's tail), once the number of rows is known."""
    sheet = workbook.create_sheet(_("Update"))
    for key, width, _editable in COLUMNS:
        sheet.column_dimensions[_letter(key)].width = width
        sheet.column_dimensions[_letter(key)].hidden = key in HIDDEN
    sheet.freeze_panes = "C2"
    names = headers()
    header = []
    for key, _w, is_editable in COLUMNS:
        cell = WriteOnlyCell(sheet, value=names[key])
        cell.font = Font(bold=True)
        if is_editable:
            cell.fill = EDITABLE_FILL
        header.append(cell)
    sheet.append(header)
    count = 0
    for milestones, targets in chunks:
        for row in _rows(milestones, targets):
            sheet.append([text_cell(sheet, value) for value in row])
            count += 1
            if on_row:
                on_row(count)
    last = max(2, count + 1)
    editable = [_letter(key) for key, _w, editable in COLUMNS if editable]
    sheet.conditional_formatting.add(
        f"{editable[0]}2:{editable[-1]}{last}", FormulaRule(formula=["TRUE"], fill=EDITABLE_FILL)
    )
    labels = ",".join(str(label) for _v, label in Status.choices)
    choice = DataValidation(type="list", formula1=f'"{labels}"', allow_blank=True)
    choice.add(f"{_letter('status')}2:{_letter('status')}{last}")
    sheet.data_validations.append(choice)
    # An autofilter on the header (issue #12); the header stays on row 1, where the reader looks.
    sheet.auto_filter.ref = f"A1:{_letter(COLUMNS[-1][0])}{last}"
    notes = workbook.create_sheet(_("Instructions"))
    notes.column_dimensions["A"].width = 100
    for line in (
        _("Change only the columns marked (edit), shaded yellow; the others identify the row."),
        _(
            "Milestones: status is one of: %(labels)s; a milestone that is done needs the date "
            "it was done (YYYY-MM-DD)."
        )
        % {"labels": ", ".join(str(lb) for _v, lb in Status.choices)},
        _("Targets: the actual value is a number in the target's unit."),
        _(
            "Only the rows you change are applied. A hidden column keeps each figure as "
            "downloaded: a row you change whose figure has changed since (a report submitted "
            "meanwhile) is refused, and you download the sheet again."
        ),
        _("If any row has an error, nothing is changed; fix the rows listed and upload again."),
    ):
        notes.append([text_cell(notes, line)])
    return count


def read_sheet(content: bytes | IO[bytes]) -> list[SheetRow]:
    """The non-empty rows of the first sheet; ValueError with a message on a bad file (a
    WorkbookRefused names the row at fault). Every row is read, however few the sheet's
    `<dimension>` declares, within the platform's caps (kernel.spreadsheets.sheet_rows)."""
    with closing(sheet_rows(content, CAPS)) as numbered:
        rows = (values for _number, values in numbered)
        keys = header_keys(headers)
        header = [keys.get(str(cell or "").strip().lower()) for cell in next(rows, None) or ()]
        if not set(header) >= REQUIRED:
            raise ValueError(
                _("Row 1 must keep the headers of the downloaded sheet (Task ID, Kind, No.).")
            )
        found = []
        for number, values in enumerate(rows, start=2):
            cells = {key: value for key, value in zip(header, values, strict=False) if key}
            if all(value in (None, "") for value in cells.values()):
                continue
            found.append(
                SheetRow(
                    row=number,
                    task=cells.get("task"),
                    kind=cells.get("kind"),
                    number=cells.get("number"),
                    status=cells.get("status"),
                    done_on=cells.get("done_on"),
                    actual=cells.get("actual"),
                    was=cells.get("was"),
                )
            )
            if len(found) > MAX_READ_ROWS:
                raise ValueError(_("At most %(max)s rows at a time.") % {"max": MAX_READ_ROWS})
        return found
