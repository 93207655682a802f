"""Guards across the evaluation stage: independence both ways, a repeated request that
records nothing twice, the locality closing a task that never got going, a closed task that
owes no report, and a stored file gone from the storage.

Independence: 发改高技〔2021〕484号 §三(四) has the national level commission a *third party*
("委托第三方机构评估"): an organisation that implements a task is no third party to it. Which
kinds of organisation may be commissioned (evaluation bodies, research institutes and
universities whose users evaluate) and that the locality may close a task that never started
are the platform's rules (`evaluation.rules`)."""

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from claims.models import Programme
from evaluation.errors import EvaluationError
from evaluation.models import CloseOut, Commission, InstitutionalDocument, Outcome
from evaluation.selectors.hub import waiting_for
from evaluation.services import closeout, commissions, documents, scoring
from kernel.errors import Forbidden
from regions.models import Organisation
from tasks.dispatch import ReportStatus, dispatch
from tasks.errors import TaskError
from tasks.models import Closure, Task
from tasks.services import plans
from tests.conftest import client_for, make_user
from tests.test_evaluation_fixtures import close_task
from tests.test_evaluation_incentives import decide
from tests.test_evaluation_incentives import world as incentives_world  # noqa: F401
from tests.test_evaluation_outcomes import make_outcome
from tests.test_evaluation_outcomes import world as outcomes_world  # noqa: F401
from tests.test_tasks_fixtures import task_world
from tests.test_tasks_oversight import build as build_zone_world

START, END = datetime.date(2026, 11, 1), datetime.date(2027, 3, 31)


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def commission(users, evaluator, tasks) -> Commission:
    return commissions.commission_create(
        by=users["national"],
        title="独立性测试评估",
        evaluator=evaluator,
        scope=Commission.Scope.TASKS,
        tasks=tasks,
        starts_on=START,
        ends_on=END,
        terms_of_reference="评估任务书",
        independence="本机构未承担评估范围内的揭榜任务。",
    )


def test_an_institute_that_implements_a_task_cannot_evaluate_it_nor_implement_what_it_evaluates(
    users,
):
    w = task_world(users)
    sysu = Organisation.objects.get(name="中山大学")  # implements Guangdong's tasks
    scu = Organisation.objects.get(name="四川大学")
    for university in (sysu, scu):
        make_user(f"evaluator-{university.pk}", Role.EVALUATOR, organisation=university)
    Task.objects.filter(pk__in=[w.guangdong_tasks[0].pk, w.sichuan_tasks[1].pk]).update(
        closure=Closure.COMPLETED, closed_on=timezone.localdate()
    )
    with pytest.raises(EvaluationError, match="中山大学"):
        commission(users, sysu, [w.guangdong_tasks[0]])
    assert not Commission.objects.exists()
    # Sichuan University implements nothing here: it may evaluate Sichuan's second task ...
    commission(users, scu, [w.sichuan_tasks[1]])
    # ... and, while it does, Sichuan cannot name it an implementer of that task.
    with pytest.raises(TaskError, match="evaluating this task"):
        plans.implementer_add(task=w.sichuan_tasks[1], by=users["sichuan"], organisation=scu)
    assert not w.sichuan_tasks[1].implementers.filter(organisation=scu).exists()
    # An organisation no user of which evaluates is not offered, nor accepted.
    plain = Organisation.objects.create(
        name="某研究所", kind=Organisation.Kind.INSTITUTE, division=scu.division
    )
    with pytest.raises(EvaluationError, match="not a third-party evaluator"):
        commission(users, plain, [w.sichuan_tasks[1]])


def test_a_repeated_outcome_is_drafted_once(users, outcomes_world):  # noqa: F811
    w = outcomes_world
    make_outcome(w, users)
    with pytest.raises(EvaluationError, match="already drafted"):
        make_outcome(w, users)
    assert Outcome.objects.count() == 1


def test_a_repeated_decision_is_recorded_once(users, incentives_world):  # noqa: F811
    decide(incentives_world, users)
    with pytest.raises(EvaluationError, match="already recorded"):
        decide(incentives_world, users)


def test_a_repeated_document_is_listed_once(users):
    w = task_world(users)
    filed = closeout.closeout_save(task=w.task, by=users["implementer"], summary="已完成")
    values: dict[str, Any] = {
        "title": "四川省技术经理人管理办法",
        "issuer": "四川省科学技术厅",
        "number": "川科规〔2026〕3号",
        "issued_on": datetime.date(2026, 6, 1),
    }
    documents.document_add(close_out=filed, by=users["implementer"], **values)
    with pytest.raises(EvaluationError, match="already listed"):
        documents.document_add(close_out=filed, by=users["implementer"], **values)
    assert InstitutionalDocument.objects.count() == 1


