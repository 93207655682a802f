"""The whole dashboard as a workbook: one sheet per block, its table as shown."""

import io
import re

from openpyxl import Workbook

from kernel.spreadsheets import write_table
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
        after = [[], [block.note]] if block.note else []
        write_table(sheet, block.headers, block.rows, after=after)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
