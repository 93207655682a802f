"""Every role against every action of promotion (复制推广) and of the overview, as one table.

The rights live in `promotion/rules.py` and `promotion/territory.py` (and the services'
predicates built on them): the national level manages (batches, cases, rounds, feedback,
seminars); a province reports for its territory, a prefecture (`city`, 成都市) for itself, its
counties and its parks, a county (`county`, 武侯区) for itself, a park (`park`, a park in 成都市)
for itself; published batches, their measures and published cases are public. Each cell is
tested twice by the shared harness `tests/matrix.py` (see its docstring).

The world: the three real batches; a draft fourth batch with one measure drafted from a
confirmed outcome; a published and a draft case; an open tracking round over the first batch,
in which Sichuan handed 成都市's part down and 成都市 handed 武侯区's down, and 武侯区 answered
every measure (and its checked workbook awaits filing); a closed round, with Sichuan's
feedback; guidance recorded at each level; the proposed seminars; an open cycle with a topic
set by the centre (中央出题) and one Sichuan proposed (地方出题).
"""

import datetime
import io
from typing import Any

from django.utils import timezone
from openpyxl import load_workbook

from evaluation.models import Outcome, Recommendation
from jobs.models import Job
from jobs.services import job_enqueue
from promotion import rules
from promotion.models import (
    AdoptionRecord,
    GuidanceActivity,
    PromotedMeasure,
    PromotionBatch,
    ReformCase,
    RoundFeedback,
    RoundReturn,
    Seminar,
    TrackingRound,
)
from promotion.reference import load_promotion
from promotion.selectors.adoption import (
    can_chase,
    can_hand_down,
    chase_targets,
    may_file,
    return_of,
    sees_rollup,
)
from promotion.selectors.guidance import sees_guidance
from promotion.services import batches as batch_services
from promotion.services import bulk as bulk_services
from promotion.services.adoption import hand_down
from promotion.services.cases import CaseData, case_create, case_publish
from promotion.services.guidance import GuidanceData, guidance_record, may_edit
from promotion.services.records import AdoptionData, adoption_write
from promotion.services.rounds import RoundData, feedback_send, round_close, round_open
from promotion.services.seminars import seminars_propose
from proposals import rules as proposal_rules
from proposals.models import ReformField, Topic
from proposals.services.topics import topic_propose, topic_set
from tests.conftest import division, open_cycle
from tests.matrix import Act, Matrix, Response, World, shared_world

N, SC, GD, CITY, COUNTY, PARK = "national", "sichuan", "guangdong", "city", "county", "park"
TODAY = timezone.localdate()
FIELD = "促进技术要素市场体系建设"
FEEDBACK = "四川省第一批举措推广落实评估反馈"

# The officials' pages let in the four levels and the parks only; the others get 403.
OFFICIALS = frozenset({N, SC, GD, CITY, COUNTY, PARK})

# The pages anybody reads, signed in or not.
PUBLIC = {
    "batches",
    "batch",
    "batch_xlsx",
    "measure",
    "cases",
    "cases_xlsx",
    "case",
    "journey",
    "journey_json",
}
# What every official of the four levels and the parks reads.
OFFICIAL = {
    "stage",
    "rounds",
    "round",
    "round_units",
    "round_units_xlsx",
    "guidance",
    "guidance_xlsx",
    "guidance_page",
    "seminars",
    "seminars_xlsx",
    "seminar",
    "seminar_docx",
}
# Who reports adoption: bulk reporting through a workbook.
REPORTER = {"bulk", "bulk_round", "bulk_sheet"}
# The national level and the provinces: the dashboards.
DASHBOARDS = {
    "dashboard",
    "dashboard_xlsx",
    "diffusion_index",
    "diffusion",
    "diffusion_xlsx",
}

# Topics (出题): the national level and the provinces (the cycle's participants).
TOPICS = {"topics", "topics_xlsx", "central_topic", "topic_create"}

