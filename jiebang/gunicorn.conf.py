"""Gunicorn's settings for `make run-prod` (gunicorn -c jiebang/gunicorn.conf.py jiebang.wsgi).

Every value can be changed from the environment; a worker keeps no state of its own (sessions
are in the database, the cache in Redis or the database, uploads in MEDIA_ROOT or an
S3-compatible bucket), so the same settings serve one machine or several behind a load balancer.
"""

import multiprocessing
import os

# Loopback by default; behind a load balancer, GUNICORN_BIND=0.0.0.0:8000 (or the address the
# balancer reaches).
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")

# Gunicorn's own rule of thumb, 2 x cores + 1 synchronous workers, bounded so that a large
# machine does not open more database connections than PostgreSQL's default 100 allows for
# several app servers. WEB_CONCURRENCY (gunicorn's own variable) overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(2 * multiprocessing.cpu_count() + 1, 12))))
worker_class = "sync"

# The app is loaded once, before the workers are forked, and warmed there (kernel.warmup: the
# URL resolver, every template compiled, the catalogues loaded): each worker, and each worker
# that replaces a recycled one, starts warm instead of paying for it on its first pages. Code
# changes therefore need a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def when_ready(server: object) -> None:
    """In the master, after the preloaded app, before the first fork."""
    if preload_app:
        from kernel.warmup import warm

        warm()


# Long work (the reviewer assignment, merge suggestions, big exports and imports) runs as
# background jobs, so no request should come near this; it only ends a stuck worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Recycle a worker after this many requests (with jitter, so they do not all restart at once):
# whatever a long run leaks is given back.
max_requests = 2000
max_requests_jitter = 200

# Heartbeat files in memory rather than on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# Gunicorn's usual line, then the time taken (seconds) and the worker (<its process id>).
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)ss worker=%(p)s'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "jiebang"
# No control socket: it would sit at one path per user, shared by every gunicorn on the machine.
control_socket_disable = True
