"""Every role against every action of the expert review, as one explicit table.

The rights live in `review/rules.py`, on the role primitives of `accounts/roles.py`. Each
(role, action) cell is tested by the shared harness `tests/matrix.py`, at the permission
function and over HTTP: an allowed cell succeeds (200, or 302 with its write done), a refused
one fails without writing — 404 when the user may not know the object exists, 403 when they see
it but may not act, a redirect to login when anonymous.

`mine` is the `expert` user's assignment (with a complete draft review); `theirs` belongs to
another expert. Localities never appear in the allowed column: they see no reviews at all.
"""

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Role
from jobs.models import Job
from jobs.services import job_run
from review import rules as review_rules
from review.models import Assignment, ExpertProfile, Review
from review.selectors import review_of
from review.services.assignments import assignment_preview_enqueue
from review.services.reviews import review_save
from tests.conftest import client_for, make_user, open_cycle
from tests.matrix import Act, ApiAct, Matrix, World, shared_world
from tests.test_review_setup import assign
from tests.test_review_setup import build_world as build_review_world

COORDINATOR = {
    "review_index",
    "list_experts",
    "export_experts",
    "create_expert",
    "edit_expert",
    "cycle_overview",
    "export_assignments",
    "preview_assignment",
    "apply_assignment",
    "view_candidate",
    "add_reviewer",
    "replace_reviewer",
    "remove_reviewer",
    "remove_own_reviewer",
    "ranking",
    "export_ranking",
    "view_own_assignment",
    "view_their_assignment",
}
ALLOWED: dict[str, set[str]] = {
    "national": COORDINATOR,
    "sichuan": set(),
    "guangdong": set(),
    "region": set(),
    "city": set(),
    "implementer": set(),
    "expert": {
        "my_reviews",
        "export_my_reviews",
        "view_own_assignment",
        "save_own_review",
        "submit_own_review",
    },
    "evaluator": set(),
    "innovator": set(),
    "other_innovator": set(),
    "public": set(),
    "county": set(),
    "park": set(),
    "anonymous": set(),
}
COMPLETE = {"value": 4, "operability": 4, "assessability": 3, "replicability": 5}


def build_world(users: dict[str, Any]) -> World:
    w = build_review_world(users, open_cycle(users["national"]))
    w.mine = assign(w.ip, users["expert"], w.national)
    w.theirs = assign(w.ip, w.other_expert, w.national)
    review_save(
        assignment=w.mine,
        by=users["expert"],
        data={**COMPLETE, "recommendation": "include", "comments": "初稿"},
    )
    w.newcomer = make_user("newcomer", Role.EXPERT)
    w.profile = ExpertProfile.objects.get(user=w.other_expert)
    return w


built_world, world = shared_world(build_world)


def _review(assignment: Assignment) -> Review | None:
    return review_of(Assignment.objects.get(pk=assignment.pk))


def _saved(assignment: Assignment) -> Review:
    return Review.objects.get(assignment_id=assignment.pk)


def _preview(w: World) -> Job:
    """A finished preview of the cycle, as the worker leaves it."""
    job = assignment_preview_enqueue(cycle=w.cycle, by=w.national, reviewers=2)
    job_run(job_id=job.pk)
    return job


def _review_form(**extra: Any) -> dict[str, Any]:
    data = {k: str(v) for k, v in COMPLETE.items()}
    return {**data, "recommendation": "include", **extra}


def _get(right: Callable[[Any, World], bool], url: str, **kw: Any) -> Act:
    return Act(right=right, method="get", url=lambda w: url.format(w=w), **kw)


def national_only(u: Any, w: World) -> bool:
    return review_rules.can_assign_reviewers(u)


