"""One-action periodic reports (issue #12, 减负): the due reports of an implementer, "no change
this period" (本期无变化) filed in one action for one task or for several at once, the report
form's defaults and form-level check, the draft banner, and the locality's "read" (已阅).

484号 asks for information filled in once (信息一次填报) and used everywhere (一表多用);
the one-action filing, its "due" window and the review are platform rules (平台规则)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override

from accounts.models import Role
from audit.models import AuditEntry
from kernel.errors import Forbidden
from notifications.models import Notification
from notifications.services import notify
from regions.models import Organisation
from tasks import reports_selectors as selectors
from tasks.errors import TaskError
from tasks.models import MilestoneUpdate, ProgressReport, Target, Task
from tasks.services import plans, reports
from tasks.services.reminders import reminder_about
from tests.conftest import client_for, make_user
from tests.test_tasks_fixtures import approved_plan, task_world
from tests.test_tasks_reports import fill

Q1, Q2, Q3, Q4 = (2026, 1), (2026, 2), (2026, 3), (2026, 4)
TODAY = datetime.date(2026, 11, 22)
NOW = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.UTC)
APPROVED = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)


@pytest.fixture
def w(users):
    world = task_world(users)
    Task.objects.filter(pk=world.task.pk).update(plan_approved_at=APPROVED)
    world.task = Task.objects.get(pk=world.task.pk)
    world.m1, world.m2 = world.task.milestones.order_by("position")
    world.t1 = world.task.targets.get()
    return world


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def submit(w, users, period, **figures):
    report = reports.report_start(task=w.task, by=users["implementer"], period=period, today=TODAY)
    figures.setdefault("done", "完成了本期工作")
    report = fill(report, users["implementer"], **figures)
    return reports.report_submit(report=report, by=users["implementer"])


def more_tasks(w, users):
    """The implementer's organisation also implements Sichuan's two other tasks, with approved
    plans (from the same day) and a draft on one: the larger data size."""
    for task in w.sichuan_tasks[1:]:
        plans.task_update(task=task, by=users["sichuan"], responsible_person="李四")
        plans.implementer_add(
            task=task, by=users["sichuan"], organisation=users["implementer"].organisation
        )
        approved_plan(task, users["sichuan"], users["implementer"])
        Task.objects.filter(pk=task.pk).update(plan_approved_at=APPROVED)
    other = Task.objects.get(pk=w.sichuan_tasks[1].pk)
    draft = reports.report_start(task=other, by=users["implementer"], period=Q1, today=TODAY)
    fill(draft, users["implementer"], done="写了一半")


def others_task(w, users):
    """Guangdong's first task, implemented by 中山大学 with an approved plan: a report of it is
    due, but not the `implementer`'s to file."""
    sysu = Organisation.objects.get(name="中山大学")
    other = w.guangdong_tasks[0]
    approved_plan(other, users["guangdong"], make_user("sysu", Role.IMPLEMENTER, organisation=sysu))
    Task.objects.filter(pk=other.pk).update(plan_approved_at=APPROVED)
    return other


# Due reports --------------------------------------------------------------------------------


def test_due_reports_are_the_ended_unsubmitted_periods_oldest_first(w, users):
    submit(w, users, Q2)
    due = selectors.due_reports(users["implementer"], TODAY)
    assert [(d.year, d.period) for d in due] == [Q1, Q3]
    assert [d.due_on for d in due] == [datetime.date(2026, 4, 10), datetime.date(2026, 10, 10)]
    assert all(d.overdue and d.draft is None and d.can_file_unchanged for d in due)
    # The running quarter (Q4, due 2027-01-10) is not due yet; nobody else sees these.
    assert selectors.due_reports(users["other_innovator"], TODAY) == []
    assert selectors.due_reports(users["sichuan"], TODAY) == []


