"""The dashboard in headless Chromium: every chart is drawn by ECharts from the files the app
serves (the map of China included), no request leaves the machine, and the tables stay one
click away. The app runs in pytest-django's live server on the test database."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import ConsoleMessage, sync_playwright

from tests.conftest import client_for
from tests.test_overview_dashboards import world  # noqa: F401 (the fixture)

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
pytestmark = pytest.mark.browser


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium (make setup)")
@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the live server sees the test's data only in SQLite's shared memory database",
)
def test_charts_are_drawn_from_local_files(world, live_server, tmp_path):  # noqa: F811
    session = client_for(world.national).cookies[settings.SESSION_COOKIE_NAME].value
    host = urlsplit(live_server.url).hostname
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context()
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))

        def blocked(message: ConsoleMessage) -> None:
            """Chromium reports on the console what the Content-Security-Policy blocked."""
            if "Content Security Policy" in message.text:
                errors.append(message.text)

        page.on("console", blocked)
        page.goto(f"{live_server.url}/overview/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        for key in [
            "funnel",
            "claims",
            "late",
            "pilot",
            "adoption",
            "levels",
            "curves",
            "seminars",
            "ratings",
            "incentives",
        ]:
            box = page.locator(f"#chart-{key}")
            assert box.is_visible(), key
            assert box.locator("canvas").count() >= 1, key
        # With the chart drawn, its table is behind its toggle.
        assert page.locator("details.chart-table[open]").count() == 0
        assert any(url.endswith("/vendor/echarts/china.json") for url in requests)
        assert {urlsplit(url).hostname for url in requests} <= {host}
        assert errors == []
        # The page passes axe-core (WCAG 2.x A and AA): no violation, whatever its impact.
        page.evaluate(AXE.read_text())  # the policy refuses add_script_tag's inline script
        found = page.evaluate("tags => axe.run({runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        blocking = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found["violations"]]
        assert blocking == []
        # A measure's diffusion: its stacked curve is drawn the same way.
        page.goto(f"{live_server.url}/overview/diffusion/{world.measure.pk}/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(tmp_path / "diffusion.png"), full_page=True)
        assert page.locator("#chart-diffusion canvas").count() >= 1
        assert errors == []
        assert {urlsplit(url).hostname for url in requests} <= {host}
        browser.close()
