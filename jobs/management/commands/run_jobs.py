import os
import signal
import socket
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobs.services import (
    WAIT_EVERY,
    WorkerBusy,
    WorkerLeaseLost,
    worker_heartbeat,
    worker_lease_release,
    worker_lease_wait,
    worker_pass,
)


def _stop(signum: int, frame: Any) -> None:
    # `kill` (as `make run` does on exit) and a hangup (the terminal closed, the SSH session
    # lost) end the worker like Ctrl-C: the lease is given back, so a worker started right
    # after does not have to wait for it to go stale.
    raise SystemExit(0)


def _stop_signals() -> list[signal.Signals]:
    stops = [signal.SIGTERM]
    hangup = getattr(signal, "SIGHUP", None)  # not on Windows
    # Started under nohup, the worker was asked to outlive the terminal: leave that be.
    if hangup is not None and signal.getsignal(hangup) is not signal.SIG_IGN:
        stops.append(hangup)
    return stops


class Command(BaseCommand):
    help = (
        "Run queued background jobs (imports, exports, e-mails) and the periodic ones "
        "(reminders) until stopped. One worker runs per database: a second one waits while "
        "the first is alive (with --once it exits instead), and takes over from one that has "
        "stopped or has been silent for two minutes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="run what is queued or due, then stop; exit at once if another worker runs",
        )
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--wait-every",
            type=float,
            default=WAIT_EVERY,
            help="while another worker holds the lease, look again this often (seconds)",
        )

    def handle(
        self, *args: Any, once: bool, interval: float, wait_every: float, **options: Any
    ) -> None:
        worker = f"{socket.gethostname()}:{os.getpid()}"
        main = threading.current_thread() is threading.main_thread()
        before = {stop: signal.signal(stop, _stop) for stop in _stop_signals()} if main else {}
        # Every way out, including Ctrl-C's KeyboardInterrupt, passes the `finally` that gives
        # the lease back.
        try:
            previous = worker_lease_wait(
                worker, wait=not once, every=wait_every, on_wait=self._waiting
            )
            if previous:
                self.stderr.write(
                    _("Took over from worker %(worker)s, which had stopped showing signs of life.")
                    % {"worker": previous}
                )
            with worker_heartbeat():
                self._loop(once, interval)
        except WorkerBusy as busy:
            raise CommandError(busy.message) from busy
        except WorkerLeaseLost as lost:
            raise CommandError(
                _("This worker was silent for too long and another one took over; it stops here.")
            ) from lost
        finally:
            worker_lease_release()
            for stop, handler in before.items():
                if handler is not None:  # None: set outside Python, cannot be put back
                    signal.signal(stop, handler)

    def _waiting(self, busy: WorkerBusy) -> None:
        self.stderr.write(busy.waiting)

    def _loop(self, once: bool, interval: float) -> None:
        while True:
            passed = worker_pass()
            if once:
                if not passed:
                    raise CommandError(
                        _("The worker stopped on a database error; the log above says which.")
                    )
                return
            time.sleep(interval)
