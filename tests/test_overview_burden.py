"""The burden monitor (减负监测, issue #12): the platform's own cost to its users, for the
national level only. Platform measurements (平台统计口径), not rules of 484号; the field's
complaint that platforms add work (智能官僚主义) is source 001's.

Every figure is computed from known data — reports with their creation and submission times,
audit entries, reminders — and asserted exactly."""

import datetime
import io
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from audit.services import record
from demo.dating import entries_dated
from notifications.models import Notification
from overview import burden
from regions.models import Division
from tasks.models import ProgressReport, Task
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def file_report(
    task: Task, user, year: int, period: int, created, submitted=None
) -> ProgressReport:
    state = ProgressReport.State.DRAFT if submitted is None else ProgressReport.State.SUBMITTED
    report = ProgressReport.objects.create(
        task=task, year=year, period=period, created_by=user, state=state, submitted_at=submitted
    )
    ProgressReport.objects.filter(pk=report.pk).update(created_at=created)
    return report


def act(task: Task, user, action: str, moment) -> None:
    # Written at `moment`: an entry is never changed once written (audit 0003).
    with entries_dated(moment):
        record(action, obj=task, by=user)


def remind(user, moment, *, reminder: bool = True) -> None:
    note = Notification.objects.create(user=user, subject="请报送进展报告", is_reminder=reminder)
    Notification.objects.filter(pk=note.pk).update(created_at=moment)


SAVED, SUBMITTED = "task.report_saved", "task.report_submitted"


def build(users):
    """Sichuan 2025: three reports of 2, 3 and 5 actions taking 10, 30 and 60 minutes;
    Sichuan 2026: two reports of 4 and 1 actions taking 20 and 40 minutes; Guangdong 2025:
    one report with no recorded action, 15 minutes, and a draft (not counted)."""
    world = task_world(users)
    a, b = world.sichuan_tasks[0], world.sichuan_tasks[1]
    g = world.guangdong_tasks[0]
    me, gd = users["implementer"], users["other_innovator"]
    # Sichuan, task A, 2025 Q1: 3 actions, 10 minutes. A review and a later save are not its.
    file_report(a, me, 2025, 1, at(2025, 4, 1, 9, 0), at(2025, 4, 1, 9, 10))
    act(a, me, SAVED, at(2025, 4, 1, 9, 0, 1))
    act(a, me, SAVED, at(2025, 4, 1, 9, 5))
    act(a, me, SUBMITTED, at(2025, 4, 1, 9, 10, 0))
    act(a, users["sichuan"], "task.report_reviewed", at(2025, 4, 1, 9, 10, 30))
    act(a, me, SAVED, at(2025, 5, 1, 9, 0))
    # Task A, 2025 Q2: 2 actions, 30 minutes.
    file_report(a, me, 2025, 2, at(2025, 7, 1, 10, 0), at(2025, 7, 1, 10, 30))
    act(a, me, SAVED, at(2025, 7, 1, 10, 0))
    act(a, me, SUBMITTED, at(2025, 7, 1, 10, 30))
    # Task B, 2025 Q1: 5 actions, 60 minutes.
    file_report(b, me, 2025, 1, at(2025, 4, 2, 8, 0), at(2025, 4, 2, 9, 0))
    for minute in (0, 10, 20, 30):
        act(b, me, SAVED, at(2025, 4, 2, 8, minute))
    act(b, me, SUBMITTED, at(2025, 4, 2, 9, 0))
    # 2026: task A 4 actions in 20 minutes, task B 1 action in 40.
    file_report(a, me, 2026, 1, at(2026, 4, 1, 9, 0), at(2026, 4, 1, 9, 20))
    for minute in (0, 5, 10):
        act(a, me, SAVED, at(2026, 4, 1, 9, minute))
    act(a, me, SUBMITTED, at(2026, 4, 1, 9, 20))
    file_report(b, me, 2026, 1, at(2026, 4, 3, 9, 0), at(2026, 4, 3, 9, 40))
    act(b, me, SUBMITTED, at(2026, 4, 3, 9, 40))
    # Guangdong 2025: one report, no entry; a draft that is not filed.
    file_report(g, gd, 2025, 1, at(2025, 4, 10, 9, 0), at(2025, 4, 10, 9, 15))
    file_report(g, gd, 2025, 2, at(2025, 7, 10, 9, 0))
    # Reminders. Sichuan, March 2025: the implementer (its department is Sichuan's) 3, the
    # province's coordinator 1, the city's 2. April: the implementer 1 (00:30 on 1 April in
    # Beijing time, still 31 March in UTC), the coordinator 4.
    for day in (3, 10, 20):
        remind(me, at(2025, 3, day, 9, 0))
    remind(users["sichuan"], at(2025, 3, 5, 9, 0))
    remind(users["city"], at(2025, 3, 5, 9, 0))
    remind(users["city"], at(2025, 3, 31, 23, 30))
    remind(me, at(2025, 4, 1, 0, 30))
    for day in (1, 2, 3, 4):
        remind(users["sichuan"], at(2025, 4, day, 9, 0))
    # Guangdong, March 2025: its coordinator 2. Not counted: a message that is no reminder, a
    # reminder to the experiment region's coordinator (no province), one in 2024.
    remind(users["guangdong"], at(2025, 3, 1, 9, 0))
    remind(users["guangdong"], at(2025, 3, 2, 9, 0))
    remind(me, at(2025, 3, 4, 9, 0), reminder=False)
    remind(users["region"], at(2025, 3, 4, 9, 0))
    remind(me, at(2024, 12, 31, 9, 0))
    return world


