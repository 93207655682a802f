"""The adoption sheet of a territory (推广落实情况批量填报表): one row per unit × measure of a
tracking round, the reported columns marked, and hidden beside them a stamp of the record as
downloaded; and the same sheet read back into rows for promotion.services.bulk.

Units and measures are identified by codes (a division's code, "P" and a park's id; the batch
and measure numbers), never by their names, which users may retype differently.
"""

import io
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kernel.spreadsheets import ReadCaps, WorkbookRefused, header_keys, sheet_rows, text_cell
from promotion.models import AdoptionStatus

# (key, width, editable); the reader finds the columns by their header, in either language.
COLUMNS = [
    ("unit_code", 11, False),
    ("unit_name", 26, False),
    ("level", 10, False),
    ("batch", 7, False),
    ("number", 7, False),
    ("measure", 40, False),
    ("status", 12, True),
    ("status_on", 13, True),
    ("local_document", 28, True),
    ("contact", 18, True),
    ("difficulties", 36, True),
    ("reason", 28, True),
    ("was", 30, False),
]
KEYS = [key for key, _w, _e in COLUMNS]
EDITABLE = [key for key, _w, editable in COLUMNS if editable]
HIDDEN = {"was"}
REQUIRED = {"unit_code", "batch", "number", "status", "was"}
EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")

# The platform's limits on an uploaded sheet (平台规则): a province's sheet of ~12,000 rows is
# under 1 MB packed and ~20 MB unpacked, so these leave room and refuse a zip bomb early.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 30_000


def caps() -> ReadCaps:
    """The caps above, read when called."""
    return ReadCaps(file_bytes=MAX_FILE_BYTES, unpacked_bytes=MAX_UNPACKED_BYTES)


class SheetError(ValueError):
    """The file cannot be read as the adoption sheet; the message says why."""


@dataclass
class SheetRow:
    """One non-empty row as read: its number in the sheet and its cells by column key."""

    row: int
    cells: dict[str, Any]

    def get(self, key: str) -> Any:
        return self.cells.get(key)


def headers() -> dict[str, str]:
    """Column key → header, in the active language."""
    return {
        "unit_code": _("Unit code"),
        "unit_name": _("Reporting unit"),
        "level": _("Level"),
        "batch": _("Batch no."),
        "number": _("Measure no."),
        "measure": _("Measure"),
        "status": _("Status (edit)"),
        "status_on": _("Date reached (edit)"),
        "local_document": _("Local document (edit)"),
        "contact": _("Contact (edit)"),
        "difficulties": _("Difficulties met (edit)"),
        "reason": _("Why not applicable (edit)"),
        "was": _("As downloaded (do not change)"),
    }


def status_labels() -> list[str]:
    return [str(label) for label in AdoptionStatus.labels]


def letter(key: str) -> str:
    return get_column_letter(1 + KEYS.index(key))


def _instructions() -> list[str]:
    labels = "、".join(status_labels())
    return [
        _("Fill in only the columns marked (edit), shaded yellow; the others identify the row."),
        _(
            "Units and measures are identified by their codes: the unit code (a division's "
            "code, or P and a number for a park) and the batch and measure numbers. Do not "
            "change them; the names are there to read."
        ),
        _("Status is one of: %(labels)s.") % {"labels": labels},
        _(
            "Deployed, in place and showing results need the date the status was reached "
            "(YYYY-MM-DD), not in the future; in place and showing results also need the local "
            "document that adopted the measure; not applicable needs the reason."
        ),
        _(
            "A row left without a status is a measure not reported yet and is skipped. Rows "
            "you did not change are skipped too."
        ),
        _(
            "A hidden column keeps each record as downloaded: a row you change whose record "
            "has changed since (filed meanwhile by its unit) is refused; download the sheet "
            "again."
        ),
        _(
            "If any row has an error, nothing is written; fix the rows listed (row number and "
            "column) and upload the sheet again."
        ),
    ]


def sheet_bytes(
    rows: Iterable[list[Any]], count: int, on_row: Callable[[int], Any] | None = None
) -> bytes:
    """The workbook of `count` rows, each a list of values in the order of COLUMNS.

    Write-only and styled by range, not cell by cell: a province's sheet has ~12,000 rows,
    and a normal workbook would hold every cell object in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Adoption"))
    last = max(2, count + 1)
    for key, width, _editable in COLUMNS:
        sheet.column_dimensions[letter(key)].width = width
        sheet.column_dimensions[letter(key)].hidden = key in HIDDEN
    first, final = letter(EDITABLE[0]), letter(EDITABLE[-1])
    sheet.conditional_formatting.add(
        f"{first}2:{final}{last}", FormulaRule(formula=["TRUE"], fill=EDITABLE_FILL)
    )
    choice = DataValidation(
        type="list", formula1='"{}"'.format(",".join(status_labels())), allow_blank=True
    )
    choice.error = _("Choose one of the statuses in the list.")
    choice.showErrorMessage = True
    choice.add(f"{letter('status')}2:{letter('status')}{last}")
    sheet.data_validations.append(choice)
    sheet.freeze_panes = "C2"
    # An autofilter on the header (issue #12); the header stays on row 1, where the reader looks.
    sheet.auto_filter.ref = f"A1:{letter(COLUMNS[-1][0])}{last}"
    names = headers()
    header = []
    for key, _w, editable in COLUMNS:
        cell = WriteOnlyCell(sheet, value=names[key])
        cell.font = Font(bold=True)
        if editable:
            cell.fill = EDITABLE_FILL
        header.append(cell)
    sheet.append(header)
    for number, row in enumerate(rows, start=1):
        sheet.append([text_cell(sheet, value) for value in row])
        if on_row is not None:
            on_row(number)
    notes = workbook.create_sheet(_("Instructions"))
    notes.column_dimensions["A"].width = 110
    for line in _instructions():
        notes.append([text_cell(notes, line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_sheet(content: bytes) -> list[SheetRow]:
    """The non-empty rows of the first sheet; SheetError with a message on a bad file.

    Every row is read, however few the sheet's `<dimension>` declares, within the
    platform's caps (kernel.spreadsheets.sheet_rows)."""
    try:
        with closing(sheet_rows(content, caps())) as numbered:
            return _rows(values for _number, values in numbered)
    except WorkbookRefused as exc:
        raise SheetError(exc.message) from exc


def _rows(values: Iterable[tuple[Any, ...]]) -> list[SheetRow]:
    rows = iter(values)
    keys = header_keys(headers)
    header = [keys.get(str(cell or "").strip().lower()) for cell in next(rows, None) or ()]
    if not set(header) >= REQUIRED:
        names = headers()
        raise SheetError(
            _("Row 1 must keep the headers of the downloaded sheet (%(names)s).")
            % {"names": "、".join(names[key] for key in KEYS if key in REQUIRED)}
        )
    found = []
    for number, cells in enumerate(rows, start=2):
        named = {key: value for key, value in zip(header, cells, strict=False) if key}
        if all(value is None or str(value).strip() == "" for value in named.values()):
            continue
        found.append(SheetRow(row=number, cells=named))
        if len(found) > MAX_ROWS:
            raise SheetError(_("At most %(max)s rows at a time.") % {"max": MAX_ROWS})
    return found
