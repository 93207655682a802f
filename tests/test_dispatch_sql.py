"""The dispatch computed in SQL (issue #13): its figures equal a recomputation in Python from
the rules of tasks.dispatch, its tables are paginated with the filters kept in the pager's
links, and the page issues as many queries for 36 tasks as for 6.

`grow` adds tasks of every kind to task_world's programme with bulk_create: plans approved
before, during or after the period or not at all, reports on time, late, drafted or missing,
milestones done on time, late, long ago or not at all, open and answered help requests, tasks
closed before and after the period's end, weights and progress that make the rounding count.
"""

import datetime
import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, Programme, ProgrammeItem, TaskNotice
from tasks import periods, progress
from tasks.dispatch import (
    ALL,
    HELP,
    OVERDUE,
    PROBLEMS,
    ReportStatus,
    Schedule,
    dispatch,
    report_status,
)
from tasks.models import HelpRequest, Milestone, ProgressReport, Task
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q3 = (2026, 3)
TODAY = datetime.date(2026, 10, 20)  # Q3's reports were due on 10 October
EN: Any = {"HTTP_ACCEPT_LANGUAGE": "en"}


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def grow(world, users, n: int, seed: int = 5) -> None:
    """Add `n` tasks, shared between the world's two claimants, with varied histories."""
    rng = random.Random(seed)
    programme = world.programme
    base = ProgrammeItem.objects.filter(programme=programme).count()
    items = ProgrammeItem.objects.bulk_create(
        ProgrammeItem(programme=programme, position=base + i + 1, category="类", title=f"添{i}")
        for i in range(n)
    )
    claimants = [world.sichuan, world.guangdong]
    claims = Claim.objects.bulk_create(
        Claim(item=item, claimant=claimants[i % 2], claimed_by=users["national"])
        for i, item in enumerate(items)
    )
    tasks = []
    for i, claim in enumerate(claims):
        approved = rng.choice(
            [
                None,
                datetime.date(2026, 1, 5),
                datetime.date(2026, 9, 30),
                datetime.date(2026, 10, 1),
            ]
        )
        closed = rng.choice(
            [None, None, None, datetime.date(2026, 8, 1), datetime.date(2026, 10, 2)]
        )
        tasks.append(
            Task(
                claim=claim,
                programme=programme,
                claimant=claim.claimant,
                title=f"任务{i}" + ("找我" if i % 5 == 0 else ""),
                responsible_person="赵六" if i % 7 == 0 else "钱七",
                plan_state="approved" if approved else "draft",
                plan_approved_at=at(approved, 23) if approved else None,
                weight=Decimal(rng.choice(["1", "2", "0.5", "1.25"])),
                progress=Decimal(rng.randint(0, 1000)) / 10,
                closure="completed" if closed else "open",
                closed_on=closed,
            )
        )
    Task.objects.bulk_create(tasks)
    due = periods.due_on(Q3)
    reports, milestones, help_requests = [], [], []
    for task in tasks:
        fate = rng.choice(["on_time", "due_day", "late", "draft", "none"])
        if fate != "none":
            submitted = {
                "on_time": at(due - datetime.timedelta(days=3)),
                "due_day": at(due, 23),  # 23:59 on the due day is on time
                "late": at(due + datetime.timedelta(days=1), 0),
                "draft": None,
            }[fate]
            reports.append(
                ProgressReport(
                    task=task,
                    year=2026,
                    period=3,
                    state="draft" if submitted is None else "submitted",
                    submitted_at=submitted,
                    created_by=users["sichuan"],
                    done="推进",
                )
            )
        for position in range(1, rng.randint(1, 4) + 1):
            due_on = datetime.date(2026, rng.choice([3, 8, 9, 12]), 15)
            done = rng.choice([None, due_on, due_on + datetime.timedelta(days=20)])
            done = done if done is None or done <= TODAY else None
            milestones.append(
                Milestone(
                    task=task,
                    position=position,
                    title="节点",
                    due_on=due_on,
                    status="done" if done else "in_progress",
                    done_on=done,
                )
            )
        for _ in range(rng.choice([0, 0, 1, 2])):
            answered = rng.random() < 0.4
            help_requests.append(
                HelpRequest(
                    task=task,
                    level="national",
                    text="请协调",
                    state="answered" if answered else "open",
                    answer="已办理" if answered else "",
                    raised_by=users["sichuan"],
                    answered_by=users["national"] if answered else None,
                    answered_at=at(TODAY) if answered else None,
                )
            )
    ProgressReport.objects.bulk_create(reports)
    Milestone.objects.bulk_create(milestones)
    HelpRequest.objects.bulk_create(help_requests)


