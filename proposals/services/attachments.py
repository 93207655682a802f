"""Attachments (附件) of a proposal; the file checks are the kernel's (`kernel.uploads`)."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from kernel.errors import DomainError
from kernel.uploads import check_upload, file_saved, limited_name
from proposals.errors import ProposalError
from proposals.models import Attachment, Proposal
from proposals.services.proposals import lock_editable


def attachment_add(*, proposal: Proposal, by: User, upload: Any) -> Attachment:
    """Attach `upload` to `proposal`. Its name and type are checked before it is written;
    the file is stored under a shortened name (kernel.uploads.limited_name) that fits the
    storage path, the name as uploaded is shown. If anything fails once the file is written
    (the proposal no longer editable, a database error), the file is deleted again; a file
    the storage cannot write (a full disk) leaves nothing, and the user is told."""
    try:
        name = check_upload(upload, max_name=Attachment.NAME_MAX)
    except DomainError as exc:
        raise ProposalError(exc.message) from exc
    with transaction.atomic():  # refused before the file is written, when it can be
        lock_editable(proposal, by)
    attachment = Attachment(proposal=proposal, name=name, size=upload.size, uploaded_by=by)
    try:
        with file_saved(attachment.file, limited_name(name), upload):
            attachment.proposal = lock_editable(proposal, by)
            attachment.save()
            record(
                "proposal.attachment_added",
                obj=attachment.proposal,
                by=by,
                changes={"attachment": [None, name]},
            )
    except DomainError as exc:
        if isinstance(exc, ProposalError):
            raise
        raise ProposalError(exc.message) from exc
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, by: User) -> None:
    proposal = lock_editable(attachment.proposal, by)
    found = Attachment.objects.filter(pk=attachment.pk, proposal=proposal).first()
    if found is None:
        raise ProposalError(_("This attachment was already removed."))
    attachment = found
    record(
        "proposal.attachment_removed",
        obj=proposal,
        by=by,
        changes={"attachment": [attachment.name, None]},
    )
    attachment.file.delete(save=False)
    attachment.delete()
