"""Dating what the demo's services write, so that the story reads in order."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Max
from django.utils import timezone

from audit.models import AuditEntry
from notifications.models import Notification


def day(value: datetime.date) -> datetime.date:
    """Never a day after today, should the demo be loaded before the story's days."""
    return min(value, timezone.localdate())


def at(value: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day(value), datetime.time(hour, 0)))


@contextmanager
def dated(value: datetime.date, hour: int = 10) -> Iterator[None]:
    """The trail entries and notifications the services write inside the block are dated
    `value`, as if the users had acted then."""
    audit = AuditEntry.objects.aggregate(m=Max("pk"))["m"] or 0
    notes = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
    yield
    moment = at(value, hour)
    AuditEntry.objects.filter(pk__gt=audit).update(at=moment)
    Notification.objects.filter(pk__gt=notes).update(created_at=moment)
