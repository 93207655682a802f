"""Reads of a user's notifications: a user sees their own and nobody else's."""

import datetime

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import User
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


# The daily digest goes out at this hour, local time (Asia/Shanghai), or on the worker's first
# run after it: a rule of the platform's own (平台规则), not of a source.
DIGEST_HOUR = 8


def digest_time(now: datetime.datetime) -> datetime.datetime:
    """The latest digest time at or before `now`: today's DIGEST_HOUR, or yesterday's."""
    local = timezone.localtime(now)
    slot = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if slot > local:
        slot -= datetime.timedelta(days=1)
    return slot


def mail_due(now: datetime.datetime) -> QuerySet[Notification]:
    """E-mails waiting to be sent whose time has come, oldest first: a message for a user who
    wants each by e-mail at once; for a digest user, what arrived before the last digest time
    (so each day's digest gathers what came since the one before)."""
    digest = User.EmailChoice.DIGEST
    return (
        Notification.objects.filter(email_due_at__lte=now)
        .filter(~Q(user__email_choice=digest) | Q(created_at__lte=digest_time(now)))
        .order_by("email_due_at", "id")
    )


def mail_due_exists() -> bool:
    return mail_due(timezone.now()).exists()
