"""Every Excel import reads the real rows, never a stale `<dimension>` (issue #14).

A sheet's `<dimension ref>` is written by whatever program saved it and may under-state the
rows; openpyxl in read-only mode stops there unless told not to, so an import would take the
first rows, drop the rest silently and report success. Each importer is given a real .xlsx
(written by openpyxl, then its sheet XML rewritten to a lying dimension) and must import every
row, or report the bad row past the dimension by its number."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override
from openpyxl import Workbook, load_workbook

from claims import excel as claims_excel
from claims.models import Programme
from jobs.models import Job
from kernel.spreadsheets import ReadCaps, sheet_rows
from promotion.exports import bulk_sheet as promotion_sheet
from proposals.models import Proposal
from tasks.exports.bulk import headers as task_headers
from tasks.models import Milestone, Status
from tests.conftest import client_for
from tests.test_claims_fixtures import make_programme
from tests.test_excel import ENGLISH_HEADERS, row, xlsx
from tests.test_proposal_import_job import queue, ran
from tests.test_tasks_bulk import columns, download, w  # noqa: F401 (w: the tasks' fixture)


def lying(content: bytes, ref: str = "A1:C2") -> bytes:
    """`content` with its first sheet's `<dimension ref>` rewritten to `ref`."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data
                )
                assert count == 1
            target.writestr(info, data)
    return out.getvalue()


def saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def trusted_rows(content: bytes) -> int:
    """The rows a reader that trusts the dimension would see."""
    return load_workbook(io.BytesIO(content), read_only=True).worksheets[0].max_row or 0


def test_the_shared_reader_reads_past_the_dimension_with_the_sheets_row_numbers():
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for number in range(1, 8):
        sheet.append([f"a{number}", number])
    sheet.cell(10, 1, "a10")  # a gap: rows 8 and 9 are empty
    content = lying(saved(book), "A1:B2")
    assert trusted_rows(content) == 2
    rows = dict(sheet_rows(content, ReadCaps()))
    assert max(rows) == 10
    assert rows[7] == ("a7", 7)
    assert rows[10][0] == "a10"
    assert all(value is None for value in rows[9])


@pytest.mark.django_db
def test_proposal_import_imports_every_row_past_a_lying_dimension(users, cycle, media_root):
    rows = [row(title=f"举措{i}") for i in range(6)]
    content = lying(xlsx(ENGLISH_HEADERS, *rows), "A1:M2")
    assert trusted_rows(content) == 2
    with override("en"):
        job = ran(queue(users["sichuan"], cycle, content))
    assert job.state == Job.State.DONE, (job.message, job.errors)
    assert Proposal.objects.filter(cycle=cycle).count() == 6
    assert Proposal.objects.filter(title="举措5").exists()


@pytest.mark.django_db
def test_proposal_import_reports_a_bad_row_past_a_lying_dimension(users, cycle, media_root):
    rows = [row(title=f"举措{i}") for i in range(5)] + [row(title="")]
    content = lying(xlsx(ENGLISH_HEADERS, *rows), "A1:M2")
    with override("en"):
        job = ran(queue(users["sichuan"], cycle, content))
    assert job.state == Job.State.FAILED
    assert [error["row"] for error in job.errors] == [7]
    assert not Proposal.objects.filter(cycle=cycle).exists()


