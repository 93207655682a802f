# ruff: noqa: E501 (report lines)
"""Benchmarks of zhtext (no database): segmentation, pair decisions, clustering at scale.

1. Segmentation: rjieba (used by the app) against jieba (dev dependency, for comparison)
   on the real texts of data/similarity/pairs.csv: characters per second, and how often
   the two cut a text into the same tokens.
2. Pair decisions on the labelled set data/similarity/pairs.csv at zhtext's THRESHOLD:
   precision, recall and F1 overall and for each kind of pair.
3. Scale: N generated proposals (real measure texts and paraphrase-like variants of them,
   among distinct filler proposals; the variants of one measure are a labelled cluster)
   grouped as the merge suggestions are (zhtext.pairs index, zhtext.groups cohesive groups
   with the size cap): pair recall of the index against the all-pairs baseline on a subset
   of SUBSET, time end to end at N (and 2N unless BENCH_SIMILAR_20K=0), and for the groups,
   before (connected components) and after (cohesive, without and with the cap): count,
   largest, purity and recall against the labelled clusters (group_scores).
"""

import csv
import os
import random
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import rjieba

from zhtext import noise
from zhtext.evaluate import LabelledPair, Scores, count, evaluate, load_pairs
from zhtext.groups import LINK, MAX_GROUP, Group, cohesive_groups
from zhtext.pairs import Pair, all_pairs, candidate_pairs, clusters
from zhtext.similarity import THRESHOLD

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "data" / "similarity" / "pairs.csv"
N_PROPOSALS = int(os.environ.get("BENCH_SIMILAR_PROPOSALS", "10000"))
SUBSET = int(os.environ.get("BENCH_SIMILAR_SUBSET", "1000"))
SEED = 7
T = TypeVar("T")

