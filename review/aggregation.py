"""Summarising the submitted reviews of one candidate: plain functions, no Django import.

Per criterion and overall: the mean, the median, the spread (highest minus lowest score) and
the standard deviation (population: the reviewers are all there is, not a sample). A review's
overall score is the mean of its four criteria; the candidate's overall figures are taken over
those per-review scores.

Reviewers disagree strongly (the flag on the ranking) when, with at least two submitted
reviews, the scores of any one criterion are DISAGREEMENT_SPREAD or more apart, or one reviewer
recommends including the measure while another recommends leaving it out.
"""

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

CRITERIA = ("value", "operability", "assessability", "replicability")
OVERALL = "overall"
DISAGREEMENT_SPREAD = 2
INCLUDE, REVISE, EXCLUDE = "include", "revise", "exclude"


@dataclass(frozen=True)
class Stats:
    count: int = 0
    mean: float | None = None
    median: float | None = None
    spread: float | None = None
    stdev: float | None = None


@dataclass(frozen=True)
class Summary:
    reviews: int
    criteria: dict[str, Stats]  # every criterion, and OVERALL
    recommendations: dict[str, int] = field(default_factory=dict)
    # Why the reviewers disagree: [("spread", criterion), ("recommendation", "")]
    disagreements: list[tuple[str, str]] = field(default_factory=list)

    @property
    def disagreement(self) -> bool:
        return bool(self.disagreements)

    def mean(self, criterion: str) -> float | None:
        return self.criteria[criterion].mean


def stats(values: Sequence[float]) -> Stats:
    if not values:
        return Stats()
    return Stats(
        count=len(values),
        mean=statistics.fmean(values),
        median=float(statistics.median(values)),
        spread=float(max(values) - min(values)),
        stdev=statistics.pstdev(values),
    )


def overall_score(review: Mapping[str, int]) -> float:
    return statistics.fmean(review[c] for c in CRITERIA)


def summarise(reviews: Sequence[Mapping[str, int]], recommendations: Sequence[str]) -> Summary:
    """`reviews` holds the four scores of each submitted review; `recommendations` theirs."""
    criteria = {c: stats([r[c] for r in reviews]) for c in CRITERIA}
    criteria[OVERALL] = stats([overall_score(r) for r in reviews])
    counted = Counter(r for r in recommendations if r)
    disagreements: list[tuple[str, str]] = []
    if len(reviews) >= 2:
        for c in CRITERIA:
            spread = criteria[c].spread
            if spread is not None and spread >= DISAGREEMENT_SPREAD:
                disagreements.append(("spread", c))
        if counted[INCLUDE] and counted[EXCLUDE]:
            disagreements.append(("recommendation", ""))
    return Summary(len(reviews), criteria, dict(counted), disagreements)
