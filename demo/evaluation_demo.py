"""Evaluation and incentives in the demo, through the services the users use.

The Chengdu zone's pilot tasks (demo/tasks_demo.py) at each stage of 发改高技〔2021〕484号
§三(四) ("在揭榜改革任务完成后，国家发展改革委、科技部及时委托第三方机构评估，并总结凝练为可复制推广
的改革成果……对完成改革任务较好的地方、单位进行激励"):

- the first task is closed out as completed: its lead implementer filed the close-out report
  (总结报告) with one institutional document, the zone confirmed it and the national level
  accepted it; the national level commissioned 示例评估咨询中心（演示）, which visited, scored
  every indicator with its evidence and delivered its report; the national level distilled a
  replicable outcome from it and confirmed it for promotion, drafted a second one (still
  being distilled), and commended the zone by circular (通报表扬);
- the second task's close-out report is filed and awaits the zone's confirmation;
- the third task, behind on its reports and milestones, stays open: the browser test
  (tests/browser/test_evaluation_flow.py) closes it out and has it evaluated from scratch.

Everything written here — reports, documents, visits, scores, findings, outcomes, the decision —
is demo content marked （演示）: no source says how the pilot was closed out or evaluated. The
decision is approved by the demo's national user (创新和高技术发展司（演示）) and has no
document number: no real circular is implied. Dates are set back so the story reads in order:
close-out in October and November 2026, evaluation in November, never after the day the demo
is loaded. No file is written (the evidence is the scores' text and a field visit), so loading
the demo leaves the media folder alone.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import Role, User
from claims.models import Programme
from demo.claims_demo import PILOT_TITLE
from demo.dating import at, dated, day
from demo.tasks_demo import ZONE_USER
from evaluation.models import (
    CloseOut,
    Commission,
    FieldVisit,
    IncentiveDecision,
    InstitutionalDocument,
    Outcome,
    Recommendation,
    Score,
    TaskEvaluation,
)
from evaluation.services import closeout, commissions, documents, incentives, outcomes, scoring
from proposals.models import ReformField
from regions.models import Organisation
from tasks.models import Status, Task

COMMISSION_TITLE = "成都国家自主创新示范区政策试点任务第三方评估（演示）"
OUTCOME_TITLE = "概念验证和中试平台市场化开放共享机制（演示）"
DRAFT_OUTCOME_TITLE = "中试平台按服务目录开放、按成本收费的运行规则（演示）"
EVALUATOR = "示例评估咨询中心（演示）"
APPROVED_BY = "创新和高技术发展司（演示）"  # the demo's national user, not a real body's circular
FIELD = "促进技术要素市场体系建设"  # 484号 §二; the pilot item's category is 成果转化类

# The story's days (each kept no later than the day the demo is loaded).
THIRD_MILESTONE_DONE = datetime.date(2026, 10, 15)
FILED = datetime.date(2026, 10, 26)
CONFIRMED = datetime.date(2026, 10, 29)
ACCEPTED = datetime.date(2026, 11, 3)
COMMISSIONED = datetime.date(2026, 11, 5)
ENDS = datetime.date(2026, 11, 30)
VISITED = datetime.date(2026, 11, 12)
SCORED = datetime.date(2026, 11, 18)
REPORTED = datetime.date(2026, 11, 24)
DISTILLED = datetime.date(2026, 11, 26)
OUTCOME_CONFIRMED = datetime.date(2026, 11, 27)
DECIDED = datetime.date(2026, 11, 30)
SECOND_DRAFTED = datetime.date(2026, 12, 1)
SECOND_DONE = datetime.date(2026, 11, 20)
SECOND_FILED = datetime.date(2026, 11, 28)

# Each default indicator's score and the evidence it rests on, in the order of
# evaluation.indicators.default_indicators (a commission of chosen tasks has six); their
# equal-weighted mean, 90.3, rates the task excellent (evaluation.scoring: 90 and above).
SCORES = [
    (95, "（演示）总结报告：参与试点的企业32家，超过目标值30家；三个节点任务均已完成。"),
    (
        92,
        "（演示）实施细则明确了开放服务目录、收费指引和考核办法，各项措施可操作、可检查、可评估。",
    ),
    (90, "（演示）实地调研座谈中，参与试点的企业反映中试周期缩短、中试成本下降。"),
    (86, "（演示）平台服务目录对外公开，示范区内企业普遍知晓。"),
    (88, "（演示）试点企业依托开放共享的中试平台完成样机中试，带动新产品上市。"),
    (91, "（演示）调研企业对平台开放共享服务总体满意，提出增加检测项目的建议。"),
]


def _close_first(task: Task, implementer: User, zone: User, national: User) -> None:
    """Task 1: filed, confirmed, accepted: closed as completed."""
    target = task.targets.get()
    milestones = list(task.milestones.order_by("position"))
    with dated(FILED, 9):
        report = closeout.closeout_save(
            task=task,
            by=implementer,
            summary=(
                "（演示）2025年6月出台概念验证和中试平台开放共享实施细则；2026年6月完成首批试点，"
                "示范区内概念验证中心和中试平台按服务目录向企业开放，参与试点的企业达32家；"
                "2026年10月形成平台服务目录、收费指引等经验材料。"
            ),
            cases="（演示）一家参与试点的企业依托开放共享的中试平台完成样机中试，研发周期明显缩短。",
            proposed_outcomes="（演示）概念验证和中试平台按服务目录向企业开放、按成本收费的运行机制。",
            targets=[closeout.TargetRow(target.pk, Decimal(32), "（演示）超过目标值")],
            milestones=[
                closeout.MilestoneRow(m.pk, Status.DONE, m.done_on or day(THIRD_MILESTONE_DONE))
                for m in milestones
            ],
        )
        document = documents.document_add(
            close_out=report,
            by=implementer,
            title="概念验证和中试平台开放共享实施细则（演示）",
            issuer="成都高新区管理委员会（演示）",
            issued_on=day(milestones[0].done_on or datetime.date(2025, 6, 20)),
        )
        InstitutionalDocument.objects.filter(pk=document.pk).update(added_at=at(FILED, 9))
    with dated(FILED):
        closeout.closeout_submit(close_out=report, by=implementer)
    with dated(CONFIRMED):
        closeout.closeout_confirm(
            close_out=report, by=zone, note="（演示）经核对实施方案和进展报告，同意报送。"
        )
    with dated(ACCEPTED):
        closeout.closeout_accept(
            close_out=report, by=national, note="（演示）同意验收。", today=day(ACCEPTED)
        )
    CloseOut.objects.filter(pk=report.pk).update(
        created_at=at(FILED, 9),
        submitted_at=at(FILED),
        confirmed_at=at(CONFIRMED),
        decided_at=at(ACCEPTED),
    )


def _evaluate(task: Task, national: User, evaluator: User) -> TaskEvaluation:
    """The first task evaluated by the demo evaluator: a visit, every indicator scored with its
    evidence, findings and a recommendation, the report delivered."""
    organisation = Organisation.objects.get(name=EVALUATOR)
    with dated(COMMISSIONED):
        commission = commissions.commission_create(
            by=national,
            title=COMMISSION_TITLE,
            evaluator=organisation,
            scope=Commission.Scope.TASKS,
            tasks=[task],
            starts_on=day(COMMISSIONED),
            ends_on=ENDS,
            terms_of_reference=(
                "（演示）对已验收的政策试点任务开展第三方评估：查阅任务档案，实地调研，"
                "按指标体系逐项评分并说明依据，提出复制推广建议，按期提交评估报告。"
            ),
            independence=commissions.standard_independence(),
        )
    Commission.objects.filter(pk=commission.pk).update(created_at=at(COMMISSIONED))
    with dated(VISITED, 16):
        visit = commissions.visit_record(
            commission=commission,
            by=evaluator,
            visited_on=day(VISITED),
            place="（演示）成都高新区概念验证中心",
            met="（演示）管理委员会有关处室负责人，参与试点的企业代表",
            notes=(
                "（演示）查看中试平台服务目录、收费指引和使用记录；"
                "座谈了解企业使用平台的情况和意见。"
            ),
            task=task,
        )
    FieldVisit.objects.filter(pk=visit.pk).update(created_at=at(VISITED, 16))
    evaluation = TaskEvaluation.objects.get(commission=commission, task=task)
    indicators = list(commission.indicators.order_by("position"))
    assert len(indicators) == len(SCORES), "the default indicator system has changed"
    with dated(SCORED):
        scoring.task_score(
            evaluation=evaluation,
            by=evaluator,
            scores=[
                scoring.ScoreRow(indicator.pk, Decimal(value), evidence)
                for indicator, (value, evidence) in zip(indicators, SCORES, strict=True)
            ],
            findings=(
                "（演示）任务按实施方案完成，量化目标超额实现；开放共享机制运行顺畅，"
                "企业获得感较强，具备在更大范围复制推广的条件。"
            ),
            recommendation=Recommendation.EXPERIMENT_REGIONS,
        )
    Score.objects.filter(evaluation=evaluation).update(scored_at=at(SCORED))
    with dated(REPORTED):
        delivered = scoring.commission_report(
            commission=commission,
            by=evaluator,
            findings=(
                "（演示）评估范围内的任务已按期完成并通过验收，评估结果为优秀。"
                "建议总结概念验证和中试平台开放共享的做法，在全面创新改革试验区域复制推广。"
            ),
        )
    Commission.objects.filter(pk=delivered.pk).update(reported_at=at(REPORTED))
    evaluation.refresh_from_db()
    return evaluation


def _outcomes(task: Task, evaluation: TaskEvaluation, national: User) -> None:
    """One outcome confirmed for promotion, one still being distilled."""
    field = ReformField.all_fields.get(name=FIELD)
    origin = f"{task.claimant}（成都高新区管理委员会（演示）、成都示例科技有限公司（演示））"
    scope = Recommendation.EXPERIMENT_REGIONS.value
    with dated(DISTILLED):
        confirmed = outcomes.outcome_create(
            by=national,
            tasks=[task],
            data=outcomes.OutcomeData(
                title=OUTCOME_TITLE,
                field=field,
                summary=(
                    "（演示）示范区概念验证中心和中试平台按公开的服务目录向企业开放，"
                    "按成本收费，由管理委员会按年度考核开放服务情况。"
                ),
                institutional_change=(
                    "（演示）出台《概念验证和中试平台开放共享实施细则》，建立服务目录、收费指引和考核办法。"
                ),
                origin=origin,
                evidence=(
                    f"（演示）{COMMISSION_TITLE}：{evaluation.get_rating_display()}，"
                    f"评分{evaluation.score}。"
                ),
                recommended_scope=scope,
            ),
        )
    with dated(OUTCOME_CONFIRMED):
        outcomes.outcome_confirm(outcome=confirmed, by=national)
    Outcome.objects.filter(pk=confirmed.pk).update(
        created_at=at(DISTILLED), confirmed_at=at(OUTCOME_CONFIRMED)
    )
    with dated(SECOND_DRAFTED):
        draft = outcomes.outcome_create(
            by=national,
            tasks=[task],
            data=outcomes.OutcomeData(
                title=DRAFT_OUTCOME_TITLE,
                field=field,
                summary="（演示）中试平台服务收费按成本核定、向社会公开，由示范区定期评估调整。",
                institutional_change="（演示）形成中试平台服务收费指引。",
                origin=origin,
                evidence="",
                recommended_scope=scope,
            ),
        )
    Outcome.objects.filter(pk=draft.pk).update(created_at=at(SECOND_DRAFTED))


def _commend(task: Task, evaluation: TaskEvaluation, national: User) -> None:
    """The zone commended by circular (通报表扬), citing the delivered evaluation."""
    with dated(DECIDED):
        decision = incentives.incentive_decide(
            by=national,
            claimant=task.claimant,
            form=IncentiveDecision.Form.COMMENDATION,
            reason=(
                "（演示）示范区按期完成概念验证和中试平台市场化开放共享机制试点任务，"
                "第三方评估结果为优秀，形成了可复制推广的改革成果。"
            ),
            approving_authority=APPROVED_BY,
            decided_on=day(DECIDED),
            evaluations=[evaluation],
        )
    IncentiveDecision.objects.filter(pk=decision.pk).update(created_at=at(DECIDED))


def _file_second(task: Task, implementer: User) -> None:
    """Task 2: the close-out report filed, awaiting the zone's confirmation."""
    target = task.targets.get()
    milestones = list(task.milestones.order_by("position"))
    with dated(SECOND_FILED):
        report = closeout.closeout_save(
            task=task,
            by=implementer,
            summary=(
                "（演示）制定应用场景开放清单，组织地方政府部门和国有企业发布应用场景，"
                "民营企业、中小企业揭榜承接，参与试点的企业达40家。"
            ),
            cases="（演示）一家中小企业承接示范区公共服务场景，产品完成首次应用。",
            proposed_outcomes="（演示）应用场景清单发布、揭榜承接和首用支持的工作机制。",
            targets=[closeout.TargetRow(target.pk, Decimal(40))],
            milestones=[
                closeout.MilestoneRow(m.pk, Status.DONE, m.done_on or day(SECOND_DONE))
                for m in milestones
            ],
        )
        closeout.closeout_submit(close_out=report, by=implementer)
    CloseOut.objects.filter(pk=report.pk).update(
        created_at=at(SECOND_FILED), submitted_at=at(SECOND_FILED)
    )


@transaction.atomic
def build_evaluation_demo() -> bool:
    """Close out, evaluate and reward the pilot's tasks once; False if done already or if the
    pilot's tasks are not there."""
    pilot = Programme.objects.filter(title=PILOT_TITLE).first()
    national = User.objects.filter(username="national", role=Role.NATIONAL).first()
    implementer = User.objects.filter(username="implementer", role=Role.IMPLEMENTER).first()
    zone = User.objects.filter(username=ZONE_USER, role=Role.LOCALITY).first()
    evaluator = User.objects.filter(username="evaluator", role=Role.EVALUATOR).first()
    if None in (pilot, national, implementer, zone, evaluator):
        return False
    assert national and implementer and zone and evaluator  # for the type checker
    tasks = list(Task.objects.filter(programme=pilot).order_by("claim__item__position", "pk"))
    if len(tasks) != 3 or CloseOut.objects.filter(task__in=tasks).exists():
        return False
    first, second, _third = tasks
    _close_first(first, implementer, zone, national)
    first.refresh_from_db()
    evaluation = _evaluate(first, national, evaluator)
    _outcomes(first, evaluation, national)
    _commend(first, evaluation, national)
    _file_second(second, implementer)
    return True
