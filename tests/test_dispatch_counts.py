"""The dispatch's pagers take their counts from the per-claimant GROUP BY (issue #13: no
second count over every task in scope), so those counts must be the numbers of rows the
drill-downs give; the lines read no field they were not given (the plan's long texts stay
unread); and the progress overview's per-claimant figures, read in one unordered pass, equal
a recomputation."""

from typing import Any

import pytest

from tasks import progress
from tasks.dispatch import ALL, HELP, OVERDUE, PROBLEMS, CountedRows, ReportStatus, dispatch
from tasks.models import Task
from tasks.selectors import progress_overview
from tests.test_dispatch_sql import Q3, TODAY, grow
from tests.test_dispatch_sql import world as world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scope", ["all", "sichuan"])
def test_the_known_counts_are_the_numbers_of_rows(world: Any, users: Any, scope: str) -> None:
    grow(world, users, 30)
    tasks = Task.objects.all()
    if scope == "sichuan":
        tasks = tasks.filter(claimant=world.sichuan)
    result = dispatch(tasks, world.programme, Q3, TODAY)
    statuses = [ALL, PROBLEMS, OVERDUE, HELP, *ReportStatus.values]
    counted = 0
    for status in statuses:
        rows = result.rows(status)
        assert rows.count() == len(list(rows)), status
        assert bool(rows) == (rows.count() > 0)
        counted += isinstance(rows, CountedRows)
    assert counted == len(statuses)  # every drill-down's count comes with the totals
    assert result.rows(ALL).count() == tasks.filter(programme=world.programme).count()
    # With a search the totals do not apply: the rows are counted.
    searched = result.rows(ALL, "找我")
    assert not isinstance(searched, CountedRows)
    assert searched.count() == len(list(searched)) > 0
    past = result.past_end
    assert past.count() == len(list(past)) == result.total.past_end


def test_a_known_count_costs_no_query(world: Any, users: Any, django_assert_num_queries) -> None:
    grow(world, users, 12)
    result = dispatch(Task.objects.all(), world.programme, Q3, TODAY)
    with django_assert_num_queries(0):
        assert result.rows(ALL).count() == result.total.tasks == 18
        assert result.rows(ReportStatus.LATE).count() == result.total.late
        assert result.rows(PROBLEMS).count() == result.total.tasks_in[PROBLEMS] > 0
        assert result.past_end.count() == result.total.past_end


def test_the_lines_read_what_they_show_in_one_query(
    world: Any, users: Any, django_assert_num_queries
) -> None:
    grow(world, users, 12)
    result = dispatch(Task.objects.all(), world.programme, Q3, TODAY)
    with django_assert_num_queries(1):
        lines = result.rows(ALL)[0:10]
        shown = [
            (
                line.task.claimant.short_name,
                line.task.title,
                line.task.responsible_person,
                line.task.progress,
                line.task.get_closure_display(),
                line.report_label,
            )
            for line in lines
        ]
    assert len(shown) == 10 and all(name for name, *_ in shown)
    # The plan's long texts are not read with the lines (asked for, each costs a query).
    assert "roadmap" in lines[0].task.get_deferred_fields()


def test_the_progress_overview_equals_a_recomputation(
    world: Any, users: Any, django_assert_max_num_queries
) -> None:
    grow(world, users, 20)
    with django_assert_max_num_queries(4):
        overview = progress_overview(users["national"], world.programme)
    pairs: dict[int, list[Any]] = {}
    for task in Task.objects.filter(programme=world.programme):
        pairs.setdefault(task.claimant_id, []).append((task.progress, task.weight))
    got = {row.claimant.pk: (row.tasks, row.progress) for row in overview.claimants}
    want = {cid: (len(p), progress.weighted_mean(p)) for cid, p in pairs.items()}
    assert got == want and sum(n for n, _ in got.values()) == 26
