"""The to-do home's items (工作台): what waits on a user, each a link straight to the action.

Every stage app builds its own items in `<app>/todo.py` from this one type, and the home page
(`jiebang.views.home`) groups and orders them. An item counts what waits (a number, never a
list of rows), so that a page of items costs the same queries whatever the data size.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class QuickAction:
    """A one-click form on an item: POST `fields` (hidden) to `url`; `data_action` names it
    for tests and the browser (`data-action`)."""

    url: str
    label: str | Promise
    data_action: str
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TodoItem:
    """One thing waiting on the user: `count` of them behind `url`, due on `due_on` (the
    earliest, where there is one), `overdue` once that date has passed."""

    key: str
    label: str | Promise
    url: str
    count: int = 1
    due_on: datetime.date | None = None
    overdue: bool = False
    quick_action: QuickAction | None = None
    # Plain facts beside the label (e.g. the quota "3/5"), shown as they are.
    note: str | Promise = ""


@dataclass(frozen=True)
class TodoGroup:
    """Items under one heading, oldest (earliest due) first; `links` are the group's own
    actions (a batch filing, say)."""

    key: str
    heading: str | Promise
    items: list[TodoItem]
    links: tuple[QuickAction, ...] = field(default_factory=tuple)


def oldest_first(items: Iterable[TodoItem]) -> list[TodoItem]:
    """Items with a due date first, the earliest first; the rest after them in the order
    given (sorting is stable)."""
    return sorted(items, key=lambda item: (item.due_on is None, item.due_on or datetime.date.min))


def is_overdue(due_on: datetime.date | None, today: datetime.date) -> bool:
    return due_on is not None and due_on < today
