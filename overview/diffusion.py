"""The diffusion (扩散) of one promoted measure: its adoption over time, the laggards and the
difficulties met (难点、堵点) grouped by theme.

- Over time: the share of the units in the measure's scope in each status at the end of each
  month. A record keeps the first date each status was reached (deployed_on, landed_on,
  effective_on), so the status at a month's end is the highest reached by then; counted in
  one query grouped by the month each status was first reached, for all months.
- Laggards: the units in scope that have not reported, or reported 未部署, those who have
  waited longest first (never reported, then the oldest report).
- Difficulties: grouped by theme with the text package that suggests merging proposals
  (zhtext.pairs: candidate pairs, then connected clusters), not a similarity of its own.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth, ExtractYear, Least
from django.utils.translation import gettext as _

from merging.selectors import comparison_text
from overview.dashboards.base import Territory, month_ends, month_number, running_totals, share
from promotion.models import AdoptionRecord, AdoptionStatus, PromotedMeasure, UnitLevel
from promotion.territory import divisions_in_scope, parks_in_scope
from zhtext.pairs import candidate_pairs, clusters

# A date after every real one, for a status not reached.
NEVER = datetime.date(9999, 12, 31)
# The difficulties grouped at most: the latest texts, so the grouping stays quick.
MAX_TEXTS = 500
KEY_TERMS = 5
# The statuses of the curve, the highest first; the rest of the units have not reached any.
CURVE = [
    AdoptionStatus.EFFECTIVE,
    AdoptionStatus.LANDED,
    AdoptionStatus.DEPLOYED,
    AdoptionStatus.NOT_APPLICABLE,
]


def records(measure: PromotedMeasure, territory: Territory) -> QuerySet[AdoptionRecord]:
    return AdoptionRecord.objects.filter(measure=measure).filter(territory.units())


def units_in_scope(measure: PromotedMeasure, territory: Territory) -> int:
    """Divisions and parks expected to report on the measure (two counts)."""
    return (
        divisions_in_scope(measure).filter(territory.units()).count()
        + parks_in_scope(measure).filter(territory.units()).count()
    )


@dataclass
class Curve:
    months: list[str]
    units: int
    # status -> share (%) per month; "none" for the units not deployed or not reported.
    shares: dict[str, list[float]] = field(default_factory=dict)
    counts: dict[str, list[int]] = field(default_factory=dict)


def _by(day: datetime.date, *names: str) -> Q:
    found = Q(pk__isnull=True)  # pk is never null: the start of an OR
    for name in names:
        found |= Q(**{f"{name}__lte": day})
    return found


def _month_of(day: Any) -> Any:
    """A date's month as one comparable number, 202609 for September 2026."""
    return ExtractYear(day) * 100 + ExtractMonth(day)


def _reached_by(found: QuerySet[AdoptionRecord], ends: list[datetime.date]) -> dict[str, int]:
    """For each of `ends` (i), the records effective (effective{i}), in place or beyond
    (landed{i}), deployed or beyond (deployed{i}) and not applicable (na{i}) by that day. One
    query counting the records by the month each was first in each of these, summed month over
    month here: a conditional count per month made the database test every record each month.
    A date after the last of `ends` counts as never (a date within its month would count)."""
    if not ends:
        return {}
    last = ends[-1]

    def until_last(name: str) -> Any:
        return Case(
            When(**{f"{name}__lte": last}, then=F(name)),
            default=Value(NEVER),
            output_field=DateField(),
        )

    effective, landed, deployed = (
        until_last("effective_on"),
        until_last("landed_on"),
        until_last("deployed_on"),
    )
    rows = list(
        found.order_by()
        .values(
            e=_month_of(effective),
            l=_month_of(Least(effective, landed)),
            d=_month_of(Least(effective, landed, deployed)),
            # Not applicable has no date of its own beyond the status date; undated: from the
            # start.
            na=Case(
                When(~Q(status=AdoptionStatus.NOT_APPLICABLE), then=Value(None)),
                When(status_on__isnull=True, then=Value(0)),
                When(status_on__lte=last, then=_month_of(F("status_on"))),
                default=Value(month_number(NEVER)),
                output_field=IntegerField(),
            ),
        )
        .annotate(n=Count("pk"))
    )
    counts: dict[str, int] = {}
    for column, name in (("e", "effective"), ("l", "landed"), ("d", "deployed"), ("na", "na")):
        per_month: Counter[int] = Counter()
        for row in rows:
            if row[column] is not None:
                per_month[row[column]] += row["n"]
        for i, total in enumerate(running_totals(per_month, ends)):
            counts[f"{name}{i}"] = total
    return counts


