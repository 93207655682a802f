"""Supervision (督查): recording inspections, following up and closing rectifications, who may
do what, the index with its filters and export, and the part of the task page."""

import datetime
import io
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from openpyxl import load_workbook

from audit.models import AuditEntry
from kernel.errors import Forbidden
from notifications.models import Notification
from tasks.errors import TaskError
from tasks.models import FollowUp, Inspection
from tasks.services import supervision as services
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def w(users):
    world = task_world(users, approved=False)
    # Only this test's messages, not those of setting the world up (issue #12's hand-offs).
    Notification.objects.all().delete()
    return world


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def inspect(task, by, *, rectification="", rectify_by=None, **kw):
    return services.inspection_record(
        task=task,
        by=by,
        kind=kw.pop("kind", Inspection.Kind.VISIT),
        inspected_on=kw.pop("inspected_on", TODAY - 5 * DAY),
        findings=kw.pop("findings", "试点进度滞后"),
        rectification=rectification,
        rectify_by=rectify_by,
    )


def actions(task, action):
    return AuditEntry.objects.filter(object_id=str(task.pk), action=action)


# Recording ----------------------------------------------------------------------------------


def test_nothing_to_rectify_closes_at_once_and_tells_nobody(users, w):
    inspection = inspect(w.task, users["national"])
    assert inspection.state == Inspection.State.CLOSED and inspection.closed_at is not None
    assert actions(w.task, "task.inspected").count() == 1
    assert not Notification.objects.filter(user=users["implementer"]).exists()


def test_a_rectification_stays_open_and_the_implementers_are_told(
    users, w, mailoutbox, django_capture_on_commit_callbacks
):
    users["implementer"].email = "impl@example.org"
    users["implementer"].email_choice = "each"  # one e-mail per message, not the daily digest
    users["implementer"].save()
    with django_capture_on_commit_callbacks(execute=True):
        inspection = inspect(
            w.task, users["sichuan"], rectification="补齐试点台账", rectify_by=TODAY + 30 * DAY
        )
    assert inspection.state == Inspection.State.OPEN and inspection.closed_at is None
    note = Notification.objects.get(user=users["implementer"])
    assert "Rectification required" in note.subject
    assert note.url == f"/tasks/inspections/{inspection.pk}/"
    from notifications.services import mail_send_due  # the worker's e-mail run

    assert mailoutbox == [] and mail_send_due().sent == 1
    assert [m.to for m in mailoutbox] == [["impl@example.org"]]
    # Implementers of other tasks hear nothing.
    assert not Notification.objects.filter(user=users["other_innovator"]).exists()


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"findings": "  "}, "findings"),
        ({"rectification": "整改", "rectify_by": None}, "rectification is due"),
        ({"rectify_by": TODAY}, "needs the rectification"),
        ({"inspected_on": TODAY + DAY}, "future"),
        ({"rectification": "整改", "rectify_by": TODAY - 10 * DAY}, "before the inspection"),
        ({"kind": "phone_call"}, "kind"),
    ],
)
def test_rules_of_recording(users, w, kw, message):
    with pytest.raises(TaskError, match=message):
        inspect(w.task, users["national"], **kw)
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("who", ["guangdong", "implementer", "region", "evaluator", "public"])
def test_only_national_or_the_locality_inspect(users, w, who):
    with pytest.raises(Forbidden):
        inspect(w.task, users[who])
    assert not Inspection.objects.exists()


def test_the_database_keeps_an_inspection_without_rectification_closed(users, w):
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(
            task=w.task,
            kind="visit",
            inspected_on=TODAY,
            findings="x",
            state="open",
            inspector=users["national"],
        )


# Following up and closing -------------------------------------------------------------------


@pytest.fixture
def open_inspection(users, w):
    return inspect(w.task, users["national"], rectification="补齐台账", rectify_by=TODAY + DAY)


def test_implementer_reports_the_rectification_and_the_inspector_hears(users, open_inspection):
    services.follow_up_add(inspection=open_inspection, by=users["implementer"], note="已补齐台账")
    assert list(open_inspection.follow_ups.values_list("note", "closes")) == [("已补齐台账", False)]
    note = Notification.objects.get(user=users["national"])
    assert "Rectification reported" in note.subject
    services.follow_up_add(inspection=open_inspection, by=users["sichuan"], note="已现场核实")
    assert open_inspection.follow_ups.count() == 2
    assert actions(open_inspection.task, "task.followed_up").count() == 2


@pytest.mark.parametrize("who", ["guangdong", "region", "other_innovator", "evaluator"])
def test_outsiders_cannot_follow_up(users, open_inspection, who):
    with pytest.raises(Forbidden):
        services.follow_up_add(inspection=open_inspection, by=users[who], note="x")
    assert not FollowUp.objects.exists()


def test_a_follow_up_needs_a_note(users, open_inspection):
    with pytest.raises(TaskError, match="note"):
        services.follow_up_add(inspection=open_inspection, by=users["implementer"], note=" ")


