"""What every .xlsx the project writes shares: text that stays text, and the download response.

Text in our sheets comes from users outside the reader's organisation (titles, indicators,
answers), so a cell must never become a formula Excel runs when the file is opened.
"""

import io
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpResponse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kernel.downloads import XLSX, download

__all__ = ["XLSX", "table_bytes", "text_cell", "xlsx_response"]
# The characters spreadsheet programs read as the start of a formula (OWASP's list): openpyxl
# itself turns only "=" into one, but a cell that Excel re-reads on editing must stay text too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def table_bytes(
    title: str,
    headers: list[str],
    rows: Iterable[list[Any]],
    on_row: Callable[[int], Any] | None = None,
) -> bytes:
    """Any list as a one-sheet workbook, streamed row by row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for count, row in enumerate(rows, start=1):
        sheet.append([text_cell(sheet, value) for value in row])
        if on_row:
            on_row(count)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
