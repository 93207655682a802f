"""Every page of the task index, set-up, plan, lists and progress overview passes axe-core
(WCAG 2.0/2.1 A and AA) with the app's stylesheet, rendered from the test database.

The pages are fetched first and audited afterwards: the browser's event loop must not be
running while Django touches the database."""

import datetime
import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from tasks.services import plans
from tests.browser.conftest import AXE, AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, ROOT
from tests.conftest import client_for
from tests.test_tasks_fixtures import task_world

pytestmark = pytest.mark.browser


def test_pages_pass_axe(users):
    from playwright.sync_api import sync_playwright

    w = task_world(users, approved=False)
    day = datetime.date(2026, 1, 2)
    plans.plan_save(
        task=w.task,
        by=users["implementer"],
        timetable="年内",
        roadmap="先试点",
        milestones=[plans.MilestoneRow("制定方案", day)],
        targets=[plans.TargetRow("培育技术经理人", "名", Decimal(0), Decimal(5), day)],
    )
    plans.plan_submit(task=w.task, by=users["implementer"])
    sichuan, national = client_for(users["sichuan"]), client_for(users["national"])
    task, other = w.task, w.sichuan_tasks[1]
    implementer = task.implementers.get()
    pages = [
        (national, "/tasks/"),
        (sichuan, f"/tasks/{task.pk}/"),
        (sichuan, f"/tasks/{task.pk}/setup/"),
        (sichuan, f"/tasks/{other.pk}/implementers/add/"),
        (sichuan, f"/tasks/{task.pk}/implementers/{implementer.pk}/"),
        (sichuan, f"/tasks/{task.pk}/implementers/{implementer.pk}/remove/"),
        (sichuan, f"/tasks/{task.pk}/plan/approve/"),
        (sichuan, f"/tasks/{task.pk}/plan/return/"),
        (sichuan, f"/tasks/{other.pk}/plan/"),
        (national, "/tasks/lists/"),
        (national, f"/tasks/lists/{w.sichuan.pk}/tasks/"),
        (national, f"/tasks/lists/{w.sichuan.pk}/responsibility/"),
        (national, f"/tasks/lists/{w.sichuan.pk}/landmark/"),
        (national, f"/tasks/progress/{w.programme.pk}/"),
    ]
    css = (ROOT / "static" / "css" / "app.css").read_text()
    rendered = []
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode().replace("</head>", f"<style>{css}</style></head>")
        rendered.append((url, html))
    problems = {}
    requests: list[str] = []
    with sync_playwright() as playwright:
        # The project's launch arguments: no background traffic from the browser itself.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page()
        page.on("request", lambda request: requests.append(request.url))
        for url, html in rendered:
            page.set_content(html)
            page.add_script_tag(content=AXE.read_text())
            result = page.evaluate(
                "tags => axe.run({runOnly: {type: 'tag', values: tags}})", AXE_TAGS
            )
            assert result["passes"], url  # axe ran
            found = [
                (v["id"], v["impact"], [n["html"][:160] for n in v["nodes"][:3]])
                for v in result["violations"]
            ]
            if found:
                problems[url] = found
        browser.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
    # The pages are set as content: nothing they name may be fetched from anywhere.
    fetched = [u for u in requests if urlsplit(u).scheme not in ("about", "data", "blob")]
    assert not fetched, fetched
