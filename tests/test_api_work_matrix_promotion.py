"""The promotion matrix (`tests.test_promotion_permissions_matrix`) over the API: the same
`ALLOWED` table and world decide who reads the batches (推广批次) through `/api/`: published
ones by everybody, signed in or not, as on the public pages; the draft batch by the national
level only (listed for nobody else, 404 for them); and who answers a measure for a unit in a
tracking round (武侯区 and the park): the unit's own level and those above it, as on the page."""

from tests.matrix import ApiAct, Matrix, shared_world
from tests.test_promotion_permissions_matrix import ACTIONS, ALLOWED, ANSWER, build_world

built_world, world = shared_world(build_world)

API = {
    "batches": ApiAct("get", lambda w: "/api/batches/", shows=lambda w: f'"id":{w.first.pk},'),
    "draft_listed": ApiAct("get", lambda w: "/api/batches/", shows=lambda w: f'"id":{w.draft.pk},'),
    "batch": ApiAct("get", lambda w: f"/api/batches/{w.first.pk}/"),
    "draft_batch": ApiAct("get", lambda w: f"/api/batches/{w.draft.pk}/"),
    # A unit's answer on one measure in the open round: the page's form, as JSON.
    "wuhou_answer": ApiAct(
        "post",
        lambda w: "/api/adoption-records/answer/",
        lambda w: {
            "round": w.round.pk,
            "unit_kind": "division",
            "unit": w.wuhou.pk,
            "measure": w.second_measure.pk,
            **ANSWER,
        },
        shows=lambda w: '"status":"landed"',
    ),
    "park_answer": ApiAct(
        "post",
        lambda w: "/api/adoption-records/answer/",
        lambda w: {
            "round": w.round.pk,
            "unit_kind": "park",
            "unit": w.park.pk,
            "measure": w.measure.pk,
            **ANSWER,
        },
        shows=lambda w: '"status":"landed"',
    ),
}

MATRIX = Matrix(ALLOWED, ACTIONS, headers={"Accept-Language": "en"}, api=API)


def test_every_api_action_is_an_action_of_the_table():
    assert set(API) <= set(ACTIONS)


class TestApiCells(MATRIX.api_cells()):  # type: ignore[misc]
    pass
