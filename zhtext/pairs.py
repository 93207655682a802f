"""Candidate pairs from an inverted index (never all pairs), and clusters of confirmed pairs.

Each text is indexed under its *signature*: its specific terms (words and bigrams,
boilerplate left out) that at least one other text has and at most MAX_POSTING texts
have (a term in more texts says little and would make the index quadratic), rarest first,
at most `signature_max` of them if given. Two texts are a candidate when their
signatures share MIN_SHARED terms; only candidates are scored with similarity().
The work is about the number of texts times the signature size times the typical
posting length, far below n²/2; `make bench` measures it and checks, on a subset, that
it finds the pairs an all-pairs comparison finds.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from zhtext.similarity import (
    GENERIC_WEIGHT,
    THRESHOLD,
    Features,
    features,
    shared_terms,
    similarity,
    weight,
)

K = TypeVar("K", bound=Hashable)
MIN_SHARED = 2
MAX_POSTING = 300
# A term in more than this share of a collection is that collection's boilerplate (a shared
# template sentence, a "demo" marker): it is left out before scoring. Needs enough texts.
COMMON_SHARE = 0.5
COMMON_MIN_DOCS = 6


@dataclass(frozen=True)
class Pair(Generic[K]):
    a: K
    b: K
    score: float
    terms: list[str]


def _signature(
    feat: Features, df: Mapping[str, int], max_posting: int, limit: int | None
) -> list[str]:
    terms = [
        t
        for t in feat.words | feat.grams
        if weight(t) > GENERIC_WEIGHT and 1 < df[t] <= max_posting
    ]
    terms.sort(key=lambda t: (df[t], t))
    return terms[:limit]


def _without_common(feats: dict[K, Features], df: Counter[str]) -> dict[K, Features]:
    if len(feats) < COMMON_MIN_DOCS:
        return feats
    common = {term for term, n in df.items() if n > COMMON_SHARE * len(feats)}
    if not common:
        return feats
    return {k: Features(f.words - common, f.grams - common) for k, f in feats.items()}


def candidate_pairs(
    docs: Mapping[K, str] | Mapping[K, Features],
    threshold: float = THRESHOLD,
    *,
    signature_max: int | None = None,
    min_shared: int = MIN_SHARED,
    max_posting: int = MAX_POSTING,
) -> list[Pair[K]]:
    """Pairs of documents scoring at least `threshold`, best first (a before b in `docs`)."""
    feats: dict[K, Features] = {
        key: text if isinstance(text, Features) else features(text) for key, text in docs.items()
    }
    df: Counter[str] = Counter()
    for feat in feats.values():
        df.update(feat.words | feat.grams)
    feats = _without_common(feats, df)
    order = {key: i for i, key in enumerate(feats)}
    postings: dict[str, list[K]] = defaultdict(list)
    signatures = {
        key: _signature(feat, df, max_posting, signature_max) for key, feat in feats.items()
    }
    for key, signature in signatures.items():
        for term in signature:
            postings[term].append(key)
    pairs: list[Pair[K]] = []
    for key, signature in signatures.items():
        shared: Counter[K] = Counter()
        mine = order[key]
        for term in signature:
            shared.update(other for other in postings[term] if order[other] > mine)
        for other, n in shared.items():
            if n < min_shared:
                continue
            score = similarity(feats[key], feats[other])
            if score >= threshold:
                pairs.append(
                    Pair(key, other, round(score, 3), shared_terms(feats[key], feats[other]))
                )
    pairs.sort(key=lambda p: (-p.score, order[p.a], order[p.b]))
    return pairs


def all_pairs(
    docs: Mapping[K, str] | Mapping[K, Features], threshold: float = THRESHOLD
) -> list[Pair[K]]:
    """Every pair scored: the quadratic baseline candidate_pairs is measured against."""
    feats = [
        (key, text if isinstance(text, Features) else features(text)) for key, text in docs.items()
    ]
    pairs = []
    for i, (a, fa) in enumerate(feats):
        for b, fb in feats[i + 1 :]:
            score = similarity(fa, fb)
            if score >= threshold:
                pairs.append(Pair(a, b, round(score, 3), shared_terms(fa, fb)))
    pairs.sort(key=lambda p: -p.score)
    return pairs


def clusters(keys: Iterable[K], pairs: Iterable[Pair[K]]) -> list[list[K]]:
    """Connected groups of two or more keys, by union-find over the confirmed pairs."""
    parent: dict[K, K] = {key: key for key in keys}

    def root(key: K) -> K:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for pair in pairs:
        parent[root(pair.a)] = root(pair.b)
    groups: dict[K, list[K]] = defaultdict(list)
    for key in parent:
        groups[root(key)].append(key)
    return [members for members in groups.values() if len(members) > 1]
