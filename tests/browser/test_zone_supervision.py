"""End to end in a real browser, layered implementation of the zone pilot (分层推进, 省地协同):
Sichuan's coordinator opens a task of the Chengdu zone, reads its reports and records an
inspection (督查), without being offered what the zone runs; the zone's implementer sees the
inspection on the task and answers it; the zone's coordinator decides the pending
fault-tolerance filing, naming the body deciding and citing the implementing measures
(实施办法); Sichuan then reads the decision without being able to take it.

Sources: 发改高技〔2021〕484号 §四 ("建立省份、重点城市、试点单位分层推进机制", "研究制定和落实
容错纠错机制"); the 2024 zone policy pilot (source 003: 江苏 "省地协同，按季调度", 广东
"不定期开展督查"); source 000 ("容错纠错机制的实施办法").

Every page is audited with axe-core and no request may leave the app. Selectors use URLs, ids,
names and data attributes, not interface text.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site
from tests.browser.test_proposal_flow import log_in, log_out

pytestmark = pytest.mark.browser

SUBMIT = "main form button[type=submit].primary"
ZONE = "成都国家自主创新示范区"  # the default body deciding: the locality running the task
FINDINGS = "第三季度进展报告未报，节点任务逾期（浏览器测试）"
FOLLOW_UP = "已补报第三季度报告（浏览器测试）"
MEASURES = "示范区改革容错纠错实施办法（浏览器测试）"
MEASURES_NUMBER = "测〔2025〕1号"


def _pk(href: str | None, pattern: str) -> str:
    assert href, "the link has no href"
    match = re.fullmatch(pattern, href)
    assert match, f"{href} does not match {pattern}"
    return match.group(1)


def test_province_inspects_zone_implements_and_decides(site: Site) -> None:
    page = site.page

    # 1. Sichuan finds the zone's task with its pending filing, and opens it.
    log_in(site, "sichuan")
    site.follow(page.locator("header nav a[href='/tasks/']"))
    expect(page.locator("main table tbody tr a[href^='/tasks/']").first).to_be_visible()
    site.follow(page.locator("main nav a[href='/tasks/tolerance/']"))
    expect(page.locator("main a[href$='/decide/']")).to_have_count(0)  # the zone's to decide
    link = page.locator("main table tbody tr a[href$='#tolerance']").first
    task_pk = _pk(link.get_attribute("href"), r"/tasks/(\d+)/#tolerance")
    task = f"/tasks/{task_pk}/"
    site.goto(task)
    expect(page.locator("#oversight")).to_be_visible()
    for action in ("setup/", "implementers/add/", "plan/approve/", "tolerance/new/"):
        expect(page.locator(f"main a[href='{task}{action}']")).to_have_count(0)
    expect(page.locator("main a[href^='/tasks/tolerance/'][href$='/decide/']")).to_have_count(0)

    # ... reads a report ...
    reports = page.locator("main a[href^='/tasks/reports/']")
    expect(reports.first).to_be_visible()
    site.follow(reports.first)
    expect(page.locator("main dl.fields .badge")).to_have_class("badge submitted")
    site.goto(task)

    # ... and records an inspection with a rectification.
    site.follow(page.locator(f"main a[href='{task}inspections/new/']"))
    page.check("input[name=kind][value=report_review]")
    # The form offers the server's today; the rectification is due a month later.
    today = datetime.date.fromisoformat(page.input_value("#id_inspected_on"))
    rectify_by = (today + datetime.timedelta(days=30)).isoformat()
    page.fill("#id_findings", FINDINGS)
    page.fill("#id_rectification", "补报第三季度进展报告")
    page.fill("#id_rectify_by", rectify_by)
    site.follow(page.locator(SUBMIT))
    inspection = site.path()
    assert re.fullmatch(r"/tasks/inspections/\d+/", inspection), inspection
    log_out(site)

    # 2. The zone's implementer sees the inspection on the task and answers it.
    log_in(site, "implementer")
    site.goto(task)
    expect(page.locator("#supervision")).to_contain_text(FINDINGS)
    site.follow(page.locator(f"#supervision a[href='{inspection}']").first)
    page.fill("#id_note", FOLLOW_UP)
    site.follow(page.locator(SUBMIT))
    assert site.path() == inspection
    expect(page.locator("main")).to_contain_text(FOLLOW_UP)
    log_out(site)

    # 3. The zone's coordinator, who runs the task, sees both and decides the filing.
    log_in(site, "chengdu_zone")
    site.goto(task)
    expect(page.locator("#oversight")).to_have_count(0)
    expect(page.locator("#supervision")).to_contain_text(FOLLOW_UP)
    decide = page.locator("#tolerance a[href^='/tasks/tolerance/'][href$='/decide/']")
    expect(decide).to_have_count(1)
    site.follow(decide)
    expect(page.locator("#id_deciding_body")).to_have_value(ZONE)
    page.check("input[name=decision][value=accepted]")
    page.fill("#id_reason", "按批准方案推进，集体决策，及时止损（浏览器测试）")
    # The measures are required: the browser does not send the form without them.
    expect(page.locator("#id_measures_title")).to_have_attribute("required", "")
    page.fill("#id_measures_title", MEASURES)
    page.fill("#id_measures_number", MEASURES_NUMBER)
    site.follow(page.locator(SUBMIT))
    assert site.path() == task
    expect(page.locator("#tolerance [data-field=deciding_body]")).to_have_text(ZONE)
    expect(page.locator("#tolerance [data-field=measures]")).to_contain_text(MEASURES)
    expect(page.locator("#history")).to_contain_text(MEASURES_NUMBER)
    log_out(site)

    # 4. Sichuan reads the decision.
    log_in(site, "sichuan")
    site.goto(task)
    expect(page.locator("#tolerance [data-field=measures]")).to_contain_text(MEASURES_NUMBER)
    expect(page.locator("main a[href$='/decide/']")).to_have_count(0)
    log_out(site)

    site.assert_accessible()
    site.assert_local_only()
