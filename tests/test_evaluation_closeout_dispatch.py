"""Closed tasks in implementation's pages: the dispatch lists the tasks past their expected end
and not closed, each linked to its close-out, and a closed one leaves the list; the task index
filters and shows tasks by close-out, and its export says it too."""

import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from claims.models import Programme
from tests.conftest import client_for
from tests.jobfiles import exported
from tests.test_evaluation_fixtures import close_task
from tests.test_tasks_fixtures import task_world

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def w(users):
    world = task_world(users)
    # The tasks' expected end (notices of 2026-01-01 plus 3 months) is long past.
    Programme.objects.filter(pk=world.programme.pk).update(implementation_months=3)
    return world


def dispatch(user, w, **params):
    query = {"programme": w.programme.pk, "period": "2026-3", "status": "all", **params}
    return client_for(user).get(reverse("tasks:dispatch"), query, **EN)


def test_a_closed_task_leaves_the_past_end_list(w, users):
    text = dispatch(users["national"], w).content.decode()
    assert "Tasks past their expected end and not closed" in text
    assert "6 tasks are past their expected end and not closed" in text
    # Each is linked to its close-out (the task page's section).
    assert reverse("tasks:task", args=[w.task.pk]) + "#close-out" in text
    close_task(w, users)
    text = dispatch(users["national"], w).content.decode()
    assert "5 tasks are past their expected end and not closed" in text
    past_end = text[text.index('id="dispatch-past-end"') :]
    past_end = past_end[: past_end.index("</table>")]
    assert f'data-task="{w.task.pk}"' not in past_end
    assert f'data-task="{w.sichuan_tasks[1].pk}"' in past_end


def test_the_dispatch_workbook_lists_them_apart(w, users):
    close_task(w, users)
    query = {"programme": w.programme.pk, "period": "2026-3", "status": "all"}
    response = exported(client_for(users["sichuan"]), reverse("tasks:dispatch_xlsx"), query, **EN)
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[2]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("Claimant", "Task", "Expected end", "Progress (%)", "Close-out")
    titles = {row[1] for row in rows[1:]}
    assert titles == {w.sichuan_tasks[1].title, w.sichuan_tasks[2].title}


def test_the_task_index_filters_by_close_out(w, users):
    close_task(w, users)
    close_task(w, users, task=w.sichuan_tasks[1], result="not_completed")
    client = client_for(users["sichuan"])
    text = client.get(reverse("tasks:index"), {"closure": "completed"}, **EN).content.decode()
    assert f'data-closure="{w.task.pk}"' in text
    assert f'data-closure="{w.sichuan_tasks[1].pk}"' not in text
    assert "closed as completed" in text
    text = client.get(reverse("tasks:index"), {"closure": "open"}, **EN).content.decode()
    assert f'data-closure="{w.sichuan_tasks[2].pk}"' in text
    assert f'data-closure="{w.task.pk}"' not in text
    response = exported(client, reverse("tasks:index_xlsx"), {"closure": "not_completed"}, **EN)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header = list(rows[0])
    assert "Close-out" in header and "Closed on" in header
    (row,) = rows[1:]
    assert row[header.index("Task")] == w.sichuan_tasks[1].title
    assert row[header.index("Close-out")] == "closed as not completed"
    closed_on = row[header.index("Closed on")]
    assert isinstance(closed_on, datetime.datetime)  # a date cell
    assert closed_on.date() == timezone.localdate()
