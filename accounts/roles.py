"""The roles and scopes every stage's rules are built on: who a user is in the process, and
which division, region group or organisation they speak for.

A stage decides its own rights in `<stage>/rules.py` from these; none of them is a right itself.
"""

from typing import Any

from accounts.models import Role


def active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_national(user: Any) -> bool:
    return active(user) and user.role == Role.NATIONAL


def province_of(user: Any) -> Any:
    """The province-level locality a locality coordinator speaks for, if any."""
    if not active(user) or user.role != Role.LOCALITY or user.division_id is None:
        return None
    return user.division if user.division.is_province else None


def province_id(user: Any) -> int | None:
    """The id of the province a locality coordinator speaks for, if any."""
    province = province_of(user)
    return province.pk if province is not None else None


def region_group_id(user: Any) -> int | None:
    """The experiment region or zone a locality coordinator speaks for, if any."""
    if not active(user) or user.role != Role.LOCALITY:
        return None
    return user.region_group_id


def is_province_coordinator(user: Any) -> bool:
    return province_of(user) is not None


def innovation_body_locality(user: Any) -> Any:
    """The province an innovation body sends its suggestions to."""
    if not active(user) or user.role != Role.INNOVATION_BODY or user.organisation_id is None:
        return None
    division = user.organisation.division
    return division.province or division


def innovation_body_organisation(user: Any) -> int | None:
    """The organisation an innovation body (创新主体) user writes suggestions for."""
    if innovation_body_locality(user) is None:
        return None
    return user.organisation_id


def is_expert(user: Any) -> bool:
    return active(user) and user.role == Role.EXPERT


def implementer_organisation(user: Any) -> int | None:
    if not active(user) or user.role != Role.IMPLEMENTER:
        return None
    return user.organisation_id