# The table. Anything not listed for a role is refused.
ALLOWED: dict[str, set[str]] = {
    N: PUBLIC
    | OFFICIAL
    | DASHBOARDS
    | TOPICS
    | {
        "local_topic",
        "authorise_topic",
        "decline_topic",
        "draft_listed",
        "draft_batch",
        "draft_measure",
        "batch_notice",
        "batch_pick",
        "measure_edit",
        "measure_remove",
        "batch_publish",
        "batch_discard",
        "draft_case_listed",
        "draft_case",
        "case_new",
        "case_edit",
        "case_publish",
        "round_new",
        "round_close",
        "round_feedback",
        "chase_all",
        "wuhou_unit",
        "jinjiang_unit",
        "park_unit",
        "rollup",
        "guidance_new",
        "seminar_new",
        "seminar_plan",
        "seminar_held",
        "draft_journey",
        "draft_journey_json",
    },
    SC: PUBLIC
    | OFFICIAL
    | REPORTER
    | DASHBOARDS
    | TOPICS
    | {
        "local_topic",
        "chase_all",
        "wuhou_unit",
        "jinjiang_unit",
        "park_unit",
        # Sichuan chases 武侯区, which 成都市 handed down: each level chases the levels below
        # it (selectors.adoption.can_chase), not only the units it handed down itself.
        "chase_wuhou",
        "wuhou_answer",
        "park_answer",
        "wuhou_file",
        "wuhou_unchanged_page",
        "rollup",
        "bulk_job",
        "guidance_new",
        "guidance_edit_city",
        "guidance_remove_county",
    },
    GD: PUBLIC | OFFICIAL | REPORTER | DASHBOARDS | TOPICS | {"rollup", "guidance_new"},
    "region": PUBLIC,
    CITY: PUBLIC
    | OFFICIAL
    | REPORTER
    | {
        "chase_all",
        "wuhou_unit",
        "jinjiang_unit",
        "park_unit",
        "hand_down_jinjiang",
        "chase_wuhou",
        "wuhou_answer",
        "park_answer",
        "wuhou_file",
        "wuhou_unchanged_page",
        "rollup",
        "guidance_new",
        "guidance_edit_city",
    },
    COUNTY: PUBLIC
    | OFFICIAL
    | REPORTER
    | {
        "wuhou_unit",
        "wuhou_answer",
        "wuhou_file",
        "wuhou_unchanged_page",
        "bulk_file",
        "guidance_new",
        "guidance_remove_county",
    },
    PARK: PUBLIC | OFFICIAL | REPORTER | {"park_unit", "park_answer"},
    "implementer": PUBLIC,
    "expert": PUBLIC,
    "evaluator": PUBLIC,
    "innovator": PUBLIC,
    "other_innovator": PUBLIC,
    "public": PUBLIC,
    "anonymous": PUBLIC,
}


def _outcome(national: Any, title: str) -> Outcome:
    """A confirmed outcome (the evaluation stage's end), for the draft batch to promote."""
    return Outcome.objects.create(
        title=title,
        field=ReformField.objects.get(name=FIELD),
        summary=f"{title}的概述",
        institutional_change=f"{title}的制度创新",
        origin="四川省（四川省科学技术厅）",
        recommended_scope=Recommendation.NATIONWIDE,
        state=Outcome.State.CONFIRMED,
        confirmed_at=timezone.now(),
        created_by=national,
    )


def _guidance(by: Any, batch: PromotionBatch, title: str, **extra: Any) -> GuidanceActivity:
    data = GuidanceData(
        kind=GuidanceActivity.Kind.BRIEFING,
        title=title,
        batch=batch,
        held_on=datetime.date(2020, 3, 1),
        audience="市县发展改革部门",
        attendance=40,
        **extra,
    )
    return guidance_record(by=by, data=data)


def build_world(users: dict[str, Any]) -> World:
    national, sichuan, city, county = users[N], users[SC], users[CITY], users[COUNTY]
    load_promotion()
    first = PromotionBatch.objects.get(number=1)
    measures = list(first.measures.order_by("position"))
    chengdu, wuhou, jinjiang = division("510100"), division("510107"), division("510104")
    park = users[PARK].park
    # A draft batch with one measure from a confirmed outcome; a second outcome to pick.
    draft = batch_services.batch_start(by=national)
    [draft_measure] = batch_services.batch_add_outcomes(
        by=national, batch=draft, outcomes=[_outcome(national, "技术经理人全程参与")]
    )
    to_pick = _outcome(national, "职务科技成果赋权")
    case = case_create(
        by=national,
        data=CaseData(
            title="成都市职务科技成果权属改革案例",
            division=chengdu,
            field=FIELD,
            summary="赋予科研人员职务科技成果所有权",
            body="案例正文",
            measure=measures[0],
        ),
    )
    case = case_publish(by=national, case=case)
    draft_case = case_create(
        by=national,
        data=CaseData(
            title="武侯区草稿案例", division=wuhou, field=FIELD, summary="概述", body="正文"
        ),
    )
    # An open round: Sichuan hands 成都市 down, 成都市 hands 武侯区 down, 武侯区 answers all.
    round_ = round_open(
        by=national,
        data=RoundData(
            title="全国摸查（矩阵）", batches=[first], deadline=TODAY + datetime.timedelta(days=30)
        ),
    )
    returns = {}
    for unit in (chengdu, wuhou, jinjiang):
        found = return_of(round_, unit)
        assert found is not None
        returns[unit.pk] = found
    hand_down(by=sichuan, ret=returns[chengdu.pk])
    hand_down(by=city, ret=returns[wuhou.pk])
    for measure in measures:
        adoption_write(
            by=county,
            unit=wuhou,
            measure=measure,
            data=AdoptionData(status="deployed", status_on=datetime.date(2020, 5, 1)),
            round=round_,
        )
    closed = round_open(
        by=national,
        data=RoundData(title="已结束的摸查", batches=[first], deadline=TODAY),
    )
    round_close(by=national, round=closed)
    feedback_send(by=national, round=closed, province=division("510000"), text=FEEDBACK)
    sheet_job = job_enqueue(
        kind=bulk_services.SHEET_KIND, by=sichuan, params={"round_id": round_.pk}
    )
    # 武侯区's workbook, read and checked (as the runner leaves it): its return awaits filing.
    upload_job = job_enqueue(
        kind=bulk_services.UPLOAD_KIND, by=county, params={"round_id": round_.pk}
    )
    upload_job.state = Job.State.DONE
    upload_job.params = {**upload_job.params, "units": [bulk_services.division_key(wuhou.pk)]}
    upload_job.save()
    # Guidance at each level; the seminars the platform proposes a year after each batch.
    guidance = {
        "national": _guidance(national, first, "国家层面政策宣讲"),
        "city": _guidance(city, first, "成都市政策宣讲"),
        "county": _guidance(county, first, "武侯区政策宣讲"),
        "guangdong": _guidance(users[GD], first, "广东省政策宣讲", division=division("440000")),
    }
    seminars_propose(today=TODAY)
    seminar = Seminar.objects.filter(batches=first).get()
    cycle = open_cycle(national)
    central_topic = topic_set(
        by=national, cycle=cycle, title="中央出题：科技金融", description="需要国家统筹的方向"
    )
    local_topic = topic_propose(
        by=sichuan,
        cycle=cycle,
        title="地方出题：科技成果赋权",
        description="赋予科研人员职务科技成果所有权",
        need="四川高校院所密集",
    )
    return World(
        users=users,
        first=first,
        measure=measures[0],
        second_measure=measures[1],
        draft=draft,
        draft_measure=draft_measure,
        to_pick=to_pick,
        case=case,
        draft_case=draft_case,
        round=round_,
        closed=closed,
        sichuan=division("510000"),
        chengdu=chengdu,
        wuhou=wuhou,
        jinjiang=jinjiang,
        park=park,
        wuhou_return=return_of(round_, wuhou),
        jinjiang_return=returns[jinjiang.pk],
        park_return=return_of(round_, park),
        sheet_job=sheet_job,
        upload_job=upload_job,
        guidance=guidance,
        seminar=seminar,
        cycle=cycle,
        central_topic=central_topic,
        local_topic=local_topic,
    )


