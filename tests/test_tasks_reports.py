"""Progress reports (一表多用): prefilled from the task's figures, one per period, the
implementer's until submitted, read-only after, and what the implementer changed written back
to the task's figures on submission."""

import datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils.translation import override

from audit.models import AuditEntry
from kernel.errors import Forbidden
from notifications.models import Notification
from tasks import progress
from tasks import reports_selectors as selectors
from tasks.errors import TaskError
from tasks.models import HelpRequest, Milestone, MilestoneUpdate, ProgressReport, Target, Task
from tasks.services import bulk, reports
from tasks.services.reports import MilestoneFigure
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

Q1, Q2, Q3 = (2026, 1), (2026, 2), (2026, 3)
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture
def w(users):
    world = task_world(users)
    # Approved early in the year, so several periods are open for reports.
    approved = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
    Task.objects.filter(pk=world.task.pk).update(plan_approved_at=approved)
    world.task = Task.objects.get(pk=world.task.pk)
    world.m1, world.m2 = world.task.milestones.order_by("position")
    world.t1 = world.task.targets.get()
    return world


def fill(report, by, *, m1=("not_started", None), m2=("not_started", None), actual=None, **text):
    milestones = [
        MilestoneFigure(u.milestone_id, *figure)
        for u, figure in zip(
            report.milestones.order_by("milestone__position"), (m1, m2), strict=True
        )
    ]
    target = report.targets.get()
    return reports.report_save(
        report=report,
        by=by,
        milestones=milestones,
        targets={target.target_id: actual},
        done=text.get("done", ""),
        problems=text.get("problems", ""),
        help_needed=text.get("help_needed", ""),
        today=TODAY,
    )


def submitted(w, users, period, **figures):
    report = reports.report_start(task=w.task, by=users["implementer"], period=period, today=TODAY)
    figures.setdefault("done", "完成了本期工作")
    report = fill(report, users["implementer"], **figures)
    return reports.report_submit(report=report, by=users["implementer"])


def test_a_first_report_is_prefilled_from_the_plan(w, users):
    # What the plan holds now (e.g. set from a sheet) is the starting point.
    Milestone.objects.filter(pk=w.m1.pk).update(status="in_progress")
    Target.objects.filter(pk=w.t1.pk).update(actual=Decimal(20))
    report = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    statuses = dict(report.milestones.values_list("milestone_id", "status"))
    assert statuses == {w.m1.pk: "in_progress", w.m2.pk: "not_started"}
    assert report.targets.get().actual == Decimal(20)
    assert (report.state, report.done, report.problems) == ("draft", "", "")


def test_a_report_is_prefilled_from_the_task_not_from_the_previous_report(w, users):
    submitted(
        w,
        users,
        Q1,
        m1=("done", datetime.date(2026, 3, 1)),
        actual=Decimal(50),
        problems="试点单位不足",
        done="出台实施方案",
    )
    # The task's figures move afterwards (a bulk update): the new report starts from them.
    Target.objects.filter(pk=w.t1.pk).update(actual=Decimal(70))
    report = reports.report_start(task=w.task, by=users["implementer"], period=Q2, today=TODAY)
    update = report.milestones.get(milestone=w.m1)
    assert (update.status, update.done_on) == ("done", datetime.date(2026, 3, 1))
    assert report.targets.get().actual == Decimal(70)
    assert report.problems == "试点单位不足"
    assert report.done == ""


def test_submission_writes_back_and_recomputes_progress(w, users):
    before = Task.objects.get(pk=w.task.pk).progress
    report = submitted(
        w,
        users,
        Q1,
        m1=("done", datetime.date(2026, 3, 1)),
        m2=("in_progress", None),
        actual=Decimal(50),
    )
    m1, m2, t1 = (
        Milestone.objects.get(pk=w.m1.pk),
        Milestone.objects.get(pk=w.m2.pk),
        Target.objects.get(pk=w.t1.pk),
    )
    assert (m1.status, m1.done_on, m2.status, t1.actual) == (
        "done",
        datetime.date(2026, 3, 1),
        "in_progress",
        Decimal(50),
    )
    task = Task.objects.get(pk=w.task.pk)
    # (1 milestone done + 0 + 50/200 of the target) / 3
    assert task.progress == progress.task_progress([m1, m2], [t1]) == Decimal("41.7")
    assert task.progress != before
    assert report.state == "submitted" and report.submitted_at is not None
    # The report keeps its own copy.
    assert MilestoneUpdate.objects.get(report=report, milestone=m1).status == "done"
    entry = AuditEntry.objects.filter(action="task.report_submitted", object_id=str(task.pk)).get()
    assert entry.actor == users["implementer"]
    assert Notification.objects.filter(user=users["sichuan"], url__contains=f"/{report.pk}/")
    # Other hand-offs (notices issued, claim windows) message Guangdong too: not this report.
    assert not Notification.objects.filter(
        user=users["guangdong"], url=reverse("tasks:report", args=[report.pk])
    ).exists()


