"""Bulk report submission through the API (一次填报): a locality's own system files the
implementers' progress reports, and each is filed exactly as the report pages file it.

The world is `task_world` (Sichuan's first task implemented by the `implementer` user's
organisation, plan approved with two milestones and one target), its approval moved 300 days
back so that several periods are open for reports.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEntry
from tasks.models import HelpRequest, Milestone, ProgressReport, Status, Target, Task
from tasks.services import reports
from tasks.services.reports import MilestoneFigure
from tests.test_tasks_fixtures import task_world

URL = "/api/reports/bulk/"


def api_client(user, language: str = "zh-hans") -> APIClient:
    client = APIClient(headers={"Accept-Language": language})
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def world(users):
    w = task_world(users)
    Task.objects.filter(pk=w.task.pk).update(
        plan_approved_at=timezone.now() - datetime.timedelta(days=300)
    )
    w.task = Task.objects.get(pk=w.task.pk)
    # Oldest first: the periods from the plan's approval to now.
    w.periods = list(reversed(reports.periods_to_start(w.task)))
    w.milestones = list(w.task.milestones.order_by("position"))
    w.target = w.task.targets.get()
    w.users = users
    return w


def item(w, period, **extra):
    year, number = period
    return {"task": w.task.pk, "year": year, "period": number, "done": "完成试点方案", **extra}


def post(user, *items, language="zh-hans"):
    return api_client(user, language).post(URL, {"reports": list(items)}, format="json")


def test_items_are_filed_and_their_figures_become_the_tasks(world):
    first, second = world.periods[:2]
    done_on = timezone.localdate() - datetime.timedelta(days=3)
    m1 = world.milestones[0]
    response = post(
        world.users["implementer"],
        item(
            world,
            first,
            external_id="SC-2026-001",
            milestones=[{"milestone": m1.pk, "status": "done", "done_on": done_on.isoformat()}],
            targets=[{"target": world.target.pk, "actual": "35.50"}],
        ),
        item(world, second, external_id="SC-2026-002", done="第二期进展"),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["submitted"], body["already_submitted"], body["rejected"]) == (2, 0, 0)
    assert [r["external_id"] for r in body["results"]] == ["SC-2026-001", "SC-2026-002"]
    assert [r["index"] for r in body["results"]] == [0, 1]
    filed = ProgressReport.objects.get(pk=body["results"][0]["report"])
    assert (filed.year, filed.period) == first
    assert filed.state == ProgressReport.State.SUBMITTED and filed.done == "完成试点方案"
    assert ProgressReport.objects.get(pk=body["results"][1]["report"]).done == "第二期进展"
    # Written back to the task, as a report submitted on its page is, and progress follows.
    m1 = Milestone.objects.get(pk=m1.pk)
    assert (m1.status, m1.done_on) == (Status.DONE, done_on)
    assert Target.objects.get(pk=world.target.pk).actual == Decimal("35.50")
    assert Task.objects.get(pk=world.task.pk).progress > 0
    # The milestone left out kept the task's figure.
    assert Milestone.objects.get(pk=world.milestones[1].pk).status == world.milestones[1].status


def test_a_retry_files_nothing_twice(world):
    """The sending system retries after a lost answer: the period is already filed."""
    body = item(world, world.periods[0], external_id="X1")
    first = post(world.users["implementer"], body).json()
    entries = AuditEntry.objects.count()
    again = post(world.users["implementer"], body).json()
    assert first["results"][0]["result"] == "submitted"
    assert again["results"][0]["result"] == "already_submitted"
    assert again["results"][0]["report"] == first["results"][0]["report"]
    assert again["results"][0]["errors"] == {}
    assert ProgressReport.objects.filter(task=world.task).count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_failed_item_writes_nothing_and_says_why_in_chinese(world):
    first, second = world.periods[:2]
    m1 = world.milestones[0]
    response = post(
        world.users["implementer"],
        item(world, first),
        # Done without the date it was done: the report form's own rule.
        item(world, second, milestones=[{"milestone": m1.pk, "status": "done"}]),
        item(world, world.periods[2], done="   "),
    )
    body = response.json()
    assert response.status_code == 200
    assert [r["result"] for r in body["results"]] == ["submitted", "rejected", "rejected"]
    assert body["results"][1]["errors"] == {"milestones[0].done_on": ["请填写节点任务完成日期。"]}
    assert body["results"][2]["errors"] == {"done": ["提交前请填写本期工作进展。"]}
    # No draft left behind for the rejected periods, no figure written.
    assert list(ProgressReport.objects.values_list("year", "period")) == [first]
    assert Milestone.objects.get(pk=m1.pk).status == Status.NOT_STARTED


def test_errors_follow_the_callers_language(world):
    body = post(world.users["implementer"], item(world, world.periods[0], done=""), language="en")
    assert body.json()["results"][0]["errors"] == {
        "done": ["Say what was done in this period before submitting."]
    }


def test_unknown_rows_and_future_periods_are_refused(world):
    far = (timezone.localdate().year + 1, 1)
    response = post(
        world.users["implementer"],
        item(world, world.periods[0], targets=[{"target": 10**6, "actual": 1}]),
        item(world, far),
    )
    results = response.json()["results"]
    assert results[0]["errors"] == {"targets[0].target": ["量化目标不存在。"]}
    assert results[1]["errors"] == {
        "non_field_errors": ["请选择自实施方案审核通过至当前的报告期。"]
    }
    assert not ProgressReport.objects.exists()


def test_a_task_the_caller_does_not_see_is_not_found_like_a_missing_one(world):
    """Guangdong's task exists, but not for this implementer: answered as a missing id."""
    hidden = world.guangdong_tasks[0]
    response = post(
        world.users["implementer"],
        {**item(world, world.periods[0]), "task": hidden.pk},
        {**item(world, world.periods[0]), "task": 10**7},
        language="en",
    )
    results = response.json()["results"]
    assert results[0]["errors"] == results[1]["errors"] == {"task": ["No such task."]}
    assert not ProgressReport.objects.exists()


