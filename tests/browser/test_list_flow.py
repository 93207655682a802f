"""End to end in a real browser, the second stage: the centre runs the merge suggestions for
the open 2027 cycle and accepts a group, assigns experts, an expert reviews online, the centre
publishes the annual list, and an anonymous visitor reads it on the public page.

Every page is audited with axe-core (no WCAG A/AA violation) and no
request may leave the app. Selectors use URLs, names and CSS classes, not interface text.
"""

import re
import secrets

import pytest
from playwright.sync_api import expect

from demo.review_demo import EXPERTS
from tests.browser.conftest import Site
from tests.browser.test_proposal_flow import log_in, log_out

pytestmark = pytest.mark.browser

EXPERT_LOGINS = {name: username for username, name, *_rest in EXPERTS}


def _cycle_2027(site: Site) -> str:
    """The merging page's link to the 2027 cycle's groups: /merging/cycles/<pk>/."""
    site.goto("/merging/")
    link = site.page.locator("main a[href^='/merging/cycles/']", has_text="2027").first
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/merging/cycles/\d+/", href), href
    return href


def test_merge_assign_review_publish(site: Site) -> None:
    page = site.page
    token = secrets.token_hex(3)
    title = f"知识产权案件审判机制改革（合并，{token}）"

    # The centre suggests groups among the 2027 proposals and accepts the first one.
    log_in(site, "national")
    groups = _cycle_2027(site)
    cycle_pk = groups.strip("/").split("/")[-1]
    site.goto(groups)
    site.follow(page.locator(f"main form[action='/merging/cycles/{cycle_pk}/suggest/'] button"))
    # The suggestion run is a background job: its page reloads when done, and leads back.
    expect(page.locator("#job[data-finished='1']")).to_have_count(1, timeout=60_000)
    site.audit()  # the job page, reloaded with its result
    site.follow(page.locator(f"main a[href='/merging/cycles/{cycle_pk}/']"))
    accept = page.locator("main a[href$='/accept/']").first
    expect(accept).to_be_visible()
    site.follow(accept)
    page.fill("#id_title", title)
    site.follow(page.locator("main form button[type=submit].primary"))
    assert re.fullmatch(r"/merging/candidates/\d+/", site.path()), site.path()
    candidate_pk = site.path().strip("/").split("/")[-1]
    expect(page.locator("main h1")).to_contain_text(token)

    # Experts are assigned to the whole cycle by the solver, after a preview.
    # Both are background jobs: their page shows the way back to the preview once finished.
    site.goto(f"/review/cycles/{cycle_pk}/assign/")
    site.follow(page.locator("main form.filters button[type=submit]"))
    expect(page.locator("#job[data-finished='1']")).to_have_count(1, timeout=60_000)
    site.audit()  # the job page, reloaded with its result
    site.follow(page.locator("main a[href^='/review/previews/']"))
    partial = page.locator("main form[method=post] input[name=accept_partial]")
    if partial.count():
        partial.check()
    site.follow(page.locator("main form[method=post] button[type=submit]"))
    expect(page.locator("#job[data-finished='1']")).to_have_count(1, timeout=60_000)
    site.audit()  # the job page, reloaded with its result
    site.goto(f"/review/candidates/{candidate_pk}/")
    names = page.locator("main table tbody tr td:first-child").all_inner_texts()
    reviewers = [EXPERT_LOGINS[n.strip()] for n in names if n.strip() in EXPERT_LOGINS]
    assert reviewers, f"no demo expert assigned to the candidate: {names}"
    log_out(site)

    # One expert finds the assignment under "my reviews" and submits a review.
    log_in(site, reviewers[0])
    site.goto("/review/mine/")
    site.follow(page.locator("main a[href^='/review/assignments/']", has_text=token).first)
    for criterion in ("value", "operability", "assessability", "replicability"):
        page.check(f"input[name={criterion}][value='4']")
    page.fill("#id_comments", "改革方向明确，建议明确量化指标。")
    page.check("input[name=recommendation][value=include]")
    site.follow(page.locator("main button[name=action][value=submit]"))
    site.follow(page.locator("main form[method=post] button[type=submit].primary"))
    site.goto("/review/mine/")
    expect(page.locator("main tr", has_text=token).locator(".badge.submitted")).to_be_visible()
    log_out(site)

    # The centre drafts the 2027 list with the candidate, asks for opinions, and publishes.
    log_in(site, "national")
    site.goto(f"/lists/manage/cycles/{cycle_pk}/new/")
    page.fill("#id_title", f"2027年度全面改革创新举措清单（演示，{token}）")
    site.follow(page.locator("main form button[type=submit].primary"))
    assert re.fullmatch(r"/lists/manage/versions/\d+/", site.path()), site.path()
    version_pk = site.path().strip("/").split("/")[-1]
    page.check(f"#candidate-{candidate_pk}")
    site.follow(
        page.locator(f"main form[action='/lists/manage/versions/{version_pk}/add/'] button")
    )
    site.follow(
        page.locator(f"main form[action='/lists/manage/versions/{version_pk}/send/'] button")
    )
    site.goto(f"/lists/manage/versions/{version_pk}/publish/")
    page.fill("#id_issuing_authority", "国家发展改革委、科技部（演示）")
    page.fill("#id_doc_number", f"发改高技（演示{token}）〔2027〕1号")
    page.fill("#id_issued_on", "2027-06-30")
    # No department was consulted in this walk-through: 484号 §三（二） wants the reason.
    page.fill("#id_no_consultation_reason", "演示流程未征求有关部门意见（演示）")
    site.follow(page.locator("main form button[type=submit].primary"))
    log_out(site)

    # Anyone can read the published list, without logging in.
    site.goto("/lists/")
    site.follow(page.locator(f"main a[href='/lists/versions/{version_pk}/']"))
    expect(page.locator("main")).to_contain_text(title)
    expect(page.locator("main")).to_contain_text(f"发改高技（演示{token}）〔2027〕1号")

    site.assert_accessible()
    site.assert_local_only()
