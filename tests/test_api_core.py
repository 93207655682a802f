"""The API's own behaviour around the resources: tokens (the page and `POST /api/token/` under
the login lock), 401/403/404, pagination, filters, the docs page served from this site, the
errors in the user's language, and list endpoints whose queries do not grow with their rows.

Who may do what over the API is the stage matrices' (`tests/matrix.py`, `TestApiCells` in
`test_permissions_matrix.py`, `test_merging_permissions.py`, `test_review_permissions.py`,
`test_lists_permissions.py`, `test_claims_permissions.py`).
"""

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from claims import services as claims_services
from proposals.models import Proposal
from tests.conftest import PASSWORD, client_for, make_proposal, open_cycle
from tests.matrix import Act, ApiAct, Matrix, World, shared_world
from tests.test_claims_fixtures import claimant, make_programme
from tests.test_lists_fixtures import build_world as build_lists_world
from tests.test_review_setup import assign
from tests.test_review_setup import build_world as build_review_world


def build_world(users: dict[str, Any]) -> World:
    cycle = open_cycle(users["national"])
    w = build_review_world(users, cycle)  # submitted proposals, three candidates, experts
    for candidate in (w.tech, w.ip, w.joint):
        assign(candidate, users["expert"], users["national"])
    w.drafts = [make_proposal(cycle, users["sichuan"], title=f"四川草稿{i}") for i in range(3)]
    lists = build_lists_world(users, cycle)
    w.published, w.published_item = lists.published, lists.published_item
    w.programme = make_programme(users)
    items = list(w.programme.items.order_by("position"))
    for name, item in (("sichuan", items[0]), ("sichuan", items[1]), ("guangdong", items[0])):
        user = users[name]
        claims_services.item_claim(item=item, claimant=claimant(w.programme, user), by=user)
    w.items = items
    w.draft_programme = make_programme(users, open_=False, title="草稿揭榜")
    return w


built_world, world = shared_world(build_world)


def token_client(user: Any, language: str = "en") -> Client:
    key = Token.objects.get_or_create(user=user)[0].key
    return Client(headers={"Authorization": f"Token {key}", "Accept-Language": language})


def obtain(client: Client, username: str, password: str, language: str = "en") -> Any:
    return client.post(
        "/api/token/",
        {"username": username, "password": password},
        content_type="application/json",
        headers={"Accept-Language": language},
    )


# Tokens ---------------------------------------------------------------------------------------


