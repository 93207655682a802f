"""Issue #12's table of actions, measured in a real browser on the demo: how many actions
(clicks that load a page, and fields typed into) a user needs, counted from the home page the
login lands on, to get a common job done.

| role | job | before #12 | goal |
|---|---|---|---|
| implementer | file an unchanged quarterly report | 7 + a typed sentence | ≤ 3, nothing typed |
| implementer | the same for all of one's tasks | N × the above | ≤ 3 in all |
| locality | turn a suggestion into a proposal | 14, retyping | fields carried, ≤ 5 |
| implementer, locality, zone | know what to do today | “nothing to do” | a to-do list |

Every page on the way is audited with axe-core (no WCAG A/AA violation) and no request may
leave the app. Selectors are ids, names and data attributes, not interface text.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import RequestFactory
from playwright.sync_api import Locator, expect

from jiebang.errors import server_error
from tests.browser.conftest import Site, manage
from tests.browser.test_proposal_flow import log_in

pytestmark = pytest.mark.browser

# The demo's implementer has one report due (its third task's last quarter). The single filing
# takes one and the batch needs several more, so this module's copy of the demo unfiles the
# last two quarters of its other open task, as if they had not been filed yet.
UNFILE = """
import datetime
from accounts.models import User
from tasks.models import ProgressReport
from tasks.reports_selectors import due_reports
user = User.objects.get(username="implementer")
today = datetime.date.today()
due = due_reports(user, today)
filed = ProgressReport.objects.filter(
    state="submitted", task__implementers__organisation=user.organisation
).exclude(task__in=[d.task for d in due]).order_by("-year", "-period")
for report in filed:
    report.delete()
    if len(due_reports(user, today)) == 3:
        break
assert len(due_reports(user, today)) == 3
"""


@pytest.fixture(scope="module")
def app_folder(app_folder: Path) -> Path:
    manage(app_folder, "shell", "-v0", "-c", UNFILE)
    return app_folder


@dataclass
class Actions:
    """Counts what the user does: each click that loads a page and each field typed into."""

    site: Site
    clicks: int = 0
    typed: int = 0

    def click(self, locator: Locator) -> None:
        self.clicks += 1
        self.site.follow(locator)

    def type(self, selector: str, text: str) -> None:
        self.typed += 1
        self.site.page.fill(selector, text)

    @property
    def count(self) -> int:
        return self.clicks + self.typed


def _todo_keys(site: Site) -> list[str]:
    return site.page.locator("#todo li[data-key]").evaluate_all(
        "items => items.map(item => item.dataset.key)"
    )


def test_implementer_files_an_unchanged_report_in_one_action(site: Site) -> None:
    log_in(site, "implementer")
    actions = Actions(site)
    button = site.page.locator("#todo [data-action='report-unchanged']").first
    expect(button).to_be_visible()
    actions.click(button)
    # The report's own page: submitted, marked as filed unchanged.
    assert site.path().startswith("/tasks/reports/"), site.path()
    expect(site.page.locator("main dl.fields .badge.submitted")).to_be_visible()
    expect(site.page.locator("#report-unchanged")).to_be_visible()
    assert actions.count <= 3 and actions.typed == 0, actions
    site.assert_accessible()
    site.assert_local_only()


def test_implementer_files_every_unchanged_report_at_once(site: Site) -> None:
    log_in(site, "implementer")
    before = site.page.locator("#todo [data-action='report-unchanged']").count()
    assert before >= 2, "the demo implementer should have several reports due"
    actions = Actions(site)
    actions.click(site.page.locator("#todo [data-action='reports-unchanged']"))
    rows = site.page.locator("main input[type=checkbox][name=items]")
    assert rows.count() == before
    assert rows.evaluate_all("boxes => boxes.every(box => box.checked)")
    actions.click(site.page.locator("[data-action='reports-unchanged-submit']"))
    expect(site.page.locator("ul.messages li.success")).to_be_visible()
    assert actions.count <= 3 and actions.typed == 0, actions
    # Back home, nothing is left to file unchanged.
    site.goto("/")
    assert site.page.locator("#todo [data-action='report-unchanged']").count() == 0
    site.assert_accessible()
    site.assert_local_only()


@pytest.mark.parametrize("username", ["implementer", "sichuan", "chengdu_zone"])
def test_the_home_page_says_what_to_do_today(site: Site, username: str) -> None:
    log_in(site, username)
    keys = _todo_keys(site)
    assert keys, f"{username}'s home shows no to-do item"
    assert site.page.locator("#todo-empty").count() == 0
    # Each item's link leads straight to a page that answers.
    for href in site.page.locator("#todo li[data-key] > a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    ):
        site.goto(href)
    site.assert_accessible()
    site.assert_local_only()


def test_locality_turns_a_suggestion_into_a_proposal_in_five_actions(site: Site) -> None:
    log_in(site, "sichuan")
    actions = Actions(site)
    actions.click(site.page.locator("#todo li[data-key='suggestions-received'] > a"))
    actions.click(site.page.locator("main table a[href^='/suggestions/']").first)
    title = site.page.locator("main h1").inner_text()
    actions.click(site.page.locator("main a[href*='/proposals/new/?from=']"))
    # Title, content and the organisation are carried over: nothing is typed again.
    assert site.page.input_value("#id_title")
    assert site.page.input_value("#id_content")
    actions.click(site.page.locator("main form button[type=submit].primary"))
    assert re.fullmatch(r"/proposals/\d+/", site.path()), site.path()
    assert actions.count <= 5 and actions.typed == 0, actions
    assert site.page.locator("main h1").inner_text().strip(), title
    site.assert_accessible()
    site.assert_local_only()


def test_the_error_pages_are_accessible(site: Site) -> None:
    """403, 404, the refused CSRF check and 500, as the browser shows them, pass axe-core."""
    log_in(site, "implementer")
    for path, status in (("/no-such-page/", 404), ("/merging/", 403)):
        response = site.page.goto(site.base_url + path)
        assert response is not None and response.status == status, path
        expect(site.page.locator("main a[href='/']").first).to_be_visible()
        site.audit()
    # A form posted after its CSRF cookie is gone: the site's own page, not Django's.
    site.goto("/accounts/password/")
    site.page.context.clear_cookies(name="csrftoken")
    for field in ("#id_old_password", "#id_new_password1", "#id_new_password2"):
        site.page.fill(field, "x")
    with site.page.expect_navigation() as refused:
        site.page.locator("main form button[type=submit]").first.click()
    assert refused.value is not None and refused.value.status == 403
    expect(site.page.locator("main a[href='/']").first).to_be_visible()
    site.audit()
    # No URL fails on purpose: the 500 page, rendered as the server renders it, is shown in
    # the site's origin so that its stylesheet loads.
    site.page.set_content(server_error_page())
    site.page.wait_for_load_state("load")
    expect(site.page.locator("main a[href='/']").first).to_be_visible()
    site.audit()
    site.assert_accessible()


def server_error_page() -> str:
    return server_error(RequestFactory().get("/")).content.decode()
