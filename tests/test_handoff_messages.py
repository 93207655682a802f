"""A message at every hand-off (issue #12, 减负: nobody has to hunt for what waits on them).

Each hand-off is performed through its service; the test asserts who is told (and someone
who must not be), the subject (English msgids: the catalog is merged later), and that the
link leads straight to the page where the recipient acts. Where the stage follows 发改高技
〔2021〕484号 the section is cited; the review time and the reminders before a review or a
claim window ends are the platform's own rules (平台规则).
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from claims import reminders as claim_reminders
from claims import services as claims
from jobs.models import Job
from jobs.services import job_enqueue, job_run
from notifications.models import Notification
from proposals.services.suggestions import suggestion_submit
from regions.models import Organisation
from review.models import Assignment
from review.services import assignments as assigning
from review.services.reminders import (
    REMIND_DAYS_BEFORE,
    REVIEW_DAYS,
    review_due_about,
    review_reminders_send,
)
from review.services.reviews import review_submit
from tasks.services import help as task_help
from tasks.services import plans
from tests.conftest import division, make_user
from tests.test_claims_fixtures import make_programme
from tests.test_lists_fixtures import draft_list, make_candidate, publish
from tests.test_review_reviews import COMPLETE
from tests.test_review_setup import build_world
from tests.test_tasks_fixtures import task_world


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# Reminders are sent by the job in the site's language (Chinese), whoever is acting; the
# hand-offs in the acting user's (English here).
REVIEW_DUE = "专家论证评审意见须于"
CLOSING = "揭榜将于"


def told(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("id"))


def subjects(user: User) -> list[str]:
    return [note.subject for note in told(user)]


def only(user: User, starting: str) -> Notification:
    found = [n for n in told(user) if n.subject.startswith(starting)]
    assert len(found) == 1, subjects(user)
    return found[0]


# 征集选题: an innovation body's suggestion reaches its province (484号 §三（一）) -------------


def test_a_suggestion_reaches_the_coordinators_of_its_province(users, cycle):
    suggestion = suggestion_submit(
        by=users["innovator"], cycle=cycle, title="技术经理人制度", content="建议内容"
    )
    note = only(users["sichuan"], "Suggestion received")
    assert note.subject == "Suggestion received from 四川大学: 技术经理人制度"
    assert note.url == reverse("proposals:suggestion_detail", args=[suggestion.pk])
    assert note.email_wanted is False  # no address; with one it would be mailed
    for other in ("guangdong", "national", "innovator", "other_innovator"):
        assert told(users[other]) == [], other


# 专家论证 (484号 §三（二）): experts assigned, then reminded before the review is due ------------


@pytest.fixture
def review_world(users, cycle):
    return build_world(users, cycle)


def test_each_assigned_expert_hears_once_with_a_link_to_their_reviews(review_world):
    w = review_world
    preview = assigning.assignment_preview_enqueue(cycle=w.cycle, by=w.national, reviewers=2)
    job_run(job_id=preview.pk)
    created = assigning.assignments_save(preview_job=preview, by=w.national)
    per_expert: dict[int, int] = {}
    for assignment in created:
        per_expert[assignment.expert_id] = per_expert.get(assignment.expert_id, 0) + 1
    assert per_expert  # the plan assigned somebody
    for expert_id, count in per_expert.items():
        notes = list(Notification.objects.filter(user_id=expert_id))
        assert [n.subject for n in notes] == [f"Expert review assigned to you: {count} measures"]
        assert notes[0].url == reverse("review:my_reviews")
    # Nobody else: the coordinator who assigned, an expert left out.
    assert told(w.national) == []
    assert told(w.idle_expert) == []


def test_an_expert_added_by_hand_is_told(review_world):
    w = review_world
    assigning.assignment_add(
        candidate=w.ip, expert=w.expert, by=w.national, reason="熟悉知识产权质押"
    )
    note = only(w.expert, "Expert review assigned")
    assert note.subject == "Expert review assigned to you: 1 measures"
    assert w.ip.title in note.body
    assert note.url == reverse("review:my_reviews")
    assert told(w.other_expert) == []


def test_a_review_due_soon_is_reminded_once_and_closes_when_submitted(review_world):
    w = review_world
    mine = Assignment.objects.create(
        candidate=w.ip, expert=w.expert, source=Assignment.Source.SOLVER, assigned_by=w.national
    )
    theirs = Assignment.objects.create(
        candidate=w.ip,
        expert=w.other_expert,
        source=Assignment.Source.SOLVER,
        assigned_by=w.national,
    )
    assigned = timezone.localdate(mine.assigned_at)
    due = assigned + datetime.timedelta(days=REVIEW_DAYS)
    # Not yet: more than REMIND_DAYS_BEFORE days ahead.
    assert review_reminders_send(due - datetime.timedelta(days=REMIND_DAYS_BEFORE + 1)) == 0
    assert review_reminders_send(due - datetime.timedelta(days=REMIND_DAYS_BEFORE)) == 2
    note = only(w.expert, REVIEW_DUE)
    assert note.subject == f"专家论证评审意见须于{due}前提交：{w.ip.title}"
    assert note.url == reverse("review:review_edit", args=[mine.pk])
    assert note.about == review_due_about(mine) and note.is_reminder
    assert "平台规则" in note.body
    # Sent once, however often the job runs.
    assert review_reminders_send(due) == 0
    # Submitting closes the expert's own reminder, not the colleague's.
    review_submit(assignment=mine, by=w.expert, data=COMPLETE)
    note.refresh_from_db()
    assert note.closed_at is not None
    assert only(w.other_expert, REVIEW_DUE).closed_at is None
    # After the due date nothing more is sent (the reminder is before it).
    assert review_reminders_send(due + datetime.timedelta(days=1)) == 0
    assert theirs.pk  # the colleague's stays open


def test_the_reminders_job_also_reminds_of_reviews(review_world, settings):
    """The hourly tasks.reminders job (the reminders' one mechanism) runs the review's too."""
    w = review_world
    mine = Assignment.objects.create(
        candidate=w.ip, expert=w.expert, source=Assignment.Source.SOLVER, assigned_by=w.national
    )
    # Assigned long enough ago that the review falls due within REMIND_DAYS_BEFORE days.
    Assignment.objects.filter(pk=mine.pk).update(
        assigned_at=timezone.now() - datetime.timedelta(days=REVIEW_DAYS - 1)
    )
    settings.JOBS_RUN_INLINE = False
    job = job_enqueue(kind="tasks.reminders", by=None)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.message == "1 reminder sent."
    assert only(w.expert, REVIEW_DUE).url == reverse("review:review_edit", args=[mine.pk])


# 公布清单 (484号 §三（三）): the provinces the call went to hear that the list is published -----


def test_a_published_list_reaches_the_participating_provinces(users, cycle):
    national = users["national"]
    yunnan = make_user("yunnan", Role.LOCALITY, division=division("530000"))  # not addressed
    version = draft_list(cycle, national, [make_candidate(cycle, national, "技术经理人")])
    version = publish(version, national)
    note = only(users["sichuan"], "List published")
    assert note.subject == f"List published: {version.annual_list} (发改高技〔2099〕12号)"
    assert note.url == reverse("lists:version_page", args=[version.pk])
    assert only(users["guangdong"], "List published").url == note.url
    assert told(yunnan) == []
    assert told(national) == []
    assert told(users["implementer"]) == []


# 悬榜揭榜 (484号 §三（三）): the claim window opened, and closing soon (平台规则) ----------------


def test_an_opened_claim_window_reaches_every_eligible_claimant(users):
    programme = make_programme(users)
    for name in ("sichuan", "guangdong", "region"):
        note = only(users[name], "Claim window open")
        assert note.subject == f"Claim window open until {programme.closes_at}: 测试揭榜"
        assert note.url == reverse("claims:programme", args=[programme.pk])
    for name in ("national", "implementer", "city", "innovator"):
        assert told(users[name]) == [], name


def test_a_closing_window_is_reminded_once_and_the_reminder_closes_with_the_window(users):
    programme = make_programme(users)
    closes = programme.closes_at
    assert closes is not None
    early = closes - datetime.timedelta(days=claim_reminders.CLOSING_REMIND_DAYS + 1)
    assert claim_reminders.closing_reminders_send(early) == 0
    on_time = closes - datetime.timedelta(days=claim_reminders.CLOSING_REMIND_DAYS)
    assert claim_reminders.closing_reminders_send(on_time) == 1
    note = only(users["sichuan"], CLOSING)
    assert note.subject == f"揭榜将于{closes}截止：测试揭榜"
    assert note.url == reverse("claims:programme", args=[programme.pk])
    assert note.is_reminder and "平台规则" in note.body
    assert only(users["region"], CLOSING)
    assert told(users["national"]) == []
    assert claim_reminders.closing_reminders_send(on_time) == 0  # once
    claims.programme_close(programme=programme, by=users["national"], reason="测试提前截止")
    note.refresh_from_db()
    assert note.closed_at is not None
    assert only(users["sichuan"], "Claim window open").closed_at is not None


def test_a_moved_closing_date_closes_the_old_reminder_and_reminds_again(users):
    programme = make_programme(users)
    closes = programme.closes_at
    assert closes is not None
    remind_on = closes - datetime.timedelta(days=claim_reminders.CLOSING_REMIND_DAYS)
    assert claim_reminders.closing_reminders_send(remind_on) == 1
    old = only(users["sichuan"], CLOSING)
    later = closes + datetime.timedelta(days=7)
    claims.programme_move_closing(programme=programme, by=users["national"], closes_at=later)
    old.refresh_from_db()
    assert old.closed_at is not None
    new_day = later - datetime.timedelta(days=claim_reminders.CLOSING_REMIND_DAYS)
    assert claim_reminders.closing_reminders_send(new_day) == 1
    assert [n.subject for n in told(users["sichuan"]) if n.closed_at is None][-1] == (
        f"揭榜将于{later}截止：测试揭榜"
    )


# 下达揭榜任务通知书 and implementation (484号 §三（三）（四）) --------------------------------


@pytest.fixture
def world(users):
    return task_world(users)


def test_issued_notices_tell_each_claimant_of_the_tasks_to_set_up(users, world):
    note = only(users["sichuan"], "Task notice issued")
    assert note.subject == "Task notice issued: 3 tasks to set up in 测试揭榜"
    assert note.url == reverse("tasks:index")
    assert all(task.title in note.body for task in world.sichuan_tasks)
    assert only(users["guangdong"], "Task notice issued").subject.startswith(
        "Task notice issued: 3 tasks"
    )
    # The experiment region claimed nothing: no notice, no message.
    assert not [s for s in subjects(users["region"]) if s.startswith("Task notice")]


def test_an_organisation_named_as_implementer_is_told(users, world):
    note = only(users["implementer"], "You are named as implementer")
    assert note.subject == f"You are named as implementer: {world.task.title}"
    assert note.url == reverse("tasks:task", args=[world.task.pk])
    # The implementer of another organisation is not told of this task.
    other = Organisation.objects.create(
        name="四川某企业", kind="enterprise", division=division("510100")
    )
    assert told(make_user("staff", Role.IMPLEMENTER, organisation=other)) == []
    # Guangdong's tasks name 中山大学, whose implementers would hear; ours heard once.
    assert len([s for s in subjects(users["implementer"]) if s.startswith("You are named")]) == 1


def test_an_approved_plan_is_announced_to_the_implementers(users, world):
    note = only(users["implementer"], "Plan approved")
    assert note.subject == f"Plan approved: {world.task.title}"
    assert note.url == reverse("tasks:task", args=[world.task.pk])
    assert not [s for s in subjects(users["guangdong"]) if s.startswith("Plan approved")]


def test_a_returned_plan_is_announced_to_the_implementers(users):
    task = task_world(users, approved=False).task
    plans.plan_save(
        task=task,
        by=users["implementer"],
        timetable="2026年内",
        roadmap="先试点",
        milestones=[plans.MilestoneRow("试点", datetime.date(2026, 6, 1), "报告")],
        targets=[plans.TargetRow("企业", "家", Decimal(0), Decimal(10), datetime.date(2026, 9, 1))],
    )
    plans.plan_submit(task=task, by=users["implementer"])
    plans.plan_return(task=task, by=users["sichuan"], reason="目标需量化")
    note = only(users["implementer"], "Plan returned")
    assert note.subject == f"Plan returned: {task.title}" and note.body == "目标需量化"
    assert note.url == reverse("tasks:task", args=[task.pk])
    assert not [s for s in subjects(users["guangdong"]) if s.startswith("Plan returned")]


def test_an_answered_request_for_help_reaches_who_asked(users, world):
    request = task_help.help_request(task=world.task, by=users["implementer"], text="需要协调")
    task_help.help_answer(request=request, by=users["sichuan"], answer="已协调")
    note = only(users["implementer"], "Your request for help was answered")
    assert note.url == reverse("tasks:help", args=[request.pk])
    assert not [s for s in subjects(users["guangdong"]) if "help" in s]
