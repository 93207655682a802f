"""The production server of `make run-prod`, started for real: gunicorn with several workers on
the project's gunicorn.conf.py, DEBUG off, the static files collected and served by WhiteNoise
under hashed names with a far-future Cache-Control, and a session that holds whichever worker
answers (issue #13: "App servers are stateless (sessions and cache in the database ...), so
several can run behind a load balancer").

The server runs twice: on PostgreSQL as `make run-prod` does (a database of its own at
127.0.0.1:5432, migrated and loaded with the demo, dropped afterwards; skipped when no
PostgreSQL answers there), and on a copy of the migrated demo in a SQLite file, which needs no
database server. It is in the slow group (`browser`) with the other tests that start the app in
subprocesses.
"""

import http.cookiejar
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from demo.logins import DEMO_PASSWORD
from tests.browser.conftest import (  # noqa: F401 (demo_template is a fixture)
    DATABASE,
    HOST,
    MANAGE,
    ROOT,
    _app_env,
    _free_port,
    _port_answers,
    _stop,
    demo_template,
)

pytestmark = pytest.mark.browser

WORKERS = 3
PG_ADDRESS = ("127.0.0.1", 5432)
STARTUP_SECONDS = 60
FAR_FUTURE = 365 * 24 * 3600  # a year or more: the file's name changes when its content does
STYLESHEET = re.compile(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"')
WORKER_PID = re.compile(r'"GET / HTTP/1\.1" 200 .* worker=<(\d+)>$', re.MULTILINE)


@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]


def _run_manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def _postgres_answers() -> bool:
    try:
        with socket.create_connection(PG_ADDRESS, timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def _postgres_demo() -> Iterator[str]:
    """A new PostgreSQL database, migrated and holding the demo; dropped on the way out."""
    if not _postgres_answers():
        pytest.skip("no PostgreSQL answers at 127.0.0.1:5432 (make run-prod needs one)")
    name = f"jiebang_prodtest_{secrets.token_hex(4)}"
    admin = f"host={PG_ADDRESS[0]} port={PG_ADDRESS[1]} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgres://postgres@{PG_ADDRESS[0]}:{PG_ADDRESS[1]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def server(
    request: pytest.FixtureRequest,
    demo_template: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    with ExitStack() as stack:
        folder = tmp_path_factory.mktemp("prod")
        env = _app_env(folder)
        if request.param == "postgresql":
            env["DATABASE_URL"] = stack.enter_context(_postgres_demo())
            _run_manage(env, "migrate", "-v0")
            _run_manage(env, "load_demo")
        else:
            shutil.copy(demo_template / DATABASE, folder / DATABASE)
        yield stack.enter_context(_gunicorn(env, folder))


@contextmanager
def _gunicorn(app_env: dict[str, str], folder: Path) -> Iterator[Server]:
    port = _free_port()
    env = {
        **app_env,
        # As `make run-prod` sets them (DEBUG is already off in _app_env).
        "STATIC_MANIFEST": "1",
        "STATIC_ROOT": str(folder / "static"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(WORKERS),
    }
    _run_manage(env, "collectstatic", "--noinput", "-v0")
    log = folder / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 (gunicorn from our venv, fixed arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "jiebang" / "gunicorn.conf.py"),
                "jiebang.wsgi",
            ],
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
            time.sleep(0.1)
        yield Server(url=f"http://{HOST}:{port}", log=log, process=process)
    finally:
        _stop(process)


class Browser:
    """One user's cookies, as a browser would keep them."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, str, dict[str, str]]:
        """Status, final path after redirects, body and headers."""
        with self.opener.open(self.base_url + path, timeout=60) as response:
            final = urllib.parse.urlsplit(response.url).path
            return int(response.status), final, response.read().decode(), dict(response.headers)

    def log_in(self, username: str) -> str:
        self.get("/accounts/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the app's own http://127.0.0.1 URL)
            self.base_url + "/accounts/login/",
            data=body,
            headers={"Referer": self.base_url + "/accounts/login/"},
        )
        with self.opener.open(request, timeout=60) as response:
            return urllib.parse.urlsplit(response.url).path


def test_login_page_in_chinese_with_its_stylesheet_cached_for_good(server: Server) -> None:
    browser = Browser(server.url)
    status, _path, page, _headers = browser.get("/accounts/login/")
    assert status == 200
    assert '<html lang="zh-CN">' in page
    assert "登录" in page

    # The page names the stylesheet by its hashed name, and WhiteNoise serves it, compressed
    # when asked, cacheable for good.
    match = STYLESHEET.search(page)
    assert match, "the login page does not link the hashed app.css"
    request = urllib.request.Request(  # noqa: S310 (the app's own http://127.0.0.1 URL)
        server.url + match.group(1), headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/css")
        assert response.headers["Content-Encoding"] == "gzip"
        cache = response.headers["Cache-Control"]
    max_age = re.search(r"max-age=(\d+)", cache)
    assert max_age and int(max_age.group(1)) >= FAR_FUTURE, cache
    assert "immutable" in cache

    # Nothing on the page comes from another host.
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_session_holds_across_the_workers(server: Server) -> None:
    browser = Browser(server.url)
    assert browser.log_in("national") == "/"

    # Many requests at once, so that the workers share them: each one sees the session the
    # login stored in the database, whichever worker answers.
    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        answers = list(pool.map(lambda _i: browser.get("/"), range(8 * WORKERS)))
    for status, path, page, _headers in answers:
        assert (status, path) == (200, "/")
        assert 'id="todo-heading"' in page

    time.sleep(0.5)  # the access log is written after the response
    pids = set(WORKER_PID.findall(server.log.read_text(errors="replace")))
    assert len(pids) >= 2, f"one worker answered every request: {pids}"


def test_stops_cleanly(server: Server) -> None:
    """Last in the module: the master stops its workers on SIGTERM and exits 0."""
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=40) == 0
    log = server.log.read_text(errors="replace")
    assert "Shutting down: Master" in log
    assert "Traceback" not in log
