from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from accounts.visibility import PROVINCE
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from notifications.services import notify
from proposals import rules
from proposals.errors import ProposalError
from proposals.models import Cycle, Suggestion

SUGGESTION_FIELDS = ["cycle", "organisation", "locality", "title", "content", "state"]


@transaction.atomic
def suggestion_submit(*, by: User, cycle: Cycle, title: str, content: str) -> Suggestion:
    locality = roles.innovation_body_locality(by)
    if locality is None or by.organisation is None:
        raise Forbidden
    if not cycle.is_open:
        raise ProposalError(_("This cycle is closed."))
    suggestion = Suggestion.objects.create(
        cycle=cycle,
        organisation=by.organisation,
        locality=locality,
        title=title,
        content=content,
        submitted_by=by,
    )
    record(
        "suggestion.submitted",
        obj=suggestion,
        by=by,
        changes=diff({}, snapshot(suggestion, SUGGESTION_FIELDS)),
    )
    # The province's coordinators decide on it (adopt into a proposal or decline).
    notify(
        users=rules.SUGGESTIONS.audience(suggestion, PROVINCE),
        subject=_("Suggestion received from %(organisation)s: %(title)s")
        % {"organisation": suggestion.organisation, "title": suggestion.title},
        url=reverse("proposals:suggestion_detail", args=[suggestion.pk]),
        email=True,
    )
    return suggestion


@transaction.atomic
def suggestion_decline(*, suggestion: Suggestion, by: User, reason: str) -> Suggestion:
    if not rules.can_handle_suggestion(by, suggestion):
        raise Forbidden
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if suggestion.state == Suggestion.State.DECLINED:
        raise ProposalError(_("This suggestion was already declined."))
    if suggestion.state != Suggestion.State.SUBMITTED:
        raise ProposalError(
            _("This suggestion was already adopted into a proposal; it can no longer be declined.")
        )
    if not reason.strip():
        raise ProposalError(_("Give a reason for declining."))
    suggestion.state, suggestion.decline_reason = Suggestion.State.DECLINED, reason
    suggestion.save(update_fields=["state", "decline_reason"])
    record(
        "suggestion.declined",
        obj=suggestion,
        by=by,
        changes={"state": ["submitted", "declined"]},
        note=reason,
    )
    return suggestion
