"""The database restarting while the app runs (issue #14: "a database restart during use
(requests in flight fail cleanly, the app recovers without a restart)").

What a restart of PostgreSQL does to the app is end each of its connections: here they are
ended with pg_terminate_backend, on the test's own database, so that the server others use
keeps running. The app runs for real (gunicorn, in production mode, as `make run-prod`
starts it). A request caught in flight, in the middle of saving a proposal, answers the site's
own 503 page (no traceback) and leaves nothing behind: neither the proposal nor its audit
entry. Connections ended between requests cost nothing: the next request answers 200, with
one connection per request (the default) and with connections kept between requests
(DB_CONN_MAX_AGE, checked before reuse by CONN_HEALTH_CHECKS).
"""

import http.cookiejar
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Role
from audit.models import AuditEntry
from proposals.models import Proposal
from tests.appserver import NoRedirect, gunicorn_serving
from tests.browser.conftest import HOST
from tests.conftest import PASSWORD, division, make_user, open_cycle, proposal_data

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="ends the app's connections with PostgreSQL's pg_terminate_backend",
)

# The app's connections carry this name (libpq's PGAPPNAME), so that only they are ended.
APP_NAME = "jiebang-fault-test"
WAIT_SECONDS = 30
TITLE = "数据库重启时提交的建议书"


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back(reference_data_back):
    """Transactional tests empty the tables; the reference data comes back after."""


def admin_dsn() -> str:
    db = connection.settings_dict
    return (
        f"host={db['HOST'] or HOST} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    )


@contextmanager
def app_server(folder: Path, conn_max_age: int) -> Iterator[str]:
    """Gunicorn on the test database, in production mode with `make run-prod`'s plain HTTP."""
    db = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "TRUSTED_PROXY_COUNT")},
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or HOST}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "PGAPPNAME": APP_NAME,
        "DB_CONN_MAX_AGE": str(conn_max_age),
        "PRODUCTION": "1",
        "BEHIND_HTTPS_PROXY": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "WEB_CONCURRENCY": "2",
        "MEDIA_ROOT": str(folder / "media"),
    }
    with gunicorn_serving(env, folder) as base:
        yield base


class Visitor:
    """One person's browser: cookies kept, redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, dict]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken") or ""

    def log_in(self, username: str) -> None:
        assert self.request("/accounts/login/")[0] == 200
        status, _page, headers = self.request(
            "/accounts/login/", {"username": username, "password": PASSWORD}
        )
        assert status == 302, "the login failed"


def app_backends(conn: psycopg.Connection) -> list[tuple[int, str | None]]:
    rows = conn.execute(
        "SELECT pid, wait_event_type FROM pg_stat_activity WHERE application_name = %s",
        [APP_NAME],
    ).fetchall()
    return [(pid, wait) for pid, wait in rows]


def end_app_connections(conn: psycopg.Connection) -> int:
    """What a restart of the database does to the app: every one of its connections ends."""
    ended = conn.execute(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = %s) AS ended",
        [APP_NAME],
    ).fetchone()
    return int(ended[0]) if ended else 0


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited in vain for {what}")
        time.sleep(0.05)
    return result


def unavailable_title() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("The platform is briefly unavailable")


def proposal_form(title: str) -> dict[str, str]:
    data = proposal_data(title=title)
    data["field"] = str(data["field"].pk)
    del data["needs_national_authority"]  # an unticked checkbox is not posted
    return {name: str(value) for name, value in data.items()}


def created_entries() -> int:
    return AuditEntry.objects.filter(action="proposal.created").count()


@pytest.mark.django_db(transaction=True)
def test_the_database_restarting_during_use(tmp_path):
    national = make_user("national", Role.NATIONAL)
    sichuan = make_user("sichuan", Role.LOCALITY, division=division("510000"))
    # The tests hash passwords with a fast hasher the app does not know: the app's own.
    sichuan.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    sichuan.save(update_fields=["password"])
    open_cycle(national)
    # One connection per request (the default), then connections kept between requests.
    for conn_max_age in (0, 60):
        folder = tmp_path / str(conn_max_age)
        folder.mkdir()
        restart_during_use(folder, conn_max_age, title=f"{TITLE}（{conn_max_age}）")


def restart_during_use(folder: Path, conn_max_age: int, title: str) -> None:
    with (
        app_server(folder, conn_max_age) as base,
        psycopg.connect(admin_dsn(), autocommit=True) as watcher,
    ):
        sichuan = Visitor(base)
        sichuan.log_in("sichuan")
        assert sichuan.request("/")[0] == 200

        # Between requests: the next request answers as if nothing happened.
        ended = end_app_connections(watcher)
        if conn_max_age:
            assert ended >= 1, "a kept connection was open to be ended"
        assert sichuan.request("/")[0] == 200
        assert sichuan.request("/proposals/")[0] == 200

        # In flight: the audit trail is held by another session, so the request saving a
        # proposal waits inside its transaction, the proposal written and its audit entry
        # not yet, when the database goes away.
        entries = created_entries()
        answers: list[tuple[int, str, dict]] = []
        with psycopg.connect(admin_dsn()) as holder:
            holder.execute(f"LOCK TABLE {AuditEntry._meta.db_table} IN SHARE MODE")
            saving = threading.Thread(
                target=lambda: answers.append(
                    sichuan.request("/proposals/new/", proposal_form(title))
                )
            )
            saving.start()
            wait_for(
                lambda: any(wait == "Lock" for _pid, wait in app_backends(watcher)),
                "the request to wait on the audit trail",
            )
            assert end_app_connections(watcher) >= 1
            saving.join(timeout=WAIT_SECONDS)
            holder.rollback()
        assert not saving.is_alive()
        [(status, page, headers)] = answers
        assert status == 503
        assert headers["Retry-After"] == "60"
        assert '<html lang="zh-CN">' in page
        assert unavailable_title() in page
        assert "Traceback" not in page and "OperationalError" not in page
        # Nothing half-written: neither the proposal nor an audit entry of it.
        assert not Proposal.objects.filter(title=title).exists()
        assert created_entries() == entries

        # The app recovered by itself: the same person saves the same proposal.
        status, page, headers = sichuan.request("/proposals/new/", proposal_form(title))
        assert status == 302, page[:2000]
        assert Proposal.objects.filter(title=title).count() == 1
        assert created_entries() == entries + 1
        assert sichuan.request("/proposals/")[0] == 200
    # Without a restart: the two workers that started are the ones that answered throughout.
    log = (folder / "gunicorn.log").read_text(errors="replace")
    assert log.count("Booting worker") == 2, log