def test_a_late_report_of_an_earlier_period_does_not_overwrite_newer_figures(w, users):
    submitted(w, users, Q2, actual=Decimal(80))
    submitted(w, users, Q1, actual=Decimal(30))
    assert Target.objects.get(pk=w.t1.pk).actual == Decimal(80)


def test_one_report_per_period_within_the_open_periods(w, users):
    implementer = users["implementer"]
    reports.report_start(task=w.task, by=implementer, period=Q1, today=TODAY)
    with override("en"), pytest.raises(TaskError, match="already has a report"):
        reports.report_start(task=w.task, by=implementer, period=Q1, today=TODAY)
    with override("en"), pytest.raises(TaskError, match="Choose a period"):
        reports.report_start(task=w.task, by=implementer, period=(2025, 4), today=TODAY)
    with pytest.raises(TaskError):
        reports.report_start(task=w.task, by=implementer, period=(2027, 1), today=TODAY)
    assert ProgressReport.objects.filter(task=w.task).count() == 1
    # The default is the current period.
    report = reports.report_start(task=w.task, by=implementer, today=TODAY)
    assert (report.year, report.period) == (2026, 4)


def test_only_an_implementer_of_an_approved_plan_reports(users):
    w = task_world(users, approved=False)
    with pytest.raises(Forbidden):
        reports.report_start(task=w.task, by=users["implementer"])
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize("role", ["sichuan", "national", "guangdong", "other_innovator"])
def test_nobody_else_starts_or_fills_a_report(w, users, role):
    with pytest.raises(Forbidden):
        reports.report_start(task=w.task, by=users[role], period=Q1, today=TODAY)
    report = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    with pytest.raises(Forbidden):
        fill(report, users[role], done="x")


def test_a_submitted_report_is_read_only(w, users):
    report = submitted(w, users, Q1, actual=Decimal(10))
    with pytest.raises(TaskError):
        fill(report, users["implementer"], done="改一改")
    with pytest.raises(TaskError):
        reports.report_submit(report=report, by=users["implementer"])
    client = client_for(users["implementer"])
    assert client.get(f"/tasks/reports/{report.pk}/edit/").status_code == 403
    assert client.post(f"/tasks/reports/{report.pk}/submit/").status_code == 403
    page = client.get(f"/tasks/reports/{report.pk}/")
    assert page.status_code == 200
    assert f"/tasks/reports/{report.pk}/edit/" not in page.content.decode()


def test_done_needs_a_date_and_submission_needs_what_was_done(w, users):
    report = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    with override("en"), pytest.raises(TaskError, match="give the date"):
        fill(report, users["implementer"], m1=("done", None))
    with override("en"), pytest.raises(TaskError, match="future"):
        fill(report, users["implementer"], m1=("done", TODAY + datetime.timedelta(days=1)))
    with override("en"), pytest.raises(TaskError, match="what was done"):
        reports.report_submit(report=report, by=users["implementer"])
    assert ProgressReport.objects.get(pk=report.pk).state == "draft"


def test_drafts_are_invisible_to_coordinators_until_submitted(w, users):
    report = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    url = f"/tasks/reports/{report.pk}/"
    for role in ("sichuan", "national", "guangdong"):
        assert client_for(users[role]).get(url).status_code == 404, role
    task_page = client_for(users["sichuan"]).get(f"/tasks/{w.task.pk}/").content.decode()
    assert url not in task_page
    fill(report, users["implementer"], done="出台实施方案")
    reports.report_submit(report=report, by=users["implementer"])
    for role in ("sichuan", "national"):
        assert client_for(users[role]).get(url).status_code == 200, role
    assert client_for(users["guangdong"]).get(url).status_code == 404
    assert client_for(users["other_innovator"]).get(url).status_code == 404


def test_help_needed_in_a_report_raises_a_request_at_the_chosen_level(w, users):
    report = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    fill(report, users["implementer"], done="推进中", help_needed="需要国家层面授权")
    reports.report_submit(report=report, by=users["implementer"], help_level="national")
    request = HelpRequest.objects.get(task=w.task)
    assert (request.level, request.text, request.report_id) == (
        "national",
        "需要国家层面授权",
        report.pk,
    )
    assert Notification.objects.filter(user=users["national"], url=f"/tasks/help/{request.pk}/")


