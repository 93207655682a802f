"""Measures already decided by a later stage (published lists; later, promoted batches), which
the drafting warning compares a draft with.

Merging comes before those stages and never imports them: each registers a source here in its
AppConfig.ready, as apps register their audit labels and job kinds.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownMeasure:
    title: str
    where: str  # the list or batch it stands on, as the user reads it
    content: str  # compared with the draft, with the title


Source = Callable[[], list[KnownMeasure]]
_sources: dict[str, Source] = {}


def register_known_measures(name: str, source: Source) -> None:
    _sources[name] = source


def known_measures() -> list[KnownMeasure]:
    return [measure for source in _sources.values() for measure in source()]
