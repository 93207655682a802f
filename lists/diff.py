"""The difference between two versions of a list: measures added, removed, changed, moved.

Plain Python over snapshots, so it is tested without a database. A measure is the same measure
in both versions when it comes from the same candidate (a candidate is on a version once).
"""

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

TEXT_FIELDS = ("title", "content", "field", "ministries")


@dataclass(frozen=True)
class Entry:
    """One measure of a version, as the diff sees it."""

    key: int  # the candidate
    number: int
    title: str
    content: str
    field: str
    ministries: str


@dataclass(frozen=True)
class Segment:
    """A run of text that is kept ("equal"), or only in the old ("delete") or new ("insert")."""

    kind: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: str
    new: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Changed:
    old: Entry
    new: Entry
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class Moved:
    entry: Entry
    old_number: int
    new_number: int


@dataclass
class ListDiff:
    added: list[Entry] = field(default_factory=list)
    removed: list[Entry] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    details: list[FieldChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved or self.details)


def segments(old: str, new: str) -> tuple[Segment, ...]:
    """Character-level changes: Chinese has no spaces, so words are no unit to compare by."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(Segment("equal", old[i1:i2]))
            continue
        if i2 > i1:
            out.append(Segment("delete", old[i1:i2]))
        if j2 > j1:
            out.append(Segment("insert", new[j1:j2]))
    return tuple(out)


def field_change(name: str, old: str, new: str) -> FieldChange:
    return FieldChange(name, old, new, segments(old, new))


def _kept_in_order(numbers: Sequence[int]) -> set[int]:
    """Indexes of a longest increasing run of `numbers`, the earliest such run when there are
    several (so that of two swapped measures the later one is the one reported as moved).

    Quadratic, which is nothing for lists of tens of measures (a thousand take a tenth of a
    second)."""
    count = len(numbers)
    longest = [1] * count  # longest increasing run starting at each index
    for i in range(count - 1, -1, -1):
        for j in range(i + 1, count):
            if numbers[j] > numbers[i] and longest[j] + 1 > longest[i]:
                longest[i] = longest[j] + 1
    kept: set[int] = set()
    need, last = max(longest, default=0), None
    for i in range(count):
        if need and longest[i] == need and (last is None or numbers[i] > last):
            kept.add(i)
            need, last = need - 1, numbers[i]
    return kept


def _moved(common_old: Sequence[Entry], new_by_key: dict[int, Entry]) -> list[Moved]:
    """Measures whose order relative to the others changed: all but the longest run kept in
    order. Numbers that only shift because something was added or removed above are no move."""
    kept = _kept_in_order([new_by_key[entry.key].number for entry in common_old])
    moved = [
        Moved(new_by_key[entry.key], entry.number, new_by_key[entry.key].number)
        for index, entry in enumerate(common_old)
        if index not in kept
    ]
    return sorted(moved, key=lambda m: m.new_number)


def compare(
    old: Iterable[Entry],
    new: Iterable[Entry],
    details: Iterable[tuple[str, str, str]] = (),
) -> ListDiff:
    """`details` are the version's own fields as (label, old, new), e.g. the preamble."""
    old_list = sorted(old, key=lambda e: e.number)
    new_list = sorted(new, key=lambda e: e.number)
    old_by_key = {e.key: e for e in old_list}
    new_by_key = {e.key: e for e in new_list}
    result = ListDiff()
    result.added = [e for e in new_list if e.key not in old_by_key]
    result.removed = [e for e in old_list if e.key not in new_by_key]
    for entry in new_list:
        before = old_by_key.get(entry.key)
        if before is None:
            continue
        changes = tuple(
            field_change(name, getattr(before, name), getattr(entry, name))
            for name in TEXT_FIELDS
            if getattr(before, name) != getattr(entry, name)
        )
        if changes:
            result.changed.append(Changed(before, entry, changes))
    common_old = [e for e in old_list if e.key in new_by_key]
    result.moved = _moved(common_old, new_by_key)
    result.details = [field_change(label, a, b) for label, a, b in details if a != b]
    return result
