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


def in_another_server(code: str, prefix: str) -> str:
    """Run `code` in a fresh process configured by jiebang/settings.py from the environment."""
    env = {
        **os.environ,
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
