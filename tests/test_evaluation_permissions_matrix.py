"""Every role against every action of evaluation and incentives (评估激励), as one explicit table.

The rights live in `evaluation/rules.py` (on the role primitives of `accounts/roles.py` and the
visibilities of `accounts/visibility.py`). Each (role, action) cell is tested twice by the
shared harness `tests/matrix.py`: at the permission function, and over HTTP, where an allowed
cell must succeed (200 with the page's own text, or 302 with its write done) and a refused one
must fail without writing: 404 when the user may not know the object exists (the scoped reads
of `evaluation.selectors`), 403 when they see it but may not act, a redirect to login when
anonymous. A list open to the user but not holding the object answers 200 without it; a user
with the part in an action who finds the object in another state is told so (`told`).

The roles are those of `tests.conftest.users`, plus `other_implementer` (中山大学, which
implements Guangdong's tasks) and `other_evaluator` (a user of a second third-party evaluator,
另一评估机构, `Organisation.Kind.EVALUATOR`).

The world is `task_world` brought forward with the services, so that every action finds its
object in the state it needs:

- close-out (验收): Sichuan's first task closed (an accepted close-out with an institutional
  document and its file), its second with the `implementer`'s draft (with a document), its
  third filed to the locality (submitted); Guangdong's first sent up (confirmed) and its second
  closed;
- commissioned evaluation (委托评估), all of the `evaluator`'s institute over Sichuan's closed
  task: A in progress and not scored yet (with a field visit and evidence), B in progress and
  fully scored (ready to deliver), D delivered (with a signed report); and C, of the other
  institute, over Guangdong's closed task;
- a replicable outcome being distilled and one confirmed, both from D's evaluation;
- an incentive decision for Sichuan (a locality) and one of priority support for the Sichuan
  science department (the `implementer`'s unit).

It is built once for all the cells; every cell runs in a transaction rolled back after it.
"""

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import QuerySet
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, get_resolver, resolve
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from accounts.models import Role, User
from evaluation import rules
from evaluation.errors import EvaluationError
from evaluation.models import (
    CloseOut,
    Commission,
    Evidence,
    FieldVisit,
    IncentiveDecision,
    Indicator,
    InstitutionalDocument,
    Outcome,
    RankingFormula,
    Recommendation,
    TaskEvaluation,
)
from evaluation.selectors import outcomes as outcome_reads
from evaluation.services import closeout as closeouts
from evaluation.services import commissions as commissioning
from evaluation.services import documents as closeout_documents
from evaluation.services import incentives, outcomes, scoring
from evaluation.services.outcomes import OutcomeData
from kernel.errors import Forbidden
from proposals.models import ReformField
from regions.models import Organisation
from tasks.errors import TaskError
from tasks.models import Milestone, Target, Task
from tasks.rules import TASKS, is_task_implementer, runs_task
from tasks.services import plans
from tests.conftest import client_for, division, make_user
from tests.matrix import Act, Matrix, Response, World, shared_world
from tests.test_evaluation_fixtures import close_task, implementer_of
from tests.test_tasks_fixtures import task_world

N, SC, GD, RG = "national", "sichuan", "guangdong", "region"
IM, OI, EV, OE = "implementer", "other_implementer", "evaluator", "other_evaluator"

# The views' first gates (`require(...)`), before any object is looked at: outside them, 403.
# Whoever sees tasks lists close-outs and outcomes; whoever speaks for a locality or
# implements lists incentive decisions; the national level and evaluators list commissions.
TASK_AUDIENCE = frozenset({N, SC, GD, RG, IM, OI})
COMMISSION_LISTERS = frozenset({N, EV, OE})
STAGE = TASK_AUDIENCE | COMMISSION_LISTERS
NATIONAL_ONLY = frozenset({N})

# The table. Anything not listed for a role is refused.
ALLOWED: dict[str, set[str]] = {
    # Accepts close-outs, commissions, sets the indicators, distils outcomes, decides
    # incentives; reads every commission but scores nothing and records no visit.
    N: {
        "index",
        "closeouts",
        "closeouts_xlsx",
        "view_closeout_submitted",
        "view_closeout_confirmed",
        "closeout_document_download",
        "closeout_return_confirmed",
        "closeout_accept",
        "commissions",
        "commissions_xlsx",
        "commission_new",
        "view_commission",
        "commission_edit",
        "commission_xlsx",
        "dossier",
        "dossier_document",
        "evidence_download",
        "indicators_edit",
        "scores",
        "scores_xlsx",
        "report_generated",
        "report_download",
        "view_evaluation_in_progress",
        "view_evaluation_delivered",
        "outcomes",
        "outcomes_xlsx",
        "outcome_choose",
        "outcome_new",
        "view_outcome_draft",
        "view_outcome_confirmed",
        "outcome_edit",
        "outcome_confirm",
        "ranking",
        "ranking_xlsx",
        "formula_change",
        "incentives",
        "incentives_xlsx",
        "incentive_new",
        "view_incentive_locality",
        "view_incentive_unit",
        "incentive_docx",
        "register",
        "register_xlsx",
        "register_json",
    },
    # Runs Sichuan's tasks: confirms or returns what the implementer filed, reads its tasks'
    # delivered evaluations, the confirmed outcomes from them and the decision about it.
    SC: {
        "index",
        "index_results",
        "closeouts",
        "closeouts_xlsx",
        "view_closeout_submitted",
        "closeout_document_download",
        "closeout_confirm",
        "closeout_return_submitted",
        "view_evaluation_delivered",
        "outcomes",
        "outcomes_xlsx",
        "view_outcome_confirmed",
        "incentives",
        "incentives_xlsx",
        "view_incentive_locality",
        "incentive_docx",
    },
    # Runs Guangdong's tasks: the close-out it sent up, nothing of Sichuan's.
    GD: {"index", "view_closeout_confirmed"},
    # A region group with no claim: the stage's pages open, nothing in them.
    RG: {"index"},
    "city": set(),
    # Implements Sichuan's tasks: files its close-out reports; reads the delivered evaluation
    # of its task, never a commission, and scores nothing (it cannot evaluate itself).
    IM: {
        "index",
        "index_results",
        "closeouts",
        "closeouts_xlsx",
        "view_closeout_submitted",
        "view_closeout_draft",
        "closeout_save",
        "closeout_submit",
        "closeout_document_add",
        "closeout_document_remove",
        "closeout_document_download",
        "view_evaluation_delivered",
        "outcomes",
        "outcomes_xlsx",
        "view_outcome_confirmed",
        "view_incentive_unit",
    },
    # Implements Guangdong's tasks: its close-out sent up, nothing of Sichuan's.
    OI: {"index", "view_closeout_confirmed"},
    "expert": set(),
    # The commissioned institute: exactly its commissions' scope, read-only, and its own work
    # while a commission is in progress.
    EV: {
        "index",
        "commissions",
        "commissions_xlsx",
        "view_commission",
        "commission_xlsx",
        "dossier",
        "dossier_document",
        "visit_new",
        "evidence_new",
        "evidence_download",
        "evidence_remove",
        "scores",
        "scores_xlsx",
        "report_generated",
        "report_download",
        "report_upload",
        "report_deliver",
        "view_evaluation_in_progress",
        "view_evaluation_delivered",
        "score",
    },
    # Another institute: its own commission only; the first one's does not exist for it.
    OE: {"index"},
    "innovator": set(),
    "other_innovator": set(),
    "public": set(),
    "county": set(),
    "park": set(),
    "anonymous": set(),
}

