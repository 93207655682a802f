"""End to end in a real browser, replication and promotion (复制推广) down the four levels,
source 000 (跟踪调研与评估反馈机制; 四级政策传导; "原则上各批次拟推广改革举措至国办发文之日起，
一年后组织交流研讨一次"): the national level opens a tracking round (全国摸查) over the
three batches; the county 武侯区 finds it on the stage's start page, its answers prefilled
from last year's round, moves one measure to 见成效 and files its return (报送); Sichuan sees
the county filed and the status counted in its territory and roll-up; the national
dashboard's adoption by province counts it; the national level closes the round, then
publishes the drafted fourth batch; a year and a day later (the app restarted on the same
database with its clock moved on), the worker's daily job proposes the batch's exchange
seminar and tells the national level.

Every page is audited with axe-core (no WCAG A/AA violation) and no
request may leave the app. Selectors use URLs, ids, names, CSS classes and data attributes,
not interface text; the demo's own data (a unit's name, last year's document) picks a row.
"""

import datetime
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import Locator, ViewportSize, expect

from demo.promotion_demo import DOCUMENT, REPORTS
from overview.dashboards.adoption import STATUSES
from promotion.models import AdoptionStatus
from promotion.selectors.seminars import one_year_after
from tests.browser.conftest import (
    DATABASE,
    HOST,
    MANAGE,
    STARTUP_SECONDS,
    Site,
    _app_env,
    _free_port,
    _port_answers,
    _stop,
)
from tests.browser.test_proposal_flow import log_in, log_out

pytestmark = pytest.mark.browser

TRAVEL = Path(__file__).with_name("travel_manage.py")
SUBMIT = "main form button[type=submit].primary"
SCREEN: ViewportSize = {"width": 1366, "height": 768}
JOB_SECONDS = 30
# A minimal PDF: the evidence behind the county's new answer.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
WUHOU = "武侯区"  # the demo's county (510107), user `wuhou`
CHENGDU = "成都市"
SICHUAN = "四川省"
# Last year, 武侯区 reported batch 1's measure 2 in place, with the demo's document.
LAST_STATUS, _LAST_ON = REPORTS["510107"][(1, 2)]
assert _LAST_ON is not None
LAST_DATE: datetime.date = _LAST_ON
NEW_DOCUMENT = "（测试）武侯区关于一站式投融资信息服务的实施细则"
# Columns of a status in the pages' tables, in AdoptionStatus order (the territory list and
# the roll-up) and in the dashboard's order (answers expected, not reported, then STATUSES).
STATUS_ORDER = list(AdoptionStatus.values)


def _app_today() -> datetime.date:
    """The app's day (Asia/Shanghai), which is not the machine's around midnight."""
    return datetime.datetime.now(tz=ZoneInfo(settings.TIME_ZONE)).date()


# The app, restartable on the same database with the clock moved on ------------------------------


