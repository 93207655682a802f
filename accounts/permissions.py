"""Every permission of the app, decided here and nowhere else.

Each right is a function of the user (and the object it concerns). Services call these before
they write; selectors use the `*_scope` helpers to filter what a user may see at all.
"""

from typing import TYPE_CHECKING, Any

from accounts.models import Role

if TYPE_CHECKING:
    from proposals.models import Proposal, Suggestion


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_national(user: Any) -> bool:
    return _active(user) and user.role == Role.NATIONAL


def province_of(user: Any) -> Any:
    """The province-level locality a locality coordinator speaks for, if any."""
    if not _active(user) or user.role != Role.LOCALITY or user.division_id is None:
        return None
    return user.division if user.division.is_province else None


def is_province_coordinator(user: Any) -> bool:
    return province_of(user) is not None


def innovation_body_locality(user: Any) -> Any:
    """The province an innovation body sends its suggestions to."""
    if not _active(user) or user.role != Role.INNOVATION_BODY or user.organisation_id is None:
        return None
    division = user.organisation.division
    return division.province or division


# Cycles -------------------------------------------------------------------------------------


def can_manage_cycles(user: Any) -> bool:
    return is_national(user)


def can_grant_extension(user: Any) -> bool:
    return is_national(user)


# Suggestions --------------------------------------------------------------------------------


def can_submit_suggestion(user: Any) -> bool:
    return innovation_body_locality(user) is not None


def can_view_suggestion(user: Any, suggestion: "Suggestion") -> bool:
    if is_province_coordinator(user):
        return bool(suggestion.locality_id == user.division_id)
    if innovation_body_locality(user) is not None:
        return bool(suggestion.organisation_id == user.organisation_id)
    return False


def can_handle_suggestion(user: Any, suggestion: "Suggestion") -> bool:
    return is_province_coordinator(user) and suggestion.locality_id == user.division_id


# Proposals ----------------------------------------------------------------------------------


def can_create_proposal(user: Any) -> bool:
    return is_province_coordinator(user)


def _own_locality(user: Any, proposal: "Proposal") -> bool:
    return is_province_coordinator(user) and proposal.locality_id == user.division_id


def can_view_proposal(user: Any, proposal: "Proposal") -> bool:
    # Drafts are private to their locality; the centre sees what was submitted to it.
    if _own_locality(user, proposal):
        return True
    return is_national(user) and proposal.state != proposal.State.DRAFT


def can_edit_proposal(user: Any, proposal: "Proposal") -> bool:
    editable = (proposal.State.DRAFT, proposal.State.RETURNED)
    return _own_locality(user, proposal) and proposal.state in editable


def can_delete_proposal(user: Any, proposal: "Proposal") -> bool:
    return _own_locality(user, proposal) and proposal.state == proposal.State.DRAFT


def can_submit_proposal(user: Any, proposal: "Proposal") -> bool:
    return can_edit_proposal(user, proposal)


def can_return_proposal(user: Any, proposal: "Proposal") -> bool:
    return is_national(user) and proposal.state == proposal.State.SUBMITTED


def can_import_proposals(user: Any) -> bool:
    return is_province_coordinator(user)


def can_list_proposals(user: Any) -> bool:
    return is_national(user) or is_province_coordinator(user)
