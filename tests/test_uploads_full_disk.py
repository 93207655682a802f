"""A full disk on upload (issue #14, fault test with real files): MEDIA_ROOT is a 64 KiB tmpfs,
so a larger upload meets ENOSPC half-way through its write. The user is told in a page or a
message (never a 500 traceback), nothing is saved in the database, no partial file remains,
and the storage takes the next upload that fits.

Mounting needs root (the sandbox's tests run as root); elsewhere the tests are skipped."""

import os
import secrets
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from jobs.models import Job
from proposals.models import Attachment
from tests.conftest import make_proposal
from tests.test_attachments import PDF, english, messages_of, post_file, stored_files

TINY = "64k"
# Larger than the whole filesystem, and incompressible: its write cannot fit.
TOO_BIG = PDF + secrets.token_bytes(200 * 1024)


@pytest.fixture
def tiny_media(settings, tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for MEDIA_ROOT needs root")
    mounted = subprocess.run(  # noqa: S603 (fixed arguments)
        ["/bin/mount", "-t", "tmpfs", "-o", f"size={TINY}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = folder
    yield folder
    subprocess.run(["/bin/umount", str(folder)], check=True)  # noqa: S603


@pytest.fixture
def draft(users, cycle, tiny_media):
    return make_proposal(cycle, users["sichuan"])


def test_an_attachment_on_a_full_disk_is_refused_with_a_message_and_leaves_nothing(
    users, draft, tiny_media
):
    response = post_file(english(users["sichuan"]), draft, "方案.pdf", TOO_BIG)
    assert response.status_code == 200
    assert any("could not be stored" in text for text in messages_of(response))
    assert not Attachment.objects.exists()
    assert not AuditEntry.objects.filter(action="proposal.attachment_added").exists()
    assert stored_files(tiny_media) == []
    # The storage is not left broken: a file that fits is taken.
    response = post_file(english(users["sichuan"]), draft, "小.pdf", PDF)
    assert "Attachment added." in messages_of(response)
    assert [path.read_bytes() for path in stored_files(tiny_media)] == [PDF]


def test_an_import_upload_on_a_full_disk_answers_a_page_and_queues_nothing(
    users, cycle, tiny_media
):
    client = english(users["sichuan"])
    client.raise_request_exception = False
    upload = SimpleUploadedFile("proposals.xlsx", TOO_BIG)
    response = client.post("/proposals/import/", {"file": upload})
    assert response.status_code == 503
    page = response.content.decode()
    assert "The file could not be stored" in page and "Nothing was saved" in page
    assert "Traceback" not in page
    assert not Job.objects.exists()
    assert stored_files(tiny_media) == []