def curve(measure: PromotedMeasure, territory: Territory, today: datetime.date) -> Curve:
    start = measure.batch.issued_on or measure.batch.published_on
    if start is None:  # a batch with no known date: from the first status reported
        start = (
            records(measure, territory)
            .filter(status_on__isnull=False)
            .order_by("status_on")
            .values_list("status_on", flat=True)
            .first()
        ) or today
    ends = month_ends(start, today)
    units = units_in_scope(measure, territory)
    found = _reached_by(records(measure, territory), ends)
    result = Curve(months=[end.strftime("%Y-%m") for end in ends], units=units)
    columns: dict[str, list[int]] = {key: [] for key in [*CURVE, "none"]}
    for i in range(len(ends)):
        effective = found[f"effective{i}"]
        landed = found[f"landed{i}"] - effective
        deployed = found[f"deployed{i}"] - found[f"landed{i}"]
        na = found[f"na{i}"]
        columns[AdoptionStatus.EFFECTIVE].append(effective)
        columns[AdoptionStatus.LANDED].append(landed)
        columns[AdoptionStatus.DEPLOYED].append(deployed)
        columns[AdoptionStatus.NOT_APPLICABLE].append(na)
        columns["none"].append(max(units - effective - landed - deployed - na, 0))
    result.counts = columns
    result.shares = {key: [share(n, units) for n in values] for key, values in columns.items()}
    return result


def curve_labels() -> dict[str, str]:
    labels = {str(status): str(status.label) for status in CURVE}
    labels["none"] = _("not deployed or not reported")
    return labels


def laggards(measure: PromotedMeasure, territory: Territory) -> QuerySet[Any]:
    """The units in scope with no record or a record 未部署, as rows (kind, id, name, province,
    level, status, last report), never reported first, then the oldest report; divisions
    and parks in one query (a union), so it pages in the database."""
    # No ordering: one record at most per unit and measure (the unique constraints), and the
    # model's ordering would join three tables in the subquery of every unit.
    own = AdoptionRecord.objects.filter(measure=measure).order_by()

    def annotated(qs: QuerySet[Any], unit: str, kind: str, level: Any) -> QuerySet[Any]:
        mine = own.filter(**{unit: OuterRef("pk")})
        return (
            qs.filter(territory.units())
            .annotate(
                lag_status=Subquery(mine.values("status")[:1], output_field=CharField()),
                lag_since=Subquery(mine.values("updated_at")[:1], output_field=DateTimeField()),
            )
            .filter(Q(lag_status__isnull=True) | Q(lag_status=AdoptionStatus.NOT_DEPLOYED))
            .annotate(
                unit_kind=Value(kind, output_field=CharField()),
                unit_level=level,
                lag_reported=Case(
                    When(lag_status__isnull=True, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                ),
            )
            .order_by()
            .values_list(
                "unit_kind",
                "pk",
                "name",
                "province__name",
                "unit_level",
                "lag_status",
                "lag_since",
                "lag_reported",
            )
        )

    divisions = annotated(divisions_in_scope(measure), "division", "division", F("level"))
    parks = annotated(
        parks_in_scope(measure),
        "park",
        "park",
        Value(UnitLevel.PARK, output_field=IntegerField()),
    )
    return divisions.union(parks, all=True).order_by("lag_reported", "lag_since", "unit_kind", "pk")


@dataclass
class Theme:
    terms: list[str]
    texts: list[tuple[str, str]]  # (unit, text)


def themes(measure: PromotedMeasure, territory: Territory) -> tuple[list[Theme], list[Theme]]:
    """The difficulties grouped by theme (two or more similar texts), and the ones alone."""
    rows = list(
        records(measure, territory)
        .exclude(difficulties="")
        .order_by("-updated_at", "-pk")
        .values_list("pk", "division__name", "park__name", "difficulties")[:MAX_TEXTS]
    )
    units = {pk: division or park or "" for pk, division, park, _text in rows}
    texts = {pk: text for pk, _division, _park, text in rows}
    docs = {pk: comparison_text("", text) for pk, text in texts.items()}
    pairs = candidate_pairs(docs)
    groups = clusters(docs, pairs)
    where = {pk: i for i, members in enumerate(groups) for pk in members}
    terms: list[Counter[str]] = [Counter() for _group in groups]
    for pair in pairs:
        if pair.a in where and where[pair.a] == where.get(pair.b):
            terms[where[pair.a]].update(pair.terms)
    grouped = [
        Theme(
            terms=[t for t, _n in sorted(counter.items(), key=lambda x: (-x[1], -len(x[0]), x[0]))][
                :KEY_TERMS
            ],
            texts=[(units[pk], texts[pk]) for pk in sorted(members)],
        )
        for members, counter in zip(groups, terms, strict=True)
    ]
    grouped.sort(key=lambda theme: -len(theme.texts))
    alone = [Theme([], [(units[pk], texts[pk])]) for pk in texts if pk not in where]
    return grouped, alone


def current(measure: PromotedMeasure, territory: Territory) -> list[tuple[str, int]]:
    """How many units are in each status now, and how many have not reported (one query)."""
    found = dict(
        records(measure, territory)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    units = units_in_scope(measure, territory)
    rows = [(str(status.label), found.get(status, 0)) for status in AdoptionStatus]
    rows.append((_("not reported"), max(units - sum(found.values()), 0)))
    return rows
