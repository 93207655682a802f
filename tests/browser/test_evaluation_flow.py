"""End to end in a real browser, evaluation and incentives (发改高技〔2021〕484号 §三(四): "在揭榜
改革任务完成后，国家发展改革委、科技部及时委托第三方机构评估，并总结凝练为可复制推广的改革成果……
对完成改革任务较好的地方、单位进行激励"): the lead implementer files the close-out report of the
Chengdu zone's third pilot task (the one the demo leaves open) and the zone confirms it and
sends it up; the national level accepts it, closing the task, and commissions the demo
evaluator; the evaluator records a field visit and an evidence file, scores every indicator
with its evidence, gives findings and a recommendation and delivers the report; the national
level distils a replicable outcome from the task, confirms it, and commends the zone by
circular (通报表扬); the zone finds the result and the decision on its home page.

Every page is audited with axe-core (no WCAG A/AA violation) and no
request may leave the app. Selectors use URLs, ids, names, CSS classes and data attributes,
not interface text; the demo's own data (a task's title, the evaluator's name) picks an option.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import expect

from demo.claims_demo import PILOT_TITLE
from demo.evaluation_demo import COMMISSION_TITLE, EVALUATOR
from tests.browser.conftest import Site
from tests.browser.test_proposal_flow import log_in, log_out
from tests.browser.test_task_flow import DOCX, XLSX, _download, _pk, _third_pilot_title

pytestmark = pytest.mark.browser

SUBMIT = "main form button[type=submit].primary"
# A minimal PDF: the evidence file the evaluator collected on the visit.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ACHIEVED = "45"
SCORES = ["92", "90", "88", "85", "87", "91"]  # their mean, 88.8, rates the task good


def _state(site: Site, state: str) -> None:
    """The close-out page's state badge."""
    expect(site.page.locator("main h1 .badge[data-state]")).to_have_attribute("data-state", state)


