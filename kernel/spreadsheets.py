"""What every .xlsx the project writes shares: text that stays text, sheets ready for Excel and
WPS, and the download response.

Text in our sheets comes from users outside the reader's organisation (titles, indicators,
answers), so a cell must never become a formula Excel runs when the file is opened.

A table sheet (`write_table`) opens ready to work with (issue #12, 一表多用): columns as wide
as their content, the header row frozen and carrying an autofilter, numbers stored as numbers
and dates as dates, and — for a list exported through its filter form — the filter that was
applied and the export time in a line above the header. Sheets that are uploaded again (the
proposal template, the tasks' and promotion's bulk sheets) keep their header on row 1.
"""

import datetime
import io
import os
import unicodedata
import zipfile
from collections.abc import Callable, Generator, Iterable, Sequence, Sized
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.parsers import expat

from django import forms
from django.db.models import Model
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.xml.constants import SHARED_STRINGS

from kernel.downloads import XLSX, download

__all__ = [
    "CELL_MAX_CHARS",
    "XLSX",
    "Filters",
    "ReadCaps",
    "WorkbookRefused",
    "declared_rows",
    "form_filters",
    "sheet_rows",
    "table_bytes",
    "text_cell",
    "write_table",
    "xlsx_response",
]
# The characters spreadsheet programs read as the start of a formula (OWASP's list): openpyxl
# itself turns only "=" into one, but a cell that Excel re-reads on editing must stay text too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# (field label, the chosen value as shown) per filter applied to an exported list.
Filters = Sequence[tuple[str, str]]
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths in Excel's character units: a CJK character counts two; long text is capped
# (it wraps or overflows in the cell) so that one long answer does not push the rest away.
MIN_WIDTH = 6
MAX_WIDTH = 50
# The rows a streamed table holds to fit its column widths; later rows are not measured.
SAMPLE_ROWS = 500


def text_cell(sheet: Any, value: Any) -> Any:
    """`value` as a cell that stays the text typed: characters a sheet cannot hold (pasted
    from Word) are dropped, and text that could start a formula is stored as a string.
    Anything not text is returned as it is. Works for normal and write-only sheets."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _plain(value: Any) -> Any:
    """A value as the sheet stores it: a moment in local time without its zone (Excel has
    none), a lazy translation or other object as its text; numbers and dates unchanged."""
    if value is None or isinstance(value, (bool, int, float, Decimal, str)):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return str(value)


def display_width(value: Any) -> int:
    """Columns a value takes on screen: CJK (wide) characters count two, the longest line."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    lines = str(value).splitlines() or [""]
    return max(
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines
    )


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # openpyxl takes dates
        cell.number_format = DATE_FORMAT
        return cell
    return text_cell(sheet, value)


def filter_line(filters: Filters) -> str:
    """The line above an exported list's header, e.g.
    筛选条件：地方=湖北省；状态=已提交　导出时间：2026-12-03 16:30 (or 筛选条件：无)."""
    applied = "；".join(f"{label}={value}" for label, value in filters) or pgettext(
        "export filters", "none"
    )
    moment = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return "%s　%s" % (  # noqa: UP031 (two translated halves)
        _("Filters applied: %(filters)s") % {"filters": applied},
        _("Exported at: %(time)s") % {"time": moment},
    )


