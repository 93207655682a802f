"""Replicable outcomes (可复制推广的改革成果, 484号 §三(四): "国家发展改革委、科技部及时委托第三方
机构评估，并总结凝练为可复制推广的改革成果"): distilled by the national level from tasks whose
evaluation report has been delivered, prefilled from their close-outs and evaluations, changed
while a draft, confirmed for promotion; read by the national level (drafts too) and, once
confirmed, by whoever sees one of its tasks.

The evaluations are made here as the scoring services leave them (score, rating, findings and
recommendation set; the commission's report delivered)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from audit.models import AuditEntry
from claims.models import ProgrammeItem
from evaluation.errors import EvaluationError
from evaluation.models import (
    CloseOut,
    Commission,
    InstitutionalDocument,
    Outcome,
    Recommendation,
    TaskEvaluation,
)
from evaluation.selectors.outcomes import narrowest_scope, outcome_prefill
from evaluation.services import outcomes as services
from notifications.models import Notification
from proposals.models import ReformField
from tasks.models import Closure, Task, ToleranceFiling
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

DAY = datetime.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def english_messages():
    """Rules' messages in English; a request in the test switches to its own language, so
    checks after one wrap themselves in translation.override("en")."""
    with translation.override("en"):
        yield


# Makings shared with the incentive tests ------------------------------------------------------


def delivered(
    task: Task,
    national,
    institute,
    *,
    score: str | None = "85.0",
    rating: str = TaskEvaluation.Rating.GOOD,
    recommendation: str = Recommendation.NATIONWIDE,
    findings: str = "改革举措可操作、可检查、可评估。",
    reported_at: datetime.datetime | None = None,
    reported: bool = True,
) -> TaskEvaluation:
    """A commission of one task whose report is delivered (or not, `reported=False`)."""
    commission = Commission.objects.create(
        title=f"{task.title}第三方评估",
        evaluator=institute,
        scope=Commission.Scope.TASKS,
        starts_on=DAY,
        ends_on=DAY + datetime.timedelta(days=60),
        terms_of_reference="评估任务书",
        independence="本机构未承担评估范围内的揭榜任务。",
        created_by=national,
        state=Commission.State.REPORTED if reported else Commission.State.IN_PROGRESS,
        reported_at=(reported_at or timezone.now()) if reported else None,
    )
    return TaskEvaluation.objects.create(
        commission=commission,
        task=task,
        score=Decimal(score) if score is not None else None,
        rating=rating,
        findings=findings,
        recommendation=recommendation,
    )


def close(
    task: Task,
    by,
    *,
    completed: bool = True,
    tolerated: bool = False,
    proposed: str = "",
    cases: str = "",
) -> CloseOut:
    """The task closed through an accepted close-out; not completed, on an accepted 容错
    filing when `tolerated`."""
    filing = None
    if tolerated:
        filing = ToleranceFiling.objects.create(
            task=task,
            what_went_wrong="试点企业退出",
            good_faith="按方案集体决策，未谋私利",
            filed_by=by,
            state=ToleranceFiling.State.ACCEPTED,
            decision_reason="符合容错情形",
            decided_by=by,
            decided_at=timezone.now(),
        )
    close_out = CloseOut.objects.create(
        task=task,
        result=CloseOut.Result.COMPLETED if completed else CloseOut.Result.NOT_COMPLETED,
        summary="任务已实施完毕",
        cases=cases,
        proposed_outcomes=proposed,
        not_completed_reason="" if completed else "试点未达预期",
        tolerance_filing=filing,
        state=CloseOut.State.ACCEPTED,
        created_by=by,
        decided_at=timezone.now(),
    )
    Task.objects.filter(pk=task.pk).update(
        closure=Closure.COMPLETED if completed else Closure.NOT_COMPLETED, closed_on=DAY
    )
    return close_out


def english(user):
    client = client_for(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


FIELD_NAME = "促进技术要素市场体系建设"


@pytest.fixture
def world(users):
    w = task_world(users)
    w.institute = users["evaluator"].organisation
    w.field = ReformField.objects.get(name=FIELD_NAME)
    first = w.task
    # An item entered by hand under the field's name (as an annual list's items are).
    ProgrammeItem.objects.filter(pk=first.claim.item_id).update(category=FIELD_NAME)
    close_out = close(
        first,
        users["implementer"],
        proposed="技术经理人全程参与成果转化的服务模式",
        cases="某高校成果作价入股案例",
    )
    InstitutionalDocument.objects.create(
        close_out=close_out,
        title="四川省技术经理人管理办法",
        issuer="四川省科学技术厅",
        number="川科规〔2026〕3号",
        issued_on=datetime.date(2026, 6, 1),
        added_by=users["implementer"],
    )
    w.evaluation = delivered(first, users["national"], w.institute, score="88.0")
    return w


def data(field, **overrides) -> services.OutcomeData:
    values = {
        "title": "技术经理人全程参与的成果转化服务模式",
        "field": field,
        "summary": "概述",
        "institutional_change": "出台技术经理人管理办法",
        "origin": "四川省",
        "evidence": "",
        "recommended_scope": Recommendation.NATIONWIDE,
    }
    values.update(overrides)
    return services.OutcomeData(**values)


def make_outcome(w, users, **overrides) -> Outcome:
    return services.outcome_create(
        by=users["national"], tasks=[w.task], data=data(w.field, **overrides)
    )


# Distilling ----------------------------------------------------------------------------------


def test_an_outcome_is_distilled_from_tasks_with_a_delivered_evaluation(world, users):
    """484号 §三(四): the outcome comes after the third-party evaluation, so a task whose
    evaluation is not delivered (none, or its commission still in progress) is refused."""
    national = users["national"]
    second, third = world.sichuan_tasks[1], world.sichuan_tasks[2]
    delivered(third, national, world.institute, reported=False)  # still being evaluated
    for task in (second, third):
        with pytest.raises(EvaluationError, match="no delivered evaluation"):
            services.outcome_create(by=national, tasks=[world.task, task], data=data(world.field))
    assert not Outcome.objects.exists()

    outcome = make_outcome(world, users)
    assert outcome.state == Outcome.State.DRAFT
    assert list(outcome.tasks.all()) == [world.task]
    assert list(outcome.evaluations.all()) == [world.evaluation]
    entry = AuditEntry.objects.get(action="outcome.created")
    assert entry.object_id == str(outcome.pk)
    assert entry.changes["title"] == [None, outcome.title]


def test_the_national_level_alone_distils_and_the_fields_are_required(world, users):
    from kernel.errors import Forbidden

    for name in ("sichuan", "implementer", "evaluator"):
        with pytest.raises(Forbidden):
            services.outcome_create(by=users[name], tasks=[world.task], data=data(world.field))
    with pytest.raises(EvaluationError, match="institutional change"):
        make_outcome(world, users, institutional_change="  ")
    with pytest.raises(EvaluationError, match="recommended scope"):
        make_outcome(world, users, recommended_scope=Recommendation.NOT_YET)
    with pytest.raises(EvaluationError, match="at least one"):
        services.outcome_create(by=users["national"], tasks=[], data=data(world.field))
    assert not Outcome.objects.exists()


def test_the_draft_is_prefilled_from_the_close_outs_and_the_evaluations(world, users):
    national = users["national"]
    guangdong_task = world.guangdong_tasks[0]
    delivered(
        guangdong_task,
        national,
        world.institute,
        score="75.0",
        recommendation=Recommendation.EXPERIMENT_REGIONS,
        findings="在试验区域推广。",
    )
    prefill = outcome_prefill([world.task.pk, guangdong_task.pk])
    initial = prefill.initial
    assert initial["field"] == world.field.pk  # the item's category names the field
    assert "技术经理人全程参与成果转化的服务模式" in initial["summary"]  # proposed outcome
    assert "改革举措可操作、可检查、可评估。" in initial["summary"]  # the evaluation's findings
    assert (
        "《四川省技术经理人管理办法》（四川省科学技术厅 川科规〔2026〕3号，2026-06-01）"
        in (initial["institutional_change"])
    )
    assert "四川省（四川省科学技术厅）" in initial["origin"]
    assert "广东省（中山大学）" in initial["origin"]
    assert "某高校成果作价入股案例" in initial["evidence"]
    assert "88.0" in initial["evidence"] and "75.0" in initial["evidence"]
    # Nationwide for one task, the experiment regions for the other: the narrower one.
    assert initial["recommended_scope"] == Recommendation.EXPERIMENT_REGIONS
    assert sorted(initial["tasks"]) == sorted([world.task.pk, guangdong_task.pk])


def test_the_latest_delivered_evaluation_decides_the_prefilled_scope(world, users):
    national = users["national"]
    later = timezone.now() + datetime.timedelta(days=1)
    delivered(
        world.task,
        national,
        world.institute,
        recommendation=Recommendation.NOT_YET,
        reported_at=later,
    )
    prefill = outcome_prefill([world.task.pk])
    assert prefill.initial["recommended_scope"] == ""
    assert prefill.notes  # says why the scope is left to the national level
    assert narrowest_scope([Recommendation.NATIONWIDE]) == Recommendation.NATIONWIDE
    assert narrowest_scope([]) == ""


def test_distilling_through_the_pages_keeps_what_was_typed(world, users):
    client = english(users["national"])
    choose = client.get(reverse("evaluation:outcome_choose"))
    assert choose.status_code == 200
    assert world.task.title in choose.content.decode()
    assert world.sichuan_tasks[1].title not in choose.content.decode()  # not evaluated

    url = reverse("evaluation:outcome_new") + f"?tasks={world.task.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert "技术经理人全程参与成果转化的服务模式" in page.content.decode()

    posted = {
        "tasks": [world.task.pk],
        "title": "",
        "field": world.field.pk,
        "summary": "我写的概述",
        "institutional_change": "出台管理办法",
        "origin": "四川省",
        "evidence": "",
        "recommended_scope": Recommendation.NATIONWIDE,
    }
    refused = client.post(url, posted)
    assert refused.status_code == 200
    assert "我写的概述" in refused.content.decode()  # kept
    assert not Outcome.objects.exists()

    posted["title"] = "技术经理人制度"
    saved = client.post(url, posted)
    outcome = Outcome.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == reverse("evaluation:outcome", args=[outcome.pk])
    assert outcome.summary == "我写的概述"

    # A task without a delivered evaluation is sent back to the choice.
    lacking = client.get(reverse("evaluation:outcome_new") + f"?tasks={world.sichuan_tasks[1].pk}")
    assert lacking.status_code == 302
    assert lacking["Location"] == reverse("evaluation:outcome_choose")
    # …and refused if posted anyway.
    posted["tasks"] = [world.sichuan_tasks[1].pk]
    again = client.post(reverse("evaluation:outcome_new"), posted)
    assert again.status_code == 200
    assert "no delivered evaluation" in again.content.decode()
    assert Outcome.objects.count() == 1


def test_a_draft_changes_and_is_confirmed_once(world, users):
    national = users["national"]
    outcome = make_outcome(world, users)
    client = english(national)
    edit_url = reverse("evaluation:outcome_edit", args=[outcome.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url,
        {
            "title": "改后的标题",
            "field": world.field.pk,
            "summary": "概述",
            "institutional_change": "出台技术经理人管理办法",
            "origin": "四川省",
            "evidence": "评估报告",
            "recommended_scope": Recommendation.EXPERIMENT_REGIONS,
        },
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.title == "改后的标题"
    changed = AuditEntry.objects.get(action="outcome.updated")
    assert changed.changes["title"] == ["技术经理人全程参与的成果转化服务模式", "改后的标题"]

    confirm_url = reverse("evaluation:outcome_confirm", args=[outcome.pk])
    page = client.get(confirm_url)
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    assert client.post(confirm_url).status_code == 302
    outcome.refresh_from_db()
    assert outcome.state == Outcome.State.CONFIRMED and outcome.confirmed_at is not None
    assert AuditEntry.objects.filter(action="outcome.confirmed").count() == 1
    assert Notification.objects.filter(user=users["sichuan"], url__contains="/outcomes/").exists()

    # Confirmed: fixed. A second confirmation or a change says so and writes nothing.
    again = client.post(confirm_url)
    assert again.status_code == 200
    assert "already been confirmed" in again.content.decode()
    assert AuditEntry.objects.filter(action="outcome.confirmed").count() == 1
    with pytest.raises(EvaluationError, match="confirmed"):
        services.outcome_update(outcome=outcome, by=national, data=data(world.field))
    # An old link to the edit page leads to the outcome's page, which says it is confirmed.
    opened = client.get(edit_url, follow=True)
    assert opened.redirect_chain == [(reverse("evaluation:outcome", args=[outcome.pk]), 302)]


# Who sees what -------------------------------------------------------------------------------


def test_a_draft_is_the_national_levels_and_a_confirmed_outcome_its_tasks_readers(world, users):
    outcome = make_outcome(world, users)
    url = reverse("evaluation:outcome", args=[outcome.pk])
    assert client_for(users["national"]).get(url).status_code == 200
    for name in ("sichuan", "implementer", "guangdong", "evaluator"):
        assert client_for(users[name]).get(url).status_code == 404, name
    assert client_for(users["sichuan"]).get(reverse("evaluation:outcomes")).status_code == 200
    assert (
        outcome.title
        not in client_for(users["sichuan"]).get(reverse("evaluation:outcomes")).content.decode()
    )

    services.outcome_confirm(outcome=outcome, by=users["national"])
    for name in ("sichuan", "implementer"):  # the locality, and the unit implementing it
        assert client_for(users[name]).get(url).status_code == 200, name
    listed = client_for(users["sichuan"]).get(reverse("evaluation:outcomes")).content.decode()
    assert outcome.title in listed
    for name in ("guangdong", "evaluator", "expert"):
        assert client_for(users[name]).get(url).status_code in (403, 404), name
    # Seeing is not acting: the locality may not change or confirm.
    sichuan = client_for(users["sichuan"])
    assert sichuan.post(reverse("evaluation:outcome_confirm", args=[outcome.pk])).status_code == 403
    assert sichuan.get(reverse("evaluation:outcome_choose")).status_code == 403
    new = reverse("evaluation:outcome_new") + f"?tasks={world.task.pk}"
    assert sichuan.get(new).status_code == 403
    assert client_for(users["public"]).get(reverse("evaluation:outcomes")).status_code == 403


def test_the_list_filters_and_exports(world, users):
    national = users["national"]
    first = make_outcome(world, users, title="甲成果")
    make_outcome(world, users, title="乙成果", recommended_scope=Recommendation.EXPERIMENT_REGIONS)
    services.outcome_confirm(outcome=first, by=national)
    client = english(national)
    listed = client.get(reverse("evaluation:outcomes"), {"state": "confirmed"}).content.decode()
    assert "甲成果" in listed and "乙成果" not in listed
    listed = client.get(
        reverse("evaluation:outcomes"), {"scope": Recommendation.EXPERIMENT_REGIONS}
    ).content.decode()
    assert "乙成果" in listed and "甲成果" not in listed
    listed = client.get(reverse("evaluation:outcomes"), {"q": "乙"}).content.decode()
    assert "乙成果" in listed and "甲成果" not in listed
    listed = client.get(reverse("evaluation:outcomes"), {"field": world.field.pk}).content.decode()
    assert "甲成果" in listed and "乙成果" in listed

    response = client.get(reverse("evaluation:outcomes_xlsx"), {"state": "confirmed"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][1] == "Title"
    assert [r[1] for r in rows[1:]] == ["甲成果"]
    assert rows[1][2] == FIELD_NAME
    assert world.task.title in str(rows[1][6])


def test_the_list_reads_in_bounded_queries(world, users):
    client = client_for(users["national"])
    make_outcome(world, users)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("evaluation:outcomes")).status_code == 200
        return len(queries)

    few = count()
    for index in range(8):
        make_outcome(world, users, title=f"成果{index}")
    assert count() == few
