"""Job kinds register their runner here; a runner takes the job and reports progress on it.

Each kind says how it bears an interruption:
- `restartable`: a job its worker left running when it died is run again from the start
  (exports, which only build a file; reminders and e-mails, which skip what is done). A kind
  that is not, such as an import, is failed instead with a message that asks the user to check
  what it did: running it again could do its work twice.
- `atomic`: its writes are one transaction, or it writes nothing but its result file, so a
  job that fails has changed nothing; the failure message says so only for these kinds.

A kind may also be periodic: the task engine runs it every interval (jobs.periodic, each run
scheduling the next), and, when it has a `when` test, only while that test finds work to do.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from jobs.models import Job

Runner = Callable[[Job], None]
RUNNERS: dict[str, Runner] = {}
# What the job page calls each kind, and where its "back" link leads: a URL name, or a
# function of the job giving the address (the page of the cycle or preview it worked on).
Back = str | Callable[[Job], str]
TITLES: dict[str, Any] = {}
BACK_URLS: dict[str, Back] = {}
RESTARTABLE: set[str] = set()
ATOMIC: set[str] = set()
# Kind → how often the worker runs it on its own, and the test of whether there is work.
PERIODIC: dict[str, datetime.timedelta] = {}
PERIODIC_WHEN: dict[str, Callable[[], bool]] = {}


def job_kind(
    name: str,
    *,
    title: Any = "",
    back: Back = "home",
    restartable: bool = False,
    atomic: bool = False,
) -> Callable[[Runner], Runner]:
    def register(func: Runner) -> Runner:
        RUNNERS[name] = func
        TITLES[name] = title
        BACK_URLS[name] = back
        (RESTARTABLE.add if restartable else RESTARTABLE.discard)(name)
        (ATOMIC.add if atomic else ATOMIC.discard)(name)
        return func

    return register


def back_url(job: Job) -> str:
    """Where the job page's "back" link leads for `job`."""
    back = BACK_URLS.get(job.kind, "home")
    return back(job) if callable(back) else reverse(back)


def periodic(
    kind: str, *, every: datetime.timedelta, when: Callable[[], bool] | None = None
) -> None:
    """Have the engine run `kind` (already registered) every `every`, with no user behind it;
    with `when`, only when it returns True (a job with nothing to do leaves no row behind)."""
    if kind not in RUNNERS:
        raise ValueError(f"unknown job kind {kind!r}")
    if every <= datetime.timedelta(0):
        raise ValueError("a periodic job needs a positive interval")
    PERIODIC[kind] = every
    if when is None:
        PERIODIC_WHEN.pop(kind, None)
    else:
        PERIODIC_WHEN[kind] = when