def post_data(report, **overrides):
    data = {"done": "", "problems": "", "help_needed": ""}
    for update in report.milestones.all():
        data[f"m{update.milestone_id}_status"] = update.status
        data[f"m{update.milestone_id}_done_on"] = (
            update.done_on.isoformat() if update.done_on else ""
        )
    for t_update in report.targets.all():
        data[f"t{t_update.target_id}_actual"] = "" if t_update.actual is None else t_update.actual
    data.update(overrides)
    return data


def test_the_report_pages_from_start_to_submission(w, users):
    client = client_for(users["implementer"])
    page = client.get(f"/tasks/{w.task.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/tasks/{w.task.pk}/reports/new/" in page
    assert "not filed" in page
    start = client.get(f"/tasks/{w.task.pk}/reports/new/")
    assert start.status_code == 200
    response = client.post(f"/tasks/{w.task.pk}/reports/new/", {"period": "2026-1"})
    report = ProgressReport.objects.get(task=w.task)
    assert response["Location"] == f"/tasks/reports/{report.pk}/edit/"
    assert client.get(response["Location"]).status_code == 200
    # A rejected form keeps what was typed.
    data = post_data(report, done="出台实施方案草稿", **{f"m{w.m1.pk}_status": "done"})
    rejected = client.post(f"/tasks/reports/{report.pk}/edit/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert rejected.status_code == 200
    assert "Give the date the milestone was done." in rejected.content.decode()
    assert "出台实施方案草稿" in rejected.content.decode()
    data[f"m{w.m1.pk}_done_on"] = "2026-03-01"
    data[f"t{w.t1.pk}_actual"] = "60"
    data["submit"] = "1"
    saved = client.post(f"/tasks/reports/{report.pk}/edit/", data)
    assert saved["Location"] == f"/tasks/reports/{report.pk}/submit/"
    confirm = client.get(saved["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "can no longer be changed" in confirm
    assert ProgressReport.objects.get(pk=report.pk).state == "draft"
    done = client.post(saved["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 302
    assert ProgressReport.objects.get(pk=report.pk).state == "submitted"
    assert Target.objects.get(pk=w.t1.pk).actual == Decimal(60)
    shown = client.get(f"/tasks/reports/{report.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "+60" in shown  # the change since the plan's baseline
    page = client.get(f"/tasks/{w.task.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "submitted on" in page


def test_the_report_page_shows_the_change_since_the_previous_report(w, users):
    submitted(w, users, Q1, actual=Decimal(50))
    second = submitted(w, users, Q2, m1=("done", datetime.date(2026, 5, 1)), actual=Decimal(80))
    page = (
        client_for(users["sichuan"])
        .get(f"/tasks/reports/{second.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "+30" in page
    assert "46.7%" in page
    assert "by the previous report: 8.3%" in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("sichuan", 403),
        ("national", 403),
        ("guangdong", 404),
        ("other_innovator", 404),
        ("public", 404),
    ],
)
def test_starting_a_report_is_refused_to_others(w, users, role, status):
    client = client_for(users[role])
    assert client.get(f"/tasks/{w.task.pk}/reports/new/").status_code == status
    assert (
        client.post(f"/tasks/{w.task.pk}/reports/new/", {"period": "2026-1"}).status_code == status
    )
    assert not ProgressReport.objects.exists()


def test_periods_listed_on_the_task_page_with_due_dates(w, users):
    submitted(w, users, Q1, actual=Decimal(5))
    page = (
        client_for(users["sichuan"])
        .get(f"/tasks/{w.task.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "Q1 2026" in page and "Q3 2026" in page
    assert "2026-04-10" in page  # Q1's report is due ten days after the quarter
    assert "not filed" in page
    # The quarter still running has no report due yet, and says so rather than "not filed".
    assert page.count("report not yet due") == 1


def bulk_set(w, users, *, m2, actual):
    """The locality's bulk update of milestone 2 and the target, as from a downloaded sheet."""
    status, done_on = m2
    milestone = Milestone.objects.get(pk=w.m2.pk)
    target = Target.objects.get(pk=w.t1.pk)
    bulk.bulk_update(
        by=users["sichuan"],
        rows=[
            bulk.SheetRow(
                2, w.task.pk, "milestone", 2, status, done_on, was=bulk.as_downloaded(milestone)
            ),
            bulk.SheetRow(3, w.task.pk, "target", 1, actual=actual, was=bulk.as_downloaded(target)),
        ],
        today=TODAY,
    )


def submit_text_only(report, users):
    """Submit the draft as prefilled, with only what was done written."""
    report.done = "推进试点"
    report.save(update_fields=["done"])
    return reports.report_submit(report=report, by=users["implementer"])


def task_figures(w):
    m2, t1 = Milestone.objects.get(pk=w.m2.pk), Target.objects.get(pk=w.t1.pk)
    return (m2.status, m2.done_on, t1.actual, Task.objects.get(pk=w.task.pk).progress)


def test_a_report_after_a_bulk_update_keeps_the_bulk_figures(w, users):
    submitted(w, users, Q1, m2=("in_progress", None), actual=Decimal(36))
    bulk_set(w, users, m2=("done", datetime.date(2026, 9, 1)), actual=Decimal(45))
    after_bulk = task_figures(w)
    assert after_bulk[:3] == ("done", datetime.date(2026, 9, 1), Decimal(45))
    report = reports.report_start(task=w.task, by=users["implementer"], period=Q3, today=TODAY)
    submit_text_only(report, users)
    assert task_figures(w) == after_bulk


def test_a_draft_open_during_a_bulk_update_follows_it_where_untouched(w, users):
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q3, today=TODAY)
    # The implementer changes milestone 1 only; milestone 2 and the target stay as prefilled.
    fill(draft, users["implementer"], m1=("in_progress", None))
    bulk_set(w, users, m2=("done", datetime.date(2026, 9, 1)), actual=Decimal(45))
    submit_text_only(draft, users)
    m1 = Milestone.objects.get(pk=w.m1.pk)
    assert (m1.status, *task_figures(w)[:3]) == (
        "in_progress",
        "done",
        datetime.date(2026, 9, 1),
        Decimal(45),
    )


def test_an_earlier_report_filed_while_a_later_draft_is_open_is_not_undone_by_it(w, users):
    later = reports.report_start(task=w.task, by=users["implementer"], period=Q3, today=TODAY)
    submitted(w, users, Q2, m2=("in_progress", None), actual=Decimal(36))
    submit_text_only(later, users)
    assert task_figures(w)[:3] == ("in_progress", None, Decimal(36))
    # The later draft now shows the figures it will submit.
    assert later.targets.get().actual == Decimal(36)


def test_a_previous_actual_of_zero_is_the_base_of_the_change(w, users):
    # A falling target: overdue approvals from 10 down to 3; the previous report said 0.
    Target.objects.filter(pk=w.t1.pk).update(baseline=Decimal(10), target_value=Decimal(3))
    submitted(w, users, Q1, actual=Decimal(0))
    second = submitted(w, users, Q2, actual=Decimal(2))
    (line,) = selectors.report_figures(second).targets
    assert (line.previous_actual, line.change) == (Decimal(0), Decimal(2))


def test_a_late_report_says_its_figures_stay_on_the_report(w, users):
    submitted(w, users, Q2, actual=Decimal(80))
    late = reports.report_start(task=w.task, by=users["implementer"], period=Q1, today=TODAY)
    late = fill(late, users["implementer"], actual=Decimal(30), done="补报一季度")
    client = client_for(users["implementer"])
    confirm = client.get(f"/tasks/reports/{late.pk}/submit/", HTTP_ACCEPT_LANGUAGE="en")
    assert "will be kept on the report only" in confirm.content.decode()
    done = client.post(f"/tasks/reports/{late.pk}/submit/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    page = done.content.decode()
    assert "Figures kept on this report only: a later report is already in." in page
    assert "kept on the report only: a report of a later period was already in" in page
    assert Target.objects.get(pk=w.t1.pk).actual == Decimal(80)
    entry = AuditEntry.objects.filter(action="task.report_submitted").latest("pk")
    assert entry.note.endswith("figures kept on this report only: a later report is already in")
    # A report of the latest period says nothing of the kind.
    on_time = reports.report_start(task=w.task, by=users["implementer"], period=Q3, today=TODAY)
    on_time = fill(on_time, users["implementer"], actual=Decimal(90), done="三季度")
    done = client.post(
        f"/tasks/reports/{on_time.pk}/submit/", HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "kept on this report only" not in done.content.decode()
    assert "kept on the report only" not in done.content.decode()
    assert Target.objects.get(pk=w.t1.pk).actual == Decimal(90)


class FormValues(HTMLParser):
    """What a browser posts from a page's form as rendered: inputs, selected options,
    textareas (no buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") != "csrfmiddlewaretoken":
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs["value"]
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.values[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data.lstrip("\n")


def rendered_form(response) -> dict[str, str]:
    parser = FormValues()
    parser.feed(response.content.decode())
    return parser.values


def test_an_edit_page_open_during_a_bulk_update_does_not_undo_it(w, users):
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q3, today=TODAY)
    client = client_for(users["implementer"])
    data = rendered_form(client.get(f"/tasks/reports/{draft.pk}/edit/"))
    assert data[f"m{w.m2.pk}_status"] == "not_started"
    bulk_set(w, users, m2=("done", datetime.date(2026, 9, 1)), actual=Decimal(45))
    after_bulk = task_figures(w)
    # The implementer writes what was done and saves the page as it was rendered.
    saved = client.post(
        f"/tasks/reports/{draft.pk}/edit/", {**data, "done": "推进试点", "submit": "1"}
    )
    assert saved["Location"] == f"/tasks/reports/{draft.pk}/submit/"
    m2 = MilestoneUpdate.objects.get(report=draft, milestone=w.m2)
    assert (m2.status, m2.done_on) == ("done", datetime.date(2026, 9, 1))
    assert client.post(saved["Location"]).status_code == 302
    assert ProgressReport.objects.get(pk=draft.pk).state == "submitted"
    assert task_figures(w) == after_bulk


def test_a_row_changed_on_the_page_and_meanwhile_is_refused_then_saved_when_checked(w, users):
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q3, today=TODAY)
    client = client_for(users["implementer"])
    data = rendered_form(client.get(f"/tasks/reports/{draft.pk}/edit/"))
    bulk_set(w, users, m2=("done", datetime.date(2026, 9, 1)), actual=Decimal(45))
    data.update(
        {"done": "推进试点", f"m{w.m1.pk}_status": "in_progress", f"t{w.t1.pk}_actual": "50"}
    )
    saves = AuditEntry.objects.filter(action="task.report_saved").count()
    with override("en"):
        refused = client.post(f"/tasks/reports/{draft.pk}/edit/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    page = refused.content.decode()
    # Only the row changed on both sides is named; milestone 2 only followed the bulk update.
    assert (
        "Changed since you opened the page, by a bulk update or another report: "
        "target 1 (now: 45.00 名). Check these rows and save again."
    ) in page
    # Nothing saved: neither the row in conflict, nor the other change, nor the text.
    draft = ProgressReport.objects.get(pk=draft.pk)
    m1 = MilestoneUpdate.objects.get(report=draft, milestone=w.m1)
    assert (draft.done, m1.status, draft.targets.get().actual) == ("", "not_started", Decimal(45))
    assert AuditEntry.objects.filter(action="task.report_saved").count() == saves
    # The page keeps what was typed, shows the rows left alone as they now are, and saving it
    # again applies what was typed.
    again = rendered_form(refused)
    assert (again["done"], again[f"m{w.m1.pk}_status"], again[f"t{w.t1.pk}_actual"]) == (
        "推进试点",
        "in_progress",
        "50",
    )
    assert (again[f"m{w.m2.pk}_status"], again[f"m{w.m2.pk}_done_on"]) == ("done", "2026-09-01")
    assert client.post(f"/tasks/reports/{draft.pk}/edit/", again).status_code == 302
    m1 = MilestoneUpdate.objects.get(report=draft, milestone=w.m1)
    m2 = MilestoneUpdate.objects.get(report=draft, milestone=w.m2)
    assert (m1.status, m2.status, m2.done_on, draft.targets.get().actual) == (
        "in_progress",
        "done",
        datetime.date(2026, 9, 1),
        Decimal(50),
    )


def test_a_milestone_changed_in_the_service_call_and_meanwhile_is_refused(w, users):
    draft = reports.report_start(task=w.task, by=users["implementer"], period=Q3, today=TODAY)
    bulk_set(w, users, m2=("done", datetime.date(2026, 9, 1)), actual=Decimal(45))
    shown = ("not_started", None)
    with override("en"), pytest.raises(reports.ReportChanged) as refused:
        reports.report_save(
            report=draft,
            by=users["implementer"],
            milestones=[
                MilestoneFigure(w.m1.pk, "not_started", shown=shown),
                MilestoneFigure(w.m2.pk, "in_progress", shown=shown),
            ],
            targets={w.t1.pk: Decimal(0)},
            targets_shown={w.t1.pk: Decimal(0)},
            done="推进试点",
            problems="",
            help_needed="",
            today=TODAY,
        )
    assert "milestone 2 (now: done 2026-09-01)" in refused.value.message
    assert "target" not in refused.value.message
    assert MilestoneUpdate.objects.get(report=draft, milestone=w.m2).status == "done"
