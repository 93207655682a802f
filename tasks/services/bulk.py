"""Updating many tasks at once from a sheet (批量更新): a coordinator's milestone statuses and
target actuals, validated row by row. Every error is reported with its sheet row, and nothing
is applied unless every row is valid.

The sheet carries, hidden beside each row, the figure as it was downloaded. A row is applied
only where the coordinator changed it, so a sheet kept for a few days never writes its old
figures over a report submitted since; and a row changed in the sheet whose figure also moved
in the database is refused rather than silently overwriting either side."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from kernel.errors import Forbidden
from tasks import reports_selectors as selectors
from tasks import rules
from tasks.errors import TaskError
from tasks.models import Milestone, Status, Target, Task
from tasks.services.core import refresh_progress
from tasks.services.reports import Moved, drafts_follow

MILESTONE, TARGET = "milestone", "target"
MAX_ROWS = 5000


@dataclass
class SheetRow:
    """One row as read from the sheet: its number in the sheet and its raw cells."""

    row: int
    task: Any
    kind: Any
    number: Any
    status: Any = None
    done_on: Any = None
    actual: Any = None
    # The hidden stamp of the figure as downloaded (`as_downloaded`).
    was: Any = None


class BulkRejected(TaskError):
    """The sheet has errors; `errors` lists them as (sheet row, message)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__(
            _("Nothing was changed: %(count)s rows have errors.")
            % {"count": len({row for row, _m in errors})}
        )


@dataclass
class BulkResult:
    rows: int
    tasks_changed: int
    changes: dict[int, dict[str, list[Any]]] = field(default_factory=dict)


def kind_words() -> dict[str, str]:
    """Every accepted spelling of a kind, in either language, lower-cased."""
    words = {MILESTONE: MILESTONE, TARGET: TARGET}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            words[str(Milestone._meta.verbose_name).lower()] = MILESTONE
            words[str(Target._meta.verbose_name).lower()] = TARGET
    return words


def status_words() -> dict[str, str]:
    words = {value: value for value in Status.values}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in Status.choices:
                words[str(label).lower()] = value
    return words


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text.isdigit() else None


def _date(value: Any) -> datetime.date | None:
    """A date cell, or text as YYYY-MM-DD; ValueError for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    return datetime.date.fromisoformat(text.replace("/", "-"))


def _decimal(value: Any) -> Decimal | None:
    """A number cell or numeric text; ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 14:
        raise ValueError
    return number.quantize(Decimal("0.01"))


# A milestone's figure is (status, done on); a target's is its actual value, None when unknown.
Figure = tuple[str, datetime.date | None] | Decimal | None


class _RowError(Exception):
    """A row that cannot be applied; the message says why."""


@dataclass
class _Change:
    task_id: int
    obj: Milestone | Target
    values: dict[str, Any]


def _figure(obj: Milestone | Target) -> Figure:
    if isinstance(obj, Milestone):
        return (obj.status, obj.done_on)
    return obj.actual


def as_downloaded(obj: Milestone | Target) -> str:
    """The stamp the sheet keeps, hidden, of a row's figure when downloaded. It names the row's
    item too, so a stamp separated from its row (a sort of part of the sheet) is refused, not
    compared: "milestone 12 2 done 2026-09-01", "milestone 12 3 in_progress", "target 12 1
    36.00", "target 12 2" (no actual value yet)."""
    if isinstance(obj, Milestone):
        kind, figure = MILESTONE, [obj.status, obj.done_on.isoformat() if obj.done_on else ""]
    else:
        kind, figure = TARGET, ["" if obj.actual is None else str(obj.actual)]
    return " ".join([kind, str(obj.task_id), str(obj.position), *figure]).strip()


def _was(row: SheetRow, key: tuple[str, int, int]) -> Figure:
    """The row's figure as downloaded; ValueError when its stamp is missing, damaged or
    belongs to another row."""
    kind, task_id, number = key
    parts = _text(row.was).split()
    if parts[:3] != [kind, str(task_id), str(number)]:
        raise ValueError
    rest = parts[3:]
    if kind == MILESTONE:
        if len(rest) not in (1, 2) or rest[0] not in Status.values:
            raise ValueError
        return (rest[0], datetime.date.fromisoformat(rest[1]) if len(rest) == 2 else None)
    if len(rest) > 1:
        raise ValueError
    return _decimal(rest[0] if rest else "")


def _validate(
    by: User, rows: list[SheetRow], task_ids: list[int], today: datetime.date
) -> tuple[list[_Change], list[tuple[int, str]]]:
    """Check every row against the tasks `task_ids` (those of the sheet within the user's
    scope): the changes to apply, and the errors by sheet row."""
    tasks = set(task_ids)
    milestones, targets = selectors.bulk_items(by, task_ids)
    by_key: dict[tuple[str, int, int], Milestone | Target] = {
        (MILESTONE, m.task_id, m.position): m for m in milestones
    }
    by_key.update({(TARGET, t.task_id, t.position): t for t in targets})
    kinds, statuses = kind_words(), status_words()
    errors: list[tuple[int, str]] = []
    changes: list[_Change] = []
    seen: dict[tuple[str, int, int], int] = {}
    for row in rows:
        try:
            change = _check_row(row, tasks, by_key, seen, kinds, statuses, today)
        except _RowError as error:
            errors.append((row.row, str(error)))
            continue
        if change is not None:
            changes.append(change)
    return changes, errors


