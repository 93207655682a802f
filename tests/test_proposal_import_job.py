"""The proposal import as a background job at scale (issue #13): streamed, checked in full
before anything is written, inserted in batches inside one transaction, every bad row listed
with its number, the platform's caps (平台规则) stated and enforced, and a sheet's lying
`<dimension>` never trusted."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from audit.models import AuditEntry
from jobs.models import Job
from jobs.services import job_enqueue, job_run
from kernel.errors import Forbidden
from proposals import excel
from proposals import jobs as proposal_jobs
from proposals.models import Proposal, ReformField
from proposals.services import imports
from tests.conftest import client_for
from tests.test_excel import ENGLISH_HEADERS, XLSX, row, xlsx

FIELD = "促进技术要素市场体系建设"


@pytest.fixture(autouse=True)
def english(media_root):
    with translation.override("en"):
        yield


def queue(user, cycle, content: bytes) -> Job:
    return job_enqueue(
        kind="proposals.import",
        by=user,
        params={"cycle_id": cycle.pk},
        upload=SimpleUploadedFile("p.xlsx", content, XLSX),
    )


def ran(job: Job) -> Job:
    job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def lying_dimension(content: bytes, ref: str = "A1:A2") -> bytes:
    """The workbook with its first sheet's `<dimension ref>` rewritten to `ref`."""
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


def test_many_rows_import_in_batches_and_progress_reaches_the_total(users, cycle, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 7)
    monkeypatch.setattr(proposal_jobs, "PROGRESS_EVERY", 5)
    rows = [row(title=f"举措{i}") for i in range(30)]
    job = ran(queue(users["sichuan"], cycle, xlsx(ENGLISH_HEADERS, *rows)))
    assert job.state == Job.State.DONE, (job.message, job.errors)
    assert job.message == "30 proposal(s) imported as drafts."
    assert job.progress == job.total == 60  # each row checked, then inserted
    assert Proposal.objects.filter(cycle=cycle, state="draft").count() == 30
    assert AuditEntry.objects.filter(action="proposal.created").count() == 30
    proposal = Proposal.objects.get(title="举措29")
    assert proposal.field is not None
    assert proposal.locality.code == "510000" and proposal.field.name == FIELD
    assert " 赋权 " in proposal.search_text


def test_a_bad_row_after_many_good_ones_is_reported_by_number_and_nothing_is_imported(
    users, cycle, monkeypatch
):
    monkeypatch.setattr(imports, "BATCH", 4)
    rows = [row(title=f"举措{i}") for i in range(12)] + [row(needs_national_authority="也许")]
    job = ran(queue(users["sichuan"], cycle, xlsx(ENGLISH_HEADERS, *rows)))
    assert job.state == Job.State.FAILED
    assert job.message == "Nothing was imported: 1 row(s) have errors."
    assert job.errors == [{"row": 14, "message": "needs national authority must be 是 or 否"}]
    assert not Proposal.objects.exists()
    html = client_for(users["sichuan"]).get(f"/jobs/{job.pk}/").content.decode()
    assert "<td>14</td>" in html


def test_a_row_refused_while_inserting_rolls_back_the_batches_already_written(
    users, cycle, monkeypatch
):
    """The service's own transaction: batches flushed before the refused row are undone."""
    monkeypatch.setattr(imports, "BATCH", 2)
    field = ReformField.objects.get(name=FIELD)
    good = {"title": "好", "field": field, "content": "内容", "needs_national_authority": False}
    bad = {**good, "needs_national_authority": True, "ministries": " "}
    rows = [(n, dict(good, title=f"好{n}")) for n in range(2, 7)] + [(7, bad)]
    with pytest.raises(imports.RowRefused) as refused:
        imports.proposals_import(by=users["sichuan"], cycle=cycle, rows=rows)
    assert refused.value.row == 7
    assert not Proposal.objects.exists()
    assert not AuditEntry.objects.filter(action="proposal.created").exists()


def test_a_lying_dimension_does_not_hide_rows(users, cycle, monkeypatch):
    monkeypatch.setattr(proposal_jobs, "PROGRESS_EVERY", 5)
    rows = [row(title=f"举措{i}") for i in range(25)]
    content = lying_dimension(xlsx(ENGLISH_HEADERS, *rows))
    job = ran(queue(users["sichuan"], cycle, content))
    assert job.state == Job.State.DONE, (job.message, job.errors)
    assert Proposal.objects.count() == 25
    assert job.progress == job.total == 50  # the estimate from <dimension> was raised
    assert set(Proposal.objects.values_list("title", flat=True)) == {f"举措{i}" for i in range(25)}


def test_the_rows_listed_are_capped_but_all_are_counted(users, cycle, monkeypatch):
    monkeypatch.setattr(proposal_jobs, "MAX_LISTED_ERRORS", 2)
    rows = [row(title="")] * 3
    job = ran(queue(users["sichuan"], cycle, xlsx(ENGLISH_HEADERS, *rows)))
    assert job.message == "Nothing was imported: 3 row(s) have errors."
    assert [e["row"] for e in job.errors] == [2, 3]


def test_a_file_over_the_platform_cap_is_refused(users, cycle, monkeypatch):
    content = xlsx(ENGLISH_HEADERS, row())
    monkeypatch.setattr(excel, "MAX_IMPORT_BYTES", len(content) - 1)
    job = ran(queue(users["sichuan"], cycle, content))
    assert job.state == Job.State.FAILED
    assert job.message == "Platform rule: the file is larger than 0 MB."
    client = client_for(users["sichuan"])
    upload = {"file": SimpleUploadedFile("p.xlsx", content)}
    page = client.post("/proposals/import/", upload, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        page.status_code == 200
        and "Platform rule: the file is larger than" in page.content.decode()
    )
    assert Job.objects.count() == 1  # the one queued above; the form queued none


def test_the_upload_form_states_the_platform_caps(users, cycle):
    page = client_for(users["sichuan"]).get("/proposals/import/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Platform rule: at most 50,000 rows and 40 MB per file." in html


def test_the_wrong_role_is_refused(users, cycle):
    field = ReformField.objects.get(name=FIELD)
    data = {"title": "好", "field": field, "content": "内容"}
    for name in ("national", "expert", "city"):
        with pytest.raises(Forbidden):
            imports.proposals_import(by=users[name], cycle=cycle, rows=[(2, data)])
    job = ran(queue(users["national"], cycle, xlsx(ENGLISH_HEADERS, row())))
    assert job.state == Job.State.FAILED
    assert job.message == "You may not import proposals."
    assert not Proposal.objects.exists()
