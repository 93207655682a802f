"""The whole dashboard as a workbook: one sheet per block, its table as shown."""

import io
import re

from openpyxl import Workbook

from kernel.spreadsheets import text_cell
from overview.dashboards.base import Block

# Characters a sheet title cannot hold, and its length limit (Excel's).
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
TITLE_MAX = 31


def sheet_title(title: str, taken: set[str]) -> str:
    base = FORBIDDEN.sub(" ", title)[:TITLE_MAX].strip() or "Sheet"
    name, n = base, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: TITLE_MAX - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def workbook_bytes(blocks: list[Block]) -> bytes:
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for block in blocks:
        sheet = workbook.create_sheet(sheet_title(block.title, taken))
        sheet.append(block.headers)
        for row in block.rows:
            sheet.append([text_cell(sheet, value) for value in row])
        if block.note:
            sheet.append([])
            sheet.append([text_cell(sheet, block.note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
