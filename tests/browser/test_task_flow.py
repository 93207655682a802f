"""End to end in a real browser, claiming and implementation: Sichuan claims three measures of
the open 2026 programme, the centre closes the window below the minimum (with a reason) and
issues the task notices, Sichuan sets up a task and names its lead implementer, the
implementer files a plan that Sichuan approves, then files a quarterly report whose figures
become the task's progress; finally the centre's dispatch of the zone pilot shows a missing
report and an overdue milestone.

Every page is audited with axe-core (no WCAG A/AA violation) and no
request may leave the app. Selectors use URLs, ids, names, CSS classes and data attributes,
not interface text.
"""

import csv
import re
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from playwright.sync_api import APIResponse, expect

from demo.claims_demo import LIST_TITLE, PILOT_TITLE
from tasks import progress
from tests.browser.conftest import ROOT, Site
from tests.browser.test_proposal_flow import log_in, log_out

pytestmark = pytest.mark.browser

IMPLEMENTER_ORG = "成都高新区管理委员会（演示）"  # the demo `implementer` user's organisation
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUBMIT = "main form button[type=submit].primary"

# What the implementer enters: one milestone, one target from 0 to 100 reached halfway.
MILESTONE_STATUS = "in_progress"
BASELINE, TARGET, ACTUAL = Decimal(0), Decimal(100), Decimal(50)


def _pk(href: str | None, pattern: str) -> str:
    assert href, "the link has no href"
    match = re.fullmatch(pattern, href)
    assert match, f"{href} does not match {pattern}"
    return match.group(1)


def _programme(site: Site, title: str) -> str:
    """The pk of a programme, from its link on /claims/."""
    site.goto("/claims/")
    link = site.page.locator("main a[href^='/claims/']", has_text=title).first
    return _pk(link.get_attribute("href"), r"/claims/(\d+)/")


def _download(site: Site, href: str | None, content_type: str) -> None:
    """The link answers with an Office file (a zip: it starts with PK)."""
    assert href, "the download link has no href"
    response: APIResponse = site.page.request.get(site.base_url + href)
    assert response.status == 200, f"GET {href}: {response.status}"
    assert response.headers["content-type"].startswith(content_type), response.headers
    assert response.body()[:2] == b"PK", f"{href} is not an Office file"


def _download_via_job(site: Site, href: str | None, content_type: str) -> None:
    """An export that is a background job (issue #13): the link queues it and leads to its
    page; the worker builds the file, which the page then offers."""
    assert href, "the export link has no href"
    response = site.page.request.get(site.base_url + href, max_redirects=0)
    assert response.status == 302, f"GET {href}: {response.status}"
    job = response.headers["location"]
    assert re.fullmatch(r"/jobs/\d+/", job), job
    deadline = time.monotonic() + 60
    status: dict = {}
    while time.monotonic() < deadline:
        status = site.page.request.get(f"{site.base_url}{job}status/").json()
        if status["finished"]:
            break
        time.sleep(0.5)
    assert status.get("state") == "done", status
    _download(site, f"{job}download/", content_type)


