"""The production server of `make run-prod` for the benchmarks: gunicorn on the project's
jiebang/gunicorn.conf.py, DEBUG off, the static files collected and served by WhiteNoise
(STATIC_MANIFEST), on a database given by URL, on a free loopback port; and a logged-in HTTP
client for it (urllib with a cookie jar, through the login form as a person would), and the
fields a browser would post from a page's form.
"""

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The server's log of the last run, kept for the tracebacks of any page that failed (var/ is
# not in the repository).
LOG = ROOT / "var" / "bench" / "gunicorn.log"
STARTUP_SECONDS = 90
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_url() -> str:
    """Where `make run-prod` finds its shared cache: REDIS_URL, else the local Redis if it
    answers; "" when none does (each worker then keeps its own memory cache)."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:  # noqa: BLE001 (any failure means: no shared cache)
        return ""
    return url


def app_env(database_url: str, folder: Path) -> dict[str, str]:
    """The environment `make run-prod` gives the app, on `database_url`: with Redis as the
    shared cache when it answers, under a key prefix of this run's own, so that nothing kept
    by an earlier run or for another database is read."""
    shared = redis_url()
    cache = {"REDIS_URL": shared, "CACHE_KEY_PREFIX": f"bench-{secrets.token_hex(6)}"}
    return {
        **os.environ,
        **(cache if shared else {}),
        "DATABASE_URL": database_url,
        # Production mode with run-prod's plain HTTP on loopback (Makefile).
        "PRODUCTION": "1",
        "BEHIND_HTTPS_PROXY": "0",
        "DEBUG": "0",
        "STATIC_MANIFEST": "1",
        "STATIC_ROOT": str(folder / "static"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GUNICORN_ACCESS_LOG": str(LOG.with_name("access.log")),
    }


@contextmanager
def production_server(database_url: str) -> Iterator[str]:
    """Collect the static files, start gunicorn on `database_url`, yield its base URL, stop it.
    Its log is left in var/bench/gunicorn.log."""
    with tempfile.TemporaryDirectory(prefix="jiebang-bench-") as tmp:
        folder = Path(tmp)
        port = free_port()
        env = {**app_env(database_url, folder), "PORT": str(port)}
        subprocess.run(  # noqa: S603 (our manage.py, fixed arguments)
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        LOG.parent.mkdir(parents=True, exist_ok=True)
        log = open(LOG, "wb")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(  # noqa: S603 (gunicorn from our venv, fixed arguments)
            [sys.executable, "-m", "gunicorn", "-c", "jiebang/gunicorn.conf.py", "jiebang.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if process.poll() is not None:
                    raise RuntimeError(LOG.read_text()[-3000:])
                try:
                    urllib.request.urlopen(f"{base}/accounts/login/", timeout=5).read()  # noqa: S310
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


class Browser:
    """One person's session: cookies kept, redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, timeout: float = 300) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self, username: str, password: str) -> None:
        status, page = self.get("/accounts/login/")
        match = CSRF_INPUT.search(page.decode())
        assert status == 200 and match, f"no login form ({status})"
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (our own http:// base)
            f"{self.base}/accounts/login/", data=data, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=60) as response:
            response.read()
        if not any(c.name == "sessionid" for c in self.jar):
            raise RuntimeError(f"could not log in as {username}")

    def session_cookie(self) -> str:
        return next(c.value or "" for c in self.jar if c.name == "sessionid")


class FormFields(HTMLParser):
    """The fields of the POST form holding a field `marker`, as the browser would send them."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.forms: list[dict[str, Any]] = []
        self.current: dict[str, Any] | None = None
        self.textarea: str | None = None
        self.select: str | None = None
        self.select_first = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.current = {"action": a.get("action", ""), "fields": []}
            self.forms.append(self.current)
        if tag == "option" and self.select and self.current is not None:
            fields = self.current["fields"]
            if self.select_first:  # the first option stands until one is selected
                fields.append([self.select, a.get("value", "")])
                self.select_first = False
            elif "selected" in a:
                fields[-1][1] = a.get("value", "")
            return
        if self.current is None or "name" not in a:
            return
        fields = self.current["fields"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file"):
                return
            fields.append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea":
            self.textarea = a["name"]
            fields.append([a["name"], ""])
        elif tag == "select":
            self.select = a["name"]
            self.select_first = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self.textarea and self.current:
            self.current["fields"][-1][1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.current = None

    def form(self) -> dict[str, Any] | None:
        for form in self.forms:
            if any(name == self.marker for name, _v in form["fields"]):
                return form
        return None
