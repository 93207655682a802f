"""The task index (filters, export, query bound), the task page and the locality's set-up
pages, for every role that may or must not use them."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from regions.models import Organisation
from tasks.models import Implementer, Task
from tasks.services import plans
from tests.conftest import client_for, make_user
from tests.jobfiles import exported
from tests.test_tasks_fixtures import task_world


@pytest.fixture
def w(users):
    world = task_world(users, approved=True)
    users["other_implementer"] = make_user(
        "scu_implementer", Role.IMPLEMENTER, organisation=Organisation.objects.get(name="四川大学")
    )
    return world


def sheet_rows(response):
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    # Row 1 is the filter line (筛选条件), the header is row 2.
    return [list(row) for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]


def titles_on(response):
    return {t.title for t in Task.objects.all() if f">{t.title}</a>" in response.content.decode()}


# Index ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("national", 6),
        ("sichuan", 3),
        ("guangdong", 3),
        ("implementer", 1),
        ("other_implementer", 0),
        ("region", 0),
    ],
)
def test_index_shows_only_the_users_tasks(users, w, role, expected):
    response = client_for(users[role]).get("/tasks/")
    assert response.status_code == 200
    pks = {int(p) for p in re.findall(r"data-progress=\"(\d+)\"", response.content.decode())}
    visible = {
        "national": {t.pk for t in Task.objects.all()},
        "sichuan": {t.pk for t in w.sichuan_tasks},
        "guangdong": {t.pk for t in w.guangdong_tasks},
        "implementer": {w.task.pk},
        "other_implementer": set(),
        "region": set(),
    }[role]
    assert pks == visible and len(pks) == expected


@pytest.mark.parametrize("role", ["expert", "public", "city", "evaluator", "innovator"])
def test_index_refuses_other_roles(users, w, role):
    assert client_for(users[role]).get("/tasks/").status_code == 403
    assert client_for(users[role]).get("/tasks/xlsx/").status_code == 403


def test_index_filters_and_export_agree(users, w):
    client = client_for(users["national"])
    plans.task_update(
        task=w.guangdong_tasks[0], by=users["guangdong"], responsible_person="王五", landmark=True
    )
    query = {"landmark": "on", "claimant": str(w.guangdong.pk)}
    page = client.get("/tasks/", query)
    assert page.content.decode().count("data-progress=") == 1
    rows = sheet_rows(exported(client, "/tasks/xlsx/", query))
    assert len(rows) == 2
    task = Task.objects.get(pk=w.guangdong_tasks[0].pk)
    assert (
        rows[1][1] == task.title
        and rows[1][4] == "中山大学"
        and float(rows[1][7]) == float(task.progress)
    )
    # Search by implementer name and plan state.
    found = client.get("/tasks/", {"q": "科学技术厅", "plan_state": "approved"})
    assert found.content.decode().count("data-progress=") == 1
    assert f'data-progress="{w.task.pk}"' in found.content.decode()
    none = client.get("/tasks/", {"q": "不存在的词"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "No task matches these filters." in none.content.decode()


def test_export_has_the_index_columns_and_figures(users, w):
    rows = sheet_rows(
        exported(client_for(users["sichuan"]), "/tasks/xlsx/", HTTP_ACCEPT_LANGUAGE="en")
    )
    assert rows[0][:3] == ["No.", "Task", "Programme"]
    by_title = {r[1]: r for r in rows[1:]}
    assert set(by_title) == {t.title for t in w.sichuan_tasks}
    first = by_title[w.task.title]
    assert first[4] == "四川省科学技术厅" and first[5] == "李四" and first[6] == "plan approved"


def _grow(users, world, n):
    """More tasks for Sichuan: each with an implementer and a plan."""
    for task in world.sichuan_tasks[1:n]:
        plans.task_update(task=task, by=users["sichuan"], responsible_person="赵六")
        plans.implementer_add(
            task=task,
            by=users["sichuan"],
            organisation=users["implementer"].organisation,
            lead=True,
        )


@pytest.mark.parametrize("role", ["national", "sichuan", "implementer"])
def test_index_query_count_does_not_grow(users, w, role, django_assert_max_num_queries):
    client = client_for(users[role])
    client.get("/tasks/")
    with CaptureQueriesContext(connection) as small:
        client.get("/tasks/")
    _grow(users, w, 3)
    for t in w.guangdong_tasks:
        plans.implementer_add(
            task=t,
            by=users["guangdong"],
            organisation=Organisation.objects.create(
                name=f"广州单位{t.pk}", kind="enterprise", division=t.claimant.division
            ),
        )
    with django_assert_max_num_queries(len(small)):
        response = client.get("/tasks/")
    assert response.status_code == 200
    assert len(small) <= 12


# Task page -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("national", 200),
        ("sichuan", 200),
        ("implementer", 200),
        ("guangdong", 404),
        ("region", 404),
        ("other_implementer", 404),
        ("expert", 404),
        ("public", 404),
        ("city", 404),
    ],
)
def test_task_page_scope(users, w, role, status):
    assert client_for(users[role]).get(f"/tasks/{w.task.pk}/").status_code == status


def test_task_page_overview_actions_and_history(users, w):
    plans.task_update(
        task=w.task,
        by=users["sichuan"],
        responsible_person="李四",
        responsible_post="处长",
        responsible_phone="028-1234",
    )
    html = client_for(users["sichuan"]).get(f"/tasks/{w.task.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    for expected in ("李四", "处长", "028-1234", "四川省科学技术厅", w.programme.title, "History"):
        assert expected in text
    assert f"/tasks/{w.task.pk}/setup/" in text and f"/tasks/{w.task.pk}/implementers/add/" in text
    assert "plan approved" in text and "制定实施方案" in text and "培育技术经理人" in text
    implementer_view = client_for(users["implementer"]).get(f"/tasks/{w.task.pk}/").content.decode()
    assert f"/tasks/{w.task.pk}/setup/" not in implementer_view
    assert f"/tasks/{w.task.pk}/plan/" not in implementer_view  # approved: no more editing


def test_overdue_milestone_is_marked(users, w):
    html = (
        client_for(users["implementer"])
        .get(f"/tasks/{w.task.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    # The fixture's first milestone was due in March 2026 and is not done.
    assert 'class="bad">overdue' in html


# Set-up --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("guangdong", 404), ("implementer", 403), ("national", 403), ("public", 404)],
)
def test_setup_pages_refuse(users, w, role, status):
    client = client_for(users[role])
    implementer = w.task.implementers.get()
    for url in (
        f"/tasks/{w.task.pk}/setup/",
        f"/tasks/{w.task.pk}/implementers/add/",
        f"/tasks/{w.task.pk}/implementers/{implementer.pk}/",
        f"/tasks/{w.task.pk}/implementers/{implementer.pk}/remove/",
    ):
        assert client.get(url).status_code == status, url
        assert client.post(url, {"responsible_person": "x", "weight": "1"}).status_code == status
    assert Implementer.objects.filter(pk=implementer.pk).exists()
    assert Task.objects.get(pk=w.task.pk).responsible_person == "李四"


def test_setup_page_saves_and_keeps_input_on_error(users, w):
    client = client_for(users["sichuan"])
    url = f"/tasks/{w.task.pk}/setup/"
    data = {"responsible_person": "新负责人", "responsible_post": "副厅长", "weight": "0"}
    bad = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200
    assert (
        "新负责人" in bad.content.decode()
        and "greater than or equal to 0.01" in bad.content.decode()
    )
    ok = client.post(url, {**data, "weight": "2", "landmark": "on"})
    assert ok.status_code == 302
    task = Task.objects.get(pk=w.task.pk)
    assert (task.responsible_person, task.responsible_post, task.landmark) == (
        "新负责人",
        "副厅长",
        True,
    )
    assert AuditEntry.objects.filter(action="task.updated", object_id=str(task.pk)).exists()


def test_add_existing_or_new_implementer_through_the_page(users, w):
    client = client_for(users["sichuan"])
    task = w.sichuan_tasks[1]
    url = f"/tasks/{task.pk}/implementers/add/"
    form = client.get(url).content.decode()
    assert "四川大学" in form and "中山大学" not in form  # only the claimant's area
    scu = Organisation.objects.get(name="四川大学")
    assert (
        client.post(
            url, {"organisation": scu.pk, "lead": "on", "responsibility": "牵头"}
        ).status_code
        == 302
    )
    assert client.post(url, {"new_name": "成都某企业", "new_kind": "enterprise"}).status_code == 302
    names = list(task.implementers.values_list("organisation__name", "lead"))
    assert sorted(names) == [("四川大学", True), ("成都某企业", False)]


def test_add_implementer_form_errors_keep_input(users, w):
    client = client_for(users["sichuan"])
    url = f"/tasks/{w.sichuan_tasks[1].pk}/implementers/add/"
    scu = Organisation.objects.get(name="四川大学")
    both = client.post(
        url,
        {"organisation": scu.pk, "new_name": "我填的名称", "new_kind": "enterprise"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Either choose an organisation or name a new one, not both." in both
    assert "我填的名称" in both
    neither = client.post(url, {"responsibility": "我填的职责"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Choose an organisation or name a new one." in neither.content.decode()
    assert "我填的职责" in neither.content.decode()
    # A forged organisation outside the area is not even a choice.
    sysu = Organisation.objects.get(name="中山大学")
    forged = client.post(url, {"organisation": sysu.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert forged.status_code == 200 and "Select a valid choice" in forged.content.decode()
    assert not w.sichuan_tasks[1].implementers.exists()


def test_remove_implementer_needs_confirmation(users, w):
    client = client_for(users["sichuan"])
    task = w.sichuan_tasks[1]
    scu = plans.implementer_add(
        task=task, by=users["sichuan"], organisation=Organisation.objects.get(name="四川大学")
    )
    url = f"/tasks/{task.pk}/implementers/{scu.pk}/remove/"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "四川大学" in confirm.content.decode()
    assert Implementer.objects.filter(pk=scu.pk).exists()
    assert client.post(url).status_code == 302
    assert not Implementer.objects.filter(pk=scu.pk).exists()
    # Another task's implementer is not reachable through this task.
    other = w.task.implementers.get()
    assert client.get(f"/tasks/{task.pk}/implementers/{other.pk}/remove/").status_code == 404


def test_edit_implementer_page(users, w):
    client = client_for(users["sichuan"])
    implementer = w.task.implementers.get()
    url = f"/tasks/{w.task.pk}/implementers/{implementer.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"lead": "on", "responsibility": "统筹推进"}).status_code == 302
    implementer.refresh_from_db()
    assert implementer.responsibility == "统筹推进"
