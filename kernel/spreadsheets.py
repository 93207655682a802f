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
import unicodedata
from collections.abc import Callable, Iterable, Sequence, Sized
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from kernel.downloads import XLSX, download

__all__ = [
    "XLSX",
    "Filters",
    "form_filters",
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
