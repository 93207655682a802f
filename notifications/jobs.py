"""The e-mail outbox job: the worker sends the notifications' e-mails on its own.

Restartable: each message is marked as it is sent, so a run that stops sends only the rest.
Not atomic: what was sent before a failure stays sent."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jobs.models import Job
from jobs.registry import job_kind, periodic
from jobs.services import JobFailed, job_set_progress
from notifications.selectors import mail_due_exists
from notifications.services import MAX_ATTEMPTS, mail_send_due

# Queued at most this often, and only while a message is due.
MAIL_EVERY = datetime.timedelta(minutes=1)


@job_kind("notifications.mail", title=gettext_lazy("Sending e-mails"), restartable=True)
def send_mail(job: Job) -> None:
    run = mail_send_due(on_progress=lambda done, total: job_set_progress(job, done, total))
    parts = [
        ngettext("%(count)s e-mail sent.", "%(count)s e-mails sent.", run.sent)
        % {"count": run.sent}
    ]
    if run.refused:
        parts.append(
            ngettext(
                "%(count)s was not sent: its recipient has no address or account any more.",
                "%(count)s were not sent: their recipients have no address or account any more.",
                run.refused,
            )
            % {"count": run.refused}
        )
    if not (run.retrying or run.given_up):
        job.message = " ".join(parts)
        return
    # The mail server failed: the job shows as failed, so the national coordinator sees it.
    waiting = run.retrying + run.left
    if waiting:
        parts.append(
            ngettext(
                "%(count)s could not be sent now and will be tried again.",
                "%(count)s could not be sent now and will be tried again.",
                waiting,
            )
            % {"count": waiting}
        )
    if run.given_up:
        parts.append(
            ngettext(
                "%(count)s was given up after %(attempts)s attempts; the notifications in the "
                "admin show which.",
                "%(count)s were given up after %(attempts)s attempts; the notifications in the "
                "admin show which.",
                run.given_up,
            )
            % {"count": run.given_up, "attempts": MAX_ATTEMPTS}
        )
    parts.append(_("Last error: %(error)s") % {"error": run.last_error})
    raise JobFailed(" ".join(parts))


periodic("notifications.mail", every=MAIL_EVERY, when=mail_due_exists)