def _check_row(
    row: SheetRow,
    tasks: set[int],
    by_key: dict[tuple[str, int, int], Milestone | Target],
    seen: dict[tuple[str, int, int], int],
    kinds: dict[str, str],
    statuses: dict[str, str],
    today: datetime.date,
) -> _Change | None:
    """The change a valid row makes (None when it makes none); _RowError when it is not valid."""
    task_id = _integer(row.task)
    if task_id is None or task_id not in tasks:
        raise _RowError(
            _("task %(id)s is not one of your tasks with an approved plan")
            % {"id": _text(row.task) or "—"}
        )
    kind = kinds.get(_text(row.kind).lower())
    if kind is None:
        raise _RowError(
            _("the kind must be milestone or target, not “%(value)s”") % {"value": _text(row.kind)}
        )
    number = _integer(row.number)
    key = (kind, task_id, number or 0)
    obj = by_key.get(key) if number is not None else None
    if obj is None:
        message = (
            _("task %(id)s has no milestone number %(n)s")
            if kind == MILESTONE
            else _("task %(id)s has no target number %(n)s")
        )
        raise _RowError(message % {"id": task_id, "n": _text(row.number) or "—"})
    if key in seen:
        raise _RowError(_("the same item is already on row %(row)s") % {"row": seen[key]})
    seen[key] = row.row
    new = (
        _milestone_figure(row, statuses, today)
        if isinstance(obj, Milestone)
        else _target_figure(row)
    )
    try:
        was = _was(row, key)
    except ValueError:
        raise _RowError(
            _(
                "the row has lost the hidden value it had when downloaded: make your changes "
                "in a sheet downloaded again"
            )
        ) from None
    # Untouched in the sheet, or already so in the database: nothing to write, whatever moved.
    if new == was or new == _figure(obj):
        return None
    if _figure(obj) != was:
        raise _RowError(_("changed since you downloaded the sheet: download it again"))
    if isinstance(new, tuple):
        return _Change(task_id, obj, {"status": new[0], "done_on": new[1]})
    return _Change(task_id, obj, {"actual": new})


def _milestone_figure(
    row: SheetRow, statuses: dict[str, str], today: datetime.date
) -> tuple[str, datetime.date | None]:
    status = statuses.get(_text(row.status).lower())
    if status is None:
        raise _RowError(
            _("“%(value)s” is not a status; use not started, in progress or done")
            % {"value": _text(row.status)}
        )
    try:
        done_on = _date(row.done_on)
    except (ValueError, TypeError):
        raise _RowError(_("the done date must be a date such as 2026-03-31")) from None
    if status == Status.DONE and done_on is None:
        raise _RowError(_("a milestone that is done needs the date it was done"))
    if done_on is not None and done_on > today:
        raise _RowError(_("the done date cannot be in the future"))
    return (status, done_on if status == Status.DONE else None)


def _target_figure(row: SheetRow) -> Decimal | None:
    try:
        return _decimal(row.actual)
    except ValueError:
        raise _RowError(
            _("the actual value “%(value)s” is not a number") % {"value": _text(row.actual)}
        ) from None


def _milestone_text(status: str, done_on: datetime.date | None) -> str:
    label = str(Status(status).label)
    return f"{label} {done_on.isoformat()}" if done_on else label


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def lock_sheet_tasks(by: User, rows: list[SheetRow]) -> list[int]:
    """Lock the tasks the rows name that `by` may update, and return their ids. Only those:
    locking the whole scope would hold up every report in it for the length of the upload;
    and in pk order, so that two uploads cannot deadlock. Call it within a transaction."""
    named = {task_id for row in rows if (task_id := _integer(row.task)) is not None}
    return list(
        Task.objects.select_for_update()
        .filter(pk__in=named)
        .filter(pk__in=selectors.bulk_tasks(by).values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def bulk_update(
    *, by: User, rows: list[SheetRow], today: datetime.date | None = None
) -> BulkResult:
    if not rules.can_bulk_update_tasks(by):
        raise Forbidden
    if not rows:
        raise TaskError(_("The sheet has no rows to update."))
    if len(rows) > MAX_ROWS:
        raise TaskError(_("At most %(max)s rows at a time.") % {"max": MAX_ROWS})
    today = today or timezone.localdate()
    changes, errors = _validate(by, rows, lock_sheet_tasks(by, rows), today)
    if errors:
        raise BulkRejected(errors)
    by_task: dict[int, dict[str, list[Any]]] = {}
    moved: Moved = []
    pair: list[Any]
    for change in changes:
        obj = change.obj
        if isinstance(obj, Milestone):
            label = _("milestone %(n)s") % {"n": obj.position}
            after = _milestone_text(change.values["status"], change.values["done_on"])
            pair = [_milestone_text(obj.status, obj.done_on), after]
        else:
            label = _("target %(n)s") % {"n": obj.position}
            actual = change.values["actual"]
            pair = [_plain(obj.actual), _plain(actual)]
        by_task.setdefault(change.task_id, {})[label] = pair
        moved.append((obj, _figure(obj)))
        for name, value in change.values.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(change.values))
    drafts_follow(moved)
    if by_task:
        for task in Task.objects.filter(pk__in=by_task).select_related("claimant"):
            refresh_progress(task)
            record("task.bulk_updated", obj=task, by=by, changes=by_task[task.pk])
    return BulkResult(rows=len(rows), tasks_changed=len(by_task), changes=by_task)
