"""Reporting adoption by Excel in bulk (批量填报): a province downloads its whole territory as
one sheet, fills it in and uploads it; every row is checked with the form's rules and nothing is
written unless every row is right (all or nothing); then the complete units' returns are filed
(报送) in one action. Issue 11: "Reporting by Excel in bulk (one sheet for a province's whole
territory), with the same row checks and all-or-nothing rule as elsewhere"."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.utils.translation import override
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Role
from jobs.models import Job
from notifications.models import Notification
from promotion.exports.bulk_sheet import KEYS, headers, read_sheet
from promotion.models import (
    AdoptionRecord,
    AdoptionStatus,
    PromotedMeasure,
    PromotionBatch,
    RoundReturn,
    TrackingRound,
)
from promotion.reference import load_promotion
from promotion.services import bulk
from promotion.services.records import AdoptionData, adoption_write
from regions.models import Division, Organisation, Park
from tests.conftest import client_for, make_user

TODAY = datetime.datetime.now(tz=datetime.UTC).date()
EARLIER = TODAY - datetime.timedelta(days=30)


@pytest.fixture
def world(users):
    load_promotion()
    first = PromotionBatch.objects.get(number=1)
    round_ = TrackingRound.objects.create(
        title="2099年全国摸查",
        opened_on=EARLIER,
        deadline=TODAY + datetime.timedelta(days=30),
        opened_by=users["national"],
    )
    round_.batches.set([first])
    chengdu = Division.objects.get(code="510100")
    assert chengdu.province is not None
    park = Park.objects.create(
        name="成都高新技术产业开发区",
        kind=Park.Kind.HIGH_TECH,
        division=chengdu,
        province=chengdu.province,
    )
    return {
        "round": round_,
        "park": park,
        "sc": make_user("sc", Role.LOCALITY, division=Division.objects.get(code="510000")),
        "gd": users["guangdong"],
        "cd": make_user("cd", Role.CITY, division=chengdu),
        "county": make_user("jj", Role.CITY, division=Division.objects.get(code="510104")),
        "park_user": make_user("gx", Role.PARK, park=park),
        "implementer": users["implementer"],
        "national": users["national"],
    }


def start_sheet(inline_jobs, user, round_):
    client = client_for(user)
    response = inline_jobs(
        lambda: client.post(f"/promotion/bulk/rounds/{round_.pk}/sheet/", HTTP_ACCEPT_LANGUAGE="en")
    )
    assert response.status_code == 302
    job = Job.objects.filter(created_by=user, kind=bulk.SHEET_KIND).order_by("-pk").first()
    assert job is not None
    assert response["Location"] == f"/promotion/bulk/jobs/{job.pk}/"
    return job


def download(inline_jobs, user, round_):
    job = start_sheet(inline_jobs, user, round_)
    assert job.state == Job.State.DONE, job.message
    response = client_for(user).get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content))


def upload(inline_jobs, user, round_, workbook=None, content=None):
    if content is None:
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    client = client_for(user)
    response = inline_jobs(
        lambda: client.post(
            f"/promotion/bulk/rounds/{round_.pk}/",
            {"file": SimpleUploadedFile("adoption.xlsx", content)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    )
    assert response.status_code == 302, response.content[:2000]
    job = Job.objects.filter(created_by=user, kind=bulk.UPLOAD_KIND).order_by("-pk").first()
    assert job is not None
    return job


def data_sheet(workbook) -> Worksheet:
    sheet = workbook.worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


def columns(sheet):
    with override("en"):
        names = headers()
    by_header = {cell.value: cell.column for cell in sheet[1]}
    return {key: by_header[names[key]] for key in KEYS}


def find_row(sheet, col, code, batch, number):
    for row in range(2, sheet.max_row + 1):
        if (
            str(sheet.cell(row, col["unit_code"]).value) == code
            and sheet.cell(row, col["batch"]).value == batch
            and sheet.cell(row, col["number"]).value == number
        ):
            return row
    raise AssertionError(f"no row for {code} {batch}-{number}")


def fill(sheet, col, row, **values):
    for key, value in values.items():
        sheet.cell(row, col[key]).value = value


def measure(batch, number):
    return PromotedMeasure.objects.get(batch__number=batch, position=number)


# Download -----------------------------------------------------------------------------------


def test_a_province_sheet_covers_its_whole_territory_times_the_rounds_measures(world, inline_jobs):
    sc, round_ = world["sc"], world["round"]
    book = download(inline_jobs, sc, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    plan = bulk.bulk_plan(sc, round_)
    assert sheet.max_row - 1 == plan.count()
    codes = {str(sheet.cell(r, col["unit_code"]).value) for r in range(2, sheet.max_row + 1)}
    sichuan = Division.objects.filter(province__code="510000")
    parks = {
        f"P{pk}" for pk in Park.objects.filter(province__code="510000").values_list("pk", flat=True)
    }
    assert f"P{world['park'].pk}" in parks
    assert codes == {*sichuan.values_list("code", flat=True), *parks}
    assert sheet.cell(2, col["unit_code"]).value == "510000"  # the province comes first
    # Every measure of the round's batch, once per unit.
    province_rows = [
        (sheet.cell(r, col["batch"]).value, sheet.cell(r, col["number"]).value)
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, col["unit_code"]).value == "510000"
    ]
    assert province_rows == [(1, n) for n in range(1, 14)]
    # Header frozen, the status a drop-down of the five statuses, the stamp hidden, notes.
    assert sheet.freeze_panes == "C2"
    lists = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    with override("en"):
        labels = [str(label) for label in AdoptionStatus.labels]
    assert lists[0].formula1 == '"{}"'.format(",".join(labels))
    assert sheet.column_dimensions["M"].hidden
    assert sheet.column_dimensions["F"].width == 40
    assert book.sheetnames[1] == "Instructions"


def test_the_sheet_is_prefilled_with_the_current_records(world, inline_jobs):
    sc, round_ = world["sc"], world["round"]
    county = Division.objects.get(code="510104")
    adoption_write(
        by=sc,
        unit=county,
        measure=measure(1, 2),
        data=AdoptionData(
            status="landed",
            status_on=EARLIER,
            local_document="锦府发〔2099〕1号",
            contact="张三 028-1234",
            difficulties="资金不足",
        ),
    )
    sheet = data_sheet(download(inline_jobs, sc, round_))
    col = columns(sheet)
    row = find_row(sheet, col, "510104", 1, 2)
    assert sheet.cell(row, col["status"]).value == "in place"
    reached = sheet.cell(row, col["status_on"]).value
    assert isinstance(reached, datetime.datetime) and reached.date() == EARLIER
    assert sheet.cell(row, col["local_document"]).value == "锦府发〔2099〕1号"
    assert sheet.cell(row, col["contact"]).value == "张三 028-1234"
    assert sheet.cell(row, col["difficulties"]).value == "资金不足"
    assert "成都市" in str(sheet.cell(row, col["unit_name"]).value)


def test_the_sheet_is_in_chinese_by_default(world, inline_jobs):
    sc, round_ = world["sc"], world["round"]
    client = client_for(sc)
    inline_jobs(lambda: client.post(f"/promotion/bulk/rounds/{round_.pk}/sheet/"))
    job = Job.objects.get(created_by=sc, kind=bulk.SHEET_KIND)
    sheet = load_workbook(job.result_file.open("rb")).worksheets[0]
    assert isinstance(sheet, Worksheet)
    with override("zh-hans"):
        assert sheet.cell(1, 7).value == headers()["status"]
        labels = [str(label) for label in AdoptionStatus.labels]
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == '"{}"'.format(",".join(labels))


def test_a_prefecture_gets_itself_its_counties_and_parks(world, inline_jobs):
    sheet = data_sheet(download(inline_jobs, world["cd"], world["round"]))
    col = columns(sheet)
    codes = {str(sheet.cell(r, col["unit_code"]).value) for r in range(2, sheet.max_row + 1)}
    expected = set(Division.objects.filter(code__startswith="5101").values_list("code", flat=True))
    parks = {
        f"P{pk}" for pk in Park.objects.filter(division__code="510100").values_list("pk", flat=True)
    }
    assert codes == expected | parks


def test_a_county_and_a_park_get_only_their_own_rows(world, inline_jobs):
    county = data_sheet(download(inline_jobs, world["county"], world["round"]))
    col = columns(county)
    assert {county.cell(r, col["unit_code"]).value for r in range(2, county.max_row + 1)} == {
        "510104"
    }
    assert county.max_row - 1 == 13
    park = data_sheet(download(inline_jobs, world["park_user"], world["round"]))
    assert {park.cell(r, col["unit_code"]).value for r in range(2, park.max_row + 1)} == {
        f"P{world['park'].pk}"
    }


def test_regional_measures_go_only_to_units_of_the_8_regions(world, inline_jobs):
    """A measure promoted in the 8 reform experiment regions is not asked of a unit outside
    them: in Sichuan the region is 成德绵 (Chengdu, Deyang, Mianyang)."""
    regional = measure(1, 3)
    regional.scope = PromotedMeasure.Scope.REGIONS
    regional.save()
    plan = bulk.bulk_plan(world["sc"], world["round"], with_records=False)
    counts = {unit.code: len(plan.scoped(unit)) for unit in plan.units}
    assert counts["510104"] == counts["510100"] == counts[f"P{world['park'].pk}"] == 13
    assert counts["511300"] == 12  # 南充市
    sheet = data_sheet(download(inline_jobs, world["sc"], world["round"]))
    col = columns(sheet)
    assert sheet.max_row - 1 == sum(counts.values())
    fill(sheet, col, find_row(sheet, col, "511300", 1, 4), number=3, status="not deployed")
    job = upload(inline_jobs, world["sc"], world["round"], sheet.parent)
    assert job.state == Job.State.FAILED
    assert "8 reform experiment regions" in job.errors[0]["message"]


# Upload -------------------------------------------------------------------------------------


def test_a_province_edits_a_few_rows_and_uploads_them(world, inline_jobs):
    sc, round_, park = world["sc"], world["round"], world["park"]
    book = download(inline_jobs, sc, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    rows = {
        "province": find_row(sheet, col, "510000", 1, 1),
        "county": find_row(sheet, col, "510104", 1, 5),
        "park": find_row(sheet, col, f"P{park.pk}", 1, 13),
    }
    fill(sheet, col, rows["province"], status="deployed", status_on=EARLIER, contact="李四")
    fill(
        sheet,
        col,
        rows["county"],
        status="已落地",  # either language is read
        status_on=EARLIER.strftime("%Y/%m/%d"),
        local_document="锦府办〔2099〕3号",
        difficulties="部门协同不够",
    )
    fill(sheet, col, rows["park"], status="NOT APPLICABLE", reason="园区无此业务")
    job = upload(inline_jobs, sc, round_, book)
    assert job.state == Job.State.DONE, (job.message, job.errors)
    assert job.params["written"] == 3
    assert job.params["blank"] == sheet.max_row - 1 - 3
    records = {
        (r.division.code if r.division else f"P{r.park_id}", r.measure.position): r
        for r in AdoptionRecord.objects.select_related("division", "measure")
    }
    assert set(records) == {("510000", 1), ("510104", 5), (f"P{park.pk}", 13)}
    assert records[("510000", 1)].status == "deployed"
    assert records[("510000", 1)].deployed_on == EARLIER
    assert records[("510000", 1)].contact == "李四"
    assert records[("510104", 5)].status == "landed"
    assert records[("510104", 5)].landed_on == EARLIER
    prefecture = records[("510104", 5)].prefecture
    assert prefecture is not None and prefecture.code == "510100"
    assert records[(f"P{park.pk}", 13)].reason == "园区无此业务"
    assert all(r.round == round_ and r.updated_by == sc for r in records.values())
    page = client_for(sc).get(f"/promotion/bulk/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b"Rows written" in page.content
    assert f"/promotion/bulk/jobs/{job.pk}/file/".encode() in page.content


def test_uploading_the_sheet_again_writes_nothing_and_counts_the_rows_unchanged(world, inline_jobs):
    sc, round_ = world["cd"], world["round"]
    book = download(inline_jobs, sc, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    fill(sheet, col, find_row(sheet, col, "510100", 1, 1), status="not deployed")
    assert upload(inline_jobs, sc, round_, book).params["written"] == 1
    again = upload(inline_jobs, sc, round_, book)
    assert again.state == Job.State.DONE
    assert (again.params["written"], again.params["unchanged"]) == (0, 1)
    assert AdoptionRecord.objects.count() == 1


def test_a_bad_sheet_writes_nothing_and_lists_each_error_by_row_and_column(world, inline_jobs):
    sc, round_ = world["cd"], world["round"]
    book = download(inline_jobs, sc, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    good = find_row(sheet, col, "510100", 1, 1)
    fill(sheet, col, good, status="deployed", status_on=EARLIER)
    bad_status = find_row(sheet, col, "510100", 1, 2)
    fill(sheet, col, bad_status, status="done already")
    bad_date = find_row(sheet, col, "510100", 1, 3)
    fill(sheet, col, bad_date, status="deployed", status_on="last spring")
    future = find_row(sheet, col, "510100", 1, 4)
    fill(sheet, col, future, status="deployed", status_on=TODAY + datetime.timedelta(days=3))
    outside = find_row(sheet, col, "510104", 1, 1)
    fill(sheet, col, outside, unit_code="440104", status="not deployed")
    no_document = find_row(sheet, col, "510100", 1, 5)
    fill(sheet, col, no_document, status="showing results", status_on=EARLIER)
    too_long = find_row(sheet, col, "510100", 1, 6)
    fill(sheet, col, too_long, status="not deployed", difficulties="难" * 2001)
    no_reason = find_row(sheet, col, "510100", 1, 7)
    fill(sheet, col, no_reason, status="not applicable")
    no_such_measure = find_row(sheet, col, "510100", 1, 8)
    fill(sheet, col, no_such_measure, number=99, status="not deployed")
    job = upload(inline_jobs, sc, round_, book)
    assert job.state == Job.State.FAILED
    assert AdoptionRecord.objects.count() == 0
    assert "Nothing was written" in job.message
    found = {(e["row"], e["column"]) for e in job.errors}
    with override("en"):
        names = headers()
    assert found == {
        (bad_status, names["status"]),
        (bad_date, names["status_on"]),
        (future, names["status_on"]),
        (outside, names["unit_code"]),
        (no_document, names["local_document"]),
        (too_long, names["difficulties"]),
        (no_reason, names["reason"]),
        (no_such_measure, names["number"]),
    }
    messages = {e["row"]: e["message"] for e in job.errors}
    assert "at most 2000 characters" in messages[too_long]
    assert "440104" in messages[outside]
    page = client_for(sc).get(f"/promotion/bulk/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert b"Rows with errors" in page.content
    assert f'<th scope="row">{too_long}</th>'.encode() in page.content


def test_a_status_cleared_on_a_reported_measure_is_an_error(world, inline_jobs):
    sc, round_ = world["cd"], world["round"]
    adoption_write(
        by=sc,
        unit=Division.objects.get(code="510100"),
        measure=measure(1, 1),
        data=AdoptionData(status="not_deployed"),
    )
    book = download(inline_jobs, sc, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    row = find_row(sheet, col, "510100", 1, 1)
    fill(sheet, col, row, status=None)
    job = upload(inline_jobs, sc, round_, book)
    assert job.state == Job.State.FAILED
    assert [e["row"] for e in job.errors] == [row]


def test_a_row_changed_in_the_sheet_and_by_its_unit_meanwhile_is_refused(world, inline_jobs):
    sc, round_ = world["cd"], world["round"]
    book = download(inline_jobs, sc, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    # The county files two measures after the province downloaded its sheet.
    county = Division.objects.get(code="510104")
    for number in (1, 2):
        adoption_write(
            by=world["county"],
            unit=county,
            measure=measure(1, number),
            data=AdoptionData(status="deployed", status_on=EARLIER),
        )
    changed = find_row(sheet, col, "510104", 1, 1)
    fill(sheet, col, changed, status="not deployed")
    job = upload(inline_jobs, sc, round_, book)
    assert job.state == Job.State.FAILED
    assert [e["row"] for e in job.errors] == [changed]
    # Left as downloaded, the other row is skipped: the county's filing stays.
    fill(sheet, col, changed, status=None)
    assert upload(inline_jobs, sc, round_, book).state == Job.State.DONE
    assert set(AdoptionRecord.objects.values_list("status", flat=True)) == {"deployed"}


def test_a_row_that_lost_its_stamp_is_refused(world, inline_jobs):
    sc, round_ = world["cd"], world["round"]
    book = download(inline_jobs, sc, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    row = find_row(sheet, col, "510100", 1, 1)
    fill(sheet, col, row, status="not deployed", was="510100 1-2 -")
    job = upload(inline_jobs, sc, round_, book)
    with override("en"):
        stamp_column = headers()["was"]
    assert [(e["row"], e["column"]) for e in job.errors] == [(row, stamp_column)]
    assert AdoptionRecord.objects.count() == 0


def test_another_province_cannot_write_into_sichuan_with_its_sheet(world, inline_jobs):
    cd_book = download(inline_jobs, world["cd"], world["round"])
    sheet = data_sheet(cd_book)
    col = columns(sheet)
    fill(sheet, col, find_row(sheet, col, "510100", 1, 1), status="not deployed")
    job = upload(inline_jobs, world["gd"], world["round"], cd_book)
    assert job.state == Job.State.FAILED
    assert job.errors and all("not one you report for" in e["message"] for e in job.errors)
    assert AdoptionRecord.objects.count() == 0


def test_a_county_cannot_write_its_neighbour(world, inline_jobs):
    county = world["county"]
    book = download(inline_jobs, county, world["round"])
    sheet = data_sheet(book)
    col = columns(sheet)
    fill(sheet, col, 2, unit_code="510105", status="not deployed")
    job = upload(inline_jobs, county, world["round"], book)
    assert job.state == Job.State.FAILED
    assert [e["row"] for e in job.errors] == [2]


def test_a_workbook_whose_dimension_understates_its_rows_is_read_whole(world, inline_jobs):
    """Some programs write <dimension ref="A1:M2"/> whatever the rows; read-only openpyxl
    trusts it unless told not to, and would drop every row after the second."""
    sc, round_ = world["cd"], world["round"]
    book = download(inline_jobs, sc, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    last = sheet.max_row
    fill(sheet, col, last, status="not deployed")
    buffer = io.BytesIO()
    book.save(buffer)
    lying = _with_dimension(buffer.getvalue(), "A1:M2")
    lying_sheet = load_workbook(io.BytesIO(lying), read_only=True).worksheets[0]
    assert lying_sheet.max_row == 2  # what a reader that trusts it would see
    assert len(read_sheet(lying)) == last - 1
    job = upload(inline_jobs, sc, round_, content=lying)
    assert job.state == Job.State.DONE, job.errors
    assert job.params["written"] == 1
    assert AdoptionRecord.objects.get().measure.position == 13


def _with_dimension(content: bytes, ref: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if "<dimension" in text:
                    text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', text)
                else:
                    text = text.replace("<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>', 1)
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_file_over_10_mb_is_refused_before_any_job(world, inline_jobs):
    sc, round_ = world["cd"], world["round"]
    big = SimpleUploadedFile("adoption.xlsx", b"PK\x03\x04" + b"0" * (10 * 1024 * 1024))
    response = client_for(sc).post(
        f"/promotion/bulk/rounds/{round_.pk}/", {"file": big}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert b"larger than 10 MB" in response.content
    assert not Job.objects.filter(kind=bulk.UPLOAD_KIND).exists()


def test_a_file_that_is_not_a_workbook_is_refused(world, inline_jobs):
    response = client_for(world["sc"]).post(
        f"/promotion/bulk/rounds/{world['round'].pk}/",
        {"file": SimpleUploadedFile("adoption.xlsx", b"not a workbook")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert not Job.objects.filter(kind=bulk.UPLOAD_KIND).exists()


def test_a_closed_round_takes_no_sheet(world, inline_jobs):
    sc, round_ = world["cd"], world["round"]
    book = download(inline_jobs, sc, round_)
    round_.state, round_.closed_at = (
        TrackingRound.State.CLOSED,
        datetime.datetime.now(tz=datetime.UTC),
    )
    round_.save()
    client = client_for(sc)
    response = client.post(f"/promotion/bulk/rounds/{round_.pk}/sheet/")
    assert response.status_code == 302
    assert not Job.objects.filter(kind=bulk.SHEET_KIND, state=Job.State.QUEUED).exists()
    buffer = io.BytesIO()
    book.save(buffer)
    client.post(
        f"/promotion/bulk/rounds/{round_.pk}/",
        {"file": SimpleUploadedFile("adoption.xlsx", buffer.getvalue())},
    )
    assert not Job.objects.filter(kind=bulk.UPLOAD_KIND).exists()


# Rights -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["implementer", "national"])
def test_a_user_who_reports_for_no_unit_is_refused(world, who):
    client = client_for(world[who])
    round_ = world["round"]
    assert client.get("/promotion/bulk/").status_code == 403
    assert client.get(f"/promotion/bulk/rounds/{round_.pk}/").status_code == 403
    assert client.post(f"/promotion/bulk/rounds/{round_.pk}/sheet/").status_code == 403
    assert not Job.objects.exists()


def test_anonymous_is_sent_to_sign_in(world):
    from django.test import Client

    client = Client()
    round_ = world["round"]
    for url in ("/promotion/bulk/", f"/promotion/bulk/rounds/{round_.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(f"/promotion/bulk/rounds/{round_.pk}/sheet/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Job.objects.exists()


def test_another_province_cannot_see_sichuans_jobs_or_files(world, inline_jobs):
    job = start_sheet(inline_jobs, world["sc"], world["round"])
    gd = client_for(world["gd"])
    assert gd.get(f"/promotion/bulk/jobs/{job.pk}/").status_code == 404
    assert gd.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert gd.get(f"/promotion/bulk/jobs/{job.pk}/file/").status_code == 404
    # Its own sheet holds only its own territory.
    sheet = data_sheet(download(inline_jobs, world["gd"], world["round"]))
    col = columns(sheet)
    codes = {str(sheet.cell(r, col["unit_code"]).value) for r in range(2, sheet.max_row + 1)}
    assert codes and all(code.startswith("44") for code in codes)


def test_a_job_started_by_someone_else_is_not_run_for_a_user_without_the_right(world):
    """A job's rights are checked again when it runs (the user may have changed role)."""
    from jobs.services import job_run

    organisation = Organisation.objects.first()
    sc = world["sc"]
    job = Job.objects.create(
        kind=bulk.SHEET_KIND, params={"round_id": world["round"].pk}, created_by=sc
    )
    sc.role, sc.organisation = Role.IMPLEMENTER, organisation
    sc.save()
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert not job.result_file


