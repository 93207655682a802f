"""Job kinds register their runner here; a runner takes the job and reports progress on it."""

from collections.abc import Callable
from typing import Any

from jobs.models import Job

Runner = Callable[[Job], None]
RUNNERS: dict[str, Runner] = {}
# What the job page calls each kind, and where its "back" link leads (a URL name).
TITLES: dict[str, Any] = {}
BACK_URLS: dict[str, str] = {}


def job_kind(name: str, *, title: Any = "", back: str = "home") -> Callable[[Runner], Runner]:
    def register(func: Runner) -> Runner:
        RUNNERS[name] = func
        TITLES[name] = title
        BACK_URLS[name] = back
        return func

    return register
