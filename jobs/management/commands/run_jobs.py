import time
from typing import Any

from django.core.management.base import BaseCommand

from jobs.services import job_run_next


class Command(BaseCommand):
    help = "Run queued background jobs (imports, exports) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run what is queued, then stop")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        while True:
            while job_run_next():
                pass
            if once:
                return
            time.sleep(interval)