@pytest.fixture
def world(users):
    world = task_world(users)
    # Sichuan's tasks (notice of 2026-01-01, 6 months) are past their end in Q3, Guangdong's
    # (a notice of a year later) are not.
    Programme.objects.filter(pk=world.programme.pk).update(implementation_months=6)
    TaskNotice.objects.filter(claimant=world.guangdong).update(issued_on=datetime.date(2027, 1, 1))
    world.programme = Programme.objects.get(pk=world.programme.pk)
    return world


# The rules again, written over plain Python objects -------------------------------------------


def recompute(programme: Programme, period, today: datetime.date):
    """Per task id: (report, submitted_at, overdue milestones, open help, past end); per
    claimant id: the figures of its line."""
    schedule = Schedule.of(programme)
    start, end = schedule.bounds(period)
    due = schedule.due_on(period)
    cutoff = min(end, today - datetime.timedelta(days=1))
    ends = {
        n.claimant_id: programme.implementation_end(n.issued_on)
        for n in TaskNotice.objects.filter(programme=programme)
    }
    lines = {}
    for task in Task.objects.filter(programme=programme):
        report = next(
            (
                r
                for r in task.reports.all()
                if (r.year, r.period) == period and r.state == "submitted"
            ),
            None,
        )
        submitted = report.submitted_at if report else None
        status = report_status(
            plan_approved_at=task.plan_approved_at,
            submitted_at=submitted,
            period_end=end,
            due=due,
            today=today,
            closed_before=task.closed_on is not None and task.closed_on <= end,
        )
        overdue = 0
        for m in task.milestones.all():
            if task.plan_state != "approved" or m.due_on > cutoff:
                continue
            not_done = m.status != "done" or (m.done_on is not None and m.done_on > cutoff)
            late_in_period = m.done_on is not None and m.done_on > m.due_on and m.done_on >= start
            overdue += not_done or late_in_period
        open_help = sum(h.state == "open" for h in task.help_requests.all())
        expected_end = ends.get(task.claimant_id)
        past = task.closure == "open" and expected_end is not None and expected_end <= cutoff
        lines[task.pk] = (status, submitted, overdue, open_help, past)
    claimants: dict[int, dict] = {}
    for task in Task.objects.filter(programme=programme):
        status, _s, overdue, open_help, past = lines[task.pk]
        c = claimants.setdefault(
            task.claimant_id,
            {"tasks": 0, "reports": Counter(), "overdue": 0, "help": 0, "past": 0, "pairs": []},
        )
        c["tasks"] += 1
        c["reports"][status] += 1
        c["overdue"] += overdue
        c["help"] += open_help
        c["past"] += past
        c["pairs"].append((task.progress, task.weight))
    return lines, claimants


def test_the_figures_equal_a_recomputation_in_python(world, users):
    grow(world, users, 30)
    result = dispatch(Task.objects.all(), world.programme, Q3, TODAY)
    lines, claimants = recompute(world.programme, Q3, TODAY)
    # Every kind of case is there, so the comparison means something.
    assert {s for s, *_ in lines.values()} == set(ReportStatus.values) - {ReportStatus.NOT_DUE}
    assert any(o for _s, _t, o, _h, _p in lines.values())
    assert any(p for *_r, p in lines.values()) and not all(p for *_r, p in lines.values())
    got = {
        line.task.pk: (
            line.report,
            line.submitted_at,
            line.overdue_milestones,
            line.open_help,
            line.past_end,
        )
        for line in result.rows(ALL)
    }
    assert got == lines
    for line in result.claimants:
        assert line.claimant is not None
        want = claimants[line.claimant.pk]
        assert line.tasks == want["tasks"]
        assert {s: line.reports[s] for s in ReportStatus.values} == {
            s: want["reports"][s] for s in ReportStatus.values
        }
        assert (line.overdue_milestones, line.open_help, line.past_end) == (
            want["overdue"],
            want["help"],
            want["past"],
        )
        assert line.progress == progress.weighted_mean(want["pairs"])
    assert result.total.tasks == len(lines) == 36
    assert result.total.missing == sum(s == ReportStatus.MISSING for s, *_ in lines.values())
    mean = sum((progress.weighted_mean(c["pairs"]) for c in claimants.values()), Decimal(0)) / 2
    assert result.total.progress == mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    # The drill-downs select what the rules say.
    problems = {pk for pk, (s, _t, o, h, _p) in lines.items() if s in ("late", "missing") or o or h}
    assert {line.task.pk for line in result.rows(PROBLEMS)} == problems
    assert {line.task.pk for line in result.rows(OVERDUE)} == {
        pk for pk, v in lines.items() if v[2]
    }
    assert {line.task.pk for line in result.rows(HELP)} == {pk for pk, v in lines.items() if v[3]}
    late = {pk for pk, v in lines.items() if v[0] == ReportStatus.LATE}
    assert {line.task.pk for line in result.rows(ReportStatus.LATE)} == late
    marked = set(Task.objects.filter(title__contains="找我").values_list("pk", flat=True))
    assert {line.task.pk for line in result.rows(ALL, " 找我 ")} == marked
    past = [line.task.pk for line in result.past_end]
    assert set(past) == {pk for pk, v in lines.items() if v[4]}


