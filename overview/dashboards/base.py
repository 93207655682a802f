"""What every block of a dashboard shares: the territory it covers, and its shape — a title,
a table (the content without JavaScript, and the sheet of the export) and the data of its
chart, drawn by static/js/charts.js."""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from accounts import roles
from accounts.actors import Actor
from regions.models import Division, RegionGroup

# A monthly curve covers at most this many months (ten years), the latest ones.
MAX_MONTHS = 120


@dataclass
class Block:
    """One block of a dashboard: a chart with its table beside it."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any]
    note: str = ""
    # Links shown under the table: (label, url).
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"


@dataclass(frozen=True)
class Territory:
    """What a dashboard covers: the whole country (province None) or one province's territory
    — its prefectures, counties and parks, and the region groups (experiment regions and
    demonstration zones) that lie in it."""

    province: Division | None
    group_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, user: Actor) -> "Territory":
        province = None if roles.is_national(user) else roles.province_of(user)
        if province is None:
            return cls(None)
        groups = (
            RegionGroup.objects.filter(divisions__province=province)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()
        )
        return cls(province, tuple(groups))

    @property
    def national(self) -> bool:
        return self.province is None

    def claimants(self, prefix: str = "") -> Q:
        """The claimants of the territory, as a filter on `<prefix>division` and
        `<prefix>region_group`: its province and the region groups lying in it."""
        if self.province is None:
            return Q()
        return Q(**{f"{prefix}division": self.province}) | Q(
            **{f"{prefix}region_group__in": self.group_ids}
        )

    def localities(self, path: str) -> Q:
        """A filter on the province-level division at `path` (a proposal's locality)."""
        if self.province is None:
            return Q()
        return Q(**{path: self.province})

    def units(self, path: str = "province") -> Q:
        """A filter on the province a reporting unit lies in (records, divisions, parks)."""
        if self.province is None:
            return Q()
        return Q(**{path: self.province})


def month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def month_ends(first: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The last day of each month from `first`'s to `today`'s (today for the running month),
    at most MAX_MONTHS of them, the latest."""
    if first > today:
        return []
    ends = []
    year, month = first.year, first.month
    while (year, month) <= (today.year, today.month):
        ends.append(min(month_end(year, month), today))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends[-MAX_MONTHS:]


def share(part: int, whole: int) -> float:
    """A percentage with two decimals (a province's first few units out of thousands expected
    still show); 0 when there is nothing to share."""
    return round(100 * part / whole, 2) if whole else 0.0


def month_number(day: datetime.date) -> int:
    """A date's month as one comparable number, 202609 for September 2026."""
    return day.year * 100 + day.month


def running_totals(per_month: Counter[int], ends: list[datetime.date]) -> list[int]:
    """For each of `ends` (ascending), the sum of `per_month` (counts by `month_number`) up to
    and including its month."""
    months = sorted(per_month)
    totals, total, next_month = [], 0, 0
    for end in ends:
        month = month_number(end)
        while next_month < len(months) and months[next_month] <= month:
            total += per_month[months[next_month]]
            next_month += 1
        totals.append(total)
    return totals
