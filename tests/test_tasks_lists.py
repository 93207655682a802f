"""The three lists of a claimant and the progress overview of a programme: who may see them,
that each .xlsx carries the page's figures, and that they cost a bounded number of queries."""

import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import Role
from regions.models import Organisation
from tasks import progress, selectors
from tasks.models import Task
from tasks.services import plans
from tasks.services.core import refresh_progress
from tests.conftest import client_for, make_user
from tests.jobfiles import exported
from tests.test_tasks_fixtures import approved_plan, task_world

KINDS = ["tasks", "responsibility", "landmark"]


@pytest.fixture
def w(users):
    world = task_world(users, approved=True)
    # Some progress: the first milestone done, the target half way.
    milestone = world.task.milestones.order_by("position").first()
    milestone.status, milestone.done_on = "done", datetime.date(2026, 2, 1)
    milestone.save()
    target = world.task.targets.get()
    target.actual = Decimal(100)
    target.save()
    refresh_progress(world.task)
    plans.task_update(
        task=world.task,
        by=users["sichuan"],
        responsible_person="李四",
        responsible_post="处长",
        responsible_phone="028-1234",
        landmark=True,
        weight=Decimal(2),
    )
    world.task = Task.objects.get(pk=world.task.pk)
    return world


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content), read_only=True)


def rows_of(sheet):
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]  # row 1: filters


def page_figures(html: str, attribute: str) -> dict[int, Decimal]:
    return {
        int(pk): Decimal(value)
        for pk, value in re.findall(rf'data-{attribute}="(\d+)">([\d.]+)', html)
    }


# Who may see them ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("national", 200, 200),
        ("sichuan", 200, 404),
        ("guangdong", 404, 200),
        ("region", 404, 404),
        ("implementer", 403, 403),
        ("expert", 403, 403),
        ("public", 403, 403),
    ],
)
def test_list_scope(users, w, kind, role, own, other):
    client = client_for(users[role])
    for claimant, status in ((w.sichuan, own), (w.guangdong, other)):
        assert client.get(f"/tasks/lists/{claimant.pk}/{kind}/").status_code == status
        assert client.get(f"/tasks/lists/{claimant.pk}/{kind}/xlsx/").status_code == status


def test_unknown_list_and_claimant_without_tasks_are_404(users, w):
    client = client_for(users["national"])
    assert client.get(f"/tasks/lists/{w.sichuan.pk}/other/").status_code == 404
    region = w.programme.claimants.get(region_group_id=1)
    assert client.get(f"/tasks/lists/{region.pk}/tasks/").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("national", 200), ("sichuan", 200), ("region", 404), ("implementer", 403), ("public", 403)],
)
def test_progress_scope(users, w, role, status):
    client = client_for(users[role])
    assert client.get(f"/tasks/progress/{w.programme.pk}/").status_code == status
    assert exported(client, f"/tasks/progress/{w.programme.pk}/xlsx/").status_code == status


def test_lists_index_lists_only_own_claimants(users, w):
    sichuan = client_for(users["sichuan"]).get("/tasks/lists/").content.decode()
    assert f"/tasks/lists/{w.sichuan.pk}/tasks/" in sichuan
    assert f"/tasks/lists/{w.guangdong.pk}/tasks/" not in sichuan
    national = client_for(users["national"]).get("/tasks/lists/").content.decode()
    assert f"/tasks/lists/{w.guangdong.pk}/tasks/" in national
    assert client_for(users["implementer"]).get("/tasks/lists/").status_code == 403


# Figures: page and sheet agree ---------------------------------------------------------------


