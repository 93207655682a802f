"""Similarity of two reform texts, from their words and their character bigrams.

Words (rjieba, precise mode) catch the same terms in another order; character bigrams
catch the same text segmented differently or damaged by OCR. Both are weighted: policy
boilerplate (机制, 推进, 建立 ...) counts 0.2, words that name a whole *field* rather than a
measure (知识产权, 科技成果, 融资 ...: the field categories of the State Council promotion
notices) count 0.4, every other term 1. Two different measures of one field share the
field's words; with those weighted down they no longer look alike.

For each of words and bigrams the score averages the weighted Jaccard index (how much of
everything the two texts say is shared) and the weighted containment (how much of the
shorter text the longer one says), so a one-line title matches its fuller wording in a
report. The raw value is then raised to GAMMA, a monotone calibration that puts the tuned
cut at THRESHOLD = 0.5; the score stays in [0, 1], 1 for equal texts, 0 for nothing shared.
How THRESHOLD was chosen and how good the decision is: `make bench` and data/similarity/.
"""

import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import rjieba

from zhtext.normalize import normalize
from zhtext.segment import STOPWORDS

THRESHOLD = 0.5
# The raw score (mean of weighted Jaccard and containment) at which the labelled pairs of
# data/similarity/pairs.csv are best split; GAMMA maps it onto THRESHOLD.
RAW_THRESHOLD = 0.15
GAMMA = math.log(THRESHOLD) / math.log(RAW_THRESHOLD)

GENERIC_WEIGHT = 0.2
# Containment divides by the shorter text's mass, but never by less than this: a text
# that says almost nothing specific is not "contained" in everything that names its field.
MIN_MASS = 3.0

FIELD_WEIGHT = 0.4
GENERIC = frozenset(
    [
        "机制",
        "改革",
        "创新",
        "服务",
        "模式",
        "推进",
        "建立",
        "完善",
        "支持",
        "探索",
        "开展",
        "加强",
        "推动",
        "体系",
        "制度",
        "工作",
        "实施",
        "提升",
        "促进",
        "发展",
        "建设",
        "平台",
        "试点",
        "全面",
        "提供",
        "相关",
        "有关",
        "进行",
        "通过",
        "实现",
        "形成",
        "构建",
        "健全",
        "优化",
        "深化",
        "强化",
        "引导",
        "鼓励",
        "积极",
        "有效",
        "主要",
        "重要",
        "方式",
        "方面",
        "领域",
        "地方",
        "国家",
        "我国",
        "中国",
        "政府",
        "部门",
        "单位",
        "机构",
        "核心",
        "为核心",
        "基础",
        "问题",
        "作用",
        "能力",
        "水平",
        "资源",
        "要素",
        "新型",
        "现代",
        "重点",
        "行业",
        "产业",
        "市场",
        "社会",
        "经济",
        "项目",
        "工程",
        "计划",
        "方案",
        "意见",
        "通知",
        "办法",
        "规定",
        "一批",
        "多种",
        "可以",
        "能够",
        "需要",
        "提高",
        "保障",
        "加快",
        "进一步",
        "不断",
        "切实",
        "充分",
        "更加",
        "各类",
        "以及",
        "其他",
        "目前",
        "近年来",
        "一定",
        "这种",
        "本文",
        "举措",
        "措施",
        "经验",
        "做法",
        "成效",
        "复制",
        "推广",
        "省级",
        "全省",
        "全国",
        "区域",
        "一站式",
        "综合",
        "建议",
        "建议书",
        "实施方案",
        "高新区",
        "示范区",
        "试验区",
        "自治区",
        "开发区",
        "关于",
        "推行",
        "面向",
        "对于",
        "为了",
        "围绕",
    ]
)
# Words naming a field of reform (from the field categories of 国办发〔2017〕80号, 〔2018〕126号,
# 〔2020〕3号: 科技金融创新, 知识产权保护, 科技成果转化激励, 创新创业政策环境, 外籍人才引进,
# 管理体制创新, 军民融合创新) and the actors every measure of that field names.
FIELD_TERMS = frozenset(
    [
        "科技",
        "金融",
        "科技金融",
        "知识产权",
        "保护",
        "科技成果",
        "成果",
        "转化",
        "成果转化",
        "激励",
        "创新创业",
        "创业",
        "政策",
        "环境",
        "外籍",
        "人才",
        "引进",
        "管理",
        "体制",
        "管理体制",
        "军民",
        "融合",
        "军民融合",
        "融资",
        "案件",
        "审判",
        "企业",
        "中小企业",
        "科技型",
        "投资",
        "基金",
        "专利",
        "商标",
        "银行",
        "保险",
        "贷款",
        "高校",
        "事业单位",
        "国有企业",
        "外国",
        "科研",
        "技术",
        "审理",
        "法院",
        "诉讼",
    ]
)
_TOKEN = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")
# A place name (四川省, 成都市, 武侯区 ...) says who proposes, not what: proposals of one
# province must not look alike for naming it.
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,8}(?:省|市|自治区|区|县|州|盟)")
_PLACE_ENDS = frozenset("省市区县州盟")
# A bigram inside a longer boilerplate or field word counts as that word does (体系 -> 体系).
_GENERIC_BIGRAMS = frozenset(w[i : i + 2] for w in GENERIC if len(w) > 2 for i in range(len(w) - 1))
_FIELD_BIGRAMS = frozenset(
    w[i : i + 2] for w in FIELD_TERMS if len(w) > 2 for i in range(len(w) - 1)
)


