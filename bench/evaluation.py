"""The evaluation and incentive stage (评估激励) at national scale, as ratios against baselines of
this run, on top of the data of bench/tasks.py (its programme, claimants and tasks).

`build` writes, with bulk_create and no service calls:
- a task notice for every claimant if the programme has none (with its number taken in
  lists.DocumentNumber), dated so that one claimant in three is past its expected end
  (`Task.expected_end`: notice date plus the programme's implementation period) as of today,
  the others 1–7 months from it: about a third of the open tasks are past their end;
- close-outs, by task in pk order: half accepted and the task closed (`Task.closure` and
  `closed_on`; one in ten of them as not completed), a tenth submitted, a tenth confirmed and
  sent up, the rest none; each with its CloseOutTarget and CloseOutMilestone rows from the
  plan's figures;
- one commission per ~100 closed tasks (3 third-party evaluators, scope: chosen tasks), each
  with its TaskEvaluation rows, the default indicators (`evaluation.indicators`), a Score with
  evidence for every task and indicator, and each task's score, rating and recommendation
  (`evaluation.scoring`); every commission but one in five REPORTED with its findings;
- 6 replicable outcomes (3 tasks each, half confirmed), 6 incentive decisions (3 localities,
  3 lead units; commendation, priority support, other) citing delivered evaluations, and a
  RankingFormula row.

`run` times, as the national coordinator through django.test.Client:
- against the start page: the stage's start page, the close-out index, the ranking of the
  programme, the commission list, one reported commission's page and its scores page, the
  outcome index and the incentive index; and the SQL queries of the ranking page and of the
  close-out index, at the built size and at a tenth of it (the other tasks and their
  evaluation rows deleted in a transaction rolled back afterwards);
- against reading every task row: the ranking .xlsx.
"""

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

REPEAT_EXPORT = 3
SEED = 11
TASKS_PER_COMMISSION = 100
N_EVALUATORS = 3
N_OUTCOMES = 6
TASKS_PER_OUTCOME = 3
# The calendar of bench/tasks.py: reports up to 2026 Q3, reminders run on 2026-11-22.
FILED_FROM = datetime.date(2026, 6, 1)
COMMISSIONED_ON = datetime.date(2026, 9, 20)
REPORTED_FROM = datetime.date(2026, 11, 2)
DECIDED_ON = datetime.date(2026, 11, 20)
DOC_CODE = "发改高技"
EVIDENCE = "实地调研座谈记录、企业问卷（有效问卷126份）及制度文件清单。"

