"""The "progress reports overdue" item of a coordinator's to-do home, counted in SQL one
reporting rhythm at a time (tasks.todo): the latest period due of each task's programme, owed
only by a plan approved on or before that period's last day (local time), as the dispatch
counts it."""

import datetime
from zoneinfo import ZoneInfo

from claims.models import Programme
from tasks import todo as tasks_todo
from tasks.models import Task
from tests.test_tasks_reports_quick import TODAY
from tests.test_todo_home import clock, w  # noqa: F401

LOCAL = ZoneInfo("Asia/Shanghai")


def overdue(user) -> tuple[int, datetime.date | None] | None:
    found = {item.key: item for item in tasks_todo.coordinator_items(user, TODAY)}
    item = found.get("reports-overdue")
    return None if item is None else (item.count, item.due_on)


def test_owed_by_rhythm_and_by_the_day_the_plan_was_approved(w, users):  # noqa: F811
    sichuan = users["sichuan"]
    # The task approved in January, quarterly: the third quarter's report, due 10 October.
    assert overdue(sichuan) == (1, datetime.date(2026, 10, 10))
    other = w.sichuan_tasks[1]
    approved = Task.objects.filter(pk=other.pk)
    # Approved just after the quarter ended (local time): it owes nothing yet.
    approved.update(
        plan_state=Task.PlanState.APPROVED,
        plan_approved_at=datetime.datetime(2026, 10, 1, 0, 30, tzinfo=LOCAL),
    )
    assert overdue(sichuan) == (1, datetime.date(2026, 10, 10))
    # Approved on the quarter's last evening: it owes the quarter's report too.
    approved.update(plan_approved_at=datetime.datetime(2026, 9, 30, 23, 0, tzinfo=LOCAL))
    assert overdue(sichuan) == (2, datetime.date(2026, 10, 10))
    # A monthly programme: October's report, due 10 November, owed by both.
    Programme.objects.filter(pk=w.programme.pk).update(report_every_months=1)
    assert overdue(sichuan) == (2, datetime.date(2026, 11, 10))
    # Another locality sees none of them.
    assert overdue(users["guangdong"]) is None
