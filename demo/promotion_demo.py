"""Replication and promotion (复制推广) in the demo, through the services the users use.

The three real batches are reference data (promotion.reference). On them, the demo tells a
story that no source gives, so everything it writes is marked （演示）:

- last year's tracking round (跟踪调研) over the three batches, opened by the national level in
  November 2025 and closed: Sichuan handed Chengdu's part down; 成都市 and 武侯区 filed every
  measure (most 未部署, a few deployed, in place or showing results, one not applicable);
  Anhui, Hubei and Guangdong filed for their province as a whole; Sichuan received its feedback.
  This year's round is not opened: the national level opens it (the browser test does);
- a park registered by hand (成都高新技术产业开发区: the statistical codes do not list it) with
  its management body as a user;
- a policy briefing (政策宣讲) Sichuan held on the third batch;
- the seminars the platform proposes for the batches whose year has passed (source 000);
- a fourth batch being drafted from the Chengdu pilot's confirmed outcome, and a case of the
  library published from it;
- a topic set by the national level (中央出题) for the 2027 call, and one Sichuan proposes for
  central authorisation (地方出题、中央授权), awaiting the national level.
"""

import datetime

from django.db import transaction

from accounts.models import Role, User
from demo.dating import at, dated
from demo.logins import DEMO_PASSWORD
from evaluation.models import Outcome
from promotion.models import (
    AdoptionRecord,
    AdoptionStatus,
    GuidanceActivity,
    PromotedMeasure,
    PromotionBatch,
    RoundFeedback,
    TrackingRound,
)
from promotion.selectors.adoption import unit_measures
from promotion.services import adoption, batches, cases, guidance, rounds, seminars
from promotion.services.records import AdoptionData, adoption_write
from proposals.models import Cycle
from proposals.services import topics
from regions.models import Division, Park

ROUND_TITLE = "2025年复制推广改革举措跟踪调研（演示）"
ROUND_OPENED = datetime.date(2025, 11, 3)
ROUND_DEADLINE = datetime.date(2025, 12, 15)
FILED_ON = datetime.date(2025, 12, 10)
CLOSED_ON = datetime.date(2025, 12, 20)
PARK_NAME = "成都高新技术产业开发区"
DOCUMENT = "（演示）关于推广支持创新相关改革举措的工作方案"
NOT_APPLICABLE_REASON = "（演示）本区无相关产业链核心企业"
CONTACT = "（演示）改革办 028-0000000"
IN_PLACE = (AdoptionStatus.LANDED, AdoptionStatus.EFFECTIVE)
# The logins this part adds (load_demo prints them with the others).
LOGINS = [("wuhou", Role.CITY), ("gaoxin", Role.PARK)]

# What each demo unit reports, by (batch, measure number); every other measure 未部署.
REPORTS: dict[str, dict[tuple[int, int], tuple[str, datetime.date | None]]] = {
    "510100": {
        (1, 2): (AdoptionStatus.EFFECTIVE, datetime.date(2019, 6, 30)),
        (1, 1): (AdoptionStatus.LANDED, datetime.date(2020, 3, 31)),
        (3, 1): (AdoptionStatus.DEPLOYED, datetime.date(2021, 5, 20)),
    },
    "510107": {
        (1, 2): (AdoptionStatus.LANDED, datetime.date(2020, 9, 1)),
        (2, 1): (AdoptionStatus.DEPLOYED, datetime.date(2021, 4, 12)),
        (1, 3): (AdoptionStatus.NOT_APPLICABLE, None),
    },
    "340000": {
        (1, 1): (AdoptionStatus.LANDED, datetime.date(2018, 12, 1)),
        (1, 2): (AdoptionStatus.DEPLOYED, datetime.date(2018, 6, 1)),
    },
    "420000": {(1, 2): (AdoptionStatus.EFFECTIVE, datetime.date(2019, 11, 1))},
    "440000": {(1, 1): (AdoptionStatus.DEPLOYED, datetime.date(2019, 2, 1))},
}


def _users() -> dict[str, User]:
    """The county coordinator (武侯区) and the park's management body, beside the demo's."""
    chengdu = Division.objects.get(code="510100")
    park, _ = Park.objects.get_or_create(
        name=PARK_NAME,
        division=chengdu,
        defaults={
            "kind": Park.Kind.HIGH_TECH,
            "province": chengdu.province,
            "source": "平台上手工登记（演示）：统计用区划代码未列此园区",
        },
    )
    wuhou, _ = User.objects.get_or_create(
        username="wuhou",
        defaults={
            "first_name": "成都市武侯区发展改革局（演示）",
            "role": Role.CITY,
            "division": Division.objects.get(code="510107"),
        },
    )
    body, _ = User.objects.get_or_create(
        username="gaoxin",
        defaults={"first_name": "成都高新区管委会（演示）", "role": Role.PARK, "park": park},
    )
    for user in (wuhou, body):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return {"wuhou": wuhou, "gaoxin": body}


def _answer(by: User, unit: Division, round: TrackingRound) -> None:
    """Every measure of the round in the unit's scope, as REPORTS says (else 未部署), then
    the unit's return."""
    wanted = REPORTS.get(unit.code, {})
    for measure in unit_measures(round, unit):
        status, on = wanted.get(
            (measure.batch.number, measure.position), (AdoptionStatus.NOT_DEPLOYED, None)
        )
        data = AdoptionData(
            status=status,
            status_on=on,
            local_document=DOCUMENT if status in (AdoptionStatus.LANDED, "effective") else "",
            reason="（演示）本区无相关产业链核心企业"
            if status == AdoptionStatus.NOT_APPLICABLE
            else "",
            contact="（演示）改革办 028-0000000" if status != AdoptionStatus.NOT_DEPLOYED else "",
        )
        adoption_write(by=by, unit=unit, measure=measure, data=data, round=round, today=FILED_ON)
    adoption.return_file(by=by, round=round, unit=unit)


