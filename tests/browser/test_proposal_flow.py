"""End to end in a real browser: a province submits a proposal, the centre finds it by a
segmented search and returns it, the province revises and resubmits, and the trail shows it.

Every page on the way is audited with axe-core and must have no WCAG
2.0/2.1 A/AA violation; no request may leave the app (the system runs on an intranet).
Selectors rely on URLs, ids and CSS classes rather than on the interface language.
"""

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from demo.builder import DEMO_PASSWORD
from tests.browser.conftest import Site

pytestmark = pytest.mark.browser

LOGOUT = "header form[action$='/accounts/logout/'] button[type=submit]"
STATE_BADGE = "main h1 + p .badge"


def log_in(site: Site, username: str) -> None:
    if site.path() != "/accounts/login/":
        site.goto("/accounts/login/")
    site.page.fill("#id_username", username)
    site.page.fill("#id_password", DEMO_PASSWORD)
    site.follow(site.page.locator("main form button[type=submit]"))
    assert site.path() == "/", f"login as {username} did not reach the home page"
    expect(site.page.locator("html")).to_have_attribute("lang", "zh-CN")


def log_out(site: Site) -> None:
    site.follow(site.page.locator(LOGOUT))
    assert site.path().startswith("/accounts/login/")


def search(site: Site, query: str) -> None:
    site.page.fill("#id_q", query)
    site.follow(site.page.locator("form.filters button[type=submit]"))
    assert "q=" in site.path()


def expect_state(site: Site, state: str) -> None:
    expect(site.page.locator(STATE_BADGE)).to_have_class(f"badge {state}")


def test_submit_return_resubmit(site: Site, artifacts: Path) -> None:
    page = site.page
    token = secrets.token_hex(4)
    title = f"推行技术经理人全程参与的科技成果转化服务模式（{token}）"
    reason = f"请补充可量化的考核指标和年度节点（{token}）"
    revised_targets = "到2027年底培育技术经理人300名；促成技术合同成交额增长20%"

    # The province drafts a fourth proposal for the open 2027 cycle and submits it.
    log_in(site, "sichuan")
    site.follow(page.locator("main a[href='/proposals/new/']"))
    page.fill("#id_title", title)
    page.get_by_label("促进技术要素市场体系建设").check()
    page.fill("#id_problem", "科技成果转化链条长，高校院所缺少专业化转化服务。")
    page.fill("#id_content", "培育技术经理人队伍，全程参与成果的评估、对接、交易和孵化。")
    page.fill("#id_implementing_bodies", "省科技厅、省教育厅，四川大学等高校院所")
    page.fill("#id_expected_results", "形成可复制推广的成果转化服务模式")
    page.fill("#id_targets", "到2027年底培育技术经理人200名")
    page.fill("#id_timetable", "2027年6月前出台方案；12月前完成首批培育")
    page.fill("#id_risks", "转化失败的，按容错纠错机制免责")
    page.fill("#id_contact_name", "张三")
    page.fill("#id_contact_phone", "028-12345678")
    assert page.locator("main form [required]:invalid").count() == 0
    site.follow(page.locator("main form button.primary"))
    match = re.fullmatch(r"/proposals/(\d+)/", site.path())
    assert match, f"saving the draft landed on {site.path()}"
    detail = match.group(0)
    expect(page.locator("main h1")).to_have_text(title)
    expect_state(site, "draft")

    site.follow(page.locator("main form[action$='/proposals/submit/'] button[type=submit]"))
    assert site.path() == detail
    expect_state(site, "submitted")
    log_out(site)

    # The centre finds it by a sub-phrase of its title, then by terms out of their order.
    log_in(site, "national")
    site.follow(page.locator("header nav a[href='/proposals/']"))
    expect(page.locator("main table tbody tr").first).to_be_visible()
    page.screenshot(path=str(artifacts / "proposal_list_national.png"), full_page=True)
    search(site, "成果转化")
    expect(page.locator("main table").get_by_role("link", name=title)).to_be_visible()
    search(site, f"服务模式 成果转化 {token}")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    site.follow(page.locator("main table").get_by_role("link", name=title))
    assert site.path() == detail

    site.follow(page.locator(f"main a[href='{detail}return/']"))
    page.fill("#id_reason", reason)
    site.follow(page.locator("main form button[type=submit]"))
    assert site.path() == detail
    expect_state(site, "returned")
    log_out(site)

    # The province sees why, revises the targets and resubmits.
    log_in(site, "sichuan")
    site.follow(page.locator("header nav a[href='/proposals/']"))
    row = page.locator("main table tbody tr", has=page.get_by_role("link", name=title))
    expect(row.locator(".badge")).to_have_class("badge returned")
    site.follow(row.get_by_role("link", name=title))
    expect_state(site, "returned")
    expect(page.locator("main .notice.return-reason")).to_contain_text(reason)
    site.follow(page.locator(f"main a[href='{detail}edit/']"))
    expect(page.locator("main .notice.return-reason")).to_contain_text(reason)
    page.fill("#id_targets", revised_targets)
    site.follow(page.locator("main form button.primary"))
    assert site.path() == detail
    expect(page.locator("main dl.fields")).to_contain_text(revised_targets)
    site.follow(page.locator("main form[action$='/proposals/submit/'] button[type=submit]"))
    assert site.path() == detail
    expect_state(site, "submitted")
    log_out(site)

    # The centre sees it submitted again, with the return and the resubmission on record.
    log_in(site, "national")
    site.goto(detail)
    expect_state(site, "submitted")
    history = page.locator("main table.history tbody tr")
    actions = [row.get_attribute("data-action") for row in history.all()]
    assert actions == [
        "proposal.resubmitted",
        "proposal.updated",
        "proposal.returned",
        "proposal.submitted",
        "proposal.created",
    ]
    expect(history.nth(2)).to_contain_text(reason)
    expect(history.nth(1)).to_contain_text(revised_targets)
    log_out(site)

    site.assert_accessible()
    site.assert_local_only()
