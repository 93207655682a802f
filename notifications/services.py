"""Telling users something: an in-app notification always, and an e-mail too when asked and
the user has an address.

The e-mail is not sent here. The notification row is its outbox entry, written in the
caller's transaction, and the worker sends it (`mail_send_due`, run by the periodic
"notifications.mail" job). So a rolled-back write announces nothing, a committed one is
mailed however the mail server fares, and no user action waits on the mail server or fails
after its write because of it. A failed send is recorded on the row and tried again later;
after MAX_ATTEMPTS it is given up and stays listed as such in the admin.
"""

import contextlib
import datetime
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kernel.errors import Forbidden
from notifications import selectors
from notifications.models import Notification

log = logging.getLogger(__name__)

# After the n-th failed attempt the next one waits RETRY_AFTER[n - 1]: a mail server down for
# an afternoon loses nothing, and one down for good is not hammered.
RETRY_AFTER = (
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
# A run stops after this many failures in a row: the server is down, and trying every
# message would hold the single worker for up to EMAIL_TIMEOUT seconds each. Those not tried
# stay due and are tried by the next run.
STOP_AFTER_FAILURES = 3
CHUNK = 200


def notify(
    *,
    users: Iterable[User],
    subject: str,
    body: str = "",
    url: str = "",
    email: bool = False,
    about: str = "",
    reminder: bool = False,
) -> list[Notification]:
    """Tell `users`; `about` keys the message so that it can be closed once its cause is gone,
    `reminder` marks the platform's own reminders."""
    recipients = {user.pk: user for user in users if user.is_active}
    now = timezone.now()
    return Notification.objects.bulk_create(
        Notification(
            user=user,
            subject=subject[:200],
            body=body,
            url=url,
            email_wanted=email and bool(user.email),
            email_due_at=now if email and user.email else None,
            about=about[:120],
            is_reminder=reminder,
        )
        for user in recipients.values()
    )


def mail_body(note: Notification) -> str:
    """The message, then the absolute link to what it is about: a mail client cannot follow
    a bare path. Only a path of this site becomes a link."""
    parts = [note.body] if note.body else []
    if note.url.startswith("/") and not note.url.startswith("//"):
        parts.append(settings.SITE_URL.rstrip("/") + note.url)
    return "\n\n".join(parts)


@dataclass
class MailRun:
    """What one run of the outbox did."""

    sent: int = 0
    # Failed, to be tried again, or given up after MAX_ATTEMPTS.
    retrying: int = 0
    given_up: int = 0
    # Not tried: the recipient has no address or account any more.
    refused: int = 0
    # Due messages left for the next run after the server kept failing.
    left: int = 0
    last_error: str = ""
    failures_in_a_row: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.retrying + self.given_up + self.refused


def _mark_sent(note: Notification) -> None:
    Notification.objects.filter(pk=note.pk).update(
        emailed_at=timezone.now(), email_due_at=None, email_error=""
    )


def _mark_failed(note: Notification, error: str, *, give_up: bool = False) -> bool:
    """Record a failed attempt; True when it was the last one."""
    attempts = note.email_attempts + 1
    last = give_up or attempts >= MAX_ATTEMPTS
    due = None if last else timezone.now() + RETRY_AFTER[attempts - 1]
    Notification.objects.filter(pk=note.pk).update(
        email_attempts=attempts, email_error=error[:1000], email_due_at=due
    )
    return last


def _refusal(note: Notification) -> str:
    """Why this message cannot be sent whatever the server does; empty when it can."""
    if not note.user.is_active:
        return _("The user's account is deactivated.")
    if not note.user.email:
        return _("The user has no e-mail address any more.")
    return ""


def _due_notes(ids: list[int]) -> Iterator[Notification]:
    for start in range(0, len(ids), CHUNK):
        chunk = Notification.objects.filter(
            pk__in=ids[start : start + CHUNK], email_due_at__isnull=False
        ).select_related("user")
        yield from chunk.order_by("email_due_at", "id")


def _send_one(note: Notification, connection: Any, run: MailRun) -> bool:
    """Send one message and record how it went; False when the run should stop."""
    refusal = _refusal(note)
    if refusal:
        _mark_failed(note, refusal, give_up=True)
        run.refused += 1
        return True
    message = EmailMessage(
        note.subject,
        mail_body(note),
        settings.DEFAULT_FROM_EMAIL,
        [note.user.email],
        connection=connection,
    )
    try:
        message.send()
    except Exception as exc:  # whatever the backend raises: recorded and tried again
        run.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("e-mail of notification %s failed: %s", note.pk, run.last_error)
        run.failures_in_a_row += 1
        if _mark_failed(note, run.last_error):
            run.given_up += 1
        else:
            run.retrying += 1
        return run.failures_in_a_row < STOP_AFTER_FAILURES
    run.failures_in_a_row = 0
    _mark_sent(note)
    run.sent += 1
    return True


def mail_send_due(
    now: datetime.datetime | None = None,
    on_progress: Callable[[int, int], Any] | None = None,
) -> MailRun:
    """Send the e-mails that are due, each marked as it goes, so a run that stops sends only
    the rest next time (a message sent just before a crash may be sent twice, never lost).
    Runs in the worker only: one worker at a time (jobs.services' lease) sends the outbox."""
    ids = list(selectors.mail_due(now or timezone.now()).values_list("id", flat=True))
    run = MailRun()
    connection = get_connection(fail_silently=False)
    try:
        for note in _due_notes(ids):
            if not _send_one(note, connection, run):
                break
            if on_progress is not None:
                on_progress(run.done, len(ids))
        run.left = len(ids) - run.done
    finally:
        # A connection that broke half way may fail to close; the messages are recorded.
        with contextlib.suppress(Exception):
            connection.close()
    if run.done:
        log.info(
            "e-mails: %s sent, %s to retry, %s given up, %s without a recipient, %s left",
            run.sent,
            run.retrying,
            run.given_up,
            run.refused,
            run.left,
        )
    return run


def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    """Reading is the recipient's alone. Not audited: it records nobody's decision, only
    what the recipient has seen."""
    if notification.user_id != by.pk:
        raise Forbidden
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, by: User) -> int:
    return Notification.objects.filter(user_id=by.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_close(*, about: str) -> int:
    """Close the unread messages about `about`: their cause is gone (e.g. the overdue report
    was filed). A pending e-mail of theirs is not sent."""
    if not about:
        return 0
    now = timezone.now()
    return Notification.objects.filter(about=about, read_at__isnull=True).update(
        read_at=now, closed_at=now, email_due_at=None
    )
