"""Build data/similarity/pairs.csv, the labelled pairs behind `make bench` and the F1 test.

    .venv/bin/python data/similarity/build.py

Inputs, all in this folder or data/:
- data/batches.csv: the promoted measures' titles (team-gathered, every row sourced);
- found.csv: fuller wordings of those measures found in public pages (one short excerpt
  each, with its address), and real texts of *other* measures in the same fields;
- rewordings.csv: rewordings of titles written by the team (labelled so in `source`);
- pilots2024: the three 2024 demonstration-zone pilot items (shared/data/pilots2024.csv).
Extraction variants are generated with zhtext.noise from a fixed seed. The output is
deterministic; README.md says how each kind of pair is made.
"""

import csv
import itertools
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from zhtext.noise import extraction_variant  # noqa: E402

SEED = 2026
# Fields the team grouped the measures into (batches.csv data row numbers, header excluded).
# Two measures that share a field and are not the same measure make a hard negative.
FIELDS: dict[str, set[int]] = {
    "finance": {1, 2, 3, 23, 24, 25, 26, 27, 37, 38, 39},
    "ip": {3, 4, 14, 15, 16, 17, 18, 26},
    "transfer": {19, 20, 21, 22},
    "talent": {6, 9, 10, 28},
    "admin": {5, 7, 8, 29},
}
# The 2024 pilot items (pilots2024.csv row order) and real texts of other measures found
# while searching: each is a different measure from the rows listed.
PILOTS = {
    1: "概念验证和中试平台市场化开放共享机制",
    2: "地方政府和国有企业向民营企业、中小企业开放应用场景制度",
    3: "长期资本投早、投小、投长期、投硬科技的支持政策",
}
DIFFERS: dict[str, tuple[int, ...]] = {
    "pilots2024:1": (29, 20),
    "pilots2024:2": (5,),
    "pilots2024:3": (25, 37),
    "other:fuzhou-gaoxindai": (1, 3, 26),
    "other:fanjian-fenliu": (14, 15, 17),
    "other:keji-baoxian": (3, 16),
    "other:ip-courts": (14, 16, 17),
}
PILOTS_SOURCE = (
    "http://qzxkjx.com.cn/2024-12/31/content_117635195.shtml (shared/data/pilots2024.csv)"
)


def titles() -> dict[int, str]:
    out = {}
    with open(HERE.parent / "batches.csv", encoding="utf-8") as f:
        for row_no, row in enumerate(csv.DictReader(f), start=1):
            title = row["title"].rstrip("…").strip()
            if len(title) >= 8:  # 'not_found' rows are empty; '建立银行跟……' says too little
                out[row_no] = title
    return out


def fields_of(row: int) -> set[str]:
    return {name for name, rows in FIELDS.items() if row in rows}


def main() -> None:
    rng = random.Random(SEED)  # noqa: S311 (reproducible test data, not security)
    title = titles()
    with open(HERE / "found.csv", encoding="utf-8") as f:
        found = list(csv.DictReader(f))
    with open(HERE / "rewordings.csv", encoding="utf-8") as f:
        rewordings = list(csv.DictReader(f))
    by_measure: dict[int, list[dict[str, str]]] = {}
    for item in found:
        if item["measure"].startswith("batches:"):
            by_measure.setdefault(int(item["measure"].split(":")[1]), []).append(item)
    pairs: list[tuple[str, str, int, str, str]] = []

    def add(a: str, b: str, label: int, kind: str, source: str) -> None:
        pairs.append((a, b, label, kind, source))

    def row_source(row: int) -> str:
        return f"batches.csv row {row}"

    # Positives: a title and the fuller wordings of the same measure found in public pages.
    for row, items in sorted(by_measure.items()):
        for item in items:
            add(title[row], item["text"], 1, "paraphrase", f"{row_source(row)} | {item['url']}")
        for x, y in itertools.combinations(items, 2):
            add(x["text"], y["text"], 1, "paraphrase", f"{x['url']} | {y['url']}")
    for item in rewordings:
        row = int(item["measure"].split(":")[1])
        add(
            title[row], item["text"], 1, "paraphrase", f"rewording by the team of {row_source(row)}"
        )
    # Positives: the same text as an extraction would deliver it (generated noise).
    for row, text in sorted(title.items()):
        noisy, how = extraction_variant(text, rng)
        add(text, noisy, 1, "extraction", f"derived from {row_source(row)} (generated: {how})")
    for item in found:
        if item["measure"].startswith("batches:"):
            noisy, how = extraction_variant(item["text"], rng)
            add(
                item["text"],
                noisy,
                1,
                "extraction",
                f"derived from {item['url']} (generated: {how})",
            )
    # Hard negatives: every two different measures of one field, title against title ...
    for a, b in itertools.combinations(sorted(title), 2):
        if fields_of(a) & fields_of(b):
            add(title[a], title[b], 0, "hard_negative", f"{row_source(a)} | {row_source(b)}")
    # ... a found wording against the titles of the other measures in its field ...
    for row, items in sorted(by_measure.items()):
        others = sorted(r for r in title if r != row and fields_of(r) & fields_of(row))
        for item in items:
            for other in rng.sample(others, min(2, len(others))):
                add(
                    item["text"],
                    title[other],
                    0,
                    "hard_negative",
                    f"{item['url']} | {row_source(other)}",
                )
    # ... real texts of other measures (pilots, found while searching) against theirs ...
    others_found = {item["measure"]: item for item in found if item["measure"].startswith("other:")}
    for key, rows in DIFFERS.items():
        if key.startswith("pilots2024:"):
            text, source = PILOTS[int(key.split(":")[1])], PILOTS_SOURCE
        else:
            text, source = others_found[key]["text"], others_found[key]["url"]
        for row in rows:
            add(text, title[row], 0, "hard_negative", f"{source} | {row_source(row)}")
            for item in by_measure.get(row, [])[:1]:
                add(text, item["text"], 0, "hard_negative", f"{source} | {item['url']}")
    # ... and a noisy extraction of one title against another title of its field.
    field_pairs = [
        (a, b) for a, b in itertools.permutations(sorted(title), 2) if fields_of(a) & fields_of(b)
    ]
    for a, b in rng.sample(field_pairs, 20):
        noisy, how = extraction_variant(title[a], rng)
        add(
            noisy,
            title[b],
            0,
            "hard_negative",
            f"derived from {row_source(a)} (generated: {how}) | {row_source(b)}",
        )
    # Easy negatives: measures with no field in common.
    unrelated = [
        (a, b)
        for a, b in itertools.combinations(sorted(title), 2)
        if not fields_of(a) & fields_of(b)
    ]
    for a, b in rng.sample(unrelated, 40):
        add(title[a], title[b], 0, "easy_negative", f"{row_source(a)} | {row_source(b)}")
    for item in rng.sample([i for i in found if i["measure"].startswith("batches:")], 20):
        row = int(item["measure"].split(":")[1])
        other = rng.choice([r for r in sorted(title) if not fields_of(r) & fields_of(row)])
        add(item["text"], title[other], 0, "easy_negative", f"{item['url']} | {row_source(other)}")

    with open(HERE / "pairs.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id", "text_a", "text_b", "label", "kind", "source"])
        for number, pair in enumerate(pairs, start=1):
            writer.writerow([number, *pair])
    counts: dict[str, int] = {}
    for *_, kind, _source in pairs:
        counts[kind] = counts.get(kind, 0) + 1
    print(f"{len(pairs)} pairs: {counts}")


if __name__ == "__main__":
    main()