def _last_round(national: User) -> None:
    sichuan = User.objects.get(username="sichuan")
    chengdu_user = User.objects.get(username="chengdu")
    wuhou_user = User.objects.get(username="wuhou")
    with dated(ROUND_OPENED):
        round = rounds.round_open(
            by=national,
            data=rounds.RoundData(
                title=ROUND_TITLE,
                batches=list(PromotionBatch.objects.filter(state=PromotionBatch.State.PUBLISHED)),
                deadline=ROUND_DEADLINE,
                note="（演示）请各省汇总本地区三批改革举措的推广落实情况。",
            ),
            today=ROUND_OPENED,
        )
    chengdu = Division.objects.get(code="510100")
    with dated(ROUND_OPENED + datetime.timedelta(days=3)):
        ret = round.returns.get(division=chengdu)
        adoption.hand_down(by=sichuan, ret=ret)
    with dated(FILED_ON):
        _answer(chengdu_user, chengdu, round)
        _answer(wuhou_user, Division.objects.get(code="510107"), round)
        for username, code in (("anhui", "340000"), ("hubei", "420000"), ("guangdong", "440000")):
            _answer(User.objects.get(username=username), Division.objects.get(code=code), round)
    # What the services stamp with the moment they run, moved to the story's days.
    round.returns.filter(filed_at__isnull=False).update(filed_at=at(FILED_ON))
    round.returns.filter(delegated_at__isnull=False).update(
        delegated_at=at(ROUND_OPENED + datetime.timedelta(days=3))
    )
    AdoptionRecord.objects.filter(round=round).update(updated_at=at(FILED_ON))
    with dated(CLOSED_ON):
        rounds.round_close(by=national, round=round)
        TrackingRound.objects.filter(pk=round.pk).update(closed_at=at(CLOSED_ON))
        rounds.feedback_send(
            by=national,
            round=round,
            province=Division.objects.get(code="510000"),
            text="（演示）成都市、武侯区已报送；请督促其余市（州）下轮按时报送，并总结一站式投融资"
            "信息服务见成效的做法。",
        )
        RoundFeedback.objects.filter(round=round).update(sent_at=at(CLOSED_ON))


def _guidance(sichuan: User) -> None:
    third = PromotedMeasure.objects.filter(batch__number=3).first()
    if third is None:
        return
    with dated(datetime.date(2025, 10, 20)):
        guidance.guidance_record(
            by=sichuan,
            data=guidance.GuidanceData(
                kind=GuidanceActivity.Kind.BRIEFING,
                title="第三批支持创新相关改革举措政策宣讲（演示）",
                batch=third.batch,
                held_on=datetime.date(2025, 10, 20),
                division=Division.objects.get(code="510000"),
                audience="（演示）全省各市（州）发展改革委、科技局",
                attendance=120,
            ),
        )


def _fourth_batch(national: User) -> None:
    """A fourth batch drafted from the pilot's confirmed outcome, and its case published."""
    outcome = Outcome.objects.filter(state=Outcome.State.CONFIRMED).order_by("pk").first()
    if outcome is None:
        return
    draft = batches.batch_start(by=national)
    # The case illustrates the outcome: its measure is in a batch not yet published.
    batches.batch_add_outcomes(by=national, batch=draft, outcomes=[outcome])
    case = cases.case_create(
        by=national,
        data=cases.CaseData(
            title="成都高新区概念验证和中试平台市场化开放共享（演示）",
            division=Division.objects.get(code="510100"),
            field=outcome.field.name,
            summary=outcome.summary,
            body=f"{outcome.summary}\n\n{outcome.institutional_change}",
            outcome=outcome,
            source="（演示）来自成都国家自主创新示范区政策试点任务的第三方评估",
        ),
    )
    cases.case_publish(by=national, case=case)


def _topics(national: User, sichuan: User) -> None:
    cycle = Cycle.objects.filter(year=2027).first()
    if cycle is None:
        return
    topics.topic_set(
        by=national,
        cycle=cycle,
        title="（演示）职务科技成果单列管理的全国统一规则",
        description="（演示）涉及国有资产管理、审计和纪检的衔接，需全国统筹谋划，请各地共同破题。",
    )
    topics.topic_propose(
        by=sichuan,
        cycle=cycle,
        title="（演示）成渝地区科研仪器跨省域开放共享授权",
        description="（演示）在成德绵试验区域内开展科研仪器跨省域开放共享和收费互认。",
        need="（演示）本地科研仪器集中、需求强烈，需中央部门充分授权。",
    )


@transaction.atomic
def build_promotion_demo() -> bool:
    """Tell the promotion story once; False if it is there already."""
    if TrackingRound.objects.filter(title=ROUND_TITLE).exists():
        return False
    national = User.objects.get(username="national")
    sichuan = User.objects.get(username="sichuan")
    _users()
    _last_round(national)
    _guidance(sichuan)
    seminars.seminars_propose()
    _fourth_batch(national)
    _topics(national, sichuan)
    return True
