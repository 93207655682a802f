"""Reads of a user's notifications: a user sees their own and nobody else's."""

import datetime

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor
from accounts.visibility import OWNER, Grant, Visibility
from notifications.models import Notification

# A message is its recipient's alone.
NOTIFICATIONS = Visibility(Notification, Grant(OWNER, "user_id"))

UNREAD, READ = "unread", "read"


def notifications_of(user: Actor) -> QuerySet[Notification]:
    return NOTIFICATIONS.queryset(user)


def notification_list(user: Actor, params: dict[str, str]) -> QuerySet[Notification]:
    """Unread first, then the newest."""
    qs = notifications_of(user)
    if params.get("state") == UNREAD:
        qs = qs.filter(read_at__isnull=True)
    elif params.get("state") == READ:
        qs = qs.filter(read_at__isnull=False)
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(Q(subject__icontains=text) | Q(body__icontains=text))
    return qs.order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")


def notification_get_for_user(user: Actor, pk: int) -> Notification:
    found = notifications_of(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def unread_count(user: Actor) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()


def mail_due(now: datetime.datetime) -> QuerySet[Notification]:
    """E-mails waiting to be sent whose time has come, oldest first."""
    return Notification.objects.filter(email_due_at__lte=now).order_by("email_due_at", "id")


def mail_due_exists() -> bool:
    return mail_due(timezone.now()).exists()
