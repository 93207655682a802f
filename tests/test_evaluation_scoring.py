"""The indicator system, the scores, the ratings and the evaluation report of a commissioned
evaluation (委托第三方机构评估).

Sources: 发改高技〔2021〕484号 §三(四) (the national level "及时委托第三方机构评估"); the
default indicators: 484号 §四 ("明确可量化、可考核的目标"), §一「三是易操作、可考核」
("每一项改革举措可操作、可检查、可评估"), §一「二是小切口、大作为」("增强广大科技界、
产业界的获得感"); source 001 ("改革的显示度、对经济发展的贡献度、创新主体的满意度");
sources 000/002 (the experiment regions' evaluation: "统筹推进机制协同、政策协同、主体协同、
资源协同"; "从3年的跟踪评估看", a follow-up over the years; replication "全国或 8个改革试验
区域").
The arithmetic (weighted mean, no score until every indicator is scored, the rating bands, the
locality's weighted mean with its unscored tasks shown) is the platform's (`evaluation.scoring`).

The world: `task_world` (Sichuan's 3 tasks, Guangdong's 3), and a commission of the `evaluator`
user's institute (评估中心) over Sichuan's three tasks and Guangdong's first, with the default
indicator system.
"""

import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from docx import Document
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from evaluation import scoring
from evaluation.errors import EvaluationError
from evaluation.indicators import IndicatorRow, create_default_indicators, default_indicators
from evaluation.models import Commission, Indicator, Recommendation, Score, TaskEvaluation
from evaluation.selectors import scoring as reads
from evaluation.services import scoring as services
from evaluation.templatetags.evaluation_tags import distinct_dimension
from evaluation.views.scoring import task_panel
from kernel.errors import Forbidden
from notifications.models import Notification
from regions.models import Organisation
from tests.conftest import client_for, division, make_user
from tests.test_tasks_fixtures import task_world

EN: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
D = Indicator.Dimension
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def make_commission(
    users, tasks, *, title="2027年度揭榜任务第三方评估", starts_on=None, scope="tasks"
):
    starts_on = starts_on or datetime.date(2027, 1, 1)
    commission = Commission.objects.create(
        title=title,
        evaluator=users["evaluator"].organisation,
        scope=scope,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=180),
        terms_of_reference="对揭榜任务完成情况开展第三方评估。",
        independence="本机构未参与评估范围内任何任务的实施。",
        created_by=users["national"],
    )
    TaskEvaluation.objects.bulk_create(
        TaskEvaluation(commission=commission, task=task) for task in tasks
    )
    create_default_indicators(commission)
    return commission


@pytest.fixture
def world(users):
    w = task_world(users)
    w.commission = make_commission(users, [*w.sichuan_tasks, w.guangdong_tasks[0]])
    w.evaluations = list(w.commission.evaluations.order_by("task__claimant", "task_id"))
    w.first = TaskEvaluation.objects.get(commission=w.commission, task=w.task)
    other = Organisation.objects.create(
        name="另一评估机构", kind="evaluator", division=division("110000")
    )
    users["other_evaluator"] = make_user("other_evaluator", Role.EVALUATOR, organisation=other)
    return w


def rows_all(commission, value, evidence="实地调研记录与佐证材料"):
    return [
        services.ScoreRow(i.pk, Decimal(value), evidence)
        for i in commission.indicators.order_by("position")
    ]


def score_all(evaluation, users, value=Decimal(80), recommendation=Recommendation.NATIONWIDE):
    return services.task_score(
        evaluation=evaluation,
        by=users["evaluator"],
        scores=rows_all(evaluation.commission, value),
        findings="改革举措落地见效。",
        recommendation=recommendation,
    )


def deliver(world, users, value=Decimal(80)):
    for evaluation in world.commission.evaluations.all():
        score_all(evaluation, users, value)
    return services.commission_report(
        commission=world.commission, by=users["evaluator"], findings="总体达到预期目标。"
    )


def english(user):
    client = client_for(user)
    client.defaults.update(EN)
    return client


# The default indicator system ---------------------------------------------------------------


def test_default_indicators_by_scope(world):
    """Every commission starts from the sources' dimensions: 484号 §四 (the plan's quantified
    targets), §一「三是易操作、可考核」 (可操作、可检查、可评估), §一「二是小切口、大作为」
    (获得感 of 科技界、产业界), source 001 (显示度、贡献度、满意度); an experiment region as a
    whole adds source 000/002's 机制协同、政策协同、主体协同、资源协同. Equal weights are the
    platform's starting point."""
    six = [D.ATTAINMENT, D.OPERABILITY, D.GAIN, D.VISIBILITY, D.CONTRIBUTION, D.SATISFACTION]
    assert [row.dimension for row in default_indicators(Commission.Scope.TASKS)] == six
    assert [row.dimension for row in default_indicators(Commission.Scope.PROGRAMME)] == six
    region = [row.dimension for row in default_indicators(Commission.Scope.REGION)]
    assert region == [*six, D.MECHANISM, D.POLICY, D.ACTORS, D.RESOURCES]
    stored = list(world.commission.indicators.order_by("position"))
    assert [i.dimension for i in stored] == six
    assert [i.position for i in stored] == [1, 2, 3, 4, 5, 6]
    assert {i.weight for i in stored} == {Decimal(1)}