def write_table(
    sheet: Any,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    filters: Filters | None = None,
    on_row: Callable[[int], Any] | None = None,
    after: Iterable[Sequence[Any]] = (),
    sample: int = SAMPLE_ROWS,
) -> int:
    """Fill a new write-only `sheet` with a table ready for Excel/WPS (see the module's text);
    the number of table rows written.

    With `filters` (even empty: "无") the filter and export time go on row 1 and the header on
    row 2; without, the header is row 1. `after` rows (totals, notes) follow the table outside
    its autofilter.

    Rows are streamed: only the first `sample` rows are held, to fit the column widths (a
    write-only sheet writes its widths and frozen panes before its first row); the rest go
    straight to the sheet's temporary file, so memory stays flat however many rows there are.
    The autofilter, written after the rows, covers them all."""
    iterator = iter(rows)
    count = 0
    head: list[list[Any]] = []
    for row in iterator:
        count += 1
        head.append([_plain(value) for value in row])
        if on_row:
            on_row(count)
        if count >= sample:
            break
    tail = [[_plain(value) for value in row] for row in after]
    header = [_plain(value) for value in headers]
    width = max([len(header), *(len(row) for row in head)], default=0)
    for index in range(width):
        widest = max(
            (display_width(row[index]) for row in [header, *head, *tail] if index < len(row)),
            default=0,
        )
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(max(widest + 2, MIN_WIDTH), MAX_WIDTH)
    header_row = 1 if filters is None else 2
    # A write-only sheet writes its view (the frozen rows) with the first row appended.
    sheet.freeze_panes = f"A{header_row + 1}"
    if filters is not None:
        sheet.append([text_cell(sheet, filter_line(filters))])
    bold = Font(bold=True)
    header_cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for plain in head:
        sheet.append([_cell(sheet, value) for value in plain])
    del head
    for row in iterator:
        count += 1
        sheet.append([_cell(sheet, _plain(value)) for value in row])
        if on_row:
            on_row(count)
    for plain in tail:
        sheet.append([_cell(sheet, value) for value in plain])
    if width:
        # The autofilter is written after the rows (openpyxl's sheet tail): set it last.
        last = get_column_letter(width)
        sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(count, 1)}"
    return count


def table_bytes(
    title: str,
    headers: list[str],
    rows: Iterable[Sequence[Any]],
    on_row: Callable[[int], Any] | None = None,
    *,
    filters: Filters | None = None,
    after: Iterable[Sequence[Any]] = (),
) -> bytes:
    """Any list as a one-sheet workbook ready for Excel/WPS (`write_table`)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title)[:31])
    write_table(sheet, headers, rows, filters=filters, on_row=on_row, after=after)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _choice_text(field: forms.Field, value: Any) -> str:
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (list, tuple, set)) or hasattr(value, "model"):
        return "、".join(_choice_text(field, item) for item in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        for key, text in list(field.choices):  # type: ignore[arg-type]  # a list, once built
            options = text if isinstance(text, (list, tuple)) else [(key, text)]
            for option_key, option_text in options:
                if str(option_key) == str(value):
                    return str(option_text)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def form_filters(form: forms.Form | None) -> list[tuple[str, str]]:
    """The filters a list's filter form applied, as (field label, chosen value as shown), for
    the line above an exported sheet's header. Empty, hidden and invalid fields are left out:
    they filtered nothing."""
    if form is None or not form.is_bound:
        return []
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    applied = []
    for name, field in form.fields.items():
        value = cleaned.get(name)
        if value in (None, "", False) or isinstance(field.widget, forms.HiddenInput):
            continue
        if isinstance(value, Sized) and not isinstance(value, str) and not len(value):
            continue
        applied.append((str(field.label or name), _choice_text(field, value)))
    return applied


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    """A workbook as a file to save, under `name`."""
    return download(content, name, XLSX)


def header_keys(headers: Callable[[], dict[str, str]]) -> dict[str, str]:
    """Every header a sheet may carry, in either language and lower-cased → its column key:
    a sheet downloaded in Chinese or in English imports the same. `headers` gives the
    key → header text of the language active when it is called."""
    keys: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for key, text in headers().items():
                keys[str(text).strip().lower()] = key
    return keys


# Reading an uploaded workbook -----------------------------------------------------------------
# Every import reads its sheet through `sheet_rows`: read-only (streamed, one row in memory),
# the sheet's `<dimension>` ignored, and the platform's caps checked before openpyxl parses
# anything.

# Excel's own limit on the text of one cell (Microsoft, "Excel specifications and limits":
# total number of characters that a cell can contain, 32,767). A longer cell was not typed in
# Excel or WPS, and no field of the platform holds that much.
CELL_MAX_CHARS = 32_767
# Parts read in chunks of this many bytes when scanned for an over-long text.
SCAN_CHUNK = 64 * 1024
WORKSHEET_TYPE = "/worksheet"


@dataclass(frozen=True)
class ReadCaps:
    """The platform's caps on an uploaded workbook (平台规则, not 484号's). A workbook is a zip:
    the caps on what it unpacks to are checked on the sizes its members declare, which is also
    all that Python's zipfile will ever unpack from them (it stops at the declared size)."""

    file_bytes: int = 20 * 1024 * 1024
    unpacked_bytes: int = 200 * 1024 * 1024
    # Any one part: a worksheet, or the shared strings (every text of the workbook), or any
    # other (which are small in a real workbook).
    part_bytes: int = 100 * 1024 * 1024