def rows(filters: burden.Filters) -> dict[tuple[str, int], dict]:
    found = burden.with_medians(list(burden.report_rows(filters)), filters)
    return {(row["locality"], row["year"]): row for row in found}


@pytest.mark.django_db
def test_report_figures_per_programme_locality_and_year(users):
    build(users)
    found = rows(burden.Filters())
    assert list(found) == [("四川省", 2026), ("广东省", 2025), ("四川省", 2025)]
    sichuan = found[("四川省", 2025)]
    assert (sichuan["tasks"], sichuan["filed"], sichuan["per_task"]) == (3, 3, 1.0)
    assert sichuan["median_actions"] == 3.0
    assert sichuan["median_minutes"] == 30.0
    later = found[("四川省", 2026)]
    assert (later["filed"], later["per_task"]) == (2, 0.67)
    assert later["median_actions"] == 2.5
    assert later["median_minutes"] == 30.0
    guangdong = found[("广东省", 2025)]
    assert (guangdong["tasks"], guangdong["filed"], guangdong["per_task"]) == (3, 1, 0.33)
    assert guangdong["median_actions"] == 0.0
    assert guangdong["median_minutes"] == 15.0
    assert guangdong["programme_title"] == "测试揭榜"


@pytest.mark.django_db
def test_a_back_filled_report_is_counted_as_filed_but_not_timed(users):
    """A report loaded with its past dates (the bulk sheet, a migration of old records) was
    submitted before its row was created: it counts as filed, and its negative "minutes" and
    zero actions stay out of the medians."""
    world = build(users)
    task = world.sichuan_tasks[2]
    file_report(task, users["implementer"], 2026, 1, at(2026, 12, 3, 9, 0), at(2026, 4, 5, 9, 0))
    later = rows(burden.Filters())[("四川省", 2026)]
    assert later["filed"] == 3
    assert later["median_actions"] == 2.5
    assert later["median_minutes"] == 30.0


@pytest.mark.django_db
def test_filters_by_year_locality_and_programme(users):
    world = build(users)
    assert list(rows(burden.Filters(year=2026))) == [("四川省", 2026)]
    guangdong = Division.objects.get(code="440000")
    assert list(rows(burden.Filters(province=guangdong))) == [("广东省", 2025)]
    assert len(rows(burden.Filters(programme=world.programme))) == 3
    other = type(world.programme).objects.exclude(pk=world.programme.pk).first()
    if other is not None:
        assert rows(burden.Filters(programme=other)) == {}


def test_medians_read_only_the_middle():
    values = [(("a",), 1), (("a",), 2), (("a",), 10), (("b",), 4), (("b",), 6)]
    assert burden.medians(iter(values), {("a",): 3, ("b",): 2}) == {("a",): 2, ("b",): 5}


@pytest.mark.django_db
def test_reminders_per_person_per_month(users):
    build(users)
    found = burden.reminder_rows(burden.Filters(year=2025), datetime.date(2026, 12, 3))
    assert [row.name for row in found] == ["广东省", "四川省"]
    guangdong, sichuan = found
    march, april = sichuan.cells[2], sichuan.cells[3]
    assert (march.people, march.sent, march.median, march.most) == (3, 6, 2.0, 3)
    assert (april.people, april.sent, april.median, april.most) == (2, 5, 2.5, 4)
    assert sichuan.cells[0].people == 0 and sichuan.cells[0].median is None
    assert sichuan.sent == 11
    g_march = guangdong.cells[2]
    assert (g_march.people, g_march.sent, g_march.median, g_march.most) == (1, 2, 2.0, 2)
    assert guangdong.sent == 2