def test_a_draft_with_edits_cannot_be_filed_unchanged_an_untouched_one_can(w, users):
    implementer = users["implementer"]
    reports.report_start(task=w.task, by=implementer, period=Q1, today=TODAY)
    edited = reports.report_start(task=w.task, by=implementer, period=Q2, today=TODAY)
    fill(edited, implementer, actual=Decimal(5))
    due = {(d.year, d.period): d for d in selectors.due_reports(implementer, TODAY)}
    assert due[Q1].draft is not None and due[Q1].can_file_unchanged
    assert due[Q2].draft == edited and not due[Q2].can_file_unchanged
    assert due[Q3].draft is None and due[Q3].can_file_unchanged


def _count(call):
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def test_due_reports_queries_are_bounded_whatever_the_number_of_tasks(w, users):
    implementer = users["implementer"]
    reports.report_start(task=w.task, by=implementer, period=Q1, today=TODAY)
    small = _count(lambda: selectors.due_reports(implementer, TODAY))
    assert len(selectors.due_reports(implementer, TODAY)) == 3
    more_tasks(w, users)
    large = _count(lambda: selectors.due_reports(implementer, TODAY))
    assert len(selectors.due_reports(implementer, TODAY)) == 9
    assert small == large <= 5


# One report unchanged -----------------------------------------------------------------------


def test_filing_unchanged_carries_the_figures_and_prefills_the_narrative(w, users):
    submit(w, users, Q1, m1=("done", datetime.date(2026, 3, 1)), actual=Decimal(50))
    about = reminder_about(w.task, "report-overdue:2026:2")
    notify(users=[users["implementer"]], subject="逾期未报送", about=about, reminder=True)
    with override("en"):
        report = reports.report_file_unchanged(
            user=users["implementer"], task=w.task, year=2026, period=2, today=TODAY
        )
    report = ProgressReport.objects.get(pk=report.pk)
    assert (report.state, report.unchanged) == ("submitted", True)
    assert report.done == "No new progress this period"
    m1 = MilestoneUpdate.objects.get(report=report, milestone=w.m1)
    assert (m1.status, m1.done_on) == ("done", datetime.date(2026, 3, 1))
    assert report.targets.get().actual == Decimal(50)
    # Nothing moved on the task.
    assert Target.objects.get(pk=w.t1.pk).actual == Decimal(50)
    entry = AuditEntry.objects.filter(action="task.report_submitted").latest("pk")
    assert entry.actor == users["implementer"] and "filed unchanged" in entry.note
    # The reminder chasing the report closed itself, and the locality is told as usual.
    assert Notification.objects.get(about=about).closed_at is not None
    assert Notification.objects.filter(user=users["sichuan"], url__contains=f"/{report.pk}/")


def test_filing_unchanged_with_the_narrative_the_implementer_wrote(w, users):
    report = reports.report_file_unchanged(
        user=users["implementer"],
        task=w.task,
        year=2026,
        period=1,
        narrative=" 持续推进 ",
        today=TODAY,
    )
    assert ProgressReport.objects.get(pk=report.pk).done == "持续推进"


def test_filing_unchanged_is_refused_for_another_a_period_not_due_and_twice(w, users):
    with pytest.raises(Forbidden):
        reports.report_file_unchanged(
            user=users["other_innovator"], task=w.task, year=2026, period=1, today=TODAY
        )
    with pytest.raises(Forbidden):
        reports.report_file_unchanged(
            user=users["sichuan"], task=w.task, year=2026, period=1, today=TODAY
        )
    with override("en"), pytest.raises(TaskError, match="not due"):
        reports.report_file_unchanged(
            user=users["implementer"], task=w.task, year=2026, period=4, today=TODAY
        )
    reports.report_file_unchanged(
        user=users["implementer"], task=w.task, year=2026, period=1, today=TODAY
    )
    with override("en"), pytest.raises(TaskError, match="already submitted"):
        reports.report_file_unchanged(
            user=users["implementer"], task=w.task, year=2026, period=1, today=TODAY
        )
    assert ProgressReport.objects.filter(task=w.task).count() == 1


