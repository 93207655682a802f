"""Attachments: real files in, checked by content, stored under MEDIA_ROOT, served by right."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document
from openpyxl import Workbook

from audit.models import AuditEntry
from proposals.models import Attachment
from tests.conftest import client_for, make_proposal

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000056 00000 n \n"
    b"trailer <</Size 3 /Root 1 0 R>>\nstartxref\n104\n%%EOF\n"
)


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def docx() -> bytes:
    document = Document()
    document.add_paragraph("附件：试点方案")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.worksheets[0].append(["指标", "目标值"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ofd() -> bytes:
    """The shape of a GB/T 33190 OFD package: a ZIP with OFD.xml at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("setup.exe", b"MZ\x90\x00")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def english(user):
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def post_file(client, proposal, name: str, content: bytes):
    return client.post(
        f"/proposals/{proposal.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def draft(users, cycle):
    return make_proposal(cycle, users["sichuan"])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("方案.pdf", PDF),
        ("图.png", png()),
        ("说明.docx", docx()),
        ("指标.xlsx", xlsx()),
        ("公文.ofd", ofd()),
    ],
)
def test_real_files_are_accepted_and_downloadable(users, draft, media_root, name, content):
    sichuan = english(users["sichuan"])
    response = post_file(sichuan, draft, name, content)
    assert response.redirect_chain[-1][0] == f"/proposals/{draft.pk}/"
    assert messages_of(response) == ["Attachment added."]
    attachment = Attachment.objects.get()
    assert attachment.proposal == draft
    assert attachment.name == name
    assert attachment.size == len(content)
    assert attachment.uploaded_by == users["sichuan"]
    assert [p.read_bytes() for p in stored_files(media_root)] == [content]
    assert name in response.content.decode()

    download = sichuan.get(f"/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert body(download) == content
    assert "attachment" in download["Content-Disposition"]

    entry = AuditEntry.objects.get(action="proposal.attachment_added")
    assert entry.actor == users["sichuan"]
    assert entry.object_id == str(draft.pk)
    assert entry.changes == {"attachment": [None, name]}


def test_download_follows_who_may_see_the_proposal(users, draft):
    sichuan = client_for(users["sichuan"])
    post_file(sichuan, draft, "方案.pdf", PDF)
    attachment = Attachment.objects.get()
    url = f"/attachments/{attachment.pk}/"
    # A draft is its locality's alone.
    for name in ("national", "guangdong", "expert", "innovator", "public", "city"):
        assert client_for(users[name]).get(url).status_code == 404, name
    draft.state, draft.submitted_at = "submitted", timezone.now()
    draft.save()
    national = client_for(users["national"]).get(url)
    assert national.status_code == 200
    assert body(national) == PDF
    for name in ("guangdong", "expert", "innovator", "public", "city"):
        assert client_for(users[name]).get(url).status_code == 404, name
    anonymous = client_for(users["sichuan"])
    anonymous.logout()
    assert anonymous.get(url).status_code == 302
    assert client_for(users["sichuan"]).get("/attachments/99999/").status_code == 404


def test_same_name_twice_keeps_both_files(users, draft, media_root):
    sichuan = client_for(users["sichuan"])
    post_file(sichuan, draft, "方案.pdf", PDF)
    second = PDF.replace(b"%%EOF", b"% revised\n%%EOF")
    post_file(sichuan, draft, "方案.pdf", second)
    first_pk, second_pk = Attachment.objects.values_list("pk", flat=True)
    assert len(stored_files(media_root)) == 2
    assert body(sichuan.get(f"/attachments/{first_pk}/")) == PDF
    assert body(sichuan.get(f"/attachments/{second_pk}/")) == second


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("方案.pdf", b"just some text, not a PDF", "方案.pdf does not look like a .pdf file."),
        ("photo.png", b"\xff\xd8\xff\xe0 a jpeg", "photo.png does not look like a .png file."),
        ("scan.jpg", png(), "scan.jpg does not look like a .jpg file."),
        ("virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "virus.pdf does not look like a .pdf file."),
        ("report.docx", b"<html><body>hi</body></html>", "report.docx does not look like"),
        ("archive.docx", plain_zip(), "archive.docx does not look like a .docx file."),
        ("sheet.docx", xlsx(), "sheet.docx does not look like a .docx file."),
        ("doc.xlsx", docx(), "doc.xlsx does not look like a .xlsx file."),
        ("archive.ofd", plain_zip(), "archive.ofd does not look like a .ofd file."),
        ("setup.exe", b"MZ\x90\x00\x03\x00", "setup.exe: files of this type are not accepted."),
        ("page.html", b"<html><script>alert(1)</script>", "files of this type are not accepted"),
        ("page.HTML", PDF, "page.HTML: files of this type are not accepted."),
        ("noext", PDF, "noext: files of this type are not accepted."),
    ],
)
def test_lying_or_forbidden_files_are_refused(users, draft, media_root, name, content, message):
    response = post_file(english(users["sichuan"]), draft, name, content)
    assert response.status_code == 200
    (shown,) = messages_of(response)
    assert message in shown
    if "not accepted" in message:
        assert "Allowed: .doc, .docx, .jpeg, .jpg, .ofd, .pdf, .png, .xls, .xlsx." in shown
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []
    assert not AuditEntry.objects.filter(action="proposal.attachment_added").exists()