# Filing -------------------------------------------------------------------------------------


def test_after_an_upload_the_complete_units_are_filed_in_one_action(world, inline_jobs):
    county_user, round_ = world["county"], world["round"]
    book = download(inline_jobs, county_user, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    for row in range(2, sheet.max_row + 1):
        fill(sheet, col, row, status="未部署")
    job = upload(inline_jobs, county_user, round_, book)
    assert job.params["written"] == 13
    client = client_for(county_user)
    page = client.get(f"/promotion/bulk/jobs/{job.pk}/file/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "锦江区" in page.content.decode()
    assert b"File these returns" in page.content
    assert not RoundReturn.objects.exists()  # a confirmation page writes nothing
    response = client.post(f"/promotion/bulk/jobs/{job.pk}/file/")
    assert response.status_code == 302
    filed = RoundReturn.objects.get()
    assert filed.division is not None and filed.division.code == "510104"
    assert filed.filed_by == county_user and filed.filed_at is not None
    assert filed.prefecture is not None and filed.prefecture.code == "510100"
    assert filed.province.code == "510000"
    assert not filed.unchanged  # its records were written in this round
    # The prefecture above is told; the county itself is not.
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"cd", "city", "sc", "sichuan"}
    # Filing again finds nothing left to file.
    client.post(f"/promotion/bulk/jobs/{job.pk}/file/")
    assert RoundReturn.objects.count() == 1


def test_only_complete_units_are_offered_for_filing(
    world, inline_jobs, django_assert_max_num_queries
):
    cd, round_ = world["cd"], world["round"]
    book = download(inline_jobs, cd, round_)
    sheet = data_sheet(book)
    col = columns(sheet)
    for number in range(1, 14):
        fill(sheet, col, find_row(sheet, col, "510100", 1, number), status="not deployed")
    fill(sheet, col, find_row(sheet, col, "510104", 1, 1), status="not deployed")
    job = upload(inline_jobs, cd, round_, book)
    filing = bulk.filing_for(by=cd, round=round_, keys=job.params["units"])
    assert [u.code for u in filing.complete] == ["510100"]
    incomplete = dict((u.code, missing) for u, missing in filing.incomplete)
    assert incomplete["510104"] == 12
    client = client_for(cd)
    client.get(f"/promotion/bulk/jobs/{job.pk}/file/")
    with django_assert_max_num_queries(14):
        page = client.get(f"/promotion/bulk/jobs/{job.pk}/file/", HTTP_ACCEPT_LANGUAGE="en")
    assert b"Measures not reported" in page.content
    client.post(f"/promotion/bulk/jobs/{job.pk}/file/")
    assert list(RoundReturn.objects.values_list("division__code", flat=True)) == ["510100"]
    # The province above is told, not a colleague of the same prefecture.
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"sc", "sichuan"}


