"""The aggregated result as a workbook, and pilot items read from a sheet."""

from contextlib import closing
from typing import IO

from django.utils.translation import gettext as _

from claims.models import Programme, ProgrammeItem
from claims.selectors import results
from kernel.spreadsheets import ReadCaps, sheet_rows, table_bytes

# Accepted header names of the item sheet, in either language.
ITEM_HEADERS = {
    "category": {"category", "类别", "分类"},
    "title": {"title", "item", "事项", "名称", "标题"},
    "description": {"description", "说明", "内容"},
}
MAX_ROWS = 1000
# The platform's caps on the uploaded sheet (平台规则): 1,000 items fit many times over.
CAPS = ReadCaps(file_bytes=5 * 1024 * 1024, unpacked_bytes=50 * 1024 * 1024)


def results_xlsx(programme: Programme) -> bytes:
    table = results(programme)
    headers = [_("No."), _("Category"), _("Item")]
    headers += [c.short_name for c in table.claimants] + [_("Claimants")]
    rows = (
        [item.position, item.category, item.title]
        + ["✓" if taken else "" for taken in marks]
        + [sum(marks)]
        for item, marks in table.rows
    )
    footer = [["", "", _("Items claimed")] + [c.claim_count for c in table.claimants] + [""]]
    # The totals row stays outside the autofilter, so sorting the items leaves it last.
    return table_bytes(_("Claims"), headers, rows, after=footer)


def _check_lengths(number: int, **values: str) -> None:
    """The columns' own limits, checked here because SQLite would store a longer text that
    PostgreSQL refuses (a server error after the upload)."""
    for name, value in values.items():
        field = ProgrammeItem._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        if limit is not None and len(value) > limit:
            raise ValueError(
                _("Row %(row)s: the %(field)s is longer than %(max)s characters.")
                % {"row": number, "field": getattr(field, "verbose_name", name), "max": limit}
            )


def read_items(content: bytes | IO[bytes]) -> list[tuple[str, str, str]]:
    """(category, title, description) per non-empty row; ValueError with a message naming the
    row on a bad sheet. Every row is read, however few the sheet's `<dimension>` declares,
    within the platform's caps (kernel.spreadsheets.sheet_rows)."""
    with closing(sheet_rows(content, CAPS)) as numbered:
        rows = (values for _number, values in numbered)
        header = [str(cell or "").strip().lower() for cell in next(rows, None) or ()]
        columns = {
            key: next((i for i, h in enumerate(header) if h in names), None)
            for key, names in ITEM_HEADERS.items()
        }
        if columns["category"] is None or columns["title"] is None:
            raise ValueError(_("Row 1 must name the columns 类别 (category) and 事项 (title)."))
        items = []
        for number, row in enumerate(rows, start=2):

            def cell(key: str, row: tuple[object, ...] = row) -> str:
                index = columns[key]
                value = row[index] if index is not None and index < len(row) else None
                return "" if value is None else str(value).strip()

            category, title, description = cell("category"), cell("title"), cell("description")
            if not (category or title or description):
                continue
            if not category or not title:
                raise ValueError(_("Row %(row)s: give a category and a title.") % {"row": number})
            _check_lengths(number, category=category, title=title)
            items.append((category, title, description))
            if len(items) > MAX_ROWS:
                raise ValueError(_("At most %(max)s items at a time.") % {"max": MAX_ROWS})
        return items
