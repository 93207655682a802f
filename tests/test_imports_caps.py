"""The caps on an imported workbook (issue #14): the file's size and what it unpacks to are
platform rules (平台规则), checked on the upload and on the zip members' declared sizes before
openpyxl opens it; a cell longer than Excel itself allows (32,767 characters, Microsoft's
"Excel specifications and limits") is refused with its row number, found by streaming the
shared strings, so a huge text is never parsed whole. Nothing of a refused upload is kept."""

import io
import re
import zipfile

import pytest
from django.utils.translation import override
from openpyxl import Workbook

from claims import excel as claims_excel
from jobs.models import Job
from kernel.spreadsheets import CELL_MAX_CHARS, ReadCaps, WorkbookRefused, sheet_rows
from promotion.exports import bulk_sheet as promotion_sheet
from proposals import excel as proposals_excel
from proposals.models import Proposal
from tasks.exports import bulk as tasks_sheet
from tests.test_excel import ENGLISH_HEADERS, row, xlsx
from tests.test_proposal_import_job import queue, ran

READERS = {
    "proposals": lambda content: list(proposals_excel.read_rows(content)),
    "tasks": tasks_sheet.read_sheet,
    "claims": claims_excel.read_items,
    "promotion": promotion_sheet.read_sheet,
}
PLACEHOLDER = "__TEXT__"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
STRINGS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
EMPTY_INLINE = re.compile(r'<c r="([A-Z]+\d+)"([^>]*) t="inlineStr"></c>')
INLINE = re.compile(r'<c r="([A-Z]+\d+)"([^>]*) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', re.S)


def rewritten(content: bytes, change: dict) -> bytes:
    """`content` with the parts named in `change` replaced (by a function of the old text,
    or by new text) or added."""
    change = dict(change)
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename).decode()
            new = change.pop(info.filename, data)
            target.writestr(info, new(data) if callable(new) else new)
        for name, data in change.items():
            target.writestr(name, data)
    return out.getvalue()


def as_shared(content: bytes) -> bytes:
    """`content` with the inline strings of its sheet moved to xl/sharedStrings.xml, as Excel
    and WPS write them (openpyxl writes inline strings)."""
    texts: list[str] = []

    def to_shared(match: re.Match[str]) -> str:
        texts.append(match.group(3))
        return f'<c r="{match.group(1)}"{match.group(2)} t="s"><v>{len(texts) - 1}</v></c>'

    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read(SHEET).decode()
    sheet_xml = INLINE.sub(to_shared, EMPTY_INLINE.sub(r'<c r="\1"\2/>', sheet_xml))
    assert texts and "inlineStr" not in sheet_xml
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(texts)}" uniqueCount="{len(texts)}">{items}</sst>'
    )
    override_ = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
    relation = f'<Relationship Id="rIdS" Type="{STRINGS_REL}" Target="sharedStrings.xml"/>'
    return rewritten(
        content,
        {
            SHEET: sheet_xml,
            "[Content_Types].xml": lambda xml: xml.replace("</Types>", override_ + "</Types>"),
            "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(
                "</Relationships>", relation + "</Relationships>"
            ),
            "xl/sharedStrings.xml": strings,
        },
    )


def with_text(content: bytes, text: str, *, shared: bool) -> bytes:
    """`content` with PLACEHOLDER replaced by `text` in the sheet XML (openpyxl itself cuts
    any text to Excel's limit); `shared`: the texts then moved to the shared strings."""
    content = rewritten(content, {SHEET: lambda xml: xml.replace(PLACEHOLDER, text)})
    return as_shared(content) if shared else content


