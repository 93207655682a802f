from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jobs.periodic import periodic_ensure
from jobs.services import job_run_next, jobs_redeliver, jobs_requeue_abandoned, periodic_enqueue


class Command(BaseCommand):
    help = (
        "Run background jobs (imports, exports, e-mails) and the periodic ones (reminders) "
        "until stopped: the task engine's worker (django-tasks' db_worker), after making sure "
        "every queued job and periodic run is in the engine's queue. Any number may run, on "
        "any number of machines; each job runs once. With --once, run what is queued or due "
        "in this process, then stop."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="run what is queued or due in this process, then stop (cron, maintenance)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between looks at an empty queue",
        )
        parser.add_argument("--worker-id", default=None, help="unique across the workers")

    def handle(
        self, *args: Any, once: bool, interval: float, worker_id: str | None, **options: Any
    ) -> None:
        jobs_requeue_abandoned()
        if once:
            periodic_enqueue()
            while job_run_next():
                pass
            return
        jobs_redeliver()
        periodic_ensure()
        worker_options: dict[str, Any] = {"interval": interval, "reload": False}
        if worker_id:
            worker_options["worker_id"] = worker_id
        call_command("db_worker", verbosity=options["verbosity"], **worker_options)
