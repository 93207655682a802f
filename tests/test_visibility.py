"""One definition of who sees what per kind of object (`accounts.visibility`), three uses.

For every kind defined in the stages' rules, over every user of every role and every object of
a world with proposals, suggestions, lists, a programme with claims and notices, tasks with
reports (one a draft), help requests, inspections and filings: the predicate (`allows`), the
queryset (`queryset`) and the recipients (`audience`) give the same answer. Only the
definitions are written by hand; if one use drifted from the others this test would say which
kind, user and object.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.visibility import (
    IMPLEMENTER,
    NATIONAL,
    PROVINCE,
    Grant,
    Visibility,
    _holds,
)
from claims import rules as claims_rules
from lists import rules as lists_rules
from merging import rules as merging_rules
from merging.models import CandidateMeasure
from merging.services import proposals_merge
from proposals import rules as proposals_rules
from proposals.models import Proposal
from proposals.services.suggestions import suggestion_submit
from review import rules as review_rules
from review.models import Assignment
from tasks import rules as tasks_rules
from tasks.models import HelpRequest, ProgressReport, Task
from tasks.services import help as help_services
from tasks.services import reports
from tests.conftest import make_proposal
from tests.test_lists_fixtures import build_world as build_lists
from tests.test_merging_flows import candidate_data
from tests.test_tasks_fixtures import task_world
from tests.test_tasks_reports import Q1, Q2, TODAY, submitted

KINDS: dict[str, Visibility] = {
    "proposals": proposals_rules.PROPOSALS,
    "suggestions": proposals_rules.SUGGESTIONS,
    "candidates": merging_rules.CANDIDATES,
    "assignments": review_rules.ASSIGNMENTS,
    "list versions": lists_rules.VERSIONS,
    "claimants": claims_rules.CLAIMANTS,
    "programmes": claims_rules.PROGRAMMES,
    "notices": claims_rules.NOTICES,
    "tasks": tasks_rules.TASKS,
    "reports": tasks_rules.REPORTS,
    "help requests": tasks_rules.HELP_REQUESTS,
}


@pytest.fixture
def world(users, cycle):
    w = task_world(users)
    # Approved early in the year, so several periods are open for reports.
    approved = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
    Task.objects.filter(pk=w.task.pk).update(plan_approved_at=approved)
    w.task = Task.objects.get(pk=w.task.pk)
    make_proposal(cycle, users["sichuan"], title="四川草稿")
    mine = make_proposal(cycle, users["sichuan"], state="submitted", title="四川已报送")
    merged = proposals_merge(
        cycle=cycle, proposals=[mine], by=users["national"], data=candidate_data()
    )
    build_lists(users, cycle)  # a published version, a draft and one out for opinions
    for candidate in (merged, CandidateMeasure.objects.exclude(pk=merged.pk)[0]):
        Assignment.objects.create(
            candidate=candidate,
            expert=users["expert"],
            source=Assignment.Source.SOLVER,
            assigned_by=users["national"],
        )
    make_proposal(cycle, users["guangdong"], state="returned", title="广东已退回")
    suggestion_submit(by=users["innovator"], cycle=cycle, title="建议", content="内容")
    # A submitted report and a draft one on Sichuan's first task, and a help request.
    submitted(w, users, Q1)
    reports.report_start(task=w.task, by=users["implementer"], period=Q2, today=TODAY)
    help_services.help_request(
        task=w.task, by=users["implementer"], text="需要协调", level=HelpRequest.Level.LOCALITY
    )
    inactive = users["implementer"].__class__.objects.create(
        username="gone", role="locality", division=users["sichuan"].division, is_active=False
    )
    return {**users, "gone": inactive, "anonymous": AnonymousUser()}


def assert_uses_agree(kind: str, visibility: Visibility, users: dict) -> None:
    """The predicate, the queryset and the recipients of `visibility` give the same answer for
    every one of `users` and every object of its kind (and the queryset repeats no row)."""
    objects = list(visibility.model._default_manager.all())
    assert objects, f"the world has no {kind}"
    for name, user in users.items():
        seen = set(visibility.queryset(user).values_list("pk", flat=True))
        assert len(seen) == visibility.queryset(user).count(), (kind, name)
        for obj in objects:
            allowed = visibility.allows(user, obj)
            assert allowed == (obj.pk in seen), (kind, name, obj)
            if getattr(user, "pk", None) is not None:
                told = visibility.audience(obj).filter(pk=user.pk).exists()
                assert told == (allowed and user.is_active), (kind, name, obj)
    each = visibility.audience_of_each(objects)
    for obj in objects:
        assert {u.pk for u in each[obj.pk]} == set(
            visibility.audience(obj).values_list("pk", flat=True)
        ), (kind, obj)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_predicate_queryset_and_recipients_agree(world, kind):
    assert_uses_agree(kind, KINDS[kind], world)


def test_a_draft_report_is_the_implementers_alone(world):
    draft = ProgressReport.objects.get(state=ProgressReport.State.DRAFT)
    readers = set(tasks_rules.REPORTS.audience(draft).values_list("username", flat=True))
    assert readers == {"implementer"}
    submitted = ProgressReport.objects.get(state=ProgressReport.State.SUBMITTED)
    readers = set(tasks_rules.REPORTS.audience(submitted).values_list("username", flat=True))
    assert readers == {"implementer", "national", "sichuan"}


def test_drafts_are_private_to_their_province(world):
    draft = Proposal.objects.get(title="四川草稿")
    assert proposals_rules.can_view_proposal(world["sichuan"], draft)
    assert not proposals_rules.can_view_proposal(world["national"], draft)
    assert not proposals_rules.can_view_proposal(world["guangdong"], draft)
    assert not proposals_rules.can_view_proposal(world["anonymous"], draft)


def test_only_narrows_to_the_audiences_named(world):
    task = Task.objects.filter(claimant__division=world["sichuan"].division)[0]
    assert set(tasks_rules.RUN_BY.audience(task).values_list("username", flat=True)) == {"sichuan"}
    assert not tasks_rules.RUN_BY.allows(world["national"], task)
    assert tasks_rules.TASKS.allows(world["national"], task)


def test_python_and_database_read_a_condition_alike(world):
    """`allows` reads plain lookups from the object's fields; the same condition asked of the
    database gives the same answer for every proposal."""
    conditions = [
        Q(state=Proposal.State.DRAFT),
        ~Q(state=Proposal.State.DRAFT),
        Q(state__in=[Proposal.State.SUBMITTED, Proposal.State.RETURNED]),
        Q(merged_into__isnull=True) & Q(title__exact="四川草稿"),
        Q(state=Proposal.State.DRAFT) | Q(title="广东已退回"),
        Q(locality__code="510000"),
    ]
    for proposal in Proposal.objects.all():
        for condition in conditions:
            in_db = Proposal.objects.filter(condition, pk=proposal.pk).exists()
            assert _holds(proposal, condition) == in_db, (proposal, condition)


def test_a_grant_across_a_to_many_relation_repeats_no_row(world):
    """The implementer grant joins through the implementers: the queryset must still hold
    each task once."""
    visibility = Visibility(Task, Grant(IMPLEMENTER, "implementers__organisation_id"))
    tasks = list(visibility.queryset(world["implementer"]))
    assert len(tasks) == len({t.pk for t in tasks}) >= 1


def test_an_unconditional_grant_is_not_lost_in_an_or(world):
    """National sees every task even combined with a scoped grant (an empty Q vanishes in |)."""
    visibility = Visibility(Task, Grant(PROVINCE, "claimant__division_id"), Grant(NATIONAL))
    assert visibility.queryset(world["national"]).count() == Task.objects.count() > 0
