"""Precision, recall and F1 of the pair decisions on a labelled set (data/similarity/pairs.csv)."""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from zhtext.similarity import THRESHOLD, similarity


@dataclass(frozen=True)
class LabelledPair:
    id: str
    text_a: str
    text_b: str
    label: bool
    kind: str
    source: str


@dataclass(frozen=True)
class Scores:
    """Counts of one group of pairs; precision and recall are None where undefined."""

    pairs: int
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p is not None and r is not None and p + r else None

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.pairs if self.pairs else 0.0


def load_pairs(path: str | Path) -> list[LabelledPair]:
    with open(path, encoding="utf-8", newline="") as f:
        return [
            LabelledPair(
                row["id"],
                row["text_a"],
                row["text_b"],
                row["label"] == "1",
                row["kind"],
                row["source"],
            )
            for row in csv.DictReader(f)
        ]


def count(decisions: Iterable[tuple[bool, bool]]) -> Scores:
    """Scores from (label, decision) pairs."""
    tp = fp = fn = tn = 0
    for label, decision in decisions:
        if label and decision:
            tp += 1
        elif decision:
            fp += 1
        elif label:
            fn += 1
        else:
            tn += 1
    return Scores(tp + fp + fn + tn, tp, fp, fn, tn)


def evaluate(
    pairs: list[LabelledPair],
    threshold: float = THRESHOLD,
    score: Callable[[str, str], float] = similarity,
) -> dict[str, Scores]:
    """Scores over all pairs ('all') and for each kind of pair."""
    decided = [(p, score(p.text_a, p.text_b) >= threshold) for p in pairs]
    result = {"all": count((p.label, d) for p, d in decided)}
    for kind in sorted({p.kind for p in pairs}):
        result[kind] = count((p.label, d) for p, d in decided if p.kind == kind)
    return result
