"""The dispatch's per-claimant table kept in the shared cache (tasks.dispatch with
kernel.snapshots, the platform's own rule): a second view reads it instead of every task of the
scope, a report submitted through the service shows on the next view at once, each viewer's
scope keeps its own table, and a bulk write forgets once per transaction, not once per row.
The three tables' HTML is kept the same way (tasks.views.dispatch._kept_tables), per scope and
query string."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kernel import snapshots
from tasks.models import Task
from tasks.services import reports
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUERY = {"period": "2026-3", "status": "all"}


@pytest.fixture
def world(users):
    world = task_world(users)
    # Approved in January, so the task owes its third-quarter report (due 10 October).
    approved = datetime.datetime(2026, 1, 5, 12, tzinfo=SHANGHAI)
    Task.objects.filter(pk=world.task.pk).update(plan_approved_at=approved)
    world.task = Task.objects.get(pk=world.task.pk)
    return world


def get(user, world, **extra):
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("tasks:dispatch"), {**QUERY, "programme": world.programme.pk, **extra}
        )
    assert response.status_code == 200
    return response, queries


def view(user, world):
    response, queries = get(user, world)
    return response.context["dispatch"], len(queries)


def page(user, world, **extra):
    response, queries = get(user, world, **extra)
    html = response.content.decode()
    tables = html[html.index('id="dispatch-summary"') : html.index("</main>")]
    rows_read = [q["sql"] for q in queries if 'FROM "tasks_task"' in q["sql"]]
    return tables, rows_read


def test_the_tables_are_kept_and_a_submitted_report_shows_at_once(world, users):
    first, read = page(users["national"], world)
    assert f'data-task="{world.task.pk}" data-report="missing"' in first
    assert read, "the first view reads the tasks"
    again, read_again = page(users["national"], world)
    assert again == first
    # Neither the page of tasks nor the past-end rows is read again (the MIN of the
    # programme's dates for the period drop-down remains).
    assert len(read_again) < len(read)
    assert not any("LIMIT" in sql for sql in read_again)
    implementer = users["implementer"]
    report = reports.report_start(task=world.task, by=implementer, period=(2026, 3))
    report.done = "完成季度工作"
    report.save()
    reports.report_submit(report=report, by=implementer)
    after, _ = page(users["national"], world)
    assert f'data-task="{world.task.pk}" data-report="late"' in after


def test_each_scope_and_query_keeps_its_own_tables(world, users):
    sichuan, _ = page(users["sichuan"], world)
    national, _ = page(users["national"], world)
    others = [t.pk for t in world.guangdong_tasks]
    assert all(f'data-task="{pk}"' not in sichuan for pk in others)
    assert any(f'data-task="{pk}"' in national for pk in others)
    problems, _ = page(users["national"], world, status="")
    assert problems != national
    assert page(users["national"], world, status="")[0] == problems


def claimant_names(result) -> set[str]:
    return {str(line.claimant) for line in result.claimants}


def test_a_second_view_reads_the_kept_table(world, users):
    first, computed = view(users["national"], world)
    again, kept = view(users["national"], world)
    assert [(str(c.claimant), c.tasks, c.reports) for c in again.claimants] == [
        (str(c.claimant), c.tasks, c.reports) for c in first.claimants
    ]
    # The GROUP BY over the tasks, the one over milestones and help requests, the claimants.
    assert kept <= computed - 3
    cache.clear()
    _result, anew = view(users["national"], world)
    assert anew == computed


def test_a_submitted_report_shows_at_once(world, users):
    before, _ = view(users["national"], world)
    assert before.total.missing == 1
    implementer = users["implementer"]
    report = reports.report_start(task=world.task, by=implementer, period=(2026, 3))
    report.done = "完成季度工作"
    report.save()
    reports.report_submit(report=report, by=implementer)
    after, _ = view(users["national"], world)
    assert (after.total.missing, after.total.late) == (0, before.total.late + 1)


def test_each_scope_keeps_its_own_table(world, users):
    national, _ = view(users["national"], world)
    sichuan, _ = view(users["sichuan"], world)
    assert len(claimant_names(national)) == 2
    assert claimant_names(sichuan) == {str(world.task.claimant)}
    # And the other way round, with the locality's table kept first.
    cache.clear()
    view(users["sichuan"], world)
    national_again, _ = view(users["national"], world)
    assert claimant_names(national_again) == claimant_names(national)


def generation(namespace: str) -> int:
    return cache.get(f"snapshot-generation:{namespace}", 0)


def test_a_bulk_write_forgets_once_per_transaction(db):
    with transaction.atomic():
        for _ in range(500):
            snapshots.forget("bulk")
        assert generation("bulk") == 1
        with transaction.atomic():  # a service called inside: its own savepoint
            snapshots.forget("bulk")
            snapshots.forget("bulk")
        assert generation("bulk") == 2
        snapshots.forget("other")
        assert generation("other") == 1


def test_a_kept_figure_is_read_until_forgotten():
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    first = snapshots.snapshot("kept", "figure", "scope", compute, 60)
    assert snapshots.snapshot("kept", "figure", "scope", compute, 60).value == first.value == 1
    assert snapshots.snapshot("kept", "figure", "another-scope", compute, 60).value == 2
    snapshots.forget("kept")
    assert snapshots.snapshot("kept", "figure", "scope", compute, 60).value == 3