TODAY = timezone.localdate()
START, END = datetime.date(2027, 3, 1), datetime.date(2027, 9, 30)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str, marker: str) -> SimpleUploadedFile:
    """A small PDF whose bytes carry `marker`, so a download shows which file it served."""
    content = PDF + f"% {marker}\n".encode()
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(scope="module", autouse=True)
def media(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Uploaded files go to a folder of this module's, for the world and the cells alike."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


# The world ----------------------------------------------------------------------------------


def _filed(task: Task, by: User, summary: str) -> CloseOut:
    return closeouts.closeout_save(task=task, by=by, summary=summary, cases="典型案例")


def _commission(national: User, evaluator: Organisation, task: Task, title: str) -> Commission:
    return commissioning.commission_create(
        by=national,
        title=title,
        evaluator=evaluator,
        scope=Commission.Scope.TASKS,
        starts_on=START,
        ends_on=END,
        terms_of_reference="评估目标达成情况与改革成效",
        independence=commissioning.standard_independence(),
        tasks=[task],
    )


def _score_all(commission: Commission, by: User) -> TaskEvaluation:
    evaluation = commission.evaluations.get()
    return scoring.task_score(
        evaluation=evaluation,
        by=by,
        scores=[
            scoring.ScoreRow(i.pk, Decimal(85), "实地调研记录与佐证材料")
            for i in commission.indicators.order_by("position")
        ],
        findings="改革成效明显",
        recommendation=Recommendation.NATIONWIDE,
    )


def _outcome_data(title: str) -> OutcomeData:
    return OutcomeData(
        title=title,
        field=ReformField.objects.order_by("pk")[0],
        summary="技术经理人全程参与成果转化",
        institutional_change="出台技术经理人管理办法",
        origin="四川省科学技术厅",
        evidence="评估报告",
        recommended_scope=Recommendation.NATIONWIDE,
    )


def build_world(users: dict[str, Any]) -> World:
    sysu = Organisation.objects.get(name="中山大学")
    second_institute = Organisation.objects.create(
        name="另一评估机构", kind=Organisation.Kind.EVALUATOR, division=division("440000")
    )
    users = {
        **users,
        OI: make_user(OI, Role.IMPLEMENTER, organisation=sysu),
        OE: make_user(OE, Role.EVALUATOR, organisation=second_institute),
    }
    national, guangdong = users[N], users[GD]
    implementer, evaluator = users[IM], users[EV]
    w = task_world(users)
    s0, s1, s2 = w.sichuan_tasks
    g0, g1, _g2 = w.guangdong_tasks

    # Close-out. Sichuan's first task: a draft with a document and its file, then closed.
    draft = _filed(s0, implementer, "四川第一项任务的总结")
    w.closed_document = closeout_documents.document_add(
        close_out=draft,
        by=implementer,
        title="技术经理人管理办法",
        issuer="四川省科学技术厅",
        number="川科〔2027〕1号",
        issued_on=TODAY - datetime.timedelta(days=30),
        upload=pdf("管理办法.pdf", "closed-document"),
    )
    w.accepted = close_task(w, users, s0)
    # Its second: the implementer's draft, with a document.
    assert implementer_of(s1, users) == implementer
    w.draft = _filed(Task.objects.get(pk=s1.pk), implementer, "四川第二项任务的草稿")
    w.draft_document = closeout_documents.document_add(
        close_out=w.draft,
        by=implementer,
        title="草稿中的制度文件",
        issuer="四川省科学技术厅",
        issued_on=TODAY - datetime.timedelta(days=10),
    )
    # Its third: filed to the locality.
    assert implementer_of(s2, users) == implementer
    w.submitted = closeouts.closeout_submit(
        close_out=_filed(Task.objects.get(pk=s2.pk), implementer, "四川第三项任务的总结"),
        by=implementer,
    )
    # Guangdong's first: confirmed and sent up; its second: closed.
    other_implementer = implementer_of(g0, users)
    assert other_implementer == users[OI]
    filed = closeouts.closeout_submit(
        close_out=_filed(Task.objects.get(pk=g0.pk), other_implementer, "广东第一项任务的总结"),
        by=other_implementer,
    )
    w.confirmed = closeouts.closeout_confirm(close_out=filed, by=guangdong)
    close_task(w, users, g1)

    # Commissioned evaluations.
    institute = evaluator.organisation
    w.a = _commission(national, institute, s0, "甲：揭榜任务第三方评估")
    w.b = _commission(national, institute, s0, "乙：评分已完成的评估")
    w.d = _commission(national, institute, s0, "丙：报告已交付的评估")
    w.c = _commission(national, second_institute, g1, "丁：另一机构的评估")
    w.a_evaluation = w.a.evaluations.get()
    commissioning.visit_record(
        commission=w.a,
        by=evaluator,
        visited_on=TODAY - datetime.timedelta(days=2),
        place="成都技术经理人服务站",
        notes="座谈了解试点情况",
        task=s0,
    )
    w.evidence = commissioning.evidence_add(
        commission=w.a,
        by=evaluator,
        title="座谈纪要",
        upload=pdf("座谈纪要.pdf", "evidence-file"),
        task=s0,
    )
    _score_all(w.b, evaluator)
    w.d_evaluation = _score_all(w.d, evaluator)
    scoring.commission_report(commission=w.d, by=evaluator, findings="总体成效明显")
    scoring.report_upload(commission=w.d, by=evaluator, upload=pdf("签字报告.pdf", "signed-report"))
    w.d = Commission.objects.get(pk=w.d.pk)

    # Outcomes, from D's delivered evaluation.
    w.outcome_draft = outcomes.outcome_create(
        by=national, tasks=[s0], data=_outcome_data("技术经理人制度（凝练中）")
    )
    w.outcome_confirmed = outcomes.outcome_confirm(
        outcome=outcomes.outcome_create(
            by=national, tasks=[s0], data=_outcome_data("技术经理人制度（已确认）")
        ),
        by=national,
    )

    # Incentives: a locality and a unit.
    w.locality_decision = incentives.incentive_decide(
        by=national,
        claimant=w.sichuan,
        form=IncentiveDecision.Form.COMMENDATION,
        reason="四川完成改革任务较好",
        approving_authority="国家发展改革委、科技部",
        decided_on=TODAY,
        evaluations=[w.d_evaluation],
    )
    w.unit_decision = incentives.incentive_decide(
        by=national,
        organisation=implementer.organisation,
        form=IncentiveDecision.Form.PRIORITY,
        form_detail="优先支持承担创新创业创造重大项目",
        reason="省科技厅实施改革任务较好",
        approving_authority="国家发展改革委、科技部",
        decided_on=TODAY,
        evaluations=[w.d_evaluation],
    )

    w.s0, w.s1, w.s2, w.g0, w.g1 = (Task.objects.get(pk=t.pk) for t in (s0, s1, s2, g0, g1))
    w.institute, w.second_institute = institute, second_institute
    w.users = users
    return w


built_world, world = shared_world(build_world)


# Reading what a response gives ----------------------------------------------------------------


def xlsx_cells(response: Response) -> set[str]:
    """Every non-empty cell of every sheet of a workbook, as text."""
    book = load_workbook(io.BytesIO(response.content))
    return {
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }


def docx_text(response: Response) -> str:
    document = Document(io.BytesIO(response.content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def file_bytes(response: Response) -> str:
    """A served file's bytes (streamed by a FileResponse, which has no `content`), as text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


def json_ids(response: Response) -> set[str]:
    return {str(entry["id"]) for entry in response.json()["entitlements"]}


# The actions --------------------------------------------------------------------------------


def _close_out(w: World, attr: str) -> CloseOut:
    return CloseOut.objects.get(pk=getattr(w, attr).pk)


def _closeout_post(w: World) -> dict[str, Any]:
    """The close-out report form of Sichuan's second task, every line filled in."""
    data: dict[str, Any] = {
        "result": CloseOut.Result.COMPLETED,
        "summary": "改过的总结",
        "cases": "",
        "proposed_outcomes": "",
        "not_completed_reason": "",
        "tolerance_filing": "",
    }
    for target in Target.objects.filter(task=w.s1):
        data[f"t{target.pk}_achieved"] = "150"
        data[f"t{target.pk}_note"] = ""
    for milestone in Milestone.objects.filter(task=w.s1):
        data[f"m{milestone.pk}_status"] = "in_progress"
        data[f"m{milestone.pk}_done_on"] = ""
    return data


def _terms(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "starts_on": START.isoformat(),
        "ends_on": END.isoformat(),
        "terms_of_reference": "评估目标达成情况与改革成效",
    }


def _score_post(w: World, commission: Commission) -> dict[str, Any]:
    data: dict[str, Any] = {"findings": "改过的结论", "recommendation": Recommendation.NATIONWIDE}
    for indicator in Indicator.objects.filter(commission=commission):
        data[f"score_{indicator.pk}"] = "90"
        data[f"evidence_{indicator.pk}"] = "走访记录"
    return data


def _outcome_post(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "field": ReformField.objects.order_by("pk")[0].pk,
        "summary": "技术经理人全程参与成果转化",
        "institutional_change": "出台技术经理人管理办法",
        "origin": "四川省科学技术厅",
        "evidence": "",
        "recommended_scope": Recommendation.NATIONWIDE,
    }


def _evaluation_findings(evaluation: TaskEvaluation) -> str:
    return TaskEvaluation.objects.get(pk=evaluation.pk).findings


def _commission_state(commission: Commission) -> str:
    return Commission.objects.get(pk=commission.pk).state


def _runs_or_implements(user: Any, task: Task) -> bool:
    return runs_task(user, task) or is_task_implementer(user, task)


ACTIONS: dict[str, Act] = {
    # The stage's start page ------------------------------------------------------------------
    "index": Act(
        right=lambda u, w: rules.can_open_stage(u),
        method="get",
        url=lambda w: "/evaluation/",
        shows=lambda w: "<h1>Evaluation and incentives</h1>",
        gate=STAGE,
    ),
    # The results of one's own tasks, on the start page: the locality and the implementer.
    "index_results": Act(
        right=lambda u, w: (
            rules.can_open_stage(u)
            and _runs_or_implements(u, w.s0)
            and rules.can_view_task_evaluation(u, w.d_evaluation)
        ),
        method="get",
        url=lambda w: "/evaluation/",
        shows=lambda w: w.d.title,
        gate=STAGE,
        hides=True,
    ),
    # Close-out (验收) ----------------------------------------------------------------------------
    "closeouts": Act(
        right=lambda u, w: (
            rules.can_list_close_outs(u) and rules.can_view_close_out(u, w.submitted)
        ),
        method="get",
        url=lambda w: "/evaluation/close-outs/",
        shows=lambda w: f'href="/evaluation/close-outs/{w.submitted.pk}/"',
        gate=TASK_AUDIENCE,
        hides=True,
    ),
    "closeouts_xlsx": Act(
        right=lambda u, w: (
            rules.can_list_close_outs(u) and rules.can_view_close_out(u, w.submitted)
        ),
        method="get",
        url=lambda w: "/evaluation/close-outs/export.xlsx",
        shows=lambda w: w.submitted.summary,
        read=xlsx_cells,
        gate=TASK_AUDIENCE,
        hides=True,
    ),
    "view_closeout_submitted": Act(
        right=lambda u, w: rules.can_view_close_out(u, w.submitted),
        method="get",
        url=lambda w: f"/evaluation/close-outs/{w.submitted.pk}/",
        shows=lambda w: w.submitted.summary,
        seen_via="view_closeout_submitted",
    ),
    # A draft is the implementer's: for everybody else it does not exist yet.
    "view_closeout_draft": Act(
        right=lambda u, w: rules.can_view_close_out(u, w.draft),
        method="get",
        url=lambda w: f"/evaluation/close-outs/{w.draft.pk}/",
        shows=lambda w: w.draft.summary,
        seen_via="view_closeout_draft",
    ),
    "view_closeout_confirmed": Act(
        right=lambda u, w: rules.can_view_close_out(u, w.confirmed),
        method="get",
        url=lambda w: f"/evaluation/close-outs/{w.confirmed.pk}/",
        shows=lambda w: w.confirmed.summary,
        seen_via="view_closeout_confirmed",
    ),
    # Sichuan's second and third tasks are seen by the same users (test_view_gates): who sees
    # the filed report of the third sees the second's task and is refused with 403.
    "closeout_save": Act(
        right=lambda u, w: rules.can_edit_close_out(u, w.draft),
        method="post",
        url=lambda w: f"/evaluation/tasks/{w.s1.pk}/close-out/",
        data=_closeout_post,
        done=lambda w: _close_out(w, "draft").summary == "改过的总结",
        seen_via="view_closeout_submitted",
    ),
    "closeout_submit": Act(
        right=lambda u, w: rules.can_edit_close_out(u, w.draft),
        method="post",
        url=lambda w: f"/evaluation/close-outs/{w.draft.pk}/submit/",
        done=lambda w: _close_out(w, "draft").state == CloseOut.State.SUBMITTED,
        seen_via="view_closeout_draft",
    ),
    "closeout_document_add": Act(
        right=lambda u, w: rules.can_edit_close_out(u, w.draft),
        method="post",
        url=lambda w: f"/evaluation/close-outs/{w.draft.pk}/documents/add/",
        data=lambda w: {
            "title": "新增的制度文件",
            "issuer": "四川省科学技术厅",
            "number": "",
            "issued_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        },
        done=lambda w: InstitutionalDocument.objects.filter(title="新增的制度文件").exists(),
        seen_via="view_closeout_draft",
    ),
    "closeout_document_remove": Act(
        right=lambda u, w: rules.can_edit_close_out(u, w.draft),
        method="post",
        url=lambda w: f"/evaluation/close-out-documents/{w.draft_document.pk}/remove/",
        done=lambda w: not InstitutionalDocument.objects.filter(pk=w.draft_document.pk).exists(),
        seen_via="view_closeout_draft",
    ),
    "closeout_document_download": Act(
        right=lambda u, w: rules.can_view_close_out(u, w.accepted),
        method="get",
        url=lambda w: f"/evaluation/close-out-documents/{w.closed_document.pk}/file/",
        shows=lambda w: "closed-document",
        read=file_bytes,
        seen_via="closeout_document_download",
    ),
    "closeout_confirm": Act(
        right=lambda u, w: rules.can_confirm_close_out(u, w.submitted),
        method="post",
        url=lambda w: f"/evaluation/close-outs/{w.submitted.pk}/confirm/",
        data=lambda w: {"note": ""},
        done=lambda w: _close_out(w, "submitted").state == CloseOut.State.CONFIRMED,
        seen_via="view_closeout_submitted",
    ),
    # The national level returns what was sent up; finding it not yet sent up, it is told.
    "closeout_return_submitted": Act(
        right=lambda u, w: rules.can_confirm_close_out(u, w.submitted),
        method="post",
        url=lambda w: f"/evaluation/close-outs/{w.submitted.pk}/return/",
        data=lambda w: {"reason": "请补充典型案例"},
        done=lambda w: _close_out(w, "submitted").state == CloseOut.State.RETURNED,
        seen_via="view_closeout_submitted",
        told=frozenset({N}),
    ),
    # The locality returns what was filed to it; finding it already sent up, it is told.
    "closeout_return_confirmed": Act(
        right=lambda u, w: rules.can_decide_close_out(u, w.confirmed),
        method="post",
        url=lambda w: f"/evaluation/close-outs/{w.confirmed.pk}/return/",
        data=lambda w: {"reason": "目标未完成的原因不清"},
        done=lambda w: _close_out(w, "confirmed").state == CloseOut.State.RETURNED,
        seen_via="view_closeout_confirmed",
        told=frozenset({GD}),
    ),
    "closeout_accept": Act(
        right=lambda u, w: rules.can_decide_close_out(u, w.confirmed),
        method="post",
        url=lambda w: f"/evaluation/close-outs/{w.confirmed.pk}/accept/",
        data=lambda w: {"note": ""},
        done=lambda w: _close_out(w, "confirmed").state == CloseOut.State.ACCEPTED,
        seen_via="view_closeout_confirmed",
    ),
    # Commissioned evaluation (委托评估) ---------------------------------------------------------
    "commissions": Act(
        right=lambda u, w: rules.can_list_commissions(u) and rules.can_view_commission(u, w.a),
        method="get",
        url=lambda w: "/evaluation/commissions/",
        shows=lambda w: f'href="/evaluation/commissions/{w.a.pk}/"',
        gate=COMMISSION_LISTERS,
        hides=True,
    ),
    "commissions_xlsx": Act(
        right=lambda u, w: rules.can_list_commissions(u) and rules.can_view_commission(u, w.a),
        method="get",
        url=lambda w: "/evaluation/commissions/xlsx/",
        shows=lambda w: w.a.title,
        read=xlsx_cells,
        gate=COMMISSION_LISTERS,
        hides=True,
    ),
    "commission_new": Act(
        right=lambda u, w: rules.can_commission(u),
        method="post",
        url=lambda w: "/evaluation/commissions/new/?scope=tasks",
        data=lambda w: {
            **_terms("新的委托评估"),
            "evaluator": w.institute.pk,
            "tasks": [w.s0.pk],
            "independence": commissioning.standard_independence(),
        },
        done=lambda w: Commission.objects.filter(title="新的委托评估").exists(),
        gate=NATIONAL_ONLY,
    ),
    "view_commission": Act(
        right=lambda u, w: rules.can_view_commission(u, w.a),
        method="get",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/",
        shows=lambda w: f"<h1>{w.a.title}",
        seen_via="view_commission",
    ),
    "commission_edit": Act(
        right=lambda u, w: commissioning.can_change_commission(u, w.a),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/edit/",
        data=lambda w: _terms("甲：改过的标题"),
        done=lambda w: Commission.objects.get(pk=w.a.pk).title == "甲：改过的标题",
        seen_via="view_commission",
    ),
    "commission_xlsx": Act(
        right=lambda u, w: rules.can_view_commission(u, w.a),
        method="get",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/xlsx/",
        shows=lambda w: w.s0.title,
        read=xlsx_cells,
        seen_via="view_commission",
    ),
    # The evaluator's read-only dossier of a task in the scope.
    "dossier": Act(
        right=lambda u, w: rules.can_view_evaluated_task(u, w.a, w.s0),
        method="get",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/tasks/{w.s0.pk}/",
        shows=lambda w: f"<h1>{w.s0.title}",
        seen_via="view_commission",
    ),
    "dossier_document": Act(
        right=lambda u, w: rules.can_view_evaluated_task(u, w.a, w.s0),
        method="get",
        url=lambda w: (
            f"/evaluation/commissions/{w.a.pk}/tasks/{w.s0.pk}/documents/{w.closed_document.pk}/"
        ),
        shows=lambda w: "closed-document",
        read=file_bytes,
        seen_via="view_commission",
    ),
    "visit_new": Act(
        right=lambda u, w: rules.can_work_on(u, w.a),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/visits/new/",
        data=lambda w: {
            "visited_on": TODAY.isoformat(),
            "place": "四川大学",
            "task": w.s0.pk,
            "met": "",
            "notes": "走访高校技术转移中心",
        },
        done=lambda w: FieldVisit.objects.filter(place="四川大学").exists(),
        seen_via="view_commission",
    ),
    "evidence_new": Act(
        right=lambda u, w: rules.can_work_on(u, w.a),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/evidence/new/",
        data=lambda w: {
            "title": "问卷汇总",
            "file": pdf("问卷汇总.pdf", "new-evidence"),
            "task": w.s0.pk,
            "visit": "",
        },
        done=lambda w: Evidence.objects.filter(title="问卷汇总").exists(),
        seen_via="view_commission",
    ),
    "evidence_download": Act(
        right=lambda u, w: rules.can_view_commission(u, w.a),
        method="get",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/evidence/{w.evidence.pk}/",
        shows=lambda w: "evidence-file",
        read=file_bytes,
        seen_via="view_commission",
    ),
    "evidence_remove": Act(
        right=lambda u, w: rules.can_work_on(u, w.a),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/evidence/{w.evidence.pk}/remove/",
        done=lambda w: not Evidence.objects.filter(pk=w.evidence.pk).exists(),
        seen_via="view_commission",
    ),
    # Nothing is recorded once the report is delivered: the evaluator is told so.
    "visit_delivered": Act(
        right=lambda u, w: rules.can_work_on(u, w.d),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.d.pk}/visits/new/",
        data=lambda w: {
            "visited_on": TODAY.isoformat(),
            "place": "交付后的走访地点",
            "task": "",
            "met": "",
            "notes": "交付后补充走访",
        },
        done=lambda w: FieldVisit.objects.filter(place="交付后的走访地点").exists(),
        seen_via="report_download",
        told=frozenset({EV}),
    ),
    # Indicators, scores and the report -----------------------------------------------------------
    "indicators_edit": Act(
        right=lambda u, w: rules.can_set_indicators(u, w.a),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/indicators/",
        data=lambda w: {
            "indicators-TOTAL_FORMS": "1",
            "indicators-INITIAL_FORMS": "1",
            "indicators-MIN_NUM_FORMS": "0",
            "indicators-MAX_NUM_FORMS": "50",
            "indicators-0-dimension": Indicator.Dimension.ATTAINMENT,
            "indicators-0-name": "目标任务完成情况",
            "indicators-0-guidance": "",
            "indicators-0-weight": "1",
        },
        done=lambda w: (
            list(Indicator.objects.filter(commission=w.a).values_list("name", flat=True))
            == ["目标任务完成情况"]
        ),
        seen_via="view_commission",
    ),
    "scores": Act(
        right=lambda u, w: rules.can_view_commission(u, w.a),
        method="get",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/scores/",
        shows=lambda w: w.s0.title,
        seen_via="view_commission",
    ),
    "scores_xlsx": Act(
        right=lambda u, w: rules.can_view_commission(u, w.a),
        method="get",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/scores/xlsx/",
        shows=lambda w: w.s0.title,
        read=xlsx_cells,
        seen_via="view_commission",
    ),
    "report_generated": Act(
        right=lambda u, w: rules.can_view_commission(u, w.a),
        method="get",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/report/generated/",
        shows=lambda w: w.a.title,
        read=docx_text,
        seen_via="view_commission",
    ),
    # D's report is the evaluator's signed file.
    "report_download": Act(
        right=lambda u, w: rules.can_view_commission(u, w.d),
        method="get",
        url=lambda w: f"/evaluation/commissions/{w.d.pk}/report/",
        shows=lambda w: "signed-report",
        read=file_bytes,
        seen_via="report_download",
    ),
    # The signed report replaces the generated one once the report is delivered (D); while
    # the evaluation is in progress (A) the evaluator is told to deliver first.
    "report_upload": Act(
        right=lambda u, w: scoring.can_upload_report(u, w.d),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.d.pk}/report/upload/",
        data=lambda w: {"file": pdf("丙的新签字报告.pdf", "uploaded-report")},
        done=lambda w: Commission.objects.get(pk=w.d.pk).report_file_name == "丙的新签字报告.pdf",
        seen_via="report_download",
    ),
    "report_upload_in_progress": Act(
        right=lambda u, w: scoring.can_upload_report(u, w.a),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.a.pk}/report/upload/",
        data=lambda w: {"file": pdf("甲的签字报告.pdf", "uploaded-report")},
        done=lambda w: Commission.objects.get(pk=w.a.pk).report_file_name == "甲的签字报告.pdf",
        seen_via="view_commission",
        told=frozenset({EV}),
    ),
    # B is fully scored, in progress; B, A and D are seen by the same users.
    "report_deliver": Act(
        right=lambda u, w: rules.can_work_on(u, w.b),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.b.pk}/report/deliver/",
        data=lambda w: {"findings": "总体评价良好"},
        done=lambda w: _commission_state(w.b) == Commission.State.REPORTED,
        seen_via="view_commission",
    ),
    "deliver_again": Act(
        right=lambda u, w: rules.can_work_on(u, w.d),
        method="post",
        url=lambda w: f"/evaluation/commissions/{w.d.pk}/report/deliver/",
        data=lambda w: {"findings": "再次交付的结论"},
        done=lambda w: Commission.objects.get(pk=w.d.pk).findings == "再次交付的结论",
        seen_via="report_download",
        told=frozenset({EV}),
    ),
    # A task's evaluation: the national level and the evaluator at once; the locality and the
    # implementer once the report is delivered.
    "view_evaluation_in_progress": Act(
        right=lambda u, w: rules.can_view_task_evaluation(u, w.a_evaluation),
        method="get",
        url=lambda w: f"/evaluation/evaluations/{w.a_evaluation.pk}/",
        shows=lambda w: w.a.title,
        seen_via="view_evaluation_in_progress",
    ),
    "view_evaluation_delivered": Act(
        right=lambda u, w: rules.can_view_task_evaluation(u, w.d_evaluation),
        method="get",
        url=lambda w: f"/evaluation/evaluations/{w.d_evaluation.pk}/",
        shows=lambda w: w.d_evaluation.findings,
        seen_via="view_evaluation_delivered",
    ),
    "score": Act(
        right=lambda u, w: (
            rules.can_work_on(u, w.a) and rules.can_view_task_evaluation(u, w.a_evaluation)
        ),
        method="post",
        url=lambda w: f"/evaluation/evaluations/{w.a_evaluation.pk}/score/",
        data=lambda w: _score_post(w, w.a),
        done=lambda w: _evaluation_findings(w.a_evaluation) == "改过的结论",
        seen_via="view_evaluation_in_progress",
    ),
    # Delivered scores are final: the evaluator is told; the locality and the implementer,
    # who read the evaluation, may not score (403).
    "score_delivered": Act(
        right=lambda u, w: rules.can_work_on(u, w.d),
        method="post",
        url=lambda w: f"/evaluation/evaluations/{w.d_evaluation.pk}/score/",
        data=lambda w: _score_post(w, w.d),
        done=lambda w: _evaluation_findings(w.d_evaluation) == "改过的结论",
        seen_via="view_evaluation_delivered",
        told=frozenset({EV}),
    ),
    # Outcomes (可复制推广的改革成果) ------------------------------------------------------------
    "outcomes": Act(
        right=lambda u, w: (
            rules.can_list_outcomes(u) and rules.can_view_outcome(u, w.outcome_confirmed)
        ),
        method="get",
        url=lambda w: "/evaluation/outcomes/",
        shows=lambda w: f'href="/evaluation/outcomes/{w.outcome_confirmed.pk}/"',
        gate=TASK_AUDIENCE,
        hides=True,
    ),
    "outcomes_xlsx": Act(
        right=lambda u, w: (
            rules.can_list_outcomes(u) and rules.can_view_outcome(u, w.outcome_confirmed)
        ),
        method="get",
        url=lambda w: "/evaluation/outcomes/xlsx/",
        shows=lambda w: w.outcome_confirmed.title,
        read=xlsx_cells,
        gate=TASK_AUDIENCE,
        hides=True,
    ),
    "outcome_choose": Act(
        right=lambda u, w: rules.can_manage_outcomes(u),
        method="get",
        url=lambda w: "/evaluation/outcomes/choose/",
        shows=lambda w: w.s0.title,
        gate=NATIONAL_ONLY,
    ),
    "outcome_new": Act(
        right=lambda u, w: rules.can_manage_outcomes(u),
        method="post",
        url=lambda w: "/evaluation/outcomes/new/",
        data=lambda w: {"tasks": [w.s0.pk], **_outcome_post("新凝练的成果")},
        done=lambda w: Outcome.objects.filter(title="新凝练的成果").exists(),
        gate=NATIONAL_ONLY,
    ),
    # A draft is the national level's alone.
    "view_outcome_draft": Act(
        right=lambda u, w: rules.can_view_outcome(u, w.outcome_draft),
        method="get",
        url=lambda w: f"/evaluation/outcomes/{w.outcome_draft.pk}/",
        shows=lambda w: f"<h1>{w.outcome_draft.title}</h1>",
        seen_via="view_outcome_draft",
    ),
    "view_outcome_confirmed": Act(
        right=lambda u, w: rules.can_view_outcome(u, w.outcome_confirmed),
        method="get",
        url=lambda w: f"/evaluation/outcomes/{w.outcome_confirmed.pk}/",
        shows=lambda w: f"<h1>{w.outcome_confirmed.title}</h1>",
        seen_via="view_outcome_confirmed",
    ),
    "outcome_edit": Act(
        right=lambda u, w: outcome_reads.can_edit_outcome(u, w.outcome_draft),
        method="post",
        url=lambda w: f"/evaluation/outcomes/{w.outcome_draft.pk}/edit/",
        data=lambda w: _outcome_post("改过的成果标题"),
        done=lambda w: Outcome.objects.get(pk=w.outcome_draft.pk).title == "改过的成果标题",
        seen_via="view_outcome_draft",
    ),
    "outcome_confirm": Act(
        right=lambda u, w: outcome_reads.can_edit_outcome(u, w.outcome_draft),
        method="post",
        url=lambda w: f"/evaluation/outcomes/{w.outcome_draft.pk}/confirm/",
        done=lambda w: Outcome.objects.get(pk=w.outcome_draft.pk).state == Outcome.State.CONFIRMED,
        seen_via="view_outcome_draft",
    ),
    # A confirmed outcome is fixed: the national level is told; its readers may not edit.
    "edit_confirmed_outcome": Act(
        right=lambda u, w: outcome_reads.can_edit_outcome(u, w.outcome_confirmed),
        method="post",
        url=lambda w: f"/evaluation/outcomes/{w.outcome_confirmed.pk}/edit/",
        data=lambda w: _outcome_post("改过的已确认成果"),
        done=lambda w: Outcome.objects.filter(title="改过的已确认成果").exists(),
        seen_via="view_outcome_confirmed",
        told=frozenset({N}),
    ),
    # Ranking and incentives (激励) ----------------------------------------------------------------
    "ranking": Act(
        right=lambda u, w: rules.can_manage_incentives(u),
        method="get",
        url=lambda w: "/evaluation/ranking/",
        shows=lambda w: "<h1>Ranking of localities and implementing units</h1>",
        gate=NATIONAL_ONLY,
    ),
    "ranking_xlsx": Act(
        right=lambda u, w: rules.can_manage_incentives(u),
        method="get",
        url=lambda w: "/evaluation/ranking/xlsx/",
        shows=lambda w: w.programme.title,
        read=lambda response: " ".join(xlsx_cells(response)),  # the title is in the filter line
        gate=NATIONAL_ONLY,
    ),
    "formula_change": Act(
        right=lambda u, w: rules.can_manage_incentives(u),
        method="post",
        url=lambda w: "/evaluation/ranking/formula/",
        data=lambda w: {
            "completion": "30",
            "evaluation": "60",
            "progress": "10",
            "reason": "加大评估结果权重",
        },
        done=lambda w: RankingFormula.objects.filter(note="加大评估结果权重").exists(),
        gate=NATIONAL_ONLY,
    ),
    "incentives": Act(
        right=lambda u, w: (
            rules.can_list_incentives(u) and rules.can_view_incentive(u, w.locality_decision)
        ),
        method="get",
        url=lambda w: "/evaluation/incentives/",
        shows=lambda w: f'href="/evaluation/incentives/{w.locality_decision.pk}/"',
        gate=TASK_AUDIENCE,
        hides=True,
    ),
    "incentives_xlsx": Act(
        right=lambda u, w: (
            rules.can_list_incentives(u) and rules.can_view_incentive(u, w.locality_decision)
        ),
        method="get",
        url=lambda w: "/evaluation/incentives/xlsx/",
        shows=lambda w: w.locality_decision.reason,
        read=xlsx_cells,
        gate=TASK_AUDIENCE,
        hides=True,
    ),
    "incentive_new": Act(
        right=lambda u, w: rules.can_manage_incentives(u),
        method="post",
        url=lambda w: f"/evaluation/incentives/new/?claimant={w.sichuan.pk}",
        data=lambda w: {
            "form": IncentiveDecision.Form.COMMENDATION,
            "form_detail": "",
            "reason": "再次通报表扬",
            "approving_authority": "国家发展改革委、科技部",
            "decided_on": TODAY.isoformat(),
            "document_number": "发改高技〔2027〕9号",
        },
        done=lambda w: IncentiveDecision.objects.filter(reason="再次通报表扬").exists(),
        gate=NATIONAL_ONLY,
    ),
    "view_incentive_locality": Act(
        right=lambda u, w: rules.can_view_incentive(u, w.locality_decision),
        method="get",
        url=lambda w: f"/evaluation/incentives/{w.locality_decision.pk}/",
        shows=lambda w: w.locality_decision.reason,
        seen_via="view_incentive_locality",
    ),
    "view_incentive_unit": Act(
        right=lambda u, w: rules.can_view_incentive(u, w.unit_decision),
        method="get",
        url=lambda w: f"/evaluation/incentives/{w.unit_decision.pk}/",
        shows=lambda w: w.unit_decision.reason,
        seen_via="view_incentive_unit",
    ),
    "incentive_docx": Act(
        right=lambda u, w: rules.can_view_incentive(u, w.locality_decision),
        method="get",
        url=lambda w: f"/evaluation/incentives/{w.locality_decision.pk}/docx/",
        shows=lambda w: w.locality_decision.reason,
        read=docx_text,
        seen_via="view_incentive_locality",
    ),
    "register": Act(
        right=lambda u, w: rules.can_manage_incentives(u),
        method="get",
        url=lambda w: "/evaluation/register/",
        shows=lambda w: w.unit_decision.reason,
        gate=NATIONAL_ONLY,
    ),
    "register_xlsx": Act(
        right=lambda u, w: rules.can_manage_incentives(u),
        method="get",
        url=lambda w: "/evaluation/register/xlsx/",
        shows=lambda w: w.unit_decision.reason,
        read=xlsx_cells,
        gate=NATIONAL_ONLY,
    ),
    "register_json": Act(
        right=lambda u, w: rules.can_manage_incentives(u),
        method="get",
        url=lambda w: "/evaluation/register/json/",
        shows=lambda w: str(w.unit_decision.pk),
        read=json_ids,
        gate=NATIONAL_ONLY,
    ),
}


