"""Incentives (激励). 484号 §三(四): "国家发展改革委、科技部研究采取适当方式，对完成改革任务较好的
地方、单位进行激励，并优先支持其承担创新创业创造等重大项目" — so the ranking's formula is the
platform's rule, shown beside it and changed by the national level alone (each change on the
trail); the beneficiary of a decision is a 地方 (locality) or a 单位 (unit), and priority support
for major projects is kept in a register other systems read. 484号 §四: "要研究制定和落实容错
纠错机制，鼓励改革实施主体大胆探索" — a tolerated failure is not held against a locality."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from docx import Document
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from audit.models import AuditEntry
from claims.models import Claim, Claimant, TaskNotice
from evaluation import ranking
from evaluation.errors import EvaluationError
from evaluation.models import IncentiveDecision, RankingFormula, Recommendation
from evaluation.selectors.ranking import formula_in_force, ranking_of
from evaluation.services import incentives as services
from kernel.errors import Forbidden
from notifications.models import Notification
from regions.models import Division, Organisation
from tasks.models import Implementer, Task
from tests.conftest import client_for
from tests.test_evaluation_outcomes import close, delivered, english
from tests.test_tasks_fixtures import task_world

W = ranking.Weights(Decimal(40), Decimal(50), Decimal(10))


@pytest.fixture(autouse=True)
def english_messages():
    """Rules' messages in English; a request in the test switches to its own language, so
    checks after one wrap themselves in translation.override("en")."""
    with translation.override("en"):
        yield


def figures(name: str, **values) -> ranking.Figures:
    return ranking.Figures(key=hash(name) % 10_000, name=name, **values)


# The ranking, computed -----------------------------------------------------------------------


def test_the_score_is_the_weighted_mean_and_equal_scores_share_a_rank():
    rows = ranking.rank(
        [
            # 1 of 2 due completed (50), scored 80, progress 60: 0.4*50+0.5*80+0.1*60 = 66
            figures(
                "甲",
                tasks=2,
                completed=1,
                failed=1,
                score_sum=Decimal(80),
                scored=1,
                progress_sum=Decimal(120),
                progress_count=2,
            ),
            # 100, 50, 60 → 40+25+6 = 71
            figures(
                "乙",
                tasks=1,
                completed=1,
                score_sum=Decimal(50),
                scored=1,
                progress_sum=Decimal(60),
                progress_count=1,
            ),
            # the same figures as 甲: tied with it
            figures(
                "丙",
                tasks=2,
                completed=1,
                failed=1,
                score_sum=Decimal(80),
                scored=1,
                progress_sum=Decimal(120),
                progress_count=2,
            ),
            figures(
                "丁",
                tasks=1,
                completed=0,
                failed=1,
                score_sum=Decimal(10),
                scored=1,
                progress_sum=Decimal(0),
                progress_count=1,
            ),
        ],
        W,
    )
    assert [(r.name, r.score, r.rank, r.tied) for r in rows] == [
        ("乙", Decimal("71.0"), 1, False),
        ("丙", Decimal("66.0"), 2, True),  # tied, then by name
        ("甲", Decimal("66.0"), 2, True),
        ("丁", Decimal("5.0"), 4, False),  # the next rank skips the tied place
    ]


def test_a_missing_evaluation_renormalises_the_other_weights_and_says_so():
    (row,) = ranking.rank(
        [figures("甲", tasks=1, completed=1, progress_sum=Decimal(50), progress_count=1)], W
    )
    # completion 100 at 40/(40+10) = 80 %, progress 50 at 20 %: 90, not 100*0.4+50*0.1 = 45
    assert row.score == Decimal("90.0")
    assert row.missing == [ranking.EVALUATION]
    assert row.shares == {ranking.COMPLETION: Decimal("80.0"), ranking.PROGRESS: Decimal("20.0")}
    assert row.renormalised


def test_a_row_with_nothing_to_rank_on_is_listed_last_without_a_rank():
    rows = ranking.rank(
        [
            figures("甲", tasks=1, open_not_due=1),  # nothing due, no evaluation, no progress
            figures("乙", tasks=1, completed=1, progress_sum=Decimal(0), progress_count=1),
        ],
        ranking.Weights(Decimal(0), Decimal(1), Decimal(0)),  # only the evaluation counts
    )
    assert [(r.name, r.rank, r.score) for r in rows] == [("乙", None, None), ("甲", None, None)]


def test_a_tolerated_failure_is_left_out_of_every_component():
    """484号 §四 (容错纠错) and §三(四): a failure the mechanism tolerated is not counted against
    the locality — it is neither due, nor in the means."""
    base = figures("甲", tasks=2, completed=1, progress_sum=Decimal(100), progress_count=1)
    tolerated = figures(
        "甲", tasks=2, completed=1, tolerated=1, progress_sum=Decimal(100), progress_count=1
    )
    assert ranking.completion(tolerated) == ranking.completion(base) == Decimal(100)
    assert ranking.score_row(tolerated, W).score == ranking.score_row(base, W).score


# The ranking from the records ----------------------------------------------------------------


@pytest.fixture
def world(users):
    w = task_world(users)
    national, institute = users["national"], users["evaluator"].organisation
    s1, s2, s3 = w.sichuan_tasks
    g1, g2, g3 = w.guangdong_tasks
    close(s1, users["implementer"])
    w.s1_eval = delivered(s1, national, institute, score="90.0")
    close(s2, users["sichuan"], completed=False, tolerated=True)  # tolerated failure
    # s3 open, its expected end still ahead.
    close(g1, users["sichuan"])
    w.g1_eval = delivered(g1, national, institute, score="80.0")
    close(g2, users["sichuan"], completed=False)  # failure, not tolerated
    Task.objects.filter(pk__in=[s1.pk, g1.pk]).update(progress=Decimal(100))
    Task.objects.filter(pk__in=[s2.pk, g2.pk]).update(progress=Decimal(40))
    w.institute = institute
    return w


def row_of(rows, name):
    (found,) = [r for r in rows if r.name == name]
    return found


def test_the_ranking_reads_completion_evaluation_and_progress_from_the_tasks(world, users):
    result = ranking_of(world.programme)
    assert result.formula.is_default
    sichuan = row_of(result.localities, "四川省")
    guangdong = row_of(result.localities, "广东省")
    # 四川: s1 completed; s2 a tolerated failure, left out; s3 open, not due. Completion 1/1.
    assert (sichuan.figures.due, sichuan.figures.tolerated) == (1, 1)
    assert sichuan.completion == Decimal("100.0")
    assert sichuan.evaluation == Decimal("90.0")
    assert sichuan.progress == Decimal("50.0")  # (100 + 0) / 2, the tolerated 40 left out
    # 0.4*100 + 0.5*90 + 0.1*50 = 90
    assert sichuan.score == Decimal("90.0") and sichuan.rank == 1
    # 广东: g1 completed, g2 failed (counted), g3 open. 1/2, 80, (100+40+0)/3.
    assert guangdong.completion == Decimal("50.0")
    assert guangdong.progress == Decimal("46.7")
    assert guangdong.score == Decimal("64.7") and guangdong.rank == 2
    # Units: each ranked on the tasks it leads.
    unit = row_of(result.units, "四川省科学技术厅")
    assert unit.figures.tasks == 1 and unit.completion == Decimal("100.0")
    assert row_of(result.units, "中山大学").figures.tasks == 3


def test_an_open_task_past_its_expected_end_is_due(world, users):
    world.programme.implementation_months = 6  # notices of 2026-01-01: ended on 2026-07-01
    world.programme.save()
    result = ranking_of(world.programme, today=datetime.date(2026, 12, 1))
    sichuan = row_of(result.localities, "四川省")
    assert sichuan.figures.due == 2 and sichuan.completion == Decimal("50.0")
    before = ranking_of(world.programme, today=datetime.date(2026, 6, 1))
    assert row_of(before.localities, "四川省").figures.due == 1


def test_the_latest_delivered_evaluation_counts(world, users):
    later = world.s1_eval.commission.reported_at + datetime.timedelta(days=365)
    delivered(
        world.sichuan_tasks[0], users["national"], world.institute, score="60.0", reported_at=later
    )
    delivered(
        world.sichuan_tasks[0], users["national"], world.institute, score="10.0", reported=False
    )  # not delivered: not counted
    sichuan = row_of(ranking_of(world.programme).localities, "四川省")
    assert sichuan.evaluation == Decimal("60.0") and sichuan.figures.scored == 1


def test_the_page_shows_the_formula_missing_evaluations_ties_and_tolerated_failures(world, users):
    client = english(users["national"])
    # 广东's evaluation withdrawn from the count: its report not delivered.
    world.g1_eval.commission.state = "in_progress"
    world.g1_eval.commission.reported_at = None
    world.g1_eval.commission.save()
    page = client.get(reverse("evaluation:ranking")).content.decode()
    assert "The platform's rule." in page
    assert "适当方式" in page
    assert "default weights" in page  # no formula row yet: the model's 40/50/10
    assert "No evaluation yet: ranked on the other components (completion 80.0%" in page
    assert "1 tolerated failure, not counted" in page
    assert "tied" not in page.split("Implementing units (lead)")[0].split("<tbody>")[-1]

    # Two localities with the same figures share the rank, marked tied.
    Task.objects.filter(pk=world.guangdong_tasks[1].pk).update(closure="completed")
    Task.objects.filter(pk__in=[t.pk for t in world.guangdong_tasks]).update(progress=0)
    Task.objects.filter(pk__in=[t.pk for t in world.sichuan_tasks]).update(progress=0)
    world.g1_eval.commission.state = "reported"
    world.g1_eval.commission.reported_at = world.s1_eval.commission.reported_at
    world.g1_eval.commission.save()
    world.g1_eval.score = Decimal("90.0")
    world.g1_eval.save()
    result = ranking_of(world.programme)
    ranks = [(r.name, r.rank, r.tied) for r in result.localities]
    assert ("四川省", 1, True) in ranks and ("广东省", 1, True) in ranks
    page = client.get(reverse("evaluation:ranking")).content.decode()
    assert page.count('<span class="badge returned">tied</span>') >= 2


def test_the_ranking_exports_with_its_formula(world, users):
    response = english(users["national"]).get(
        reverse("evaluation:ranking_xlsx"), {"programme": world.programme.pk}
    )
    book = load_workbook(io.BytesIO(response.content))
    localities = list(book["Localities"].iter_rows(values_only=True))
    assert world.programme.title in str(localities[0][0])  # in the filter line
    assert localities[1][:4] == ("Rank", "Tied", "Locality", "Score")
    assert localities[2][:4] == (1, None, "四川省", 90.0)
    assert localities[2][10] == 1  # the tolerated failure, shown as a count
    formula = list(book["Formula"].iter_rows(values_only=True))
    assert formula[1] == ("completion", 40.0, 40.0)
    assert "适当方式" in str(formula[-1][0])


def test_the_ranking_is_the_national_levels(world, users):
    for name in ("sichuan", "implementer", "evaluator", "public"):
        client = client_for(users[name])
        assert client.get(reverse("evaluation:ranking")).status_code == 403, name
        assert client.get(reverse("evaluation:ranking_xlsx")).status_code == 403, name


# The formula ---------------------------------------------------------------------------------


def test_the_national_level_changes_the_formula_with_a_reason_on_the_trail(world, users):
    national = users["national"]
    client = english(national)
    url = reverse("evaluation:ranking_formula")
    assert client.get(url).status_code == 200
    weights = {"completion": "70", "evaluation": "30", "progress": "0"}
    refused = client.post(url, {**weights, "reason": ""})
    assert refused.status_code == 200 and not RankingFormula.objects.exists()
    response = client.post(
        url, {"completion": "70", "evaluation": "30", "progress": "0", "reason": "突出完成情况"}
    )
    assert response.status_code == 302
    row = RankingFormula.objects.get()
    assert (row.completion_weight, row.evaluation_weight, row.progress_weight) == (70, 30, 0)
    assert row.changed_by == national and row.note == "突出完成情况"
    entry = AuditEntry.objects.get(action="ranking.formula_changed")
    assert entry.changes["completion_weight"] == ["40", "70"]
    assert entry.note == "突出完成情况"
    # Applied: 四川 100 and 90 at 70/30 = 97; progress no longer counts.
    sichuan = row_of(ranking_of(world.programme).localities, "四川省")
    assert sichuan.score == Decimal("97.0")
    assert not formula_in_force().is_default
    page = client.get(reverse("evaluation:ranking")).content.decode()
    assert "突出完成情况" in page
    assert "突出完成情况" in client.get(url).content.decode()  # the history of changes

    with pytest.raises(EvaluationError, match="in force already"):
        services.formula_change(
            by=national,
            completion=Decimal(70),
            evaluation=Decimal(30),
            progress=Decimal(0),
            reason="再改",
        )
    with pytest.raises(EvaluationError, match="more than 0"):
        services.formula_change(
            by=national,
            completion=Decimal(0),
            evaluation=Decimal(0),
            progress=Decimal(0),
            reason="全零",
        )
    assert RankingFormula.objects.count() == 1


def test_nobody_else_changes_the_formula(world, users):
    for name in ("sichuan", "implementer", "evaluator"):
        response = client_for(users[name]).post(
            reverse("evaluation:ranking_formula"),
            {"completion": "1", "evaluation": "1", "progress": "1", "reason": "试图修改"},
        )
        assert response.status_code == 403, name
        with pytest.raises(Forbidden):
            services.formula_change(
                by=users[name],
                completion=Decimal(1),
                evaluation=Decimal(1),
                progress=Decimal(1),
                reason="试图修改",
            )
    assert not RankingFormula.objects.exists()
    assert not AuditEntry.objects.filter(action="ranking.formula_changed").exists()


# Decisions -----------------------------------------------------------------------------------


def decide(w, users, **overrides) -> IncentiveDecision:
    values = {
        "by": users["national"],
        "claimant": w.sichuan,
        "form": IncentiveDecision.Form.COMMENDATION,
        "reason": "改革任务完成较好",
        "approving_authority": "国家发展改革委、科技部",
        "decided_on": datetime.date(2027, 3, 1),
        "document_number": "发改高技〔2027〕12号",
        "evaluations": [w.s1_eval],
    }
    values.update(overrides)
    return services.incentive_decide(**values)


def test_a_decision_has_one_beneficiary_and_rests_on_its_own_evaluations(world, users):
    sysu = Organisation.objects.get(name="中山大学")
    with pytest.raises(EvaluationError, match="one beneficiary"):
        decide(world, users, organisation=sysu)
    with pytest.raises(EvaluationError, match="one beneficiary"):
        decide(world, users, claimant=None)
    with pytest.raises(EvaluationError, match="Describe the form"):
        decide(world, users, form=IncentiveDecision.Form.OTHER, form_detail=" ")
    with pytest.raises(EvaluationError, match="own tasks"):  # 广东's evaluation for 四川
        decide(world, users, evaluations=[world.s1_eval, world.g1_eval])
    with pytest.raises(EvaluationError, match="own tasks"):  # a unit not implementing s1
        decide(world, users, claimant=None, organisation=sysu, evaluations=[world.s1_eval])
    with pytest.raises(Forbidden):
        decide(world, users, by=users["sichuan"])
    assert not IncentiveDecision.objects.exists()
    # Only what this test does, not the hand-off messages of setting the world up (issue #12).
    Notification.objects.all().delete()
    decision = decide(world, users)
    assert list(decision.evaluations.all()) == [world.s1_eval]
    entry = AuditEntry.objects.get(action="incentive.decided")
    assert entry.object_id == str(decision.pk) and entry.note == "改革任务完成较好"
    assert Notification.objects.filter(user=users["sichuan"], url__contains="/incentives/").exists()
    assert not Notification.objects.filter(user=users["guangdong"]).exists()

    unit = decide(
        world,
        users,
        claimant=None,
        organisation=users["implementer"].organisation,
        form=IncentiveDecision.Form.OTHER,
        form_detail="支持建设技术转移机构",
    )
    assert unit.beneficiary == "四川省科学技术厅"
    told = Notification.objects.filter(user=users["implementer"], url__contains=f"/{unit.pk}/")
    assert told.exists()


def test_recording_a_decision_through_the_pages(world, users):
    client = english(users["national"])
    chooser = client.get(reverse("evaluation:incentive_new"))
    assert chooser.status_code == 200 and "Step 1 of 2" in chooser.content.decode()
    url = reverse("evaluation:incentive_new") + f"?claimant={world.sichuan.pk}"
    page = client.get(url).content.decode()
    assert "国家发展改革委、科技部" in page  # the approving authority, prefilled
    assert world.s1_eval.commission.title in page
    assert world.g1_eval.commission.title not in page  # not 四川's
    posted = {
        "form": IncentiveDecision.Form.OTHER,
        "form_detail": "",
        "reason": "任务完成较好",
        "approving_authority": "国家发展改革委、科技部",
        "decided_on": "2027-03-01",
        "document_number": "",
        "evaluations": [world.s1_eval.pk],
    }
    refused = client.post(url, posted)
    assert refused.status_code == 200 and "任务完成较好" in refused.content.decode()
    posted["evaluations"] = [world.g1_eval.pk]  # another locality's: not a choice
    posted["form_detail"] = "其他激励"
    assert client.post(url, posted).status_code == 200
    assert not IncentiveDecision.objects.exists()
    posted["evaluations"] = [world.s1_eval.pk]
    saved = client.post(url, posted)
    decision = IncentiveDecision.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == reverse("evaluation:incentive", args=[decision.pk])
    assert decision.claimant == world.sichuan and decision.form_detail == "其他激励"
    for name in ("sichuan", "implementer"):
        assert client_for(users[name]).get(url).status_code == 403, name


def test_a_decision_is_read_by_its_beneficiary_only(world, users):
    decision = decide(world, users)
    url = reverse("evaluation:incentive", args=[decision.pk])
    for name in ("national", "sichuan"):
        assert client_for(users[name]).get(url).status_code == 200, name
    for name in ("guangdong", "implementer", "evaluator"):
        assert client_for(users[name]).get(url).status_code == 404, name
    listed = client_for(users["sichuan"]).get(reverse("evaluation:incentives")).content.decode()
    assert "改革任务完成较好" in listed
    listed = client_for(users["guangdong"]).get(reverse("evaluation:incentives")).content.decode()
    assert "改革任务完成较好" not in listed


def test_decisions_filter_and_export(world, users):
    decide(world, users)
    decide(
        world,
        users,
        claimant=None,
        organisation=users["implementer"].organisation,
        form=IncentiveDecision.Form.PRIORITY,
        form_detail="国家重点研发计划项目",
        reason="单位完成较好",
    )
    client = english(users["national"])
    listed = client.get(reverse("evaluation:incentives"), {"beneficiary": "unit"}).content.decode()
    assert "单位完成较好" in listed and "改革任务完成较好" not in listed
    response = client.get(reverse("evaluation:incentives_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][1] == "Beneficiary"
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["四川省"][9] == "发改高技〔2027〕12号"
    assert world.s1_eval.commission.title in str(by_name["四川省"][10])
    assert by_name["四川省科学技术厅"][5] == "国家重点研发计划项目"


def test_the_circular_reads_back(world, users):
    decision = decide(world, users)
    response = client_for(users["sichuan"]).get(
        reverse("evaluation:incentive_docx", args=[decision.pk])
    )
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "国家发展改革委" in text and "科技部" in text  # the issuer marks and the signature
    assert "发改高技〔2027〕12号" in text
    assert "四川省发展改革委、科技厅：" in text  # addressed as 484号 addresses a province
    assert "对完成改革任务较好的地方、单位进行激励" in text  # 484号 §三(四), quoted
    assert "改革任务完成较好" in text
    assert world.s1_eval.commission.title in text
    assert "2027年3月1日" in text
    assert (
        client_for(users["guangdong"])
        .get(reverse("evaluation:incentive_docx", args=[decision.pk]))
        .status_code
        == 404
    )


# The priority-support register ---------------------------------------------------------------


def test_the_register_lists_priority_support_with_an_export_and_a_json_feed(world, users):
    decide(world, users)  # a commendation: not in the register
    priority = decide(
        world,
        users,
        form=IncentiveDecision.Form.PRIORITY,
        form_detail="优先承担创新创业创造重大项目",
        reason="完成较好",
    )
    client = english(users["national"])
    page = client.get(reverse("evaluation:register")).content.decode()
    assert "优先承担创新创业创造重大项目" in page
    assert "发改高技〔2027〕12号" in page

    sheet = load_workbook(
        io.BytesIO(client.get(reverse("evaluation:register_xlsx")).content)
    ).active
    assert isinstance(sheet, Worksheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "四川省" and rows[1][4] == "优先承担创新创业创造重大项目"
    decided_on = rows[1][8]
    assert isinstance(decided_on, datetime.datetime)  # a date cell
    assert decided_on.date().isoformat() == "2027-03-01" and rows[1][9] == "发改高技〔2027〕12号"

    response = client.get(reverse("evaluation:register_json"))
    assert response["Content-Type"] == "application/json"
    payload = json.loads(response.content)
    assert payload["register"] == "priority_support" and payload["count"] == 1
    (entry,) = payload["entitlements"]
    assert entry == {
        "id": priority.pk,
        "beneficiary_kind": "locality",
        "beneficiary_name": "四川省",
        "claimant_id": world.sichuan.pk,
        "division_code": "510000",
        "region_group_id": None,
        "organisation_id": None,
        "programme_id": world.programme.pk,
        "programme_title": world.programme.title,
        "projects": "优先承担创新创业创造重大项目",
        "basis": "完成较好",
        "approving_authority": "国家发展改革委、科技部",
        "decided_on": "2027-03-01",
        "document_number": "发改高技〔2027〕12号",
        "evaluation_ids": [world.s1_eval.pk],
        "task_ids": [world.sichuan_tasks[0].pk],
        "url": reverse("evaluation:incentive", args=[priority.pk]),
    }


def test_the_register_is_the_national_levels(world, users):
    for name in ("sichuan", "implementer", "evaluator"):
        client = client_for(users[name])
        for url in ("register", "register_xlsx", "register_json"):
            assert client.get(reverse(f"evaluation:{url}")).status_code == 403, (name, url)
    from django.test import Client

    anonymous = Client().get(reverse("evaluation:register_json"))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


# Bounded queries -----------------------------------------------------------------------------


def more_localities(w, users, codes: list[str]) -> None:
    """Localities with a task each (made directly), some evaluated, closed or led by a unit."""
    item = w.items[0]
    for index, code in enumerate(codes):
        claimant = Claimant.objects.create(
            programme=w.programme, division=Division.objects.get(code=code)
        )
        claim = Claim.objects.create(item=item, claimant=claimant, claimed_by=users["national"])
        TaskNotice.objects.create(
            claimant=claimant,
            programme=w.programme,
            number=100 + len(Claimant.objects.all()),
            doc_number=f"测试〔2026〕{code}号",
            issuing_authority="国家发展改革委",
            issued_on=datetime.date(2026, 1, 1),
            issued_by=users["national"],
        )
        task = Task.objects.create(
            claim=claim,
            programme=w.programme,
            claimant=claimant,
            title=f"任务{code}",
            progress=Decimal(10 * index),
        )
        assert claimant.division is not None
        unit = Organisation.objects.create(
            name=f"实施单位{code}", kind="government", division=claimant.division
        )
        Implementer.objects.create(task=task, organisation=unit, lead=True)
        if index % 2:
            close(task, users["national"])
            e = delivered(
                task,
                users["national"],
                w.institute,
                score=str(60 + index),
                recommendation=Recommendation.NATIONWIDE,
            )
            decide(
                w,
                users,
                claimant=claimant,
                evaluations=[e],
                form=IncentiveDecision.Form.PRIORITY,
                form_detail="重大项目",
            )


def test_pages_read_in_bounded_queries_as_localities_grow(world, users):
    client = client_for(users["national"])
    pages = [
        reverse("evaluation:ranking"),
        reverse("evaluation:ranking_xlsx"),
        reverse("evaluation:incentives"),
        reverse("evaluation:incentives_xlsx"),
        reverse("evaluation:register"),
        reverse("evaluation:register_json"),
    ]

    def counts() -> list[int]:
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            found.append(len(queries))
        return found

    more_localities(world, users, ["110000", "120000"])
    few = counts()
    more_localities(world, users, ["310000", "320000", "330000", "340000", "420000", "500000"])
    assert counts() == few
