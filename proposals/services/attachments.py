"""Attachments (附件) of a proposal; the file checks are the kernel's (`kernel.uploads`)."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from kernel.errors import DomainError
from kernel.uploads import check_upload
from proposals.errors import ProposalError
from proposals.models import Attachment, Proposal
from proposals.services.proposals import lock_editable


@transaction.atomic
def attachment_add(*, proposal: Proposal, by: User, upload: Any) -> Attachment:
    proposal = lock_editable(proposal, by)
    try:
        name = check_upload(upload)
    except DomainError as exc:
        raise ProposalError(exc.message) from exc
    attachment = Attachment(proposal=proposal, name=name, size=upload.size, uploaded_by=by)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    record("proposal.attachment_added", obj=proposal, by=by, changes={"attachment": [None, name]})
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
