"""Who may see and do what in promotion (复制推广). Visibility is defined once here; the
selectors, the views' guards and the recipients of messages derive from it.

- Published batches, their measures and published cases: everyone, signed in or not.
- Adoption records and round returns: the national level; a province its territory; a
  prefecture its own, its counties' and its parks'; a county its own; a park its own.
- Tracking rounds, guidance and seminars: every official who reports or coordinates.
"""

from django.db.models import Q

from accounts import roles
from accounts.actors import Actor
from accounts.visibility import (
    CITY,
    EVERYONE,
    NATIONAL,
    PARK,
    PROVINCE,
    Grant,
    Visibility,
)
from promotion.models import (
    AdoptionRecord,
    GuidanceActivity,
    PromotedMeasure,
    PromotionBatch,
    ReformCase,
    RoundFeedback,
    RoundReturn,
    Seminar,
    TrackingRound,
)

BATCHES = Visibility(
    PromotionBatch, Grant(NATIONAL), Grant(EVERYONE, when=Q(state=PromotionBatch.State.PUBLISHED))
)
MEASURES = BATCHES.via(PromotedMeasure, "batch")
CASES = Visibility(
    ReformCase, Grant(NATIONAL), Grant(EVERYONE, when=Q(state=ReformCase.State.PUBLISHED))
)

# Each level sees its own units and the levels below it.
ADOPTIONS = Visibility(
    AdoptionRecord,
    Grant(NATIONAL),
    Grant(PROVINCE, "province_id"),
    Grant(CITY, "prefecture_id"),
    Grant(CITY, "division_id"),
    Grant(PARK, "park_id"),
)
RETURNS = Visibility(
    RoundReturn,
    Grant(NATIONAL),
    Grant(PROVINCE, "province_id"),
    Grant(CITY, "prefecture_id"),
    Grant(CITY, "division_id"),
    Grant(PARK, "park_id"),
)
ROUNDS = Visibility(TrackingRound, Grant(NATIONAL), Grant(PROVINCE), Grant(CITY), Grant(PARK))
FEEDBACK = Visibility(RoundFeedback, Grant(NATIONAL), Grant(PROVINCE, "province_id"))
GUIDANCE = Visibility(GuidanceActivity, Grant(NATIONAL), Grant(PROVINCE), Grant(CITY), Grant(PARK))
SEMINARS = Visibility(Seminar, Grant(NATIONAL), Grant(PROVINCE), Grant(CITY), Grant(PARK))


def manages_promotion(user: Actor) -> bool:
    """The national level drafts and publishes batches, opens and closes rounds, sends the
    feedback, holds seminars and publishes cases."""
    return roles.is_national(user)


def reports_adoption(user: Actor) -> bool:
    """A user who reports adoption for some unit: a province's, prefecture's or county's
    coordinator, or a park's management body."""
    return (
        roles.province_of(user) is not None
        or roles.city_division(user) is not None
        or roles.park_id(user) is not None
    )


def records_guidance(user: Actor) -> bool:
    """Guidance and training are recorded by the level that gave it: national, province,
    prefecture or county (the four levels of source 000)."""
    return (
        roles.is_national(user)
        or roles.province_of(user) is not None
        or roles.city_division(user) is not None
    )


def can_open_stage(user: Actor) -> bool:
    """The stage's start page (/promotion/): every signed-in official of the four levels and
    the parks; anybody else reads the published batches and cases."""
    return manages_promotion(user) or reports_adoption(user)


def sees_dashboards(user: Actor) -> bool:
    """The dashboards: the national level for the country, a province for its territory."""
    return roles.is_national(user) or roles.province_of(user) is not None
