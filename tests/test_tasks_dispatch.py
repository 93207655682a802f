"""Dispatch (按季调度): each report status, overdue milestones, open help requests, the roll-up
per claimant, scoping by region, refusals, the workbook and the query count.

Dates are fixed against the quarterly periods of 2026 (Q1 report due 10 April, Q2 due
10 July, Q3 due 10 October) and `today` is passed in, so nothing depends on the clock.
"""

import datetime
import io
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict
from django.utils import translation
from openpyxl import load_workbook

from claims.models import Claim, ProgrammeItem
from tasks import periods
from tasks.dispatch import CHOICES, ReportStatus, Schedule, dispatch_for, report_status
from tasks.models import HelpRequest, Milestone, ProgressReport, Status, Task
from tasks.selectors import claimant_progress
from tasks.services.core import refresh_progress
from tasks.views.dispatch import DispatchFilterForm
from tests.conftest import client_for
from tests.jobfiles import exported
from tests.test_tasks_fixtures import task_world

SHANGHAI = ZoneInfo("Asia/Shanghai")
Q1, Q2, Q3, Q4 = (2026, 1), (2026, 2), (2026, 3), (2026, 4)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def approve_on(task: Task, day: datetime.date) -> Task:
    Task.objects.filter(pk=task.pk).update(plan_approved_at=at(day), plan_state="approved")
    return Task.objects.get(pk=task.pk)


def report(task: Task, period, submitted: datetime.datetime | None, by) -> ProgressReport:
    year, number = period
    return ProgressReport.objects.create(
        task=task,
        year=year,
        period=number,
        state="submitted" if submitted else "draft",
        submitted_at=submitted,
        created_by=by,
        done="推进中",
    )


@pytest.fixture
def world(users):
    world = task_world(users)
    world.task = approve_on(world.task, datetime.date(2026, 1, 5))
    return world


def line_of(result, task):
    return next(line for line in result.lines if line.task.pk == task.pk)


# Report status ------------------------------------------------------------------------------

DUE_Q1 = periods.due_on(Q1)  # 2026-04-10
END_Q1 = periods.bounds(Q1)[1]
DAY = datetime.timedelta(days=1)
JAN5 = at(datetime.date(2026, 1, 5))


@pytest.mark.parametrize(
    ("approved", "submitted", "today", "expected"),
    [
        (JAN5, at(DUE_Q1, 23), DUE_Q1, ReportStatus.ON_TIME),
        (JAN5, at(DUE_Q1 + DAY, 0), DUE_Q1 + DAY, ReportStatus.LATE),
        (JAN5, None, DUE_Q1 + DAY, ReportStatus.MISSING),
        (JAN5, None, DUE_Q1, ReportStatus.NOT_DUE),
        (at(END_Q1), None, DUE_Q1 + 30 * DAY, ReportStatus.MISSING),
        (at(END_Q1 + DAY), None, DUE_Q1 + 30 * DAY, ReportStatus.NOT_EXPECTED),
        (None, None, DUE_Q1 + 30 * DAY, ReportStatus.NOT_EXPECTED),
    ],
)
def test_report_status_rules(approved, submitted, today, expected):
    status = report_status(
        plan_approved_at=approved,
        submitted_at=submitted,
        period_end=END_Q1,
        due=DUE_Q1,
        today=today,
    )
    assert status == expected


def test_submitted_late_in_the_evening_of_the_due_date_counts_in_china_time():
    # 23:30 in Beijing on the due date is 15:30 UTC the same day; 00:30 the next day is
    # still the due date in UTC but late in Beijing.
    on_time = datetime.datetime(2026, 4, 10, 15, 30, tzinfo=datetime.UTC)
    late = datetime.datetime(2026, 4, 10, 16, 30, tzinfo=datetime.UTC)
    today = datetime.date(2026, 5, 1)

    def status(submitted: datetime.datetime) -> str:
        return report_status(
            plan_approved_at=JAN5,
            submitted_at=submitted,
            period_end=END_Q1,
            due=DUE_Q1,
            today=today,
        )

    assert status(on_time) == ReportStatus.ON_TIME
    assert status(late) == ReportStatus.LATE