# The platform's arithmetic -----------------------------------------------------------------


def test_task_score_is_the_weighted_mean_once_every_indicator_is_scored():
    """Σ(weight × score) / Σweight, rounded half up to one decimal; no score (and no rating)
    while an indicator is unscored, with "n of m" kept (the platform's rule)."""
    result = scoring.task_result([(Decimal(2), Decimal(90)), (Decimal(1), Decimal(60))])
    assert result.score == Decimal("80.0") and result.rating == scoring.GOOD
    assert result.complete and (result.scored, result.indicators) == (2, 2)
    partial = scoring.task_result([(Decimal(2), Decimal(90)), (Decimal(1), None)])
    assert partial.score is None and partial.rating == ""
    assert (partial.scored, partial.indicators) == (1, 2) and not partial.complete
    assert scoring.task_result([]).score is None
    third = scoring.task_result([(Decimal(1), Decimal(70)), (Decimal(2), Decimal("70.1"))])
    assert third.score == Decimal("70.1")  # 70.0666… rounds to 70.1


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        ("100", "excellent"),
        ("90", "excellent"),
        ("89.95", "excellent"),  # the band of the rounded score shown (90.0)
        ("89.9", "good"),
        ("75", "good"),
        ("74.9", "pass"),
        ("60", "pass"),
        ("59.9", "fail"),
        ("0", "fail"),
    ],
)
def test_rating_bands(score, rating):
    """优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60, 不合格 < 60 (the platform's bands)."""
    assert scoring.rating_for(Decimal(score)) == rating
    assert rating in TaskEvaluation.Rating.values


def test_locality_result_shows_unscored_tasks():
    """A locality's score is the task-weighted mean of its scored tasks; while a task is
    unscored it is provisional, counted and without a rating (never silently dropped)."""
    result = scoring.locality_result(
        [(Decimal(1), Decimal(90)), (Decimal(3), Decimal(70)), (Decimal(1), None)]
    )
    assert result.score == Decimal("75.0") and result.tasks == 3 and result.unscored == 1
    assert result.provisional and result.rating == ""
    full = scoring.locality_result([(Decimal(1), Decimal(90)), (Decimal(3), Decimal(70))])
    assert full.score == Decimal("75.0") and full.rating == scoring.GOOD and not full.provisional
    none = scoring.locality_result([(Decimal(1), None)])
    assert none.score is None and none.unscored == 1 and not none.provisional


# The indicator system -----------------------------------------------------------------------


def new_rows():
    return [
        IndicatorRow(D.ATTAINMENT, "量化目标完成程度", "计划值与实际值", Decimal(3)),
        IndicatorRow(D.SATISFACTION, "创新主体满意度", "", Decimal("1.5")),
    ]


def test_national_sets_the_indicators_and_the_evaluator_is_told(world, users):
    created = services.indicators_set(
        commission=world.commission, by=users["national"], rows=new_rows()
    )
    stored = list(world.commission.indicators.order_by("position"))
    assert [(i.position, i.name, i.weight) for i in stored] == [
        (1, "量化目标完成程度", Decimal(3)),
        (2, "创新主体满意度", Decimal("1.5")),
    ]
    assert len(created) == 2
    entry = AuditEntry.objects.get(action="commission.indicators_set")
    assert "量化目标完成程度 ×3" in entry.changes["indicators"][1]
    assert Notification.objects.filter(user=users["evaluator"]).exists()
    assert not Notification.objects.filter(user=users["other_evaluator"]).exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "at least one indicator"),
        ([IndicatorRow(D.GAIN, "  ", "", Decimal(1))], "has no name"),
        ([IndicatorRow(D.GAIN, "获得感", "", Decimal(0))], "greater than zero"),
        ([IndicatorRow("bogus", "获得感", "", Decimal(1))], "dimension"),
    ],
)
def test_indicator_rows_are_checked(world, users, rows, message):
    with pytest.raises(EvaluationError, match=message):
        services.indicators_set(commission=world.commission, by=users["national"], rows=rows)
    assert world.commission.indicators.count() == 6