MATRIX = Matrix(ALLOWED, ACTIONS, headers={"Accept-Language": "en"})


def test_table_covers_every_role_and_names_only_known_actions(users):
    MATRIX.check_table({*users, OI, OE, "anonymous"})
    for act in ACTIONS.values():
        if act.method == "get":
            assert act.shows is not None and act.done is None
        else:
            assert act.done is not None and act.shows is None


class TestCells(MATRIX.cells()):  # type: ignore[misc]
    @MATRIX.each_role()
    def test_view_gates(self, world, role):
        """The gates of the views, as the table above names them, and the objects that share
        their readers (`seen_via`)."""
        user = world.users[role]
        assert rules.can_open_stage(user) is (role in STAGE)
        assert rules.can_list_close_outs(user) is (role in TASK_AUDIENCE)
        assert rules.can_list_outcomes(user) is (role in TASK_AUDIENCE)
        assert rules.can_list_incentives(user) is (role in TASK_AUDIENCE)
        assert rules.can_list_commissions(user) is (role in COMMISSION_LISTERS)
        for national_only in (
            rules.can_commission,
            rules.can_manage_outcomes,
            rules.can_manage_incentives,
        ):
            assert national_only(user) is (role == N), national_only.__name__
        # Sichuan's second task is seen by exactly who reads its third's filed report.
        assert TASKS.allows(user, world.s1) is rules.can_view_close_out(user, world.submitted)
        # A, B and D are read by the same users.
        assert rules.can_view_commission(user, world.b) is rules.can_view_commission(user, world.a)
        assert rules.can_view_commission(user, world.d) is rules.can_view_commission(user, world.a)

    def test_every_view_of_the_stage_is_in_the_table(self, world):
        """Each URL of `evaluation/urls/` is taken by an action: a new view needs its row."""
        taken = {resolve(act.url(world).split("?")[0]).url_name for act in ACTIONS.values()}
        patterns = get_resolver("evaluation.urls").url_patterns
        every = {p.name for p in patterns if isinstance(p, URLPattern)}
        assert every - taken == set()

    def test_the_cells_left_the_world_as_it_was(self, world):
        """Every cell ran on the same world: the writes of the allowed ones were rolled back."""
        assert _close_out(world, "draft").state == CloseOut.State.DRAFT
        assert _close_out(world, "submitted").state == CloseOut.State.SUBMITTED
        assert _close_out(world, "confirmed").state == CloseOut.State.CONFIRMED
        assert _commission_state(world.b) == Commission.State.IN_PROGRESS
        assert Evidence.objects.filter(pk=world.evidence.pk).exists()
        assert Outcome.objects.get(pk=world.outcome_draft.pk).state == Outcome.State.DRAFT

    def test_an_implementer_cannot_score_or_see_commission_pages(self, world):
        """The implementer reads the delivered evaluation of its task, and nothing else of the
        evaluation: no commission, dossier, evidence or report, and it scores nothing."""
        implementer = world.users[IM]
        client = MATRIX.client(implementer)
        for commission in (world.a, world.b, world.d):
            assert not rules.evaluates(implementer, commission)
            assert not rules.can_view_commission(implementer, commission)
            base = f"/evaluation/commissions/{commission.pk}/"
            for path in ("", "xlsx/", "scores/", "scores/xlsx/", "report/", "report/generated/"):
                assert client.get(base + path).status_code == 404, base + path
            assert client.get(f"{base}tasks/{world.s0.pk}/").status_code == 404
        assert client.get("/evaluation/commissions/").status_code == 403
        evidence = f"/evaluation/commissions/{world.a.pk}/evidence/{world.evidence.pk}/"
        assert client.get(evidence).status_code == 404
        # Scoring its own task: the evaluation in progress does not exist for it, the
        # delivered one it reads but may not score; nothing is written either way.
        before = _evaluation_findings(world.d_evaluation)
        url = f"/evaluation/evaluations/{world.a_evaluation.pk}/score/"
        assert client.post(url, _score_post(world, world.a)).status_code == 404
        assert client.get(url).status_code == 404
        url = f"/evaluation/evaluations/{world.d_evaluation.pk}/score/"
        assert client.post(url, _score_post(world, world.d)).status_code == 403
        assert client.get(url).status_code == 403
        assert _evaluation_findings(world.a_evaluation) == ""
        assert _evaluation_findings(world.d_evaluation) == before
        # And at the service: Forbidden, whatever the state.
        for evaluation in (world.a_evaluation, world.d_evaluation):
            with pytest.raises(Forbidden):
                scoring.task_score(evaluation=evaluation, by=implementer, scores=[])

    def test_an_organisation_implementing_a_task_in_scope_cannot_be_commissioned(self, world):
        """Independence, both ways. A locality cannot name a third-party evaluator as an
        implementer; and an implementing unit later registered as an evaluator (中山大学, which
        implements Guangdong's tasks) is refused a commission over a task it implements — the
        service names the task — while one over tasks it does not implement is accepted. The
        implementer's own unit is no third-party evaluator at all."""
        with pytest.raises(TaskError):
            plans.implementer_add(
                task=world.guangdong_tasks[2],
                by=world.users[GD],
                organisation=world.second_institute,
            )
        sysu = world.users[OI].organisation
        Organisation.objects.filter(pk=sysu.pk).update(kind=Organisation.Kind.EVALUATOR)
        sysu.refresh_from_db()
        national = world.users[N]
        kwargs: dict[str, Any] = {
            "by": national,
            "title": "独立性检查",
            "scope": Commission.Scope.TASKS,
            "starts_on": START,
            "ends_on": END,
            "terms_of_reference": "评估任务书",
            "independence": commissioning.standard_independence(),
        }
        with pytest.raises(EvaluationError, match="implements tasks in this scope") as refused:
            commissioning.commission_create(evaluator=sysu, tasks=[world.s0, world.g1], **kwargs)
        assert str(world.g1) in refused.value.message
        with pytest.raises(EvaluationError, match="not a third-party evaluator"):
            commissioning.commission_create(
                evaluator=world.users[IM].organisation, tasks=[world.g1], **kwargs
            )
        # Over HTTP: the form says so, and nothing is commissioned.
        response = MATRIX.client(national).post(
            "/evaluation/commissions/new/?scope=tasks",
            {
                **_terms("独立性检查"),
                "evaluator": sysu.pk,
                "tasks": [world.g1.pk],
                "independence": commissioning.standard_independence(),
            },
        )
        assert response.status_code == 200
        assert "implements tasks in this scope" in response.content.decode()
        assert not Commission.objects.filter(title="独立性检查").exists()
        # Its tasks left out, the same organisation may be commissioned.
        made = commissioning.commission_create(evaluator=sysu, tasks=[world.s0], **kwargs)
        assert set(made.evaluations.values_list("task_id", flat=True)) == {world.s0.pk}

    def test_the_other_evaluator_finds_none_of_the_first_ones_commissions(self, world):
        """A second institute's user: 404 on the first institute's commissions, dossiers,
        evidence, reports, scores and evaluations; its own commission it reads."""
        other = world.users[OE]
        client = MATRIX.client(other)
        for commission in (world.a, world.b, world.d):
            base = f"/evaluation/commissions/{commission.pk}/"
            for path in (
                "",
                "edit/",
                "xlsx/",
                f"tasks/{world.s0.pk}/",
                f"tasks/{world.s0.pk}/documents/{world.closed_document.pk}/",
                "visits/new/",
                "evidence/new/",
                "indicators/",
                "scores/",
                "scores/xlsx/",
                "report/",
                "report/generated/",
                "report/upload/",
                "report/deliver/",
            ):
                assert client.get(base + path).status_code == 404, base + path
        evidence = f"/evaluation/commissions/{world.a.pk}/evidence/{world.evidence.pk}/"
        assert client.get(evidence).status_code == 404
        assert client.post(evidence + "remove/").status_code == 404
        assert Evidence.objects.filter(pk=world.evidence.pk).exists()
        for evaluation in (world.a_evaluation, world.d_evaluation):
            assert client.get(f"/evaluation/evaluations/{evaluation.pk}/").status_code == 404
        # Its own commission, and only it, in its list.
        assert client.get(f"/evaluation/commissions/{world.c.pk}/").status_code == 200
        page = client.get("/evaluation/commissions/").content.decode()
        assert world.c.title in page
        assert all(c.title not in page for c in (world.a, world.b, world.d))
        # Nor does it read the close-out of the task it does not evaluate.
        url = f"/evaluation/close-out-documents/{world.closed_document.pk}/file/"
        assert client.get(url).status_code == 404