@dataclass
class App:
    """The module's own copy of the demo (database and media in `folder`), served on one port
    by runserver and the job worker; `restart` starts them again on the same folder, with
    the clock moved to another day (tests/browser/travel_manage.py)."""

    folder: Path
    port: int = field(default_factory=_free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, day: datetime.date | None = None) -> None:
        self.starts += 1
        prefix = [str(TRAVEL), day.isoformat()] if day is not None else [str(MANAGE)]
        commands = {
            # --insecure: with DEBUG off runserver serves the static files only when told to.
            "server": ["runserver", f"{HOST}:{self.port}", "--noreload", "--insecure"],
            "worker": ["run_jobs", "--interval", "0.5"],
        }
        env = _app_env(self.folder)
        for name, args in commands.items():
            with open(self._log(name), "wb") as log:
                self.procs[name] = subprocess.Popen(  # noqa: S603 (our own scripts)
                    [sys.executable, *prefix, *args],
                    cwd=MANAGE.parent,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _port_answers(self.port):
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    output = self._log(name).read_text(errors="replace")
                    pytest.fail(f"the {name} exited with {proc.returncode}:\n{output}")
            if time.monotonic() > deadline:
                output = self._log("server").read_text(errors="replace")
                pytest.fail(f"runserver did not answer on port {self.port} in time:\n{output}")
            time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs.values():
            _stop(proc)
        self.procs.clear()
        # The port is the same after a restart: wait until the old server has let it go.
        deadline = time.monotonic() + STARTUP_SECONDS
        while _port_answers(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def restart(self, day: datetime.date) -> None:
        self.stop()
        self.start(day)

    def _log(self, name: str) -> Path:
        return self.folder / f"{name}-{self.starts}.log"


@pytest.fixture(scope="module")
def promotion_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    folder = tmp_path_factory.mktemp("promotion")
    shutil.copy(demo_template / DATABASE, folder / DATABASE)
    if (demo_template / "media").exists():
        shutil.copytree(demo_template / "media", folder / "media")
    app = App(folder=folder)
    try:
        app.start()
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def app_url(promotion_app: App) -> str:
    """conftest's `site` serves this module's app (the port stays the same on a restart)."""
    return promotion_app.url


# Reading the pages ----------------------------------------------------------------------------


def _cells(row: Locator) -> list[str]:
    return [text.strip() for text in row.locator("th, td").all_text_contents()]


def _sichuan_on_dashboard(site: Site) -> dict[str, int]:
    """Sichuan's row of the national dashboard's adoption by province (the map's table):
    answers expected, not reported, then one count per status."""
    site.goto("/overview/")
    table = site.page.locator("#chart-adoption-title ~ details.chart-table table")
    row = table.locator("tbody tr").filter(has=site.page.locator("th", has_text=SICHUAN))
    expect(row).to_have_count(1)
    cells = _cells(row)
    figures = [int(value) for value in cells[1 : 3 + len(STATUSES)]]
    return {"expected": figures[0], "not_reported": figures[1]} | {
        str(status): figures[2 + i] for i, status in enumerate(STATUSES)
    }


def _status_cell(row: Locator, first: int, status: str) -> Locator:
    """The cell of `status` in a row whose status columns start at cell `first`."""
    return row.locator("td").nth(first + STATUS_ORDER.index(status))


def _screenshot(site: Site, artifacts: Path, name: str, part: Locator | None = None) -> None:
    """What a 1366×768 screen shows (from `part`, scrolled to, if given), and the whole page."""
    if part is not None:
        part.evaluate("element => element.scrollIntoView()")
    else:
        site.page.evaluate("window.scrollTo(0, 0)")
    site.page.screenshot(path=str(artifacts / f"promotion-{name}.png"))
    site.page.screenshot(path=str(artifacts / f"promotion-{name}-full.png"), full_page=True)


def _pk(path: str | None, pattern: str) -> int:
    match = re.search(pattern, path or "")
    assert match, f"{pattern} not in {path}"
    return int(match.group(1))


# The flow -------------------------------------------------------------------------------------


def test_round_adoption_rollup_dashboard_seminar(
    site: Site, promotion_app: App, artifacts: Path
) -> None:
    page = site.page
    page.set_viewport_size(SCREEN)
    today = _app_today()

    # 1. The national level opens a tracking round over the three batches, from the start
    # page, and notes Sichuan's figures on the dashboard before anybody answers.
    log_in(site, "national")
    site.goto("/promotion/")
    site.follow(page.locator("#waiting a[href='/promotion/rounds/new/']"))
    page.fill("#id_title", "2026年复制推广改革举措跟踪调研（测试）")
    batches = page.locator("main input[name=batches]")
    expect(batches).to_have_count(3)  # the published batches; the drafted 4th is not offered
    for index in range(3):
        batches.nth(index).check()
    page.fill("#id_deadline", (today + datetime.timedelta(days=30)).isoformat())
    page.fill("#id_note", "（测试）请按上轮填报情况更新各项举措的推广落实情况。")
    site.follow(page.locator(SUBMIT))
    round_pk = _pk(site.path(), r"^/promotion/rounds/(\d+)/$")
    round_url = f"/promotion/rounds/{round_pk}/"
    expect(page.locator("main dl.fields .badge")).to_have_class("badge submitted")  # open
    expect(page.locator(f"main a[href='{round_url}close/']")).to_have_count(1)
    before = _sichuan_on_dashboard(site)
    log_out(site)

    # 2. The county finds the round on the start page; its answers are last year's.
    log_in(site, "wuhou")
    site.goto("/promotion/")
    waiting = page.locator(f"#waiting li[data-round='{round_pk}']")
    own = waiting.locator(f"a[href^='{round_url}division/']")
    expect(own).to_have_count(1)
    site.follow(own)
    unit_url = site.path()
    assert re.fullmatch(rf"{round_url}division/\d+/", unit_url), unit_url
    expect(page.locator("main h1")).to_contain_text(WUHOU)
    expect(page.locator("main dl.fields .badge")).to_have_class("badge draft")  # not filed
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    measures = rows.count()
    assert rows.locator("a[href*='/measures/']").count() == measures  # all answerable
    last_year = rows.filter(has_text=DOCUMENT)
    expect(last_year).to_have_count(1)  # the measure it reported in place last year
    expect(last_year.locator("td").nth(3)).to_have_text(LAST_DATE.isoformat())
    site.follow(last_year.locator("a[href*='/measures/']"))
    measure_pk = _pk(site.path(), r"/measures/(\d+)/$")
    expect(page.locator(f"input[name=status][value={LAST_STATUS}]")).to_be_checked()
    expect(page.locator("#id_status_on")).to_have_value(LAST_DATE.isoformat())
    expect(page.locator("#id_local_document")).to_have_value(DOCUMENT)

    effective_on = today - datetime.timedelta(days=20)
    page.check(f"input[name=status][value={AdoptionStatus.EFFECTIVE}]")
    page.fill("#id_status_on", effective_on.isoformat())
    page.fill("#id_local_document", NEW_DOCUMENT)
    page.fill("#id_difficulties", "（测试）部分金融机构数据接口标准不一。")
    page.set_input_files(
        "#id_evidence", {"name": "effect.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    site.follow(page.locator(SUBMIT))
    assert site.path() == unit_url
    changed = rows.filter(has_text=NEW_DOCUMENT)
    expect(changed).to_have_count(1)
    expect(changed.locator("td").nth(3)).to_have_text(effective_on.isoformat())
    expect(changed.locator("a[href^='/promotion/adoption/'][href$='/evidence/']")).to_have_count(1)
    expect(rows.filter(has_text=DOCUMENT)).to_have_count(0)

    site.follow(page.locator(f"main a[href='{unit_url}file/']"))
    expect(page.locator("main table tbody tr")).to_have_count(measures)  # what is confirmed
    site.follow(page.locator(SUBMIT))
    assert site.path() == unit_url
    expect(page.locator("main dl.fields .badge")).to_have_class("badge submitted")  # filed
    _screenshot(site, artifacts, "unit")
    log_out(site)

    # 3. Sichuan sees the county filed, and the new status counted, in its territory and in
    # the roll-up of the measure (by prefecture, then 成都市 by county).
    log_in(site, "sichuan")
    site.goto(round_url)
    site.follow(page.locator(f"main a[href='{round_url}units/']"))
    page.fill("#id_q", WUHOU)
    page.select_option("#id_state", "filed")
    site.follow(page.locator("form.filters button[type=submit]"))
    county = page.locator("main table tbody tr").filter(has=page.locator(f"a[href='{unit_url}']"))
    expect(county).to_have_count(1)
    expect(_status_cell(county, 3, AdoptionStatus.EFFECTIVE)).to_have_text("1")
    _screenshot(site, artifacts, "territory")

    site.goto(round_url)
    site.follow(page.locator(f"main a[href='{round_url}rollup/']"))
    page.select_option("#id_measure", str(measure_pk))
    site.follow(page.locator("form.filters button[type=submit]"))
    prefecture = page.locator("main table tbody tr").filter(has_text=CHENGDU)
    expect(prefecture).to_have_count(1)
    expect(_status_cell(prefecture, 1, AdoptionStatus.EFFECTIVE)).to_have_text("1")
    _screenshot(site, artifacts, "rollup-province")
    site.follow(prefecture.locator("a"))
    assert "by=county" in site.path()
    county = page.locator("main table tbody tr").filter(has_text=WUHOU)
    expect(county).to_have_count(1)
    expect(_status_cell(county, 1, AdoptionStatus.EFFECTIVE)).to_have_text("1")
    expect(_status_cell(county, 1, AdoptionStatus.LANDED)).to_have_text("0")
    _screenshot(site, artifacts, "rollup-prefecture")
    log_out(site)

    # 4. The national dashboard counts it: one more 见成效 and one less 已落地 in Sichuan.
    log_in(site, "national")
    after = _sichuan_on_dashboard(site)
    assert after[AdoptionStatus.EFFECTIVE] == before[AdoptionStatus.EFFECTIVE] + 1, (before, after)
    assert after[AdoptionStatus.LANDED] == before[AdoptionStatus.LANDED] - 1, (before, after)
    assert after["expected"] == before["expected"]
    adoption = page.locator("section[aria-labelledby='chart-adoption-title']")
    adoption.locator("details.chart-table > summary").click()  # the table behind the map
    _screenshot(site, artifacts, "dashboard", adoption.locator("h2"))
    adoption.screenshot(path=str(artifacts / "promotion-dashboard-adoption.png"))

    # 5. The national level closes the round, after the confirmation page.
    site.goto(round_url)
    site.follow(page.locator(f"main a[href='{round_url}close/']"))
    site.follow(page.locator(SUBMIT))
    assert site.path() == round_url
    expect(page.locator("main dl.fields .badge")).to_have_class("badge draft")  # closed
    expect(page.locator(f"main a[href='{round_url}close/']")).to_have_count(0)

    # 6. It publishes the drafted fourth batch, issued today: its seminar is due in a year,
    # and none is proposed yet.
    site.goto("/promotion/batches/")
    site.follow(page.locator("main .actions a.button.primary[href^='/promotion/batches/']"))
    batch_pk = _pk(site.path(), r"^/promotion/batches/(\d+)/$")
    batch_url = f"/promotion/batches/{batch_pk}/"
    site.follow(page.locator(f"main a[href='{batch_url}publish/']"))
    issued_on = _app_today()
    page.fill("#id_doc_number", "测试〔2026〕1号")
    expect(page.locator("#id_title")).not_to_be_empty()
    page.fill("#id_issued_on", issued_on.isoformat())
    site.follow(page.locator(SUBMIT))
    assert site.path() == batch_url
    expect(page.locator("main h1")).to_contain_text("测试〔2026〕1号")

    due_on = one_year_after(issued_on)
    site.goto("/promotion/seminars/")
    fourth = page.locator("main tr[data-batch='4']")
    expect(fourth.locator("td").nth(1)).to_have_text(due_on.isoformat())
    expect(fourth.locator(f"a[href='/promotion/seminars/new/?batch={batch_pk}']")).to_have_count(1)
    expect(fourth.locator("a")).to_have_count(1)  # no seminar open for it
    log_out(site)

    # A year and a day later: the same database, the server and the worker on a moved clock.
    promotion_app.restart(due_on + datetime.timedelta(days=1))
    log_in(site, "national")
    seminar = fourth.locator("a[href^='/promotion/seminars/']:not([href*='/new/'])")
    deadline = time.monotonic() + JOB_SECONDS
    while True:
        site.goto("/promotion/seminars/")
        if seminar.count():
            break
        assert time.monotonic() < deadline, "no seminar was proposed for the 4th batch in time"
        page.wait_for_timeout(500)  # the worker runs every half second
    seminar_url = seminar.get_attribute("href")
    assert seminar_url is not None and re.fullmatch(r"/promotion/seminars/\d+/", seminar_url)
    expect(fourth.locator("td").nth(2).locator(".bad")).to_have_count(1)  # a day overdue
    _screenshot(site, artifacts, "seminars")
    site.follow(seminar)
    expect(page.locator(f"main a[href='{seminar_url}plan/']")).to_have_count(1)  # proposed
    expect(page.locator("main dl.fields")).to_contain_text(due_on.isoformat())
    site.goto("/notifications/")
    expect(page.locator(f"#messages tr.unread a[href='{seminar_url}']")).to_have_count(1)
    log_out(site)

    site.assert_accessible()
    site.assert_local_only()
