"""Loading the reference data shipped in data/: divisions, experiment regions, zones.

`data_rows` reads any of data/'s CSV files; the stages above (claims, promotion) read their
own reference tables through it. Every row there names its source (data/sources.csv).
"""

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from regions.models import Division, Park, RegionGroup

DATA = Path(settings.BASE_DIR) / "data"


def data_rows(name: str) -> list[dict[str, str]]:
    """The rows of data/<name>, a UTF-8 CSV file with a header row."""
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@transaction.atomic
def load_divisions() -> int:
    """Create the 3,218 divisions of data/divisions.csv once; parents come before children."""
    if Division.objects.exists():
        return 0
    rows = data_rows("divisions.csv")
    by_code: dict[str, Division] = {}
    for level in (1, 2, 3):
        batch = []
        for row in rows:
            if int(row["level"]) != level:
                continue
            parent = by_code.get(row["parent_code"])
            division = Division(code=row["code"], name=row["name"], level=level, parent=parent)
            division.province = parent.province if parent else None
            batch.append(division)
        Division.objects.bulk_create(batch, batch_size=1000)
        for division in batch:
            by_code[division.code] = division
        if level == 1:
            # A province is its own province; set it now so its children inherit it.
            for division in batch:
                division.province = division
            Division.objects.bulk_update(batch, ["province"])
    return len(rows)


def _divisions(codes: str) -> list[Division]:
    wanted = [c.ljust(6, "0") for c in codes.split(";") if c]
    return list(Division.objects.filter(code__in=wanted))


@transaction.atomic
def load_groups() -> int:
    """The 8 experiment regions and the 23 demonstration zones, as groups of divisions.

    A region is tied to its listed cities where the source names them, else to its provinces.
    Zones are tied to their province only: the data has no finer area for them.
    """
    if RegionGroup.objects.exists():
        return 0
    count = 0
    for row in data_rows("experiment_regions.csv"):
        group = RegionGroup.objects.create(
            kind=RegionGroup.Kind.EXPERIMENT_REGION,
            name=row["region"],
            short_name=row["region"],
            focus=row["focus"],
            source=row["source"],
        )
        group.divisions.set(_divisions(row["city_codes"] or row["province_codes"]))
        count += 1
    for row in data_rows("zones.csv"):
        group = RegionGroup.objects.create(
            kind=RegionGroup.Kind.DEMONSTRATION_ZONE,
            name=row["name"],
            short_name=row["short_name"],
            approval_year=int(row["approval_year"]) if row["approval_year"] else None,
            approval_date=row["approval_date"],
            source=row["source"],
        )
        group.divisions.set(_divisions(row["province_code"]))
        count += 1
    return count


@transaction.atomic
def load_parks() -> int:
    """The parks of data/parks.csv (development zones the statistical codes list), placed in
    their division; safe to run again. Parks added by hand are left as they are."""
    divisions = {d.code: d for d in Division.objects.filter(level__lte=2)}
    rows = data_rows("parks.csv")
    for row in rows:
        division = divisions[row["division_code"]]
        Park.objects.update_or_create(
            name=row["name"],
            division=division,
            defaults={
                "code": row["code"],
                "kind": row["kind"],
                "province": division.province or division,
                "source": row["source"],
            },
        )
    return len(rows)
