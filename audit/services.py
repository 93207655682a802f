"""Recording changes. Every service that writes calls `record` inside its transaction.

Entries are only ever added: the database refuses to change or delete one (audit 0003).
"""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` as they will be shown in the trail."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """[before, after] for each field that differs; a side missing (creation, deletion) is None."""
    names = [*before, *(k for k in after if k not in before)]
    return {k: [before.get(k), after.get(k)] for k in names if before.get(k) != after.get(k)}


def actor_name(by: AbstractBaseUser | None) -> str:
    """The name the trail shows for `by`, kept on the entry as it is when they act."""
    if by is None or not by.is_authenticated:
        return ""
    return str(by)[:300]


def record(
    action: str,
    *,
    obj: models.Model,
    by: AbstractBaseUser | None,  # the project's user; audit sits below accounts
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        actor_id=by.pk if by is not None and by.is_authenticated else None,
        actor_name=actor_name(by),
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
        note=note,
    )