def test_oversized_file_is_refused(users, draft, media_root, settings):
    settings.ATTACHMENT_MAX_BYTES = len(PDF)
    client = english(users["sichuan"])
    big = PDF + b"%" * 1
    response = post_file(client, draft, "大文件.pdf", big)
    (shown,) = messages_of(response)
    assert shown.replace("\xa0", " ") == f"大文件.pdf is larger than {len(PDF)} bytes."
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []
    # Exactly at the limit is fine.
    response = post_file(client, draft, "刚好.pdf", PDF)
    assert messages_of(response) == ["Attachment added."]
    assert Attachment.objects.get().name == "刚好.pdf"


def test_post_without_a_file_asks_for_one(users, draft):
    response = english(users["sichuan"]).post(f"/proposals/{draft.pk}/attachments/", follow=True)
    assert messages_of(response) == ["Choose a file to upload."]
    assert not Attachment.objects.exists()


def test_upload_is_refused_once_submitted_and_allowed_again_when_returned(users, cycle, media_root):
    submitted = make_proposal(cycle, users["sichuan"], state="submitted")
    # Its own province is told why, not refused: the proposal changed state, not the right.
    response = english(users["sichuan"]).post(
        f"/proposals/{submitted.pk}/attachments/",
        {"file": SimpleUploadedFile("a.pdf", PDF)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/proposals/{submitted.pk}/"
    assert "already been submitted" in " ".join(messages_of(response))
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []
    # Others cannot upload to it either: the centre may see it but not change it.
    response = client_for(users["national"]).post(
        f"/proposals/{submitted.pk}/attachments/", {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 403
    response = client_for(users["guangdong"]).post(
        f"/proposals/{submitted.pk}/attachments/", {"file": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()

    returned = make_proposal(cycle, users["sichuan"], state="returned")
    response = post_file(english(users["sichuan"]), returned, "补充.pdf", PDF)
    assert messages_of(response) == ["Attachment added."]


def test_removal_asks_for_confirmation_then_removes_and_records(users, draft, media_root):
    sichuan = english(users["sichuan"])
    post_file(sichuan, draft, "方案.pdf", PDF)
    attachment = Attachment.objects.get()
    url = f"/attachments/{attachment.pk}/delete/"

    confirm = sichuan.get(url)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "方案.pdf" in html and 'method="post"' in html
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert len(stored_files(media_root)) == 1
    assert not AuditEntry.objects.filter(action="proposal.attachment_removed").exists()

    for name, status in (("guangdong", 404), ("national", 404), ("public", 404)):
        assert client_for(users[name]).post(url).status_code == status, name
    assert Attachment.objects.filter(pk=attachment.pk).exists()

    response = sichuan.post(url, follow=True)
    assert response.redirect_chain[-1][0] == f"/proposals/{draft.pk}/"
    assert messages_of(response) == ["Attachment removed."]
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []
    entry = AuditEntry.objects.get(action="proposal.attachment_removed")
    assert entry.actor == users["sichuan"]
    assert entry.object_id == str(draft.pk)
    assert entry.changes == {"attachment": ["方案.pdf", None]}
    assert sichuan.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_removal_is_refused_once_submitted(users, draft, media_root):
    sichuan = client_for(users["sichuan"])
    post_file(sichuan, draft, "方案.pdf", PDF)
    attachment = Attachment.objects.get()
    draft.state, draft.submitted_at = "submitted", timezone.now()
    draft.save()
    url = f"/attachments/{attachment.pk}/delete/"
    assert sichuan.get(url).status_code == 403
    repeat = english(users["sichuan"]).post(url, follow=True)
    assert "already been submitted" in " ".join(messages_of(repeat))
    assert client_for(users["national"]).post(url).status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert len(stored_files(media_root)) == 1
    assert not AuditEntry.objects.filter(action="proposal.attachment_removed").exists()
