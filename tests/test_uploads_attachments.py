"""Attachment names are limited before the file is written, and a failed save leaves no file
(issue #14): a name of 200+ characters answered 500 on PostgreSQL after its file was written,
leaving the file orphaned. Run on SQLite and PostgreSQL; the storage folder is looked at."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.utils import timezone

from audit.models import AuditEntry
from proposals.errors import ProposalError
from proposals.models import Attachment, Proposal
from proposals.services.attachments import attachment_add
from tests.conftest import make_proposal
from tests.test_attachments import PDF, english, messages_of, post_file, stored_files

LIMIT = Attachment.NAME_MAX


@pytest.fixture
def draft(users, cycle, media_root):
    return make_proposal(cycle, users["sichuan"])


def name_of(length: int) -> str:
    return "长" * (length - 4) + ".pdf"


def test_a_name_longer_than_the_column_is_refused_and_storage_never_sees_it(
    users, draft, media_root
):
    response = post_file(english(users["sichuan"]), draft, name_of(LIMIT + 1), PDF)
    assert response.status_code == 200
    assert any(f"at most {LIMIT} characters" in text for text in messages_of(response))
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_the_service_refuses_a_long_name_too_before_writing(users, draft, media_root):
    upload = SimpleUploadedFile(name_of(LIMIT + 50), PDF)
    with pytest.raises(ProposalError, match="longer than 200 characters"):
        attachment_add(proposal=draft, by=users["sichuan"], upload=upload)
    assert stored_files(media_root) == []


def test_a_name_of_the_columns_length_is_kept_whole_and_stored_under_a_short_path(
    users, draft, media_root
):
    name = name_of(LIMIT)
    response = post_file(english(users["sichuan"]), draft, name, PDF)
    assert "Attachment added." in messages_of(response)
    attachment = Attachment.objects.get()
    assert attachment.name == name
    limit = Attachment.file.field.max_length
    assert limit is not None and len(attachment.file.name) <= limit
    assert [path.read_bytes() for path in stored_files(media_root)] == [PDF]


def test_a_proposal_no_longer_editable_refuses_before_the_file_is_written(users, draft, media_root):
    Proposal.objects.filter(pk=draft.pk).update(
        state=Proposal.State.SUBMITTED, submitted_at=timezone.now()
    )
    with pytest.raises(ProposalError):
        attachment_add(proposal=draft, by=users["sichuan"], upload=SimpleUploadedFile("a.pdf", PDF))
    assert stored_files(media_root) == []


REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_attachment BEFORE INSERT ON proposals_attachment "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_attachment() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_attachment BEFORE INSERT ON proposals_attachment "
        "FOR EACH ROW EXECUTE FUNCTION refuse_attachment()",
    ],
}


@pytest.fixture
def inserts_refused(db):
    """A real database error once the file is written: a trigger refusing the row (dropped
    with the test's transaction)."""
    with connection.cursor() as cursor:
        for statement in REFUSE[connection.vendor]:
            cursor.execute(statement)


def test_a_database_error_after_the_file_is_written_leaves_no_file(
    users, draft, media_root, inserts_refused
):
    upload = SimpleUploadedFile("方案.pdf", PDF)
    with pytest.raises(DatabaseError):
        attachment_add(proposal=draft, by=users["sichuan"], upload=upload)
    assert stored_files(media_root) == []
    assert not AuditEntry.objects.filter(action="proposal.attachment_added").exists()


def test_over_http_a_database_error_answers_the_error_page_and_leaves_no_file(
    users, draft, media_root, inserts_refused
):
    client = english(users["sichuan"])
    client.raise_request_exception = False
    response = client.post(
        f"/proposals/{draft.pk}/attachments/", {"file": SimpleUploadedFile("方案.pdf", PDF)}
    )
    assert response.status_code == 500
    assert stored_files(media_root) == []
