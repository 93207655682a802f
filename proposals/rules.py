"""Who may do what in the call for proposals (征集选题): cycles, suggestions, proposals.

Built on the role and scope primitives of `accounts.roles`; what a user may see of each kind is
defined once in `proposals.selectors`' visibility rules.
"""

from typing import Any

from accounts.roles import innovation_body_locality, is_national, is_province_coordinator

# Cycles -------------------------------------------------------------------------------------


def can_manage_cycles(user: Any) -> bool:
    return is_national(user)


def can_grant_extension(user: Any) -> bool:
    return is_national(user)


# Suggestions --------------------------------------------------------------------------------


def can_submit_suggestion(user: Any) -> bool:
    return innovation_body_locality(user) is not None


def can_view_suggestion(user: Any, suggestion: Any) -> bool:
    if is_province_coordinator(user):
        return bool(suggestion.locality_id == user.division_id)
    if innovation_body_locality(user) is not None:
        return bool(suggestion.organisation_id == user.organisation_id)
    return False


def can_handle_suggestion(user: Any, suggestion: Any) -> bool:
    return is_province_coordinator(user) and suggestion.locality_id == user.division_id


# Proposals ----------------------------------------------------------------------------------


def can_create_proposal(user: Any) -> bool:
    return is_province_coordinator(user)


def _own_locality(user: Any, proposal: Any) -> bool:
    return is_province_coordinator(user) and proposal.locality_id == user.division_id


def can_view_proposal(user: Any, proposal: Any) -> bool:
    # Drafts are private to their locality; the centre sees what was submitted to it.
    if _own_locality(user, proposal):
        return True
    return is_national(user) and proposal.state != proposal.State.DRAFT


def can_edit_proposal(user: Any, proposal: Any) -> bool:
    editable = (proposal.State.DRAFT, proposal.State.RETURNED)
    return _own_locality(user, proposal) and proposal.state in editable


def can_delete_proposal(user: Any, proposal: Any) -> bool:
    return _own_locality(user, proposal) and proposal.state == proposal.State.DRAFT


def can_submit_proposal(user: Any, proposal: Any) -> bool:
    return can_edit_proposal(user, proposal)


def can_return_proposal(user: Any, proposal: Any) -> bool:
    return is_national(user) and proposal.state == proposal.State.SUBMITTED


def can_import_proposals(user: Any) -> bool:
    return is_province_coordinator(user)


def can_list_proposals(user: Any) -> bool:
    return is_national(user) or is_province_coordinator(user)
