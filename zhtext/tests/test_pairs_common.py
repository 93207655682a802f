"""Collection-wide boilerplate does not make unrelated texts a group."""

from zhtext.pairs import candidate_pairs

TITLES = [
    "知识产权案件审判中引入技术调查官制度",
    "以降低侵权损失为核心的专利保险机制",
    "强化创新导向的国有企业考核与激励",
    "面向中小企业的一站式投融资信息服务",
    "事业单位编制省内统筹使用",
    "国税地税联合办税",
    "区域性股权市场设置科技创新专板",
]


def test_a_marker_shared_by_every_text_does_not_pair_them():
    docs = {i: f"（演示数据）{t}。（演示数据）{t}" for i, t in enumerate(TITLES)}
    assert candidate_pairs(docs) == []


def test_a_real_pair_is_still_found_among_marked_texts():
    docs = {i: f"（演示数据）{t}" for i, t in enumerate(TITLES)}
    docs[99] = "（演示数据）在知识产权案件审判中引入技术调查官制度，提高技术事实查明能力"
    pairs = candidate_pairs(docs)
    assert [(p.a, p.b) for p in pairs] == [(0, 99)]