def test_the_locality_closes_a_task_that_reached_its_end_without_starting(users):
    w = task_world(users, approved=False)
    task = w.guangdong_tasks[0]  # no approved plan
    guangdong = users["guangdong"]
    with pytest.raises(Forbidden):  # its end is still ahead
        closeout.closeout_save(task=task, by=guangdong, summary="未启动")
    # Past its expected end (the notice dated 2026-01-01 plus the implementation period).
    Programme.objects.filter(pk=task.programme_id).update(implementation_months=6)
    task = Task.objects.get(pk=task.pk)
    draft = closeout.closeout_save(
        task=task,
        by=guangdong,
        summary="任务未能启动",
        result=CloseOut.Result.NOT_COMPLETED,
        not_completed_reason="实施主体未落实",
    )
    filed = closeout.closeout_submit(close_out=draft, by=guangdong)
    assert filed.state == CloseOut.State.CONFIRMED  # what the locality files, it sends up
    closeout.closeout_accept(close_out=filed, by=users["national"])
    task.refresh_from_db()
    assert task.closure == Closure.NOT_COMPLETED
    # Its own draft was the locality's to see, and no other locality's.
    page = client_for(guangdong).get(f"/evaluation/close-outs/{filed.pk}/")
    assert page.status_code == 200
    assert (
        client_for(users["sichuan"]).get(f"/evaluation/close-outs/{filed.pk}/").status_code == 404
    )


def test_a_task_closed_within_a_period_owes_no_report_for_it(users):
    w = task_world(users)
    close_task(w, users)
    task = Task.objects.get(pk=w.task.pk)
    today = task.closed_on
    assert today is not None
    quarter = (today.year, (today.month - 1) // 3 + 1)
    seen = dispatch(Task.objects.filter(pk=task.pk), task.programme, quarter, today)
    (line,) = seen.lines
    assert line.report == ReportStatus.NOT_EXPECTED
    assert not line.past_end


def test_the_implementer_is_not_asked_to_file_a_close_out_already_on_its_way(users):
    w = task_world(users)
    Programme.objects.filter(pk=w.task.programme_id).update(implementation_months=6)
    today = timezone.localdate()
    keys = {item.key for item in waiting_for(users["implementer"], today)}
    assert "close_outs_to_file" in keys
    draft = closeout.closeout_save(task=w.task, by=users["implementer"], summary="已完成")
    closeout.closeout_submit(close_out=draft, by=users["implementer"])
    keys = {item.key for item in waiting_for(users["implementer"], today)}
    assert "close_outs_to_file" not in keys
    assert "close_outs_to_confirm" in {item.key for item in waiting_for(users["sichuan"], today)}


def test_a_signed_report_gone_from_the_storage_answers_404(users, media_root):
    w = task_world(users)
    close_task(w, users)
    made = commission(users, users["evaluator"].organisation, [Task.objects.get(pk=w.task.pk)])
    # The signed report comes once the report is delivered.
    Commission.objects.filter(pk=made.pk).update(
        state=Commission.State.REPORTED, reported_at=timezone.now()
    )
    made.refresh_from_db()
    pdf = SimpleUploadedFile("签章报告.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    made = scoring.report_upload(commission=made, by=users["evaluator"], upload=pdf)
    made.report_file.storage.delete(made.report_file.name)
    url = reverse("evaluation:report_download", args=[made.pk])
    assert client_for(users["evaluator"]).get(url).status_code == 404


def test_a_province_reads_its_zones_close_outs_but_is_not_asked_to_confirm_them(users):
    """分层推进 (484号 §四): the zone runs its task, the province oversees it (tasks.rules)."""
    w = build_zone_world(users)
    zone, implementer = users["chengdu_zone"], users["zone_implementer"]
    draft = closeout.closeout_save(task=w.task, by=implementer, summary="已完成试点")
    filed = closeout.closeout_submit(close_out=draft, by=implementer)
    today = timezone.localdate()
    assert {"close_outs_to_confirm"} <= {i.key for i in waiting_for(zone, today)}
    assert "close_outs_to_confirm" not in {i.key for i in waiting_for(users["sichuan"], today)}
    page = client_for(users["sichuan"]).get(f"/evaluation/close-outs/{filed.pk}/")
    assert page.status_code == 200  # it reads it


def test_the_national_level_is_told_of_tasks_past_their_end(users):
    w = task_world(users)
    Programme.objects.filter(pk=w.task.programme_id).update(implementation_months=6)
    keys = {i.key for i in waiting_for(users["national"], timezone.localdate())}
    assert "tasks_past_end" in keys


def test_a_zones_locality_user_is_named_a_locality_not_a_provinces_departments(users):
    build_zone_world(users)
    zone = users["chengdu_zone"]
    with translation.override("zh-hans"):
        assert zone.role_label == "地方"
        assert users["sichuan"].role_label == str(users["sichuan"].get_role_display())
    page = client_for(zone).get("/evaluation/").content.decode()
    assert "地方 · 成都国家自主创新示范区" in page