def test_task_list_page_and_sheet_agree(users, w):
    client = client_for(users["sichuan"])
    html = client.get(f"/tasks/lists/{w.sichuan.pk}/tasks/", HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    figures = page_figures(text, "progress")
    assert figures == {t.pk: Task.objects.get(pk=t.pk).progress for t in w.sichuan_tasks}
    # One of two milestones done, the target half way: (1 + 0 + 0.5) / 3.
    assert figures[w.task.pk] == Decimal("50.0")
    assert "50.0%" in text and "overdue" in text
    claimant_figure = selectors.claimant_progress(Task.objects.filter(claimant=w.sichuan))[
        w.sichuan.pk
    ]
    assert f'id="claimant-progress">{claimant_figure}%' in text
    # Weighted by the task weights: the first task counts twice.
    assert claimant_figure == progress.weighted_mean(
        [(Decimal("50.0"), Decimal(2)), (Decimal(0), Decimal(1)), (Decimal(0), Decimal(1))]
    )
    rows = rows_of(workbook(client.get(f"/tasks/lists/{w.sichuan.pk}/tasks/xlsx/")).worksheets[0])
    task_rows = {r[1]: r for r in rows[1:] if r[6] in (None, "")}
    assert {t: Decimal(str(r[5])) for t, r in task_rows.items()} == {
        t.title: figures[t.pk] for t in w.sichuan_tasks
    }
    lines = [r for r in rows if r[1] == w.task.title]
    assert len(lines) == 1 + 2 + 1  # the task, its two milestones, its target
    assert lines[-1][9] == 100 and lines[-1][10] == "50.0%"
    assert lines[0][3] == "四川省科学技术厅"


def test_landmark_list_has_only_flagged_tasks(users, w):
    client = client_for(users["sichuan"])
    text = client.get(f"/tasks/lists/{w.sichuan.pk}/landmark/").content.decode()
    assert set(page_figures(text, "progress")) == {w.task.pk}
    rows = rows_of(
        workbook(client.get(f"/tasks/lists/{w.sichuan.pk}/landmark/xlsx/")).worksheets[0]
    )
    assert {r[1] for r in rows[1:]} == {w.task.title}
    empty = client_for(users["guangdong"]).get(
        f"/tasks/lists/{w.guangdong.pk}/landmark/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (
        "No task of this claimant is flagged as a landmark reform item." in empty.content.decode()
    )


def test_responsibility_list_names_who_answers_for_what(users, w):
    scu = Organisation.objects.get(name="四川大学")
    plans.implementer_add(task=w.task, by=users["sichuan"], organisation=scu, responsibility="人才")
    client = client_for(users["national"])
    text = client.get(f"/tasks/lists/{w.sichuan.pk}/responsibility/").content.decode()
    for expected in ("四川省科学技术厅", "四川大学", "人才", "李四", "处长", "028-1234"):
        assert expected in text
    rows = rows_of(
        workbook(
            client.get(
                f"/tasks/lists/{w.sichuan.pk}/responsibility/xlsx/", HTTP_ACCEPT_LANGUAGE="en"
            )
        ).worksheets[0]
    )
    assert rows[0] == [
        "No.",
        "Task",
        "Implementer",
        "Lead implementer",
        "Responsibility",
        "Responsible person",
        "Post",
        "Telephone",
    ]
    mine = [r for r in rows[1:] if r[1] == w.task.title]
    assert sorted((r[2], r[3], r[4]) for r in mine) == [
        ("四川大学", None, "人才"),
        ("四川省科学技术厅", "yes", None),
    ]
    assert all(r[5:] == ["李四", "处长", "028-1234"] for r in mine)
    # Tasks with no implementer yet still appear, once.
    assert len(rows) == 1 + 2 + 2


def test_search_narrows_page_and_sheet_alike(users, w):
    client = client_for(users["sichuan"])
    query = {"q": "科学技术厅"}
    text = client.get(f"/tasks/lists/{w.sichuan.pk}/tasks/", query).content.decode()
    assert set(page_figures(text, "progress")) == {w.task.pk}
    rows = rows_of(
        workbook(client.get(f"/tasks/lists/{w.sichuan.pk}/tasks/xlsx/", query)).worksheets[0]
    )
    assert {r[1] for r in rows[1:]} == {w.task.title}


def test_progress_overview_page_and_sheet_agree(users, w):
    client = client_for(users["national"])
    text = client.get(f"/tasks/progress/{w.programme.pk}/").content.decode()
    overall = selectors.programme_progress(w.programme)
    assert f'id="programme-progress">{overall}%' in text
    claimants = page_figures(text, "claimant")
    figures = selectors.claimant_progress(Task.objects.filter(programme=w.programme))
    assert claimants == figures and claimants[w.sichuan.pk] > 0
    assert overall == progress.weighted_mean((v, Decimal(1)) for v in figures.values())
    tasks = page_figures(text, "progress")
    assert tasks == {t.pk: t.progress for t in Task.objects.filter(programme=w.programme)}
    book = workbook(exported(client, f"/tasks/progress/{w.programme.pk}/xlsx/"))
    first, second = (rows_of(s) for s in book.worksheets)
    assert Decimal(str(first[1][2])) == overall and first[1][1] == 6
    by_name = {r[0]: Decimal(str(r[2])) for r in first[2:]}
    assert by_name == {
        w.sichuan.short_name: figures[w.sichuan.pk],
        w.guangdong.short_name: figures[w.guangdong.pk],
    }
    assert sorted(Decimal(str(r[4])) for r in second[1:]) == sorted(tasks.values())


def test_locality_sees_only_its_own_row_and_no_programme_figure(users, w):
    client = client_for(users["sichuan"])
    text = client.get(f"/tasks/progress/{w.programme.pk}/").content.decode()
    assert 'id="programme-progress"' not in text
    assert set(page_figures(text, "claimant")) == {w.sichuan.pk}
    assert set(page_figures(text, "progress")) == {t.pk for t in w.sichuan_tasks}
    book = workbook(exported(client, f"/tasks/progress/{w.programme.pk}/xlsx/"))
    first, second = (rows_of(s) for s in book.worksheets)
    assert [r[0] for r in first[1:]] == [w.sichuan.short_name]
    assert len(second) == 1 + 3


# Query counts --------------------------------------------------------------------------------


def _more(users, world):
    """Plans and implementers for Sichuan's other tasks, and a landmark flag on each."""
    for task in world.sichuan_tasks[1:]:
        plans.task_update(task=task, by=users["sichuan"], responsible_person="赵六", landmark=True)
        plans.implementer_add(
            task=task,
            by=users["sichuan"],
            organisation=users["implementer"].organisation,
            lead=True,
        )
        plans.implementer_add(
            task=task, by=users["sichuan"], organisation=Organisation.objects.get(name="四川大学")
        )
        approved_plan(task, users["sichuan"], users["implementer"])


@pytest.mark.parametrize(
    "url",
    [
        "/tasks/lists/{c}/tasks/",
        "/tasks/lists/{c}/responsibility/",
        "/tasks/lists/{c}/landmark/",
        "/tasks/lists/{c}/tasks/xlsx/",
        "/tasks/lists/{c}/responsibility/xlsx/",
        "/tasks/progress/{p}/",
        "/tasks/progress/{p}/xlsx/",
        "/tasks/lists/",
    ],
)
def test_list_query_count_does_not_grow(users, w, url, django_assert_max_num_queries):
    client = client_for(users["national"])
    address = url.format(c=w.sichuan.pk, p=w.programme.pk)
    # The progress workbook is a background job: counted are its queueing, run and download.
    job = address.startswith("/tasks/progress/") and address.endswith("/xlsx/")

    def fetch() -> Any:
        return exported(client, address) if job else client.get(address)

    fetch()
    with CaptureQueriesContext(connection) as small:
        assert fetch().status_code == 200
    _more(users, w)
    with django_assert_max_num_queries(len(small)):
        assert fetch().status_code == 200
    assert len(small) <= (45 if job else 15)  # a job: queued, claimed, run, downloaded


def test_another_implementer_is_refused_everywhere(users, w):
    other = make_user(
        "scu_impl", Role.IMPLEMENTER, organisation=Organisation.objects.get(name="四川大学")
    )
    client = client_for(other)
    assert client.get(f"/tasks/{w.task.pk}/").status_code == 404
    assert client.get(f"/tasks/lists/{w.sichuan.pk}/tasks/").status_code == 403
    assert client.get(f"/tasks/progress/{w.programme.pk}/").status_code == 403