def workbook_with(text: str, at_row: int, *, shared: bool = True) -> bytes:
    """A sheet of items with `text` in row `at_row` and one row after it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["类别", "事项", "说明"])
    for number in range(2, at_row):
        sheet.append(["成果转化类", f"事项{number}", ""])
    sheet.append(["成果转化类", "事项", PLACEHOLDER])
    sheet.append(["成果转化类", "最后", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return with_text(buffer.getvalue(), text, shared=shared)


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
def test_a_cell_longer_than_excel_allows_is_refused_with_its_row_before_the_sheet_is_read(
    reader,
):
    """Refused from the shared strings, streamed, before the header is even looked at (the
    sheet has the items' header, which only the claims reader would accept)."""
    content = workbook_with("长" * (CELL_MAX_CHARS + 1), at_row=4)
    with override("en"), pytest.raises(ValueError, match=r"^Row 4: a cell holds more than") as e:
        reader(content)
    assert isinstance(e.value, WorkbookRefused) or isinstance(e.value.__cause__, WorkbookRefused)


def test_an_inline_cell_longer_than_excel_allows_is_refused_with_its_row():
    content = workbook_with("长" * (CELL_MAX_CHARS + 1), at_row=4, shared=False)
    rows = sheet_rows(content, ReadCaps())
    assert [next(rows)[0] for _n in range(3)] == [1, 2, 3]
    with override("en"), pytest.raises(WorkbookRefused, match=r"^Row 4: ") as e:
        next(rows)
    assert e.value.row == 4
    with override("en"), pytest.raises(ValueError, match=r"^Row 4: a cell holds more than"):
        claims_excel.read_items(content)


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "inline"])
def test_a_cell_of_exactly_excels_limit_is_read(shared):
    content = workbook_with("长" * CELL_MAX_CHARS, at_row=3, shared=shared)
    rows = dict(sheet_rows(content, ReadCaps()))
    assert len(rows[3][2]) == CELL_MAX_CHARS
    assert rows[4][1] == "最后"


def test_the_row_is_the_one_whose_cell_shows_the_long_shared_text():
    content = workbook_with("x" * (CELL_MAX_CHARS + 1), at_row=7)
    with override("en"), pytest.raises(WorkbookRefused, match=r"^Row 7: ") as e:
        list(sheet_rows(content, ReadCaps()))
    assert e.value.errors() == [{"row": 7, "message": e.value.message}]


def test_a_phonetic_guide_does_not_count_towards_the_cells_text():
    content = workbook_with("漢" * CELL_MAX_CHARS, at_row=3)
    phonetic = '<rPh sb="0" eb="1"><t>' + "カ" * 10 + "</t></rPh>"
    content = rewritten(
        content,
        {"xl/sharedStrings.xml": lambda xml: xml.replace("</t></si>", "</t>" + phonetic + "</si>")},
    )
    rows = dict(sheet_rows(content, ReadCaps()))
    assert len(rows[3][2]) == CELL_MAX_CHARS


def test_a_part_over_the_cap_is_refused_on_its_declared_size_before_it_is_opened():
    content = workbook_with("长" * 5000, at_row=3)
    with override("en"), pytest.raises(WorkbookRefused, match="^Platform rule: a sheet, or"):
        list(sheet_rows(content, ReadCaps(part_bytes=10_000)))


def test_a_workbook_unpacking_over_the_cap_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<x/>" + " " * 50_000)
    with override("en"), pytest.raises(WorkbookRefused, match="^Platform rule: the workbook"):
        list(sheet_rows(buffer.getvalue(), ReadCaps(unpacked_bytes=10_000)))


def test_a_file_over_the_cap_is_refused_as_a_platform_rule():
    content = workbook_with("", at_row=3)
    with override("en"), pytest.raises(WorkbookRefused, match="^Platform rule: the file is"):
        list(sheet_rows(content, ReadCaps(file_bytes=len(content) - 1)))


def test_a_file_that_is_no_workbook_is_refused_not_crashed_on():
    with override("en"), pytest.raises(WorkbookRefused, match="not an .xlsx workbook"):
        list(sheet_rows(b"PK\x03\x04 not really a zip", ReadCaps()))


@pytest.mark.django_db
def test_the_proposal_import_lists_the_over_long_row_and_imports_nothing(users, cycle, media_root):
    rows = [row(title=f"举措{i}") for i in range(4)]
    rows[2] = row(title="举措2", content=PLACEHOLDER)
    content = with_text(xlsx(ENGLISH_HEADERS, *rows), "内" * (CELL_MAX_CHARS + 1), shared=True)
    with override("en"):
        job = ran(queue(users["sichuan"], cycle, content))
    assert job.state == Job.State.FAILED
    assert [error["row"] for error in job.errors] == [4]
    assert "more than 32,767 characters" in job.message
    assert not Proposal.objects.filter(cycle=cycle).exists()


def test_a_long_text_shown_on_no_row_of_the_first_sheet_is_still_refused_before_opening():
    """openpyxl loads every shared string when it opens the workbook, used or not."""
    content = workbook_with("x" * (CELL_MAX_CHARS + 1), at_row=3)
    unused = rewritten(content, {SHEET: lambda xml: xml.replace("<v>7</v>", "<v>6</v>")})
    with override("en"), pytest.raises(WorkbookRefused, match="^A cell of the workbook") as e:
        list(sheet_rows(unused, ReadCaps()))
    assert e.value.row is None and e.value.errors() == []
