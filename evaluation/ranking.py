"""The ranking of localities and implementing units (激励的排名): pure computation from figures
already gathered (`evaluation.selectors.ranking` gathers them), so every rule here is tested
without a database.

484号 §三(四) says only that the national level rewards "完成改革任务较好的地方、单位", in a way it
chooses ("研究采取适当方式"). How they are ranked is therefore the platform's rule, shown beside
every ranking, and its weights are the national level's to change (`RankingFormula`):

- completion: the share of the tasks due that were closed as completed. A task is due once it
  is closed (completed or not) or past its expected end while still open;
- evaluation: the mean of each task's latest delivered evaluation score (0–100);
- progress: the mean of the tasks' recorded progress (0–100).

A tolerated failure — a task closed as not completed on an accepted fault-tolerance filing
(容错) — is left out of all three and shown as a count: 484号 §四 asks the localities to
"研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索", and a failure the mechanism tolerated is not
held against the locality or the unit.

The score is the weighted mean of the components a row has: a missing component (no task due
yet, no evaluation delivered yet) is not counted as zero, the weights of the others are
renormalised, and the row says so. Rows with equal scores (to one decimal, as shown) share a
rank and are marked tied (并列); the next rank skips as many places (1, 1, 3). A row with no
component at all is listed after the ranked ones, without a rank, and says why.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

COMPLETION, EVALUATION, PROGRESS = "completion", "evaluation", "progress"
COMPONENTS = (COMPLETION, EVALUATION, PROGRESS)
# The model's defaults, used while the national level has set no formula.
DEFAULT_WEIGHTS = {COMPLETION: Decimal(40), EVALUATION: Decimal(50), PROGRESS: Decimal(10)}
TENTH = Decimal("0.1")
HUNDRED = Decimal(100)


def tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Weights:
    completion: Decimal
    evaluation: Decimal
    progress: Decimal

    def of(self, component: str) -> Decimal:
        value: Decimal = getattr(self, component)
        return value

    @property
    def total(self) -> Decimal:
        return self.completion + self.evaluation + self.progress

    def shares(self) -> dict[str, Decimal]:
        """Each weight as a percentage of the total, to one decimal."""
        total = self.total
        return {c: tenth(self.of(c) * HUNDRED / total) if total else Decimal(0) for c in COMPONENTS}


DEFAULT = Weights(**DEFAULT_WEIGHTS)


@dataclass
class Figures:
    """What is known of one locality or unit: counts of its tasks and sums of their figures.
    Figures of several groups (a unit's tasks under several localities) add up."""

    key: int
    name: str
    tasks: int = 0
    tolerated: int = 0  # closed as not completed on an accepted 容错 filing
    completed: int = 0
    failed: int = 0  # closed as not completed, not tolerated
    open_due: int = 0  # still open, past the expected end
    open_not_due: int = 0
    progress_sum: Decimal = Decimal(0)
    progress_count: int = 0
    score_sum: Decimal = Decimal(0)
    scored: int = 0

    @property
    def due(self) -> int:
        return self.completed + self.failed + self.open_due

    def add(self, other: "Figures") -> None:
        for name in (
            "tasks",
            "tolerated",
            "completed",
            "failed",
            "open_due",
            "open_not_due",
            "progress_sum",
            "progress_count",
            "score_sum",
            "scored",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def completion(figures: Figures) -> Decimal | None:
    """Completed among the tasks due, in per cent; None while none is due."""
    if not figures.due:
        return None
    return Decimal(figures.completed) * HUNDRED / figures.due


def evaluation(figures: Figures) -> Decimal | None:
    if not figures.scored:
        return None
    return figures.score_sum / figures.scored


def progress(figures: Figures) -> Decimal | None:
    if not figures.progress_count:
        return None
    return figures.progress_sum / figures.progress_count


@dataclass
class Row:
    figures: Figures
    values: dict[str, Decimal | None]
    # The share (%) each component carries in this row's score, after renormalisation.
    shares: dict[str, Decimal]
    score: Decimal | None
    rank: int | None = None
    tied: bool = False
    missing: list[str] = field(default_factory=list)

    @property
    def key(self) -> int:
        return self.figures.key

    @property
    def name(self) -> str:
        return self.figures.name

    @property
    def completion(self) -> Decimal | None:
        return self.values[COMPLETION]

    @property
    def evaluation(self) -> Decimal | None:
        return self.values[EVALUATION]

    @property
    def progress(self) -> Decimal | None:
        return self.values[PROGRESS]

    @property
    def renormalised(self) -> bool:
        """Some weighted component is missing: the others' weights were scaled up."""
        return bool(self.missing) and self.score is not None


def score_row(figures: Figures, weights: Weights) -> Row:
    values = {
        COMPLETION: completion(figures),
        EVALUATION: evaluation(figures),
        PROGRESS: progress(figures),
    }
    missing = [c for c in COMPONENTS if values[c] is None and weights.of(c) > 0]
    present = {c: v for c, v in values.items() if v is not None and weights.of(c) > 0}
    total = sum((weights.of(c) for c in present), Decimal(0))
    if not total:
        return Row(figures, _rounded(values), {}, None, missing=missing)
    score = sum((weights.of(c) * v for c, v in present.items()), Decimal(0)) / total
    shares = {c: tenth(weights.of(c) * HUNDRED / total) for c in present}
    return Row(figures, _rounded(values), shares, tenth(score), missing=missing)


def _rounded(values: dict[str, Decimal | None]) -> dict[str, Decimal | None]:
    return {c: None if v is None else tenth(v) for c, v in values.items()}


def rank(rows: Iterable[Figures], weights: Weights) -> list[Row]:
    """Scored, ranked rows: the highest score first, equal scores sharing a rank (tied, then
    by name), the rows without a score last."""
    scored = [score_row(figures, weights) for figures in rows]
    ranked = sorted(
        (r for r in scored if r.score is not None), key=lambda r: (-(r.score or 0), r.name)
    )
    unranked = sorted((r for r in scored if r.score is None), key=lambda r: r.name)
    counts: dict[Decimal, int] = {}
    for row in ranked:
        assert row.score is not None
        counts[row.score] = counts.get(row.score, 0) + 1
    place = 0
    previous: Decimal | None = None
    for position, row in enumerate(ranked, start=1):
        if row.score != previous:
            place, previous = position, row.score
        row.rank = place
        row.tied = counts[row.score] > 1 if row.score is not None else False
    return [*ranked, *unranked]
