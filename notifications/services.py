"""Telling users something: an in-app notification always, an e-mail too when asked and the
user has an address. Mail is sent after the transaction commits, so a rolled-back write
announces nothing."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification


def notify(
    *, users: Iterable[Any], subject: str, body: str = "", url: str = "", email: bool = False
) -> list[Notification]:
    recipients = {user.pk: user for user in users if user.is_active}
    notes = Notification.objects.bulk_create(
        Notification(user=user, subject=subject[:200], body=body, url=url)
        for user in recipients.values()
    )
    addresses = sorted({u.email for u in recipients.values() if u.email})
    if email and addresses:

        def send() -> None:
            for address in addresses:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])

        transaction.on_commit(send)
    return notes


def notification_mark_read(*, notification: Notification, by: Any) -> Notification:
    """Reading is the recipient's alone. Not audited: it records nobody's decision, only
    what the recipient has seen."""
    if notification.user_id != by.pk:
        raise PermissionError
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, by: Any) -> int:
    return Notification.objects.filter(user_id=by.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
