"""Job kinds register their runner here; a runner takes the job and reports progress on it.

A kind may also be periodic: the worker (`manage.py run_jobs`) queues it again once its
interval has passed since the last one was queued (see jobs.services.periodic_enqueue).
"""

import datetime
from collections.abc import Callable
from typing import Any

from jobs.models import Job

Runner = Callable[[Job], None]
RUNNERS: dict[str, Runner] = {}
# What the job page calls each kind, and where its "back" link leads (a URL name).
TITLES: dict[str, Any] = {}
BACK_URLS: dict[str, str] = {}
# Kind → how often the worker runs it on its own.
PERIODIC: dict[str, datetime.timedelta] = {}


def job_kind(name: str, *, title: Any = "", back: str = "home") -> Callable[[Runner], Runner]:
    def register(func: Runner) -> Runner:
        RUNNERS[name] = func
        TITLES[name] = title
        BACK_URLS[name] = back
        return func

    return register


def periodic(kind: str, *, every: datetime.timedelta) -> None:
    """Have the worker run `kind` (already registered) every `every`, with no user behind it."""
    if kind not in RUNNERS:
        raise ValueError(f"unknown job kind {kind!r}")
    if every <= datetime.timedelta(0):
        raise ValueError("a periodic job needs a positive interval")
    PERIODIC[kind] = every
