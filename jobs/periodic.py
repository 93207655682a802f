"""Periodic runs scheduled by the engine: each run of a periodic kind (jobs.registry.periodic)
and of the engine's own sweep of abandoned jobs is a task deferred to its time
(django-tasks' `run_after`), and each run schedules the next.

A PeriodicSchedule row per name holds the next run and its task. It is locked while a run
reschedules, and a run whose task is not the row's (delivered twice, or replaced) does
nothing, so with any number of workers each run happens once. `periodic_ensure`, called when
a worker starts, after `migrate` and by every sweep, schedules a name that has no run waiting
(a new kind, or a chain broken by a worker killed in the middle of a run).
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from jobs.models import Job, PeriodicSchedule
from jobs.registry import PERIODIC
from jobs.services import (
    abandoned_after,
    jobs_prune_engine_results,
    jobs_redeliver,
    jobs_requeue_abandoned,
    periodic_job_enqueue,
)

log = logging.getLogger(__name__)
SWEEP = "jobs.sweep"
# A periodic task still "running" after this long died with its worker.
STUCK_AFTER = datetime.timedelta(minutes=10)


def schedules() -> dict[str, datetime.timedelta]:
    """Every periodic name and its interval: the kinds, and the sweep, twice per timeout."""
    return {**PERIODIC, SWEEP: abandoned_after() / 2}


def _first_run(name: str, every: datetime.timedelta, now: datetime.datetime) -> datetime.datetime:
    """A kind's first scheduled run: an interval after its last job (run by the engine before
    the schedule existed), or now."""
    last = (
        Job.objects.filter(kind=name).order_by("-created_at").values_list("created_at", flat=True)
    )
    latest = last.first()
    return max(now, latest + every) if latest else now


def _waiting(task_id: str, now: datetime.datetime) -> bool:
    from django_tasks import TaskResultStatus
    from django_tasks.exceptions import TaskResultDoesNotExist

    from jobs.tasks import run_periodic

    if not task_id:
        return False
    backend = run_periodic.get_backend()
    if not backend.supports_get_result:
        return True
    try:
        result = backend.get_result(task_id)
    except TaskResultDoesNotExist:
        return False
    if result.status == TaskResultStatus.READY:
        return True
    started = result.started_at
    return (
        result.status == TaskResultStatus.RUNNING
        and started is not None
        and (started > now - STUCK_AFTER)
    )


def _schedule(row: PeriodicSchedule, at: datetime.datetime) -> None:
    from jobs.tasks import run_periodic

    result = run_periodic.using(run_after=at).enqueue(row.name)
    row.next_at, row.task_id = at, str(result.id)
    row.save(update_fields=["next_at", "task_id"])


def periodic_ensure(now: datetime.datetime | None = None) -> list[str]:
    """Schedule each periodic name that has no run waiting; the names scheduled. A backend
    that cannot defer a task (ImmediateBackend) has no schedule."""
    from jobs.tasks import run_periodic

    if not run_periodic.get_backend().supports_defer:
        return []
    now = now or timezone.now()
    scheduled = []
    for name, every in sorted(schedules().items()):
        with transaction.atomic():
            PeriodicSchedule.objects.get_or_create(
                name=name, defaults={"next_at": _first_run(name, every, now)}
            )
            row = PeriodicSchedule.objects.select_for_update().get(name=name)
            if _waiting(row.task_id, now):
                continue
            _schedule(row, max(row.next_at, now))
            scheduled.append(name)
    return scheduled


def periodic_fire(name: str, *, task_id: str) -> None:
    """The run of `name` by the task `task_id`: schedule the next, then do this one's work."""
    now = timezone.now()
    every = schedules().get(name)
    with transaction.atomic():
        row = PeriodicSchedule.objects.select_for_update().filter(name=name).first()
        if row is None or every is None or row.task_id != task_id:
            log.info("periodic run %s by task %s superseded; nothing done", name, task_id)
            return
        following = row.next_at + every
        _schedule(row, following if following > now else now + every)
        if name != SWEEP:
            # In the same transaction: the job is queued exactly when the next run is.
            periodic_job_enqueue(name)
            return
    jobs_requeue_abandoned()
    jobs_redeliver()
    periodic_ensure()
    jobs_prune_engine_results()
