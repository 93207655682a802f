"""The to-do home (工作台, issue #12 减负): for every role what waits on it, each item a link
straight to the action with a count and a due date where there is one, oldest first, grouped
under headings; an empty state that says so; never another region's items; and a query count
that does not grow with the data.

The items are the platform's own reading of the process (平台规则); the one-action filing of
an unchanged report carries out 484号's 信息一次填报 (source 001's 减负)."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from claims import services as claims
from demo.builder import build_demo
from merging.models import CandidateMeasure
from notifications.services import notify
from proposals.models import ReformField
from proposals.services.cycles import extension_grant
from review.models import Assignment
from review.services.reminders import REVIEW_DAYS
from tasks.models import ProgressReport, Task
from tasks.services import help as help_services
from tasks.services import plans, reports
from tests.conftest import client_for, division, make_proposal
from tests.test_claims_fixtures import claimant, make_programme
from tests.test_promotion_adoption_fixtures import make_world, open_round
from tests.test_tasks_fixtures import task_world
from tests.test_tasks_reports_quick import APPROVED, NOW, Q1, Q2, TODAY, more_tasks, submit

EN = {"accept-language": "en"}


def home(user) -> str:
    response = client_for(user).get(reverse("home"), headers=EN)
    assert response.status_code == 200
    return response.content.decode()


def items(page: str, group: str) -> list[str]:
    """The data-keys of a group's items, in the order shown."""
    section = re.search(rf'<section id="{group}-waiting".*?</section>', page, re.S)
    assert section, f"no {group} group"
    return re.findall(r'<li data-key="([^"]+)"', section.group(0))


def item(page: str, key: str) -> str:
    found = re.search(rf'<li data-key="{re.escape(key)}".*?</li>', page, re.S)
    assert found, f"no item {key}"
    return found.group(0)


def count_of(page: str, key: str) -> int:
    found = re.search(r'class="count"[^>]*>(\d+)<', item(page, key))
    assert found
    return int(found.group(1))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def w(users, clock):
    world = task_world(users)
    Task.objects.filter(pk=world.task.pk).update(plan_approved_at=APPROVED)
    world.task = Task.objects.get(pk=world.task.pk)
    return world


# Implementer ---------------------------------------------------------------------------------


def test_implementer_sees_due_reports_oldest_first_with_one_click_filing(w, users):
    page = home(users["implementer"])
    task = w.task
    keys = [k for k in items(page, "implementation") if k.startswith("report-")]
    # Approved 15 January 2026, today 22 November: Q1–Q3 ended (Q3 due 10 October), Q4 not due.
    assert keys == [
        f"report-{task.pk}-2026-1",
        f"report-{task.pk}-2026-2",
        f"report-{task.pk}-2026-3",
    ]
    first = item(page, f"report-{task.pk}-2026-1")
    assert "overdue since 2026-04-10" in first
    assert 'class="overdue"' in first
    assert f'href="{reverse("tasks:report_start", args=[task.pk])}?period=2026-1"' in first
    # The one-click filing: a form to H1's view with the period hidden.
    assert f'action="{reverse("tasks:report_unchanged", args=[task.pk])}"' in first
    assert '<input type="hidden" name="year" value="2026">' in first
    assert '<input type="hidden" name="period" value="1">' in first
    assert 'data-action="report-unchanged"' in first
    # Three may be filed unchanged: the batch link.
    assert f'href="{reverse("tasks:reports_unchanged")}" data-action="reports-unchanged"' in page
    assert "Your role has no tasks in the call for proposals." not in page


def test_the_one_click_form_files_the_report(w, users):
    client = client_for(users["implementer"])
    page = client.get(reverse("home"), headers=EN).content.decode()
    form = item(page, f"report-{w.task.pk}-2026-1")
    found = re.search(r'action="([^"]+)"', form)
    assert found
    action = found.group(1)
    response = client.post(action, {"year": "2026", "period": "1"})
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=w.task, year=2026, period=1)
    assert report.state == ProgressReport.State.SUBMITTED
    page = client.get(reverse("home"), headers=EN).content.decode()
    assert f"report-{w.task.pk}-2026-1" not in page


