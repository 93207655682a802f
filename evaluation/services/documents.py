"""Institutional documents (制度文件) of a close-out report: what the task issued, the reform's
lasting trace, with its file. Added and removed by whoever writes the report while it can be
changed (`closeout.check_editable`); each on the task's trail. Files are checked and their
names bounded by `kernel.uploads`; a file is never left without its row, nor removed before
the row's removal is committed."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from evaluation.errors import EvaluationError
from evaluation.models import CloseOut, InstitutionalDocument
from evaluation.services.closeout import check_editable, close_out_lock
from kernel.errors import DomainError
from kernel.uploads import check_upload, file_saved, limited_name


@transaction.atomic
def document_add(
    *,
    close_out: CloseOut,
    by: User,
    title: str,
    issuer: str,
    issued_on: datetime.date | None,
    number: str = "",
    upload: Any = None,
) -> InstitutionalDocument:
    """Add an institutional document (制度文件) the task issued, with its file if any. The
    file is checked (`kernel.uploads`) and its name bounded before anything is written; if the
    row cannot be written the stored file is removed again."""
    close_out = close_out_lock(close_out)
    check_editable(close_out, by)
    title, issuer, number = title.strip(), issuer.strip(), number.strip()
    if not title:
        raise EvaluationError(_("Give the document's title."))
    if not issuer:
        raise EvaluationError(_("Say who issued the document."))
    if issued_on is None:
        raise EvaluationError(_("Give the date of issue."))
    if len(title) > 200 or len(issuer) > 200 or len(number) > 100:
        raise EvaluationError(_("The title, issuer or document number is too long."))
    if issued_on > timezone.localdate():
        raise EvaluationError(_("The date of issue cannot be in the future."))
    listed = close_out.documents.filter(title=title, number=number, issued_on=issued_on)
    if listed.exists():
        raise EvaluationError(_("This document is already listed."))
    name = ""
    if upload is not None:
        try:
            name = check_upload(upload)
        except DomainError as exc:
            raise EvaluationError(exc.message) from exc
        name = limited_name(name)
    document = InstitutionalDocument(
        close_out=close_out,
        title=title,
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        file_name=name,
        added_by=by,
    )
    # Only what the document has: no "document number: — → —" on the trail.
    changes: dict[str, list[Any]] = {"document": [None, title]}
    if number:
        changes["doc_number"] = [None, number]
    if upload is None:
        document.save()
        record("task.closeout_document_added", obj=close_out.task, by=by, changes=changes)
        return document
    with file_saved(document.file, name, upload):
        document.save()
        record("task.closeout_document_added", obj=close_out.task, by=by, changes=changes)
    return document


@transaction.atomic
def document_remove(*, document: InstitutionalDocument, by: User) -> None:
    close_out = close_out_lock(document.close_out)
    check_editable(close_out, by)
    found = InstitutionalDocument.objects.filter(pk=document.pk, close_out=close_out).first()
    if found is None:
        raise EvaluationError(_("This document was already removed."))
    record(
        "task.closeout_document_removed",
        obj=close_out.task,
        by=by,
        changes={"document": [found.title, None]},
    )
    stored, storage = found.file.name, found.file.storage
    found.delete()
    if stored:
        # The file goes once the removal is committed, not before (a rollback keeps both).
        transaction.on_commit(lambda: storage.delete(stored))
