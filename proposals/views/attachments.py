from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from proposals import rules
from proposals.errors import ProposalError
from proposals.selectors import attachment_get_for_user
from proposals.services.attachments import attachment_remove


@login_required
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = attachment_get_for_user(request.user, pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
def attachment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attachment = attachment_get_for_user(request.user, pk)
    # A POST is checked without the state: the service says if the proposal was submitted.
    right = rules.speaks_for_proposal if request.method == "POST" else rules.can_edit_proposal
    if not right(request.user, attachment.proposal):
        raise PermissionDenied
    if request.method == "POST":
        proposal_pk = attachment.proposal_id
        try:
            attachment_remove(attachment=attachment, by=request.user)
        except ProposalError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Attachment removed."))
        return redirect("proposals:proposal_detail", proposal_pk)
    return render(request, "proposals/attachment_delete.html", {"attachment": attachment})