def test_each_status_in_the_dispatch_of_its_period(users, world):
    task, implementer, national = world.task, users["implementer"], users["national"]
    report(task, Q1, at(datetime.date(2026, 4, 9)), implementer)
    report(task, Q2, at(datetime.date(2026, 7, 15)), implementer)
    report(task, Q3, None, implementer)  # a draft is not a report filed

    def status(period, today):
        result = dispatch_for(national, world.programme, period, today=today)
        return line_of(result, task).report

    assert status(Q1, datetime.date(2026, 11, 1)) == ReportStatus.ON_TIME
    assert status(Q2, datetime.date(2026, 11, 1)) == ReportStatus.LATE
    assert status(Q3, datetime.date(2026, 10, 10)) == ReportStatus.NOT_DUE
    assert status(Q3, datetime.date(2026, 10, 11)) == ReportStatus.MISSING
    assert status(Q4, datetime.date(2026, 12, 15)) == ReportStatus.NOT_DUE
    # The other tasks have no approved plan: nothing is expected of them.
    result = dispatch_for(national, world.programme, Q3, today=datetime.date(2026, 10, 11))
    others = [line.report for line in result.lines if line.task.pk != task.pk]
    assert others == [ReportStatus.NOT_EXPECTED] * 5


def test_a_plan_approved_after_the_period_owes_no_report_for_it(users, world):
    second = approve_on(world.sichuan_tasks[1], datetime.date(2026, 7, 1))
    national = users["national"]
    q2 = dispatch_for(national, world.programme, Q2, today=datetime.date(2026, 8, 1))
    q3 = dispatch_for(national, world.programme, Q3, today=datetime.date(2026, 10, 20))
    assert line_of(q2, second).report == ReportStatus.NOT_EXPECTED
    assert line_of(q3, second).report == ReportStatus.MISSING


# Milestones and help ------------------------------------------------------------------------


def test_overdue_milestones(users, world):
    task, national = world.task, users["national"]
    first, second = task.milestones.order_by("position")
    assert (first.due_on, second.due_on) == (datetime.date(2026, 3, 2), datetime.date(2026, 8, 29))

    def overdue(period, today):
        return line_of(dispatch_for(national, world.programme, period, today=today), task)

    assert overdue(Q1, datetime.date(2026, 3, 2)).overdue_milestones == 0  # due today
    assert overdue(Q1, datetime.date(2026, 4, 20)).overdue_milestones == 1
    # Running period: only what fell due by today counts.
    assert overdue(Q3, datetime.date(2026, 8, 28)).overdue_milestones == 1  # the first one
    first.status, first.done_on = Status.DONE, datetime.date(2026, 3, 20)
    first.save()
    assert overdue(Q1, datetime.date(2026, 4, 20)).overdue_milestones == 1  # done late in Q1
    assert overdue(Q2, datetime.date(2026, 7, 20)).overdue_milestones == 0  # old news
    assert overdue(Q3, datetime.date(2026, 8, 28)).overdue_milestones == 0
    assert overdue(Q3, datetime.date(2026, 10, 20)).overdue_milestones == 1  # the second
    second.status, second.done_on = Status.DONE, datetime.date(2026, 8, 29)
    second.save()
    line = overdue(Q3, datetime.date(2026, 10, 20))
    assert line.overdue_milestones == 0
    assert not line.has_problem or line.report == ReportStatus.MISSING


def test_milestones_of_a_plan_not_approved_are_not_overdue(users, world):
    other = world.sichuan_tasks[1]
    Milestone.objects.create(
        task=other, position=1, title="草案节点", due_on=datetime.date(2026, 2, 1)
    )
    result = dispatch_for(users["national"], world.programme, Q1, today=datetime.date(2026, 5, 1))
    assert line_of(result, other).overdue_milestones == 0


