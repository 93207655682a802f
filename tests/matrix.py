"""The role × action permission matrix that every stage's tests share.

A stage's matrix module names, for every role (anonymous visitors included), the actions that
role may take (its `ALLOWED` table: anything not listed is refused), and for every action how
to take it (an `Act`). Each (role, action) cell is then checked twice:

* at the permission function: `Act.right(user, world)`, a right from the stage's `rules.py`
  (built on the role primitives of `accounts/roles.py`), holds exactly for the allowed cells;
* over HTTP: an allowed cell succeeds (200 with the page's own text, or 302 with its write
  done); a refused one fails without writing: 404 when the user may not know the object
  exists, 403 when they see it but may not act, a redirect to login for anonymous visitors
  (on a public page, anonymous visitors are refused like anybody else). A user who has the
  part in the action but finds the object in another state (`told`: e.g. editing a proposal
  already submitted) is told so on the page, 200 or 302, and nothing is written either.

The same table drives the API (`ApiAct`): a stage's module maps an action of its table to the
API request that takes it, and `Matrix(..., api=API)`'s `api_cells()` checks each (role, action)
over the API, with the role's token (`Authorization: Token <key>`) and a JSON body. The refusal
is the page's (same `gate`, `seen_via`, `hides`, `told`), except that an anonymous request
answers 401 (no redirect to a login page), and a user told that the object changed gets 409
with the message the page shows. The write checked is the page's (`done`), and the text an
allowed cell must find (`shows`) is the page's unless the `ApiAct` names its own:

    API: dict[str, ApiAct] = {
        "view_submitted": ApiAct("get", lambda w: f"/api/proposals/{w.submitted.pk}/"),
        "submit_draft": ApiAct(
            "post", lambda w: "/api/proposals/submit/", lambda w: {"proposals": [w.draft.pk]}
        ),
    }
    MATRIX = Matrix(ALLOWED, ACTIONS, api=API)

    class TestApiCells(MATRIX.api_cells()):
        pass

The world the cells run in is built once per test class (`shared_world`), in a transaction
rolled back after the class; each cell runs in pytest-django's own transaction, rolled back
after the cell. Every cell starts from the same world, and the world is built once.
"""

import copy
import json
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from tests.conftest import make_users

ANONYMOUS = "anonymous"
# Every role of `tests.conftest.users`, then anonymous visitors. A stage may add or drop one.
ROLES: tuple[str, ...] = (
    "national",
    "sichuan",
    "guangdong",
    "region",
    "city",
    "county",
    "park",
    "implementer",
    "expert",
    "evaluator",
    "innovator",
    "other_innovator",
    "public",
    ANONYMOUS,
)
LOGIN = "/accounts/login/?next="
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# What the cells run against: a namespace of the objects the actions need, and `users`, the
# user (or AnonymousUser) of each role of the table.
World = SimpleNamespace


# A response of the test client (its stubs type it without `content`).
Response = Any


def page_text(response: Response) -> str:
    return response.content.decode()


