"""Fixtures for the end-to-end browser tests.

The app runs for real in subprocesses (runserver and the job worker) on a fresh SQLite file
holding the demo data, and headless Chromium drives it. Nothing here touches the ORM or
pytest-django's test database. The demo database is migrated and loaded once per session;
each test module gets its own copy of it, and its own media folder, so that what one module
writes no other module sees.

Every page the browser lands on is audited with axe-core (WCAG 2.0/2.1 A and AA), every
request the page makes is recorded so a test can prove that no asset comes from off the
machine, and a test fails if the browser reports a breach of the Content-Security-Policy.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
MANAGE = ROOT / "manage.py"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
HOST = "127.0.0.1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
STARTUP_SECONDS = 30
DATABASE = "db.sqlite3"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def _manage(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _app_env(folder: Path) -> dict[str, str]:
    """The environment of the app whose database and media are in `folder`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jiebang.settings",
        "DATABASE_URL": f"sqlite:///{(folder / DATABASE).resolve()}",
        "MEDIA_ROOT": str(folder / "media"),
        # As in production, DEBUG is off, so the error pages are the site's own; runserver
        # then serves the static files only when told to (`--insecure`).
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("JOBS_RUN_INLINE", None)
    return env


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the migrated demo database (and any media the demo wrote), built once:
    migrate and load_demo take longer than most test modules."""
    folder = tmp_path_factory.mktemp("demo")
    env = _app_env(folder)
    _manage("migrate", "-v0", env=env)
    _manage("load_demo", env=env)
    return folder


@pytest.fixture(scope="module")
def app_folder(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's own copy of the demo database and media; a module may override this
    fixture to change the copy (with `manage`) before the app starts on it."""
    tmp = tmp_path_factory.mktemp("app")
    shutil.copy(demo_template / DATABASE, tmp / DATABASE)
    if (demo_template / "media").exists():
        shutil.copytree(demo_template / "media", tmp / "media")
    return tmp


def manage(folder: Path, *args: str) -> None:
    """Run a management command on the app whose database is in `folder`."""
    _manage(*args, env=_app_env(folder))


@pytest.fixture(scope="module")
def app_url(app_folder: Path) -> Iterator[str]:
    """The base URL of the real app serving the module's own copy of the demo database."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make setup` (npm ci installs axe-core)")
    tmp = app_folder
    env = _app_env(tmp)

    port = _free_port()
    commands = {
        "server": ["runserver", f"{HOST}:{port}", "--noreload", "--insecure"],
        "worker": ["run_jobs", "--interval", "0.5"],
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, args in commands.items():
            with open(tmp / f"{name}.log", "wb") as log:
                procs[name] = subprocess.Popen(  # noqa: S603
                    [sys.executable, str(MANAGE), *args],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _port_answers(port):
            for name, proc in procs.items():
                if proc.poll() is not None:
                    output = (tmp / f"{name}.log").read_text(errors="replace")
                    pytest.fail(f"the {name} exited with {proc.returncode}:\n{output}")
            if time.monotonic() > deadline:
                output = (tmp / "server.log").read_text(errors="replace")
                pytest.fail(f"runserver did not answer on port {port} in time:\n{output}")
            time.sleep(0.1)
        yield f"http://{HOST}:{port}"
    finally:
        for proc in procs.values():
            _stop(proc)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` (installs Debian's chromium)")
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@dataclass
class Violation:
    url: str
    rule: str
    impact: str
    help: str
    help_url: str
    targets: list[str]

    def __str__(self) -> str:
        nodes = "\n".join(f"      {t}" for t in self.targets)
        return f"  [{self.impact}] {self.rule}: {self.help}\n    {self.url}\n{nodes}"


@dataclass
class Site:
    """A browser tab on the app that audits each page it lands on and records every request."""

    page: Page
    base_url: str
    requests: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    audited: set[int] = field(default_factory=set)
    violations: list[Violation] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("framenavigated", self._navigated)
        # Chromium reports each script, style or request the policy blocked on the console.
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def _navigated(self, frame: object) -> None:
        if frame == self.page.main_frame:
            self.navigations.append(self.page.url)

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.ok, f"GET {path}: {response and response.status}"
        self.audit()

    def follow(self, locator: Locator) -> None:
        """Click something that loads a new page (a link or a form's button), then audit it."""
        with self.page.expect_navigation():
            locator.click()
        self.audit()

    def audit(self) -> None:
        """Run axe-core on the current page and keep every WCAG A/AA violation, whatever its
        impact: the issue asks for none."""
        self.page.wait_for_load_state("load")
        # Evaluated through the DevTools protocol: the site's Content-Security-Policy refuses
        # an inline <script>, as add_script_tag would insert.
        self.page.evaluate(AXE.read_text())
        result = self.page.evaluate(
            """tags => axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            })""",
            AXE_TAGS,
        )
        for item in result["violations"]:
            self.violations.append(
                Violation(
                    url=self.page.url,
                    rule=item["id"],
                    impact=item["impact"] or "",
                    help=item["help"],
                    help_url=item["helpUrl"],
                    targets=[", ".join(map(str, node["target"])) for node in item["nodes"]],
                )
            )
        self.audited.add(len(self.navigations) - 1)

    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def assert_accessible(self) -> None:
        unaudited = [url for i, url in enumerate(self.navigations) if i not in self.audited]
        assert not unaudited, f"pages loaded without an axe audit: {unaudited}"
        if self.violations:
            report = "\n".join(map(str, self.violations))
            pytest.fail(f"axe-core found WCAG A/AA violations:\n{report}", pytrace=False)

    def assert_local_only(self) -> None:
        foreign = [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and urlsplit(url).hostname != HOST
        ]
        assert self.requests, "no request was recorded"
        assert not foreign, f"requests left the app: {foreign}"


@pytest.fixture
def site(browser: Browser, app_url: str) -> Iterator[Site]:
    """A fresh browser context (no cookies) in Chinese, as the app's users see it."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    site = Site(page=context.new_page(), base_url=app_url)
    yield site
    context.close()
    assert not site.csp_violations, "Content-Security-Policy breaches:\n" + "\n".join(
        site.csp_violations
    )


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
