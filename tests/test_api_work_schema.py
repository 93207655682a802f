"""Schemathesis over the implementation-to-promotion operations (`api.work`), with the tokens
of the roles that the whole-schema run (`tests.test_api_schema`) does not use: an implementer
(who files reports in bulk, 一次填报), the evaluator and a county. No server error, every
response as the schema documents it. The world has a task with an approved plan, so that the
implementer's filings reach the report services. The loading and the checks are the
whole-schema run's."""

from typing import Any

from rest_framework.authtoken.models import Token

from tests.matrix import World, shared_world
from tests.test_api_schema import BOUNDED, CHECKS, keep_connection, load_schema  # noqa: F401
from tests.test_tasks_fixtures import task_world

ROLES = ("implementer", "evaluator", "county")
PATHS = r"^/api/(tasks|reports|evaluations|outcomes|batches|adoption-records)/"


def build_world(users: dict[str, Any]) -> World:
    task_world(users)
    tokens = {role: Token.objects.create(user=users[role]).key for role in ROLES}
    return World(users=users, tokens=tokens)


built_world, world = shared_world(build_world)


schema = load_schema(PATHS)


class TestWorkSchema:
    @schema.parametrize()
    @BOUNDED
    def test_no_server_error_and_responses_as_documented(self, case: Any, world: World) -> None:
        for role in ROLES:
            case.call_and_validate(
                headers={"Authorization": f"Token {world.tokens[role]}"}, checks=CHECKS
            )