def test_a_unit_filed_with_only_last_rounds_answers_is_filed_as_unchanged(world, inline_jobs):
    county_user, round_ = world["county"], world["round"]
    county = Division.objects.get(code="510104")
    for number in range(1, 14):
        adoption_write(
            by=county_user,
            unit=county,
            measure=measure(1, number),
            data=AdoptionData(status="not_deployed"),
        )
    book = download(inline_jobs, county_user, round_)
    job = upload(inline_jobs, county_user, round_, book)
    assert (job.params["written"], job.params["unchanged"]) == (0, 13)
    returns = bulk.bulk_returns_file(by=county_user, round=round_, keys=job.params["units"])
    assert len(returns) == 1 and returns[0].unchanged


def test_filing_someone_elses_units_files_nothing(world, inline_jobs):
    with pytest.raises(bulk.PromotionError):
        bulk.bulk_returns_file(by=world["gd"], round=world["round"], keys=["d1"])
    assert not RoundReturn.objects.exists()


# Links, pages and bounds --------------------------------------------------------------------


def test_the_include_shows_the_links_only_to_who_reports_on_an_open_round(world, rf):
    from django.template.loader import render_to_string

    round_ = world["round"]

    def render(user):
        request = rf.get("/")
        request.user = user
        return render_to_string(
            "promotion/includes/bulk_links.html", {"round": round_, "user": user}, request
        )

    assert f"/promotion/bulk/rounds/{round_.pk}/" in render(world["sc"])
    assert "/promotion/bulk/" not in render(world["national"])
    round_.state, round_.closed_at = (
        TrackingRound.State.CLOSED,
        datetime.datetime.now(tz=datetime.UTC),
    )
    round_.save()
    assert "/promotion/bulk/" not in render(world["sc"])