# Query counts of the start pages ------------------------------------------------------------

# The start page of the stage and the home page, for the roles with most on them.
COUNTED = (N, SC, IM, EV)


def _more(w: Any, users: dict[str, User], round_: int) -> None:
    """More of everything the start pages count: a close-out filed to Sichuan, one of
    Guangdong's sent up, one accepted, a commission in progress, a delivered one (over a
    Sichuan task, whose result Sichuan and its implementer read), an outcome, a decision for
    Sichuan and one for the implementer's unit."""
    national, implementer, evaluator = users[N], users[IM], users[EV]
    institute = evaluator.organisation
    assert institute is not None
    task, guangdong_task = w.sichuan_tasks[round_], w.guangdong_tasks[round_]
    assert implementer_of(task, users) == implementer
    closeouts.closeout_submit(
        close_out=_filed(Task.objects.get(pk=task.pk), implementer, f"第{round_}轮的总结"),
        by=implementer,
    )
    other = implementer_of(guangdong_task, users)
    filed = closeouts.closeout_submit(
        close_out=_filed(Task.objects.get(pk=guangdong_task.pk), other, f"第{round_}轮广东"),
        by=other,
    )
    closeouts.closeout_confirm(close_out=filed, by=users[GD])
    closed = close_task(w, users, (w.sichuan_tasks[2], w.guangdong_tasks[2])[round_]).task
    evaluated = w.sichuan_tasks[2]
    _commission(national, institute, task, f"第{round_}轮进行中的评估")
    delivered = _commission(national, institute, evaluated, f"第{round_}轮已交付的评估")
    evaluation = _score_all(delivered, evaluator)
    scoring.commission_report(commission=delivered, by=evaluator, findings="总体成效明显")
    outcomes.outcome_create(by=national, tasks=[evaluated], data=_outcome_data(f"第{round_}轮"))
    assert closed.is_closed
    incentives.incentive_decide(
        by=national,
        claimant=w.sichuan,
        form=IncentiveDecision.Form.COMMENDATION,
        reason=f"第{round_}轮表扬",
        approving_authority="国家发展改革委、科技部",
        decided_on=TODAY,
        document_number=f"表扬〔2027〕{round_}号",
        evaluations=[evaluation],
    )
    incentives.incentive_decide(
        by=national,
        organisation=implementer.organisation,
        form=IncentiveDecision.Form.PRIORITY,
        form_detail="重大项目",
        reason=f"第{round_}轮优先支持",
        approving_authority="国家发展改革委、科技部",
        decided_on=TODAY,
        document_number=f"支持〔2027〕{round_}号",
    )


