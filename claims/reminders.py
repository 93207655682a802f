"""Messages of the claim window (悬榜揭榜, 发改高技〔2021〕484号 §三（三）): the claimants'
coordinators hear when a window opens and a few days before it closes.

The reminder before the closing date is the platform's own rule (平台规则), not 484号's:
CLOSING_REMIND_DAYS days before `closes_at`, sent once per closing date by the periodic
reminders job, and closed when the window closes.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.visibility import PROVINCE, REGION_GROUP
from audit.services import record
from claims import rules
from claims.models import Programme
from notifications.models import Notification
from notifications.services import notifications_close, notify

# 平台规则: the claimants are reminded three days before the window closes.
CLOSING_REMIND_DAYS = 3


def claimant_coordinators(programme: Programme) -> list[User]:
    """The coordinators of the programme's eligible claimants (provinces, region groups)."""
    return list(rules.PROGRAMMES.audience(programme, PROVINCE, REGION_GROUP))


def opened_about(programme: Programme) -> str:
    return f"programme:{programme.pk}:opened"


def closing_about(programme: Programme) -> str:
    return f"programme:{programme.pk}:closing:{programme.closes_at}"


def window_opened_tell(programme: Programme) -> None:
    notify(
        users=claimant_coordinators(programme),
        subject=_("Claim window open until %(closes)s: %(title)s")
        % {"closes": programme.closes_at, "title": programme.title},
        body=_("Claims may be made from %(opens)s to %(closes)s.")
        % {"opens": programme.opens_at, "closes": programme.closes_at},
        url=reverse("claims:programme", args=[programme.pk]),
        email=True,
        about=opened_about(programme),
    )


def closing_reminder_close(programme: Programme) -> int:
    """The closing date moved: the reminder of the old date is stale (the new one gets its own)."""
    return notifications_close(about=closing_about(programme))


def window_closed_close(programme: Programme) -> None:
    """The window is closed: its opening message and closing reminder are stale."""
    notifications_close(about=opened_about(programme))
    notifications_close(about=closing_about(programme))


def closing_to_remind(today: datetime.date) -> list[Programme]:
    horizon = today + datetime.timedelta(days=CLOSING_REMIND_DAYS)
    programmes = list(
        Programme.objects.filter(
            state=Programme.State.OPEN, closes_at__gte=today, closes_at__lte=horizon
        ).order_by("closes_at", "id")
    )
    keys = [closing_about(p) for p in programmes]
    sent = set(Notification.objects.filter(about__in=keys).values_list("about", flat=True))
    return [p for p in programmes if closing_about(p) not in sent]


def closing_reminders_send(today: datetime.date | None = None) -> int:
    """Remind the claimants of each window closing within CLOSING_REMIND_DAYS days (平台规则)."""
    today = today or timezone.localdate()
    count = 0
    with translation.override(settings.LANGUAGE_CODE):
        for programme in closing_to_remind(today):
            users = claimant_coordinators(programme)
            if not users:
                continue
            values = {"closes": programme.closes_at, "title": programme.title}
            with transaction.atomic():
                notify(
                    users=users,
                    subject=_("Claim window closes on %(closes)s: %(title)s") % values,
                    body=_(
                        "Claims close on %(closes)s (a reminder of the platform, %(days)s days "
                        "before)."
                    )
                    % {**values, "days": CLOSING_REMIND_DAYS},
                    url=reverse("claims:programme", args=[programme.pk]),
                    email=True,
                    about=closing_about(programme),
                    reminder=True,
                )
                record("programme.reminded", obj=programme, by=None, note=str(programme.closes_at))
            count += 1
    return count
