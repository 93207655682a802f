"""Promotion's periodic jobs: the exchange-seminar reminders (交流研讨会), run daily by the
worker on its own.

Restartable: a run proposes a seminar only for a batch with none open, so a run that stops and
runs again proposes each seminar once. The date is the local date at the time of the run
(`timezone.localdate()`), so a test moves the clock to move it."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jobs.models import Job
from jobs.registry import job_kind, periodic
from promotion.selectors.seminars import seminars_to_propose
from promotion.services.seminars import seminars_propose

KIND = "promotion.seminar_reminders"
SEMINARS_EVERY = datetime.timedelta(days=1)


@job_kind(
    KIND,
    title=gettext_lazy("Proposing exchange seminars"),
    back="promotion:seminars",
    restartable=True,
)
def send_seminar_reminders(job: Job) -> None:
    count = len(seminars_propose(today=timezone.localdate()))
    if count == 0:
        job.message = _("No exchange seminar was due.")
    else:
        job.message = ngettext(
            "%(count)s exchange seminar proposed; the national level was told.",
            "%(count)s exchange seminars proposed; the national level was told.",
            count,
        ) % {"count": count}


def _seminar_due() -> bool:
    """Queue the job only when a seminar is to be proposed (no empty job rows every day)."""
    return bool(seminars_to_propose(timezone.localdate()))


periodic(KIND, every=SEMINARS_EVERY, when=_seminar_due)