REGIONS = (
    "四川省",
    "成都高新区",
    "武汉东湖高新区",
    "西安市",
    "沈阳市",
    "安徽省",
    "广东省",
    "上海市",
    "北京市",
)
PREFIXES = ("探索", "建立", "推行", "试点", "关于", "深化", "开展")
SUFFIXES = ("的改革举措建议", "试点", "（建议）", "的实施方案", "改革")


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def timed(func: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def peak_memory(func: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# 1. Segmentation -------------------------------------------------------------------------


def segmentation(pairs: list[LabelledPair]) -> None:
    texts = sorted({t for p in pairs for t in (p.text_a, p.text_b) if "generated" not in p.source})
    chars = sum(len(t) for t in texts)
    repeat = max(1, 1_000_000 // chars)
    rjieba.cut("预热")
    _, r_seconds = timed(lambda: [rjieba.cut(t) for _ in range(repeat) for t in texts])
    print(f"seed texts: {len(texts)} real texts, {chars} characters, segmented {repeat} times")
    print(f"  rjieba {repeat * chars / r_seconds / 1e6:6.2f} M characters/s")
    try:
        import jieba
    except ImportError:
        print("  jieba not installed (pip install -e '.[dev]'): no comparison")
        return
    jieba.setLogLevel(60)
    jieba.initialize()
    j_repeat = max(1, repeat // 10)
    _, j_seconds = timed(lambda: [jieba.lcut(t) for _ in range(j_repeat) for t in texts])
    j_speed = j_repeat * chars / j_seconds
    print(
        f"  jieba  {j_speed / 1e6:6.2f} M characters/s  (rjieba {repeat * chars / r_seconds / j_speed:.0f}x faster)"
    )
    same = sum(rjieba.cut(t) == jieba.lcut(t) for t in texts)
    r_tokens = [set(_spans(rjieba.cut(t))) for t in texts]
    j_tokens = [set(_spans(jieba.lcut(t))) for t in texts]
    shared = sum(len(r & j) for r, j in zip(r_tokens, j_tokens, strict=True))
    total = sum(len(r) + len(j) for r, j in zip(r_tokens, j_tokens, strict=True))
    print(
        f"  same tokens on {same} of {len(texts)} texts; token agreement (F1 of token spans) {2 * shared / total:.4f}"
    )


def _spans(tokens: list[str]) -> list[tuple[int, int]]:
    out, at = [], 0
    for token in tokens:
        out.append((at, at + len(token)))
        at += len(token)
    return out


# 2. Pair decisions on the labelled set ---------------------------------------------------


def labelled(pairs: list[LabelledPair]) -> None:
    result = evaluate(pairs, THRESHOLD)
    positives = [p for p in pairs if p.label]
    negatives = [p for p in pairs if not p.label]
    overall = result["all"]
    print(
        f"labelled pairs: {len(pairs)} ({len(positives)} same, {len(negatives)} different) at THRESHOLD {THRESHOLD}"
    )
    print(
        f"  {'kind':<15}{'pairs':>6}{'correct':>9}   precision  recall     F1   (this kind against the other side)"
    )
    print(
        f"  {'all':<15}{overall.pairs:>6}{overall.tp + overall.tn:>9}   {_fmt(overall.precision):>9}  {_fmt(overall.recall):>6}  {_fmt(overall.f1):>5}"
    )
    decisions = {p.id: d for p, d in zip(pairs, _decisions(pairs), strict=True)}
    for kind, own in result.items():
        if kind == "all":
            continue
        mine = [p for p in pairs if p.kind == kind]
        side = negatives if mine[0].label else positives
        scores: Scores = count((p.label, decisions[p.id]) for p in mine + side)
        print(
            f"  {kind:<15}{own.pairs:>6}{own.tp + own.tn:>9}   {_fmt(scores.precision):>9}  {_fmt(scores.recall):>6}  {_fmt(scores.f1):>5}"
        )


def _decisions(pairs: list[LabelledPair]) -> list[bool]:
    from zhtext.similarity import is_same

    return [is_same(p.text_a, p.text_b) for p in pairs]


# 3. Scale --------------------------------------------------------------------------------


def paraphrase_like(text: str, rng: random.Random) -> str:
    """A proposal-like rewrite: region, boilerplate around it, clauses reordered, a word lost."""
    words = rjieba.cut(text)
    if len(words) > 6 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    body = "".join(words)
    clauses = body.replace("，", "、").split("、")
    if len(clauses) > 2 and rng.random() < 0.5:
        rng.shuffle(clauses)
        body = "、".join(clauses)
    body = f"{rng.choice(REGIONS)}{rng.choice(PREFIXES)}{body}{rng.choice(SUFFIXES)}"
    if rng.random() < 0.5:
        body, _how = noise.extraction_variant(body, rng)
    return body


def _filler_words() -> list[str]:
    """Distinct subjects for filler proposals: jieba's dictionary nouns when jieba is there."""
    try:
        import jieba
    except ImportError:
        return []
    path = Path(jieba.__file__).parent / "dict.txt"
    words = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, freq, tag = line.split()
            if tag in ("n", "nz", "vn") and 2 <= len(word) <= 4 and int(freq) >= 20:
                words.append(word)
    return words


def generate(
    n: int, seeds: dict[str, list[str]], rng: random.Random
) -> tuple[list[str], dict[int, str]]:
    """n proposals: a tenth are variants of real measures (grouped by measure), the rest filler."""
    vocabulary = sorted(
        {w for texts in seeds.values() for t in texts for w in rjieba.cut(t) if len(w) > 1}
    )
    subjects = _filler_words() or vocabulary
    texts, measure_of = [], {}
    measures = sorted(seeds)
    for i in range(n):
        if i % 10 == 0:
            measure = rng.choice(measures)
            texts.append(paraphrase_like(rng.choice(seeds[measure]), rng))
            measure_of[i] = measure
        else:
            words = rng.sample(subjects, rng.randint(4, 7)) + rng.sample(vocabulary, 2)
            rng.shuffle(words)
            texts.append(
                f"{rng.choice(REGIONS)}{rng.choice(PREFIXES)}{''.join(words)}{rng.choice(SUFFIXES)}"
            )
    return texts, measure_of


def seed_texts() -> dict[str, list[str]]:
    """Real texts per measure: titles, found wordings, team rewordings (data/similarity)."""
    seeds: dict[str, list[str]] = {}
    with open(ROOT / "data" / "batches.csv", encoding="utf-8") as f:
        for row_no, row in enumerate(csv.DictReader(f), start=1):
            if len(row["title"].rstrip("…")) >= 8:
                seeds.setdefault(f"batches:{row_no}", []).append(row["title"].rstrip("…"))
    for name in ("found.csv", "rewordings.csv"):
        with open(ROOT / "data" / "similarity" / name, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["measure"].startswith("batches:") and row["measure"] in seeds:
                    seeds[row["measure"]].append(row["text"])
    return seeds


def group_scores(groups: list[list[int]], measure_of: dict[int, str]) -> tuple[float, float, float]:
    """Purity and recall of suggested groups against the labelled clusters (the variants of
    one real measure; every filler proposal is a cluster of its own).

    purity: of the proposals in groups, the share that belong to their group's most common
    cluster. recall: of the proposals of labelled clusters, the share placed in a group whose
    most common cluster is theirs (with at least one other of it). pair recall: of the pairs
    of one labelled cluster, the share in one group; the size cap bounds it (a cluster of 30
    cut into groups of 10 keeps 27 % of its pairs).
    """
    measures = set(measure_of.values())
    grouped = sum(len(g) for g in groups)
    pure = with_kin = same = 0
    for g in groups:
        labels = Counter(measure_of.get(k, f"filler:{k}") for k in g)
        top, n = labels.most_common(1)[0]
        pure += n
        with_kin += n if n > 1 and not top.startswith("filler:") else 0
        same += sum(m * (m - 1) // 2 for label, m in labels.items() if label in measures)
    sizes = Counter(measure_of.values())
    pairs = sum(m * (m - 1) // 2 for m in sizes.values())
    return pure / max(grouped, 1), with_kin / max(len(measure_of), 1), same / max(pairs, 1)


def scale() -> None:
    rng = random.Random(SEED)  # noqa: S311 (reproducible test data, not security)
    texts, measure_of = generate(N_PROPOSALS, seed_texts(), rng)
    docs = dict(enumerate(texts))
    subset = {k: docs[k] for k in range(min(SUBSET, len(docs)))}

    def suggested(d: dict[int, str]) -> tuple[list[Pair[int]], list[Group[int]]]:
        pairs = candidate_pairs(d)
        return pairs, cohesive_groups(d, pairs)

    (pairs, groups), t_index = timed(lambda: suggested(docs))
    sub_pairs, t_index_sub = timed(lambda: candidate_pairs(subset))
    base_pairs, t_base = timed(lambda: all_pairs(subset))
    found = {(p.a, p.b) for p in sub_pairs}
    truth = {(p.a, p.b) for p in base_pairs}
    n_sub = len(subset)
    print(
        f"clustering: {len(docs)} generated proposals ({len(measure_of)} variants of {len(set(measure_of.values()))} real measures = the labelled clusters, sizes {min(Counter(measure_of.values()).values())}-{max(Counter(measure_of.values()).values())}; the rest filler)"
    )
    print(
        f"  pairs (index), all {len(docs):>6}: {len(pairs)} similar pairs; then cohesive groups (average link >= {LINK}, cap {MAX_GROUP})"
    )
    print(f"  index, subset {n_sub:>4}: {t_index_sub:7.2f} s  {len(sub_pairs)} pairs")
    print(
        f"  all-pairs, subset {n_sub}: {t_base:7.2f} s  {n_sub * (n_sub - 1) // 2} comparisons, {len(base_pairs)} pairs"
    )
    recall = len(truth & found) / len(truth) if truth else 1.0
    print(
        f"  pair recall vs all-pairs on the subset: {recall:.3f} ({len(truth & found)} of {len(truth)}, {len(found - truth)} extra)  goal >= 0.95: {'met' if recall >= 0.95 else 'NOT met'}"
    )
    print(
        f"  time, {len(docs)} proposals end to end (features, pairs, groups): {t_index:6.2f} s  goal < 10 s: {'met' if t_index < 10 else 'NOT met'}"
    )
    if len(docs) <= 10_000 and os.environ.get("BENCH_SIMILAR_20K", "1") == "1":
        rng20 = random.Random(SEED)  # noqa: S311
        texts20, _m = generate(2 * len(docs), seed_texts(), rng20)
        _done, t20 = timed(lambda: suggested(dict(enumerate(texts20))))
        print(f"  time, {len(texts20)} proposals end to end: {t20:6.2f} s")
    chains = clusters(docs, pairs)
    rows = [
        ("connected components (before)", chains),
        (
            "cohesive groups, no cap",
            [g.members for g in cohesive_groups(docs, pairs, cap=len(docs))],
        ),
        (f"cohesive groups, cap {MAX_GROUP} (suggested)", [g.members for g in groups]),
    ]
    print(
        f"  {'grouping':<36}{'groups':>7}{'largest':>8}{'purity':>8}{'recall':>8}{'pair recall':>12}"
    )
    for name, found_groups in rows:
        purity, grecall, pair_recall = group_scores(found_groups, measure_of)
        print(
            f"  {name:<36}{len(found_groups):>7}{max(map(len, found_groups), default=0):>8}{purity:>8.3f}{grecall:>8.3f}{pair_recall:>12.3f}"
        )
    labelled_groups = [g.members for g in groups if any(k in measure_of for k in g.members)]
    filler_only = len(groups) - len(labelled_groups)
    purity, _r, _p = group_scores(labelled_groups, measure_of)
    print(
        f"  suggested groups holding a labelled measure: {len(labelled_groups)}, purity {purity:.3f}; "
        f"{filler_only} groups of filler only (pairs the similarity finds among unrelated filler texts: a pair-decision error, not a chain)"
    )
    cut = [g for g in groups if g.cut]
    print(
        f"  {len(cut)} of {len(groups)} suggested groups were cut at the cap, from clusters of up to {max((g.cut_from for g in cut), default=0)}"
    )


def main() -> None:
    pairs = load_pairs(PAIRS)
    print("== zhtext: segmentation ==")
    segmentation(pairs)
    print("== zhtext: pair decisions on data/similarity/pairs.csv ==")
    labelled(pairs)
    print("== zhtext: clustering at scale ==")
    scale()


if __name__ == "__main__":
    main()
