"""Who may do what in the call for proposals (征集选题): cycles, suggestions, proposals.

Built on the role and scope primitives of `accounts.roles`. What a user may see of each kind is
defined once below (`PROPOSALS`, `SUGGESTIONS`, `ATTACHMENTS`): the selectors' querysets and the
`can_view_*` rights both read it.
"""

from typing import Any

from django.db.models import Q

from accounts.actors import Actor
from accounts.roles import innovation_body_locality, is_national, is_province_coordinator
from accounts.visibility import INNOVATION_BODY, NATIONAL, PROVINCE, Grant, Visibility
from proposals.models import Attachment, Proposal, Suggestion, Topic

# Who sees what ------------------------------------------------------------------------------
# Drafts are private to their locality; the centre sees what was submitted to it. A suggestion
# is seen by the innovation body that wrote it and the province it was sent to.

PROPOSALS = Visibility(
    Proposal,
    Grant(PROVINCE, "locality_id"),
    Grant(NATIONAL, when=~Q(state=Proposal.State.DRAFT)),
)
ATTACHMENTS = PROPOSALS.via(Attachment, "proposal")
SUGGESTIONS = Visibility(
    Suggestion,
    Grant(PROVINCE, "locality_id"),
    Grant(INNOVATION_BODY, "organisation_id"),
)

# Cycles -------------------------------------------------------------------------------------


def can_manage_cycles(user: Actor) -> bool:
    return is_national(user)


def can_grant_extension(user: Actor) -> bool:
    return is_national(user)


# Suggestions --------------------------------------------------------------------------------


def can_submit_suggestion(user: Actor) -> bool:
    return innovation_body_locality(user) is not None


def can_view_suggestion(user: Actor, suggestion: Suggestion) -> bool:
    return SUGGESTIONS.allows(user, suggestion)


def can_handle_suggestion(user: Actor, suggestion: Suggestion) -> bool:
    return SUGGESTIONS.only(PROVINCE).allows(user, suggestion)


# Proposals ----------------------------------------------------------------------------------


def can_create_proposal(user: Actor) -> bool:
    return is_province_coordinator(user)


def _own_locality(user: Actor, proposal: Proposal) -> bool:
    return PROPOSALS.only(PROVINCE).allows(user, proposal)


def can_view_proposal(user: Actor, proposal: Proposal) -> bool:
    return PROPOSALS.allows(user, proposal)


def can_edit_proposal(user: Actor, proposal: Any) -> bool:
    editable = (proposal.State.DRAFT, proposal.State.RETURNED)
    return _own_locality(user, proposal) and proposal.state in editable


def can_delete_proposal(user: Actor, proposal: Any) -> bool:
    return _own_locality(user, proposal) and proposal.state == proposal.State.DRAFT


def can_submit_proposal(user: Actor, proposal: Any) -> bool:
    return can_edit_proposal(user, proposal)


def can_return_proposal(user: Actor, proposal: Any) -> bool:
    return is_national(user) and proposal.state == proposal.State.SUBMITTED


def can_import_proposals(user: Actor) -> bool:
    return is_province_coordinator(user)


def can_list_proposals(user: Actor) -> bool:
    return is_national(user) or is_province_coordinator(user)


# State-free rights --------------------------------------------------------------------------
# The part a user plays in an action, whatever state the object is in now. A POST is checked
# with these; the service checks them, locks the row and then the state, with a message the
# user can act on: a double click or a colleague who acted first is a change of state, not a
# missing right. `can_handle_suggestion` holds no state: it serves as its own.


def speaks_for_proposal(user: Actor, proposal: Any) -> bool:
    """`can_edit_proposal`, `can_submit_proposal` and `can_delete_proposal` (and the proposal's
    attachments) without the state: the coordinator of the proposal's province."""
    return _own_locality(user, proposal)


def returns_proposals(user: Actor, proposal: Any) -> bool:
    """`can_return_proposal` without the state: the national coordinator."""
    return is_national(user)


# Topics (出题) ------------------------------------------------------------------------------
# Source 000 (lines 15–22): 中央"出题"、地方"破题"; 地方"出题"、中央"充分授权". The national
# level sees every topic. A province sees the open topics of the cycles it takes part in (a
# topic is published to the cycle's participants) and every topic it proposed itself,
# whatever became of it; nobody else sees topics.

TOPICS = Visibility(
    Topic,
    Grant(NATIONAL),
    Grant(PROVINCE, "cycle__participants__id", when=Q(state=Topic.State.OPEN)),
    Grant(PROVINCE, "locality_id"),
)


def can_list_topics(user: Actor) -> bool:
    return is_national(user) or is_province_coordinator(user)


def can_view_topic(user: Actor, topic: Topic) -> bool:
    return TOPICS.allows(user, topic)


def sets_topics(user: Actor) -> bool:
    """Set a topic for the localities (中央出题), and authorise or decline a locality's topic
    (中央充分授权): the national level."""
    return is_national(user)


def proposes_topics(user: Actor) -> bool:
    """Propose a topic for central authorisation (地方出题): a province's coordinator."""
    return is_province_coordinator(user)


def can_decide_topic(user: Actor, topic: Topic) -> bool:
    return sets_topics(user) and topic.state == Topic.State.PROPOSED


def can_answer_topic(user: Actor, topic: Topic) -> bool:
    """Start a proposal that answers the topic (破题): a province that sees it, while open."""
    return (
        is_province_coordinator(user)
        and topic.state == Topic.State.OPEN
        and TOPICS.allows(user, topic)
    )


def decides_topics(user: Actor, topic: Topic) -> bool:
    """`can_decide_topic` without the state: the national level."""
    return sets_topics(user)
