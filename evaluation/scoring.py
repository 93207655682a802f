"""How an evaluation's scores add up (评分规则): pure rules, no database, used by the services
that store the figures and by every page, document and export that shows them.

None of these rules is a source's. 484号 §三(四) asks for a third-party evaluation and leaves
its method to the commissioning level; sources 001 and 000/002 give the dimensions (the default
indicator system, `evaluation.indicators`), not the arithmetic. So every rule here is the
platform's, and the pages say so beside the figures:

- An indicator is scored 0–100 with one decimal.
- A task's score is the weighted mean of its indicator scores, Σ(weight × score) / Σweight,
  rounded half up to one decimal. A task has no score until every indicator of the commission
  is scored: a mean over some indicators would read as a result it is not. Until then the
  pages show how many indicators are scored ("n of m").
- The rating of a score is its band: 优秀 (excellent) ≥ 90, 良好 (good) ≥ 75, 合格 (pass) ≥ 60,
  不合格 (fail) below 60, taken on the rounded score shown.
- A locality's score in a commission is the mean of its tasks' scores weighted by the tasks'
  weights (`Task.weight`, as its progress is). Tasks not yet scored are counted and shown
  beside it, never dropped silently: while any is unscored the locality's score is marked
  provisional (over the scored tasks only) and it has no rating.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO, ONE_DECIMAL = Decimal(0), Decimal("0.1")
MIN_SCORE, MAX_SCORE = Decimal(0), Decimal(100)

EXCELLENT, GOOD, PASS, FAIL = "excellent", "good", "pass", "fail"
# (lowest score of the band, rating), highest band first; values of TaskEvaluation.Rating.
BANDS: list[tuple[Decimal, str]] = [
    (Decimal(90), EXCELLENT),
    (Decimal(75), GOOD),
    (Decimal(60), PASS),
    (Decimal(0), FAIL),
]


def rounded(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def in_range(value: Decimal) -> bool:
    return MIN_SCORE <= value <= MAX_SCORE


@dataclass(frozen=True)
class TaskResult:
    """A task's figures from its indicator scores."""

    scored: int
    indicators: int
    score: Decimal | None
    rating: str  # "" while there is no score

    @property
    def complete(self) -> bool:
        return self.indicators > 0 and self.scored == self.indicators


def rating_for(score: Decimal | None) -> str:
    """The band of `score` (a `TaskEvaluation.Rating` value), "" for no score."""
    if score is None:
        return ""
    score = rounded(score)
    for lowest, rating in BANDS:
        if score >= lowest:
            return rating
    return FAIL


def task_result(pairs: Iterable[tuple[Decimal, Decimal | None]]) -> TaskResult:
    """From (indicator weight, score or None) for every indicator of the commission."""
    total = weighted = ZERO
    scored = count = 0
    for weight, value in pairs:
        count += 1
        if value is None:
            continue
        scored += 1
        total += weight
        weighted += weight * value
    if count == 0 or scored < count or total <= 0:
        return TaskResult(scored, count, None, "")
    score = rounded(weighted / total)
    return TaskResult(scored, count, score, rating_for(score))


@dataclass(frozen=True)
class LocalityResult:
    """A locality's figures from its tasks in one commission."""

    tasks: int
    scored: int
    score: Decimal | None  # over the scored tasks; provisional while some are unscored
    rating: str  # only once every task is scored

    @property
    def unscored(self) -> int:
        return self.tasks - self.scored

    @property
    def provisional(self) -> bool:
        return self.score is not None and self.unscored > 0


def locality_result(pairs: Iterable[tuple[Decimal, Decimal | None]]) -> LocalityResult:
    """From (task weight, task score or None) for every task of the locality in the scope."""
    total = weighted = ZERO
    scored = count = 0
    for weight, value in pairs:
        count += 1
        if value is None:
            continue
        scored += 1
        total += weight
        weighted += weight * value
    score = rounded(weighted / total) if scored and total > 0 else None
    rating = rating_for(score) if score is not None and scored == count else ""
    return LocalityResult(count, scored, score, rating)
