"""Gunicorn as `make run-prod` starts it (jiebang/gunicorn.conf.py, our virtualenv), for the
tests that need the real server process: the deployment checks and the database fault test."""

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.conftest import HOST, ROOT, _free_port, _port_answers, _stop

STARTUP_SECONDS = 60


@contextmanager
def gunicorn_serving(env: dict[str, str], folder: Path) -> Iterator[str]:
    """Start gunicorn with `env` (its PORT chosen here), yield its base URL, stop it. Its log
    is folder/gunicorn.log, and the test fails with it when the server does not start."""
    port = _free_port()
    env = {**env, "PORT": str(port), "GUNICORN_ACCESS_LOG": str(folder / "access.log")}
    log = folder / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 (gunicorn from our venv, fixed arguments)
            [sys.executable, "-m", "gunicorn", "-c", "jiebang/gunicorn.conf.py", "jiebang.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _port_answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield f"http://{HOST}:{port}"
    finally:
        _stop(process)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to look at, not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None
