"""Figures of the overview pages computed once and shared (数据快照): a national aggregate
over every adoption record and every report takes a noticeable part of a second, too much
for each of many officials opening the same page. It is computed once into the shared cache
(Redis or the database in production: every worker and server reads the same copy) and
served for `LIFETIME` seconds, with the time it was computed shown on the page.

Only figures of a territory (the country, a province) are kept, keyed by it: nothing scoped
to one user, and none of the to-do items that change when the user acts.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

# 平台规则: the overview's figures are refreshed every ten minutes.
LIFETIME = 600
# Bumped when the shape of what is kept changes, so a deployment never reads an old shape.
SHAPE = 1
GENERATION_KEY = "overview:generation"

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """The figures and when they were computed."""

    value: T
    computed_at: datetime.datetime

    @property
    def lifetime_minutes(self) -> int:
        return LIFETIME // 60


def _generation() -> int:
    found = cache.get(GENERATION_KEY)
    return found if isinstance(found, int) else 0


def snapshot(
    name: str, scope: str, compute: Callable[[], T], lifetime: int = LIFETIME
) -> Snapshot[T]:
    """The figures `name` of `scope` (a territory, and what else they depend on: the day, a
    filter), from the shared cache when computed less than `lifetime` seconds ago, otherwise
    computed now and kept. The language is part of the key: the figures carry headings."""
    key = f"overview:{SHAPE}:{_generation()}:{name}:{scope}:{get_language()}"
    found = cache.get(key)
    if isinstance(found, Snapshot):
        return found
    fresh = Snapshot(compute(), timezone.now())
    cache.set(key, fresh, lifetime)
    return fresh


def forget_all() -> None:
    """Make every page compute its figures anew on its next view (after a correction of data
    that should show at once): the keys of the next generation are all empty."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)
