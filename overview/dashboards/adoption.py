"""The blocks about promotion (复制推广): adoption by province on the map of China (by
prefecture within a province) and by level, the diffusion curve of each batch, and the days
until each batch's exchange seminar.

A unit in a measure's scope (promotion.territory) that has no record has not reported
(未报送): the expected number of answers is counted from the units in scope, grouped in the
database, times the number of measures of each scope — never by listing the units."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, DateField, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, Least
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from overview.dashboards.base import Block, Territory, month_ends, running_totals, share
from promotion.models import (
    AdoptionRecord,
    AdoptionStatus,
    PromotedMeasure,
    PromotionBatch,
    Seminar,
    UnitLevel,
)
from promotion.selectors.seminars import seminars_due
from promotion.territory import divisions_in_scope, parks_in_scope
from regions.models import Division

MAP_FILE = "vendor/echarts/china.json"
STATUSES = [
    AdoptionStatus.NOT_DEPLOYED,
    AdoptionStatus.DEPLOYED,
    AdoptionStatus.LANDED,
    AdoptionStatus.EFFECTIVE,
    AdoptionStatus.NOT_APPLICABLE,
]
ADOPTED = [AdoptionStatus.DEPLOYED, AdoptionStatus.LANDED, AdoptionStatus.EFFECTIVE]
# Scopes as territory reads them: unverified counts as nationwide (promotion.territory).
SCOPES = [PromotedMeasure.Scope.NATIONWIDE, PromotedMeasure.Scope.REGIONS]


def scope_of(scope: str) -> str:
    return scope if scope == PromotedMeasure.Scope.REGIONS else PromotedMeasure.Scope.NATIONWIDE


def measures(batch: PromotionBatch | None = None) -> QuerySet[PromotedMeasure]:
    """The measures a dashboard counts: those of the published batches, or of one batch."""
    qs = PromotedMeasure.objects.filter(batch__state=PromotionBatch.State.PUBLISHED)
    return qs.filter(batch=batch) if batch is not None else qs


def _division_area(territory: Territory) -> Any:
    """The area a division is shown under: its province, or within a province its prefecture
    (itself for a prefecture, its parent for a county under one; none for the province and
    the counties directly under it), as `promotion.territory.unit_fields` places records."""
    if territory.national:
        return F("province_id")
    return Case(
        When(level=Division.Level.PREFECTURE, then=F("pk")),
        When(
            level=Division.Level.COUNTY,
            parent__level=Division.Level.PREFECTURE,
            then=F("parent_id"),
        ),
        default=Value(None),
        output_field=IntegerField(),
    )


def _park_area(territory: Territory) -> Any:
    if territory.national:
        return F("province_id")
    return Case(
        When(division__level=Division.Level.PREFECTURE, then=F("division_id")),
        default=Value(None),
        output_field=IntegerField(),
    )


# "Any area" or "any level" in Counts.row: None is an area of its own.
ANY = object()


@dataclass
class Counts:
    """Answers expected and given, per area and per level, for one set of measures."""

    # (area, level) -> units in scope x measures
    expected: dict[tuple[int | None, int], int] = field(default_factory=lambda: defaultdict(int))
    # (area, level, status) -> records
    records: dict[tuple[int | None, int, str], int] = field(
        default_factory=lambda: defaultdict(int)
    )

    def row(self, area: object = ANY, level: object = ANY) -> list[int]:
        """expected, not reported, then one count per status, for an area (None: the units
        directly under the province) or a level."""

        def match(a: int | None, lv: int) -> bool:
            return (area is ANY or a == area) and (level is ANY or lv == level)

        expected = sum(n for (a, lv), n in self.expected.items() if match(a, lv))
        by_status = [
            sum(n for (a, lv, s), n in self.records.items() if s == status and match(a, lv))
            for status in STATUSES
        ]
        return [expected, max(expected - sum(by_status), 0), *by_status]

    def areas(self) -> list[int | None]:
        return sorted(
            {a for a, _lv in self.expected} | {a for a, _lv, _s in self.records},
            key=lambda a: (a is not None, a or 0),
        )


def unit_counts(territory: Territory, area: bool = True) -> dict[str, dict[tuple[Any, int], int]]:
    """Units in scope per (area, level), for each scope: four grouped queries (and the
    experiment regions' divisions), whatever the number of units."""
    found: dict[str, dict[tuple[Any, int], int]] = {}
    for scope in SCOPES:
        probe = PromotedMeasure(scope=scope)  # unsaved: only its scope is read
        counts: dict[tuple[Any, int], int] = defaultdict(int)
        divisions = divisions_in_scope(probe).filter(territory.units())
        parks = parks_in_scope(probe).filter(territory.units())
        division_key = _division_area(territory) if area else Value(0)
        park_key = _park_area(territory) if area else Value(0)
        for key, level, n in (
            divisions.order_by()
            .annotate(area=division_key)
            .values("area", "level")
            .annotate(n=Count("pk"))
            .values_list("area", "level", "n")
        ):
            counts[(key, level)] += n
        for key, n in (
            parks.order_by()
            .annotate(area=park_key)
            .values("area")
            .annotate(n=Count("pk"))
            .values_list("area", "n")
        ):
            counts[(key, UnitLevel.PARK)] += n
        found[scope] = counts
    return found


def measure_counts(batch: PromotionBatch | None = None) -> dict[int, dict[str, int]]:
    """Measures per batch and scope (one query)."""
    found: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for batch_id, scope, n in (
        measures(batch)
        .order_by()
        .values("batch", "scope")
        .annotate(n=Count("pk"))
        .values_list("batch", "scope", "n")
    ):
        found[batch_id][scope_of(scope)] += n
    return found


def counts(territory: Territory, batch: PromotionBatch | None = None) -> Counts:
    result = Counts()
    per_scope: dict[str, int] = defaultdict(int)
    for scopes in measure_counts(batch).values():
        for scope, n in scopes.items():
            per_scope[scope] += n
    for scope, units in unit_counts(territory).items():
        for key, n in units.items():
            result.expected[key] += n * per_scope[scope]
    area_field = "province_id" if territory.national else "prefecture_id"
    for area, level, status, n in (
        AdoptionRecord.objects.filter(measure__in=measures(batch))
        .filter(territory.units())
        .order_by()
        .values(area_field, "level", "status")
        .annotate(n=Count("pk"))
        .values_list(area_field, "level", "status", "n")
    ):
        result.records[(area, level, status)] += n
    return result


def _headers(first: str) -> list[str]:
    return [
        first,
        _("Answers expected"),
        _("Not reported"),
        *(str(status.label) for status in STATUSES),
        _("Adopted (%)"),
    ]


def _rate(row: list[int]) -> float:
    """Deployed, in place or showing results, as a share of the answers expected."""
    return share(sum(row[3:6]), row[0])


def _stack(categories: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    names = [_("Not reported"), *(str(status.label) for status in STATUSES)]
    return {
        "kind": "bar",
        "stack": True,
        "horizontal": True,
        "categories": categories,
        "series": [
            {"name": name, "data": [row[2 + i] for row in rows]} for i, name in enumerate(names)
        ],
    }


def by_area(territory: Territory, counted: Counts) -> Block:
    areas = counted.areas()
    known = Division.objects.filter(pk__in=[a for a in areas if a is not None])
    names, codes = {}, {}
    for pk, name, code in known.values_list("pk", "name", "code"):
        names[pk], codes[pk] = name, code
    directly = _("the province and units directly under it")
    rows = []
    for area in areas:
        figures = counted.row(area=area)
        name = names.get(area, "") if area is not None else directly
        rows.append([name, *figures, _rate(figures)])
    if territory.national:
        chart: dict[str, Any] = {
            "kind": "map",
            "map": static(MAP_FILE),
            "name": _("Adopted (%)"),
            "data": [
                {
                    "code": codes.get(area) if area is not None else None,
                    "name": row[0],
                    "value": row[-1],
                }
                for area, row in zip(areas, rows, strict=True)
            ],
        }
        title = _("Adoption by province")
        first = _("Province")
    else:
        chart = _stack([str(row[0]) for row in rows], rows)
        title = _("Adoption by prefecture")
        first = _("Prefecture")
    return Block(
        key="adoption",
        title=title,
        links=[(_("Tracking rounds"), reverse("promotion:rounds"))],
        headers=_headers(first),
        rows=rows,
        chart=chart,
        note=_(
            "Answers expected: every unit in a measure's scope (division or park) for every "
            "measure of the published batches. A unit without a record has not reported "
            "(未报送). A measure whose scope is not verified is counted as nationwide "
            "(the platform's rule)."
        ),
    )


def by_level(counted: Counts) -> Block:
    rows = []
    for level in UnitLevel:
        figures = counted.row(level=level.value)
        rows.append([str(level.label), *figures, _rate(figures)])
    return Block(
        key="levels",
        title=_("Adoption by level"),
        headers=_headers(_("Level")),
        rows=rows,
        chart=_stack([str(row[0]) for row in rows], rows),
    )


def reached(day: datetime.date) -> Q:
    """A record that was deployed, in place or showing results by `day` (each date is the
    first day the status was reached; a later status implies the earlier ones)."""
    return Q(deployed_on__lte=day) | Q(landed_on__lte=day) | Q(effective_on__lte=day)


# A date after every real one: SQLite's LEAST (min) is NULL as soon as one date is.
NEVER = datetime.date(9999, 12, 31)


def _reached_by(territory: Territory, ends: list[datetime.date]) -> dict[int, dict[str, int]]:
    """Per batch, the records that reached 已部署 or beyond by each of `ends` ("m0", "m1"...,
    as `reached` counts them): one query counting records by batch and month of their first
    such date, summed month over month here — the rows are batches × months, not records,
    where a conditional count per month made PostgreSQL test every record once a month."""
    first = Least(
        Coalesce("deployed_on", Value(NEVER)),
        Coalesce("landed_on", Value(NEVER)),
        Coalesce("effective_on", Value(NEVER)),
        output_field=DateField(),
    )
    rows = (
        AdoptionRecord.objects.filter(measure__in=measures())
        .filter(territory.units())
        .annotate(first=first)
        .filter(first__lte=ends[-1])
        .order_by()
        .values("measure__batch", year=ExtractYear("first"), month=ExtractMonth("first"))
        .annotate(n=Count("pk"))
    )
    by_batch: dict[int, Counter[int]] = defaultdict(Counter)
    for row in rows:
        by_batch[row["measure__batch"]][row["year"] * 100 + row["month"]] += row["n"]
    return {
        batch_id: {f"m{i}": n for i, n in enumerate(running_totals(months, ends))}
        for batch_id, months in by_batch.items()
    }


def curves(territory: Territory, today: datetime.date) -> Block:
    """Per batch, the share of the answers expected that reached 已部署 or beyond by the end
    of each month (one grouped query: `_reached_by`)."""
    batches = list(
        PromotionBatch.objects.filter(state=PromotionBatch.State.PUBLISHED).order_by("number")
    )
    starts = [day for b in batches if (day := b.issued_on or b.published_on) is not None]
    ends = month_ends(min(starts), today) if starts else []
    per_batch = measure_counts()
    units = {
        scope: sum(units.values()) for scope, units in unit_counts(territory, area=False).items()
    }
    expected = {
        batch_id: sum(n * units[scope] for scope, n in scopes.items())
        for batch_id, scopes in per_batch.items()
    }
    figures: dict[int, dict[str, int]] = {}
    if ends:
        figures = _reached_by(territory, ends)
    months = [end.strftime("%Y-%m") for end in ends]
    series = []
    for batch in batches:
        found = figures.get(batch.pk, {})
        start = batch.issued_on or batch.published_on
        data = [
            share(found.get(f"m{i}", 0), expected.get(batch.pk, 0))
            if start is not None and end >= start
            else None
            for i, end in enumerate(ends)
        ]
        series.append({"name": batch.ordinal(), "data": data})
    # One row per month, one column per batch; empty before the batch was issued.
    rows: list[list[Any]] = [
        [month, *("" if s["data"][i] is None else s["data"][i] for s in series)]
        for i, month in enumerate(months)
    ]
    return Block(
        key="curves",
        title=_("Diffusion of each batch"),
        headers=[_("Month"), *(str(s["name"]) for s in series)],
        rows=rows,
        chart={"kind": "line", "categories": months, "series": series, "percent": True},
        links=[(_("Diffusion of each measure"), reverse("overview:diffusion_index"))],
        note=_(
            "Share of the answers expected (units in scope × measures) that had reached "
            '"deployed" or beyond by the end of each month.'
        ),
    )


def seminars(today: datetime.date) -> Block:
    """Per published batch, its next exchange seminar as promotion.selectors.seminars counts
    it: one year after the notice's date of issue (source 000: "一年后组织交流研讨一次"), then
    a year after the last one held (the platform's rule)."""
    states = dict(Seminar.State.choices)
    rows: list[list[Any]] = []
    for due in seminars_due(today):
        rows.append(
            [
                str(due.batch),
                due.due_on.isoformat() if due.due_on is not None else "—",
                due.days_until if due.days_until is not None else "—",
                due.basis_label,
                str(states[due.state]) if due.state else "—",
                due.last_held_on.isoformat() if due.last_held_on is not None else "—",
            ]
        )
    return Block(
        key="seminars",
        title=_("Days until each batch's exchange seminar"),
        links=[(_("Exchange seminars"), reverse("promotion:seminars"))],
        headers=[
            _("Batch"),
            _("Seminar due on"),
            _("Days until (negative: overdue)"),
            _("Counted from"),
            _("Seminar proposed or planned"),
            _("Last seminar held on"),
        ],
        rows=rows,
        chart={
            "kind": "bar",
            "categories": [row[0] for row in rows],
            "series": [
                {
                    "name": _("Days until (negative: overdue)"),
                    "data": [row[2] if row[2] != "—" else None for row in rows],
                }
            ],
        },
        note=_(
            "Source 000: an exchange seminar one year after each batch "
            '("一年后组织交流研讨一次"), counted from the batch\'s date of issue.'
        ),
    )