def test_a_draft_with_edits_leads_to_the_draft_an_untouched_draft_is_filed(w, users):
    implementer = users["implementer"]
    edited = reports.report_start(task=w.task, by=implementer, period=Q1, today=TODAY)
    fill(edited, implementer, done="写了一半")
    with pytest.raises(reports.DraftHasEdits) as refused:
        reports.report_file_unchanged(
            user=implementer, task=w.task, year=2026, period=1, today=TODAY
        )
    assert refused.value.report == edited
    assert ProgressReport.objects.get(pk=edited.pk).state == "draft"
    untouched = reports.report_start(task=w.task, by=implementer, period=Q2, today=TODAY)
    filed = reports.report_file_unchanged(
        user=implementer, task=w.task, year=2026, period=2, today=TODAY
    )
    assert filed.pk == untouched.pk and filed.state == "submitted"


# Batch --------------------------------------------------------------------------------------


def test_batch_files_only_due_reports_and_nothing_twice(w, users):
    implementer = users["implementer"]
    items = [(w.task.pk, *Q1), (w.task.pk, *Q2), (w.task.pk, *Q1)]
    filed = reports.reports_file_unchanged(user=implementer, items=items, today=TODAY)
    assert [(r.year, r.period) for r in filed] == [Q1, Q2]
    with pytest.raises(TaskError):
        reports.reports_file_unchanged(user=implementer, items=[(w.task.pk, *Q1)], today=TODAY)
    # One not due refuses the whole batch: Q3 is not filed with it.
    with pytest.raises(TaskError):
        reports.reports_file_unchanged(
            user=implementer, items=[(w.task.pk, *Q3), (w.task.pk, *Q4)], today=TODAY
        )
    states = sorted(ProgressReport.objects.filter(task=w.task).values_list("year", "period"))
    assert states == [Q1, Q2]


def test_batch_is_refused_for_another_s_task_and_files_nothing(w, users):
    other = others_task(w, users)
    with pytest.raises(Forbidden):
        reports.reports_file_unchanged(
            user=users["implementer"], items=[(w.task.pk, *Q1), (other.pk, *Q1)], today=TODAY
        )
    assert not ProgressReport.objects.exists()