def no_data(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Act:
    """One action: the right that decides it, and the request that takes it."""

    right: Callable[[Any, World], bool]
    method: str  # "get" or "post"
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = no_data
    # POST: did the write happen? (Checked after every request, allowed or refused.)
    done: Callable[[World], bool] | None = None
    # GET: the text an allowed page shows (and a list that `hides` leaves out), found in what
    # `read` makes of the response: the page's text, or e.g. the rows of a workbook.
    shows: Callable[[World], str] | None = None
    read: Callable[[Response], Container[str]] = page_text
    # What an allowed request answers, when not 200 (GET) or 302 (POST).
    status: int | None = None
    # The roles the view lets in at all (None: any logged-in user); the others get 403.
    gate: frozenset[str] | None = None
    # The action that decides 403 (the user sees the object) or 404 (may not know it exists).
    seen_via: str | None = None
    # A list: a refused user who passes the gate gets the list, without the object.
    hides: bool = False
    # No login needed: anonymous visitors get the page, or the refusal anybody gets.
    public: bool = False
    # Refused roles that hold the state-free right: told what changed (`told_status`), not 403.
    told: frozenset[str] = frozenset()
    told_status: int = 200

    @property
    def success(self) -> int:
        return self.status or (200 if self.method == "get" else 302)


@dataclass(frozen=True)
class ApiAct:
    """An action of the table taken over the API: the request (a JSON body for writes) and
    what an allowed request answers. Who is refused, and how, is the table's action's."""

    method: str  # "get", "post", "patch", "put" or "delete"
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = no_data
    # What an allowed request answers, when not 200 (201 for a creation, 204 for a deletion).
    status: int = 200
    # The text an allowed response holds (and a list that `hides` leaves out); None: the
    # page's `shows`.
    shows: Callable[[World], str] | None = None
    # Whether anonymous requests get an answer (not 401); None: the page's `public`. (A
    # resource readable by anyone answers 404 for what the visitor may not know exists.)
    public: bool | None = None


API_TOLD = 409  # a state-free right held, the state changed: the page's message, as a conflict


@dataclass(frozen=True)
class Matrix:
    """A stage's table: the actions each role may take, and how each action is taken."""

    allowed: Mapping[str, Set[str]]
    actions: Mapping[str, Act]
    headers: Mapping[str, str] = field(default_factory=dict)  # sent with every request
    # The actions that may also be taken over the API, by the name of the table's action.
    api: Mapping[str, ApiAct] = field(default_factory=dict)

    @property
    def roles(self) -> list[str]:
        return list(self.allowed)

    def each_cell(self) -> pytest.MarkDecorator:
        """Parametrize a test with `role` and `action`, over every cell of the table."""
        cells = [
            pytest.param(role, action, id=f"{role}-{action}")
            for role in self.allowed
            for action in self.actions
        ]
        return pytest.mark.parametrize(("role", "action"), cells)

    def each_api_cell(self) -> pytest.MarkDecorator:
        """Parametrize a test with `role` and `action`, over every API cell of the table."""
        cells = [
            pytest.param(role, action, id=f"{role}-api-{action}")
            for role in self.allowed
            for action in self.api
        ]
        return pytest.mark.parametrize(("role", "action"), cells)

    def each_role(self) -> pytest.MarkDecorator:
        return pytest.mark.parametrize("role", self.roles)

    def check_table(self, roles: Iterable[str]) -> None:
        """The table has a row for exactly `roles` and names only actions it knows."""
        assert set(self.allowed) == set(roles)
        for role, allowed in self.allowed.items():
            assert allowed <= set(self.actions), allowed - set(self.actions)
            if role == ANONYMOUS:
                assert all(self.actions[a].public for a in allowed), allowed
        assert set(self.api) <= set(self.actions), set(self.api) - set(self.actions)
        for name, api_act in self.api.items():
            assert api_act.method in ("get", "post", "patch", "put", "delete"), name
        for name, act in self.actions.items():
            assert act.method in ("get", "post"), name
            assert act.seen_via is None or act.seen_via in self.actions, name
            assert not act.hides or act.shows is not None, name

    def refusal(self, role: str, act: Act) -> int:
        """The status a refused request answers (anonymous visitors on a public page too)."""
        if act.gate is not None and role not in act.gate:
            return 403
        if role in act.told:
            return act.told_status
        if act.hides:
            return act.success  # the list without the object (an export: its job queued)
        if act.seen_via is not None and act.seen_via not in self.allowed[role]:
            return 404
        return 403

    def check_right(self, world: World, role: str, action: str) -> None:
        """The cell at the permission function."""
        allowed = action in self.allowed[role]
        assert bool(self.actions[action].right(world.users[role], world)) is allowed

    def check_http(self, world: World, role: str, action: str) -> None:
        """The cell over HTTP, with what it wrote."""
        act = self.actions[action]
        allowed = action in self.allowed[role]
        response = getattr(self.client(world.users[role]), act.method)(
            act.url(world), act.data(world)
        )
        status = response.status_code
        if allowed:
            assert status == act.success, f"allowed but {status}"
            if act.shows is not None:
                assert act.shows(world) in act.read(response), "allowed but not shown"
        elif role == ANONYMOUS and not act.public:
            assert status == 302, f"anonymous but {status}"
            assert response["Location"].startswith(LOGIN), response["Location"]
        else:
            expected = self.refusal(role, act)
            assert status == expected, f"refused with {status}, not {expected}"
            if expected == 200 and act.hides:  # a list without the object
                assert act.shows is not None
                assert act.shows(world) not in act.read(response), "refused but listed"
        if act.done is not None:
            assert act.done(world) is allowed, "not written" if allowed else "written"

    def check_api(self, world: World, role: str, action: str) -> None:
        """The cell over the API (see the module's docstring), with what it wrote."""
        act, api_act = self.actions[action], self.api[action]
        allowed = action in self.allowed[role]
        response = self.api_request(world.users[role], api_act, world)
        status = response.status_code
        shows = api_act.shows or act.shows
        if allowed:
            assert status == api_act.status, f"allowed but {status}: {page_text(response)[:300]}"
            if shows is not None:
                assert shows(world) in page_text(response), "allowed but not shown"
        elif role == ANONYMOUS and not (act.public if api_act.public is None else api_act.public):
            assert status == 401, f"anonymous but {status}"
        else:
            expected = self.api_refusal(role, act, api_act)
            assert status == expected, f"refused with {status}, not {expected}"
            if act.hides and expected == api_act.status:  # a list without the object
                assert shows is not None
                assert shows(world) not in page_text(response), "refused but listed"
        if act.done is not None:
            assert act.done(world) is allowed, "not written" if allowed else "written"

    def api_refusal(self, role: str, act: Act, api_act: ApiAct) -> int:
        """The status a refused API request answers: the page's refusal (`refusal`), with a
        list's own status for `hides` and 409 for `told`."""
        if act.gate is not None and role not in act.gate:
            return 403
        if role in act.told:
            return API_TOLD
        if act.hides:
            return api_act.status
        if act.seen_via is not None and act.seen_via not in self.allowed[role]:
            return 404
        return 403

    def api_request(self, user: Any, api_act: ApiAct, world: World) -> Response:
        """`api_act`'s request by `user`, with their token (none for anonymous visitors)."""
        headers = dict(self.headers)
        if user.is_authenticated:
            headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
        client = Client(headers=headers)
        url, data = api_act.url(world), api_act.data(world)
        if api_act.method == "get":
            return client.get(url, data)
        send = getattr(client, api_act.method)
        return send(url, json.dumps(data, default=str), content_type="application/json")

    def api_cells(self) -> type:
        """A test class checking every API cell; bound as `class TestApiCells(MATRIX.api_cells())`.
        (The permission-function cells are `cells()`'s: the table is the same.)"""
        matrix = self

        class ApiCells:
            @matrix.each_api_cell()
            def test_api(self, world: World, role: str, action: str) -> None:
                matrix.check_api(world, role, action)

        return ApiCells

    def cells(self) -> type:
        """A test class checking every cell at the permission function and over HTTP; a
        module binds it as `class TestCells(MATRIX.cells()): ...` and may add its own tests."""
        matrix = self

        class Cells:
            @matrix.each_cell()
            def test_permission_function(self, world: World, role: str, action: str) -> None:
                matrix.check_right(world, role, action)

            @matrix.each_cell()
            def test_http(self, world: World, role: str, action: str) -> None:
                matrix.check_http(world, role, action)

        return Cells

    def client(self, user: Any) -> Client:
        client = Client(headers=dict(self.headers))
        if user.is_authenticated:
            client.force_login(user)
        return client


def shared_world(build: Callable[[dict[str, Any]], World]) -> tuple[Any, Any]:
    """The fixtures `built_world` and `world` of a matrix module, for its tests to use.

    `build(users)` gets the users of `tests.conftest.users` and `anonymous`, and returns the
    world (with `users`, each role's user). It runs once per test class, in a transaction rolled
    back after the class; each test gets a copy, in its own transaction rolled back after it.
    Module-level tests that use `world` get one of their own.
    """

    @pytest.fixture(scope="class")
    def built_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
        with django_db_blocker.unblock(), transaction.atomic():
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                world = build({**make_users(), ANONYMOUS: AnonymousUser()})
            yield world
            transaction.set_rollback(True)

    @pytest.fixture
    def world(built_world: World, db: None) -> World:
        # A copy, as Django's setUpTestData gives: what a cell does to the objects in memory
        # (a cached relation, a changed field) does not reach the next cell.
        return copy.deepcopy(built_world)

    return built_world, world
