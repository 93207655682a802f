"""The proposal workbook: one column layout for the template, the import and the export."""

import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kernel import spreadsheets
from kernel.spreadsheets import (
    Filters,
    ReadCaps,
    header_keys,
    sheet_rows,
    table_bytes,
    workbook_check,
)
from proposals.models import Proposal, Suggestion

# The columns a locality fills in, as (model field, width).
IMPORT_COLUMNS = [
    ("title", 30),
    ("field", 16),
    ("problem", 40),
    ("content", 50),
    ("needs_national_authority", 12),
    ("ministries", 20),
    ("implementing_bodies", 30),
    ("expected_results", 30),
    ("targets", 30),
    ("timetable", 30),
    ("risks", 30),
    ("contact_name", 12),
    ("contact_phone", 16),
]
EXPORT_EXTRA = ["id", "cycle", "locality", "state", "submitted_at"]
YES = {"是", "yes", "y", "true", "1", "需要"}
NO = {"否", "no", "n", "false", "0", "不需要", ""}
# The platform's limits on an import (平台规则, not 484号's): a national call's proposals
# from one province fit many times over. The rows are read and inserted in a stream, so
# memory does not grow with them; the caps bound the job's time and refuse a zip bomb early.
MAX_IMPORT_ROWS = 50_000
MAX_IMPORT_BYTES = 40 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
# One part (the sheet, or the texts of every cell): what the largest file allowed unpacks to.
MAX_PART_BYTES = 200 * 1024 * 1024
# How far down an imported sheet its header may be (an export carries a filter line above it).
HEADER_SEARCH_ROWS = 3


def label(name: str) -> str:
    if name == "id":
        return _("No.")
    field = Proposal._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _headers() -> dict[str, str]:
    return {name: label(name) for name, _width in IMPORT_COLUMNS}


def _sheet(workbook: Workbook, title: str) -> Worksheet:
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    return sheet


def template_bytes(field_names: Iterable[str]) -> bytes:
    workbook = Workbook()
    sheet = _sheet(workbook, _("Proposals"))
    sheet.append([label(name) for name, _width in IMPORT_COLUMNS])
    for index, (_name, width) in enumerate(IMPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(1, index).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("Instructions"))
    notes.append([_("One proposal per row, from row 2. Rows are imported as drafts.")])
    notes.append([_("Reform field must be one of:")])
    for name in field_names:
        notes.append(["", name])
    notes.append([_("Needs national authority: 是 or 否 (yes or no).")])
    notes.append(
        [_("If any row has an error, nothing is imported; fix the rows listed and upload again.")]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def caps() -> ReadCaps:
    """The caps on an imported workbook (平台规则), read when called."""
    return ReadCaps(
        file_bytes=MAX_IMPORT_BYTES, unpacked_bytes=MAX_UNPACKED_BYTES, part_bytes=MAX_PART_BYTES
    )


def check_size(source: IO[bytes]) -> None:
    """WorkbookRefused (a ValueError) with the platform's cap (平台规则) when the file, what
    it unpacks to or one of its cells is too large; `source` is left at its start."""
    workbook_check(source, caps())


def declared_rows(source: IO[bytes]) -> int:
    """The rows the first sheet says it has (its `<dimension>`), header included: only an
    estimate for a progress bar, never trusted for reading (kernel.spreadsheets)."""
    return spreadsheets.declared_rows(source)


def read_rows(
    source: bytes | IO[bytes], *, checked: bool = False
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number, {field: text}) per non-empty row; ValueError on a bad header or
    file (WorkbookRefused, with the row at fault). Every row of the sheet is read, however
    few its `<dimension>` declares (kernel.spreadsheets.sheet_rows)."""
    rows = (values for _number, values in sheet_rows(source, caps(), checked=checked))
    yield from _sheet_rows(rows)


def _sheet_rows(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, dict[str, Any]]]:
    keys = header_keys(_headers)
    # The template has its header on row 1; an export re-imported has the filter line above it.
    start, columns, missing = 1, [], [label(n) for n, _w in IMPORT_COLUMNS]
    for start, header in enumerate(rows, start=1):  # noqa: B007 (start is read after the loop)
        columns = [keys.get(str(cell or "").strip().lower()) for cell in header]
        missing = [label(n) for n, _w in IMPORT_COLUMNS if n not in columns]
        if not missing or start >= HEADER_SEARCH_ROWS:
            break
    if missing:
        raise ValueError(
            _("Row 1: the header lacks the columns %(cols)s. Use the template.")
            % {"cols": "、".join(missing)}
        )
    for number, row in enumerate(rows, start=start + 1):
        values = {
            name: "" if cell is None else str(cell).strip()
            for name, cell in zip(columns, row, strict=False)
            if name
        }
        if any(values.values()):
            yield number, values


def parse_yes_no(text: str) -> bool | None:
    folded = text.strip().lower()
    if folded in YES:
        return True
    if folded in NO:
        return False
    return None


def _local(moment: Any) -> Any:
    """A date-time cell (the sheet shows it in local time), or an empty one."""
    return moment or None


def _proposal_row(proposal: Proposal, yes: str, no: str) -> list[Any]:
    row: list[Any] = [
        proposal.pk,
        proposal.cycle.title,
        proposal.locality.name,
        proposal.get_state_display(),
        _local(proposal.submitted_at),
    ]
    for name, _w in IMPORT_COLUMNS:
        value = getattr(proposal, name)
        if isinstance(value, bool):
            value = yes if value else no
        row.append("" if value is None else str(value))  # a draft may lack its field
    return row


def export_bytes(
    proposals: Iterable[Proposal], on_row: Any = None, filters: Filters | None = None
) -> bytes:
    names = [*EXPORT_EXTRA, *(name for name, _w in IMPORT_COLUMNS)]
    yes, no = _("yes"), _("no")
    rows = (_proposal_row(p, yes, no) for p in proposals)
    return table_bytes(_("Proposals"), [label(n) for n in names], rows, on_row, filters=filters)


def suggestion_export_bytes(
    suggestions: Iterable[Suggestion], on_row: Any = None, filters: Filters | None = None
) -> bytes:
    headers = [_("No."), _("Cycle"), _("Organisation"), _("Locality"), _("Title"), _("Content")]
    headers += [_("State"), _("Reason for declining"), _("Received")]
    rows = (
        [
            s.pk,
            s.cycle.title,
            s.organisation.name,
            s.locality.name,
            s.title,
            s.content,
            s.get_state_display(),
            s.decline_reason,
            _local(s.submitted_at),
        ]
        for s in suggestions
    )
    return table_bytes(_("Suggestions"), headers, rows, on_row, filters=filters)
