"""Every role against every merging action, as one explicit table.

The rights live in `merging/rules.py` (and `proposals/rules.py` for who drafts), on the role
primitives of `accounts/roles.py`. Each (role, action) cell is tested by the shared harness
`tests/matrix.py`, at the permission function and over HTTP: an allowed cell succeeds (200, or
302 with its write done), a refused one fails without writing: 404 when the user may not know
the object exists (groups are the centre's working material; a candidate is known to the
provinces it came from), 403 when they see it but may not act, a redirect to login when
anonymous.

The candidate holds a Sichuan proposal only: Sichuan reads it, Guangdong does not know it
exists.
"""

import io
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook

from jobs.models import Job
from merging import rules as merging_rules
from merging import services
from merging.models import CandidateMeasure, SuggestedGroup
from proposals import rules as proposals_rules
from proposals.models import Proposal
from tests.conftest import client_for, open_cycle
from tests.matrix import Act, ApiAct, Matrix, World, shared_world
from tests.test_merging_flows import (
    COURT,
    STAFF,
    TAX,
    TECH,
    TECH_AGAIN,
    VISA,
    candidate_data,
    form_data,
    group_of,
    submitted,
)

MERGING = {
    "index",
    "groups",
    "suggest",
    "export_groups",
    "accept_form",
    "accept",
    "split",
    "join",
    "ignore",
    "restore",
    "remaining",
    "merge_form",
    "merge",
    "promote_confirm",
    "promote",
    "candidates",
    "export_candidates",
    "view_candidate",
    "undo_form",
    "undo",
}
ALLOWED: dict[str, set[str]] = {
    "national": MERGING,
    # Sichuan has a source in the candidate: it reads it. Both provinces draft, so both get
    # the drafting warning.
    "sichuan": {"view_candidate", "similar"},
    "guangdong": {"similar"},
    "region": set(),
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
    national, sichuan, guangdong = users["national"], users["sichuan"], users["guangdong"]
    cycle = open_cycle(national)
    tech = [submitted(cycle, sichuan, TECH), submitted(cycle, guangdong, TECH_AGAIN)]
    tech.append(submitted(cycle, guangdong, TECH, contact_name="李四"))
    visa = [submitted(cycle, sichuan, VISA), submitted(cycle, guangdong, VISA)]
    court = [submitted(cycle, sichuan, COURT), submitted(cycle, guangdong, COURT)]
    loose = [submitted(cycle, sichuan, TAX), submitted(cycle, guangdong, STAFF)]
    source = submitted(cycle, sichuan, TAX, contact_name="王五")
    candidate = services.proposals_merge(
        cycle=cycle, proposals=[source], by=national, data=candidate_data(title="联合办税举措")
    )
    return World(
        users=users,
        cycle=cycle,
        group=group_of(cycle, tech),
        tech=tech,
        other_group=group_of(cycle, visa),
        ignored=group_of(cycle, court, state=SuggestedGroup.State.IGNORED),
        loose=loose,
        candidate=candidate,
    )


built_world, world = shared_world(build_world)


def _group_state(w: World, name: str = "group") -> str | None:
    group = SuggestedGroup.objects.filter(pk=getattr(w, name).pk).first()
    return group.state if group else None


def _loose_merged(w: World) -> bool:
    return all(Proposal.objects.get(pk=p.pk).state == Proposal.State.MERGED for p in w.loose)


def _exported(w: World) -> bool:
    return Job.objects.filter(kind="merging.candidates_export").exists()


def merge_right(user: Any, w: World) -> bool:
    return merging_rules.can_merge(user)


def cycle_url(path: str) -> Callable[[World], str]:
    return lambda w: f"/merging/cycles/{w.cycle.pk}/{path}"


def group_url(path: str, name: str = "group") -> Callable[[World], str]:
    return lambda w: f"/merging/groups/{getattr(w, name).pk}/{path}"


ACTIONS: dict[str, Act] = {
    "index": Act(merge_right, "get", lambda w: "/merging/", shows=lambda w: w.cycle.title),
    "groups": Act(merge_right, "get", cycle_url(""), shows=lambda w: w.tech[0].title),
    "suggest": Act(
        merge_right,
        "post",
        cycle_url("suggest/"),
        # A background job (seconds at national scale): queued only for whoever may merge.
        done=lambda w: Job.objects.filter(kind="merging.suggestions").exists(),
    ),
    "export_groups": Act(merge_right, "get", cycle_url("groups/export/")),
    "accept_form": Act(
        merge_right,
        "get",
        group_url("accept/"),
        shows=lambda w: w.tech[1].title,
        seen_via="groups",
    ),
    "accept": Act(
        merge_right,
        "post",
        group_url("accept/"),
        data=lambda w: form_data(),
        done=lambda w: _group_state(w) == "accepted",
        seen_via="groups",
    ),
    "split": Act(
        merge_right,
        "post",
        group_url("split/"),
        data=lambda w: {"move": [w.tech[2].pk]},
        done=lambda w: SuggestedGroup.objects.get(pk=w.group.pk).proposals.count() == 2,
        seen_via="groups",
    ),
    "join": Act(
        merge_right,
        "post",
        group_url("join/"),
        data=lambda w: {"other": w.other_group.pk},
        done=lambda w: _group_state(w, "other_group") is None,
        seen_via="groups",
    ),
    "ignore": Act(
        merge_right,
        "post",
        group_url("ignore/"),
        done=lambda w: _group_state(w) == "ignored",
        seen_via="groups",
    ),
    "restore": Act(
        merge_right,
        "post",
        group_url("restore/", "ignored"),
        done=lambda w: _group_state(w, "ignored") == "open",
        seen_via="groups",
    ),
    "remaining": Act(merge_right, "get", cycle_url("remaining/"), shows=lambda w: w.loose[0].title),
    "merge_form": Act(
        merge_right,
        "get",
        cycle_url("merge/"),
        data=lambda w: {"proposal": [p.pk for p in w.loose]},
        shows=lambda w: w.loose[1].title,
    ),
    "merge": Act(
        merge_right,
        "post",
        cycle_url("merge/"),
        data=lambda w: {**form_data(), "proposal": [p.pk for p in w.loose]},
        done=_loose_merged,
    ),
    "promote_confirm": Act(
        merge_right, "get", cycle_url("promote/"), shows=lambda w: w.loose[1].title
    ),
    "promote": Act(
        merge_right,
        "post",
        cycle_url("promote/"),
        data=lambda w: {"proposal": [p.pk for p in w.loose]},
        done=_loose_merged,
    ),
    "candidates": Act(
        lambda u, w: merging_rules.can_list_candidates(u),
        "get",
        lambda w: "/merging/candidates/",
        shows=lambda w: w.candidate.title,
    ),
    "export_candidates": Act(
        lambda u, w: merging_rules.can_list_candidates(u),
        "post",
        lambda w: "/merging/candidates/export/",
        data=lambda w: {"query": ""},
        done=_exported,
    ),
    "view_candidate": Act(
        lambda u, w: merging_rules.can_view_candidate(u, w.candidate),
        "get",
        lambda w: f"/merging/candidates/{w.candidate.pk}/",
        shows=lambda w: w.candidate.title,
        seen_via="view_candidate",
    ),
    "undo_form": Act(
        merge_right,
        "get",
        lambda w: f"/merging/candidates/{w.candidate.pk}/undo/",
        shows=lambda w: w.candidate.title,
        seen_via="view_candidate",
    ),
    "undo": Act(
        merge_right,
        "post",
        lambda w: f"/merging/candidates/{w.candidate.pk}/undo/",
        data=lambda w: {"reason": "合并有误"},
        done=lambda w: not CandidateMeasure.objects.filter(pk=w.candidate.pk).exists(),
        seen_via="view_candidate",
    ),
    "similar": Act(
        lambda u, w: proposals_rules.can_create_proposal(u),
        "post",
        lambda w: "/merging/similar/",
        data=lambda w: {"title": TECH[0], "content": TECH[1], "cycle": w.cycle.pk},
        status=200,  # a fragment of the page, read back by merging/drafting.js
    ),
}

# The same actions over the API (`api.resources.merging`), decided by the same table.
API: dict[str, ApiAct] = {
    "candidates": ApiAct("get", lambda w: "/api/candidates/"),
    "view_candidate": ApiAct("get", lambda w: f"/api/candidates/{w.candidate.pk}/"),
    "merge": ApiAct(
        "post",
        lambda w: "/api/candidates/",
        lambda w: {**form_data(), "cycle": w.cycle.pk, "proposals": [p.pk for p in w.loose]},
        status=201,
    ),
    "undo": ApiAct(
        "post",
        lambda w: f"/api/candidates/{w.candidate.pk}/undo/",
        lambda w: {"reason": "合并有误"},
        status=204,
    ),
}

MATRIX = Matrix(ALLOWED, ACTIONS, api=API)


def test_table_covers_every_role_and_names_only_known_actions(users):
    MATRIX.check_table({*users, "anonymous"})


class TestCells(MATRIX.cells()):  # type: ignore[misc]
    """Every cell of the table, at the permission function and over HTTP."""


class TestApiCells(MATRIX.api_cells()):  # type: ignore[misc]
    """The cells the API takes too, with each role's token."""


def test_the_group_export_reads_back(world):
    response = client_for(world.users["national"]).get(
        f"/merging/cycles/{world.cycle.pk}/groups/export/"
    )
    sheet = load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    members = sorted(world.tech, key=lambda p: (p.locality.code, p.pk))
    tech = [(row[0], row[4], row[5], row[6]) for row in rows if row[0] == world.group.pk]
    assert tech == [(world.group.pk, p.pk, p.title, p.locality.name) for p in members]
    assert {row[0] for row in rows} == {world.group.pk, world.other_group.pk}  # open ones only


def test_only_the_centre_gets_the_merging_menu(users):
    for name, user in users.items():
        html = client_for(user).get("/").content.decode()
        assert ('href="/merging/"' in html) is (name == "national"), name