class WorkbookRefused(ValueError):
    """The upload is not read; the message says why, and `row` which row when one is at fault."""

    unreadable = False

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row

    def errors(self) -> list[dict[str, Any]]:
        """The row-numbered problem, as a job lists them (none without a row)."""
        return [] if self.row is None else [{"row": self.row, "message": self.message}]


class NotAWorkbook(WorkbookRefused):
    """The file cannot be read as an .xlsx workbook at all."""

    unreadable = True

    def __init__(self) -> None:
        super().__init__(_("The file is not an .xlsx workbook."))


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def _too_long(row: int) -> WorkbookRefused:
    """The refusal of a cell over Excel's limit in `row` (0: a cell of another sheet)."""
    limit = f"{CELL_MAX_CHARS:,}"
    if not row:
        return WorkbookRefused(
            _(
                "A cell of the workbook holds more than %(max)s characters, more than Excel "
                "itself allows in a cell. Shorten it and upload the file again."
            )
            % {"max": limit}
        )
    return WorkbookRefused(
        _(
            "Row %(row)s: a cell holds more than %(max)s characters, more than Excel itself "
            "allows in a cell. Shorten it and upload the file again."
        )
        % {"row": row, "max": limit},
        row=row,
    )


def _size(source: IO[bytes]) -> int:
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


def _local(name: str) -> str:
    """An element's name without its namespace (the parser joins them with a space)."""
    return name.rpartition(" ")[2]


def _long_strings(archive: zipfile.ZipFile, path: str) -> set[int]:
    """The indexes of the shared strings longer than a cell may be, counted as the part is
    streamed in chunks: a long text is never held whole (openpyxl would load every shared
    string whole when it opens the workbook). Phonetic runs (rPh) are not the cell's text."""
    found: set[int] = set()
    state = {"index": -1, "length": 0, "text": False, "phonetic": False}

    def start(name: str, attrs: Any) -> None:
        local = _local(name)
        if local == "si":
            state.update(index=int(state["index"]) + 1, length=0)
        elif local == "rPh":
            state["phonetic"] = True
        elif local == "t":
            state["text"] = not state["phonetic"]

    def end(name: str) -> None:
        local = _local(name)
        if local == "rPh":
            state["phonetic"] = False
        elif local == "t":
            state["text"] = False

    def text(data: str) -> None:
        if state["text"]:
            state["length"] = int(state["length"]) + len(data)
            if state["length"] > CELL_MAX_CHARS:
                found.add(int(state["index"]))

    _stream_xml(archive, path, start=start, end=end, text=text)
    return found


def _row_using(archive: zipfile.ZipFile, path: str, indexes: set[int]) -> int:
    """The number of the first row of the worksheet at `path` with a cell showing one of the
    shared strings `indexes` (0 when none does)."""
    state: dict[str, Any] = {"row": 0, "shared": False, "value": None, "hit": 0}

    def start(name: str, attrs: Any) -> None:
        local = _local(name)
        if local == "row":
            state["row"] = int(attrs.get("r") or int(state["row"]) + 1)
        elif local == "c":
            state["shared"] = attrs.get("t") == "s"
        elif local == "v" and state["shared"]:
            state["value"] = []

    def end(name: str) -> None:
        if _local(name) == "v" and state["value"] is not None:
            value = "".join(state["value"]).strip()
            state["value"] = None
            if value.isdigit() and int(value) in indexes and not state["hit"]:
                state["hit"] = state["row"]

    def text(data: str) -> None:
        if state["value"] is not None and len(state["value"]) < 32:
            state["value"].append(data)

    _stream_xml(archive, path, start=start, end=end, text=text)
    return int(state["hit"])