def test_open_help_requests_are_counted_until_answered(users, world):
    task = world.task
    help_request = HelpRequest.objects.create(
        task=task, level="locality", text="需要协调用地", raised_by=users["implementer"]
    )
    today = datetime.date(2026, 5, 1)
    result = dispatch_for(users["national"], world.programme, Q1, today=today)
    assert line_of(result, task).open_help == 1
    by_claimant = {line.claimant and line.claimant.pk: line.open_help for line in result.claimants}
    assert by_claimant == {world.sichuan.pk: 1, world.guangdong.pk: 0}
    help_request.state, help_request.answer = "answered", "已协调"
    help_request.answered_at, help_request.answered_by = at(today), users["sichuan"]
    help_request.save()
    result = dispatch_for(users["national"], world.programme, Q1, today=today)
    assert line_of(result, task).open_help == 0


# Roll-up ------------------------------------------------------------------------------------


def test_summary_per_claimant_and_progress_are_the_selectors_figures(users, world):
    task, national = world.task, users["national"]
    first = task.milestones.get(position=1)
    first.status, first.done_on = Status.DONE, datetime.date(2026, 3, 1)
    first.save()
    refresh_progress(task)
    Task.objects.filter(pk=world.sichuan_tasks[2].pk).update(weight=Decimal(3))
    report(task, Q1, at(datetime.date(2026, 4, 9)), users["implementer"])
    result = dispatch_for(national, world.programme, Q1, today=datetime.date(2026, 4, 20))
    by_name = {line.claimant and line.claimant.short_name: line for line in result.claimants}
    assert list(by_name) == ["广东省", "四川省"]
    sichuan = by_name["四川省"]
    assert (sichuan.tasks, sichuan.on_time, sichuan.not_expected) == (3, 1, 2)
    assert (sichuan.late, sichuan.missing, sichuan.overdue_milestones) == (0, 0, 0)
    expected = claimant_progress(Task.objects.filter(programme=world.programme))
    assert sichuan.progress == expected[world.sichuan.pk]
    assert sichuan.progress == Decimal("6.7")  # (33.3×1 + 0 + 0×3) / 5
    assert by_name["广东省"].progress == Decimal("0.0")
    assert result.total.tasks == 6
    assert result.total.progress == Decimal("3.4")


def test_the_drill_down_lists_problem_tasks_by_default(users, world):
    report(world.task, Q1, at(datetime.date(2026, 4, 20)), users["implementer"])  # late
    result = dispatch_for(users["national"], world.programme, Q1, today=datetime.date(2026, 4, 30))
    assert [line.task.pk for line in result.select()] == [world.task.pk]
    assert len(result.select("all")) == 6
    assert len(result.select(ReportStatus.NOT_EXPECTED)) == 5
    assert result.select("overdue")[0].overdue_milestones == 1
    assert result.select("help") == []
    assert result.select("all", "事项0")[0].task.pk == world.task.pk


def test_default_period_is_the_last_whose_report_has_come_due():
    schedule = Schedule()
    assert schedule.last_due(datetime.date(2026, 4, 9)) == (2025, 4)
    assert schedule.last_due(datetime.date(2026, 4, 10)) == Q1
    assert schedule.last_due(datetime.date(2026, 7, 1)) == Q1
    assert Schedule(months=1, due_days=5).last_due(datetime.date(2026, 3, 5)) == (2026, 2)


# Pages --------------------------------------------------------------------------------------


def page(user, **params):
    params.setdefault("period", "2026-1")
    return client_for(user).get("/tasks/dispatch/", params, HTTP_ACCEPT_LANGUAGE="en")


def test_a_locality_sees_only_its_own_claimant(users, world):
    html = page(users["guangdong"], status="all").content.decode()
    assert "广东省" in html and "事项3" in html
    assert "四川省" not in html and "事项0" not in html
    assert f"/tasks/{world.task.pk}/" not in html
    # Naming another claimant changes nothing: a locality has no claimant to choose.
    sneaky = page(users["guangdong"], status="all", claimant=world.sichuan.pk).content.decode()
    assert "四川省" not in sneaky and "事项0" not in sneaky