def test_a_draft_with_edits_leads_to_the_draft_and_has_no_quick_filing(w, users):
    more_tasks(w, users)  # a typed draft on Sichuan's second task, Q1
    other = w.sichuan_tasks[1]
    draft = ProgressReport.objects.get(task=other, year=2026, period=1)
    entry = item(home(users["implementer"]), f"report-{other.pk}-2026-1")
    assert f'href="{reverse("tasks:report_edit", args=[draft.pk])}"' in entry
    assert "draft started" in entry
    assert 'data-action="report-unchanged"' not in entry


def submitted_plan(task: Task, implementer) -> Task:
    plans.plan_save(
        task=task,
        by=implementer,
        timetable="2026年内完成",
        roadmap="先试点后推广",
        milestones=[plans.MilestoneRow("制定实施方案", datetime.date(2027, 3, 1), "实施方案")],
        targets=[
            plans.TargetRow(
                "培育技术经理人", "名", Decimal(0), Decimal(200), datetime.date(2027, 6, 1)
            )
        ],
    )
    return plans.plan_submit(task=task, by=implementer)


def test_implementer_sees_returned_plans(users, clock):
    world = task_world(users, approved=False)
    task = submitted_plan(world.task, users["implementer"])
    plans.plan_return(task=task, by=users["sichuan"], reason="请补充节点任务")
    page = home(users["implementer"])
    returned = item(page, "plans-returned")
    assert f'href="{reverse("tasks:plan_edit", args=[task.pk])}"' in returned
    assert count_of(page, "plans-returned") == 1


def test_help_answered_reaches_the_implementer_and_help_open_the_locality(w, users):
    request = help_services.help_request(task=w.task, by=users["implementer"], text="需要协调用地")
    locality = home(users["sichuan"])
    assert count_of(locality, "help-to-answer") == 1
    assert "help-answered" not in home(users["implementer"])
    help_services.help_answer(request=request, by=users["sichuan"], answer="已协调")
    assert count_of(home(users["implementer"]), "help-answered") == 1
    assert "help-to-answer" not in home(users["sichuan"])


# Locality ------------------------------------------------------------------------------------


def test_locality_sees_its_tasks_plans_reports_and_what_is_overdue(w, users):
    submit(w, users, Q1)
    page = home(users["sichuan"])
    keys = items(page, "implementation")
    # Sichuan's two other tasks have no implementer yet.
    assert count_of(page, "tasks-setup") == 2
    report = ProgressReport.objects.get(task=w.task, year=2026, period=1)
    assert f'href="{reverse("tasks:report", args=[report.pk])}"' in item(page, "reports-to-review")
    # Milestones due 2 March and 29 August not done; Q3's report (due 10 October) missing.
    assert count_of(page, "milestones-overdue") == 2
    assert "overdue since 2026-03-02" in item(page, "milestones-overdue")
    assert count_of(page, "reports-overdue") == 1
    assert "overdue since 2026-10-10" in item(page, "reports-overdue")
    # Oldest first: the dated items in date order, the undated after them.
    assert (
        keys.index("milestones-overdue") < keys.index("reports-overdue") < keys.index("tasks-setup")
    )


def test_locality_sees_plans_to_approve(w, users):
    other = w.sichuan_tasks[1]
    plans.task_update(task=other, by=users["sichuan"], responsible_person="李四")
    plans.implementer_add(
        task=other, by=users["sichuan"], organisation=users["implementer"].organisation
    )
    submitted_plan(other, users["implementer"])
    page = home(users["sichuan"])
    assert f'href="{reverse("tasks:task", args=[other.pk])}"' in item(page, "plans-submitted")


def test_another_locality_never_sees_sichuans_items(w, users):
    submit(w, users, Q1)
    help_services.help_request(task=w.task, by=users["implementer"], text="需要协调用地")
    page = home(users["guangdong"])
    report = ProgressReport.objects.get(task=w.task)
    for key in ("reports-to-review", "help-to-answer", "milestones-overdue", "reports-overdue"):
        assert f'data-key="{key}"' not in page
    assert reverse("tasks:report", args=[report.pk]) not in page
    assert reverse("tasks:task", args=[w.sichuan_tasks[1].pk]) not in page
    # Nor does an implementer of another organisation.
    assert "report-" not in " ".join(
        re.findall(r'data-key="([^"]+)"', home(users["other_innovator"]))
    )