def test_the_pages_take_a_bounded_number_of_queries(
    world, inline_jobs, django_assert_max_num_queries
):
    sc, round_ = world["sc"], world["round"]
    for _n in range(3):
        start_sheet(inline_jobs, sc, round_)
    client = client_for(sc)
    client.get("/promotion/bulk/")
    with django_assert_max_num_queries(12):
        assert client.get("/promotion/bulk/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/promotion/bulk/rounds/{round_.pk}/").status_code == 200
    job = Job.objects.filter(kind=bulk.SHEET_KIND).first()
    assert job is not None
    with django_assert_max_num_queries(10):
        assert client.get(f"/promotion/bulk/jobs/{job.pk}/").status_code == 200


def test_a_provinces_full_sheet_is_built_in_a_bounded_number_of_queries_and_size(
    world, django_assert_max_num_queries
):
    """A province's sheet over all three batches (~200 units × 56 measures): built in a few
    queries whatever its size, and small on disk."""
    sc, round_ = world["sc"], world["round"]
    round_.batches.set(PromotionBatch.objects.all())
    county = Division.objects.get(code="510104")
    for number in range(1, 14):
        adoption_write(
            by=sc,
            unit=county,
            measure=measure(1, number),
            data=AdoptionData(status="not_deployed"),
        )
    # (Its time and memory are measured by `make bench`, not here.)
    with django_assert_max_num_queries(12):
        content, count = bulk.sheet_build(by=sc, round=round_)
    assert count == bulk.bulk_plan(sc, round_).count() > 11_000
    assert len(content) < 2 * 1024 * 1024
    rows = read_sheet(content)
    assert len(rows) == count
    # An unchanged sheet is checked in a bounded number of queries too.
    with django_assert_max_num_queries(12):
        result = bulk.bulk_upload(by=sc, round=round_, rows=rows)
    assert (result.written, result.unchanged) == (0, 13)
    assert result.blank == count - 13


