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

The world the cells run in is built once per test class (`shared_world`), in a transaction
rolled back after the class; each cell runs in pytest-django's own transaction, rolled back
after the cell. Every cell starts from the same world, and the world is built once.
"""

import copy
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client, override_settings

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
class Matrix:
    """A stage's table: the actions each role may take, and how each action is taken."""

    allowed: Mapping[str, Set[str]]
    actions: Mapping[str, Act]
    headers: Mapping[str, str] = field(default_factory=dict)  # sent with every request

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

    def each_role(self) -> pytest.MarkDecorator:
        return pytest.mark.parametrize("role", self.roles)

    def check_table(self, roles: Iterable[str]) -> None:
        """The table has a row for exactly `roles` and names only actions it knows."""
        assert set(self.allowed) == set(roles)
        for role, allowed in self.allowed.items():
            assert allowed <= set(self.actions), allowed - set(self.actions)
            if role == ANONYMOUS:
                assert all(self.actions[a].public for a in allowed), allowed
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
