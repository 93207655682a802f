"""Who sees what in evaluation and incentives (`evaluation.rules`): for every kind, every user
and every object of a world with close-outs (a draft and a filed one), two commissions of two
third-party institutes (one in progress, one whose report is delivered), replicable outcomes (a
draft and a confirmed one) and incentive decisions (to a locality and to a unit), the
predicate, the queryset and the recipients give the same answer; and the answers are the ones
the stage's rules state in words."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import Role
from evaluation import rules
from evaluation.models import (
    CloseOut,
    Commission,
    IncentiveDecision,
    Outcome,
    TaskEvaluation,
)
from proposals.models import ReformField
from regions.models import Organisation
from tests.conftest import division, make_user
from tests.test_tasks_fixtures import task_world
from tests.test_visibility import assert_uses_agree

KINDS = {
    "close-outs": rules.CLOSE_OUTS,
    "commissions": rules.COMMISSIONS,
    "evaluated tasks": rules.EVALUATED_BY,
    "task evaluations": rules.TASK_EVALUATIONS,
    "outcomes": rules.OUTCOMES,
    "incentives": rules.INCENTIVES,
}
DAY = datetime.date(2027, 3, 1)


def commission(evaluator, tasks, national, *, reported=False) -> Commission:
    made = Commission.objects.create(
        title=f"{evaluator.name}评估",
        evaluator=evaluator,
        scope=Commission.Scope.TASKS,
        starts_on=DAY,
        ends_on=DAY + datetime.timedelta(days=90),
        terms_of_reference="评估任务书",
        independence="本机构未承担评估范围内的揭榜任务。",
        created_by=national,
        state=Commission.State.REPORTED if reported else Commission.State.IN_PROGRESS,
        reported_at=timezone.now() if reported else None,
    )
    for task in tasks:
        TaskEvaluation.objects.create(commission=made, task=task)
    return made


@pytest.fixture
def world(users):
    w = task_world(users)
    national = users["national"]
    first, second = w.sichuan_tasks[0], w.sichuan_tasks[1]
    CloseOut.objects.create(task=first, summary="已完成", created_by=users["implementer"])
    CloseOut.objects.create(
        task=second,
        summary="已完成",
        created_by=users["sichuan"],
        state=CloseOut.State.SUBMITTED,
        submitted_at=timezone.now(),
    )
    other_institute = Organisation.objects.create(
        name="另一评估机构", kind=Organisation.Kind.EVALUATOR, division=division("440000")
    )
    other_evaluator = make_user("other_evaluator", Role.EVALUATOR, organisation=other_institute)
    institute = users["evaluator"].organisation
    commission(institute, [first, w.guangdong_tasks[0]], national)
    done = commission(other_institute, [second], national, reported=True)
    field = ReformField.objects.first()
    assert field is not None
    draft = Outcome.objects.create(
        title="草稿成果",
        field=field,
        summary="概述",
        institutional_change="制度创新",
        origin="四川",
        recommended_scope="nationwide",
        created_by=national,
    )
    draft.tasks.set([first])
    confirmed = Outcome.objects.create(
        title="已确认成果",
        field=field,
        summary="概述",
        institutional_change="制度创新",
        origin="四川",
        recommended_scope="nationwide",
        created_by=national,
        state=Outcome.State.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    confirmed.tasks.set([second])
    confirmed.evaluations.set(done.evaluations.all())
    IncentiveDecision.objects.create(
        claimant=first.claimant,
        form=IncentiveDecision.Form.COMMENDATION,
        reason="完成较好",
        approving_authority="国家发展改革委、科技部",
        decided_on=DAY,
        created_by=national,
    )
    IncentiveDecision.objects.create(
        organisation=users["implementer"].organisation,
        form=IncentiveDecision.Form.PRIORITY,
        reason="完成较好",
        approving_authority="国家发展改革委、科技部",
        decided_on=DAY,
        created_by=national,
    )
    inactive = make_user("gone", Role.EVALUATOR, organisation=institute)
    inactive.is_active = False
    inactive.save()
    everyone = {**users, "other_evaluator": other_evaluator, "gone": inactive}
    return {**everyone, "anonymous": AnonymousUser()}, w


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_predicate_queryset_and_recipients_agree(world, kind):
    users, _w = world
    assert_uses_agree(kind, KINDS[kind], users)


def titles(visibility, user) -> set[str]:
    return {str(obj) for obj in visibility.queryset(user)}


def test_an_evaluator_sees_its_own_commissions_and_their_tasks_only(world):
    users, w = world
    mine = rules.COMMISSIONS.queryset(users["evaluator"])
    assert [c.evaluator_id for c in mine] == [users["evaluator"].organisation_id]
    tasks = set(rules.EVALUATED_BY.queryset(users["evaluator"]))
    assert tasks == {w.sichuan_tasks[0], w.guangdong_tasks[0]}
    assert w.sichuan_tasks[1] not in tasks  # the other institute's
    assert set(rules.EVALUATED_BY.queryset(users["other_evaluator"])) == {w.sichuan_tasks[1]}
    for name in ("sichuan", "implementer", "expert", "public", "anonymous"):
        assert not rules.COMMISSIONS.queryset(users[name]).exists(), name


def test_a_task_evaluation_reaches_the_locality_once_the_report_is_delivered(world):
    users, w = world
    sichuan = rules.TASK_EVALUATIONS.queryset(users["sichuan"])
    assert {e.task for e in sichuan} == {w.sichuan_tasks[1]}  # the delivered one only
    assert rules.TASK_EVALUATIONS.queryset(users["national"]).count() == 3
    assert not rules.TASK_EVALUATIONS.queryset(users["guangdong"]).exists()


def test_a_draft_close_out_is_the_implementers_and_a_draft_outcome_the_national_levels(world):
    users, w = world
    # The implementer implements the first task only: its draft; the locality and the national
    # level see the filed one only.
    assert {c.task for c in rules.CLOSE_OUTS.queryset(users["implementer"])} == {w.sichuan_tasks[0]}
    for name in ("sichuan", "national"):
        assert {c.task for c in rules.CLOSE_OUTS.queryset(users[name])} == {w.sichuan_tasks[1]}
    assert titles(rules.OUTCOMES, users["national"]) == {"草稿成果", "已确认成果"}
    assert titles(rules.OUTCOMES, users["sichuan"]) == {"已确认成果"}
    assert not rules.OUTCOMES.queryset(users["guangdong"]).exists()


def test_a_decision_is_read_by_its_beneficiary(world):
    users, _w = world
    assert rules.INCENTIVES.queryset(users["sichuan"]).count() == 1
    assert rules.INCENTIVES.queryset(users["implementer"]).count() == 1
    assert rules.INCENTIVES.queryset(users["national"]).count() == 2
    assert not rules.INCENTIVES.queryset(users["guangdong"]).exists()
