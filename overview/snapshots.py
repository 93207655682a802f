"""The overview's figures computed once and shared (kernel.snapshots): a national aggregate
over every adoption record and every report takes a noticeable part of a second, too much for
each of many officials opening the same page. Served for `LIFETIME` seconds, with the time
they were computed shown on the page.

Only figures of a territory (the country, a province) are kept, keyed by it: nothing scoped
to one user, and none of the to-do items that change when the user acts.
"""

from collections.abc import Callable
from typing import TypeVar

from kernel import snapshots
from kernel.snapshots import Snapshot

# 平台规则: the overview's figures are refreshed every ten minutes.
LIFETIME = 600
NAMESPACE = "overview"

T = TypeVar("T")

__all__ = ["LIFETIME", "Snapshot", "forget_all", "snapshot"]


def snapshot(
    name: str, scope: str, compute: Callable[[], T], lifetime: int = LIFETIME
) -> Snapshot[T]:
    """The figures `name` of `scope` (a territory, and what else they depend on: the day, a
    filter), kept `lifetime` seconds."""
    return snapshots.snapshot(NAMESPACE, name, scope, compute, lifetime)


def forget_all() -> None:
    """Make every overview page compute its figures anew on its next view (after a change
    that should show at once)."""
    snapshots.forget(NAMESPACE)
