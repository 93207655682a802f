"""Every role, and anonymous visitors, against every action of claiming, as one explicit table.

The rights live in `claims/rules.py`, on the role primitives of `accounts/roles.py`. Each
(role, action) cell is tested by the shared harness `tests/matrix.py`, at the permission
function and over HTTP. Refused: 404 when the user may not know the programme exists, 403 when
they see it but may not act, a redirect to login for anonymous visitors.

The programme is open, and Sichuan has claimed its first item; a second programme is still a
draft. `sichuan`, `guangdong` and `region` (experiment region 1) may claim in both.
"""

import datetime
from collections.abc import Callable
from typing import Any

from claims import rules as claims_rules
from claims import services
from claims.models import Claim, Programme, TaskNotice
from tests.matrix import ANONYMOUS, LOGIN, Act, ApiAct, Matrix, World, shared_world
from tests.test_claims_fixtures import claimant, make_programme

CLAIMANTS = {"sichuan", "guangdong", "region"}
# The table. Anything not listed for a role is refused.
ALLOWED: dict[str, set[str]] = {
    "national": {
        "list",
        "create_form",
        "create",
        "view",
        "view_draft",
        "claimants",
        "close_form",
        "close",
        "results",
        "results_xlsx",
    },
    "sichuan": {"list", "view", "claim"},
    "guangdong": {"list", "view", "claim"},
    "region": {"list", "view", "claim"},
    "city": set(),
    "implementer": set(),
    "expert": set(),
    "evaluator": set(),
    "innovator": set(),
    "other_innovator": set(),
    "public": set(),
    "county": set(),
    "park": set(),
    "anonymous": set(),
}


def build_world(users: dict[str, Any]) -> World:
    programme = make_programme(users)
    items = list(programme.items.order_by("position"))
    services.item_claim(
        item=items[0], claimant=claimant(programme, users["sichuan"]), by=users["sichuan"]
    )
    draft = make_programme(users, open_=False, title="草稿揭榜")
    return World(users=users, programme=programme, items=items, draft=draft)


built_world, world = shared_world(build_world)


def sees(user: Any, programme: Programme) -> bool:
    """The national coordinator, and once it is open, the claimants the user speaks for."""
    return claims_rules.can_manage_programmes(user) or (
        programme.state != Programme.State.DRAFT
        and any(claims_rules.speaks_for_claimant(user, c) for c in programme.claimants.all())
    )


def page(right: Callable[[Any, Programme], bool], path: str) -> Act:
    """A page of the open programme, seen by who `sees` it (403), unknown to the others (404)."""
    return Act(
        right=lambda u, w: right(u, w.programme),
        method="get",
        url=lambda w: f"/claims/{w.programme.pk}/{path}",
        seen_via="view",
    )


def _closed(w: World) -> bool:
    return Programme.objects.get(pk=w.programme.pk).state == Programme.State.CLOSED


ACTIONS: dict[str, Act] = {
    "list": Act(
        right=lambda u, w: claims_rules.can_list_programmes(u),
        method="get",
        url=lambda w: "/claims/",
    ),
    "create_form": Act(
        right=lambda u, w: claims_rules.can_manage_programmes(u),
        method="get",
        url=lambda w: "/claims/new/",
    ),
    "create": Act(
        right=lambda u, w: claims_rules.can_manage_programmes(u),
        method="post",
        url=lambda w: "/claims/new/",
        data=lambda w: {"kind": "zone_pilot", "title": "新的揭榜", "min_claims": 3},
        done=lambda w: Programme.objects.filter(title="新的揭榜").exists(),
    ),
    "view": page(sees, ""),
    # A draft is the coordinator's alone: nobody else learns that it exists.
    "view_draft": Act(
        right=lambda u, w: sees(u, w.draft),
        method="get",
        url=lambda w: f"/claims/{w.draft.pk}/",
        seen_via="view_draft",
    ),
    "claimants": page(claims_rules.can_set_claimants, "claimants/"),
    "close_form": page(claims_rules.can_close_programme, "close/"),
    "close": Act(
        right=lambda u, w: claims_rules.can_close_programme(u, w.programme),
        method="post",
        url=lambda w: f"/claims/{w.programme.pk}/close/",
        data=lambda w: {"reason": "提前结束"},
        done=_closed,
        seen_via="view",
    ),
    "results": page(claims_rules.can_view_results, "results/"),
    "results_xlsx": page(claims_rules.can_view_results, "results/xlsx/"),
    # The programme is open: its items are fixed, it opens no more, it issues no notice yet.
    "add_item": page(claims_rules.can_edit_programme, "items/add/"),
    "open": page(claims_rules.can_open_programme, "open/"),
    "issue_notices": page(claims_rules.can_issue_notices, "notices/issue/"),
    # An item is claimable only by the claimants of its programme: for the others, unknown.
    "claim": Act(
        right=lambda u, w: any(
            claims_rules.can_claim(u, c) for c in w.programme.claimants.select_related("programme")
        ),
        method="post",
        url=lambda w: f"/claims/items/{w.items[1].pk}/claim/",
        done=lambda w: Claim.objects.filter(item=w.items[1]).exists(),
        seen_via="claim",
    ),
}

