"""Dating what the demo's services write, so that the story reads in order."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Max
from django.db.models.signals import pre_save
from django.utils import timezone

from audit.models import AuditEntry
from notifications.models import Notification


def day(value: datetime.date) -> datetime.date:
    """Never a day after today, should the demo be loaded before the story's days."""
    return min(value, timezone.localdate())


def at(value: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day(value), datetime.time(hour, 0)))


@contextmanager
def entries_dated(moment: datetime.datetime) -> Iterator[None]:
    """The trail entries written inside the block are written dated `moment`. An entry is
    never changed once written (audit 0003), so its date is set as it is added."""

    def date_entry(sender: type[AuditEntry], instance: AuditEntry, **kwargs: object) -> None:
        if instance._state.adding:
            instance.at = moment

    uid = f"demo.entries_dated.{id(date_entry)}"
    pre_save.connect(date_entry, sender=AuditEntry, weak=False, dispatch_uid=uid)
    try:
        yield
    finally:
        pre_save.disconnect(sender=AuditEntry, dispatch_uid=uid)


@contextmanager
def dated(value: datetime.date, hour: int = 10) -> Iterator[None]:
    """The trail entries and notifications the services write inside the block are dated
    `value`, as if the users had acted then."""
    notes = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
    moment = at(value, hour)
    with entries_dated(moment):
        yield
    Notification.objects.filter(pk__gt=notes).update(created_at=moment)
