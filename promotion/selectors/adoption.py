"""Reading adoption (推广落实) down the four levels: a unit's measures in a round with their
current records, the returns of a user's territory, who may hand down (下发) and chase (催报)
whom, and the roll-ups per level.

`rollup` is the one roll-up the stage's pages and the dashboards use; see its docstring.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, When
from django.http import Http404

from accounts import roles
from accounts.actors import Actor
from kernel.errors import Forbidden
from promotion import rules
from promotion.models import (
    AdoptionRecord,
    AdoptionStatus,
    PromotedMeasure,
    PromotionBatch,
    RoundReturn,
    TrackingRound,
    UnitLevel,
)
from promotion.selectors.rounds import FILED, HANDED_DOWN, NOT_FILED
from promotion.territory import divisions_in_scope, parks_in_scope, reports_for
from regions.models import Division, Park

# A stand-in measure of the 8 regions' scope: the territory module's scope filters take a
# measure, and the roll-up needs the regions' units once for all such measures.
REGIONS_ONLY = PromotedMeasure(scope=PromotedMeasure.Scope.REGIONS)

UNIT_KINDS = ("division", "park")
# A group key that matches no count (a park's row in the division counts, and back).
_MISSING = object()


# Units ---------------------------------------------------------------------------------------


def unit_get(kind: str, pk: int) -> Division | Park:
    if kind == "division":
        found: Division | Park | None = Division.objects.filter(pk=pk).first()
    elif kind == "park":
        found = Park.objects.select_related("division").filter(pk=pk).first()
    else:
        found = None
    if found is None:
        raise Http404
    return found


def unit_kind(unit: Division | Park) -> str:
    return "park" if isinstance(unit, Park) else "division"


def return_of(round: TrackingRound, unit: Division | Park) -> RoundReturn | None:
    lookup: dict[str, Any] = {"park": unit} if isinstance(unit, Park) else {"division": unit}
    return round.returns.filter(**lookup).first()


def return_for_user(user: Actor, round: TrackingRound, unit: Division | Park) -> RoundReturn:
    """The unit's return in the round, or 404 when the user does not see it (or the unit is not
    in the round's scope)."""
    found = return_of(round, unit)
    if found is None or not rules.RETURNS.allows(user, found):
        raise Http404
    return found


def in_regions(unit: Division | Park) -> bool:
    if isinstance(unit, Park):
        return parks_in_scope(REGIONS_ONLY).filter(pk=unit.pk).exists()
    return divisions_in_scope(REGIONS_ONLY).filter(pk=unit.pk).exists()


def unit_measures(round: TrackingRound, unit: Division | Park) -> list[PromotedMeasure]:
    """The measures of the round's batches the unit is expected to report on."""
    measures = list(
        PromotedMeasure.objects.filter(batch__in=round.batches.all())
        .select_related("batch")
        .order_by("batch__number", "position")
    )
    if any(m.scope == PromotedMeasure.Scope.REGIONS for m in measures) and not in_regions(unit):
        measures = [m for m in measures if m.scope != PromotedMeasure.Scope.REGIONS]
    return measures


def unit_records(
    unit: Division | Park, measures: list[PromotedMeasure]
) -> dict[int, AdoptionRecord]:
    """The unit's current record of each measure (the previous round's answer), by measure."""
    lookup: dict[str, Any] = {"park": unit} if isinstance(unit, Park) else {"division": unit}
    records = AdoptionRecord.objects.filter(**lookup, measure__in=[m.pk for m in measures])
    return {r.measure_id: r for r in records}


@dataclass(frozen=True)
class MeasureRow:
    measure: PromotedMeasure
    record: AdoptionRecord | None
    this_round: bool  # filed or confirmed in this round


def unit_rows(round: TrackingRound, unit: Division | Park) -> list[MeasureRow]:
    measures = unit_measures(round, unit)
    records = unit_records(unit, measures)
    return [
        MeasureRow(
            m,
            records.get(m.pk),
            records.get(m.pk) is not None and records[m.pk].round_id == round.pk,
        )
        for m in measures
    ]