# The same actions over the API (`api.resources.claims`), decided by the same table.
API: dict[str, ApiAct] = {
    "list": ApiAct("get", lambda w: "/api/programmes/", shows=lambda w: w.programme.title),
    "view": ApiAct(
        "get", lambda w: f"/api/programmes/{w.programme.pk}/", shows=lambda w: w.items[1].title
    ),
    "view_draft": ApiAct(
        "get", lambda w: f"/api/programmes/{w.draft.pk}/", shows=lambda w: w.draft.title
    ),
    "close": ApiAct(
        "post",
        lambda w: f"/api/programmes/{w.programme.pk}/close/",
        lambda w: {"reason": "提前结束"},
    ),
    "claim": ApiAct("post", lambda w: f"/api/programme-items/{w.items[1].pk}/claim/", status=201),
}

MATRIX = Matrix(ALLOWED, ACTIONS, api=API)


def test_table_covers_every_role_and_names_only_known_actions(users):
    MATRIX.check_table({*users, "anonymous"})


class TestCells(MATRIX.cells()):  # type: ignore[misc]
    @MATRIX.each_role()
    def test_claim_right_only_for_own_claimant(self, world, role):
        user = world.users[role]
        claimants = world.programme.claimants.select_related("programme")
        for c in claimants:
            assert claims_rules.can_claim(user, c) == claims_rules.speaks_for_claimant(user, c)
        assert any(claims_rules.can_claim(user, c) for c in claimants) == (role in CLAIMANTS)

    @MATRIX.each_role()
    def test_a_claim_is_made_and_withdrawn_for_oneself_only(self, world, role):
        user, items = world.users[role], world.items
        client = MATRIX.client(user)
        client.post(f"/claims/items/{items[1].pk}/claim/")
        if role in CLAIMANTS:
            assert Claim.objects.filter(item=items[1], claimed_by=user).exists()
        # Withdrawing Sichuan's claim on item 0: only Sichuan.
        response = client.post(f"/claims/items/{items[0].pk}/withdraw/")
        mine = Claim.objects.filter(item=items[0], claimant__division__code="510000").exists()
        if role == "sichuan":
            assert response.status_code == 302 and not mine
        else:
            assert mine
            if role == ANONYMOUS:
                assert response.status_code == 302
                assert response["Location"].startswith(LOGIN)
            elif role not in CLAIMANTS:
                assert response.status_code == 404

    @MATRIX.each_role()
    def test_notices_each_claimant_sees_its_own_only(self, world, role):
        programme, items, national = world.programme, world.items, world.users["national"]
        for name in ("guangdong", "region"):
            user = world.users[name]
            services.item_claim(item=items[2], claimant=claimant(programme, user), by=user)
        services.programme_close(programme=programme, by=national, reason="测试")
        services.notices_issue(
            programme=Programme.objects.get(pk=programme.pk),
            by=national,
            issuing_authority="国家发展改革委",
            doc_code="发改高技",
            issued_on=datetime.date(2099, 7, 1),
        )
        notices = TaskNotice.objects.select_related("claimant")
        assert notices.count() == 3
        user = world.users[role]
        client = MATRIX.client(user)
        for notice in notices:
            own = role == "national" or claims_rules.speaks_for_claimant(user, notice.claimant)
            assert claims_rules.can_view_notice(user, notice) == own
            response = client.get(f"/claims/notices/{notice.pk}/docx/")
            if own:
                assert response.status_code == 200 and response.content[:2] == b"PK"
            elif role == ANONYMOUS:
                assert response.status_code == 302
                assert response["Location"].startswith(LOGIN)
            else:
                assert response.status_code == 404
        # A locality sees only its own claims: the page never lists another claimant's.
        if role in CLAIMANTS:
            html = client.get(f"/claims/{programme.pk}/").content.decode()
            others = {"sichuan": "广东省", "guangdong": "四川省", "region": "四川省"}[role]
            assert others not in html


class TestApiCells(MATRIX.api_cells()):  # type: ignore[misc]
    """The cells the API takes too, with each role's token."""