def test_locality_proposals_quota_and_one_deadline_after_an_extension(users, cycle, clock):
    cycle.participants.add(division("510000"))
    make_proposal(cycle, users["sichuan"], state="returned")
    make_proposal(cycle, users["sichuan"], state="submitted")
    page = home(users["sichuan"])
    assert "deadline 2099-04-30" in page
    returned = item(page, "proposals-returned")
    assert f"?cycle={cycle.pk}&amp;state=returned" in returned
    assert count_of(page, "proposals-returned") == 1
    quota = item(page, "proposals-quota")
    # A returned proposal still counts as submitted (proposals.selectors.locality_counts).
    assert count_of(page, "proposals-quota") == 2
    assert f"2 of {cycle.min_per_locality}–{cycle.max_per_locality}" in quota
    assert "due 2099-04-30" in quota
    extension_grant(
        cycle=cycle,
        locality=division("510000"),
        until=datetime.date(2099, 5, 31),
        reason="汛期",
        by=users["national"],
    )
    page = home(users["sichuan"])
    assert "deadline (extended to 2099-05-31)" in page
    assert "due 2099-05-31" in item(page, "proposals-quota")
    # The cycle's own deadline no longer shows beside the extended one.
    assert "2099-04-30" not in page
    # Guangdong was not extended and sees none of Sichuan's proposals.
    other = home(users["guangdong"])
    assert "deadline 2099-04-30" in other
    assert "proposals-returned" not in other


def test_locality_sees_an_open_claim_window_with_its_claims(users, clock):
    programme = make_programme(users)
    first = programme.items.order_by("position")[0]
    own = claimant(programme, users["sichuan"])
    claims.item_claim(item=first, claimant=own, by=users["sichuan"])
    page = home(users["sichuan"])
    key = f"claims-{programme.pk}-{own.pk}"
    window = item(page, key)
    assert "claimed 1/4 (at least 3)" in window
    assert f'href="{reverse("claims:programme", args=[programme.pk])}"' in window
    assert f"due {programme.closes_at:%Y-%m-%d}" in window
    assert "claimed 0/4" in home(users["guangdong"])
    # Not a claimant: no window.
    assert "claims-" not in home(users["implementer"])


# Expert --------------------------------------------------------------------------------------


def candidate(cycle, national, title="技术经理人制度") -> CandidateMeasure:
    return CandidateMeasure.objects.create(
        cycle=cycle,
        title=title,
        content="培育技术经理人队伍",
        field=ReformField.objects.get(name="促进技术要素市场体系建设"),
        created_by=national,
    )


def assign(candidate_measure, expert, national) -> Assignment:
    return Assignment.objects.create(
        candidate=candidate_measure,
        expert=expert,
        source=Assignment.Source.SOLVER,
        assigned_by=national,
    )


def test_expert_sees_pending_reviews_with_the_deadline(users, cycle, clock):
    assign(candidate(cycle, users["national"]), users["expert"], users["national"])
    assign(candidate(cycle, users["national"], "另一项"), users["expert"], users["national"])
    page = home(users["expert"])
    entry = item(page, f"reviews-{cycle.pk}")
    assert count_of(page, f"reviews-{cycle.pk}") == 2
    due = timezone.localdate() + datetime.timedelta(days=REVIEW_DAYS)
    assert f"due {due:%Y-%m-%d}" in entry
    assert f'href="{reverse("review:my_reviews")}?cycle={cycle.pk}"' in entry
    # The national level sees the reviews out; another expert nothing.
    assert count_of(home(users["national"]), "reviews-out") == 2
    assert 'id="todo-empty"' in home(users["public"])


# National ------------------------------------------------------------------------------------


def test_national_sees_what_waits_on_it_per_stage(w, users, cycle):
    make_proposal(cycle, users["sichuan"], state="submitted")
    candidate(cycle, users["national"])
    make_programme(users)
    page = home(users["national"])
    assert count_of(page, "proposals-submitted") == 1
    assert count_of(page, "merging-waiting") == 1
    assert count_of(page, "candidates-unassigned") == 1
    assert count_of(page, "claims-open") == 1
    assert count_of(page, "reports-overdue") == 1
    assert count_of(page, "milestones-overdue") == 2
    # The groups under their headings, in the order of the process.
    groups = re.findall(r'<section id="([a-z]+)-waiting"', page)
    assert groups == ["implementation", "proposals", "review", "claims"]


