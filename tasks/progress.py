"""How far a task has come, and how that rolls up (进度汇总): one definition used by every
page and export.

- A milestone counts 1 when done, else 0.
- A target counts the share of the distance from baseline to target value covered by its
  actual value, clamped to 0–1 (a falling target, e.g. fewer days to register, works the
  same way); no actual yet counts 0.
- A task's progress is the weighted mean over its milestones and targets (weights default
  to 1); with none planned it is 0.
- A claimant's progress is the mean of its tasks weighted by the task weights; a
  programme's the plain mean over its claimants that have tasks.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)


def target_share(baseline: Decimal, target: Decimal, actual: Decimal | None) -> Decimal:
    if actual is None or target == baseline:
        return ZERO
    share = (actual - baseline) / (target - baseline)
    return max(ZERO, min(ONE, share))


def percent(value: Decimal) -> Decimal:
    return (value * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def task_progress(milestones: Iterable[Any], targets: Iterable[Any]) -> Decimal:
    """0–100 with one decimal, from the task's milestones and targets."""
    total = weighted = ZERO
    for milestone in milestones:
        total += milestone.weight
        weighted += milestone.weight * (ONE if milestone.status == "done" else ZERO)
    for target in targets:
        total += target.weight
        weighted += target.weight * target_share(
            target.baseline, target.target_value, target.actual
        )
    return percent(weighted / total) if total else ZERO


def weighted_mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Mean of (value, weight) pairs, one decimal; 0 for none."""
    total = weighted = ZERO
    for value, weight in pairs:
        total += weight
        weighted += value * weight
    return (weighted / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if total else ZERO
