"""Updating many tasks at once from a sheet (批量更新): a coordinator's milestone statuses and
target actuals, validated row by row. Every error is reported with its sheet row, and nothing
is applied unless every row is valid."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from audit.services import record
from tasks import reports_selectors as selectors
from tasks.errors import TaskError
from tasks.models import Milestone, Status, Target, Task
from tasks.services.core import refresh_progress

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


@dataclass
class _Change:
    task_id: int
    obj: Milestone | Target
    values: dict[str, Any]


def _validate(
    by: Any, rows: list[SheetRow], today: datetime.date
) -> tuple[list[_Change], list[tuple[int, str]]]:
    tasks = {t.pk: t for t in selectors.bulk_tasks(by)}
    milestones, targets = selectors.bulk_items(by)
    by_key: dict[tuple[str, int, int], Milestone | Target] = {
        (MILESTONE, m.task_id, m.position): m for m in milestones
    }
    by_key.update({(TARGET, t.task_id, t.position): t for t in targets})
    kinds, statuses = kind_words(), status_words()
    errors: list[tuple[int, str]] = []
    changes: list[_Change] = []
    seen: dict[tuple[str, int, int], int] = {}

    def bad(row: SheetRow, message: str) -> None:
        errors.append((row.row, message))

    for row in rows:
        task_id = _integer(row.task)
        if task_id is None or task_id not in tasks:
            bad(
                row,
                _("task %(id)s is not one of your tasks with an approved plan")
                % {"id": _text(row.task) or "—"},
            )
            continue
        kind = kinds.get(_text(row.kind).lower())
        if kind is None:
            bad(
                row,
                _("the kind must be milestone or target, not “%(value)s”")
                % {"value": _text(row.kind)},
            )
            continue
        number = _integer(row.number)
        key = (kind, task_id, number or 0)
        obj = by_key.get(key) if number is not None else None
        if obj is None:
            message = (
                _("task %(id)s has no milestone number %(n)s")
                if kind == MILESTONE
                else _("task %(id)s has no target number %(n)s")
            )
            bad(row, message % {"id": task_id, "n": _text(row.number) or "—"})
            continue
        if key in seen:
            bad(row, _("the same item is already on row %(row)s") % {"row": seen[key]})
            continue
        seen[key] = row.row
        if isinstance(obj, Milestone):
            values = _milestone_values(row, obj, statuses, today, bad)
        else:
            values = _target_values(row, obj, bad)
        if values:
            changes.append(_Change(task_id, obj, values))
    return changes, errors


def _milestone_values(
    row: SheetRow, milestone: Milestone, statuses: dict[str, str], today: datetime.date, bad: Any
) -> dict[str, Any] | None:
    status = statuses.get(_text(row.status).lower())
    if status is None:
        bad(
            row,
            _("“%(value)s” is not a status; use not started, in progress or done")
            % {"value": _text(row.status)},
        )
        return None
    try:
        done_on = _date(row.done_on)
    except (ValueError, TypeError):
        bad(row, _("the done date must be a date such as 2026-03-31"))
        return None
    if status == Status.DONE and done_on is None:
        bad(row, _("a milestone that is done needs the date it was done"))
        return None
    if done_on is not None and done_on > today:
        bad(row, _("the done date cannot be in the future"))
        return None
    if status != Status.DONE:
        done_on = None
    if (milestone.status, milestone.done_on) == (status, done_on):
        return {}
    return {"status": status, "done_on": done_on}


def _target_values(row: SheetRow, target: Target, bad: Any) -> dict[str, Any] | None:
    try:
        actual = _decimal(row.actual)
    except ValueError:
        bad(row, _("the actual value “%(value)s” is not a number") % {"value": _text(row.actual)})
        return None
    if actual == target.actual:
        return {}
    return {"actual": actual}


def _milestone_text(status: str, done_on: datetime.date | None) -> str:
    label = str(Status(status).label)
    return f"{label} {done_on.isoformat()}" if done_on else label


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@transaction.atomic
def bulk_update(*, by: Any, rows: list[SheetRow], today: datetime.date | None = None) -> BulkResult:
    if not permissions.can_bulk_update_tasks(by):
        raise PermissionError
    if not rows:
        raise TaskError(_("The sheet has no rows to update."))
    if len(rows) > MAX_ROWS:
        raise TaskError(_("At most %(max)s rows at a time.") % {"max": MAX_ROWS})
    today = today or timezone.localdate()
    # Lock the user's tasks first, so the figures validated are those written.
    list(Task.objects.select_for_update().filter(pk__in=selectors.bulk_tasks(by).values("pk")))
    changes, errors = _validate(by, rows, today)
    if errors:
        raise BulkRejected(errors)
    by_task: dict[int, dict[str, list[Any]]] = {}
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
        for name, value in change.values.items():
            setattr(obj, name, value)
        obj.save(update_fields=list(change.values))
    if by_task:
        for task in Task.objects.filter(pk__in=by_task).select_related("claimant"):
            refresh_progress(task)
            record("task.bulk_updated", obj=task, by=by, changes=by_task[task.pk])
    return BulkResult(rows=len(rows), tasks_changed=len(by_task), changes=by_task)
