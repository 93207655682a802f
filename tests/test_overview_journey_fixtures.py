"""Shared makings of the journey tests (no tests here): one measure's whole chain, built with
the stages' own services where a test fixture already drives them, and written directly where
the other stages' tests do so too (reviews, progress reports, the evaluation, the outcome).

`journey_world(users)`: a suggestion of 四川大学 adopted into Sichuan's proposal, promoted to a
candidate, reviewed by two experts, published in the 2099 list, offered in an annual-list
programme and claimed by Sichuan alone, its task implemented (approved plan, `reports`
progress reports), closed out, evaluated (report delivered), distilled into a confirmed
outcome and promoted in a published batch; Sichuan and Guangdong each report adoption
(`adoptions` units of Sichuan, one of Guangdong)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from claims import services as claims
from claims.models import Programme
from evaluation.models import Commission, Outcome, Recommendation, TaskEvaluation
from lists.models import ListItem
from merging.services import proposals_promote
from promotion.models import PromotedMeasure, PromotionBatch
from promotion.reference import load_promotion
from promotion.services.records import AdoptionData, adoption_write
from proposals.models import Proposal, ReformField
from proposals.services.proposals import proposal_create
from proposals.services.suggestions import suggestion_submit
from regions.models import Division
from review.models import Assignment, Review
from tasks.models import ProgressReport, Task
from tasks.services import plans
from tests.conftest import make_user, open_cycle, proposal_data
from tests.test_claims_fixtures import claimant
from tests.test_evaluation_fixtures import close_task
from tests.test_lists_fixtures import draft_list, publish
from tests.test_tasks_fixtures import approved_plan

ADOPTED_ON = datetime.date(2026, 6, 1)


def _reviewed(candidate, national) -> None:
    for n, recommendation in enumerate(["include", "revise"], start=1):
        expert = make_user(f"journey-expert-{n}", "expert")
        assignment = Assignment.objects.create(
            candidate=candidate,
            expert=expert,
            source=Assignment.Source.OVERRIDE,
            override_reason="熟悉该领域",
            assigned_by=national,
        )
        Review.objects.create(
            assignment=assignment,
            value=4 + n % 2,
            operability=4,
            assessability=3 + n,
            replicability=4,
            recommendation=recommendation,
            state=Review.State.SUBMITTED,
            submitted_at=timezone.now(),
        )


def _claimed_task(users, item: ListItem) -> Task:
    national, sichuan = users["national"], users["sichuan"]
    programme = claims.programme_create(
        by=national,
        kind=Programme.Kind.ANNUAL_LIST,
        title="2099年度揭榜",
        list_version=item.version,
        min_claims=0,
    )
    today = timezone.localdate()
    claims.programme_open(
        programme=programme,
        by=national,
        opens_at=today - datetime.timedelta(days=1),
        closes_at=today + datetime.timedelta(days=10),
    )
    offered = programme.items.get(list_item=item)
    claims.item_claim(item=offered, claimant=claimant(programme, sichuan), by=sichuan)
    claims.programme_close(programme=Programme.objects.get(pk=programme.pk), by=national)
    claims.notices_issue(
        programme=Programme.objects.get(pk=programme.pk),
        by=national,
        issuing_authority="国家发展改革委",
        doc_code="发改高技",
        issued_on=today,
    )
    task = Task.objects.get(claim__item=offered)
    plans.task_update(task=task, by=sichuan, responsible_person="李四")
    plans.implementer_add(
        task=task, by=sichuan, organisation=users["implementer"].organisation, lead=True
    )
    return approved_plan(task, sichuan, users["implementer"])


def add_reports(task: Task, by, count: int) -> None:
    """`count` submitted progress reports, a quarter each, going back from 2026."""
    done = ProgressReport.objects.filter(task=task).count()
    for n in range(done, done + count):
        ProgressReport.objects.create(
            task=task,
            year=2026 - n // 4,
            period=4 - n % 4,
            state=ProgressReport.State.SUBMITTED,
            done="推进技术经理人培育",
            created_by=by,
            submitted_at=timezone.now(),
        )


def evaluate(task: Task, national, institute, *, reported: bool = True) -> TaskEvaluation:
    day = timezone.localdate()
    commission = Commission.objects.create(
        title="揭榜任务第三方评估",
        evaluator=institute,
        scope=Commission.Scope.TASKS,
        starts_on=day,
        ends_on=day + datetime.timedelta(days=60),
        terms_of_reference="评估任务书",
        independence="本机构未承担评估范围内的揭榜任务。",
        created_by=national,
        state=Commission.State.REPORTED if reported else Commission.State.IN_PROGRESS,
        reported_at=timezone.now() if reported else None,
    )
    return TaskEvaluation.objects.create(
        commission=commission,
        task=task,
        score=Decimal("88.0"),
        rating=TaskEvaluation.Rating.EXCELLENT,
        findings="改革举措可操作、可检查、可评估。",
        recommendation=Recommendation.NATIONWIDE,
    )


def _outcome(task: Task, evaluation: TaskEvaluation, national) -> Outcome:
    outcome = Outcome.objects.create(
        title="技术经理人全程参与成果转化",
        field=ReformField.objects.get(name="促进技术要素市场体系建设"),
        summary="技术经理人全程参与科技成果转化。",
        institutional_change="建立技术经理人制度。",
        origin="四川省",
        recommended_scope=Recommendation.NATIONWIDE,
        state=Outcome.State.CONFIRMED,
        created_by=national,
        confirmed_at=timezone.now(),
    )
    outcome.tasks.set([task])
    outcome.evaluations.set([evaluation])
    return outcome


def _promoted(outcome: Outcome, national) -> PromotedMeasure:
    batch = PromotionBatch.objects.create(
        number=4,
        doc_number="国办发〔2099〕1号",
        title="关于推广第四批支持创新相关改革举措的通知",
        issued_on=datetime.date(2099, 12, 1),
        measure_count=1,
        state=PromotionBatch.State.PUBLISHED,
        created_by=national,
    )
    measure = PromotedMeasure.objects.create(
        batch=batch,
        position=1,
        title=outcome.title,
        scope=PromotedMeasure.Scope.NATIONWIDE,
        outcome=outcome,
    )
    # Published last: a batch published on the platform takes no new measure (migration 0003).
    PromotionBatch.objects.filter(pk=batch.pk).update(published_at=timezone.now())
    return measure


def add_adoptions(measure: PromotedMeasure, by, count: int) -> None:
    """Adoption filed for `count` more units of Sichuan (the province first, then its
    prefectures and counties), through the one write of a record."""
    province = Division.objects.get(code="510000")
    done = measure.adoptions.filter(province=province).count()
    units = [
        province,
        *Division.objects.filter(province=province).exclude(pk=province.pk).order_by("code"),
    ]
    statuses = ["deployed", "landed", "effective", "not_deployed"]
    for n, unit in enumerate(units[done : done + count], start=done):
        status = statuses[n % len(statuses)]
        adoption_write(
            by=by,
            unit=unit,
            measure=measure,
            data=AdoptionData(
                status=status,
                status_on=ADOPTED_ON if status != "not_deployed" else None,
                local_document="川府发〔2026〕1号" if status in ("landed", "effective") else "",
            ),
        )


def journey_world(users, *, reports: int = 2, adoptions: int = 3) -> SimpleNamespace:
    load_promotion()
    national, sichuan = users["national"], users["sichuan"]
    cycle = open_cycle(national)
    suggestion = suggestion_submit(
        by=users["innovator"],
        cycle=cycle,
        title="技术经理人参与转化",
        content="建议培育技术经理人。",
    )
    proposal = proposal_create(by=sichuan, cycle=cycle, data=proposal_data(), sources=[suggestion])
    proposal.state, proposal.submitted_at = Proposal.State.SUBMITTED, timezone.now()
    proposal.save()
    (candidate,) = proposals_promote(cycle=cycle, proposals=[proposal], by=national)
    _reviewed(candidate, national)
    version = publish(draft_list(cycle, national, [candidate]), national)
    item = version.items.get(candidate=candidate)
    task = _claimed_task(users, item)
    add_reports(task, users["implementer"], reports)
    close_out = close_task(task, users)
    evaluation = evaluate(task, national, users["evaluator"].organisation)
    outcome = _outcome(task, evaluation, national)
    measure = _promoted(outcome, national)
    add_adoptions(measure, sichuan, adoptions)
    adoption_write(
        by=users["guangdong"],
        unit=Division.objects.get(code="440000"),
        measure=measure,
        data=AdoptionData(status="deployed", status_on=ADOPTED_ON),
    )
    return SimpleNamespace(
        suggestion=suggestion,
        proposal=Proposal.objects.get(pk=proposal.pk),
        candidate=candidate,
        version=version,
        item=item,
        task=Task.objects.get(pk=task.pk),
        close_out=close_out,
        evaluation=evaluation,
        outcome=outcome,
        measure=measure,
        reference=PromotedMeasure.objects.filter(batch__number=1).order_by("position").first(),
    )
