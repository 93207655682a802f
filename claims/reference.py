"""The 2024 policy pilot of the national demonstration zones (国家自创区政策试点“揭榜挂帅”) as the
project's reference data records it (data/pilot_*.csv, every row with its source).

What the sources state: issued by 工业和信息化部、科学技术部 on 2024-12-26; 4 categories and
14 items; 23 zones shortlisted, 7 of them for 3 items or more, 4 for 2 and 12 for 1 (source
003, P003 in data/sources.csv). Three categories are named there; the fourth, 产业发展类, is
inferred and marked so. Six items and nine zones are named; the rest is left empty. Another
report (S17) names the issuer as the ministries' general offices: both are kept, 003's is shown.
"""

from dataclasses import dataclass, field

from regions.reference import data_rows


@dataclass(frozen=True)
class PilotCategory:
    name: str
    inferred: bool  # not named by any source: deduced, see `basis`
    source: str
    basis: str


@dataclass(frozen=True)
class PilotItem:
    position: int  # the project's order, not an official numbering
    title: str  # empty when not known
    category: str  # empty when the sources do not say
    source: str
    zones: tuple[str, ...] = ()  # shortlisted zones the sources name (data/zones.csv names)


@dataclass(frozen=True)
class PilotZone:
    name: str  # as in data/zones.csv
    name_in_source: str
    items: int | None  # None when the sources give no number
    categories: int | None
    category_counts: dict[str, int] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class PilotReference:
    announced_on: str
    issuer: str  # the one shown (003's)
    issuers: dict[str, str]  # every issuer recorded, with its source
    categories_total: int
    items_total: int
    zones_total: int
    distribution: dict[str, int]  # zones with 3+ / 2 / 1 items
    categories: list[PilotCategory]
    items: list[PilotItem]
    zones: list[PilotZone]

    @property
    def named_items(self) -> list[PilotItem]:
        return [item for item in self.items if item.title]


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _counts(value: str) -> dict[str, int]:
    pairs = (part.split(":") for part in value.split(";") if part.strip())
    return {name.strip(): int(count) for name, count in pairs}


def pilot_reference() -> PilotReference:
    facts = data_rows("pilot_facts.csv")

    def fact(name: str) -> str:
        (row,) = [r for r in facts if r["fact"] == name and r["shown"] != "no"]
        return row["value"]

    shortlist: dict[int, list[str]] = {}
    for row in data_rows("pilot_shortlist.csv"):
        shortlist.setdefault(int(row["item"]), []).append(row["zone"])
    return PilotReference(
        announced_on=fact("announced_on"),
        issuer=fact("issuer"),
        issuers={r["value"]: r["source"] for r in facts if r["fact"] == "issuer"},
        categories_total=int(fact("categories")),
        items_total=int(fact("items")),
        zones_total=int(fact("zones_shortlisted")),
        distribution={
            "3+": int(fact("zones_with_3_or_more_items")),
            "2": int(fact("zones_with_2_items")),
            "1": int(fact("zones_with_1_item")),
        },
        categories=[
            PilotCategory(r["category"], r["status"] == "inferred", r["source"], r["basis"])
            for r in data_rows("pilot_categories.csv")
        ],
        items=[
            PilotItem(
                position=int(r["position"]),
                title=r["title"],
                category=r["category"],
                source=r["source"],
                zones=tuple(shortlist.get(int(r["position"]), [])),
            )
            for r in data_rows("pilot_items.csv")
        ],
        zones=[
            PilotZone(
                name=r["zone"],
                name_in_source=r["name_in_source"],
                items=_int(r["items"]),
                categories=_int(r["categories"]),
                category_counts=_counts(r["category_counts"]),
                source=r["source"],
            )
            for r in data_rows("pilot_zones.csv")
        ],
    )