# Reading limits (no database) ---------------------------------------------------------------


def test_a_sheet_over_the_row_limit_is_refused(monkeypatch):
    from promotion.exports import bulk_sheet

    monkeypatch.setattr(bulk_sheet, "MAX_ROWS", 3)
    with override("en"):
        header = tuple(headers()[key] for key in KEYS)
    rows = [header, *[("510000", "", "", 1, n) for n in range(1, 6)]]
    with override("en"), pytest.raises(bulk_sheet.SheetError, match="At most 3 rows"):
        bulk_sheet._rows(iter(rows))


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_opened(monkeypatch):
    from promotion.exports import bulk_sheet

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<x/>" + " " * 50_000)
    monkeypatch.setattr(bulk_sheet, "MAX_UNPACKED_BYTES", 10_000)
    with override("en"), pytest.raises(bulk_sheet.SheetError, match="unpacks to more than"):
        read_sheet(buffer.getvalue())


def test_a_sheet_without_its_headers_is_refused():
    from openpyxl import Workbook

    from promotion.exports import bulk_sheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["code", "status"])
    sheet.append(["510000", "deployed"])
    buffer = io.BytesIO()
    book.save(buffer)
    with override("en"), pytest.raises(bulk_sheet.SheetError, match="Row 1 must keep"):
        read_sheet(buffer.getvalue())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-31", datetime.date(2026, 3, 31)),
        ("2026/3/1", datetime.date(2026, 3, 1)),
        ("2026年3月1日", datetime.date(2026, 3, 1)),
        (datetime.datetime(2026, 3, 1, 0, 0), datetime.date(2026, 3, 1)),  # noqa: DTZ001 (as openpyxl reads it)
        (46082, datetime.date(2026, 3, 1)),  # an Excel day number
        ("", None),
        (None, None),
    ],
)
def test_dates_are_read_in_the_forms_officials_type(value, expected):
    assert bulk._date(value) == expected


@pytest.mark.parametrize("value", ["last spring", "2026-13-01", "31/03/2026", -5])
def test_anything_else_is_not_a_date(value):
    with pytest.raises(ValueError):
        bulk._date(value)
