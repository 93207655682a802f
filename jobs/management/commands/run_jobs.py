import os
import signal
import socket
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobs.services import (
    WorkerBusy,
    WorkerLeaseLost,
    job_run_next,
    jobs_requeue_abandoned,
    periodic_enqueue,
    worker_heartbeat,
    worker_lease_acquire,
    worker_lease_release,
    worker_lease_renew,
)


def _stop(signum: int, frame: Any) -> None:
    # `kill` (as `make run` does on exit) ends the worker like Ctrl-C: the lease is given
    # back, so a worker started right after does not have to wait for it to go stale.
    raise SystemExit(0)


class Command(BaseCommand):
    help = (
        "Run queued background jobs (imports, exports, e-mails) and the periodic ones "
        "(reminders) until stopped. One worker runs per database: a second one refuses to "
        "start while the first is alive, and takes over from one silent for two minutes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run what is queued or due, then stop"
        )
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        worker = f"{socket.gethostname()}:{os.getpid()}"
        try:
            previous = worker_lease_acquire(worker)
        except WorkerBusy as busy:
            raise CommandError(busy.message) from busy
        if previous:
            self.stderr.write(
                _("Took over from worker %(worker)s, which had stopped showing signs of life.")
                % {"worker": previous}
            )
        main = threading.current_thread() is threading.main_thread()
        before = signal.signal(signal.SIGTERM, _stop) if main else None
        try:
            with worker_heartbeat():
                self._loop(once, interval)
        except WorkerLeaseLost as lost:
            raise CommandError(
                _("This worker was silent for too long and another one took over; it stops here.")
            ) from lost
        finally:
            worker_lease_release()
            if main and before is not None:
                signal.signal(signal.SIGTERM, before)

    def _loop(self, once: bool, interval: float) -> None:
        jobs_requeue_abandoned()
        while True:
            worker_lease_renew()
            periodic_enqueue()
            while job_run_next():
                worker_lease_renew()
            if once:
                return
            time.sleep(interval)
