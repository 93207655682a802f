"""Who may do what in the expert review (专家论证, 不见面评审)."""

from typing import Any

from accounts.actors import Actor
from accounts.roles import is_expert, is_national
from accounts.visibility import EXPERT, NATIONAL, Grant, Visibility
from review.models import Assignment, ExpertProfile

# Expert review ------------------------------------------------------------------------------
# Expert review (专家论证, 不见面评审): the national coordinator keeps the expert pool, assigns
# reviewers (and overrides the solver, with a reason), and reads the results. An expert sees
# and writes only the reviews assigned to them, and a submitted review is locked. Localities
# see no review scores at all, not even the aggregate of their own candidates: they follow
# what their proposal became through merging and the published list.

EXPERT_PROFILES = Visibility(ExpertProfile, Grant(NATIONAL))
ASSIGNMENTS = Visibility(Assignment, Grant(NATIONAL), Grant(EXPERT, "expert_id"))


def can_manage_expert_pool(user: Actor) -> bool:
    return is_national(user)


def can_assign_reviewers(user: Actor) -> bool:
    return is_national(user)


def can_view_review_results(user: Actor) -> bool:
    return is_national(user)


def can_list_own_reviews(user: Actor) -> bool:
    return is_expert(user)


def can_view_assignment(user: Actor, assignment: Assignment) -> bool:
    """The coordinator, and the expert it is assigned to; nobody else learns it exists."""
    return ASSIGNMENTS.allows(user, assignment)


def can_write_review(user: Actor, assignment: Any, review: Any) -> bool:
    """The assigned expert, until the review (None: not started yet) is submitted."""
    return is_assigned_expert(user, assignment) and (
        review is None or review.state == review.State.DRAFT
    )


def can_change_assignment(user: Actor, review: Any) -> bool:
    """Remove or replace a reviewer: the coordinator, unless the review is already submitted."""
    return is_national(user) and (review is None or review.state == review.State.DRAFT)


# State-free rights --------------------------------------------------------------------------
# The part a user plays in an action, whatever state the object is in now. A POST is checked
# with these; the service checks them, locks the row and then the state, with a message the
# user can act on: a double click or a colleague who acted first is a change of state, not a
# missing right. `can_assign_reviewers` is `can_change_assignment` without the state.


def is_assigned_expert(user: Actor, assignment: Assignment) -> bool:
    """`can_write_review` without the state: the expert the review is assigned to."""
    return ASSIGNMENTS.only(EXPERT).allows(user, assignment)