# The territory's returns ------------------------------------------------------------------------

RETURN_STATES = {"filed": FILED, "handed_down": HANDED_DOWN, "not_filed": NOT_FILED}


def territory_returns(
    user: Actor, round: TrackingRound, params: dict[str, str] | None = None
) -> QuerySet[RoundReturn]:
    """The returns of the round the user sees (their own unit's and the units below), filtered
    by level, state (filed / handed_down / not_filed) and name."""
    params = params or {}
    qs = rules.RETURNS.queryset(user, round.returns.all()).select_related(
        "division", "park", "province", "prefecture"
    )
    if params.get("level"):
        qs = qs.filter(level=params["level"])
    if params.get("state") in RETURN_STATES:
        qs = qs.filter(RETURN_STATES[params["state"]])
    if params.get("q"):
        q = params["q"]
        qs = qs.filter(Q(division__name__icontains=q) | Q(park__name__icontains=q))
    return qs.order_by("level", "province__code", "division__code", "park__code", "pk")


@dataclass
class UnitCounts:
    counts: dict[str, int] = field(default_factory=dict)
    expected: int = 0

    @property
    def missing(self) -> int:
        return max(0, self.expected - sum(self.counts.values()))


def return_counts(round: TrackingRound, returns: list[RoundReturn]) -> dict[int, UnitCounts]:
    """For each return (by pk), its unit's records of the round's measures per status, and
    how many measures it is expected to report on — in three queries whatever the page."""
    measures = list(
        PromotedMeasure.objects.filter(batch__in=round.batches.all()).values_list("pk", "scope")
    )
    regional = sum(1 for _pk, scope in measures if scope == PromotedMeasure.Scope.REGIONS)
    everywhere = len(measures) - regional
    division_ids = [r.division_id for r in returns if r.division_id]
    park_ids = [r.park_id for r in returns if r.park_id]
    region_divisions: set[int] = set()
    region_parks: set[int] = set()
    if regional:
        region_divisions = set(
            divisions_in_scope(REGIONS_ONLY)
            .filter(pk__in=division_ids)
            .values_list("pk", flat=True)
        )
        region_parks = set(
            parks_in_scope(REGIONS_ONLY).filter(pk__in=park_ids).values_list("pk", flat=True)
        )
    rows = (
        AdoptionRecord.objects.filter(measure__in=[pk for pk, _scope in measures])
        .filter(Q(division_id__in=division_ids) | Q(park_id__in=park_ids))
        .values("division_id", "park_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_unit: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for row in rows:
        key = ("park", row["park_id"]) if row["park_id"] else ("division", row["division_id"])
        by_unit[key][row["status"]] = row["n"]
    out = {}
    for ret in returns:
        key = ("park", ret.park_id) if ret.park_id else ("division", ret.division_id)
        in_region = (
            (ret.park_id in region_parks) if ret.park_id else (ret.division_id in region_divisions)
        )
        out[ret.pk] = UnitCounts(
            counts=by_unit.get(key, {}),  # type: ignore[arg-type]
            expected=everywhere + (regional if in_region else 0),
        )
    return out


# Who hands down and chases whom -----------------------------------------------------------------


def _prefecture_of(user: Actor) -> Division | None:
    city = roles.city_division(user)
    return city if city is not None and city.level == Division.Level.PREFECTURE else None


def can_hand_down(user: Actor, ret: RoundReturn) -> bool:
    """A province hands a prefecture's part down to it (and the part of a county or park that
    lies directly under the province); a prefecture hands down to its counties and parks
    (source 000: 四级政策传导). Only while the round is open and the return is not filed."""
    if ret.filed_at is not None or ret.delegated_at is not None:
        return False
    if ret.round.state != TrackingRound.State.OPEN:
        return False
    province = roles.province_of(user)
    if province is not None:
        return ret.province_id == province.pk and (
            ret.level == UnitLevel.PREFECTURE
            or (ret.level in (UnitLevel.COUNTY, UnitLevel.PARK) and ret.prefecture_id is None)
        )
    prefecture = _prefecture_of(user)
    if prefecture is not None:
        return ret.prefecture_id == prefecture.pk and ret.level in (
            UnitLevel.COUNTY,
            UnitLevel.PARK,
        )
    return False


def chase_targets(user: Actor, round: TrackingRound) -> QuerySet[RoundReturn]:
    """The returns the user may chase (催报): not filed, and owed to the user — the national
    level chases the provinces; a province the units of its territory that were handed down
    (by it or by a prefecture below it: each level chases the levels below it); a prefecture
    the units it handed work down to."""
    qs = round.returns.filter(filed_at__isnull=True)
    if round.state != TrackingRound.State.OPEN:
        return qs.none()
    if rules.manages_promotion(user):
        return qs.filter(level=UnitLevel.PROVINCE)
    province = roles.province_of(user)
    if province is not None:
        return qs.filter(province=province, delegated_at__isnull=False).exclude(
            level=UnitLevel.PROVINCE
        )
    prefecture = _prefecture_of(user)
    if prefecture is not None:
        return qs.filter(
            prefecture=prefecture,
            delegated_at__isnull=False,
            level__in=[UnitLevel.COUNTY, UnitLevel.PARK],
        )
    return qs.none()


def can_chase(user: Actor, ret: RoundReturn) -> bool:
    if ret.filed_at is not None or ret.round.state != TrackingRound.State.OPEN:
        return False
    if rules.manages_promotion(user):
        return ret.level == UnitLevel.PROVINCE
    province = roles.province_of(user)
    if province is not None:
        return (
            ret.province_id == province.pk
            and ret.level != UnitLevel.PROVINCE
            and ret.delegated_at is not None
        )
    prefecture = _prefecture_of(user)
    if prefecture is not None:
        return (
            ret.prefecture_id == prefecture.pk
            and ret.level in (UnitLevel.COUNTY, UnitLevel.PARK)
            and ret.delegated_at is not None
        )
    return False


def own_units(user: Actor) -> list[Division | Park]:
    """The unit the user speaks for: a province, a prefecture or county, a park."""
    province = roles.province_of(user)
    if province is not None:
        return [province]
    city = roles.city_division(user)
    if city is not None:
        return [city]
    park = roles.park_id(user)
    if park is not None:
        return list(Park.objects.filter(pk=park))
    return []


def sees_rollup(user: Actor) -> bool:
    """The roll-up is for the levels with units below them: national, province, prefecture."""
    return (
        rules.manages_promotion(user)
        or roles.province_of(user) is not None
        or _prefecture_of(user) is not None
    )


def may_file(user: Actor, ret: RoundReturn) -> bool:
    return ret.round.state == TrackingRound.State.OPEN and reports_for(user, ret.unit)


# Roll-ups ---------------------------------------------------------------------------------------

By = Literal["province", "prefecture", "county"]


@dataclass
class RollupRow:
    """One group × one measure: how many units of the group are in each status, how many are
    expected to report (in the measure's scope) and how many have not (未报送)."""

    group: str  # "division:<pk>", "park:<pk>", or "direct:<province pk>" (directly under it)
    name: str
    measure: PromotedMeasure
    counts: dict[str, int]
    in_scope: int

    @property
    def reported(self) -> int:
        return sum(self.counts.values())

    @property
    def not_reported(self) -> int:
        return max(0, self.in_scope - self.reported)


def _area(user: Actor, by: By, within: Division | None) -> Division | None:
    """The division whose territory is rolled up (None: the country), checked against the
    user's scope: the national level anywhere, a province in its own territory, a prefecture
    its own."""
    if by == "province":
        if rules.manages_promotion(user):
            return None
        province = roles.province_of(user)
        if province is not None:
            return province
        raise Forbidden
    if within is None:
        within = roles.province_of(user) if by == "prefecture" else _prefecture_of(user)
    if within is None:
        raise Forbidden
    wanted = Division.Level.PROVINCE if by == "prefecture" else Division.Level.PREFECTURE
    if within.level != wanted:
        raise Forbidden
    if rules.manages_promotion(user):
        return within
    province = roles.province_of(user)
    if province is not None and within.province_id == province.pk:
        return within
    prefecture = _prefecture_of(user)
    if by == "county" and prefecture is not None and prefecture.pk == within.pk:
        return within
    raise Forbidden


def _division_key(by: By) -> Any:
    if by == "province":
        return F("province_id")
    if by == "prefecture":
        return Case(
            When(level=Division.Level.PREFECTURE, then=F("pk")),
            When(
                level=Division.Level.COUNTY,
                parent__level=Division.Level.PREFECTURE,
                then=F("parent_id"),
            ),
            default=None,
            output_field=IntegerField(),
        )
    return F("pk")


def _park_key(by: By) -> Any:
    if by == "province":
        return F("province_id")
    if by == "prefecture":
        return Case(
            When(division__level=Division.Level.PREFECTURE, then=F("division_id")),
            default=None,
            output_field=IntegerField(),
        )
    return F("pk")


def _counted(qs: QuerySet[Any], key: Any) -> dict[Any, int]:
    rows = qs.annotate(g=key).values("g").annotate(n=Count("pk")).order_by()
    return {row["g"]: row["n"] for row in rows}


def rollup(
    user: Actor,
    *,
    round: TrackingRound | None = None,
    measure: PromotedMeasure | None = None,
    batch: PromotionBatch | None = None,
    by: By = "province",
    within: Division | None = None,
) -> list[RollupRow]:
    """Adoption rolled up per group and measure (推广落实情况汇总), aggregated in the database in a
    bounded number of queries (about ten) whatever the number of units and records.

    - `by="province"`: the country by province (national level), or the user's province.
    - `by="prefecture"`: a province (`within`, default the user's) by prefecture; the province
      itself and the counties and parks directly under it form one more group ("direct:…").
    - `by="county"`: a prefecture (`within`, default the user's) by unit — the prefecture
      itself, each of its counties and each of its parks.

    Measures: those of `round`'s batches, of `batch`, or `measure` alone (all published ones
    when none is given). With `round`, a unit counts as reported only if it filed the measure
    in that round; without, the current records (the latest answer of each unit) count.
    `in_scope` is the number of the group's units expected to report on the measure (its
    scope: nationwide or the 8 regions); `not_reported` (未报送) the rest.

    Raises `Forbidden` when the user may not see that area (a county, a park, an implementer,
    another province). Rows come ordered by group code then measure.
    """
    area = _area(user, by, within)
    measures_qs = PromotedMeasure.objects.filter(
        batch__state=PromotionBatch.State.PUBLISHED
    ).select_related("batch")
    if round is not None:
        measures_qs = measures_qs.filter(batch__in=round.batches.all())
    if batch is not None:
        measures_qs = measures_qs.filter(batch=batch)
    if measure is not None:
        measures_qs = measures_qs.filter(pk=measure.pk)
    measures = list(measures_qs.order_by("batch__number", "position"))
    if not measures:
        return []

    divisions = Division.objects.all()
    parks = Park.objects.all()
    records = AdoptionRecord.objects.filter(measure__in=[m.pk for m in measures])
    if round is not None:
        records = records.filter(round=round)
    if by == "prefecture":
        assert area is not None
        divisions = divisions.filter(province=area)
        parks = parks.filter(province=area)
        records = records.filter(province=area)
    elif by == "county":
        assert area is not None
        divisions = divisions.filter(Q(pk=area.pk) | Q(parent=area))
        parks = parks.filter(division=area)
        records = records.filter(prefecture=area)
    elif area is not None:
        divisions = divisions.filter(province=area)
        parks = parks.filter(province=area)
        records = records.filter(province=area)

    # Units per group: all of them, and those of the 8 regions.
    d_all = _counted(divisions, _division_key(by))
    p_all = _counted(parks, _park_key(by))
    regional = any(m.scope == PromotedMeasure.Scope.REGIONS for m in measures)
    d_reg: dict[Any, int] = {}
    p_reg: dict[Any, int] = {}
    if regional:
        d_reg = _counted(
            divisions.filter(pk__in=divisions_in_scope(REGIONS_ONLY)), _division_key(by)
        )
        p_reg = _counted(parks.filter(pk__in=parks_in_scope(REGIONS_ONLY)), _park_key(by))

    # Records per group, measure and status.
    if by == "province":
        record_rows = records.values_list("province_id", "park_id", "measure_id", "status")
    elif by == "prefecture":
        record_rows = records.values_list("prefecture_id", "park_id", "measure_id", "status")
    else:
        record_rows = records.values_list("division_id", "park_id", "measure_id", "status")
    counted = record_rows.annotate(n=Count("pk")).order_by()
    status_counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for group_id, park_id, measure_id, status, n in counted:
        key = _group(by, group_id, park_id, area)
        bucket = status_counts[(key, measure_id)]
        bucket[status] = bucket.get(status, 0) + n

    groups = _groups(by, area, d_all, p_all)
    rows = []
    for key, name, d_key, p_key in groups:
        for m in measures:
            if m.scope == PromotedMeasure.Scope.REGIONS:
                expected = d_reg.get(d_key, 0) + p_reg.get(p_key, 0)
            else:
                expected = d_all.get(d_key, 0) + p_all.get(p_key, 0)
            rows.append(
                RollupRow(
                    group=key,
                    name=name,
                    measure=m,
                    counts=status_counts.get((key, m.pk), {}),
                    in_scope=expected,
                )
            )
    return rows


def _group(by: By, group_id: int | None, park_id: int | None, area: Division | None) -> str:
    if by == "county":
        return f"park:{park_id}" if park_id else f"division:{group_id}"
    if group_id is None:
        assert area is not None
        return f"direct:{area.pk}"
    return f"division:{group_id}"


def _groups(
    by: By, area: Division | None, d_all: dict[Any, int], p_all: dict[Any, int]
) -> list[tuple[str, str, Any, Any]]:
    """(group key, name, key in the division counts, key in the park counts), in code order."""
    if by == "province":
        provinces = Division.objects.filter(level=Division.Level.PROVINCE)
        if area is not None:
            provinces = provinces.filter(pk=area.pk)
        return [(f"division:{p.pk}", p.name, p.pk, p.pk) for p in provinces.order_by("code")]
    if by == "prefecture":
        assert area is not None
        prefectures = Division.objects.filter(
            province=area, level=Division.Level.PREFECTURE
        ).order_by("code")
        out: list[tuple[str, str, Any, Any]] = [
            (f"division:{p.pk}", p.name, p.pk, p.pk) for p in prefectures
        ]
        if d_all.get(None) or p_all.get(None):
            out.insert(0, (f"direct:{area.pk}", area.name, None, None))
        return out
    assert area is not None
    units: list[tuple[str, str, Any, Any]] = []
    for d in Division.objects.filter(Q(pk=area.pk) | Q(parent=area)).order_by("code"):
        units.append((f"division:{d.pk}", d.name, d.pk, _MISSING))
    for p in Park.objects.filter(division=area).order_by("code", "name"):
        units.append((f"park:{p.pk}", p.name, _MISSING, p.pk))
    return units


def rollup_statuses() -> list[tuple[str, str]]:
    """The statuses in the roll-up's column order, with their labels."""
    return [(value, str(label)) for value, label in AdoptionStatus.choices]


def unit_contact(unit: Division | Park) -> str:
    """The contact the unit gave on its latest answer (any measure): carried to a measure it
    has not answered yet, not retyped (信息一次填报, source 001). One query."""
    lookup: dict[str, Any] = {"park": unit} if isinstance(unit, Park) else {"division": unit}
    latest = (
        AdoptionRecord.objects.filter(**lookup)
        .exclude(contact="")
        .order_by("-updated_at", "-pk")
        .values_list("contact", flat=True)
        .first()
    )
    return latest or ""
