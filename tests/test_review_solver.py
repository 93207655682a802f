"""The assignment solver and the aggregation on hand-made instances: no database involved."""

import pytest

from review import aggregation
from review.assignment import (
    COST_BASE,
    FIELD_MATCH_BONUS,
    TAG_MATCH_BONUS,
    CandidateSpec,
    ExpertSpec,
    conflict,
    edge_cost,
    fingerprint,
    solve,
    split_tags,
)

SICHUAN, GUANGDONG, BEIJING, SHANGHAI = 51, 44, 11, 31
SCU, SYSU = 900, 901
TECH, IP = 1, 2  # reform fields


def cand(id: int, needed: int = 3, **kw) -> CandidateSpec:
    return CandidateSpec(id=id, needed=needed, **kw)


def expert(id: int, capacity: int = 8, **kw) -> ExpertSpec:
    return ExpertSpec(id=id, capacity=capacity, **kw)


def loads(pairs: list[tuple[int, int]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for _c, e in pairs:
        out[e] = out.get(e, 0) + 1
    return out


def test_each_candidate_gets_n_distinct_reviewers():
    solution = solve([cand(1), cand(2)], [expert(i) for i in range(10, 14)])
    assert solution.complete
    assert len(solution.pairs) == 6
    for c in (1, 2):
        chosen = solution.experts_for(c)
        assert len(chosen) == len(set(chosen)) == 3


@pytest.mark.parametrize("n", [1, 2, 4])
def test_n_is_honoured(n):
    solution = solve([cand(1, needed=n), cand(2, needed=n)], [expert(i) for i in range(10, 15)])
    assert [len(solution.experts_for(c)) for c in (1, 2)] == [n, n]


def test_load_cap_is_never_exceeded():
    # 4 candidates × 2 reviewers = 8 places; caps 3 + 3 + 2 = 8: exactly enough.
    experts = [expert(10, capacity=3), expert(11, capacity=3), expert(12, capacity=2)]
    solution = solve([cand(c, needed=2) for c in range(1, 5)], experts)
    assert solution.complete
    assert loads(solution.pairs) == {10: 3, 11: 3, 12: 2}


def test_load_is_spread_when_matches_are_equal():
    solution = solve([cand(c, needed=1) for c in range(1, 7)], [expert(10), expert(11)])
    assert loads(solution.pairs) == {10: 3, 11: 3}


def test_field_match_is_preferred():
    experts = [
        expert(10),
        expert(11, fields=frozenset({TECH})),
        expert(12),
        expert(13, fields=frozenset({TECH, IP})),
    ]
    solution = solve([cand(1, needed=2, field=TECH)], experts)
    assert sorted(solution.experts_for(1)) == [11, 13]
    assert solution.cost == 2 * (COST_BASE - FIELD_MATCH_BONUS)


def test_tags_break_ties_between_field_matches():
    experts = [
        expert(10, fields=frozenset({TECH})),
        expert(11, fields=frozenset({TECH}), tags=("技术经理人",)),
    ]
    solution = solve([cand(1, needed=1, field=TECH, text="培育技术经理人队伍")], experts)
    assert solution.experts_for(1) == [11]


def test_field_match_outweighs_tags_and_even_load():
    c = cand(1, needed=1, field=TECH, text="知识产权 质押 融资")
    tagged = expert(10, tags=("知识产权", "质押"))  # two tags, no field
    fielded = expert(11, fields=frozenset({TECH}))
    assert edge_cost(c, tagged) == COST_BASE - 2 * TAG_MATCH_BONUS
    assert edge_cost(c, fielded) == COST_BASE - FIELD_MATCH_BONUS
    assert solve([c], [tagged, fielded]).experts_for(1) == [11]


def test_scarce_matched_experts_go_where_they_are_needed_most():
    # Expert 11 is the only IP specialist; 10 and 12 know tech transfer. One place each.
    experts = [
        expert(10, capacity=1, fields=frozenset({TECH})),
        expert(11, capacity=1, fields=frozenset({IP, TECH})),
        expert(12, capacity=1, fields=frozenset({TECH})),
    ]
    solution = solve(
        [cand(1, needed=2, field=TECH), cand(2, needed=1, field=IP)], experts
    )  # one solve over the whole cycle, not candidate by candidate
    assert solution.experts_for(2) == [11]
    assert sorted(solution.experts_for(1)) == [10, 12]


def test_conflict_by_division_removes_the_expert():
    c = cand(1, needed=1, provinces=frozenset({SICHUAN, GUANGDONG}))
    sichuan = expert(10, province=SICHUAN, fields=frozenset({TECH}))
    beijing = expert(11, province=BEIJING)
    assert conflict(c, sichuan) == "division"
    assert conflict(c, beijing) is None
    assert solve([c], [sichuan, beijing]).experts_for(1) == [11]


def test_conflict_by_organisation_removes_the_expert():
    c = cand(1, needed=1, provinces=frozenset({GUANGDONG}), organisations=frozenset({SCU}))
    from_scu = expert(10, province=BEIJING, organisation=SCU)
    from_sysu = expert(11, province=BEIJING, organisation=SYSU)
    assert conflict(c, from_scu) == "organisation"
    assert solve([c], [from_scu, from_sysu]).experts_for(1) == [11]


def test_unavailable_and_already_assigned_experts_are_skipped():
    c = cand(1, needed=1, assigned=frozenset({10}))
    solution = solve([c], [expert(10), expert(11, available=False), expert(12)])
    assert solution.experts_for(1) == [12]


def test_infeasible_says_which_candidate_and_why():
    experts = [
        expert(10, province=SICHUAN),
        expert(11, province=BEIJING, organisation=SCU),
        expert(12, available=False),
        expert(13, capacity=0),
        expert(14),
        expert(15),
    ]
    short = cand(1, needed=3, provinces=frozenset({SICHUAN}), organisations=frozenset({SCU}))
    fine = cand(2, needed=2)
    solution = solve([short, fine], experts)
    assert not solution.complete
    assert [s.candidate for s in solution.shortfalls] == [1]
    s = solution.shortfalls[0]
    assert (s.needed, s.got, s.eligible) == (3, 2, 2)
    assert (s.conflicted, s.unavailable, s.full) == (2, 1, 1)
    assert s.too_few_eligible
    assert sorted(solution.experts_for(1)) == [14, 15]
    # One solve over the cycle: candidate 2 takes the experts candidate 1 cannot have.
    assert sorted(solution.experts_for(2)) == [10, 11]


def test_capacity_shortage_is_told_apart_from_a_small_pool():
    solution = solve([cand(1, needed=2), cand(2, needed=2)], [expert(10, 2), expert(11, 1)])
    assert len(solution.pairs) == 3
    (s,) = solution.shortfalls
    assert s.eligible == 2 and not s.too_few_eligible


def test_under_shortage_every_candidate_gets_a_first_reviewer_before_any_a_second():
    solution = solve([cand(c, needed=3) for c in (1, 2, 3)], [expert(10, 1), expert(11, 2)])
    assert sorted(len(solution.experts_for(c)) for c in (1, 2, 3)) == [1, 1, 1]
    assert len(solution.shortfalls) == 3


def test_nothing_to_do():
    assert solve([], [expert(10)]).pairs == []
    assert solve([cand(1, needed=0)], [expert(10)]).complete
    solution = solve([cand(1, needed=2)], [])
    assert solution.shortfalls[0].eligible == 0


def test_solution_is_deterministic_and_fingerprinted():
    cands = [cand(c, needed=2, field=TECH if c % 2 else IP) for c in range(1, 8)]
    experts = [expert(e, capacity=3, fields=frozenset({TECH})) for e in range(10, 16)]
    first, second = solve(cands, experts), solve(list(reversed(cands)), experts[::-1])
    assert first.pairs == second.pairs
    assert fingerprint(2, first.pairs) == fingerprint(2, list(reversed(second.pairs)))
    assert fingerprint(2, first.pairs) != fingerprint(3, first.pairs)


def test_split_tags_accepts_chinese_and_western_separators():
    assert split_tags("技术经理人, 知识产权，科技金融、 IP ;投贷联动；") == (
        "技术经理人",
        "知识产权",
        "科技金融",
        "ip",
        "投贷联动",
    )


def test_shortlists_never_cause_a_false_shortfall():
    # Ten candidates all prefer the same eight experts (one review each); only by going beyond
    # every shortlist to the two unmatched experts can all ten be served.
    cands = [cand(c, needed=1, field=TECH) for c in range(1, 11)]
    experts = [expert(100 + e, capacity=1, fields=frozenset({TECH})) for e in range(8)]
    experts += [expert(200, capacity=1), expert(201, capacity=1)]
    solution = solve(cands, experts)
    assert solution.complete
    assert loads(solution.pairs) == {e.id: 1 for e in experts}
    assert solution.cost == 8 * (COST_BASE - FIELD_MATCH_BONUS) + 2 * COST_BASE


def test_a_national_size_cycle_solves_optimally_and_within_every_cap():
    """Its time is measured by `make bench` (bench/assignment.py), not asserted here."""
    # 300 candidates × 3 reviewers from a pool of 500, 7 fields, conflicts by province.
    cands = [cand(c, needed=3, field=c % 7, provinces=frozenset({c % 31})) for c in range(1, 301)]
    experts = [
        expert(1000 + e, capacity=8, fields=frozenset({e % 7}), province=e % 31) for e in range(500)
    ]
    solution = solve(cands, experts)
    assert solution.complete
    assert solution.arcs < 300 * 500  # from the indexes, never the full network
    assert solution.cost == 900 * (COST_BASE - FIELD_MATCH_BONUS)  # every reviewer matches
    assert max(loads(solution.pairs).values()) <= 8
    by_id = {c.id: c for c in cands}
    province = {e.id: e.province for e in experts}
    assert all(province[e] not in by_id[c].provinces for c, e in solution.pairs)


# Aggregation ----------------------------------------------------------------------------------


def review(value: int, operability: int, assessability: int, replicability: int) -> dict:
    return dict(
        zip(aggregation.CRITERIA, (value, operability, assessability, replicability), strict=True)
    )


def test_stats_by_hand():
    s = aggregation.stats([2, 4, 5])
    assert s.count == 3
    assert s.mean == pytest.approx(11 / 3)
    assert s.median == 4
    assert s.spread == 3
    # population: sqrt(((2-11/3)² + (4-11/3)² + (5-11/3)²) / 3) = sqrt(42/27)
    assert s.stdev == pytest.approx((42 / 27) ** 0.5)
    assert aggregation.stats([]).mean is None


def test_summary_by_hand():
    summary = aggregation.summarise(
        [review(5, 4, 3, 4), review(4, 4, 3, 5), review(3, 4, 4, 4)],
        ["include", "include", "revise"],
    )
    assert summary.reviews == 3
    assert summary.mean("value") == 4
    assert summary.criteria["value"].median == 4
    assert summary.criteria["value"].spread == 2
    assert summary.criteria["operability"].stdev == 0
    # Overall per review: 4.0, 4.0, 3.75 -> mean 11.75/3, median 4, spread 0.25
    overall = summary.criteria["overall"]
    assert overall.mean == pytest.approx(11.75 / 3)
    assert (overall.median, overall.spread) == (4, 0.25)
    assert summary.recommendations == {"include": 2, "revise": 1}
    # Value scores 5 and 3 are 2 apart: flagged.
    assert summary.disagreements == [("spread", "value")]


def test_no_flag_below_the_spread_limit_or_with_one_review():
    close = aggregation.summarise([review(4, 4, 4, 4), review(3, 5, 3, 5)], ["include", "revise"])
    assert not close.disagreement
    alone = aggregation.summarise([review(1, 5, 1, 5)], ["exclude"])
    assert not alone.disagreement


def test_conflicting_recommendations_flag_even_with_close_scores():
    summary = aggregation.summarise(
        [review(3, 3, 3, 3), review(4, 4, 4, 4)], ["include", "exclude"]
    )
    assert summary.disagreements == [("recommendation", "")]
