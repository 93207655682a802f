import time
from typing import Any

from django.core.management.base import BaseCommand

from jobs.services import job_run_next, jobs_requeue_abandoned, periodic_enqueue


class Command(BaseCommand):
    help = (
        "Run queued background jobs (imports, exports) and the periodic ones (reminders) "
        "until stopped. Run one worker per database: on start it queues again the jobs a "
        "stopped worker left running."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run what is queued or due, then stop"
        )
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        jobs_requeue_abandoned()
        while True:
            periodic_enqueue()
            while job_run_next():
                pass
            if once:
                return
            time.sleep(interval)
