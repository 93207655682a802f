"""The evaluation matrix (`tests.test_evaluation_permissions_matrix`) over the API: the same
`ALLOWED` table and world decide who reads a task's evaluation (in progress, delivered) and
the replicable outcomes (the list, a draft, a confirmed one) through `/api/`, and how the
others are refused (401 anonymous, 403 outside the list's gate, 404 not seen)."""

from tests.matrix import ApiAct, Matrix, shared_world
from tests.test_evaluation_permissions_matrix import ACTIONS, ALLOWED, build_world

built_world, world = shared_world(build_world)

API = {
    "view_evaluation_in_progress": ApiAct(
        "get",
        lambda w: f"/api/evaluations/{w.a_evaluation.pk}/",
        shows=lambda w: f'"id":{w.a_evaluation.pk},',
    ),
    "view_evaluation_delivered": ApiAct(
        "get",
        lambda w: f"/api/evaluations/{w.d_evaluation.pk}/",
        shows=lambda w: f'"id":{w.d_evaluation.pk},',
    ),
    "outcomes": ApiAct(
        "get", lambda w: "/api/outcomes/", shows=lambda w: f'"id":{w.outcome_confirmed.pk},'
    ),
    "view_outcome_draft": ApiAct(
        "get",
        lambda w: f"/api/outcomes/{w.outcome_draft.pk}/",
        shows=lambda w: f'"title":"{w.outcome_draft.title}"',
    ),
    "view_outcome_confirmed": ApiAct(
        "get",
        lambda w: f"/api/outcomes/{w.outcome_confirmed.pk}/",
        shows=lambda w: f'"title":"{w.outcome_confirmed.title}"',
    ),
}

MATRIX = Matrix(ALLOWED, ACTIONS, headers={"Accept-Language": "en"}, api=API)


def test_every_api_action_is_an_action_of_the_table():
    assert set(API) <= set(ACTIONS)


class TestApiCells(MATRIX.api_cells()):  # type: ignore[misc]
    pass
