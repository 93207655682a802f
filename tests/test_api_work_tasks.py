"""Tasks and progress reports through the API: each role's lists hold exactly what the pages'
selectors give it, the filters narrow them, marking a report as read (已阅) goes through the
page's service with the page's refusals, and no list costs a query per row.

The world is the implementation matrix's (`tests.test_tasks_permissions_matrix.build_world`):
Sichuan's three tasks and Guangdong's three, a submitted and a draft report on Sichuan's first.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from tasks import rules
from tasks.models import ProgressReport, Task
from tests.matrix import shared_world
from tests.test_tasks_permissions_matrix import ALLOWED, build_world

built_world, world = shared_world(build_world)
ROLES = [role for role in ALLOWED if role != "anonymous"]


def api(user, language="en") -> Client:
    token = Token.objects.get_or_create(user=user)[0].key
    return Client(headers={"Authorization": f"Token {token}", "Accept-Language": language})


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


class TestScope:
    @pytest.mark.parametrize("role", ROLES)
    def test_the_task_list_is_the_task_index(self, world, role):
        user = world.users[role]
        response = api(user).get("/api/tasks/", {"page_size": 200})
        if not rules.can_list_tasks(user):
            assert response.status_code == 403
            return
        expected = sorted(rules.TASKS.queryset(user).values_list("pk", flat=True))
        assert ids(response) == expected
        assert len(expected) == {"national": 6, "sichuan": 3, "guangdong": 3}.get(
            role, len(expected)
        )

    @pytest.mark.parametrize("role", ROLES)
    def test_the_report_list_holds_drafts_for_the_implementer_only(self, world, role):
        user = world.users[role]
        response = api(user).get("/api/reports/")
        if not rules.can_list_tasks(user):
            assert response.status_code == 403
            return
        shown = ids(response)
        assert (world.submitted_report.pk in shown) is rules.can_view_task(user, world.task)
        assert (world.draft_report.pk in shown) is (role == "implementer")

    def test_anonymous_is_asked_to_authenticate(self, world):
        for url in ("/api/tasks/", "/api/reports/", f"/api/tasks/{world.task.pk}/"):
            assert Client().get(url).status_code == 401

    def test_a_task_holds_its_plan(self, world):
        body = api(world.users["implementer"]).get(f"/api/tasks/{world.task.pk}/").json()
        assert [m["title"] for m in body["milestones"]] == list(
            world.task.milestones.order_by("position").values_list("title", flat=True)
        )
        assert body["implementers"][0]["organisation_name"] == "四川省科学技术厅"
        assert body["plan_state"] == Task.PlanState.APPROVED

    def test_a_report_holds_its_figures(self, world):
        report = world.submitted_report
        body = api(world.users["sichuan"]).get(f"/api/reports/{report.pk}/").json()
        assert body["done"] == "第一期完成了试点"
        assert {m["milestone"] for m in body["milestones"]} == set(
            report.milestones.values_list("milestone_id", flat=True)
        )


class TestFilters:
    def test_by_province_state_and_cycle(self, world):
        client = api(world.users["national"])
        sichuan = world.task.claimant.division_id
        assert sorted(ids(client.get("/api/tasks/", {"province": sichuan}))) == sorted(
            t.pk for t in Task.objects.filter(claimant__division_id=sichuan)
        )
        assert ids(client.get("/api/tasks/", {"plan_state": "submitted"})) == [
            world.submitted_plan.pk
        ]
        # The test programme is not on a cycle's list: no cycle holds its tasks.
        assert world.programme.list_version is None
        assert ids(client.get("/api/tasks/", {"cycle": 1})) == []
        assert len(ids(client.get("/api/tasks/", {"programme": world.programme.pk}))) == 6
        assert ids(client.get("/api/tasks/", {"landmark": "true"})) == [world.task.pk]

    def test_reports_by_period_and_state(self, world):
        client = api(world.users["implementer"])
        draft = world.draft_report
        found = client.get("/api/reports/", {"state": "draft", "year": draft.year})
        assert ids(found) == [draft.pk]

    @pytest.mark.parametrize(
        "query", [{"province": "x"}, {"plan_state": "nonsense"}, {"closure": "maybe"}]
    )
    def test_a_bad_filter_is_400(self, world, query):
        assert api(world.users["national"]).get("/api/tasks/", query).status_code == 400

    def test_pages(self, world):
        client = api(world.users["national"])
        first = client.get("/api/tasks/", {"page_size": 4}).json()
        second = client.get("/api/tasks/", {"page_size": 4, "page": 2}).json()
        assert first["count"] == 6 and len(first["results"]) == 4
        assert len(second["results"]) == 2
        assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


class TestReview:
    """已阅: the locality running the task (or the province overseeing it) marks a submitted
    report as read, once; through `tasks.services.reports.report_review`."""

    def url(self, world):
        return f"/api/reports/{world.submitted_report.pk}/review/"

    def post(self, user, url, data):
        return api(user).post(url, data, content_type="application/json")

    def test_the_locality_marks_it_read_once(self, world):
        url = self.url(world)
        response = self.post(world.users["sichuan"], url, {"note": "已阅，继续推进"})
        assert response.status_code == 200
        report = ProgressReport.objects.get(pk=world.submitted_report.pk)
        assert report.reviewed_by == world.users["sichuan"]
        assert report.review_note == "已阅，继续推进"
        again = self.post(world.users["sichuan"], url, {})
        assert again.status_code == 409
        assert again.json()["detail"] == "This report is already marked as read."

    @pytest.mark.parametrize(
        ("role", "status"),
        [("implementer", 403), ("national", 403), ("guangdong", 404), ("expert", 404)],
    )
    def test_the_others_are_refused_as_on_the_page(self, world, role, status):
        response = self.post(world.users[role], self.url(world), {})
        assert response.status_code == status
        assert ProgressReport.objects.get(pk=world.submitted_report.pk).reviewed_at is None

    def test_a_draft_is_not_found_by_the_locality(self, world):
        url = f"/api/reports/{world.draft_report.pk}/review/"
        assert self.post(world.users["sichuan"], url, {}).status_code == 404


class TestQueries:
    """A list costs the same number of queries for one row as for a full page."""

    @pytest.mark.parametrize(
        ("role", "url"),
        [
            ("national", "/api/tasks/"),
            ("implementer", "/api/tasks/"),
            ("implementer", "/api/reports/"),
        ],
    )
    def test_no_query_per_row(self, world, role, url):
        client = api(world.users[role])
        client.get(url)  # warm: the token, the translations
        counts = []
        for size in (1, 50):
            with CaptureQueriesContext(connection) as queries:
                rows = len(client.get(url, {"page_size": size}).json()["results"])
            counts.append((rows, len(queries)))
        (one, few), (many, more) = counts
        assert one == 1 and many >= 2
        assert few == more

    def test_a_task_reads_its_plan_in_a_bounded_number_of_queries(self, world):
        client = api(world.users["national"])
        url = f"/api/tasks/{world.task.pk}/"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # token, user, the task, its implementers, milestones, targets
        assert len(queries) <= 8, [q["sql"] for q in queries.captured_queries]