def test_before_the_due_date_reports_are_not_yet_due(world, users):
    grow(world, users, 12, seed=9)
    result = dispatch(Task.objects.all(), world.programme, Q3, datetime.date(2026, 10, 5))
    lines, _claimants = recompute(world.programme, Q3, datetime.date(2026, 10, 5))
    assert ReportStatus.NOT_DUE in {s for s, *_ in lines.values()}
    assert {line.task.pk: line.report for line in result.rows(ALL)} == {
        pk: v[0] for pk, v in lines.items()
    }


# The page: queries and pages --------------------------------------------------------------------


def page_queries(user, query) -> int:
    """The queries of a view that computes its per-claimant table (none kept in the cache)."""
    cache.clear()
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("tasks:dispatch"), query, **EN)
    assert response.status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_tasks(world, users, settings):
    settings.PAGE_SIZE = 5
    query = {"programme": world.programme.pk, "period": "2026-3", "status": "all"}
    small = page_queries(users["national"], query)
    problems_small = page_queries(users["national"], {**query, "status": ""})
    grow(world, users, 30)
    assert page_queries(users["national"], query) == small
    assert page_queries(users["national"], {**query, "status": ""}) == problems_small
    assert small <= 20


def test_the_pages_keep_the_filters_and_each_others_page(world, users, settings):
    settings.PAGE_SIZE = 5
    grow(world, users, 30)
    query = {"programme": world.programme.pk, "period": "2026-3", "status": "all", "q": "钱七"}
    client = client_for(users["national"])
    first = client.get(reverse("tasks:dispatch"), query, **EN)
    second = client.get(reverse("tasks:dispatch"), {**query, "page": 2, "past_page": 2}, **EN)
    page1 = [line.task.pk for line in first.context["page"].object_list]
    page2 = [line.task.pk for line in second.context["page"].object_list]
    wanted = [
        line.task.pk
        for line in dispatch(Task.objects.all(), world.programme, Q3, TODAY).rows(ALL, "钱七")
    ]
    assert len(page1) == 5 and page1 + page2 == wanted[:10]
    assert all(
        line.task.responsible_person == "钱七" for line in second.context["page"].object_list
    )
    text = first.content.decode()
    # The pager of the tasks keeps the filters; that of the tasks past their end too, and
    # each keeps the other's page.
    assert "status=all&amp;q=%E9%92%B1%E4%B8%83&amp;page=2" in text
    assert "status=all&amp;q=%E9%92%B1%E4%B8%83&amp;past_page=2#past-end" in text
    past1 = [line.task.pk for line in first.context["past_page"].object_list]
    past2 = [line.task.pk for line in second.context["past_page"].object_list]
    assert len(past1) == 5 and not set(past1) & set(past2)
    again = second.content.decode()
    assert "q=%E9%92%B1%E4%B8%83&amp;past_page=2&amp;page=1" in again
    assert "q=%E9%92%B1%E4%B8%83&amp;page=2&amp;past_page=1#past-end" in again
    # The count of tasks past their end is the whole scope's, not the page's.
    total = first.context["dispatch"].total.past_end
    assert total == first.context["past_page"].paginator.count > 5
    assert f"{total} tasks are past their expected end" in text