def _third_pilot_title() -> str:
    """Chengdu's zone's third pilot item (its task has no 2026 Q3 report)."""
    with open(ROOT / "data" / "pilots2024.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))[2]["policy_item"]


def test_claim_plan_report_dispatch(site: Site) -> None:
    page = site.page

    # 1. Sichuan claims three measures of the open annual-list programme.
    log_in(site, "sichuan")
    programme_pk = _programme(site, LIST_TITLE)
    programme = f"/claims/{programme_pk}/"
    site.follow(page.locator(f"main a[href='{programme}']"))
    withdraw = page.locator("main a[href^='/claims/items/'][href$='/withdraw/']")
    expect(withdraw).to_have_count(0)
    claim = page.locator("main form[action^='/claims/items/'][action$='/claim/'] button")
    for _ in range(3):
        site.follow(claim.first)
        assert site.path() == programme
    expect(withdraw).to_have_count(3)
    expect(page.locator("main .notice[role=status] .bad")).to_have_count(0)
    log_out(site)

    # 2. The centre closes the window: other claimants are below the minimum (Hubei has 2),
    # so a reason is required.
    log_in(site, "national")
    close = f"/claims/{programme_pk}/close/"
    site.goto(close)
    expect(page.locator("main .notice.bad[role=alert]")).to_be_visible()
    site.follow(page.locator("main form button[type=submit].danger"))
    assert site.path() == close
    expect(page.locator("main form [role=alert] .errorlist")).to_be_visible()
    site.goto(programme)
    expect(page.locator(f"main a[href='{close}']")).to_have_count(1)
    expect(page.locator(f"main a[href='/claims/{programme_pk}/notices/issue/']")).to_have_count(0)
    site.follow(page.locator(f"main a[href='{close}']"))
    page.fill("#id_reason", "湖北省揭榜数量不足，经研究按期截止（演示）。")
    site.follow(page.locator("main form button[type=submit].danger"))
    assert site.path() == programme
    expect(page.locator(f"main a[href='{close}']")).to_have_count(0)

    # ... and issues the task notices, which open one task per claim.
    site.follow(page.locator(f"main a[href='/claims/{programme_pk}/notices/issue/']"))
    page.fill("#id_doc_code", "发改高技")
    page.fill("#id_issued_on", "2026-11-20")
    site.follow(page.locator(SUBMIT))
    assert site.path() == programme
    expect(page.locator("main a[href^='/claims/notices/'][href$='/docx/']")).to_have_count(3)

    # A task of Guangdong's, for the implementer's scope check below.
    site.goto(f"/tasks/?programme={programme_pk}")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3 + 2 + 3)  # Guangdong, Hubei and Sichuan's claims
    guangdong = rows.filter(has_text="广东省").first.locator("a[href^='/tasks/']")
    guangdong_task = _pk(guangdong.get_attribute("href"), r"/tasks/(\d+)/")
    log_out(site)

    # 3. Sichuan downloads its notice, finds its three new tasks and sets one up.
    log_in(site, "sichuan")
    site.goto(programme)
    notice = page.locator("main a[href^='/claims/notices/'][href$='/docx/']")
    expect(notice).to_have_count(1)
    _download(site, notice.get_attribute("href"), DOCX)
    site.follow(page.locator("header nav a[href='/tasks/']"))
    # The index also holds the Chengdu zone's pilot tasks, which Sichuan oversees.
    site.goto(f"/tasks/?programme={programme_pk}")
    tasks = page.locator("main table tbody tr a[href^='/tasks/']")
    expect(tasks).to_have_count(3)
    task_pk = _pk(tasks.first.get_attribute("href"), r"/tasks/(\d+)/")
    task = f"/tasks/{task_pk}/"
    site.follow(tasks.first)
    assert site.path() == task
    expect(page.locator("#plan-heading .badge")).to_have_class("badge draft")

    site.follow(page.locator(f"main a[href='{task}setup/']"))
    page.fill("#id_responsible_person", "李处长（演示）")
    page.fill("#id_responsible_post", "处长")
    site.follow(page.locator(SUBMIT))
    assert site.path() == task

    site.follow(page.locator(f"main a[href='{task}implementers/add/']"))
    option = page.locator("#id_organisation option", has_text=IMPLEMENTER_ORG)
    expect(option).to_have_count(1)
    page.select_option("#id_organisation", option.get_attribute("value"))
    page.check("#id_lead")
    page.fill("#id_responsibility", "牵头制定实施方案并组织实施（演示）")
    site.follow(page.locator(SUBMIT))
    assert site.path() == task
    expect(page.locator("main a[href*='/implementers/'][href$='/remove/']")).to_have_count(1)
    log_out(site)

    # 4. The implementer sees only its tasks, and files the plan.
    log_in(site, "implementer")
    response = page.request.get(f"{site.base_url}/tasks/{guangdong_task}/")
    assert response.status == 404, f"a Guangdong task answered {response.status}"
    site.goto(task)
    site.follow(page.locator(f"main a[href='{task}plan/']"))
    page.fill("#id_timetable", "2026年12月前出台方案；2027年组织实施并总结。")
    page.fill("#id_roadmap", "制定方案 → 组织实施 → 评估总结。")
    page.fill("#id_milestones-0-title", "出台实施方案")
    page.fill("#id_milestones-0-due_on", "2027-03-31")
    page.fill("#id_milestones-0-deliverable", "实施方案文件")
    page.fill("#id_targets-0-indicator", "参与改革的企业数")
    page.fill("#id_targets-0-unit", "家")
    page.fill("#id_targets-0-baseline", str(BASELINE))
    page.fill("#id_targets-0-target_value", str(TARGET))
    page.fill("#id_targets-0-due_on", "2027-12-31")
    site.follow(page.locator(SUBMIT))
    assert site.path() == task
    expect(page.locator("#plan table tbody tr")).to_have_count(2)  # a milestone and a target
    site.follow(page.locator(f"main form[action='{task}plan/submit/'] button[type=submit]"))
    assert site.path() == task
    expect(page.locator("#plan-heading .badge")).to_have_class("badge submitted")
    log_out(site)

    # 5. Sichuan approves the plan, on its confirmation page.
    log_in(site, "sichuan")
    site.goto(task)
    site.follow(page.locator(f"main a[href='{task}plan/approve/']"))
    site.follow(page.locator(SUBMIT))
    assert site.path() == task
    expect(page.locator("#plan-heading .badge")).to_have_class("badge approved")
    log_out(site)

    # 6. The implementer files the report of the current quarter.
    log_in(site, "implementer")
    site.goto(task)
    site.follow(page.locator(f"main a[href='{task}reports/new/']"))
    first = page.locator("#id_period option").first.get_attribute("value")
    expect(page.locator("#id_period")).to_have_value(first or "")
    site.follow(page.locator(SUBMIT))
    report_pk = _pk(site.path(), r"/tasks/reports/(\d+)/edit/")
    page.fill("#id_done", "已起草实施方案，组织座谈会两次，新增参与企业50家。")
    statuses = page.locator("main select[name$='_status']")
    actuals = page.locator("main input[name$='_actual']")
    expect(statuses).to_have_count(1)
    expect(actuals).to_have_count(1)
    statuses.select_option(MILESTONE_STATUS)
    actuals.fill(str(ACTUAL))
    site.follow(page.locator("main form button[type=submit][name=submit]"))
    assert site.path() == f"/tasks/reports/{report_pk}/submit/"
    site.follow(page.locator(SUBMIT))
    assert site.path() == f"/tasks/reports/{report_pk}/"
    expect(page.locator("main dl.fields .badge")).to_have_class("badge submitted")

    expected = progress.task_progress(
        [SimpleNamespace(weight=Decimal(1), status=MILESTONE_STATUS)],
        [SimpleNamespace(weight=Decimal(1), baseline=BASELINE, target_value=TARGET, actual=ACTUAL)],
    )
    assert expected == Decimal("25.0")
    site.follow(page.locator(f"main a[href='{task}']").first)
    expect(page.locator("#task-progress")).to_have_text(f"{expected}%")
    expect(page.locator(f"main a[href='/tasks/reports/{report_pk}/']")).to_have_count(1)
    log_out(site)

    # 7. The centre's dispatch of the zone pilot for 2026 Q3: Chengdu's zone's third task has
    # no report and an overdue milestone.
    log_in(site, "national")
    pilot_pk = _programme(site, PILOT_TITLE)
    site.follow(page.locator("header nav a[href='/tasks/dispatch/']"))
    page.select_option("#id_programme", pilot_pk)
    page.select_option("#id_status", "all")
    site.follow(page.locator("main form.filters button[type=submit]"))
    # By its link, so that the period stays choosable in later years too.
    site.goto(f"/tasks/dispatch/?programme={pilot_pk}&period=2026-3&status=all")
    expect(page.locator("#id_programme")).to_have_value(pilot_pk)
    expect(page.locator("#id_period")).to_have_value("2026-3")
    lines = page.locator("#dispatch-tasks tbody tr[data-task]")
    expect(lines).to_have_count(3)
    third = page.locator("#dispatch-tasks").get_by_role(
        "link", name=_third_pilot_title(), exact=True
    )
    third_pk = _pk(third.get_attribute("href"), r"/tasks/(\d+)/")
    line = page.locator(f"#dispatch-tasks tr[data-task='{third_pk}']")
    expect(line).to_have_attribute("data-report", "missing")
    expect(line.locator(".badge.missing")).to_be_visible()
    expect(line.locator("[data-figure=overdue_milestones] .bad")).to_have_text("1")
    expect(lines.locator("td[data-figure=overdue_milestones] .bad")).to_have_count(1)
    summary = page.locator("#dispatch-summary tbody tr")
    expect(summary).to_have_count(1)
    expect(summary.locator("[data-figure=missing]")).to_have_text("1")
    expect(summary.locator("[data-figure=overdue_milestones]")).to_have_text("1")
    export = page.locator("main a[href^='/tasks/dispatch/xlsx/']")
    expect(export).to_have_attribute("href", re.compile(r"period=2026-3"))
    _download_via_job(site, export.get_attribute("href"), XLSX)
    log_out(site)

    site.assert_accessible()
    site.assert_local_only()