built_world, world = shared_world(build_world)


def workbook_text(response: Response) -> str:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def _official(user: Any, world: World) -> bool:
    return rules.can_open_stage(user)


def _sees(visibility: Any, name: str) -> Any:
    return lambda u, w: visibility.allows(u, getattr(w, name))


def _unit(kind: str, name: str) -> Any:
    return lambda w: f"/promotion/rounds/{w.round.pk}/{kind}/{getattr(w, name).pk}/"


def _round_count(title: str) -> bool:
    return TrackingRound.objects.filter(title=title).exists()


def _chased(ret: RoundReturn) -> bool:
    return RoundReturn.objects.get(pk=ret.pk).chased_at is not None


def _answered(unit_field: str, unit: Any, measure: PromotedMeasure, status: str) -> bool:
    return AdoptionRecord.objects.filter(
        **{unit_field: unit}, measure=measure, status=status
    ).exists()


ANSWER = {"status": "landed", "status_on": "2021-06-01", "local_document": "川办发〔2021〕1号"}
GUIDANCE_FORM = {
    "kind": "briefing",
    "title": "改过的宣讲",
    "held_on": "2020-04-01",
    "audience": "区县",
    "attendance": "12",
    "note": "",
}

ACTIONS: dict[str, Act] = {
    # The stage's start page: every official; anybody else is refused, anonymous visitors
    # sent to the login page.
    "stage": Act(right=_official, method="get", url=lambda w: "/promotion/"),
    # Batches and their measures ---------------------------------------------------------------
    "batches": Act(
        right=_sees(rules.BATCHES, "first"),
        method="get",
        url=lambda w: "/promotion/batches/",
        shows=lambda w: f'href="/promotion/batches/{w.first.pk}/"',
        public=True,
    ),
    "draft_listed": Act(
        right=_sees(rules.BATCHES, "draft"),
        method="get",
        url=lambda w: "/promotion/batches/",
        shows=lambda w: f'href="/promotion/batches/{w.draft.pk}/"',
        hides=True,
        public=True,
    ),
    "batch": Act(
        right=_sees(rules.BATCHES, "first"),
        method="get",
        url=lambda w: f"/promotion/batches/{w.first.pk}/",
        shows=lambda w: w.first.doc_number,
        public=True,
    ),
    "batch_xlsx": Act(
        right=_sees(rules.BATCHES, "first"),
        method="get",
        url=lambda w: f"/promotion/batches/{w.first.pk}/xlsx/",
        shows=lambda w: w.measure.title,
        read=workbook_text,
        public=True,
    ),
    "measure": Act(
        right=_sees(rules.MEASURES, "measure"),
        method="get",
        url=lambda w: f"/promotion/measures/{w.measure.pk}/",
        shows=lambda w: w.measure.title,
        public=True,
    ),
    "draft_batch": Act(
        right=_sees(rules.BATCHES, "draft"),
        method="get",
        url=lambda w: f"/promotion/batches/{w.draft.pk}/",
        shows=lambda w: w.draft_measure.title,
        seen_via="draft_batch",
        public=True,
    ),
    "draft_measure": Act(
        right=_sees(rules.MEASURES, "draft_measure"),
        method="get",
        url=lambda w: f"/promotion/measures/{w.draft_measure.pk}/",
        shows=lambda w: w.draft_measure.title,
        seen_via="draft_measure",
        public=True,
    ),
    "batch_notice": Act(
        right=lambda u, w: rules.manages_promotion(u),
        method="get",
        url=lambda w: f"/promotion/batches/{w.draft.pk}/notice/",
        gate=frozenset({N}),
    ),
    # While a draft exists no other is started: the national level is told so (its page).
    "batch_start": Act(
        right=lambda u, w: (
            rules.manages_promotion(u)
            and not PromotionBatch.objects.filter(state=PromotionBatch.State.DRAFT).exists()
        ),
        method="post",
        url=lambda w: "/promotion/batches/start/",
        done=lambda w: PromotionBatch.objects.filter(state="draft").count() > 1,
        told=frozenset({N}),
        told_status=302,
    ),
    "batch_pick": Act(
        right=_sees(rules.BATCHES, "draft"),
        method="post",
        url=lambda w: f"/promotion/batches/{w.draft.pk}/pick/",
        data=lambda w: {"outcomes": [w.to_pick.pk]},
        done=lambda w: w.draft.measures.filter(outcome=w.to_pick).exists(),
        seen_via="draft_batch",
    ),
    "measure_edit": Act(
        right=_sees(rules.MEASURES, "draft_measure"),
        method="post",
        url=lambda w: f"/promotion/measures/{w.draft_measure.pk}/edit/",
        data=lambda w: {
            "title": "改过的举措",
            "field": FIELD,
            "scope": "nationwide",
            "text": "举措正文",
            "origin": "四川省",
        },
        done=lambda w: PromotedMeasure.objects.get(pk=w.draft_measure.pk).title == "改过的举措",
        seen_via="draft_measure",
    ),
    "measure_remove": Act(
        right=_sees(rules.MEASURES, "draft_measure"),
        method="post",
        url=lambda w: f"/promotion/measures/{w.draft_measure.pk}/remove/",
        data=lambda w: {"confirm": "on"},
        done=lambda w: not PromotedMeasure.objects.filter(pk=w.draft_measure.pk).exists(),
        seen_via="draft_measure",
    ),
    "batch_publish": Act(
        right=_sees(rules.BATCHES, "draft"),
        method="post",
        url=lambda w: f"/promotion/batches/{w.draft.pk}/publish/",
        data=lambda w: {
            "doc_number": "国办发〔2099〕1号",
            "title": "国务院办公厅关于推广第四批支持创新相关改革举措的通知",
            "issued_on": "2099-01-05",
            "confirm": "on",
        },
        done=lambda w: PromotionBatch.objects.get(pk=w.draft.pk).state == "published",
        seen_via="draft_batch",
    ),
    "batch_discard": Act(
        right=_sees(rules.BATCHES, "draft"),
        method="post",
        url=lambda w: f"/promotion/batches/{w.draft.pk}/discard/",
        data=lambda w: {"confirm": "on"},
        done=lambda w: not PromotionBatch.objects.filter(pk=w.draft.pk).exists(),
        seen_via="draft_batch",
    ),
    # Reform cases ------------------------------------------------------------------------------
    "cases": Act(
        right=_sees(rules.CASES, "case"),
        method="get",
        url=lambda w: "/promotion/cases/",
        shows=lambda w: w.case.title,
        public=True,
    ),
    "draft_case_listed": Act(
        right=_sees(rules.CASES, "draft_case"),
        method="get",
        url=lambda w: "/promotion/cases/",
        shows=lambda w: w.draft_case.title,
        hides=True,
        public=True,
    ),
    "cases_xlsx": Act(
        right=_sees(rules.CASES, "case"),
        method="get",
        url=lambda w: "/promotion/cases/xlsx/",
        shows=lambda w: w.case.title,
        read=workbook_text,
        public=True,
    ),
    "case": Act(
        right=_sees(rules.CASES, "case"),
        method="get",
        url=lambda w: f"/promotion/cases/{w.case.pk}/",
        shows=lambda w: w.case.title,
        public=True,
    ),
    "draft_case": Act(
        right=_sees(rules.CASES, "draft_case"),
        method="get",
        url=lambda w: f"/promotion/cases/{w.draft_case.pk}/",
        shows=lambda w: w.draft_case.title,
        seen_via="draft_case",
        public=True,
    ),
    "case_new": Act(
        right=lambda u, w: rules.manages_promotion(u),
        method="post",
        url=lambda w: "/promotion/cases/new/",
        data=lambda w: {
            "title": "新写的案例",
            "division": w.wuhou.pk,
            "field": FIELD,
            "summary": "概述",
            "body": "正文",
        },
        done=lambda w: ReformCase.objects.filter(title="新写的案例").exists(),
    ),
    "case_edit": Act(
        right=_sees(rules.CASES, "draft_case"),
        method="post",
        url=lambda w: f"/promotion/cases/{w.draft_case.pk}/edit/",
        data=lambda w: {
            "title": "改过的案例",
            "division": w.wuhou.pk,
            "field": FIELD,
            "summary": "概述",
            "body": "正文",
        },
        done=lambda w: ReformCase.objects.get(pk=w.draft_case.pk).title == "改过的案例",
        seen_via="draft_case",
    ),
    "case_publish": Act(
        right=_sees(rules.CASES, "draft_case"),
        method="post",
        url=lambda w: f"/promotion/cases/{w.draft_case.pk}/publish/",
        data=lambda w: {"confirm": "on"},
        done=lambda w: ReformCase.objects.get(pk=w.draft_case.pk).state == "published",
        seen_via="draft_case",
    ),
    # Tracking rounds ---------------------------------------------------------------------------
    "rounds": Act(
        right=_official,
        method="get",
        url=lambda w: "/promotion/rounds/",
        shows=lambda w: w.round.title,
    ),
    "round": Act(
        right=_sees(rules.ROUNDS, "round"),
        method="get",
        url=lambda w: f"/promotion/rounds/{w.round.pk}/",
        shows=lambda w: w.round.title,
        seen_via="round",
    ),
    "round_new": Act(
        right=lambda u, w: rules.manages_promotion(u),
        method="post",
        url=lambda w: "/promotion/rounds/new/",
        data=lambda w: {
            "title": "新的摸查",
            "batches": [w.first.pk],
            "deadline": (TODAY + datetime.timedelta(days=10)).isoformat(),
        },
        done=lambda w: _round_count("新的摸查"),
    ),
    "round_close": Act(
        right=lambda u, w: rules.manages_promotion(u),
        method="post",
        url=lambda w: f"/promotion/rounds/{w.round.pk}/close/",
        data=lambda w: {"confirm": "on"},
        done=lambda w: TrackingRound.objects.get(pk=w.round.pk).state == "closed",
    ),
    "round_feedback": Act(
        right=lambda u, w: rules.manages_promotion(u),
        method="post",
        url=lambda w: f"/promotion/rounds/{w.closed.pk}/feedback/{w.sichuan.pk}/",
        data=lambda w: {"text": "四川省推广落实情况良好"},
        done=lambda w: RoundFeedback.objects.filter(
            round=w.closed, text="四川省推广落实情况良好"
        ).exists(),
    ),
    # Adoption down the four levels and into parks ---------------------------------------------
    "round_units": Act(
        right=_official,
        method="get",
        url=lambda w: f"/promotion/rounds/{w.round.pk}/units/?q=武侯",
        seen_via="round",
    ),
    "round_units_xlsx": Act(
        right=_official,
        method="get",
        # Narrowed: the national level's whole list (every unit of the country) is slow to write.
        url=lambda w: f"/promotion/rounds/{w.round.pk}/units/xlsx/?q=武侯",
        seen_via="round",
    ),
    # Those with nobody to chase are told so, on the list of units.
    "chase_all": Act(
        right=lambda u, w: chase_targets(u, w.round).exists(),
        method="post",
        url=lambda w: f"/promotion/rounds/{w.round.pk}/units/chase/",
        done=lambda w: w.round.returns.exclude(chased_at=None).exists(),
        seen_via="round",
        told=frozenset({GD, COUNTY, PARK}),
        told_status=302,
    ),
    "wuhou_unit": Act(
        right=_sees(rules.RETURNS, "wuhou_return"),
        method="get",
        url=_unit("division", "wuhou"),
        shows=lambda w: w.wuhou.name,
        seen_via="wuhou_unit",
    ),
    "jinjiang_unit": Act(
        right=_sees(rules.RETURNS, "jinjiang_return"),
        method="get",
        url=_unit("division", "jinjiang"),
        shows=lambda w: w.jinjiang.name,
        seen_via="jinjiang_unit",
    ),
    "park_unit": Act(
        right=_sees(rules.RETURNS, "park_return"),
        method="get",
        url=_unit("park", "park"),
        shows=lambda w: w.park.name,
        seen_via="park_unit",
    ),
    # 成都市 hands its county down; Sichuan, which reports for it too, is told a county under a
    # prefecture is the prefecture's to hand down.
    "hand_down_jinjiang": Act(
        right=lambda u, w: can_hand_down(u, w.jinjiang_return),
        method="post",
        url=lambda w: f"/promotion/rounds/{w.round.pk}/returns/{w.jinjiang_return.pk}/hand-down/",
        done=lambda w: RoundReturn.objects.get(pk=w.jinjiang_return.pk).delegated_at is not None,
        seen_via="jinjiang_unit",
        told=frozenset({SC}),
        told_status=302,
    ),
    "chase_wuhou": Act(
        right=lambda u, w: can_chase(u, w.wuhou_return),
        method="post",
        url=lambda w: f"/promotion/rounds/{w.round.pk}/returns/{w.wuhou_return.pk}/chase/",
        done=lambda w: _chased(w.wuhou_return),
        seen_via="wuhou_unit",
    ),
    "wuhou_answer": Act(
        right=lambda u, w: may_file(u, w.wuhou_return),
        method="post",
        url=lambda w: f"{_unit('division', 'wuhou')(w)}measures/{w.second_measure.pk}/",
        data=lambda w: ANSWER,
        done=lambda w: _answered("division", w.wuhou, w.second_measure, "landed"),
        seen_via="wuhou_unit",
    ),
    "park_answer": Act(
        right=lambda u, w: may_file(u, w.park_return),
        method="post",
        url=lambda w: f"{_unit('park', 'park')(w)}measures/{w.measure.pk}/",
        data=lambda w: ANSWER,
        done=lambda w: _answered("park", w.park, w.measure, "landed"),
        seen_via="park_unit",
    ),
    "wuhou_file": Act(
        right=lambda u, w: may_file(u, w.wuhou_return),
        method="post",
        url=lambda w: f"{_unit('division', 'wuhou')(w)}file/",
        data=lambda w: {"confirm": "on"},
        done=lambda w: RoundReturn.objects.get(pk=w.wuhou_return.pk).filed_at is not None,
        seen_via="wuhou_unit",
    ),
    # The confirmation page of filing "unchanged since the last round".
    "wuhou_unchanged_page": Act(
        right=lambda u, w: may_file(u, w.wuhou_return),
        method="get",
        url=lambda w: f"{_unit('division', 'wuhou')(w)}unchanged/",
        shows=lambda w: w.wuhou.name,
        seen_via="wuhou_unit",
    ),
    "rollup": Act(
        right=lambda u, w: rules.ROUNDS.allows(u, w.round) and sees_rollup(u),
        method="get",
        url=lambda w: f"/promotion/rounds/{w.round.pk}/rollup/",
        seen_via="round",
    ),
    # Bulk reporting by workbook ------------------------------------------------------------------
    "bulk": Act(
        right=lambda u, w: rules.reports_adoption(u), method="get", url=lambda w: "/promotion/bulk/"
    ),
    "bulk_round": Act(
        right=lambda u, w: rules.reports_adoption(u),
        method="get",
        url=lambda w: f"/promotion/bulk/rounds/{w.round.pk}/",
        shows=lambda w: w.round.title,
    ),
    "bulk_sheet": Act(
        right=lambda u, w: rules.reports_adoption(u),
        method="post",
        url=lambda w: f"/promotion/bulk/rounds/{w.round.pk}/sheet/",
        done=lambda w: Job.objects.filter(kind=bulk_services.SHEET_KIND).count() > 1,
    ),
    # A job is its owner's alone.
    "bulk_job": Act(
        right=lambda u, w: u == w.sheet_job.created_by,
        method="get",
        url=lambda w: f"/promotion/bulk/jobs/{w.sheet_job.pk}/",
        seen_via="bulk_job",
    ),
    # 武侯区 files the returns its workbook completed; nobody else reaches its job.
    "bulk_file": Act(
        right=lambda u, w: u == w.upload_job.created_by and rules.reports_adoption(u),
        method="post",
        url=lambda w: f"/promotion/bulk/jobs/{w.upload_job.pk}/file/",
        done=lambda w: RoundReturn.objects.get(pk=w.wuhou_return.pk).filed_at is not None,
        gate=frozenset({SC, GD, CITY, COUNTY, PARK}),
        seen_via="bulk_file",
    ),
    # Guidance and training ----------------------------------------------------------------------
    "guidance": Act(
        right=lambda u, w: sees_guidance(u),
        method="get",
        url=lambda w: "/promotion/guidance/",
        shows=lambda w: w.guidance["county"].title,
    ),
    "guidance_xlsx": Act(
        right=lambda u, w: sees_guidance(u),
        method="get",
        url=lambda w: "/promotion/guidance/xlsx/",
        shows=lambda w: w.guidance["guangdong"].title,
        read=workbook_text,
    ),
    "guidance_page": Act(
        right=lambda u, w: rules.GUIDANCE.allows(u, w.guidance["city"]),
        method="get",
        url=lambda w: f"/promotion/guidance/{w.guidance['city'].pk}/",
        shows=lambda w: w.guidance["city"].title,
        gate=OFFICIALS,
    ),
    "guidance_new": Act(
        right=lambda u, w: rules.records_guidance(u),
        method="get",
        url=lambda w: "/promotion/guidance/new/",
    ),
    # Each level changes its own: 成都市's by 成都市 and Sichuan, 武侯区's by 武侯区 and Sichuan.
    "guidance_edit_city": Act(
        right=lambda u, w: may_edit(u, w.guidance["city"]),
        method="post",
        url=lambda w: f"/promotion/guidance/{w.guidance['city'].pk}/edit/",
        data=lambda w: {**GUIDANCE_FORM, "batch": w.first.pk, "division": w.chengdu.pk},
        done=lambda w: GuidanceActivity.objects.get(pk=w.guidance["city"].pk).title == "改过的宣讲",
    ),
    "guidance_remove_county": Act(
        right=lambda u, w: may_edit(u, w.guidance["county"]),
        method="post",
        url=lambda w: f"/promotion/guidance/{w.guidance['county'].pk}/remove/",
        done=lambda w: not GuidanceActivity.objects.filter(pk=w.guidance["county"].pk).exists(),
    ),
    # Exchange seminars ---------------------------------------------------------------------------
    "seminars": Act(
        right=lambda u, w: rules.SEMINARS.filter_for(u) is not None,
        method="get",
        url=lambda w: "/promotion/seminars/",
        shows=lambda w: w.seminar.title,
    ),
    "seminars_xlsx": Act(
        right=lambda u, w: rules.SEMINARS.filter_for(u) is not None,
        method="get",
        url=lambda w: "/promotion/seminars/xlsx/",
        shows=lambda w: w.seminar.title,
        read=workbook_text,
    ),
    "seminar": Act(
        right=_sees(rules.SEMINARS, "seminar"),
        method="get",
        url=lambda w: f"/promotion/seminars/{w.seminar.pk}/",
        shows=lambda w: w.seminar.title,
        gate=OFFICIALS,
    ),
    "seminar_docx": Act(
        right=_sees(rules.SEMINARS, "seminar"),
        method="get",
        url=lambda w: f"/promotion/seminars/{w.seminar.pk}/docx/",
        gate=OFFICIALS,
    ),
    "seminar_new": Act(
        right=lambda u, w: rules.manages_promotion(u),
        method="post",
        url=lambda w: "/promotion/seminars/new/",
        data=lambda w: {
            "title": "跨区域交流研讨会",
            "batches": [w.first.pk],
            "held_on": "2099-06-01",
        },
        done=lambda w: Seminar.objects.filter(title="跨区域交流研讨会").exists(),
    ),
    "seminar_plan": Act(
        right=lambda u, w: rules.manages_promotion(u),
        method="post",
        url=lambda w: f"/promotion/seminars/{w.seminar.pk}/plan/",
        data=lambda w: {
            "title": "第一批交流研讨会",
            "batches": [w.first.pk],
            "held_on": "2099-06-01",
        },
        done=lambda w: Seminar.objects.get(pk=w.seminar.pk).state == "planned",
    ),
    "seminar_held": Act(
        right=lambda u, w: rules.manages_promotion(u),
        method="post",
        url=lambda w: f"/promotion/seminars/{w.seminar.pk}/held/",
        data=lambda w: {
            "held_on": "2020-06-01",
            "regions": [w.sichuan.pk],
            "agenda": "交流推广经验",
            "practices": "",
            "solutions": "",
        },
        done=lambda w: Seminar.objects.get(pk=w.seminar.pk).state == "held",
    ),
    # Topics (中央出题、地方破题; 地方出题、中央充分授权) ---------------------
    "topics": Act(
        right=lambda u, w: proposal_rules.can_list_topics(u),
        method="get",
        url=lambda w: f"/cycles/{w.cycle.pk}/topics/",
        shows=lambda w: w.central_topic.title,
    ),
    "topics_xlsx": Act(
        right=lambda u, w: proposal_rules.can_list_topics(u),
        method="get",
        url=lambda w: f"/cycles/{w.cycle.pk}/topics/export/",
        shows=lambda w: w.central_topic.title,
        read=workbook_text,
    ),
    "central_topic": Act(
        right=lambda u, w: proposal_rules.can_view_topic(u, w.central_topic),
        method="get",
        url=lambda w: f"/topics/{w.central_topic.pk}/",
        shows=lambda w: w.central_topic.title,
        gate=frozenset({N, SC, GD}),
        seen_via="central_topic",
    ),
    # A proposed topic: the centre and the province that proposed it.
    "local_topic": Act(
        right=lambda u, w: proposal_rules.can_view_topic(u, w.local_topic),
        method="get",
        url=lambda w: f"/topics/{w.local_topic.pk}/",
        shows=lambda w: w.local_topic.title,
        gate=frozenset({N, SC, GD}),
        seen_via="local_topic",
    ),
    # The same page sets a topic (the centre) or proposes one (a province).
    "topic_create": Act(
        right=lambda u, w: proposal_rules.sets_topics(u) or proposal_rules.proposes_topics(u),
        method="post",
        url=lambda w: f"/cycles/{w.cycle.pk}/topics/new/",
        data=lambda w: {"title": "新的题目", "description": "题目说明", "need": "需要"},
        done=lambda w: Topic.objects.filter(title="新的题目").exists(),
    ),
    "authorise_topic": Act(
        right=lambda u, w: proposal_rules.can_decide_topic(u, w.local_topic),
        method="post",
        url=lambda w: f"/topics/{w.local_topic.pk}/authorise/",
        data=lambda w: {"note": "同意授权"},
        done=lambda w: Topic.objects.get(pk=w.local_topic.pk).state == Topic.State.OPEN,
        seen_via="local_topic",
    ),
    "decline_topic": Act(
        right=lambda u, w: proposal_rules.can_decide_topic(u, w.local_topic),
        method="post",
        url=lambda w: f"/topics/{w.local_topic.pk}/decline/",
        data=lambda w: {"reason": "不宜授权"},
        done=lambda w: Topic.objects.get(pk=w.local_topic.pk).state == Topic.State.DECLINED,
        seen_via="local_topic",
    ),
    # The overview: dashboards, diffusion, the journey of a measure ------------------------------
    "dashboard": Act(
        right=lambda u, w: rules.sees_dashboards(u),
        method="get",
        url=lambda w: "/overview/",
    ),
    "dashboard_xlsx": Act(
        right=lambda u, w: rules.sees_dashboards(u),
        method="get",
        url=lambda w: "/overview/dashboard.xlsx",
    ),
    "diffusion_index": Act(
        right=lambda u, w: rules.sees_dashboards(u),
        method="get",
        url=lambda w: "/overview/diffusion/",
    ),
    "diffusion": Act(
        right=lambda u, w: rules.sees_dashboards(u),
        method="get",
        url=lambda w: f"/overview/diffusion/{w.measure.pk}/",
        shows=lambda w: w.measure.title,
    ),
    "diffusion_xlsx": Act(
        right=lambda u, w: rules.sees_dashboards(u),
        method="get",
        url=lambda w: f"/overview/diffusion/{w.measure.pk}.xlsx",
    ),
    "journey": Act(
        right=_sees(rules.MEASURES, "measure"),
        method="get",
        url=lambda w: f"/overview/journey/measure/{w.measure.pk}/",
        shows=lambda w: f'href="/promotion/measures/{w.measure.pk}/"',
        public=True,
    ),
    "journey_json": Act(
        right=_sees(rules.MEASURES, "measure"),
        method="get",
        url=lambda w: f"/overview/journey/measure/{w.measure.pk}.json",
        shows=lambda w: '"steps"',
        public=True,
    ),
    "draft_journey": Act(
        right=_sees(rules.MEASURES, "draft_measure"),
        method="get",
        url=lambda w: f"/overview/journey/measure/{w.draft_measure.pk}/",
        seen_via="draft_journey",
        public=True,
    ),
    "draft_journey_json": Act(
        right=_sees(rules.MEASURES, "draft_measure"),
        method="get",
        url=lambda w: f"/overview/journey/measure/{w.draft_measure.pk}.json",
        seen_via="draft_journey_json",
        public=True,
    ),
}

