"""The reporting units of promotion — divisions of the three levels below the national one, and
parks — and who reports for which (四级政策传导: 国家、省、市、区（县）, source 000).

A province's coordinator reports for any unit of its territory (and may hand a prefecture's
part down to it); a prefecture's coordinator for itself, its counties and its parks; a
county's coordinator for itself; a park's management body for its park. A measure's scope
(nationwide, or the 8 experiment regions) says which units are expected to report on it.
"""

from django.db.models import Q, QuerySet

from accounts import roles
from accounts.actors import Actor
from promotion.models import PromotedMeasure, UnitLevel
from regions.models import Division, Park, RegionGroup


def unit_level(unit: Division | Park) -> int:
    return UnitLevel.PARK if isinstance(unit, Park) else unit.level


def unit_fields(unit: Division | Park) -> dict[str, object]:
    """The fields of a record or return that place it (promotion.models.ReportingUnit)."""
    if isinstance(unit, Park):
        return {
            "division": None,
            "park": unit,
            "level": UnitLevel.PARK,
            "province_id": unit.province_id,
            "prefecture_id": _prefecture_id(unit.division),
        }
    return {
        "division": unit,
        "park": None,
        "level": unit.level,
        "province_id": unit.province_id,
        "prefecture_id": _prefecture_id(unit),
    }


def _prefecture_id(division: Division) -> int | None:
    """The prefecture a division lies in (itself for a prefecture); None for a province and
    for a county directly under its province (省直辖县级行政区划)."""
    if division.level == Division.Level.PREFECTURE:
        return division.pk
    if division.level == Division.Level.COUNTY and division.parent_id != division.province_id:
        return division.parent_id
    return None


def _region_divisions() -> Q:
    """The divisions of the 8 experiment regions and every division under them."""
    ids = list(
        RegionGroup.objects.filter(kind=RegionGroup.Kind.EXPERIMENT_REGION).values_list(
            "divisions", flat=True
        )
    )
    return Q(pk__in=ids) | Q(parent_id__in=ids) | Q(parent__parent_id__in=ids)


def divisions_in_scope(measure: PromotedMeasure) -> QuerySet[Division]:
    """The divisions expected to report on the measure. A scope the sources do not give
    (unverified) is counted as nationwide — the platform's rule, said where it is shown."""
    qs = Division.objects.all()
    if measure.scope == PromotedMeasure.Scope.REGIONS:
        qs = qs.filter(_region_divisions())
    return qs


def parks_in_scope(measure: PromotedMeasure) -> QuerySet[Park]:
    qs = Park.objects.all()
    if measure.scope == PromotedMeasure.Scope.REGIONS:
        divisions = Division.objects.filter(_region_divisions())
        qs = qs.filter(division__in=divisions)
    return qs


def divisions_of(user: Actor) -> QuerySet[Division]:
    """The divisions the user reports for (none for a user who reports for no division)."""
    province = roles.province_of(user)
    if province is not None:
        return Division.objects.filter(province=province)
    city = roles.city_division(user)
    if city is not None:
        if city.level == Division.Level.PREFECTURE:
            return Division.objects.filter(Q(pk=city.pk) | Q(parent=city))
        return Division.objects.filter(pk=city.pk)
    return Division.objects.none()


def parks_of(user: Actor) -> QuerySet[Park]:
    """The parks the user reports for."""
    province = roles.province_of(user)
    if province is not None:
        return Park.objects.filter(province=province)
    city = roles.city_division(user)
    if city is not None:
        # A prefecture's parks include those placed in its counties.
        return Park.objects.filter(Q(division=city) | Q(division__parent=city))
    park = roles.park_id(user)
    if park is not None:
        return Park.objects.filter(pk=park)
    return Park.objects.none()


def reports_for(user: Actor, unit: Division | Park) -> bool:
    """May the user file the adoption of this unit?"""
    if isinstance(unit, Park):
        return parks_of(user).filter(pk=unit.pk).exists()
    return divisions_of(user).filter(pk=unit.pk).exists()
