"""Rows of a queryset turned into display lines only when read: a page slices them in SQL, an
export iterates them in chunks, so neither holds more than a page or a chunk at a time."""

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

from django.db.models import QuerySet

Row = TypeVar("Row")
CHUNK = 500


class LazyRows(Generic[Row]):
    """A sequence Django's Paginator can count and slice without loading every row (not a
    typing.Sequence: its `count` counts rows, it does not count a value).

    `make` turns a slice of the queryset's rows into lines (one call per slice, so it may
    read what the lines need for the slice in a constant number of queries). `counted`, when
    given, counts the same rows more cheaply (without the aggregates that only order them)."""

    def __init__(
        self,
        qs: QuerySet[Any],
        make: Callable[[list[Any]], list[Row]],
        *,
        counted: QuerySet[Any] | None = None,
        chunk: int = CHUNK,
    ) -> None:
        self._qs = qs
        self._make = make
        self._counted = qs if counted is None else counted
        self._chunk = chunk
        self._count: int | None = None

    @property
    def queryset(self) -> QuerySet[Any]:
        return self._qs

    def count(self) -> int:
        if self._count is None:
            self._count = self._counted.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return self._make(list(self._qs[index]))
        if index < 0:
            index += self.count()
        found = self._qs[index]  # IndexError beyond the end, as a list
        return self._make([found])[0]

    def __iter__(self) -> Iterator[Row]:
        chunk: list[Any] = []
        for item in self._qs.iterator(chunk_size=self._chunk):
            chunk.append(item)
            if len(chunk) == self._chunk:
                yield from self._make(chunk)
                chunk = []
        if chunk:
            yield from self._make(chunk)

    def __bool__(self) -> bool:
        return self._counted.exists() if self._count is None else self._count > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyRows | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