MATRIX = Matrix(ALLOWED, ACTIONS, headers={"Accept-Language": "en"})


def test_table_covers_every_role_and_names_only_known_actions(users):
    MATRIX.check_table({*users, "anonymous"})


# Who sees 武侯区's adoption records: the national level, Sichuan, 成都市 above it, and itself.
SEES_WUHOU = {N, SC, CITY, COUNTY}


class TestCells(MATRIX.cells()):  # type: ignore[misc]
    """Every cell of the table, at the permission function and over HTTP; and, in the same
    world, what of 武侯区's adoption each role finds where everybody may look."""

    @MATRIX.each_role()
    def test_the_journey_counts_adoption_for_those_who_see_the_records(
        self, world: World, role: str
    ) -> None:
        url = f"/overview/journey/measure/{world.measure.pk}.json"
        steps = MATRIX.client(world.users[role]).get(url).json()["steps"]
        adoption = [s for s in steps if s["kind"] == "adoption"]
        assert bool(adoption) is (role in SEES_WUHOU)
        if adoption:
            assert adoption[0]["details"]["deployed"] == 1  # 武侯区's answer, and no other

    @MATRIX.each_role()
    def test_the_feedback_after_a_round_is_the_provinces_own(self, world: World, role: str) -> None:
        if role not in OFFICIALS:
            return  # refused the round altogether (a cell of the table)
        response = MATRIX.client(world.users[role]).get(f"/promotion/rounds/{world.closed.pk}/")
        assert response.status_code == 200
        assert (FEEDBACK in response.content.decode()) is (role in {N, SC})

    @MATRIX.each_role()
    def test_the_units_of_a_round_list_only_the_users_territory(
        self, world: World, role: str
    ) -> None:
        if role not in OFFICIALS:
            return  # refused the list altogether (a cell of the table)
        response = MATRIX.client(world.users[role]).get(
            f"/promotion/rounds/{world.round.pk}/units/?q=武侯"
        )
        assert response.status_code == 200
        link = f"/promotion/rounds/{world.round.pk}/division/{world.wuhou.pk}/"
        assert (link in response.content.decode()) is (role in SEES_WUHOU)
