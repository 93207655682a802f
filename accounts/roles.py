"""The roles and scopes every stage's rules are built on: who a user is in the process, and
which division, region group or organisation they speak for.

A stage decides its own rights in `<stage>/rules.py` from these; none of them is a right itself.
"""

from typing_extensions import TypeIs

from accounts.actors import Actor
from accounts.models import Role, User
from regions.models import Division


def active(user: Actor | None) -> TypeIs[User]:
    """A signed-in user whose account is active (anybody else has no role)."""
    return isinstance(user, User) and user.is_authenticated and user.is_active


def is_national(user: Actor) -> bool:
    return active(user) and user.role == Role.NATIONAL


def province_of(user: Actor) -> Division | None:
    """The province-level locality a locality coordinator speaks for, if any."""
    if not active(user) or user.role != Role.LOCALITY or user.division is None:
        return None
    return user.division if user.division.is_province else None


def province_id(user: Actor) -> int | None:
    """The id of the province a locality coordinator speaks for, if any."""
    province = province_of(user)
    return province.pk if province is not None else None


def region_group_id(user: Actor) -> int | None:
    """The experiment region or zone a locality coordinator speaks for, if any."""
    if not active(user) or user.role != Role.LOCALITY:
        return None
    return user.region_group_id


def is_province_coordinator(user: Actor) -> bool:
    return province_of(user) is not None


def innovation_body_locality(user: Actor) -> Division | None:
    """The province an innovation body sends its suggestions to."""
    if not active(user) or user.role != Role.INNOVATION_BODY or user.organisation is None:
        return None
    division = user.organisation.division
    return division.province or division


def innovation_body_organisation(user: Actor) -> int | None:
    """The organisation an innovation body (创新主体) user writes suggestions for."""
    if not active(user) or innovation_body_locality(user) is None:
        return None
    return user.organisation_id


def is_expert(user: Actor) -> bool:
    return active(user) and user.role == Role.EXPERT


def implementer_organisation(user: Actor) -> int | None:
    if not active(user) or user.role != Role.IMPLEMENTER:
        return None
    return user.organisation_id


def evaluator_organisation(user: Actor) -> int | None:
    """The third-party evaluation institute (第三方评估机构) an evaluator works for."""
    if not active(user) or user.role != Role.EVALUATOR:
        return None
    return user.organisation_id


def city_division(user: Actor) -> Division | None:
    """The prefecture or county a city / county coordinator (市县) speaks for, if any."""
    if not active(user) or user.role != Role.CITY or user.division is None:
        return None
    return user.division


def city_division_id(user: Actor) -> int | None:
    division = city_division(user)
    return division.pk if division is not None else None


def park_id(user: Actor) -> int | None:
    """The park (园区) a park management body's user speaks for, if any."""
    if not active(user) or user.role != Role.PARK:
        return None
    return user.park_id
