"""The shared world of the expert-review tests, and checks that it is the world they assume.

Candidates are created directly (the merging app builds them in production): each has source
proposals in state "merged" pointing at it. The experts:

* `expert` (the `users` fixture's): Beijing, fields 促进技术要素市场体系建设, tag 技术经理人
* `shu_expert`: sits in Sichuan (成都市) — a conflict for anything Sichuan proposed
* `scu_expert`: Beijing division, but works for 四川大学 — a conflict for anything drawn from a
  suggestion of 四川大学, whichever province proposed it
* `other_expert`: Shanghai, fields 包容审慎监管新产业新业态
* `idle_expert`: Beijing, unavailable

The three candidates: `tech` (Sichuan, from a 四川大学 suggestion, field 促进技术要素市场体系建设),
`ip` (Guangdong, field 包容审慎监管新产业新业态), and `joint` (Sichuan and Guangdong).
"""

from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from merging.models import CandidateMeasure
from proposals.models import Cycle, Proposal, ReformField
from proposals.services.suggestions import suggestion_submit
from regions.models import Organisation
from review.models import Assignment, ExpertProfile
from tests.conftest import division, make_proposal, make_user


def field(name: str) -> ReformField:
    return ReformField.objects.get(name=name)


def _field_of(proposal: Proposal) -> ReformField:
    assert proposal.field is not None, "a submitted proposal has its field"
    return proposal.field


def make_candidate(
    cycle: Cycle, by: User, title: str, sources: list[Proposal], field_name: str = ""
) -> CandidateMeasure:
    candidate = CandidateMeasure.objects.create(
        cycle=cycle,
        title=title,
        content=f"{title}的改革内容",
        field=field(field_name) if field_name else _field_of(sources[0]),
        created_by=by,
    )
    for proposal in sources:
        proposal.state, proposal.merged_into = Proposal.State.MERGED, candidate
        proposal.submitted_at = proposal.submitted_at or timezone.now()
        proposal.save()
    return candidate


def make_expert(
    username: str,
    *,
    division_code: str = "",
    organisation: Organisation | None = None,
    fields: tuple[str, ...] = (),
    tags: str = "",
    available: bool = True,
    max_load: int = 8,
    user: User | None = None,
) -> User:
    user = user or make_user(username, Role.EXPERT)
    profile = ExpertProfile.objects.create(
        user=user,
        division=division(division_code) if division_code else None,
        organisation=organisation,
        tags=tags,
        available=available,
        max_load=max_load,
    )
    profile.fields.set([field(n) for n in fields])
    return user


def assign(candidate: CandidateMeasure, expert: User, by: User) -> Assignment:
    return Assignment.objects.create(
        candidate=candidate, expert=expert, source=Assignment.Source.SOLVER, assigned_by=by
    )


def build_world(users: dict[str, Any], cycle: Cycle) -> SimpleNamespace:
    national, sichuan, guangdong = users["national"], users["sichuan"], users["guangdong"]
    scu = Organisation.objects.get(name="四川大学")
    suggestion = suggestion_submit(
        by=users["innovator"], cycle=cycle, title="技术经理人建议", content="建议内容"
    )
    tech_source = make_proposal(cycle, sichuan, "submitted", title="四川技术经理人")
    tech_source.sources.add(suggestion)
    ip_source = make_proposal(
        cycle, guangdong, "submitted", title="广东知识产权", field=field("包容审慎监管新产业新业态")
    )
    joint = [
        make_proposal(cycle, sichuan, "submitted", title="四川科技金融"),
        make_proposal(cycle, guangdong, "submitted", title="广东科技金融"),
    ]
    world = SimpleNamespace(
        users=users,
        cycle=cycle,
        national=national,
        tech=make_candidate(cycle, national, "技术经理人全程参与成果转化", [tech_source]),
        ip=make_candidate(cycle, national, "知识产权质押融资", [ip_source]),
        joint=make_candidate(
            cycle, national, "科技金融投贷联动", joint, field_name="其他（个性化改革举措）"
        ),
        expert=make_expert(
            "",
            user=users["expert"],
            division_code="110000",
            fields=("促进技术要素市场体系建设",),
            tags="技术经理人",
        ),
        shu_expert=make_expert(
            "shu_expert", division_code="510100", fields=("促进技术要素市场体系建设",)
        ),
        scu_expert=make_expert(
            "scu_expert",
            division_code="110000",
            organisation=scu,
            fields=("促进技术要素市场体系建设",),
        ),
        other_expert=make_expert(
            "other_expert", division_code="310000", fields=("包容审慎监管新产业新业态",)
        ),
        idle_expert=make_expert("idle_expert", division_code="110000", available=False),
    )
    return world


@pytest.fixture
def review_world(users, cycle) -> SimpleNamespace:
    return build_world(users, cycle)


def test_the_world_is_what_the_review_tests_assume(review_world):
    w = review_world
    assert list(w.tech.sources.values_list("locality__code", flat=True)) == ["510000"]
    assert {p.locality.code for p in w.joint.sources.all()} == {"510000", "440000"}
    assert w.tech.sources.get().sources.get().organisation.name == "四川大学"
    assert ExpertProfile.objects.count() == 5
    assert set(Proposal.objects.values_list("state", flat=True)) == {"merged"}