def _objects() -> dict[str, int]:
    counted: dict[str, QuerySet[Any]] = {
        "close-outs": CloseOut.objects.all(),
        "commissions": Commission.objects.all(),
        "evaluations": TaskEvaluation.objects.all(),
        "outcomes": Outcome.objects.all(),
        "decisions": IncentiveDecision.objects.all(),
    }
    return {name: qs.count() for name, qs in counted.items()}


def _queries(users: dict[str, User]) -> dict[tuple[str, str], int]:
    found = {}
    for role in COUNTED:
        client = client_for(users[role])
        for url in ("/evaluation/", "/"):
            client.get(url)  # warm: the session, the translations, the caches
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found[(role, url)] = len(queries)
    return found


def test_start_pages_issue_as_many_queries_with_twice_the_objects(users, media_root):
    """/evaluation/ and / for the national level, a locality, an implementer and an
    evaluator: twice the close-outs, commissions, evaluations, outcomes and decisions add no
    query."""
    sysu = Organisation.objects.get(name="中山大学")
    users = {**users, OI: make_user(OI, Role.IMPLEMENTER, organisation=sysu)}
    w = task_world(users)
    _more(w, users, 0)
    once, before = _objects(), _queries(users)
    _more(w, users, 1)
    twice = _objects()
    assert twice == {name: 2 * count for name, count in once.items()}, (once, twice)
    assert _queries(users) == before
    # What doubled is on the pages: Sichuan and its implementer read both delivered results.
    for role in (SC, IM):
        page = client_for(users[role]).get("/evaluation/", HTTP_ACCEPT_LANGUAGE="en")
        assert "第0轮已交付的评估" in page.content.decode()
        assert "第1轮已交付的评估" in page.content.decode()