@pytest.mark.parametrize("who", ["evaluator", "sichuan", "implementer"])
def test_only_the_national_level_sets_indicators(world, users, who):
    with pytest.raises(Forbidden):
        services.indicators_set(commission=world.commission, by=users[who], rows=new_rows())
    assert world.commission.indicators.count() == 6


def test_indicators_are_frozen_once_scoring_starts(world, users):
    services.task_score(
        evaluation=world.first,
        by=users["evaluator"],
        scores=rows_all(world.commission, 80)[:1],
    )
    with pytest.raises(EvaluationError, match="Scoring has started"):
        services.indicators_set(commission=world.commission, by=users["national"], rows=new_rows())
    assert world.commission.indicators.count() == 6
    response = english(users["national"]).get(
        f"/evaluation/commissions/{world.commission.pk}/indicators/"
    )
    assert response.status_code == 302
    response = english(users["national"]).post(
        f"/evaluation/commissions/{world.commission.pk}/indicators/", indicator_post(new_rows())
    )
    assert response.status_code == 200
    assert "Scoring has started" in response.content.decode()
    assert world.commission.indicators.count() == 6


def indicator_post(rows, extra_blank=0):
    data = {
        "indicators-TOTAL_FORMS": str(len(rows) + extra_blank),
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        data |= {
            f"indicators-{n}-dimension": row.dimension,
            f"indicators-{n}-name": row.name,
            f"indicators-{n}-guidance": row.guidance,
            f"indicators-{n}-weight": str(row.weight),
        }
    return data


def test_indicators_page(world, users):
    url = f"/evaluation/commissions/{world.commission.pk}/indicators/"
    client = english(users["national"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Attainment of the quantified targets" in page.content.decode()
    bad = indicator_post([IndicatorRow(D.GAIN, "科技界获得感（新）", "", Decimal(0))])
    response = client.post(url, bad)
    assert response.status_code == 200
    assert "科技界获得感（新）" in response.content.decode()  # what was typed stays
    assert world.commission.indicators.count() == 6
    response = client.post(url, indicator_post(new_rows()))
    assert response.status_code == 302
    assert list(world.commission.indicators.values_list("name", flat=True)) == [
        "量化目标完成程度",
        "创新主体满意度",
    ]
    assert english(users["evaluator"]).get(url).status_code == 403
    assert english(users["sichuan"]).get(url).status_code == 404
    assert english(users["sichuan"]).post(url, indicator_post(new_rows())).status_code == 404


def test_indicators_page_names_the_documents_and_leaves_blank_rows_empty(world, users):
    """The page cites the documents by what they are, not by the project's file numbers; its
    blank rows are blank (no dimension chosen, no weight), so they do not read as indicators,
    and a page saved as it stands keeps the indicator system as it was."""
    url = f"/evaluation/commissions/{world.commission.pk}/indicators/"
    client = english(users["national"])
    page = client.get(url).content.decode()
    for number in ("source 00", "sources 00", "000/002", "材料0"):
        assert number not in page, number
    assert "地方科改十年：回顾及展望" in page
    assert "third-party evaluation of the comprehensive innovation reform experiment" in page
    chinese = client_for(users["national"]).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "材料0" not in chinese.content.decode()
    # The table: its caption for screen readers, the narrow headings kept on one line.
    assert '<caption class="sr-only">' in page
    assert '<th scope="col" class="nowrap">No.</th>' in page
    assert '<th scope="col" class="nowrap">Delete</th>' in page
    # Six indicators, then two blank rows: nothing chosen, no weight.
    for n in (6, 7):
        select = re.search(rf'<select name="indicators-{n}-dimension".*?</select>', page, re.S)
        assert select is not None
        assert select.group(0).count("selected") == 1
        assert '<option value="" selected>' in select.group(0)
        weight = re.search(rf'<input type="number" name="indicators-{n}-weight"[^>]*>', page)
        assert weight is not None and "value=" not in weight.group(0)
    assert re.search(r'name="indicators-0-weight" value="1(\.00)?"', page)
    # Saved as the browser sends it, blank rows included: nothing changes.
    indicators = list(world.commission.indicators.order_by("position"))
    data = indicator_post(
        [IndicatorRow(i.dimension, i.name, i.guidance, i.weight) for i in indicators]
    )
    data |= {"indicators-TOTAL_FORMS": "8", "indicators-INITIAL_FORMS": "6"}
    for n in (6, 7):
        data |= {
            f"indicators-{n}-dimension": "",
            f"indicators-{n}-name": "",
            f"indicators-{n}-guidance": "",
            f"indicators-{n}-weight": "",
        }
    assert client.post(url, data).status_code == 302
    after = list(world.commission.indicators.order_by("position"))
    assert [(i.dimension, i.name, i.weight) for i in after] == [
        (i.dimension, i.name, i.weight) for i in indicators
    ]
    # A filled row without a dimension is refused, and says so beside the field.
    data |= {"indicators-6-name": "新增指标", "indicators-6-weight": "1"}
    refused = client.post(url, data)
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert world.commission.indicators.count() == 6


def test_the_dimension_shows_only_when_it_differs_from_the_name(world, users):
    """The default indicators are often named after their dimension: the tables and legends
    name the dimension only when it says something the name does not."""
    operable = Indicator(dimension=D.OPERABILITY, name="Operable, checkable, assessable")
    visible = Indicator(dimension=D.VISIBILITY, name="Visibility of the reform")
    assert distinct_dimension(operable) == ""
    assert distinct_dimension(visible) == "visibility"
    with translation.override("zh-hans"):
        same = Indicator(dimension=D.OPERABILITY, name="可操作、可检查、可评估")
        assert distinct_dimension(same) == ""
        other = Indicator(dimension=D.VISIBILITY, name="改革的显示度")
        assert distinct_dimension(other) == "显示度"
    # The commission's indicators named in Chinese, read in Chinese.
    world.commission.indicators.filter(dimension=D.OPERABILITY).update(
        name="可操作、可检查、可评估"
    )
    world.commission.indicators.filter(dimension=D.VISIBILITY).update(name="改革的显示度")
    twice = "可操作、可检查、可评估 · 可操作、可检查、可评估"
    pages = {
        "commission": (users["national"], f"/evaluation/commissions/{world.commission.pk}/"),
        "score": (users["evaluator"], f"/evaluation/evaluations/{world.first.pk}/score/"),
        "evaluation": (users["national"], f"/evaluation/evaluations/{world.first.pk}/"),
    }
    for name, (user, url) in pages.items():
        html = client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert twice not in html, name
        # The row (or the legend) of each: the name once, the dimension only where it differs.
        rows = [re.search(rf'data-indicator="{n}".*?</(tr|legend)>', html, re.S) for n in (2, 4)]
        assert rows[0] is not None and rows[1] is not None, name
        assert rows[0].group(0).count("可操作、可检查、可评估") == 1, name
        assert rows[1].group(0).count("显示度") == 2, name  # 改革的显示度, then 显示度


# Scoring ------------------------------------------------------------------------------------


def test_evidence_is_required_for_every_score(world, users):
    rows = rows_all(world.commission, 80)
    rows[2] = services.ScoreRow(rows[2].indicator_id, Decimal(80), "  ")
    with pytest.raises(EvaluationError, match="evidence"):
        services.task_score(evaluation=world.first, by=users["evaluator"], scores=rows)
    assert not Score.objects.exists()
    rows[2] = services.ScoreRow(rows[2].indicator_id, None, "只有佐证没有分数")
    with pytest.raises(EvaluationError, match="Give the score"):
        services.task_score(evaluation=world.first, by=users["evaluator"], scores=rows)
    rows[2] = services.ScoreRow(rows[2].indicator_id, Decimal(101), "超出范围")
    with pytest.raises(EvaluationError, match="between 0 and 100"):
        services.task_score(evaluation=world.first, by=users["evaluator"], scores=rows)
    assert not Score.objects.exists()


def test_partial_then_full_scoring(world, users):
    indicators = list(world.commission.indicators.order_by("position"))
    first = services.task_score(
        evaluation=world.first,
        by=users["evaluator"],
        scores=[services.ScoreRow(indicators[0].pk, Decimal(95), "目标全部完成")],
    )
    assert first.score is None and first.rating == ""
    assert reads.sheet(first).result.scored == 1
    values = [Decimal(v) for v in ("95", "90", "80", "70", "60", "85")]
    done = services.task_score(
        evaluation=world.first,
        by=users["evaluator"],
        scores=[
            services.ScoreRow(i.pk, v, "佐证") for i, v in zip(indicators, values, strict=True)
        ],
        findings="目标全部完成。",
        recommendation=Recommendation.EXPERIMENT_REGIONS,
    )
    assert done.score == Decimal("80.0") and done.rating == "good"
    assert done.recommendation == Recommendation.EXPERIMENT_REGIONS
    entries = AuditEntry.objects.filter(action="commission.scored").order_by("pk")
    last = entries.last()
    assert last is not None
    assert entries.count() == 2 and last.note == str(world.task)
    assert last.changes["score"] == [None, "80.0"]
    # A score cleared is removed: the task has no score again.
    cleared = services.task_score(
        evaluation=world.first,
        by=users["evaluator"],
        scores=[services.ScoreRow(indicators[5].pk, None, "")],
        findings="目标全部完成。",
        recommendation=Recommendation.EXPERIMENT_REGIONS,
    )
    assert cleared.score is None and cleared.rating == "" and cleared.scores.count() == 5


@pytest.mark.parametrize("who", ["other_evaluator", "national", "sichuan", "implementer"])
def test_only_the_commissions_evaluator_scores(world, users, who):
    with pytest.raises(Forbidden):
        services.task_score(
            evaluation=world.first, by=users[who], scores=rows_all(world.commission, 80)
        )
    assert not Score.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_evaluator", 404), ("national", 403), ("sichuan", 404), ("implementer", 404)],
)
def test_scoring_page_refuses_others(world, users, who, status):
    url = f"/evaluation/evaluations/{world.first.pk}/score/"
    client = english(users[who])
    assert client.get(url).status_code == status
    assert client.post(url, score_post(world.commission, 80)).status_code == status
    assert not Score.objects.exists()


def score_post(commission, value, evidence="座谈记录", **extra):
    data = {"findings": "成效明显", "recommendation": Recommendation.NATIONWIDE}
    for indicator in commission.indicators.all():
        data[f"score_{indicator.pk}"] = str(value)
        data[f"evidence_{indicator.pk}"] = evidence
    return data | extra


def test_scoring_page(world, users, media_root):
    from tests.test_evaluation_fixtures import close_task

    close_task(world, users)
    url = f"/evaluation/evaluations/{world.first.pk}/score/"
    client = english(users["evaluator"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-part="close-out-targets"' in html and "培育技术经理人" in html
    assert "0 of 6 indicators scored" in html
    first = world.commission.indicators.order_by("position").first()
    missing = score_post(world.commission, 77, **{f"evidence_{first.pk}": ""})
    response = client.post(url, missing)
    assert response.status_code == 200
    assert "Give the evidence for this score." in response.content.decode()
    assert 'value="77"' in response.content.decode()  # what was typed stays
    assert not Score.objects.exists()
    response = client.post(url, score_post(world.commission, 77))
    assert response.status_code == 302
    world.first.refresh_from_db()
    assert world.first.score == Decimal("77.0") and world.first.rating == "good"
    detail = client.get(f"/evaluation/evaluations/{world.first.pk}/").content.decode()
    assert 'data-field="scored">6 / 6' in detail and "座谈记录" in detail


# Delivery -----------------------------------------------------------------------------------


def test_delivery_needs_every_task_scored_with_a_recommendation(world, users):
    commission = world.commission
    for evaluation in world.evaluations[:-1]:
        score_all(evaluation, users)
    with pytest.raises(EvaluationError, match="not fully scored"):
        services.commission_report(commission=commission, by=users["evaluator"], findings="结论")
    services.task_score(
        evaluation=world.evaluations[-1],
        by=users["evaluator"],
        scores=rows_all(commission, 50),
        findings="进展滞后",
    )
    with pytest.raises(EvaluationError, match="no recommendation"):
        services.commission_report(commission=commission, by=users["evaluator"], findings="结论")
    with pytest.raises(EvaluationError, match="overall findings"):
        services.commission_report(commission=commission, by=users["evaluator"], findings=" ")
    commission.refresh_from_db()
    assert commission.state == Commission.State.IN_PROGRESS
    page = english(users["evaluator"]).get(
        f"/evaluation/commissions/{commission.pk}/report/deliver/"
    )
    assert page.status_code == 200
    assert 'data-gap="recommendation"' in page.content.decode()


def test_delivery_freezes_the_scores_and_tells_national_and_localities(world, users):
    # Only what this test does, not the hand-off messages of setting the world up (issue #12).
    Notification.objects.all().delete()
    for who in ("national", "other_evaluator", "sichuan"):
        with pytest.raises(Forbidden):
            services.commission_report(commission=world.commission, by=users[who], findings="结论")
    for evaluation in world.commission.evaluations.all():
        score_all(evaluation, users)
    url = f"/evaluation/commissions/{world.commission.pk}/report/deliver/"
    client = english(users["evaluator"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"findings": ""}).status_code == 200
    response = client.post(url, {"findings": "总体达到预期目标。"})
    assert response.status_code == 302
    commission = Commission.objects.get(pk=world.commission.pk)
    assert commission.state == Commission.State.REPORTED and commission.reported_at
    assert commission.findings == "总体达到预期目标。"
    assert AuditEntry.objects.filter(action="commission.reported").count() == 1
    for who in ("national", "sichuan", "guangdong"):
        assert Notification.objects.filter(user=users[who]).exists(), who
    assert not Notification.objects.filter(user=users["implementer"]).exists()
    # Nothing after delivery.
    with pytest.raises(EvaluationError, match="already been delivered"):
        services.commission_report(commission=commission, by=users["evaluator"], findings="再交")
    with pytest.raises(EvaluationError, match="final"):
        score_all(world.first, users, Decimal(10))
    score_url = f"/evaluation/evaluations/{world.first.pk}/score/"
    assert client.get(score_url).status_code == 302
    response = client.post(score_url, score_post(commission, 10))
    assert response.status_code == 200 and "final" in response.content.decode()
    assert not Score.objects.filter(value=Decimal(10)).exists()
    assert client.get(url).status_code == 302
    with pytest.raises(EvaluationError, match="final"):
        services.indicators_set(commission=commission, by=users["national"], rows=new_rows())


def test_locality_reads_its_evaluation_only_after_delivery(world, users):
    url = f"/evaluation/evaluations/{world.first.pk}/"
    assert english(users["sichuan"]).get(url).status_code == 404
    assert english(users["national"]).get(url).status_code == 200
    deliver(world, users)
    page = english(users["sichuan"]).get(url)
    assert page.status_code == 200
    assert "Score this task" not in page.content.decode()
    assert english(users["guangdong"]).get(url).status_code == 404
    assert english(users["other_evaluator"]).get(url).status_code == 404


# Ratings ------------------------------------------------------------------------------------


def test_locality_ratings_with_an_unscored_task(world, users):
    tasks = world.sichuan_tasks
    tasks[0].weight = Decimal(3)
    tasks[0].save(update_fields=["weight"])
    by_task = {e.task_id: e for e in world.evaluations}
    score_all(by_task[tasks[0].pk], users, Decimal(90))
    score_all(by_task[tasks[1].pk], users, Decimal(70))
    score_all(by_task[world.guangdong_tasks[0].pk], users, Decimal(55))
    rows = {row.claimant.pk: row for row in reads.locality_rows(world.commission)}
    sichuan = rows[world.sichuan.pk].result
    assert sichuan.score == Decimal("85.0")  # (3×90 + 1×70) / 4, the third task unscored
    assert (sichuan.tasks, sichuan.unscored, sichuan.rating) == (3, 1, "")
    assert sichuan.provisional
    guangdong = rows[world.guangdong.pk]
    assert guangdong.result.rating == "fail" and guangdong.rating_label == "fail"
    html = Template("{% load evaluation_tags %}{% commission_scoring commission user %}").render(
        Context({"commission": world.commission, "user": users["national"]})
    )
    assert f'data-claimant="{world.sichuan.pk}"' in html
    assert "(provisional: 2 of 3 tasks scored)" in html
    assert "Rules of this platform" in html
    assert "Change the indicator system" not in html  # scoring has started
    hidden = Template("{% load evaluation_tags %}{% commission_scoring commission user %}").render(
        Context({"commission": world.commission, "user": users["sichuan"]})
    )
    assert "scoring-heading" not in hidden


def test_commission_page_shows_the_scoring(world, users):
    html = english(users["national"]).get(f"/evaluation/commissions/{world.commission.pk}/")
    assert html.status_code == 200
    text = html.content.decode()
    assert 'id="scoring"' in text and "Change the indicator system" in text
    evaluator = english(users["evaluator"]).get(f"/evaluation/commissions/{world.commission.pk}/")
    # Nothing is delivered yet: no upload offered, the evaluator is told when it will be.
    assert "Upload the signed report" not in evaluator.content.decode()
    assert "Once the report is delivered" in evaluator.content.decode()
    # The exports read as everywhere else in the platform.
    assert "Export to Excel" in text and "(.xlsx)" not in text
    assert "Download the evaluation report (Word)" in text
    deliver(world, users)
    evaluator = english(users["evaluator"]).get(f"/evaluation/commissions/{world.commission.pk}/")
    assert "Upload the signed report" in evaluator.content.decode()
    national = english(users["national"]).get(f"/evaluation/commissions/{world.commission.pk}/")
    assert "Upload the signed report" not in national.content.decode()


# The report ---------------------------------------------------------------------------------


def read_docx(response):
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            text.extend(cell.text for cell in row.cells)
    return "\n".join(text)


def test_report_docx(world, users):
    deliver(world, users, Decimal(92))
    response = english(users["national"]).get(
        f"/evaluation/commissions/{world.commission.pk}/report/"
    )
    assert "evaluation-report" in response["Content-Disposition"]
    text = read_docx(response)
    assert "评估中心" in text  # the evaluator
    assert "国家发展改革委、科技部" in text  # the commissioning authority, 484号 §三(四)
    assert world.commission.title in text
    assert "Attainment of the quantified targets" in text
    assert "excellent" in text  # the ratings, of the tasks and the localities
    assert str(world.sichuan) in text and str(world.guangdong) in text
    assert world.task.title in text and "改革举措落地见效。" in text
    assert "总体达到预期目标。" in text and "replicate nationwide" in text
    assert "实地调研记录与佐证材料" in text


def test_report_docx_before_delivery_says_draft(world, users):
    text = read_docx(
        english(users["evaluator"]).get(f"/evaluation/commissions/{world.commission.pk}/report/")
    )
    assert "not been delivered" in text
    assert (
        english(users["sichuan"])
        .get(f"/evaluation/commissions/{world.commission.pk}/report/")
        .status_code
        == 404
    )


def test_signed_report_replaces_the_generated_one(world, users, media_root):
    deliver(world, users)
    url = f"/evaluation/commissions/{world.commission.pk}/report/upload/"
    national = english(users["national"])
    assert national.get(url).status_code == 403
    assert english(users["other_evaluator"]).get(url).status_code == 404
    client = english(users["evaluator"])
    png = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    response = client.post(url, {"file": png})
    assert response.status_code == 200 and "PDF, OFD or Word" in response.content.decode()
    fake = SimpleUploadedFile("报告.pdf", b"not a pdf")
    assert client.post(url, {"file": fake}).status_code == 200
    assert not Commission.objects.get(pk=world.commission.pk).report_file
    signed = SimpleUploadedFile("评估报告（签章）.pdf", PDF, content_type="application/pdf")
    assert client.post(url, {"file": signed}).status_code == 302
    commission = Commission.objects.get(pk=world.commission.pk)
    assert commission.report_file_name == "评估报告（签章）.pdf"
    download = national.get(f"/evaluation/commissions/{commission.pk}/report/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    generated = national.get(f"/evaluation/commissions/{commission.pk}/report/generated/")
    assert "评估中心" in read_docx(generated)
    entry = AuditEntry.objects.get(action="commission.report_uploaded")
    assert entry.changes["report_file_name"] == [None, "评估报告（签章）.pdf"]
    assert (
        Notification.objects.filter(user=users["national"], url__contains="commissions").count()
        == 2
    )
    with pytest.raises(Forbidden):
        services.report_upload(
            commission=commission,
            by=users["national"],
            upload=SimpleUploadedFile("x.pdf", PDF),
        )


def test_the_signed_report_is_refused_before_the_report_is_delivered(world, users, media_root):
    """The platform's rule: what the evaluator signs is the delivered report, so the signed
    file cannot replace the generated one while the evaluation is in progress."""
    url = f"/evaluation/commissions/{world.commission.pk}/report/upload/"
    client = english(users["evaluator"])
    page = client.get(url, follow=True)
    assert page.redirect_chain[-1][0] == f"/evaluation/commissions/{world.commission.pk}/"
    assert "once the evaluation report is delivered" in page.content.decode()
    signed = SimpleUploadedFile("评估报告（签章）.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"file": signed})
    assert response.status_code == 200
    assert "once the evaluation report is delivered" in response.content.decode()
    with pytest.raises(EvaluationError, match="once the evaluation report is delivered"):
        services.report_upload(
            commission=world.commission,
            by=users["evaluator"],
            upload=SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf"),
        )
    commission = Commission.objects.get(pk=world.commission.pk)
    assert not commission.report_file and commission.report_file_name == ""
    assert not AuditEntry.objects.filter(action="commission.report_uploaded").exists()
    assert not services.can_upload_report(users["evaluator"], commission)
    assert english(users["national"]).get(url).status_code == 403
    # Once delivered, the same upload goes through.
    deliver(world, users)
    commission = Commission.objects.get(pk=world.commission.pk)
    assert services.can_upload_report(users["evaluator"], commission)
    assert not services.can_upload_report(users["national"], commission)
    assert client.get(url).status_code == 200
    signed = SimpleUploadedFile("评估报告（签章）.pdf", PDF, content_type="application/pdf")
    assert client.post(url, {"file": signed}).status_code == 302
    assert Commission.objects.get(pk=commission.pk).report_file_name == "评估报告（签章）.pdf"


# The task page: rounds in order -----------------------------------------------------------


def test_task_panel_shows_rounds_in_order(world, users):
    """A follow-up over the years (source 000: "从3年的跟踪评估看"): the task lists its
    evaluations oldest first, whatever order they were commissioned in."""
    later = make_commission(
        users, [world.task], title="2028年度跟踪评估", starts_on=datetime.date(2028, 3, 1)
    )
    earlier = world.commission
    assert later.pk > earlier.pk
    second = TaskEvaluation.objects.get(commission=later, task=world.task)
    panel = task_panel(users["national"], world.task)
    assert panel is not None
    assert [e.commission_id for e in panel["evaluations"]] == [earlier.pk, later.pk]
    # The locality sees a round once its report is delivered.
    assert task_panel(users["sichuan"], world.task) is None
    score_all(second, users, Decimal(66))
    services.commission_report(commission=later, by=users["evaluator"], findings="跟踪评估结论")
    panel = task_panel(users["sichuan"], world.task)
    assert panel is not None
    assert [e.pk for e in panel["evaluations"]] == [second.pk]
    deliver(world, users)
    panel = task_panel(users["sichuan"], world.task)
    assert panel is not None
    assert [e.commission.title for e in panel["evaluations"]] == [earlier.title, later.title]
    html = english(users["sichuan"]).get(f"/tasks/{world.task.pk}/").content.decode()
    assert html.index("2027年度揭榜任务第三方评估") < html.index("2028年度跟踪评估")
    assert 'data-round="2"' in html
    # The short headings stay on one line.
    for heading in ("Round", "Rating"):
        assert f'<th scope="col" class="nowrap">{heading}</th>' in html
    assert task_panel(users["guangdong"], world.task) is None


def test_the_choice_of_evaluated_tasks_keeps_its_heading_on_one_line(world, users):
    deliver(world, users)
    html = english(users["national"]).get("/evaluation/outcomes/choose/").content.decode()
    assert world.task.title in html
    assert '<th scope="col" class="nowrap">Choose</th>' in html


# The export --------------------------------------------------------------------------------


def test_scores_xlsx(world, users):
    score_all(world.first, users, Decimal(88))
    response = english(users["evaluator"]).get(
        f"/evaluation/commissions/{world.commission.pk}/scores/xlsx/"
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Tasks", "Scores", "Localities", "Indicator system"]
    tasks = list(workbook["Tasks"].iter_rows(min_row=2, values_only=True))
    assert tasks[0][:5] == ("Locality", "Task", "Indicators scored", "Score", "Rating")
    first = next(row for row in tasks if row[1] == world.task.title)
    assert first[2:5] == ("6/6", 88, "good")
    assert sum(1 for row in tasks[1:] if row[2] == "0/6") == 3
    scores = list(workbook["Scores"].iter_rows(min_row=2, values_only=True))
    assert len(scores) == 1 + 6 and scores[1][6] == "实地调研记录与佐证材料"
    localities = list(workbook["Localities"].iter_rows(values_only=True))
    sichuan = next(row for row in localities if row[0] == str(world.sichuan))
    assert sichuan[1:5] == (3, 2, 88, "yes")
    assert (
        english(users["sichuan"])
        .get(f"/evaluation/commissions/{world.commission.pk}/scores/xlsx/")
        .status_code
        == 404
    )


def test_scores_page_filters(world, users):
    score_all(world.first, users, Decimal(95))
    url = f"/evaluation/commissions/{world.commission.pk}/scores/"
    client = english(users["national"])
    page = client.get(url).content.decode()
    assert page.count("data-task=") == 4
    rated = client.get(url, {"rating": "excellent"}).content.decode()
    assert rated.count("data-task=") == 1 and f'data-task="{world.task.pk}"' in rated
    unscored = client.get(url, {"rating": "unscored", "claimant": world.sichuan.pk})
    assert unscored.content.decode().count("data-task=") == 2
    assert english(users["other_evaluator"]).get(url).status_code == 404


# Bounded queries ---------------------------------------------------------------------------


def _counts(client, urls):
    found = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        found.append(len(queries))
    return found


def test_pages_do_not_grow_with_the_tasks(world, users, django_assert_max_num_queries):
    """The scores page, the export, the report and the commission's scoring part read the
    same number of queries for 4 tasks as for 6."""
    for evaluation in world.evaluations:
        score_all(evaluation, users)
    client = english(users["evaluator"])
    pk = world.commission.pk
    urls = [
        f"/evaluation/commissions/{pk}/",
        f"/evaluation/commissions/{pk}/scores/",
        f"/evaluation/commissions/{pk}/scores/xlsx/",
        f"/evaluation/commissions/{pk}/report/",
        f"/evaluation/commissions/{pk}/report/deliver/",
        f"/evaluation/evaluations/{world.first.pk}/score/",
    ]
    before = _counts(client, urls)
    for task in world.guangdong_tasks[1:]:
        score_all(TaskEvaluation.objects.create(commission=world.commission, task=task), users)
    after = _counts(client, urls)
    assert after == before
    tag = Template("{% load evaluation_tags %}{% commission_scoring commission user %}")
    with django_assert_max_num_queries(8):
        tag.render(Context({"commission": world.commission, "user": users["evaluator"]}))
