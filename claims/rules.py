"""Who may do what in programmes and claims (悬榜揭榜), and who speaks for a claimant."""

from typing import Any

from accounts.models import Role
from accounts.roles import active, is_national, is_province_coordinator

# Programmes and claims ----------------------------------------------------------------------
# Claiming (悬榜揭榜), for the annual list and the zone policy pilots alike. The national
# coordinator creates a programme, sets its items and eligible claimants, opens and closes the
# claim window, reads the aggregated result and issues the task notices. A claimant is a
# province (spoken for by its province coordinator) or a region group (experiment region or
# demonstration zone, spoken for by a locality coordinator scoped to that group). A claimant
# sees an open or closed programme it is eligible for, claims and withdraws only its own
# claims while the window is open, and reads only its own notice. Nobody else learns that a
# programme exists.


def speaks_for_claimant(user: Any, claimant: Any) -> bool:
    if not active(user) or user.role != Role.LOCALITY:
        return False
    if claimant.division_id is not None:
        return is_province_coordinator(user) and claimant.division_id == user.division_id
    return user.region_group_id is not None and claimant.region_group_id == user.region_group_id


def claimant_scope(user: Any) -> dict[str, int] | None:
    """The lookup of the claimants a user speaks for (`{"division_id": …}` or
    `{"region_group_id": …}`), or None when the user speaks for none."""
    if not active(user) or user.role != Role.LOCALITY:
        return None
    if is_province_coordinator(user):
        return {"division_id": user.division_id}
    if user.region_group_id is not None:
        return {"region_group_id": user.region_group_id}
    return None


def can_manage_programmes(user: Any) -> bool:
    return is_national(user)


def can_list_programmes(user: Any) -> bool:
    return is_national(user) or claimant_scope(user) is not None


def can_edit_programme(user: Any, programme: Any) -> bool:
    """Items and claimants: while the programme is a draft (claimants also while open)."""
    return is_national(user) and programme.state == programme.State.DRAFT


def can_set_claimants(user: Any, programme: Any) -> bool:
    return is_national(user) and programme.state != programme.State.CLOSED


def can_open_programme(user: Any, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.DRAFT


def can_close_programme(user: Any, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.OPEN


def can_view_results(user: Any, programme: Any) -> bool:
    # Claimants see their own claims only, never the table of everybody's.
    return is_national(user)


def can_claim(user: Any, claimant: Any) -> bool:
    """Claim or withdraw for `claimant` (the dates of the window are the service's rule)."""
    programme = claimant.programme
    return speaks_for_claimant(user, claimant) and programme.state == programme.State.OPEN


def can_issue_notices(user: Any, programme: Any) -> bool:
    return is_national(user) and programme.state == programme.State.CLOSED


def can_view_notice(user: Any, notice: Any) -> bool:
    return is_national(user) or speaks_for_claimant(user, notice.claimant)


def can_correct_notice(user: Any, notice: Any) -> bool:
    return is_national(user)


def can_move_closing_date(user: Any, programme: Any) -> bool:
    """While claims are open, the closing date is the one thing the coordinator may move."""
    return is_national(user) and programme.state == programme.State.OPEN
