"""Who may do what in programmes and claims (悬榜揭榜), and who speaks for a claimant."""

from typing import Any

from django.db.models import Q

from accounts.actors import Actor
from accounts.roles import is_national
from accounts.visibility import NATIONAL, PROVINCE, REGION_GROUP, Grant, Visibility
from claims.models import Claimant, Programme, TaskNotice

# Programmes and claims ----------------------------------------------------------------------
# Claiming (悬榜揭榜), for the annual list and the zone policy pilots alike. The national
# coordinator creates a programme, sets its items and eligible claimants, opens and closes the
# claim window, reads the aggregated result and issues the task notices. A claimant is a
# province (spoken for by its province coordinator) or a region group (experiment region or
# demonstration zone, spoken for by a locality coordinator scoped to that group). A claimant
# sees an open or closed programme it is eligible for, claims and withdraws only its own
# claims while the window is open, and reads only its own notice. Nobody else learns that a
# programme exists.


CLAIMANTS = Visibility(
    Claimant,
    Grant(NATIONAL),
    Grant(PROVINCE, "division_id"),
    Grant(REGION_GROUP, "region_group_id"),
)
# The claimants a user speaks for: the coordinators of a province or of a region group.
SPOKEN_FOR = CLAIMANTS.only(PROVINCE, REGION_GROUP)
PROGRAMMES = CLAIMANTS.via(
    Programme, "claimants", when=~Q(state=Programme.State.DRAFT), exempt=(NATIONAL,)
)
NOTICES = CLAIMANTS.via(TaskNotice, "claimant")


def speaks_for_claimant(user: Actor, claimant: Claimant) -> bool:
    return SPOKEN_FOR.allows(user, claimant)


def speaks_for_a_claimant(user: Actor) -> bool:
    """A coordinator of a province or of a region group: a claimant of some programme."""
    return SPOKEN_FOR.filter_for(user) is not None


def can_manage_programmes(user: Actor) -> bool:
    return is_national(user)


def can_list_programmes(user: Actor) -> bool:
    return is_national(user) or speaks_for_a_claimant(user)


def can_edit_programme(user: Actor, programme: Any) -> bool:
    """Items and claimants: while the programme is a draft (claimants also while open)."""
    return is_national(user) and programme.state == programme.State.DRAFT


def can_set_claimants(user: Actor, programme: Any) -> bool:
    return is_national(user) and programme.state != programme.State.CLOSED


def can_open_programme(user: Actor, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.DRAFT


def can_close_programme(user: Actor, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.OPEN


def can_view_results(user: Actor, programme: Any) -> bool:
    # Claimants see their own claims only, never the table of everybody's.
    return is_national(user)


def can_claim(user: Actor, claimant: Any) -> bool:
    """Claim or withdraw for `claimant` (the dates of the window are the service's rule)."""
    programme = claimant.programme
    return speaks_for_claimant(user, claimant) and programme.state == programme.State.OPEN


def can_issue_notices(user: Actor, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.CLOSED


def can_shortlist(user: Actor, programme: Any) -> bool:
    """Decide a zone pilot's applications (入围): the national level, once the window is closed
    (whether the notices were issued meanwhile is the service's check)."""
    return (
        is_national(user)
        and programme.kind == Programme.Kind.ZONE_PILOT
        and programme.state == programme.State.CLOSED
    )


def can_view_notice(user: Actor, notice: TaskNotice) -> bool:
    return NOTICES.allows(user, notice)


def can_correct_notice(user: Actor, notice: Any) -> bool:
    return is_national(user)


def can_move_to_newer_version(user: Actor, programme: Any) -> bool:
    """Draw the items again from a newer published version of the programme's list: the
    national level, while the window is not closed (whether claims were made meanwhile is the
    service's check; platform rule, so that no claim changes its measure)."""
    return (
        is_national(user)
        and programme.list_version_id is not None
        and programme.state != programme.State.CLOSED
    )


def can_move_closing_date(user: Actor, programme: Any) -> bool:
    """While claims are open, the closing date is the one thing the coordinator may move."""
    return is_national(user) and programme.state == programme.State.OPEN


# State-free rights --------------------------------------------------------------------------
# The part a user plays in an action, whatever state the object is in now. A POST is checked
# with it; the service checks it, locks the programme (or the item) and then the state, with a
# message the user can act on: a double click or a colleague who acted first is a change of
# state, not a missing right. `can_manage_programmes` is the state-free part of
# `can_edit_programme`, `can_set_claimants`, `can_open_programme`, `can_close_programme`,
# `can_issue_notices`, `can_shortlist`, `can_move_closing_date` and
# `can_move_to_newer_version`; `speaks_for_claimant` that
# of `can_claim`.