def test_batch_page_lists_checked_rows_and_files_them(w, users, clock):
    more_tasks(w, users)
    client = client_for(users["implementer"])
    page = client.get(reverse("tasks:reports_unchanged"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    # Eight fileable (the draft with edits is left out), each checked.
    assert html.count('type="checkbox" name="items"') == 8
    assert html.count(" checked>") == 8
    assert w.task.title in html
    keys = [f"{w.task.pk}-2026-{n}" for n in (1, 2, 3)]
    response = client.post(
        reverse("tasks:reports_unchanged"), {"items": keys}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "3 reports filed unchanged." in response.content.decode()
    filed = ProgressReport.objects.filter(task=w.task, state="submitted", unchanged=True)
    assert filed.count() == 3
    # Posted again (a double click): nothing is filed twice.
    again = client.post(
        reverse("tasks:reports_unchanged"), {"items": keys}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert again.status_code == 200
    assert ProgressReport.objects.filter(task=w.task).count() == 3


def test_batch_page_refuses_another_s_task(w, users, clock):
    other = others_task(w, users)
    client = client_for(users["implementer"])
    response = client.post(
        reverse("tasks:reports_unchanged"),
        {"items": [f"{w.task.pk}-2026-1", f"{other.pk}-2026-1"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert not ProgressReport.objects.exists()


# Single views -------------------------------------------------------------------------------


def test_task_page_button_files_the_report_in_one_post(w, users, clock):
    client = client_for(users["implementer"])
    page = client.get(reverse("tasks:task", args=[w.task.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert html.count('data-action="report-unchanged"') == 3
    assert 'data-action="reports-unchanged"' in html  # three in all: the batch link
    response = client.post(
        reverse("tasks:report_unchanged", args=[w.task.pk]),
        {"year": 2026, "period": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    report = ProgressReport.objects.get(task=w.task, year=2026, period=1)
    assert response["Location"] == reverse("tasks:report", args=[report.pk])
    assert (report.state, report.unchanged) == ("submitted", True)
    report_page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="report-unchanged"' in report_page and "No change this period" in report_page


def test_confirmation_page_shows_figures_and_a_marked_prefilled_narrative(w, users, clock):
    submit(w, users, Q1, actual=Decimal(42), done="上季度文本")
    client = client_for(users["implementer"])
    url = reverse("tasks:report_unchanged", args=[w.task.pk])
    page = client.get(url, {"period": "2026-2"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="prefilled-mark"' in page and "prefilled" in page
    assert "No new progress this period</textarea>" in page
    assert "42.00" in page and "上季度文本" in page
    assert 'name="period" value="2' in page
    client.post(url, {"year": 2026, "period": 2, "narrative": "改了一句"})
    assert ProgressReport.objects.get(task=w.task, year=2026, period=2).done == "改了一句"


def test_single_view_refuses_another_s_task(w, users, clock):
    client = client_for(users["other_innovator"])
    url = reverse("tasks:report_unchanged", args=[w.task.pk])
    assert client.post(url, {"year": 2026, "period": 1}).status_code == 404
    sichuan = client_for(users["sichuan"])
    assert sichuan.post(url, {"year": 2026, "period": 1}).status_code == 403
    assert not ProgressReport.objects.exists()


def test_single_view_with_an_edited_draft_leads_to_it(w, users, clock):
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    fill(draft, users["implementer"], done="写了一半")
    client = client_for(users["implementer"])
    response = client.post(
        reverse("tasks:report_unchanged", args=[w.task.pk]), {"year": 2026, "period": 1}
    )
    assert response["Location"] == reverse("tasks:report_edit", args=[draft.pk])
    assert ProgressReport.objects.get(pk=draft.pk).state == "draft"


# The report form ----------------------------------------------------------------------------


def test_start_defaults_to_the_oldest_due_period(w, users, clock):
    submit(w, users, Q2)
    client = client_for(users["implementer"])
    page = client.get(reverse("tasks:report_start", args=[w.task.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert '<option value="2026-1" selected>' in page.content.decode()


def test_start_leads_to_the_existing_draft(w, users, clock):
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    client = client_for(users["implementer"])
    url = reverse("tasks:report_start", args=[w.task.pk])
    assert client.get(url)["Location"] == reverse("tasks:report_edit", args=[draft.pk])
    # Chosen on the form, too: no second report, no refusal.
    assert client.post(url, {"period": "2026-1"})["Location"] == reverse(
        "tasks:report_edit", args=[draft.pk]
    )
    assert ProgressReport.objects.filter(task=w.task).count() == 1


def test_form_level_validation_shows_the_error_and_keeps_what_was_typed(w, users, clock):
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    client = client_for(users["implementer"])
    data = {
        f"m{w.m1.pk}_status": "in_progress",
        f"m{w.m1.pk}_done_on": "",
        f"m{w.m2.pk}_status": "not_started",
        f"m{w.m2.pk}_done_on": "",
        f"t{w.t1.pk}_actual": "12",
        "done": "  ",
        "problems": "人手不足",
        "help_needed": "",
        "submit": "1",
    }
    response = client.post(
        reverse("tasks:report_edit", args=[draft.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Say what was done in this period before submitting." in html
    assert "人手不足</textarea>" in html and 'value="12"' in html
    # Nothing saved: the draft is as it was.
    assert ProgressReport.objects.get(pk=draft.pk).problems == ""
    # Saving the draft without submitting needs no text.
    del data["submit"]
    data["save"] = "1"
    assert client.post(reverse("tasks:report_edit", args=[draft.pk]), data).status_code == 302


def test_task_page_has_a_banner_for_a_draft_left_open(w, users, clock):
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    client = client_for(users["implementer"])
    html = client.get(
        reverse("tasks:task", args=[w.task.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "A progress report draft has not been submitted yet." in html
    assert reverse("tasks:report_edit", args=[draft.pk]) in html
    reports.report_submit(
        report=fill(draft, users["implementer"], done="完成"), by=users["implementer"]
    )
    html = client.get(
        reverse("tasks:task", args=[w.task.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "A progress report draft has not been submitted yet." not in html


# Review (已阅) -------------------------------------------------------------------------------


def test_the_locality_marks_a_report_read_and_the_implementer_is_told(w, users):
    report = submit(w, users, Q1)
    with override("en"):
        reports.report_review(user=users["sichuan"], report=report, note="已阅，继续推进")
    report = ProgressReport.objects.get(pk=report.pk)
    assert report.reviewed_by == users["sichuan"] and report.reviewed_at is not None
    assert report.review_note == "已阅，继续推进"
    message = Notification.objects.get(
        user=users["implementer"], subject__startswith="Progress report read"
    )
    assert message.subject == f"Progress report read: {w.task.title}, Q1 2026"
    assert message.url == reverse("tasks:report", args=[report.pk])
    assert message.body == "已阅，继续推进"
    assert AuditEntry.objects.filter(action="task.report_reviewed", actor=users["sichuan"]).exists()
    with pytest.raises(TaskError):
        reports.report_review(user=users["sichuan"], report=report)


def test_review_is_refused_to_others_and_for_a_draft(w, users):
    report = submit(w, users, Q1)
    for who in ("implementer", "guangdong", "other_innovator", "city"):
        with pytest.raises(Forbidden):
            reports.report_review(user=users[who], report=report)
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q2, today=TODAY)
    with pytest.raises(TaskError):
        reports.report_review(user=users["sichuan"], report=draft)
    assert not ProgressReport.objects.exclude(reviewed_at=None).exists()


def test_review_button_on_the_report_page(w, users):
    report = submit(w, users, Q1)
    url = reverse("tasks:report", args=[report.pk])
    assert 'data-action="report-review"' in client_for(users["sichuan"]).get(url).content.decode()
    assert (
        'data-action="report-review"'
        not in client_for(users["implementer"]).get(url).content.decode()
    )
    response = client_for(users["sichuan"]).post(
        reverse("tasks:report_review", args=[report.pk]), {"note": "好"}
    )
    assert response.status_code == 302
    assert ProgressReport.objects.get(pk=report.pk).review_note == "好"
    refused = client_for(users["implementer"]).post(
        reverse("tasks:report_review", args=[report.pk])
    )
    assert refused.status_code == 403
    page = client_for(users["implementer"]).get(url).content.decode()
    assert 'id="report-reviewed"' in page


def test_marking_a_report_read_leads_to_the_next_one_waiting(w, users):
    first, second = submit(w, users, Q1), submit(w, users, Q2)
    sichuan = client_for(users["sichuan"])
    response = sichuan.post(reverse("tasks:report_review", args=[second.pk]))
    assert response["Location"] == reverse("tasks:report", args=[first.pk])
    response = sichuan.post(reverse("tasks:report_review", args=[first.pk]))
    assert response["Location"] == reverse("tasks:report", args=[first.pk])  # none left: it stays


def test_reports_to_review_oldest_first_with_bounded_queries(w, users):
    first = submit(w, users, Q1)
    small = _count(lambda: selectors.reports_to_review(users["sichuan"]))
    assert selectors.reports_to_review(users["sichuan"]) == [first]
    assert selectors.reports_to_review(users["guangdong"]) == []
    assert selectors.reports_to_review(users["implementer"]) == []
    second = submit(w, users, Q2)
    third = submit(w, users, Q3)
    reports.report_review(user=users["sichuan"], report=second)
    large = _count(
        lambda: [r.task.programme for r in selectors.reports_to_review(users["sichuan"])]
    )
    assert selectors.reports_to_review(users["sichuan"]) == [first, third]
    assert small == large == 1