def test_the_national_coordinator_sees_every_claimant_and_can_choose_one(users, world):
    html = page(users["national"], status="all").content.decode()
    assert "四川省" in html and "广东省" in html
    one = page(users["national"], status="all", claimant=world.guangdong.pk).content.decode()
    assert "事项3" in one and "事项0" not in one


@pytest.mark.parametrize("role", ["implementer", "expert", "public", "city", "innovator"])
def test_other_roles_are_refused(users, world, role):
    client = client_for(users[role])
    assert client.get("/tasks/dispatch/").status_code == 403
    assert client.get("/tasks/dispatch/xlsx/").status_code == 403


def test_anonymous_is_sent_to_log_in(world):
    from django.test import Client

    assert Client().get("/tasks/dispatch/").status_code == 302


def test_missing_report_and_overdue_milestone_show_on_the_page(users, world):
    # Q1 of 2026 is long past by the clock: the report is missing, the first milestone late.
    html = page(users["sichuan"]).content.decode()
    assert "Tasks needing attention" in html
    assert "事项0" in html
    assert '<span class="badge missing">missing</span>' in html
    assert '<span class="bad">1</span>' in html  # one overdue milestone


def test_the_page_offers_the_periods_and_keeps_the_choice(users, world):
    html = page(users["sichuan"], period="2026-2").content.decode()
    assert '<option value="2026-2" selected>Q2 2026</option>' in html
    assert "2026-07-10" in html  # its due date


def test_the_period_list_runs_from_the_first_approval_to_the_running_period(users, world):
    Task.objects.filter(pk=world.task.pk).update(plan_approved_at=at(datetime.date(2024, 5, 1)))
    form = DispatchFilterForm(QueryDict(), user=users["national"], today=datetime.date(2026, 8, 1))
    keys = [option.data["value"] for option in form["period"]]
    # Q2 2024 to Q3 2026, newest first.
    assert keys == ["2026-3", "2026-2", "2026-1"] + [f"2025-{n}" for n in (4, 3, 2, 1)] + [
        "2024-4",
        "2024-3",
        "2024-2",
    ]
    # Years of monthly periods: the newest forty.
    monthly = Schedule(months=1).choices(datetime.date(2020, 1, 1), datetime.date(2026, 8, 1))
    assert (len(monthly), monthly[0], monthly[-1]) == (CHOICES, (2026, 8), (2023, 5))


def test_without_any_task_the_page_says_so(users):
    html = client_for(users["sichuan"]).get("/tasks/dispatch/", HTTP_ACCEPT_LANGUAGE="en")
    assert html.status_code == 200
    assert "No task to dispatch yet" in html.content.decode()


# The workbook equals the page --------------------------------------------------------------


