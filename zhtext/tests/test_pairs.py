from zhtext.pairs import Pair, all_pairs, candidate_pairs, clusters

DOCS = {
    "sc": "贷款、保险、财政风险补偿捆绑的专利权质押融资服务",
    "gd": "探索贷款、保险和财政风险补偿捆绑的专利权质押融资",
    "ah": "以协商估值、坏账分担为核心的中小企业商标质押贷款模式",
    "hb": "协商估值、坏账分担的中小企业商标质押贷款",
    "sx": "国税地税联合办税",
}


def test_candidate_pairs_find_the_similar_pairs_and_explain_them():
    pairs = candidate_pairs(DOCS)
    assert {(p.a, p.b) for p in pairs} == {("sc", "gd"), ("ah", "hb")}
    assert all(0.5 <= p.score <= 1 and p.terms for p in pairs)


def test_index_agrees_with_all_pairs():
    assert {(p.a, p.b) for p in candidate_pairs(DOCS)} == {(p.a, p.b) for p in all_pairs(DOCS)}


def test_clusters_join_confirmed_pairs_transitively():
    pairs = [Pair("a", "b", 0.9, []), Pair("b", "c", 0.8, []), Pair("d", "e", 0.7, [])]
    groups = sorted(sorted(g) for g in clusters("abcdef", pairs))
    assert groups == [["a", "b", "c"], ["d", "e"]]
