"""Task evaluations and replicable outcomes through the API: each role's lists hold exactly
what `evaluation.rules` gives it (the same visibility the pages read), the lists' gates are
the pages', the filters narrow, and no list costs a query per row.

The world is the evaluation matrix's (`tests.test_evaluation_permissions_matrix.build_world`):
commissions in progress and delivered, a draft and a confirmed outcome."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from evaluation import rules
from tests.matrix import shared_world
from tests.test_evaluation_permissions_matrix import ALLOWED, build_world

built_world, world = shared_world(build_world)
ROLES = [role for role in ALLOWED if role != "anonymous"]


def api(user) -> Client:
    token = Token.objects.get_or_create(user=user)[0].key
    return Client(headers={"Authorization": f"Token {token}", "Accept-Language": "en"})


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


class TestScope:
    @pytest.mark.parametrize("role", ROLES)
    def test_evaluations_are_the_ones_the_user_may_read(self, world, role):
        user = world.users[role]
        response = api(user).get("/api/evaluations/", {"page_size": 200})
        if not rules.can_open_stage(user):
            assert response.status_code == 403
            return
        expected = sorted(rules.TASK_EVALUATIONS.queryset(user).values_list("pk", flat=True))
        assert ids(response) == expected
        # In progress: the national level and the evaluator only.
        assert (world.a_evaluation.pk in expected) is (role in ("national", "evaluator"))

    @pytest.mark.parametrize("role", ROLES)
    def test_outcomes_are_the_outcome_lists(self, world, role):
        user = world.users[role]
        response = api(user).get("/api/outcomes/", {"page_size": 200})
        if not rules.can_list_outcomes(user):
            assert response.status_code == 403
            return
        shown = ids(response)
        assert sorted(shown) == sorted(rules.OUTCOMES.queryset(user).values_list("pk", flat=True))
        assert (world.outcome_draft.pk in shown) is (role == "national")

    def test_anonymous_is_asked_to_authenticate(self, world):
        for url in ("/api/evaluations/", "/api/outcomes/"):
            assert Client().get(url).status_code == 401


class TestFilters:
    def test_outcomes_by_state(self, world):
        client = api(world.users["national"])
        assert ids(client.get("/api/outcomes/", {"state": "draft"})) == [world.outcome_draft.pk]
        assert ids(client.get("/api/outcomes/", {"state": "confirmed"})) == [
            world.outcome_confirmed.pk
        ]

    def test_evaluations_by_commission(self, world):
        client = api(world.users["national"])
        found = ids(client.get("/api/evaluations/", {"commission": world.a.pk}))
        assert found == sorted(world.a.evaluations.values_list("pk", flat=True))
        assert client.get("/api/evaluations/", {"rating": "superb"}).status_code == 400


class TestQueries:
    @pytest.mark.parametrize("url", ["/api/evaluations/", "/api/outcomes/"])
    def test_no_query_per_row(self, world, url):
        client = api(world.users["national"])
        client.get(url)
        counts = []
        for size in (1, 50):
            with CaptureQueriesContext(connection) as queries:
                rows = len(client.get(url, {"page_size": size}).json()["results"])
            counts.append((rows, len(queries)))
        (one, few), (many, more) = counts
        assert one == 1 and many >= 2
        assert few == more