class TestTokens:
    def test_a_token_from_the_password_opens_the_api(self, world):
        response = obtain(Client(), "sichuan", PASSWORD)
        assert response.status_code == 200
        key = response.json()["token"]
        assert key == Token.objects.get(user=world.users["sichuan"]).key
        api = Client(headers={"Authorization": f"Token {key}"})
        assert api.get("/api/proposals/").status_code == 200
        # Asked again, a new key, and the old one is dead: no silent copy of a key in use.
        again = obtain(Client(), "sichuan", PASSWORD).json()["token"]
        assert again != key
        assert api.get("/api/proposals/").status_code == 401
        assert (
            Client(headers={"Authorization": f"Token {again}"}).get("/api/proposals/").status_code
            == 200
        )

    def test_a_new_password_kills_the_token(self, world):
        user = world.users["sichuan"]
        key = obtain(Client(), "sichuan", PASSWORD).json()["token"]
        api = Client(headers={"Authorization": f"Token {key}"})
        assert api.get("/api/proposals/").status_code == 200
        user.first_name = "改名"
        user.save()  # any other change keeps it
        assert api.get("/api/proposals/").status_code == 200
        user.set_password("another-Long-password-2")
        user.save()
        assert api.get("/api/proposals/").status_code == 401
        assert not Token.objects.filter(user=user).exists()

    def test_failures_over_the_api_lock_the_login_page_too(self, world):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            assert obtain(Client(), "sichuan", "wrong").status_code == 400
        refused = obtain(Client(), "sichuan", PASSWORD)  # the right password, now locked
        assert refused.status_code == 400
        assert "Too many failed logins" in refused.json()["detail"]
        assert not Token.objects.filter(user=world.users["sichuan"]).exists()
        page = Client().post(
            "/accounts/login/",
            {"username": "sichuan", "password": PASSWORD},
            headers={"Accept-Language": "en"},
        )
        assert page.status_code == 200  # the form again, not a redirect into the site
        assert "Too many failed logins" in page.content.decode()

    def test_failures_at_the_login_page_lock_the_api(self, world):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            Client().post("/accounts/login/", {"username": "guangdong", "password": "wrong"})
        response = obtain(Client(), "guangdong", PASSWORD, language="zh-hans")
        assert response.status_code == 400
        assert "登录失败次数过多" in response.json()["detail"]

    def test_the_token_page_shows_a_new_token_once_and_revokes_it(self, world):
        user = world.users["expert"]
        page = client_for(user)
        assert "You have no token yet." in page.get("/api/tokens/", HTTP_ACCEPT_LANGUAGE="en").text
        made = page.post("/api/tokens/", {"action": "issue"}, HTTP_ACCEPT_LANGUAGE="en")
        key = Token.objects.get(user=user).key
        assert key in made.text
        assert "no-store" in made["Cache-Control"]
        again = page.get("/api/tokens/", HTTP_ACCEPT_LANGUAGE="en").text
        assert key not in again and "You have a token." in again
        api = Client(headers={"Authorization": f"Token {key}"})
        assert api.get("/api/reviews/").status_code == 200
        # A new one replaces it: the old one stops working at once.
        page.post("/api/tokens/", {"action": "issue"})
        assert api.get("/api/reviews/").status_code == 401
        page.post("/api/tokens/", {"action": "revoke"})
        assert not Token.objects.filter(user=user).exists()
        actions = list(
            AuditEntry.objects.filter(action__startswith="api.token").values_list(
                "action", flat=True
            )
        )
        assert sorted(actions) == ["api.token_issued", "api.token_issued", "api.token_revoked"]
        # The trail never holds a key.
        assert not AuditEntry.objects.filter(object_repr__contains=key).exists()

    def test_the_token_page_needs_a_login(self):
        response = Client().get("/api/tokens/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_a_deactivated_users_token_is_refused(self, world):
        user = world.users["sichuan"]
        api = token_client(user)
        assert api.get("/api/proposals/").status_code == 200
        user.is_active = False
        user.save()
        assert api.get("/api/proposals/").status_code == 401

    def test_a_session_cannot_write_without_the_csrf_token(self, world):
        """The docs page tries requests with the site's session: DRF asks for CSRF on writes,
        so another site cannot write through a logged-in user's browser."""
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(world.users["sichuan"])
        assert browser.get("/api/proposals/").status_code == 200
        response = browser.post(
            "/api/proposals/submit/",
            {"proposals": [world.drafts[0].pk]},
            content_type="application/json",
        )
        assert response.status_code == 403
        assert Proposal.objects.get(pk=world.drafts[0].pk).state == "draft"


LISTS = [
    ("national", "/api/proposals/"),
    ("sichuan", "/api/proposals/"),
    ("national", "/api/candidates/"),
    ("expert", "/api/reviews/"),
    ("national", "/api/lists/"),
    ("national", "/api/list-versions/"),
    ("public", "/api/list-items/"),
    ("national", "/api/programmes/"),
    ("sichuan", "/api/programme-items/"),
    ("national", "/api/claims/"),
    ("sichuan", "/api/claims/"),
]


class TestResources:
    """One world for every test of the class (built once, `shared_world`)."""

    # Refusals and errors -----------------------------------------------------------------------

    def test_anonymous_requests_get_401_with_the_scheme(self, world):
        response = Client().get("/api/proposals/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"

    def test_a_wrong_token_gets_401(self, world):
        stranger = Client(headers={"Authorization": "Token 0123456789abcdef"})
        response = stranger.get("/api/proposals/")
        assert response.status_code == 401

    def test_errors_in_chinese_for_a_chinese_client(self, world):
        anonymous = Client(headers={"Accept-Language": "zh-hans"}).get("/api/proposals/")
        assert anonymous.json()["detail"] == "身份认证信息未提供。"
        # A broken rule of the process: the page's message, translated, with 409.
        api = token_client(world.users["sichuan"], "zh-hans")
        submitted = make_proposal(world.cycle, world.users["sichuan"], state="submitted")
        response = api.delete(f"/api/proposals/{submitted.pk}/")
        assert response.status_code == 409
        assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"]), response.json()
        assert Proposal.objects.filter(pk=submitted.pk).exists()

    def test_a_foreign_objects_id_is_404_and_a_bad_id_too(self, world):
        guangdong = token_client(world.users["guangdong"])
        assert guangdong.get(f"/api/proposals/{world.drafts[0].pk}/").status_code == 404
        assert guangdong.get("/api/proposals/not-a-number/").status_code == 404

    def test_invalid_bodies_get_400_with_the_forms_messages(self, world):
        api = token_client(world.users["sichuan"])
        response = api.post(
            "/api/proposals/", {"title": "", "field": 999999}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "title" in response.json()
        assert not Proposal.objects.filter(title="").exists()

    def test_the_harness_fails_a_cell_the_api_answers_otherwise(self, world):
        """The shared harness's API cells can fail: a table that lets Guangdong read Sichuan's
        draft is refuted by the API's 404, and one that refuses Sichuan by its 200."""
        view = Act(
            right=lambda u, w: False,
            method="get",
            url=lambda w: f"/proposals/{w.drafts[0].pk}/",
            shows=lambda w: w.drafts[0].title,
            seen_via="view",
        )
        api = {"view": ApiAct("get", lambda w: f"/api/proposals/{w.drafts[0].pk}/")}
        right = Matrix({"sichuan": {"view"}, "guangdong": set()}, {"view": view}, api=api)
        right.check_api(world, "sichuan", "view")
        right.check_api(world, "guangdong", "view")
        wrong = Matrix({"sichuan": set(), "guangdong": {"view"}}, {"view": view}, api=api)
        for role in ("sichuan", "guangdong"):
            with pytest.raises(AssertionError):
                wrong.check_api(world, role, "view")

    # Pagination and filters -----------------------------------------------------------------------

    def test_lists_are_paginated(self, world):
        api = token_client(world.users["sichuan"])
        body = api.get("/api/proposals/", {"page_size": 2}).json()
        assert body["count"] == Proposal.objects.filter(locality__code="510000").count()
        assert len(body["results"]) == 2 and "page=2" in body["next"]
        second = api.get("/api/proposals/", {"page_size": 2, "page": 2}).json()
        assert {r["id"] for r in body["results"]}.isdisjoint(r["id"] for r in second["results"])
        assert api.get("/api/proposals/", {"page": 999}).status_code == 404

    def test_filters_and_search(self, world):
        api = token_client(world.users["sichuan"])
        drafts = api.get("/api/proposals/", {"state": "draft"}).json()["results"]
        assert {r["id"] for r in drafts} == {p.pk for p in world.drafts}
        found = api.get("/api/proposals/", {"search": "四川草稿1"}).json()["results"]
        assert [r["id"] for r in found] == [world.drafts[1].pk]
        assert api.get("/api/proposals/", {"state": "nonsense"}).status_code == 400
        assert api.get("/api/proposals/", {"cycle": "x"}).status_code == 400

    # The docs page -----------------------------------------------------------------------

    def test_the_docs_page_loads_everything_from_this_site(self, world):
        page = Client().get("/api/docs/")
        assert page.status_code == 200
        html = page.content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), sources
        # No inline script or style: the site's CSP ('self') lets the page run as it is.
        assert "<script>" not in html and "<style" not in html
        script = Client().get("/api/docs/", {"script": ""})
        assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
        schema = Client().get("/api/schema/", {"format": "json"})
        assert schema.status_code == 200
        paths = schema.json()["paths"]
        assert {"/api/proposals/", "/api/candidates/", "/api/reviews/", "/api/programmes/"} <= set(
            paths
        )

    # Queries per list -----------------------------------------------------------------------

    @pytest.mark.parametrize(("role", "url"), LISTS, ids=[f"{r}:{u}" for r, u in LISTS])
    def test_a_lists_queries_do_not_grow_with_its_rows(self, world, role, url):
        api = token_client(world.users[role])

        def queries(size: int) -> tuple[int, int]:
            with CaptureQueriesContext(connection) as captured:
                response = api.get(url, {"page_size": size})
            assert response.status_code == 200, response.content
            return len(response.json()["results"]), len(captured)

        one_row, one_count = queries(1)
        rows, count = queries(200)
        assert one_row == 1 and rows >= 2, rows
        assert count == one_count, f"{count} queries for {rows} rows, {one_count} for one"


def test_a_forged_forwarded_for_does_not_escape_the_throttle(world):
    """The API's throttles read the client address as the login lock does (NUM_PROXIES from
    TRUSTED_PROXY_COUNT, 0 by default): a header the caller writes names no new client."""
    answers = [
        Client(headers={"X-Forwarded-For": f"10.0.0.{n}"})
        .post(
            "/api/token/", {"username": "nobody", "password": "x"}, content_type="application/json"
        )
        .status_code
        for n in range(12)
    ]
    assert answers[0] == 400
    assert answers[-1] == 429