@pytest.mark.django_db
def test_tasks_bulk_update_reads_every_row_past_a_lying_dimension(w, users):  # noqa: F811
    workbook = download(users["sichuan"])
    sheet = workbook.worksheets[0]
    with override("en"):
        col = {key: columns(sheet)[text] for key, text in task_headers().items()}
    last = sheet.max_row
    assert last >= 3
    kinds = [str(sheet.cell(number, col["kind"]).value or "") for number in range(1, last + 1)]
    # The last milestone row, past the dimension's two rows, is the one changed.
    changed = max(n for n, kind in enumerate(kinds, start=1) if n > 1 and kind == kinds[1])
    assert changed > 2
    sheet.cell(changed, col["status"], "in_progress")
    content = lying(saved(workbook), "A1:N2")
    assert trusted_rows(content) == 2
    upload = SimpleUploadedFile("update.xlsx", content)
    response = client_for(users["sichuan"]).post(
        "/tasks/bulk/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    page = response.content.decode()
    assert f"{last - 1} rows read; 1 tasks changed." in page
    milestone = Milestone.objects.get(
        task_id=sheet.cell(changed, col["task"]).value,
        position=sheet.cell(changed, col["number"]).value,
    )
    assert milestone.status == Status.IN_PROGRESS


@pytest.mark.django_db
def test_tasks_bulk_update_reports_a_bad_row_past_a_lying_dimension(w, users):  # noqa: F811
    workbook = download(users["sichuan"])
    sheet = workbook.worksheets[0]
    with override("en"):
        col = {key: columns(sheet)[text] for key, text in task_headers().items()}
    last = sheet.max_row
    sheet.cell(last, col["done_on"], "not a date")
    sheet.cell(last, col["actual"], "not a number")
    sheet.cell(last, col["status"], "no such status")
    content = lying(saved(workbook), "A1:N2")
    upload = SimpleUploadedFile("update.xlsx", content)
    response = client_for(users["sichuan"]).post(
        "/tasks/bulk/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    errors = response.context["errors"]
    assert last in [number for number, _message in errors], errors


def claims_sheet(rows: int, *, bad_last: bool = False) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["类别", "事项", "说明"])
    for number in range(rows):
        sheet.append(["成果转化类", f"新事项{number}", ""])
    if bad_last:
        sheet.append(["企业创新类", None, None])
    return lying(saved(book), "A1:C2")


@pytest.mark.django_db
def test_claims_items_import_adds_every_row_past_a_lying_dimension(users):
    programme = make_programme(users, items=1, open_=False)
    content = claims_sheet(6)
    assert trusted_rows(content) == 2
    upload = SimpleUploadedFile("items.xlsx", content)
    response = client_for(users["national"]).post(
        f"/claims/{programme.pk}/items/import/", {"file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    titles = set(Programme.objects.get(pk=programme.pk).items.values_list("title", flat=True))
    assert {f"新事项{n}" for n in range(6)} <= titles


def test_claims_items_reader_reports_a_bad_row_past_a_lying_dimension():
    with override("en"), pytest.raises(ValueError, match=r"^Row 8: give a category"):
        claims_excel.read_items(claims_sheet(6, bad_last=True))


def promotion_book(rows: int) -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    names = promotion_sheet.headers()
    sheet.append([names[key] for key in promotion_sheet.KEYS])
    for number in range(1, rows + 1):
        sheet.append(["510000", "四川省", "", 1, number, "", "", "", "", "", "", "", "stamp"])
    return book


def test_promotion_sheet_reads_every_row_past_a_lying_dimension():
    with override("en"):
        content = lying(saved(promotion_book(7)), "A1:M2")
        assert trusted_rows(content) == 2
        rows = promotion_sheet.read_sheet(content)
    assert [found.row for found in rows] == list(range(2, 9))
    assert rows[-1].cells["number"] == 7


def test_promotion_sheet_refuses_too_many_rows_past_a_lying_dimension(monkeypatch):
    monkeypatch.setattr(promotion_sheet, "MAX_ROWS", 4)
    with override("en"):
        content = lying(saved(promotion_book(7)), "A1:M2")
        with pytest.raises(promotion_sheet.SheetError, match="At most 4 rows"):
            promotion_sheet.read_sheet(content)


def test_a_date_past_a_lying_dimension_is_read_as_a_date():
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["h"])
    for _n in range(5):
        sheet.append([datetime.date(2026, 3, 1)])
    rows = dict(sheet_rows(lying(saved(book), "A1:A1"), ReadCaps()))
    assert rows[6][0] == datetime.datetime(2026, 3, 1)  # noqa: DTZ001 (as openpyxl reads it)
