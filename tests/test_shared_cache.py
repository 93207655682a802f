"""With REDIS_URL set, every process (each gunicorn worker, each app server) reads the one
cache: what one writes, another reads. Two separate Python processes play the two servers."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parent.parent


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not redis_answers(), reason=f"no Redis at {REDIS_URL}")


def in_another_server(code: str, prefix: str, **extra: str) -> str:
    """Run `code` in a fresh process configured by jiebang/settings.py from the environment
    (and `extra`)."""
    env = {
        **os.environ,
        **extra,
        "DJANGO_SETTINGS_MODULE": "jiebang.settings",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
    }
    setup = (
        "import django; django.setup(); "
        "from django.core.cache import caches; cache = caches['default']; "
    )
    done = subprocess.run(  # noqa: S603 (our own Python with fixed code)
        [sys.executable, "-c", setup + code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_what_one_server_caches_another_reads() -> None:
    prefix = f"jiebang-test-{uuid.uuid4().hex[:8]}"
    try:
        backend = in_another_server(
            "cache.set('lockout:sichuan', 3, 60); print(type(cache).__name__)", prefix
        )
        assert backend == "RedisCache"
        assert in_another_server("print(cache.get('lockout:sichuan'))", prefix) == "3"
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_sessions_are_read_from_the_shared_cache_and_a_logout_reaches_every_server() -> None:
    """cached_db with Redis: a session one server wrote is read by another without the
    database, and once one server deletes it (a logout), no server accepts it any longer.
    Without REDIS_URL the sessions are the database's alone (a per-process memory cache would
    keep a logged-out session alive in the other workers)."""
    prefix = f"jiebang-test-{uuid.uuid4().hex[:8]}"
    engine = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    assert in_another_server(engine, prefix).endswith(".cached_db")
    plain = subprocess.run(  # noqa: S603 (our own Python with fixed code)
        [sys.executable, "-c", f"import django; django.setup(); {engine}"],
        env={
            k: v
            for k, v in {**os.environ, "DJANGO_SETTINGS_MODULE": "jiebang.settings"}.items()
            if k != "REDIS_URL"
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert plain.stdout.strip() == "django.contrib.sessions.backends.db"
    key = None
    try:
        session = (
            "from django.contrib.sessions.backends.cached_db import SessionStore; "
            "from django.contrib.sessions.models import Session; "
        )
        # The database here is SQLite in a temporary file shared by the two processes.
        db = Path(os.environ.get("TMPDIR", "/tmp")) / f"{prefix}.sqlite3"
        url = {"DATABASE_URL": f"sqlite:///{db}"}
        try:
            subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", "migrate", "sessions", "-v0"],
                env={**os.environ, **url, "DJANGO_SETTINGS_MODULE": "jiebang.settings"},
                cwd=ROOT,
                check=True,
                timeout=120,
            )
            key = in_another_server(
                session + "s = SessionStore(); s['who'] = '四川'; s.create(); print(s.session_key)",
                prefix,
                **url,
            )
            read = in_another_server(
                session + "from django.db import connection; "
                "from django.test.utils import CaptureQueriesContext; "
                "c = CaptureQueriesContext(connection); c.__enter__(); "
                f"print(SessionStore('{key}').get('who'), len(c))",
                prefix,
                **url,
            )
            assert read == "四川 0"
            in_another_server(session + f"SessionStore('{key}').delete()", prefix, **url)
            after = f"print(SessionStore('{key}').get('who'))"
            assert in_another_server(session + after, prefix, **url) == "None"
        finally:
            db.unlink(missing_ok=True)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for found in client.scan_iter(f"{prefix}*"):
            client.delete(found)