def test_the_locality_may_close_what_the_national_recorded(users, open_inspection):
    """The inspecting side is national and locality together: either closes."""
    closed = services.inspection_close(
        inspection=open_inspection, by=users["sichuan"], note="整改到位"
    )
    assert closed.state == Inspection.State.CLOSED and closed.closed_at is not None
    last = closed.follow_ups.get()
    assert last.closes and last.note == "整改到位" and last.by == users["sichuan"]
    entry = actions(closed.task, "task.inspection_closed").get()
    assert (
        entry.changes == {"inspection": ["rectification open", "closed"]}
        and "整改到位" in entry.note
    )
    assert Notification.objects.filter(
        user=users["implementer"], subject__startswith="Rectification closed"
    ).exists()
    with pytest.raises(TaskError, match="already closed"):
        services.inspection_close(inspection=closed, by=users["national"], note="再次")
    with pytest.raises(TaskError, match="closed"):
        services.follow_up_add(inspection=closed, by=users["implementer"], note="补充")


def test_closing_needs_a_note_and_the_inspecting_side(users, open_inspection):
    with pytest.raises(TaskError, match="why"):
        services.inspection_close(inspection=open_inspection, by=users["national"], note="  ")
    for who in ("implementer", "guangdong"):
        with pytest.raises(Forbidden):
            services.inspection_close(inspection=open_inspection, by=users[who], note="整改到位")
    open_inspection.refresh_from_db()
    assert open_inspection.state == Inspection.State.OPEN
    assert not open_inspection.follow_ups.exists()


# Pages --------------------------------------------------------------------------------------


def test_recording_over_http_keeps_what_was_typed_when_refused(users, w):
    client = client_for(users["sichuan"])
    url = f"/tasks/{w.task.pk}/inspections/new/"
    assert client.get(url, **EN).status_code == 200
    data = {
        "kind": "visit",
        "inspected_on": (TODAY - DAY).isoformat(),
        "findings": "台账不全",
        "rectification": "一个月内补齐",
        "rectify_by": "",
    }
    response = client.post(url, data, **EN)
    assert response.status_code == 200
    assert "一个月内补齐" in response.content.decode() and "台账不全" in response.content.decode()
    assert "Give the date by which the rectification is due." in response.content.decode()
    assert not Inspection.objects.exists()
    response = client.post(url, {**data, "rectify_by": (TODAY + 20 * DAY).isoformat()})
    inspection = Inspection.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/tasks/inspections/{inspection.pk}/"
    )
    assert inspection.inspector == users["sichuan"] and inspection.state == "open"


@pytest.mark.parametrize(
    ("who", "status"), [("guangdong", 404), ("implementer", 403), ("other_innovator", 404)]
)
def test_recording_refused_over_http(users, w, who, status):
    client = client_for(users[who])
    url = f"/tasks/{w.task.pk}/inspections/new/"
    assert client.get(url).status_code == status
    data = {"kind": "visit", "inspected_on": TODAY.isoformat(), "findings": "x"}
    assert client.post(url, data).status_code == status
    assert not Inspection.objects.exists()


def test_follow_up_and_close_over_http(users, open_inspection):
    url = f"/tasks/inspections/{open_inspection.pk}/"
    implementer = client_for(users["implementer"])
    page = implementer.get(url, **EN).content.decode()
    assert "补齐台账" in page and "Add a follow-up" in page
    assert "Close the rectification" not in page  # not the implementer's to close
    assert implementer.post(url, {"note": ""}, **EN).status_code == 200
    assert implementer.post(url, {"note": "已补齐"}).status_code == 302
    assert implementer.get(f"{url}close/").status_code == 403
    assert client_for(users["guangdong"]).get(url).status_code == 404
    assert client_for(users["guangdong"]).post(url, {"note": "x"}).status_code == 404

    sichuan = client_for(users["sichuan"])
    confirm = sichuan.get(f"{url}close/", **EN)
    assert confirm.status_code == 200 and "Close the rectification" in confirm.content.decode()
    open_inspection.refresh_from_db()
    assert open_inspection.state == "open"  # the GET only asks
    refused = sichuan.post(f"{url}close/", {"note": ""}, **EN)
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert sichuan.post(f"{url}close/", {"note": "核实到位"}).status_code == 302
    open_inspection.refresh_from_db()
    assert open_inspection.state == "closed"
    assert list(open_inspection.follow_ups.values_list("note", flat=True)) == ["已补齐", "核实到位"]
    # Closed: no more follow-ups, and the close page sends back with a message.
    assert implementer.post(url, {"note": "再补充"}).status_code == 403
    assert sichuan.get(f"{url}close/").status_code == 302