def test_close_out_evaluate_distil_reward(site: Site) -> None:
    page = site.page
    today = datetime.datetime.now(tz=ZoneInfo(settings.TIME_ZONE)).date()  # the app's day
    done_on = (today - datetime.timedelta(days=3)).isoformat()

    # 1. The implementer files the close-out report of the open task, from its task page.
    log_in(site, "implementer")
    site.goto("/tasks/")
    link = page.locator("main").get_by_role("link", name=_third_pilot_title(), exact=True)
    task_pk = _pk(link.first.get_attribute("href"), r"/tasks/(\d+)/")
    task = f"/tasks/{task_pk}/"
    site.goto(task)
    expect(page.locator("#close-out [data-closure]")).to_have_attribute("data-closure", "open")
    site.follow(page.locator(f"#close-out a[href='/evaluation/tasks/{task_pk}/close-out/']"))
    # Milestones are not all done yet: the result is left for the implementer to choose.
    result = page.locator("input[name=result][value=completed]")
    expect(result).not_to_be_checked()
    result.check()
    statuses = page.locator("main select[name$='_status']")
    expect(statuses).to_have_count(3)
    for index in range(3):
        status = statuses.nth(index)
        status.select_option("done")
        name = status.get_attribute("name") or ""
        date = page.locator(f"input[name='{name.removesuffix('_status')}_done_on']")
        if not date.input_value():
            date.fill(done_on)
    page.locator("main input[name$='_achieved']").fill(ACHIEVED)
    page.fill("#id_summary", "（演示）出台支持政策，设立早期投资引导基金，投资早期硬科技企业45家。")
    page.fill("#id_cases", "（演示）一家早期硬科技企业获引导基金首轮投资。")
    page.fill("#id_proposed_outcomes", "（演示）引导基金投早、投小、投长期的让利和容错机制。")
    site.follow(page.locator("main form button[type=submit][name=submit]"))
    close_out_pk = _pk(site.path(), r"/evaluation/close-outs/(\d+)/submit/")
    close_out = f"/evaluation/close-outs/{close_out_pk}/"
    site.follow(page.locator(SUBMIT))
    assert site.path() == close_out
    _state(site, "submitted")
    expect(page.locator("#closeout-milestones tr[data-status=done]")).to_have_count(3)
    log_out(site)

    # 2. The zone, which runs the task, has it waiting on its home page; confirms, sends up.
    log_in(site, "chengdu_zone")
    waiting = page.locator("#evaluation-waiting li[data-key=close_outs_to_confirm]")
    expect(waiting.locator(".count")).to_have_text("2")  # the demo's second task's, and this
    site.follow(waiting.locator("a"))
    site.follow(page.locator(f"main table a[href='{close_out}']").first)
    assert site.path() == close_out
    site.follow(page.locator(f"main a[href='{close_out}confirm/']"))
    page.fill("#id_note", "（演示）经核对实施方案和进展报告，同意报送。")
    site.follow(page.locator(SUBMIT))
    assert site.path() == close_out
    _state(site, "confirmed")
    log_out(site)

    # 3. The national level accepts it (the task is closed) and commissions an evaluation.
    log_in(site, "national")
    waiting = page.locator("#evaluation-waiting li[data-key=close_outs_to_accept]")
    expect(waiting.locator(".count")).to_have_text("1")
    # The demo's stage as the national level finds it: the first task's delivered evaluation,
    # its outcomes (one confirmed, one a draft), the zone's commendation, the ranking.
    site.goto("/evaluation/")
    site.goto("/evaluation/commissions/")
    demo = page.locator("main a[href^='/evaluation/commissions/']", has_text=COMMISSION_TITLE)
    site.follow(demo.first)
    expect(page.locator("main h1 .badge")).to_have_class("badge submitted")  # delivered
    site.goto("/evaluation/outcomes/")
    expect(page.locator("main table tbody tr")).to_have_count(2)
    site.goto("/evaluation/incentives/")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    site.goto("/evaluation/ranking/")
    site.goto(close_out)
    site.follow(page.locator(f"main a[href='{close_out}accept/']"))
    site.follow(page.locator(SUBMIT))
    assert site.path() == close_out
    _state(site, "accepted")
    site.goto(task)
    expect(page.locator("#close-out [data-closure]")).to_have_attribute("data-closure", "completed")

    site.goto("/evaluation/commissions/new/")
    site.follow(page.locator("main a[href='?scope=tasks']"))
    # The demo's first task, closed and evaluated, is offered too; this one is chosen.
    expect(page.locator("main input[name=tasks]")).to_have_count(2)
    page.check(f"main input[name=tasks][value='{task_pk}']")
    evaluator = page.locator("#id_evaluator option", has_text=EVALUATOR)
    page.select_option("#id_evaluator", evaluator.get_attribute("value"))
    page.fill("#id_title", "成都国家自主创新示范区长期资本试点任务评估（演示）")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", (today + datetime.timedelta(days=30)).isoformat())
    page.fill(
        "#id_terms_of_reference", "（演示）查阅任务档案，实地调研，逐项评分并提出复制推广建议。"
    )
    expect(page.locator("#id_independence")).not_to_be_empty()
    site.follow(page.locator(SUBMIT))
    commission_pk = _pk(site.path(), r"/evaluation/commissions/(\d+)/")
    commission = f"/evaluation/commissions/{commission_pk}/"
    log_out(site)

    # 4. The evaluator records a visit and an evidence file, scores every indicator with its
    # evidence, and delivers the report.
    log_in(site, "evaluator")
    waiting = page.locator("#evaluation-waiting li[data-key=commissions_to_work_on]")
    expect(waiting.locator(".count")).to_have_text("1")
    site.goto(commission)
    expect(page.locator(f"main a[href='{commission}tasks/{task_pk}/']")).to_have_count(1)
    site.follow(page.locator(f"main a[href='{commission}visits/new/']"))
    page.fill("#id_visited_on", today.isoformat())
    page.fill("#id_place", "（演示）成都高新区早期投资服务中心")
    page.select_option("#id_task", task_pk)
    page.fill("#id_met", "（演示）管理委员会有关处室负责人，获投企业代表")
    page.fill("#id_notes", "（演示）查阅引导基金投资台账，座谈了解企业获得投资的情况。")
    site.follow(page.locator(SUBMIT))
    assert site.path() == commission
    expect(page.locator("#visits tbody tr")).to_have_count(1)
    site.follow(page.locator(f"main a[href='{commission}evidence/new/']"))
    page.fill("#id_title", "（演示）引导基金投资台账")
    page.set_input_files(
        "#id_file", {"name": "ledger.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.select_option("#id_task", task_pk)
    site.follow(page.locator(SUBMIT))
    assert site.path() == commission
    expect(page.locator("#evidence tbody tr")).to_have_count(1)

    site.follow(page.locator(f"#scoring a[href='{commission}scores/']"))
    row = page.locator(f"main table tbody tr[data-task='{task_pk}']")
    score_link = row.locator("a[href$='/score/']")
    evaluation_pk = _pk(score_link.get_attribute("href"), r"/evaluation/evaluations/(\d+)/score/")
    site.follow(score_link)
    indicators = page.locator("main fieldset.indicator")
    expect(indicators).to_have_count(len(SCORES))
    for index, value in enumerate(SCORES):
        fieldset = indicators.nth(index)
        fieldset.locator("input[name^=score_]").fill(value)
        fieldset.locator("textarea[name^=evidence_]").fill(
            f"（演示）依据调研和台账，第{index + 1}项。"
        )
    page.fill("#id_findings", "（演示）任务完成，机制可行，建议在全面创新改革试验区域复制推广。")
    page.select_option("#id_recommendation", "experiment_regions")
    site.follow(page.locator(SUBMIT))
    evaluation = f"/evaluation/evaluations/{evaluation_pk}/"
    assert site.path() == evaluation
    expect(page.locator("[data-field=scored]")).to_have_text(f"{len(SCORES)} / {len(SCORES)}")
    expect(page.locator("[data-field=score]")).to_have_text("88.8")
    expect(page.locator("main tbody tr[data-indicator]")).to_have_count(len(SCORES))

    site.goto(commission)
    site.follow(page.locator(f"#scoring a[href='{commission}report/deliver/']"))
    page.fill("#id_findings", "（演示）评估范围内的任务已完成并通过验收，评估结果为良好。")
    site.follow(page.locator(SUBMIT))
    assert site.path() == commission
    expect(page.locator(f"#scoring a[href='{commission}report/deliver/']")).to_have_count(0)
    _download(
        site, page.locator(f"#scoring a[href='{commission}report/']").get_attribute("href"), DOCX
    )
    _download(site, f"{commission}scores/xlsx/", XLSX)
    log_out(site)

    # 5. The national level distils an outcome from the task and confirms it for promotion.
    log_in(site, "national")
    waiting = page.locator("#evaluation-waiting li[data-key=evaluated_without_outcome]")
    expect(waiting.locator(".count")).to_have_text("1")
    site.goto("/evaluation/outcomes/choose/")
    page.check(f"#task-{task_pk}")
    site.follow(page.locator("main form[action='/evaluation/outcomes/new/'] button[type=submit]"))
    assert site.path().startswith("/evaluation/outcomes/new/")
    expect(page.locator("#id_origin")).not_to_be_empty()
    page.fill("#id_title", "早期投资引导基金让利和容错机制（演示）")
    if not page.locator("#id_field").input_value():
        field = page.locator("#id_field option:not([value=''])").first.get_attribute("value")
        page.select_option("#id_field", field)
    expect(page.locator("input[name=recommended_scope][value=experiment_regions]")).to_be_checked()
    page.fill("#id_institutional_change", "（演示）出台引导基金管理办法，明确让利和容错条款。")
    site.follow(page.locator(SUBMIT))
    outcome_pk = _pk(site.path(), r"/evaluation/outcomes/(\d+)/")
    outcome = f"/evaluation/outcomes/{outcome_pk}/"
    site.follow(page.locator(f"main a[href='{outcome}confirm/']"))
    site.follow(page.locator(SUBMIT))
    assert site.path() == outcome
    expect(page.locator(f"main a[href='{outcome}confirm/']")).to_have_count(0)
    expect(page.locator("main dl.fields .badge")).to_have_class("badge submitted")

    # ... and commends the zone by circular, citing the delivered evaluation.
    site.goto("/evaluation/incentives/new/")
    zone = page.locator("#id_claimant option", has_text=PILOT_TITLE)
    page.select_option("#id_claimant", zone.get_attribute("value"))
    site.follow(page.locator(SUBMIT))
    assert "claimant=" in site.path()
    page.check("input[name=form][value=commendation]")
    page.fill(
        "#id_reason", "（演示）示范区按期完成长期资本支持政策试点任务，第三方评估结果为良好。"
    )
    page.fill("#id_approving_authority", "创新和高技术发展司（演示）")
    cited = page.locator("input[name=evaluations]")
    expect(cited).to_have_count(2)  # the demo's first task's evaluation, and this one
    page.check(f"input[name=evaluations][value='{evaluation_pk}']")
    site.follow(page.locator(SUBMIT))
    decision_pk = _pk(site.path(), r"/evaluation/incentives/(\d+)/")
    decision = f"/evaluation/incentives/{decision_pk}/"
    expect(page.locator(f"main a[href='/tasks/{task_pk}/']")).to_have_count(1)
    _download(site, page.locator(f"main a[href='{decision}docx/']").get_attribute("href"), DOCX)
    log_out(site)

    # 6. The zone sees the result on its home page: both evaluations, both decisions.
    log_in(site, "chengdu_zone")
    results = page.locator("#results tbody tr")
    expect(results).to_have_count(2)
    expect(results.first.locator(f"a[href='{task}#evaluations']")).to_have_count(1)
    expect(results.nth(1)).to_contain_text(COMMISSION_TITLE)
    # Results are read, not done: they are listed apart from what waits on the zone.
    expect(page.locator("#evaluation-waiting li[data-key=evaluations_delivered]")).to_have_count(0)
    expect(page.locator(f"#incentives-received a[href='{decision}']")).to_have_count(1)
    expect(page.locator("#incentives-received tbody tr")).to_have_count(2)
    site.follow(results.first.locator("a"))
    expect(page.locator("#evaluations tbody tr[data-round]")).to_have_count(1)
    expect(page.locator(f"#evaluations a[href='{evaluation}']")).to_have_count(1)
    site.goto(decision)
    expect(page.locator(f"main a[href='{decision}docx/']")).to_have_count(1)
    site.goto(outcome)
    expect(page.locator(f"main a[href='{task}']")).to_have_count(1)
    log_out(site)

    site.assert_accessible()
    site.assert_local_only()
