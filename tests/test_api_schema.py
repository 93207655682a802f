"""Schemathesis against the API's own OpenAPI schema, loaded from the app (no network).

Every operation the schema lists — this app's resources and `api.work`'s alike, since it
iterates the schema — is called with a few generated requests (derandomized: the same ones on
every run), with the token of each of three roles: the national coordinator, a province's
coordinator and an expert. No request may answer a server error, and every response must be
what the schema says it is.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.conftest import make_proposal, open_cycle
from tests.matrix import World, shared_world

# Named for pytest-django, which sets up the test databases for the tests that ask for them:
# it does not see the fixtures of the items schemathesis makes.
pytestmark = pytest.mark.django_db

ROLES = ("national", "sichuan", "expert")
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def build_world(users: dict[str, Any]) -> World:
    """A little of everything, so that generated ids sometimes name a real object."""
    cycle = open_cycle(users["national"])
    make_proposal(cycle, users["sichuan"], title="四川草稿")
    make_proposal(cycle, users["sichuan"], state="submitted", title="四川已报送")
    tokens = {role: Token.objects.create(user=users[role]).key for role in ROLES}
    return World(users=users, tokens=tokens)


built_world, world = shared_world(build_world)


@contextmanager
def connection_kept() -> Iterator[None]:
    """What Django's test client does around a request: the app must not close the test
    database's connection at the request's start or end (the WSGI handler would)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def keep_connection() -> Iterator[None]:
    with connection_kept():
        yield


# A few derandomized examples per operation, the same on every run (the suite's time bound).
BOUNDED = settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def load_schema(paths: str | None = None) -> Any:
    """The schema as the app serves it, through its WSGI handler (no network, no database:
    the schema view reads none). Loaded at collection, so that each operation is a test."""
    with connection_kept():
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    # Generated requests only (the fuzzing phase), a few per operation: the coverage phase's
    # exhaustive boundary cases would take minutes over every operation.
    schema.config.phases.coverage.enabled = False
    schema.config.phases.examples.enabled = False
    return schema if paths is None else schema.include(path_regex=paths)


schema = load_schema()


class TestSchema:
    @schema.parametrize()
    @BOUNDED
    def test_no_server_error_and_responses_as_documented(self, case: Any, world: World) -> None:
        for role in ROLES:
            case.call_and_validate(
                headers={"Authorization": f"Token {world.tokens[role]}"}, checks=CHECKS
            )