# Everyone ------------------------------------------------------------------------------------


def test_unread_messages_link_to_the_notifications(users):
    notify(users=[users["city"]], subject="测试消息", body="", url="/")
    notify(users=[users["city"]], subject="另一条", body="", url="/")
    page = home(users["city"])
    entry = item(page, "messages")
    assert count_of(page, "messages") == 2
    assert f'href="{reverse("notifications:index")}?state=unread"' in entry


@pytest.mark.parametrize("role", ["public", "innovator", "evaluator", "city", "park", "expert"])
def test_nothing_to_do_says_so_plainly(users, role):
    page = home(users[role])
    assert 'id="todo-empty"' in page
    assert "Nothing to do at the moment." in page
    assert "Your role has no tasks in the call for proposals." not in page


def test_the_role_buttons_stay(users, cycle):
    assert reverse("proposals:proposal_create") in home(users["sichuan"])
    assert reverse("proposals:suggestion_create") in home(users["innovator"])


# Queries -------------------------------------------------------------------------------------


def queries(user) -> int:
    client = client_for(user)
    client.get(reverse("home"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx)


def grow(w, users, cycle, size: int) -> None:
    """More of everything a home counts: proposals, tasks with reports and drafts, help,
    claims, assignments and messages."""
    for n in range(size):
        make_proposal(cycle, users["sichuan"], state="returned", title=f"退回{n}")
        make_proposal(cycle, users["guangdong"], state="submitted", title=f"提交{n}")
        assign(candidate(cycle, users["national"], f"候选{n}"), users["expert"], users["national"])
        notify(users=list(users.values()), subject=f"消息{n}", body="", url="/")
        make_programme(users, title=f"揭榜{n}")


def world_for_queries(w, users, cycle) -> None:
    cycle.participants.add(division("510000"))
    grow(w, users, cycle, 1)
    submit(w, users, Q1)
    # A draft in both sizes: reading drafts' figures costs its own queries (due_reports).
    reports.report_start(task=w.task, by=users["implementer"], period=Q2, today=TODAY)
    help_services.help_request(task=w.task, by=users["implementer"], text="需要协调")


ROLES = ["implementer", "sichuan", "guangdong", "national", "expert", "city", "evaluator"]


@pytest.mark.parametrize("role", ROLES)
def test_query_count_does_not_grow(w, users, cycle, role, django_assert_max_num_queries):
    world_for_queries(w, users, cycle)
    small = queries(users[role])
    more_tasks(w, users)
    grow(w, users, cycle, 4)
    help_services.help_request(task=w.sichuan_tasks[1], by=users["implementer"], text="再协调")
    large = queries(users[role])
    assert small == large, (small, large)
    client = client_for(users[role])
    client.get(reverse("home"))
    with django_assert_max_num_queries(small):
        client.get(reverse("home"))
    assert large <= 40


def test_a_county_sees_its_promotion_return_with_the_round_deadline(db):
    world = make_world()
    tracking = open_round(world["national"])
    entry = item(home(world["county"]), f"return-{tracking.pk}")
    day = f"{tracking.deadline:%Y-%m-%d}"
    assert f"due {day}" in entry or f"overdue since {day}" in entry


def test_every_demo_login_has_a_to_do_home(db):
    """On the demo (reports of the pilot's third task missing for Q3 2026), every login's home
    renders, with items or the empty state, and the old sentence never."""
    build_demo()
    seen: dict[str, bool] = {}
    for user in User.objects.filter(is_active=True):
        page = home(user)
        assert "Your role has no tasks in the call for proposals." not in page
        assert ('id="todo-empty"' in page) != ('class="todo"' in page)
        seen[user.role] = seen.get(user.role, False) or 'class="todo"' in page
    for role in (Role.NATIONAL, Role.LOCALITY, Role.IMPLEMENTER, Role.EXPERT):
        assert seen.get(role), role