def test_a_task_seen_but_not_reportable_is_refused_with_the_reason(world):
    """Sichuan's second task: the implementer is named on it but its plan is not approved."""
    second = world.sichuan_tasks[1]
    from tasks.services import plans

    plans.implementer_add(
        task=second,
        by=world.users["sichuan"],
        organisation=world.users["implementer"].organisation,
        lead=True,
    )
    response = post(
        world.users["implementer"], {**item(world, world.periods[0]), "task": second.pk}
    )
    assert response.json()["results"][0]["errors"] == {
        "task": ["实施方案审核通过后开始报送进展报告。"]
    }


def test_help_needed_raises_the_request_to_the_level_named(world):
    response = post(
        world.users["implementer"],
        item(world, world.periods[0], help_needed="需要协调用地", help_level="national"),
    )
    assert response.json()["submitted"] == 1
    request = HelpRequest.objects.get(task=world.task)
    assert (request.text, request.level) == ("需要协调用地", HelpRequest.Level.NATIONAL)


def test_a_draft_started_on_the_pages_is_filed_with_the_systems_figures(world):
    implementer = world.users["implementer"]
    draft = reports.report_start(task=world.task, by=implementer, period=world.periods[0])
    reports.report_save(
        report=draft,
        by=implementer,
        milestones=[MilestoneFigure(m.pk, Status.IN_PROGRESS) for m in world.milestones],
        targets={},
        done="页面上的草稿",
        problems="",
        help_needed="",
    )
    body = post(implementer, item(world, world.periods[0], done="系统报送的进展")).json()
    assert body["results"][0]["report"] == draft.pk
    draft = ProgressReport.objects.get(pk=draft.pk)
    assert (draft.state, draft.done) == (ProgressReport.State.SUBMITTED, "系统报送的进展")
    # The draft's own edits are kept where the system said nothing.
    assert Milestone.objects.get(pk=world.milestones[0].pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize("role", ["sichuan", "national", "expert", "public"])
def test_only_implementers_may_call_it(world, role):
    response = post(world.users[role], item(world, world.periods[0]))
    assert response.status_code == 403
    assert not ProgressReport.objects.exists()


def test_anonymous_callers_are_asked_to_authenticate(world):
    response = post(None, item(world, world.periods[0]))
    assert response.status_code == 401
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reports": []},
        {"reports": "x"},
        {"reports": [{"task": "abc", "year": 2026, "period": 1, "done": "x"}]},
    ],
)
def test_a_malformed_body_is_400(world, body):
    response = api_client(world.users["implementer"]).post(URL, body, format="json")
    assert response.status_code == 400
    assert not ProgressReport.objects.exists()


def test_more_than_the_cap_is_refused_whole(world):
    items = [item(world, world.periods[0])] * 201
    response = post(world.users["implementer"], *items)
    assert response.status_code == 400
    assert not ProgressReport.objects.exists()


# One report through the task's address (the same filing, answered as a single resource) -----


def task_url(w):
    return f"/api/tasks/{w.task.pk}/reports/"


def test_one_report_through_the_tasks_address(world):
    year, number = world.periods[0]
    client = api_client(world.users["implementer"])
    body = {"year": year, "period": number, "done": "单项报送"}
    created = client.post(task_url(world), body, format="json")
    assert created.status_code == 201
    assert created.json()["state"] == "submitted"
    assert {m["milestone"] for m in created.json()["milestones"]} == {
        m.pk for m in world.milestones
    }
    again = client.post(task_url(world), body, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    assert ProgressReport.objects.filter(task=world.task).count() == 1


def test_one_report_refused_says_why_and_writes_nothing(world):
    year, number = world.periods[0]
    client = api_client(world.users["implementer"])
    body = {"year": year, "period": number, "done": ""}
    refused = client.post(task_url(world), body, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"done": ["提交前请填写本期工作进展。"]}
    body = {"year": "x", "period": number, "done": "x"}
    malformed = client.post(task_url(world), body, format="json")
    assert malformed.status_code == 400
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("sichuan", 403), ("guangdong", 404)])
def test_one_report_by_others_is_refused_as_the_page_refuses(world, role, status):
    year, number = world.periods[0]
    body = {"year": year, "period": number, "done": "越权报送"}
    response = api_client(world.users[role]).post(task_url(world), body, format="json")
    assert response.status_code == status
    assert not ProgressReport.objects.exists()
