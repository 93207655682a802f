"""The implementation matrix (`tests.test_tasks_permissions_matrix`) over the API: the same
`ALLOWED` table and the same world decide who may read a task, list the tasks, file a report
and read a report through `/api/`, and how the others are refused (401 anonymous, 403 seen but
not allowed, 404 not seen). The harness is `tests.matrix` (`ApiAct`, `api_cells`)."""

from tests.matrix import ApiAct, Matrix, shared_world
from tests.test_tasks_permissions_matrix import ACTIONS, ALLOWED, build_world

built_world, world = shared_world(build_world)

API = {
    "view_task": ApiAct(
        "get", lambda w: f"/api/tasks/{w.task.pk}/", shows=lambda w: f'"title":"{w.task.title}"'
    ),
    "list": ApiAct("get", lambda w: "/api/tasks/", shows=lambda w: f'"id":{w.task.pk},"title"'),
    # The page starts the period's report; the API files it whole (一次填报): the write the
    # page's cell checks (a report of the period exists) is the same.
    "start_report": ApiAct(
        "post",
        lambda w: f"/api/tasks/{w.task.pk}/reports/",
        lambda w: {"year": w.start_period[0], "period": w.start_period[1], "done": "接口报送"},
        status=201,
    ),
    "view_submitted_report": ApiAct(
        "get",
        lambda w: f"/api/reports/{w.submitted_report.pk}/",
        shows=lambda w: f'"id":{w.submitted_report.pk},',
    ),
    "view_draft_report": ApiAct(
        "get",
        lambda w: f"/api/reports/{w.draft_report.pk}/",
        shows=lambda w: f'"id":{w.draft_report.pk},',
    ),
}

MATRIX = Matrix(ALLOWED, ACTIONS, headers={"Accept-Language": "en"}, api=API)


def test_every_api_action_is_an_action_of_the_table():
    assert set(API) <= set(ACTIONS)


class TestApiCells(MATRIX.api_cells()):  # type: ignore[misc]
    pass
