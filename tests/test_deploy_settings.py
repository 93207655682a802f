"""Production settings (issue #14: "`DEBUG` and `SECRET_KEY` default to development values with
no refusal to start; `check --deploy` warns W004, W008, W009, W012, W016").

Production mode is PRODUCTION=1 (what `make run-prod` sets). Each case runs the settings for
real in a subprocess with the environment an operator would give it: they refuse to start with
DEBUG on or without a secret key of the site's own, `check --deploy` finds nothing with the
defaults (a site behind a proxy that terminates HTTPS), and `make run-prod`'s plain HTTP on
loopback is an explicit switch whose cost `check --deploy` still names. Gunicorn then serves
both ways: redirecting plain HTTP to HTTPS and sending secure cookies and HSTS behind the proxy,
and plain HTTP on loopback as `make run-prod` does.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from jiebang.env import DEVELOPMENT_SECRET_KEY
from tests.appserver import NoRedirect, gunicorn_serving
from tests.browser.conftest import MANAGE, ROOT

# Settings read from the environment that would change what is tested here.
OVERRIDDEN = (
    "DEBUG",
    "PRODUCTION",
    "SECRET_KEY",
    "BEHIND_HTTPS_PROXY",
    "HSTS_SECONDS",
    "HSTS_INCLUDE_SUBDOMAINS",
    "HSTS_PRELOAD",
    "TRUSTED_PROXY_COUNT",
    "ALLOWED_HOSTS",
    "STATIC_MANIFEST",
)
# What `make run-prod` adds to production mode to serve plain HTTP on loopback (Makefile).
RUN_PROD_PLAIN_HTTP = {"BEHIND_HTTPS_PROXY": "0"}


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDDEN}
    env.update(PRODUCTION="1", SECRET_KEY=secrets.token_urlsafe(50), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# Refusing to start --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"DEBUG": "1"}, "DEBUG"),
        ({"SECRET_KEY": ""}, "needs SECRET_KEY"),
        ({"SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "development SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(50)}, "development SECRET_KEY"),
        ({"SECRET_KEY": "short-but-random-" + secrets.token_hex(8)}, "too short"),
        ({"SECRET_KEY": "ab" * 40}, "too short or too simple"),
    ],
)
def test_production_refuses_to_start_insecurely(extra, named):
    done = manage(production_env(**extra), "check")
    assert done.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in done.stderr
    assert named in done.stderr


def test_production_needs_the_key_in_the_environment():
    env = production_env()
    del env["SECRET_KEY"]
    done = manage(env, "check")
    assert done.returncode != 0
    assert "PRODUCTION=1 needs SECRET_KEY in the environment" in done.stderr


def test_development_still_starts_with_the_development_key():
    env = production_env()
    del env["PRODUCTION"], env["SECRET_KEY"]
    done = manage(env, "check")
    assert done.returncode == 0, done.stderr


# check --deploy --------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_the_production_defaults():
    done = manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_plain_http_is_an_explicit_switch_that_check_deploy_still_names():
    """`make run-prod` on loopback: the HTTPS settings are off, and the check says so."""
    done = manage(production_env(**RUN_PROD_PLAIN_HTTP), "check", "--deploy")
    found = set(re.findall(r"\(security\.(W\d+)\)", done.stdout + done.stderr))
    assert found == {"W004", "W008", "W012", "W016"}


def test_make_run_prod_sets_production_mode_and_plain_http():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun-prod:", 1)[1].split("\n\n", 1)[0]
    assert "PRODUCTION=1" in recipe
    assert "BEHIND_HTTPS_PROXY=$${BEHIND_HTTPS_PROXY:-0}" in recipe


PRINT_SETTINGS = """
import json
from django.conf import settings
names = ["SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
         "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_HTTPONLY", "DEBUG"]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def test_the_production_defaults_are_those_of_https_behind_a_proxy():
    done = manage(production_env(), "shell", "-v0", "-c", PRINT_SETTINGS)
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert values["DEBUG"] is False


# Gunicorn in production mode --------------------------------------------------------------------


@contextmanager
def gunicorn(env: dict[str, str], folder: Path) -> Iterator[str]:
    """Gunicorn as `make run-prod` starts it (one worker), on an empty SQLite file: the login
    page needs no table."""
    env = {**env, "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}", "WEB_CONCURRENCY": "1"}
    with gunicorn_serving(env, folder) as base:
        yield base


def fetch(url: str, **headers: str):
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    try:
        return opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        return error


def test_gunicorn_behind_the_https_proxy_redirects_plain_http_and_sends_secure_cookies(tmp_path):
    with gunicorn(production_env(), tmp_path) as url:
        plain = fetch(f"{url}/accounts/login/")
        assert plain.status == 301
        assert plain.headers["Location"] == url.replace("http:", "https:") + "/accounts/login/"
        proxied = fetch(f"{url}/accounts/login/", **{"X-Forwarded-Proto": "https"})
        assert proxied.status == 200
        assert "max-age=31536000" in proxied.headers["Strict-Transport-Security"]
        cookie = proxied.headers["Set-Cookie"]
        assert cookie.startswith("csrftoken=") and "Secure" in cookie
        assert "default-src 'self'" in proxied.headers["Content-Security-Policy"]


def test_gunicorn_as_make_run_prod_serves_plain_http_on_loopback(tmp_path):
    with gunicorn(production_env(**RUN_PROD_PLAIN_HTTP), tmp_path) as url:
        page = fetch(f"{url}/accounts/login/")
        assert page.status == 200
        assert "Strict-Transport-Security" not in page.headers
        assert "Secure" not in page.headers["Set-Cookie"]
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