def test_the_task_page_shows_inspections_and_the_actions_of_each_side(users, open_inspection):
    task_url = f"/tasks/{open_inspection.task_id}/"
    national = client_for(users["national"]).get(task_url, **EN).content.decode()
    assert "补齐台账" in national and "Record an inspection" in national
    assert f"/tasks/inspections/{open_inspection.pk}/close/" in national
    implementer = client_for(users["implementer"]).get(task_url, **EN).content.decode()
    assert "补齐台账" in implementer and "Record an inspection" not in implementer
    assert f"/tasks/inspections/{open_inspection.pk}/close/" not in implementer
    assert "Add a follow-up" in implementer


# Index --------------------------------------------------------------------------------------


@pytest.fixture
def many(users, w):
    """Sichuan: one overdue visit, one open review, one closed visit; Guangdong: one visit."""
    overdue = inspect(
        w.task,
        users["national"],
        rectification="逾期整改",
        rectify_by=TODAY - DAY,
        inspected_on=TODAY - 10 * DAY,
    )
    review = inspect(
        w.sichuan_tasks[1],
        users["sichuan"],
        kind=Inspection.Kind.REPORT_REVIEW,
        findings="报告缺数据",
        rectification="补报数据",
        rectify_by=TODAY + 10 * DAY,
    )
    closed = inspect(w.task, users["sichuan"], findings="进展良好")
    other = inspect(w.guangdong_tasks[0], users["guangdong"], findings="广东检查")
    return {"overdue": overdue, "review": review, "closed": closed, "other": other}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("national", {"overdue", "review", "closed", "other"}),
        ("sichuan", {"overdue", "review", "closed"}),
        ("guangdong", {"other"}),
        ("implementer", {"overdue", "closed"}),  # only the task its organisation implements
    ],
)
def test_the_index_is_scoped(users, many, who, expected):
    page = client_for(users[who]).get("/tasks/inspections/").context["page"]
    assert {i.pk for i in page.object_list} == {many[k].pk for k in expected}


@pytest.mark.parametrize("who", ["expert", "public", "innovator"])
def test_the_index_is_refused_to_others(users, many, who):
    assert client_for(users[who]).get("/tasks/inspections/").status_code == 403
    assert client_for(users[who]).get("/tasks/inspections/xlsx/").status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=open", {"overdue", "review"}),
        ("state=closed", {"closed", "other"}),
        ("overdue=on", {"overdue"}),
        ("kind=report_review", {"review"}),
        ("q=缺数据", {"review"}),
        ("q=广东", {"other"}),
        ("state=open&kind=visit", {"overdue"}),
    ],
)
def test_index_filters(users, many, query, expected):
    page = client_for(users["national"]).get(f"/tasks/inspections/?{query}").context["page"]
    assert {i.pk for i in page.object_list} == {many[k].pk for k in expected}


def test_index_filters_by_programme(users, many, w):
    client = client_for(users["national"])
    page = client.get(f"/tasks/inspections/?programme={w.programme.pk}").context["page"]
    assert page.paginator.count == 4
    # A programme the user cannot choose is an invalid filter, dropped on its own.
    page = client.get("/tasks/inspections/?programme=999999").context["page"]
    assert page.paginator.count == 4


def test_overdue_is_marked_on_the_page(users, many):
    html = client_for(users["sichuan"]).get("/tasks/inspections/", **EN).content.decode()
    assert html.count('class="bad">overdue<') == 1


def test_export_holds_the_filtered_rows(users, many):
    response = client_for(users["sichuan"]).get("/tasks/inspections/xlsx/?state=open", **EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header, body = rows[0], rows[1:]
    assert header[0] == "No." and "Rectify by" in header and "Overdue" in header
    assert {r[0] for r in body} == {many["overdue"].pk, many["review"].pk}
    overdue_row = next(r for r in body if r[0] == many["overdue"].pk)
    assert overdue_row[header.index("Overdue")] == "yes"
    assert overdue_row[header.index("Rectification required")] == "逾期整改"


def test_export_lists_the_follow_ups(users, many):
    services.follow_up_add(inspection=many["overdue"], by=users["implementer"], note="已补齐")
    response = client_for(users["guangdong"]).get("/tasks/inspections/xlsx/")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == [many["other"].pk]
    response = client_for(users["national"]).get("/tasks/inspections/xlsx/?overdue=on", **EN)
    rows = list(
        load_workbook(io.BytesIO(response.content))
        .worksheets[0]
        .iter_rows(min_row=2, values_only=True)
    )
    assert "已补齐" in str(rows[1][rows[0].index("Follow-ups")])


@pytest.mark.parametrize("url", ["/tasks/inspections/", "/tasks/inspections/xlsx/"])
def test_index_query_count_does_not_grow(users, w, url, django_assert_max_num_queries):
    client = client_for(users["national"])

    def add(n):
        for _ in range(n):
            i = inspect(w.task, users["national"], rectification="整改", rectify_by=TODAY)
            services.follow_up_add(inspection=i, by=users["implementer"], note="已整改")

    counts = []
    for n in (2, 10):
        add(n)
        client.get(url)  # warm the session
        with django_assert_max_num_queries(12) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
