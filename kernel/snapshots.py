"""Figures computed once and shared (数据快照): an aggregate over a whole territory or programme
that takes a noticeable part of a second is too much for each of many officials opening the
same page. It is computed once into the shared cache (Redis or the database in production:
every worker and server reads the same copy) and served until it expires or its namespace is
forgotten.

A namespace (the overview, one programme's dispatch) has a generation: `forget` moves it on,
so every key of the old one is left unread and expires by itself — no list of keys to delete.
"""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

# Bumped when the shape of what is kept changes, so a deployment never reads an old shape.
SHAPE = 2

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """The figures, when they were computed and for how long they are kept."""

    value: T
    computed_at: datetime.datetime
    lifetime: int

    @property
    def lifetime_minutes(self) -> int:
        return self.lifetime // 60


def _generation_key(namespace: str) -> str:
    return f"snapshot-generation:{namespace}"


def _generation(namespace: str) -> int:
    found = cache.get(_generation_key(namespace))
    return found if isinstance(found, int) else 0


def snapshot(
    namespace: str, name: str, scope: str, compute: Callable[[], T], lifetime: int
) -> Snapshot[T]:
    """The figures `name` of `scope` (what else they depend on: a territory, the day, a
    filter) in `namespace`, from the shared cache when computed less than `lifetime` seconds
    ago and not forgotten since, otherwise computed now and kept. The language is part of the
    key: figures may carry headings."""
    generation = _generation(namespace)
    key = f"snapshot:{SHAPE}:{namespace}:{generation}:{name}:{scope}:{get_language()}"
    found = cache.get(key)
    if isinstance(found, Snapshot):
        return found
    fresh = Snapshot(compute(), timezone.now(), lifetime)
    cache.set(key, fresh, lifetime)
    return fresh


def _move_on(namespace: str) -> None:
    try:
        cache.incr(_generation_key(namespace))
    except ValueError:
        cache.set(_generation_key(namespace), 1, None)


def forget(namespace: str) -> None:
    """Make every page of `namespace` compute its figures anew on its next view: at once,
    and again when the surrounding transaction commits — a view between the change and its
    commit reads the old rows and would otherwise keep them under the new generation.

    Within one transaction (and savepoint) it is done once: a bulk write that saves thousands
    of rows forgets once, not thousands of times."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _move_on(namespace)
        return
    current = set(connection.savepoint_ids)
    for sids, func, _robust in connection.run_on_commit:
        if getattr(func, "snapshot_namespace", None) == namespace and set(sids) == current:
            return
    _move_on(namespace)
    again = functools.partial(_move_on, namespace)
    again.snapshot_namespace = namespace  # type: ignore[attr-defined]
    transaction.on_commit(again)