class Tables(HTMLParser):
    """The text of each cell of each table with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str | None, list[list[str]]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None
        self.head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current = dict(attrs).get("id")
            self.tables[self.current] = []
        elif tag == "thead":
            self.head = True
        elif tag == "tr" and self.current and not self.head:
            self.tables[self.current].append([])
        elif tag in ("td", "th") and self.current and not self.head:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "thead":
            self.head = False
        elif tag in ("td", "th") and self.cell is not None:
            self.tables[self.current][-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def normal(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):  # a date-time cell; the page shows minutes
        return value.strftime("%Y-%m-%d %H:%M")
    try:
        return str(Decimal(str(value)).normalize())
    except ArithmeticError:
        return str(value)


def test_the_workbook_has_the_figures_of_the_page(users, world):
    task = world.task
    report(task, Q1, at(datetime.date(2026, 4, 20)), users["implementer"])
    HelpRequest.objects.create(
        task=task, level="locality", text="需协调", raised_by=users["implementer"]
    )
    first = task.milestones.get(position=1)
    first.status, first.done_on = Status.DONE, datetime.date(2026, 3, 1)
    first.save()
    refresh_progress(task)
    params = {"period": "2026-1", "status": "all"}
    client = client_for(users["national"])
    html = client.get("/tasks/dispatch/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = exported(client, "/tasks/dispatch/xlsx/", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    parser = Tables()
    parser.feed(html)
    summary = [
        [normal(v) for v in row]
        for row in workbook["By claimant"].iter_rows(min_row=3, values_only=True)
    ]
    tasks = [
        [normal(v) for v in row] for row in workbook["Tasks"].iter_rows(min_row=3, values_only=True)
    ]
    assert summary == [[normal(v) for v in row] for row in parser.tables["dispatch-summary"]]
    assert tasks == [[normal(v) for v in row] for row in parser.tables["dispatch-tasks"]]
    assert len(tasks) == 6
    sichuan_row = next(row for row in summary if row[0] == "四川省")
    assert sichuan_row[1:5] == ["3", "0", "1", "0"]  # tasks, on time, late, missing
    assert sichuan_row[-1] == normal(
        claimant_progress(Task.objects.filter(pk__in=[t.pk for t in world.sichuan_tasks]))[
            world.sichuan.pk
        ]
    )
    assert workbook["By claimant"]["A2"].value == "Claimant"


def test_the_workbook_of_a_locality_holds_only_its_own(users, world):
    response = exported(
        client_for(users["guangdong"]),
        "/tasks/dispatch/xlsx/",
        {"period": "2026-1", "status": "all"},
    )
    workbook = load_workbook(io.BytesIO(response.content))
    names = {row[0] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)}
    with translation.override("zh-hans"):  # the default language
        assert names == {"广东省", translation.gettext("Total")}
    titles = {row[1] for row in workbook.worksheets[1].iter_rows(min_row=3, values_only=True)}
    assert titles == {"事项1", "事项2", "事项3"}


# Query count --------------------------------------------------------------------------------


def grow(world, users, count: int) -> None:
    """More tasks for Sichuan, each with a milestone overdue, a report and a help request."""
    programme = world.programme
    start = programme.items.count()
    for n in range(start, start + count):
        item = ProgrammeItem.objects.create(
            programme=programme, position=n + 1, category="新增类", title=f"新增事项{n}"
        )
        claim = Claim.objects.create(item=item, claimant=world.sichuan, claimed_by=users["sichuan"])
        task = Task.objects.create(
            claim=claim,
            programme=programme,
            claimant=world.sichuan,
            title=item.title,
            plan_state="approved",
            plan_approved_at=at(datetime.date(2026, 1, 5)),
        )
        Milestone.objects.create(
            task=task, position=1, title="节点", due_on=datetime.date(2026, 2, 1)
        )
        report(task, Q1, at(datetime.date(2026, 4, 12)), users["implementer"])
        HelpRequest.objects.create(
            task=task, level="locality", text="协调", raised_by=users["implementer"]
        )


@pytest.mark.parametrize("viewer", ["national", "sichuan"])
def test_query_count_does_not_grow_with_the_tasks(
    users, world, viewer, django_assert_max_num_queries
):
    client = client_for(users[viewer])
    params = {"period": "2026-1", "status": "all"}

    def measure() -> tuple[int, int]:
        client.get("/tasks/dispatch/", params)  # warm the session
        with django_assert_max_num_queries(20) as captured:
            assert client.get("/tasks/dispatch/", params).status_code == 200
        # The workbook is a background job: its queueing, the engine's task, claim and
        # heartbeat, its run and its download, counted together.
        with django_assert_max_num_queries(45) as exporting:
            assert exported(client, "/tasks/dispatch/xlsx/", params).status_code == 200
        return len(captured), len(exporting)

    small = measure()
    grow(world, users, 25)
    large = measure()
    assert small == large
    html = client.get("/tasks/dispatch/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page 1 of 2" in html
