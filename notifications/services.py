"""Telling users something: an in-app notification always, and an e-mail too when asked and
the user has an address.

The e-mail is not sent here. The notification row is its outbox entry, written in the
caller's transaction, and the worker sends it (`mail_send_due`, run by the periodic
"notifications.mail" job). So a rolled-back write announces nothing, a committed one is
mailed however the mail server fares, and no user action waits on the mail server or fails
after its write because of it. A failed send is recorded on the row and tried again later;
after MAX_ATTEMPTS it is given up and stays listed as such in the admin.

How the e-mail reaches the user is their choice (`User.email_choice`): by default one daily
digest listing every message since the last one (平台规则: at `selectors.DIGEST_HOUR`,
Asia/Shanghai), or each message on its own, or none; in-app messages come whatever they
choose.
"""

import contextlib
import datetime
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
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
            email_wanted=_mails(user, email),
            email_due_at=now if _mails(user, email) else None,
            about=about[:120],
            is_reminder=reminder,
        )
        for user in recipients.values()
    )


def _mails(user: User, email: bool) -> bool:
    return email and bool(user.email) and user.email_choice != User.EmailChoice.NONE


def _link(path: str) -> str:
    """The absolute address of a path of this site; empty for anything else."""
    if path.startswith("/") and not path.startswith("//"):
        return settings.SITE_URL.rstrip("/") + path
    return ""


def mail_body(note: Notification) -> str:
    """The message, then the absolute link to what it is about: a mail client cannot follow
    a bare path. Only a path of this site becomes a link."""
    parts = [note.body] if note.body else []
    if _link(note.url):
        parts.append(_link(note.url))
    return "\n\n".join(parts)


def digest_subject(count: int) -> str:
    return _("Daily digest of your messages: %(count)s") % {"count": count}


def digest_body(notes: list[Notification]) -> str:
    """Each message's subject with its absolute link, oldest first, then where to choose
    another way of hearing of them."""
    lines = [_("Your messages since the last digest:"), ""]
    for note in sorted(notes, key=lambda n: (n.created_at, n.pk)):
        lines.append(f"- {note.subject}")
        if _link(note.url):
            lines.append(f"  {_link(note.url)}")
    lines += [
        "",
        _(
            "One e-mail a day is the platform's default (平台规则). To receive each message by "
            "e-mail, or none, choose on your messages page: %(url)s"
        )
        % {"url": _link(reverse("notifications:index"))},
    ]
    return "\n".join(lines)


@dataclass
class MailRun:
    """What one run of the outbox did."""

    sent: int = 0
    # Of which gathered into daily digests, and the digest e-mails that carried them.
    digests: int = 0
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


def _send_digest(notes: list[Notification], connection: Any, run: MailRun) -> bool:
    """One e-mail for all of a user's due messages; all of them marked sent, or all failed."""
    refusal = _refusal(notes[0])
    if refusal:
        for note in notes:
            _mark_failed(note, refusal, give_up=True)
        run.refused += len(notes)
        return True
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMessage(
            digest_subject(len(notes)),
            digest_body(notes),
            settings.DEFAULT_FROM_EMAIL,
            [notes[0].user.email],
            connection=connection,
        )
    try:
        message.send()
    except Exception as exc:  # whatever the backend raises: recorded and tried again
        run.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("digest e-mail to user %s failed: %s", notes[0].user_id, run.last_error)
        run.failures_in_a_row += 1
        for note in notes:
            if _mark_failed(note, run.last_error):
                run.given_up += 1
            else:
                run.retrying += 1
        return run.failures_in_a_row < STOP_AFTER_FAILURES
    run.failures_in_a_row = 0
    Notification.objects.filter(pk__in=[n.pk for n in notes]).update(
        emailed_at=timezone.now(), email_due_at=None, email_error=""
    )
    run.sent += len(notes)
    run.digests += 1
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
    digests: dict[int, list[Notification]] = {}
    try:
        for note in _due_notes(ids):
            if note.user.email_choice == User.EmailChoice.DIGEST:
                digests.setdefault(note.user_id, []).append(note)
                continue
            if not _send_one(note, connection, run):
                break
            if on_progress is not None:
                on_progress(run.done, len(ids))
        else:
            for notes in digests.values():
                if not _send_digest(notes, connection, run):
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


@transaction.atomic
def email_choice_set(*, user: User, choice: str, by: User) -> User:
    """A user chooses how their messages reach their mailbox; theirs alone to choose. With
    "no e-mail", what was waiting to be sent is not sent."""
    if user.pk != by.pk or not user.is_active:
        raise Forbidden
    if choice not in User.EmailChoice.values:
        raise ValueError(choice)
    before = user.email_choice
    if before == choice:
        return user
    user.email_choice = choice
    user.save(update_fields=["email_choice"])
    if choice == User.EmailChoice.NONE:
        Notification.objects.filter(user_id=user.pk, email_due_at__isnull=False).update(
            email_due_at=None, email_wanted=False
        )
    record("user.email_choice_changed", obj=user, by=by, changes={"email_choice": [before, choice]})
    return user