@pytest.mark.django_db
def test_reminders_cover_the_last_twelve_months(users):
    build(users)
    shown = burden.months(burden.Filters(), datetime.date(2025, 4, 15))
    assert shown[0] == datetime.date(2024, 5, 1) and shown[-1] == datetime.date(2025, 4, 1)
    found = burden.reminder_rows(burden.Filters(), datetime.date(2025, 4, 15))
    sichuan = next(row for row in found if row.name == "四川省")
    # The December 2024 reminder is within the last twelve months.
    assert sichuan.cells[7].sent == 1 and sichuan.sent == 12
    sichuan_only = burden.reminder_rows(
        burden.Filters(province=Division.objects.get(code="510000")), datetime.date(2025, 4, 15)
    )
    assert [row.name for row in sichuan_only] == ["四川省"]


@pytest.mark.django_db
def test_page_shows_the_figures_for_the_national_level(users):
    build(users)
    response = client_for(users["national"]).get(
        "/overview/burden/?year=2025", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "platform measurements (平台统计口径)" in body
    assert "server&#x27;s own records (平台记录)" in body
    table = body[body.index('id="burden-reports"') : body.index("</table>")]
    assert "<td>四川省</td><td>2025</td>\n    <td>3</td><td>3</td><td>1.0</td>" in table
    assert "<td>3.0</td><td>30.0</td>" in table
    assert "2026" not in table
    reminders = body[body.index('id="burden-reminders"') :]
    assert "2.0 / 3" in reminders and "2.5 / 4" in reminders


@pytest.mark.django_db
def test_dashboard_links_to_the_monitor_for_the_national_level_only(users):
    national = client_for(users["national"]).get("/overview/").content.decode()
    assert "/overview/burden/" in national
    sichuan = client_for(users["sichuan"]).get("/overview/").content.decode()
    assert "/overview/burden/" not in sichuan


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["sichuan", "implementer", "city", "expert"])
@pytest.mark.parametrize("path", ["/overview/burden/", "/overview/burden.xlsx"])
def test_anyone_but_the_national_level_is_refused(users, who, path):
    assert client_for(users[who]).get(path).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/overview/burden/").status_code == 302


@pytest.mark.django_db
def test_empty_state(users):
    response = client_for(users["national"]).get("/overview/burden/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "No progress report has been submitted within these filters yet." in body
    assert "The platform sent no reminder within these filters." in body


@pytest.mark.django_db
def test_pages_of_the_report_table(users, settings):
    build(users)
    settings.PAGE_SIZE = 1
    client = client_for(users["national"])
    second = client.get("/overview/burden/?page=3", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = second[second.index('id="burden-reports"') : second.index("</table>")]
    assert "<td>四川省</td><td>2025</td>" in table
    assert "<td>3.0</td><td>30.0</td>" in table
    assert "Page 3 of 3" in second


@pytest.mark.django_db
def test_export_holds_both_tables(users):
    build(users)
    guangdong = Division.objects.get(code="440000")
    response = client_for(users["national"]).get(
        f"/overview/burden.xlsx?year=2025&locality={guangdong.pk}", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    reports, reminders = book.worksheets
    assert "Locality=广东省" in reports["A1"].value and "Year=2025" in reports["A1"].value
    assert [c.value for c in reports[2]] == [
        "Programme",
        "Locality",
        "Year",
        "Tasks",
        "Reports filed",
        "Reports per task",
        "Median actions per report",
        "Median minutes per report",
    ]
    assert [c.value for c in reports[3]] == ["测试揭榜", "广东省", 2025, 3, 1, 0.33, 0.0, 15.0]
    assert reports["A4"].value is None
    assert "平台统计口径" in reports["A5"].value
    assert reminders["A2"].value == "Locality"
    assert reminders["B2"].value == "2025-01 people reminded"
    march = [c.value for c in reminders[3]]
    assert march[0] == "广东省"
    assert march[1 + 2 * 3 : 1 + 3 * 3] == [1, 2.0, 2]
    assert march[-1] == 2


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def grow(users) -> None:
    """More of everything: every task of both localities files four reports a year with
    saves, and every user is reminded every month."""
    me = users["implementer"]
    for task in Task.objects.all():
        for year in (2024, 2027):
            for period in (1, 2, 3, 4):
                start = at(year, period * 3, 1, 9, 0)
                file_report(task, me, year, period, start, start + datetime.timedelta(minutes=7))
                act(task, me, SAVED, start)
                act(task, me, SUBMITTED, start + datetime.timedelta(minutes=7))
    for user in users.values():
        for month in range(1, 13):
            remind(user, at(2025, month, 2, 9, 0))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/overview/burden/", "/overview/burden.xlsx"])
def test_queries_do_not_grow_with_the_data(users, path):
    build(users)
    client = client_for(users["national"])
    client.get(path)  # warm the session and caches
    small = count_queries(client, path + "?year=2025")
    small_all = count_queries(client, path)
    grow(users)
    assert count_queries(client, path + "?year=2025") == small
    assert count_queries(client, path) == small_all
    assert small_all <= 14