def _stream_xml(archive: zipfile.ZipFile, path: str, **handlers: Callable[..., None]) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = handlers["start"]
    parser.EndElementHandler = handlers["end"]
    parser.CharacterDataHandler = handlers["text"]

    def no_doctype(*args: Any) -> None:  # no entity tricks in a workbook part
        raise NotAWorkbook()

    parser.StartDoctypeDeclHandler = no_doctype
    with archive.open(path) as part:
        while chunk := part.read(SCAN_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _parts(reader: ExcelReader) -> tuple[str | None, str | None]:
    """The paths of the shared strings and of the first worksheet, as the workbook names
    them (openpyxl's own readers of the manifest and the workbook part, which hold no text)."""
    reader.read_manifest()
    strings = reader.package.find(SHARED_STRINGS)
    reader.read_workbook()
    sheets = [
        rel.target
        for _sheet, rel in reader.parser.find_sheets()
        if rel.Type.endswith(WORKSHEET_TYPE)
    ]
    return (strings.PartName[1:] if strings is not None else None), (sheets[0] if sheets else None)


def workbook_check(source: IO[bytes], caps: ReadCaps) -> None:
    """WorkbookRefused unless `source` is within the platform's caps (平台规则) and no shared
    text is longer than a cell may be; checked before openpyxl parses anything, on the zip's
    declared sizes and by streaming the shared strings. `source` is left at its start."""
    if _size(source) > caps.file_bytes:
        raise WorkbookRefused(
            _("Platform rule: the file is larger than %(mb)s MB.") % {"mb": _mb(caps.file_bytes)}
        )
    try:
        reader = ExcelReader(source, read_only=True)
        with reader.archive as archive:
            members = archive.infolist()
            if sum(info.file_size for info in members) > caps.unpacked_bytes:
                raise WorkbookRefused(
                    _(
                        "Platform rule: the workbook unpacks to more than %(mb)s MB; upload the "
                        "sheet as downloaded."
                    )
                    % {"mb": _mb(caps.unpacked_bytes)}
                )
            if any(info.file_size > caps.part_bytes for info in members):
                raise WorkbookRefused(
                    _(
                        "Platform rule: a sheet, or the texts of the workbook, unpack to more "
                        "than %(mb)s MB."
                    )
                    % {"mb": _mb(caps.part_bytes)}
                )
            strings, sheet = _parts(reader)
            sizes = {info.filename: info.file_size for info in members}
            if strings and sizes.get(strings, 0) > CELL_MAX_CHARS:  # else none can be too long
                long = _long_strings(archive, strings)
                if long:
                    raise _too_long(_row_using(archive, sheet, long) if sheet else 0)
    except WorkbookRefused:
        raise
    except Exception as exc:  # zipfile, expat and openpyxl raise many kinds on a bad file
        raise NotAWorkbook() from exc
    finally:
        source.seek(0)


def sheet_rows(
    source: bytes | IO[bytes], caps: ReadCaps, *, checked: bool = False
) -> Generator[tuple[int, tuple[Any, ...]], None, None]:
    """(row number, cell values) of every row of the first sheet, empty ones included, so
    that the numbers are the sheet's; WorkbookRefused on a file refused or unreadable, or at a
    cell longer than Excel allows. `checked`: workbook_check already passed on `source`.

    Read-only and streamed, one row in memory at a time. The sheet's `<dimension>` is
    ignored (reset_dimensions): it is written by whatever program saved the file, may
    under-state the rows or columns, and openpyxl would then silently stop reading there."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    if not checked:
        workbook_check(stream, caps)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise NotAWorkbook() from exc
    try:
        if not workbook.worksheets:
            raise NotAWorkbook()
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            for value in values:
                if isinstance(value, str) and len(value) > CELL_MAX_CHARS:
                    raise _too_long(number)
            yield number, values
    finally:
        workbook.close()


def declared_rows(source: IO[bytes]) -> int:
    """The rows the first sheet says it has (its `<dimension>`): only an estimate for a
    progress bar, never trusted for reading; 0 when it says nothing. Call it on a workbook
    that passed workbook_check. `source` is left at its start."""
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
        try:
            return int(workbook.worksheets[0].max_row or 0)
        finally:
            workbook.close()
    except Exception:  # not a workbook: the reading proper says so
        return 0
    finally:
        source.seek(0)
