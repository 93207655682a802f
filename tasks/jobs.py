"""The job kinds of implementation: the reminders, which the worker runs on its own.

Restartable: a run that stops is run again and skips what was already sent (the Reminder
rows); not atomic, since each reminder commits on its own."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from claims.reminders import closing_reminders_send
from jobs.models import Job
from jobs.registry import job_kind, periodic
from jobs.services import job_set_progress
from review.services.reminders import review_reminders_send
from tasks.services.reminders import reminders_send

# Reminders go out within the hour after something falls due; each is sent once however
# often the job runs.
REMINDERS_EVERY = datetime.timedelta(hours=1)


@job_kind(
    "tasks.reminders",
    title=gettext_lazy("Sending reminders"),
    back="tasks:dispatch",
    restartable=True,
)
def send_reminders(job: Job) -> None:
    count = reminders_send(on_sent=lambda n, total: job_set_progress(job, n, total))
    # The same hourly run reminds experts of reviews and claimants of a closing window.
    count += review_reminders_send() + closing_reminders_send()
    if count == 0:
        job.message = _("No reminder was due.")
    else:
        job.message = ngettext("%(count)s reminder sent.", "%(count)s reminders sent.", count) % {
            "count": count
        }


periodic("tasks.reminders", every=REMINDERS_EVERY)
