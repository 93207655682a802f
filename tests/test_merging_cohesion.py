"""Merge suggestions at national scale: cohesive groups (no chains), the size cap with its
reason on the page (平台规则), and an index that finds the pairs all-pairs finds."""

import random

from bench.similarity import generate, seed_texts
from merging import services
from tests.conftest import client_for, make_proposal
from zhtext.groups import MAX_GROUP, cohesive_groups
from zhtext.pairs import Pair, all_pairs, candidate_pairs, clusters

# A~B, B~C, C~D similar; A and D unrelated (and A~C, B~D not similar either).
CHAIN = [
    Pair("A", "B", 0.8, []),
    Pair("B", "C", 0.6, []),
    Pair("C", "D", 0.8, []),
]


def test_a_chain_of_similar_pairs_is_not_one_group():
    assert clusters("ABCD", CHAIN) == [["A", "B", "C", "D"]]  # what chaining did
    groups = cohesive_groups("ABCD", CHAIN)
    assert sorted(g.members for g in groups) == [["A", "B"], ["C", "D"]]
    assert not any(g.cut for g in groups)


def test_a_group_alike_on_average_stays_whole():
    # Every pair of A, B, C similar: one group of three.
    pairs = [Pair("A", "B", 0.8, []), Pair("A", "C", 0.7, []), Pair("B", "C", 0.6, [])]
    pairs.append(Pair("C", "D", 0.55, []))  # D is like C only: it does not join them
    groups = cohesive_groups("ABCD", pairs)
    assert [g.members for g in groups] == [["A", "B", "C"]]


def test_a_cluster_over_the_cap_is_cut_and_says_from_how_many():
    keys = list(range(30))
    pairs = [Pair(a, b, 0.9, []) for a in keys for b in keys if a < b]
    groups = cohesive_groups(keys, pairs)
    assert max(len(g.members) for g in groups) <= MAX_GROUP == 12
    assert sorted(k for g in groups for k in g.members) == keys  # nobody lost
    assert all(g.cut and g.cut_from == 30 for g in groups)
    small = cohesive_groups(keys[:5], [p for p in pairs if p.b < 5])
    assert [(g.members, g.cut) for g in small] == [([0, 1, 2, 3, 4], False)]


def test_the_index_finds_the_pairs_all_pairs_finds():
    texts, _measures = generate(250, seed_texts(), random.Random(3))
    docs = dict(enumerate(texts))
    truth = {(p.a, p.b): p.score for p in all_pairs(docs)}
    assert len(truth) > 10
    # A small posting cap sends most terms down the frequent-term path as well.
    for max_posting in (3, 300):
        found = {(p.a, p.b): p.score for p in candidate_pairs(docs, max_posting=max_posting)}
        recall = len(found.keys() & truth.keys()) / len(truth)
        assert recall >= 0.95
        assert found == truth


SAME = (
    "技术经理人全程参与的科技成果转化服务模式",
    "培育技术经理人队伍，全程参与科技成果的评估、对接和孵化。",
)


def test_the_page_says_a_group_was_cut_at_the_cap(users, cycle):
    n = MAX_GROUP + 1
    first = make_proposal(
        cycle, users["sichuan"], state="submitted", title=SAME[0], content=f"{SAME[1]}{n}"
    )
    # Copies of one submitted proposal (the service's checks are not what is tested here),
    # among as many distinct measures, so the shared text is not the pool's boilerplate.
    others = [texts[0] for texts in list(seed_texts().values())[:n]]
    texts = [f"{SAME[1]}{i}" for i in range(n - 1)] + others
    for content in texts:
        first.pk = first.id = None
        first.content = content
        first.title = SAME[0] if content.startswith(SAME[1]) else content[:100]
        first.save()
    groups = services.suggestions_run(cycle=cycle, by=users["national"])
    cut = [g for g in groups if g.cut_from]
    members = [p.content for g in cut for p in g.proposals.all()]
    assert len(members) == n and all(m.startswith(SAME[1]) for m in members)
    assert len(cut) >= 2 and all(g.proposals.count() <= MAX_GROUP for g in groups)
    assert {g.cut_from for g in cut} == {n}
    page = client_for(users["national"]).get(
        f"/merging/cycles/{cycle.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert 'id="group-cap-rule"' in html
    assert html.count("Cut at the cap of 12 proposals") == len(cut)
