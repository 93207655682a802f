"""What every .xlsx the project writes shares: text that stays text, and the download response.

Text in our sheets comes from users outside the reader's organisation (titles, indicators,
answers), so a cell must never become a formula Excel runs when the file is opened.
"""

from typing import Any

from django.http import HttpResponse
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    """A workbook as a file to save, under `name`."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