Median = Callable[..., float]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _fate(i: int) -> str:
    """What the close-out of the i-th task (in pk order) is: accepted (completed or not),
    submitted, confirmed, or none."""
    r = i % 10
    if r < 5:
        return "not_completed" if (i // 10) % 10 == 9 else "completed"
    return {5: "submitted", 6: "confirmed"}.get(r, "none")


def _notices(programme: Any, national: Any, rng: random.Random) -> int:
    """A notice for every claimant of the programme, one claimant in three past its expected
    end today; the number of claimants past it."""
    from django.utils import timezone

    from claims.models import Claimant, Programme, TaskNotice, add_months
    from lists.models import DocumentNumber

    today = timezone.localdate()
    start = add_months(today, -programme.implementation_months)
    claimants = list(
        Claimant.objects.filter(programme=programme)
        .select_related("division", "region_group")
        .order_by("pk")
    )
    issuers = programme.issuing_authority or Programme.default_issuers(programme.kind)
    notices = []
    for k, claimant in enumerate(claimants):
        if k % 3 == 0:
            issued_on = start - datetime.timedelta(days=rng.randint(15, 120))
        else:
            issued_on = start + datetime.timedelta(days=rng.randint(30, 200))
        notices.append(
            TaskNotice(
                claimant=claimant,
                programme=programme,
                number=k + 1,
                doc_number=f"{DOC_CODE}〔{issued_on.year}〕{k + 1}号",
                issuing_authority=issuers,
                issued_on=issued_on,
                issued_by=national,
            )
        )
    TaskNotice.objects.bulk_create(notices)
    DocumentNumber.objects.bulk_create(
        DocumentNumber(
            code=DOC_CODE,
            year=notice.issued_on.year,
            serial=notice.number,
            text=notice.doc_number,
            use=DocumentNumber.Use.NOTICE,
            object_id=notice.pk,
            holder=claimant.short_name,
        )
        for notice, claimant in zip(notices, claimants, strict=True)
    )
    return sum(1 for n in notices if programme.implementation_end(n.issued_on) < today)


def build(built_tasks: dict[str, Any]) -> dict[str, Any]:
    """Write close-outs, commissions, outcomes and incentives on the tasks of bench/tasks.py;
    what `run` needs to find them."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role, User
    from claims.models import Claimant, Programme, TaskNotice
    from evaluation import scoring
    from evaluation.indicators import default_indicators
    from evaluation.models import (
        CloseOut,
        CloseOutMilestone,
        CloseOutTarget,
        Commission,
        IncentiveDecision,
        Indicator,
        Outcome,
        RankingFormula,
        Recommendation,
        Score,
        TaskEvaluation,
    )
    from proposals.models import ReformField
    from proposals.reference import load_fields
    from regions.models import Division, Organisation
    from tasks.models import Closure, Implementer, Milestone, Target, Task
    from tasks.selectors import expected_ends

    rng = random.Random(SEED)  # noqa: S311 (reproducible test data, not security)
    load_fields()
    national = User.objects.get(pk=built_tasks["national"])
    programme = Programme.objects.get(pk=built_tasks["programme"])
    with transaction.atomic():
        past_end_claimants = None
        if not TaskNotice.objects.filter(programme=programme).exists():
            past_end_claimants = _notices(programme, national, rng)

        tasks = list(Task.objects.filter(programme=programme).order_by("pk"))
        # Who files (the lead implementer's user) and who confirms (the locality's user).
        lead_unit = dict(
            Implementer.objects.filter(task__programme=programme, lead=True).values_list(
                "task_id", "organisation_id"
            )
        )
        unit_user = {u.organisation_id: u for u in User.objects.filter(role=Role.IMPLEMENTER)}
        by_party = {
            (u.division_id, u.region_group_id): u for u in User.objects.filter(role=Role.LOCALITY)
        }
        claimants = {c.pk: c for c in Claimant.objects.filter(programme=programme)}
        locality_user = {
            pk: by_party[(c.division_id, c.region_group_id)] for pk, c in claimants.items()
        }
        targets: dict[int, list[Target]] = {}
        for t in Target.objects.filter(task__programme=programme).order_by("position"):
            targets.setdefault(t.task_id, []).append(t)
        milestones: dict[int, list[Milestone]] = {}
        for m in Milestone.objects.filter(task__programme=programme).order_by("position"):
            milestones.setdefault(m.task_id, []).append(m)

        close_outs = []
        closed: list[Task] = []
        for i, task in enumerate(tasks):
            fate = _fate(i)
            if fate == "none":
                continue
            filed_on = FILED_FROM + datetime.timedelta(days=rng.randint(0, 60))
            confirmed_on = filed_on + datetime.timedelta(days=rng.randint(3, 10))
            decided_on = confirmed_on + datetime.timedelta(days=rng.randint(5, 20))
            accepted = fate in ("completed", "not_completed")
            confirmed = accepted or fate == "confirmed"
            close_outs.append(
                CloseOut(
                    task=task,
                    result=(
                        CloseOut.Result.NOT_COMPLETED
                        if fate == "not_completed"
                        else CloseOut.Result.COMPLETED
                    ),
                    summary="完成试点细则制定，遴选试点企业，形成阶段性制度成果。",
                    cases="某高新区企业开办时间压缩至3天。" if i % 3 == 0 else "",
                    proposed_outcomes="职务科技成果赋权改革经验。" if i % 4 == 0 else "",
                    not_completed_reason=(
                        "配套政策未能按期出台，试点企业数量未达目标。"
                        if fate == "not_completed"
                        else ""
                    ),
                    state=(
                        CloseOut.State.ACCEPTED
                        if accepted
                        else CloseOut.State.CONFIRMED
                        if confirmed
                        else CloseOut.State.SUBMITTED
                    ),
                    created_by=unit_user[lead_unit[task.pk]],
                    submitted_at=_at(filed_on),
                    confirmed_by=locality_user[task.claimant_id] if confirmed else None,
                    confirmed_at=_at(confirmed_on) if confirmed else None,
                    decided_by=national if accepted else None,
                    decided_at=_at(decided_on) if accepted else None,
                )
            )
            if accepted:
                task.closure = (
                    Closure.NOT_COMPLETED if fate == "not_completed" else Closure.COMPLETED
                )
                task.closed_on = decided_on
                closed.append(task)
        CloseOut.objects.bulk_create(close_outs, batch_size=1000)
        Task.objects.bulk_update(closed, ["closure", "closed_on"], batch_size=1000)
        CloseOutTarget.objects.bulk_create(
            (
                CloseOutTarget(
                    close_out=c, target=t, planned=t.target_value, achieved=t.actual, note=""
                )
                for c in close_outs
                for t in targets.get(c.task.pk, [])
            ),
            batch_size=5000,
        )
        CloseOutMilestone.objects.bulk_create(
            (
                CloseOutMilestone(close_out=c, milestone=m, status=m.status, done_on=m.done_on)
                for c in close_outs
                for m in milestones.get(c.task.pk, [])
            ),
            batch_size=5000,
        )

        # Third-party evaluators, each with one user who scores.
        homes = list(Division.objects.filter(level=1).order_by("code")[:N_EVALUATORS])
        evaluators = Organisation.objects.bulk_create(
            Organisation(
                name=f"第三方评估机构{k + 1}", kind=Organisation.Kind.EVALUATOR, division=home
            )
            for k, home in enumerate(homes)
        )
        unusable = make_password(None)
        scorers = User.objects.bulk_create(
            User(
                username=f"bench-evaluator-{k}",
                role=Role.EVALUATOR,
                organisation=o,
                email=f"evaluator{k}@bench.invalid",
                password=unusable,
            )
            for k, o in enumerate(evaluators)
        )

        n_commissions = max(1, round(len(closed) / TASKS_PER_COMMISSION))
        commissions = []
        for k in range(n_commissions):
            delivered_report = k % 5 != 4
            commissions.append(
                Commission(
                    title=f"揭榜任务第三方评估（第{k + 1}批）",
                    evaluator=evaluators[k % N_EVALUATORS],
                    scope=Commission.Scope.TASKS,
                    starts_on=COMMISSIONED_ON + datetime.timedelta(days=k),
                    ends_on=datetime.date(2026, 12, 31),
                    terms_of_reference="按指标体系对批次内已验收任务开展评估，形成评估报告。",
                    independence="本机构未参与所评估任务的实施，与实施主体无利害关系。",
                    state=(
                        Commission.State.REPORTED
                        if delivered_report
                        else Commission.State.IN_PROGRESS
                    ),
                    findings="总体完成较好，部分任务配套政策有待完善。" if delivered_report else "",
                    reported_at=(
                        _at(REPORTED_FROM + datetime.timedelta(days=k % 18))
                        if delivered_report
                        else None
                    ),
                    created_by=national,
                )
            )
        Commission.objects.bulk_create(commissions)
        rows = default_indicators(Commission.Scope.TASKS)
        indicators = Indicator.objects.bulk_create(
            Indicator(
                commission=c,
                position=number,
                dimension=row.dimension,
                name=row.name,
                guidance=row.guidance,
                weight=row.weight,
            )
            for c in commissions
            for number, row in enumerate(rows, start=1)
        )
        by_commission: dict[int, list[Indicator]] = {}
        for indicator in indicators:
            by_commission.setdefault(indicator.commission_id, []).append(indicator)

        # Closed tasks in pk order, a contiguous batch per commission.
        evaluations = []
        values: list[list[Decimal]] = []
        for j, task in enumerate(closed):
            commission = commissions[j * n_commissions // len(closed)]
            quality = rng.uniform(50, 97)
            scored = [
                Decimal(str(round(min(100.0, max(0.0, quality + rng.uniform(-8, 8))), 1)))
                for _indicator in rows
            ]
            result = scoring.task_result(
                (row.weight, value) for row, value in zip(rows, scored, strict=True)
            )
            recommendation = {
                scoring.EXCELLENT: Recommendation.NATIONWIDE,
                scoring.GOOD: Recommendation.EXPERIMENT_REGIONS,
            }.get(result.rating, Recommendation.NOT_YET)
            evaluations.append(
                TaskEvaluation(
                    commission=commission,
                    task=task,
                    score=result.score,
                    rating=result.rating,
                    findings="目标基本达成，制度创新具有示范意义。",
                    recommendation=recommendation,
                )
            )
            values.append(scored)
        TaskEvaluation.objects.bulk_create(evaluations, batch_size=1000)
        scorer = {o.pk: user for o, user in zip(evaluators, scorers, strict=True)}
        Score.objects.bulk_create(
            (
                Score(
                    evaluation=e,
                    indicator=indicator,
                    value=value,
                    evidence=EVIDENCE,
                    scored_by=scorer[e.commission.evaluator_id],
                )
                for e, scored in zip(evaluations, values, strict=True)
                for indicator, value in zip(by_commission[e.commission.pk], scored, strict=True)
            ),
            batch_size=5000,
        )

        # Outcomes from delivered evaluations recommended for replication.
        delivered = [
            e
            for e in evaluations
            if e.commission.state == Commission.State.REPORTED
            and e.recommendation != Recommendation.NOT_YET
        ]
        fields = list(ReformField.objects.order_by("pk"))
        outcomes = []
        behind: list[list[TaskEvaluation]] = []
        for k in range(min(N_OUTCOMES, len(delivered) // TASKS_PER_OUTCOME)):
            chosen = delivered[k * TASKS_PER_OUTCOME : (k + 1) * TASKS_PER_OUTCOME]
            nationwide = all(e.recommendation == Recommendation.NATIONWIDE for e in chosen)
            confirmed_outcome = k % 2 == 0
            outcomes.append(
                Outcome(
                    title=f"可复制推广的改革经验{k + 1}",
                    field=fields[k % len(fields)],
                    summary="以揭榜任务为牵引，打通科技成果转化堵点。",
                    institutional_change="出台赋权改革实施细则，明确收益分配比例。",
                    origin="、".join(str(claimants[e.task.claimant_id]) for e in chosen),
                    evidence="评估报告、制度文件。",
                    recommended_scope=(
                        Recommendation.NATIONWIDE
                        if nationwide
                        else Recommendation.EXPERIMENT_REGIONS
                    ),
                    state=Outcome.State.CONFIRMED if confirmed_outcome else Outcome.State.DRAFT,
                    created_by=national,
                    confirmed_at=_at(DECIDED_ON) if confirmed_outcome else None,
                )
            )
            behind.append(chosen)
        Outcome.objects.bulk_create(outcomes)
        Outcome.tasks.through.objects.bulk_create(
            Outcome.tasks.through(outcome_id=o.pk, task_id=e.task.pk)
            for o, chosen in zip(outcomes, behind, strict=True)
            for e in chosen
        )
        Outcome.evaluations.through.objects.bulk_create(
            Outcome.evaluations.through(outcome_id=o.pk, taskevaluation_id=e.pk)
            for o, chosen in zip(outcomes, behind, strict=True)
            for e in chosen
        )

        # Incentive decisions: three localities, three lead units, each citing its best
        # delivered evaluations.
        best = sorted(
            (e for e in evaluations if e.commission.state == Commission.State.REPORTED),
            key=lambda e: (-(e.score or 0), e.pk),
        )
        forms = [
            (IncentiveDecision.Form.COMMENDATION, ""),
            (IncentiveDecision.Form.PRIORITY, ""),
            (IncentiveDecision.Form.OTHER, "在中央预算内投资安排中予以倾斜"),
        ]
        decisions: list[IncentiveDecision] = []
        cited: list[list[TaskEvaluation]] = []
        for claimant_id in list(dict.fromkeys(e.task.claimant_id for e in best))[:3]:
            form, detail = forms[len(decisions) % len(forms)]
            decisions.append(
                IncentiveDecision(
                    claimant=claimants[claimant_id],
                    form=form,
                    form_detail=detail,
                    reason="揭榜任务完成较好，评估结果优秀。",
                    approving_authority="国家发展改革委、科技部",
                    decided_on=DECIDED_ON,
                    document_number=f"{DOC_CODE}〔2026〕{900 + len(decisions)}号",
                    created_by=national,
                )
            )
            cited.append([e for e in best if e.task.claimant_id == claimant_id][:5])
        for unit_id in list(dict.fromkeys(lead_unit[e.task.pk] for e in best))[:3]:
            form, detail = forms[len(decisions) % len(forms)]
            decisions.append(
                IncentiveDecision(
                    organisation_id=unit_id,
                    form=form,
                    form_detail=detail,
                    reason="牵头实施的揭榜任务成效突出。",
                    approving_authority="国家发展改革委、科技部",
                    decided_on=DECIDED_ON,
                    document_number=f"{DOC_CODE}〔2026〕{900 + len(decisions)}号",
                    created_by=national,
                )
            )
            cited.append([e for e in best if lead_unit[e.task.pk] == unit_id][:5])
        IncentiveDecision.objects.bulk_create(decisions)
        IncentiveDecision.evaluations.through.objects.bulk_create(
            IncentiveDecision.evaluations.through(incentivedecision_id=d.pk, taskevaluation_id=e.pk)
            for d, chosen in zip(decisions, cited, strict=True)
            for e in chosen
        )
        RankingFormula.objects.bulk_create(
            [
                RankingFormula(
                    completion_weight=Decimal(45),
                    evaluation_weight=Decimal(45),
                    progress_weight=Decimal(10),
                    note="bench: completion weighs as much as the evaluation",
                    changed_by=national,
                )
            ]
        )

    today = timezone.localdate()
    open_tasks = [t for t in tasks if t.closure == Closure.OPEN]
    ends = expected_ends(Task.objects.filter(pk__in=[t.pk for t in open_tasks]))
    reported = [c for c in commissions if c.state == Commission.State.REPORTED]
    return {
        "programme": programme.pk,
        "national": national.pk,
        "tasks": len(tasks),
        "close_outs": len(close_outs),
        "closed": len(closed),
        "open": len(open_tasks),
        "past_end": sum(1 for end in ends.values() if end < today),
        "past_end_claimants": past_end_claimants,
        "commissions": len(commissions),
        "reported": len(reported),
        "commission": reported[0].pk if reported else commissions[0].pk,
        "evaluations": len(evaluations),
        "scores": len(evaluations) * len(rows),
        "outcomes": len(outcomes),
        "decisions": len(decisions),
    }


def _keep_a_tenth(programme: int) -> int:
    """Delete all but a tenth of the programme's tasks (blocks of 10 in every 100, in pk order,
    so the close-out fates keep their mix) with their close-outs and evaluations; the number
    kept. The caller rolls back."""
    from evaluation.models import CloseOut, TaskEvaluation
    from tasks.models import Task

    pks = list(Task.objects.filter(programme=programme).order_by("pk").values_list("pk", flat=True))
    drop = [pk for i, pk in enumerate(pks) if i % 100 >= 10]
    TaskEvaluation.objects.filter(task_id__in=drop).delete()
    CloseOut.objects.filter(task_id__in=drop).delete()
    Task.objects.filter(pk__in=drop).delete()
    return len(pks) - len(drop)


def run(built: dict[str, Any], median_seconds: Median) -> None:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from tasks.models import Task

    client = Client()
    client.force_login(User.objects.get(pk=built["national"]))

    def page(url: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    programme = built["programme"]
    commission = built["commission"]
    ranking_url = f"/evaluation/ranking/?programme={programme}"
    closeouts_url = "/evaluation/close-outs/"
    home = median_seconds(page("/"))
    hub = median_seconds(page("/evaluation/"))
    closeouts = median_seconds(page(closeouts_url))
    ranking = median_seconds(page(ranking_url))
    commissions = median_seconds(page("/evaluation/commissions/"))
    one = median_seconds(page(f"/evaluation/commissions/{commission}/"))
    scores = median_seconds(page(f"/evaluation/commissions/{commission}/scores/"))
    outcomes = median_seconds(page("/evaluation/outcomes/"))
    incentives = median_seconds(page("/evaluation/incentives/"))

    def queries(url: str) -> int:
        page(url)()  # the first request of a size warms what is cached per process
        with CaptureQueriesContext(connection) as captured:
            page(url)()
        return len(captured)

    full = {url: queries(url) for url in (ranking_url, closeouts_url)}
    with transaction.atomic():
        kept = _keep_a_tenth(programme)
        tenth = {url: queries(url) for url in (ranking_url, closeouts_url)}
        transaction.set_rollback(True)

    columns = ("pk", "title", "claimant_id", "closure", "closed_on", "progress")
    reading = median_seconds(lambda: list(Task.objects.values_list(*columns)), REPEAT_EXPORT)
    ranking_xlsx = median_seconds(page(f"/evaluation/ranking/xlsx/?programme={programme}"), 3)

    def line(name: str, seconds: float, base: float, base_name: str) -> None:
        print(f"{name:<30} {seconds * 1000:9.1f} ms  {seconds / base:6.2f} x {base_name}")

    def count(name: str, url: str) -> None:
        print(f"{name:<30} {full[url]:9d}  ({tenth[url]} at {kept} tasks)")

    print(
        f"evaluation: {built['tasks']} tasks ({built['close_outs']} close-outs, "
        f"{built['closed']} closed; {built['open']} open, {built['past_end']} past their "
        f"expected end); {built['commissions']} commissions ({built['reported']} reported, "
        f"{built['evaluations']} task evaluations, {built['scores']} scores); "
        f"{built['outcomes']} outcomes, {built['decisions']} incentive decisions"
    )
    line("baseline: start page", home, home, "start page")
    line("evaluation start page", hub, home, "start page")
    line("close-out index page", closeouts, home, "start page")
    line("ranking page", ranking, home, "start page")
    line("commission list page", commissions, home, "start page")
    line("commission page", one, home, "start page")
    line("commission scores page", scores, home, "start page")
    line("outcome index page", outcomes, home, "start page")
    line("incentive index page", incentives, home, "start page")
    count("ranking page SQL queries", ranking_url)
    count("close-out index SQL queries", closeouts_url)
    line("baseline: read all task rows", reading, reading, "reading")
    line("ranking .xlsx", ranking_xlsx, reading, "reading")
