"""Who may do what when similar proposals are merged (合并同类项)."""

from accounts.actors import Actor
from accounts.roles import is_national
from accounts.visibility import NATIONAL, PROVINCE, Grant, Visibility
from merging.models import CandidateMeasure

# Merging ------------------------------------------------------------------------------------
# Merging similar proposals (合并同类项) is the national coordinator's alone: running the
# suggestions, accepting, splitting, joining and ignoring groups, merging a hand-picked set,
# promoting single proposals, undoing a merge, and the candidate list and its export. A
# province only reads the candidates its own proposals went into.

CANDIDATES = Visibility(
    CandidateMeasure,
    Grant(NATIONAL),
    Grant(PROVINCE, "sources__locality_id"),
)


def can_merge(user: Actor) -> bool:
    return is_national(user)


def can_list_candidates(user: Actor) -> bool:
    return is_national(user)


def can_view_candidate(user: Actor, candidate: CandidateMeasure) -> bool:
    return CANDIDATES.allows(user, candidate)