ACTIONS: dict[str, Act] = {
    "review_index": _get(national_only, "/review/", shows=lambda w: w.cycle.title),
    "list_experts": _get(
        lambda u, w: review_rules.can_manage_expert_pool(u),
        "/review/experts/",
        shows=lambda w: "shu_expert",
    ),
    "export_experts": _get(
        lambda u, w: review_rules.can_manage_expert_pool(u), "/review/experts/export/"
    ),
    "create_expert": Act(
        right=lambda u, w: review_rules.can_manage_expert_pool(u),
        method="post",
        url=lambda w: "/review/experts/new/",
        data=lambda w: {"user": w.newcomer.pk, "max_load": 4, "available": "on"},
        done=lambda w: ExpertProfile.objects.filter(user=w.newcomer).exists(),
    ),
    "edit_expert": Act(
        right=lambda u, w: review_rules.can_manage_expert_pool(u),
        method="post",
        url=lambda w: f"/review/experts/{w.profile.pk}/edit/",
        data=lambda w: {"tags": "矩阵标签", "max_load": 4, "available": "on"},
        done=lambda w: ExpertProfile.objects.get(pk=w.profile.pk).tags == "矩阵标签",
    ),
    "cycle_overview": _get(
        national_only, "/review/cycles/{w.cycle.pk}/", shows=lambda w: w.ip.title
    ),
    "export_assignments": _get(national_only, "/review/cycles/{w.cycle.pk}/export/"),
    "preview_assignment": Act(
        right=national_only,
        method="post",
        url=lambda w: f"/review/cycles/{w.cycle.pk}/assign/",
        data=lambda w: {"reviewers": 2},
        done=lambda w: Job.objects.filter(kind="review.assignment_preview").exists(),
    ),
    "apply_assignment": Act(
        right=national_only,
        method="post",
        url=lambda w: f"/review/previews/{_preview(w).pk}/save/",
        data=lambda w: {"accept_partial": "on"},
        done=lambda w: Job.objects.filter(kind="review.assignment_save").exists(),
    ),
    "view_candidate": _get(
        lambda u, w: review_rules.can_view_review_results(u),
        "/review/candidates/{w.ip.pk}/",
        shows=lambda w: w.ip.title,
        seen_via="view_candidate",
    ),
    "add_reviewer": Act(
        right=national_only,
        method="post",
        url=lambda w: f"/review/candidates/{w.tech.pk}/add/",
        data=lambda w: {"expert": w.other_expert.pk, "reason": "矩阵"},
        done=lambda w: Assignment.objects.filter(candidate=w.tech, expert=w.other_expert).exists(),
        seen_via="view_candidate",
    ),
    "replace_reviewer": Act(
        right=lambda u, w: review_rules.can_change_assignment(u, _review(w.theirs)),
        method="post",
        url=lambda w: f"/review/assignments/{w.theirs.pk}/replace/",
        data=lambda w: {"expert": w.shu_expert.pk, "reason": "矩阵"},
        done=lambda w: not Assignment.objects.filter(pk=w.theirs.pk).exists(),
        seen_via="view_their_assignment",
    ),
    "remove_reviewer": Act(
        right=lambda u, w: review_rules.can_change_assignment(u, _review(w.theirs)),
        method="post",
        url=lambda w: f"/review/assignments/{w.theirs.pk}/remove/",
        data=lambda w: {"reason": "矩阵"},
        done=lambda w: not Assignment.objects.filter(pk=w.theirs.pk).exists(),
        seen_via="view_their_assignment",
    ),
    "remove_own_reviewer": Act(
        right=lambda u, w: review_rules.can_change_assignment(u, _review(w.mine)),
        method="post",
        url=lambda w: f"/review/assignments/{w.mine.pk}/remove/",
        data=lambda w: {"reason": "矩阵"},
        done=lambda w: not Assignment.objects.filter(pk=w.mine.pk).exists(),
        seen_via="view_own_assignment",
    ),
    "ranking": _get(
        lambda u, w: review_rules.can_view_review_results(u),
        "/review/cycles/{w.cycle.pk}/ranking/",
        shows=lambda w: w.joint.title,
    ),
    "export_ranking": _get(
        lambda u, w: review_rules.can_view_review_results(u),
        "/review/cycles/{w.cycle.pk}/ranking/export/",
        status=302,  # to the export job's page (a background job since issue #13)
    ),
    "my_reviews": _get(
        lambda u, w: review_rules.can_list_own_reviews(u),
        "/review/mine/",
        shows=lambda w: w.ip.title,
    ),
    "export_my_reviews": _get(
        lambda u, w: review_rules.can_list_own_reviews(u), "/review/mine/export/"
    ),
    "view_own_assignment": _get(
        lambda u, w: review_rules.can_view_assignment(u, w.mine),
        "/review/assignments/{w.mine.pk}/",
        shows=lambda w: w.ip.content,
        seen_via="view_own_assignment",
    ),
    "view_their_assignment": _get(
        lambda u, w: review_rules.can_view_assignment(u, w.theirs),
        "/review/assignments/{w.theirs.pk}/",
        shows=lambda w: w.ip.content,
        seen_via="view_their_assignment",
    ),
    "save_own_review": Act(
        right=lambda u, w: review_rules.can_write_review(u, w.mine, _review(w.mine)),
        method="post",
        url=lambda w: f"/review/assignments/{w.mine.pk}/",
        data=lambda w: _review_form(comments="矩阵意见", action="save"),
        done=lambda w: _saved(w.mine).comments == "矩阵意见",
        seen_via="view_own_assignment",
    ),
    "submit_own_review": Act(
        right=lambda u, w: review_rules.can_write_review(u, w.mine, _review(w.mine)),
        method="post",
        url=lambda w: f"/review/assignments/{w.mine.pk}/submit/",
        done=lambda w: _saved(w.mine).state == "submitted",
        seen_via="view_own_assignment",
    ),
    "save_their_review": Act(
        right=lambda u, w: review_rules.can_write_review(u, w.theirs, _review(w.theirs)),
        method="post",
        url=lambda w: f"/review/assignments/{w.theirs.pk}/",
        data=lambda w: _review_form(action="save"),
        done=lambda w: _review(w.theirs) is not None,
        seen_via="view_their_assignment",
    ),
}