@lru_cache(maxsize=200_000)
def weight(term: str) -> float:
    """How much a word or bigram counts: boilerplate 0.2, field names 0.4, anything else 1."""
    if term in GENERIC or term.isdigit():
        return GENERIC_WEIGHT
    if term in FIELD_TERMS:
        return FIELD_WEIGHT
    if term in _GENERIC_BIGRAMS:
        return GENERIC_WEIGHT
    if term in _FIELD_BIGRAMS:
        return FIELD_WEIGHT
    return 1.0


def _mass(terms: frozenset[str]) -> float:
    return sum(weight(t) for t in terms)


@dataclass(frozen=True)
class Features:
    """What similarity compares: a text's distinct words and character bigrams."""

    words: frozenset[str]
    grams: frozenset[str]

    # Computed on first use: zhtext.pairs sums the masses of a whole collection in numpy.
    @cached_property
    def word_mass(self) -> float:
        return _mass(self.words)

    @cached_property
    def gram_mass(self) -> float:
        return _mass(self.grams)


def tokens(text: str) -> list[str]:
    """The CJK characters and Latin/digit runs of a normalised text, punctuation dropped."""
    return _TOKEN.findall(text)


def is_place(word: str, tag: str = "") -> bool:
    """A place name: tagged `ns` by the segmenter (成都, 东湖) or shaped like one (绵阳市)."""
    return tag == "ns" or (word[-1:] in _PLACE_ENDS and _PLACE.fullmatch(word) is not None)


def features(text: str) -> Features:
    """Distinct words and character bigrams of a text; place names are left out of both."""
    words: set[str] = set()
    grams: set[str] = set()
    run: list[str] = []
    specific = False  # whether the word before counts fully
    for word, tag in rjieba.tag(normalize(text)):
        if is_place(word, tag):
            run = []  # no bigram spans a place name
            continue
        chars = tokens(word)
        if not chars:
            continue
        if len(word) > 1 and word not in STOPWORDS:
            words.add(word)
        here = len(word) > 1 and weight(word) == 1.0
        # A bigram across two boilerplate words (改革|举措 -> 革举) is boilerplate too: left out.
        start = len(run) + 1 if run and not (specific or here) else max(1, len(run))
        run.extend(chars)
        grams.update([run[i - 1] + run[i] for i in range(start, len(run))])
        specific = here
    return Features(frozenset(words), frozenset(grams))


def _as_features(x: str | Features) -> Features:
    return x if isinstance(x, Features) else features(x)


def _part(a: frozenset[str], b: frozenset[str], mass_a: float, mass_b: float) -> float:
    """Mean of weighted Jaccard and weighted containment of two term sets."""
    smaller = min(mass_a, mass_b)
    if smaller <= 0:
        return 0.0
    smaller = max(smaller, min(MIN_MASS, max(mass_a, mass_b)))
    shared = _mass(a & b)
    return 0.5 * (shared / (mass_a + mass_b - shared) + shared / smaller)


def raw_similarity(a: str | Features, b: str | Features) -> float:
    """The uncalibrated score in [0, 1]; similarity() is this raised to GAMMA."""
    fa, fb = _as_features(a), _as_features(b)
    words = _part(fa.words, fb.words, fa.word_mass, fb.word_mass)
    grams = _part(fa.grams, fb.grams, fa.gram_mass, fb.gram_mass)
    return 0.5 * (words + grams)


def similarity(a: str | Features, b: str | Features) -> float:
    """How alike two texts are, in [0, 1]; at or above THRESHOLD they are the same measure."""
    return raw_similarity(a, b) ** GAMMA


def shared_terms(a: str | Features, b: str | Features, limit: int = 8) -> list[str]:
    """The words both texts use that explain the score: specific before generic, long first."""
    fa, fb = _as_features(a), _as_features(b)
    return sorted(fa.words & fb.words, key=lambda w: (-weight(w), -len(w), w))[:limit]


def is_same(a: str | Features, b: str | Features, threshold: float = THRESHOLD) -> bool:
    return similarity(a, b) >= threshold
