"""Job kinds register their runner here; a runner takes the job and reports progress on it."""

from collections.abc import Callable

from jobs.models import Job

Runner = Callable[[Job], None]
RUNNERS: dict[str, Runner] = {}


def job_kind(name: str) -> Callable[[Runner], Runner]:
    def register(func: Runner) -> Runner:
        RUNNERS[name] = func
        return func

    return register
