"""Every role, and anonymous visitors, against every action of claiming: at the permission
function and over HTTP. Refused: 404 when the user may not know the programme exists, 403 when
they see it but may not act, a redirect to login for anonymous visitors."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from claims import rules as claims_rules
from claims import services
from claims.models import Claim, Programme, TaskNotice
from tests.conftest import client_for
from tests.test_claims_fixtures import claimant, make_programme

ROLES = [
    "national",
    "sichuan",
    "guangdong",
    "region",
    "city",
    "implementer",
    "expert",
    "evaluator",
    "innovator",
    "other_innovator",
    "public",
    "anonymous",
]
CLAIMANTS = {"sichuan", "guangdong", "region"}


def user_of(users, role):
    return AnonymousUser() if role == "anonymous" else users[role]


def client(users, role) -> Client:
    return Client() if role == "anonymous" else client_for(users[role])


@pytest.fixture
def w(users):
    programme = make_programme(users)
    services.item_claim(
        item=programme.items.order_by("position")[0],
        claimant=claimant(programme, users["sichuan"]),
        by=users["sichuan"],
    )
    return programme


# right(user, programme), expected allowed roles
RIGHTS = {
    "list": (lambda u, p: claims_rules.can_list_programmes(u), {"national"} | CLAIMANTS),
    "create": (lambda u, p: claims_rules.can_manage_programmes(u), {"national"}),
    "set_claimants": (claims_rules.can_set_claimants, {"national"}),
    "close": (claims_rules.can_close_programme, {"national"}),
    "results": (claims_rules.can_view_results, {"national"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(RIGHTS))
def test_rights(users, w, role, action):
    right, allowed = RIGHTS[action]
    assert right(user_of(users, role), w) == (role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_claim_right_only_for_own_claimant(users, w, role):
    user = user_of(users, role)
    for c in w.claimants.select_related("programme"):
        assert claims_rules.can_claim(user, c) == claims_rules.speaks_for_claimant(user, c)
    expected = role in CLAIMANTS
    assert any(claims_rules.can_claim(user, c) for c in w.claimants.all()) == expected


def _status(users, role, method, url, data=None):
    c = client(users, role)
    response = c.post(url, data or {}) if method == "post" else c.get(url)
    return response.status_code, response


def _refused(role, code, status, response):
    if role == "anonymous":
        return status == 302 and "/accounts/login/" in response["Location"]
    return status == code


@pytest.mark.parametrize("role", ROLES)
def test_http_pages(users, w, role):
    pages = {
        "/claims/": ({"national"} | CLAIMANTS, 403),
        "/claims/new/": ({"national"}, 403),
        f"/claims/{w.pk}/": ({"national"} | CLAIMANTS, 404),
        f"/claims/{w.pk}/claimants/": ({"national"}, 403),
        f"/claims/{w.pk}/close/": ({"national"}, 403),
        f"/claims/{w.pk}/results/": ({"national"}, 403),
        f"/claims/{w.pk}/results/xlsx/": ({"national"}, 403),
        f"/claims/{w.pk}/items/add/": (set(), 403),  # open: items are fixed
        f"/claims/{w.pk}/open/": (set(), 403),  # already open
        f"/claims/{w.pk}/notices/issue/": (set(), 403),  # not closed yet
    }
    for url, (allowed, _refused_code) in pages.items():
        status, response = _status(users, role, "get", url)
        if role in allowed:
            assert status == 200, url
        else:
            # a claimant sees the programme but may not act: 403; others don't know it: 404
            knows = role in {"national"} | CLAIMANTS
            code = 403 if (knows or url in ("/claims/", "/claims/new/")) else 404
            assert _refused(role, code, status, response), (url, status)


@pytest.mark.parametrize("role", ROLES)
def test_http_claim_and_withdraw(users, w, role):
    items = list(w.items.order_by("position"))
    status, response = _status(users, role, "post", f"/claims/items/{items[1].pk}/claim/")
    if role in CLAIMANTS:
        assert status == 302
        assert Claim.objects.filter(item=items[1], claimed_by=users[role]).exists()
    else:
        assert _refused(role, 404, status, response)
        assert not Claim.objects.filter(item=items[1]).exists()
    # Withdrawing Sichuan's claim on item 0: only Sichuan.
    status, response = _status(users, role, "post", f"/claims/items/{items[0].pk}/withdraw/")
    mine = Claim.objects.filter(item=items[0], claimant__division__code="510000").exists()
    if role == "sichuan":
        assert status == 302 and not mine
    else:
        assert mine
        if role not in CLAIMANTS:
            assert _refused(role, 404, status, response)


@pytest.mark.parametrize("role", ROLES)
def test_draft_programme_is_unknown_to_claimants(users, role):
    draft = make_programme(users, open_=False)
    status, response = _status(users, role, "get", f"/claims/{draft.pk}/")
    if role == "national":
        assert status == 200
    else:
        assert _refused(role, 404, status, response)


@pytest.mark.parametrize("role", ROLES)
def test_http_national_writes(users, w, role):
    status, response = _status(
        users, role, "post", f"/claims/{w.pk}/close/", {"reason": "提前结束"}
    )
    closed = Programme.objects.get(pk=w.pk).state == "closed"
    assert closed == (role == "national")
    if role != "national":
        code = 403 if role in CLAIMANTS else 404
        assert _refused(role, code, status, response)
    status, response = _status(
        users,
        role,
        "post",
        "/claims/new/",
        {"kind": "zone_pilot", "title": f"新{role}", "min_claims": 3},
    )
    assert Programme.objects.filter(title=f"新{role}").exists() == (role == "national")


@pytest.mark.parametrize("role", ROLES)
def test_notices_each_claimant_sees_its_own_only(users, w, role):
    national = users["national"]
    for name in ("guangdong", "region"):
        services.item_claim(
            item=w.items.order_by("position")[2], claimant=claimant(w, users[name]), by=users[name]
        )
    services.programme_close(programme=w, by=national, reason="测试")
    services.notices_issue(
        programme=Programme.objects.get(pk=w.pk),
        by=national,
        issuing_authority="国家发展改革委",
        doc_code="发改高技",
        issued_on=datetime.date(2099, 7, 1),
    )
    notices = TaskNotice.objects.select_related("claimant")
    assert notices.count() == 3
    user = user_of(users, role)
    for notice in notices:
        own = role == "national" or claims_rules.speaks_for_claimant(user, notice.claimant)
        assert claims_rules.can_view_notice(user, notice) == own
        status, response = _status(users, role, "get", f"/claims/notices/{notice.pk}/docx/")
        if own:
            assert status == 200 and response.content[:2] == b"PK"
        else:
            assert _refused(role, 404, status, response)
    # A locality sees only its own claims: the page never lists another claimant's.
    if role in CLAIMANTS:
        html = client(users, role).get(f"/claims/{w.pk}/").content.decode()
        others = {"sichuan": "广东省", "guangdong": "四川省", "region": "四川省"}[role]
        assert others not in html