# The same actions over the API (`api.resources.review`), decided by the same table.
API: dict[str, ApiAct] = {
    "my_reviews": ApiAct("get", lambda w: "/api/reviews/"),
    "view_own_assignment": ApiAct("get", lambda w: f"/api/reviews/{w.mine.pk}/"),
    "view_their_assignment": ApiAct("get", lambda w: f"/api/reviews/{w.theirs.pk}/"),
    "save_own_review": ApiAct(
        "put",
        lambda w: f"/api/reviews/{w.mine.pk}/",
        lambda w: {**COMPLETE, "recommendation": "include", "comments": "矩阵意见"},
    ),
    "submit_own_review": ApiAct("post", lambda w: f"/api/reviews/{w.mine.pk}/submit/"),
    "save_their_review": ApiAct(
        "put",
        lambda w: f"/api/reviews/{w.theirs.pk}/",
        lambda w: {**COMPLETE, "recommendation": "include"},
    ),
}

MATRIX = Matrix(ALLOWED, ACTIONS, api=API)


def test_table_covers_every_role_and_names_only_known_actions(users):
    MATRIX.check_table({*users, "anonymous"})


class TestCells(MATRIX.cells()):  # type: ignore[misc]
    """Every cell of the table, at the permission function and over HTTP."""


class TestApiCells(MATRIX.api_cells()):  # type: ignore[misc]
    """The cells the API takes too, with each role's token."""


@pytest.mark.parametrize("role", MATRIX.roles[:-1])
def test_menu_shows_review_entries_by_role(users, role):
    html = client_for(users[role]).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ('href="/review/"' in html) is (role == "national")
    assert ('href="/review/mine/"' in html) is (role == "expert")
