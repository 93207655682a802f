"""Candidate pairs from an inverted index over rare bigrams (never all pairs), and clusters."""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from zhtext.similarity import THRESHOLD, Features, features, shared_terms, similarity

K = TypeVar("K", bound=Hashable)
# A bigram in more documents than this carries no signal and would make the index quadratic.
MAX_POSTING = 200
MIN_SHARED_GRAMS = 3


@dataclass(frozen=True)
class Pair(Generic[K]):
    a: K
    b: K
    score: float
    terms: list[str]


def candidate_pairs(docs: Mapping[K, str], threshold: float = THRESHOLD) -> list[Pair[K]]:
    feats: dict[K, Features] = {key: features(text) for key, text in docs.items()}
    postings: dict[str, list[K]] = defaultdict(list)
    for key, feat in feats.items():
        for gram in feat.grams:
            postings[gram].append(key)
    shared: Counter[tuple[K, K]] = Counter()
    order = {key: i for i, key in enumerate(feats)}
    for keys in postings.values():
        if len(keys) < 2 or len(keys) > MAX_POSTING:
            continue
        keys.sort(key=order.__getitem__)
        for i, first in enumerate(keys):
            for second in keys[i + 1 :]:
                shared[(first, second)] += 1
    pairs = []
    for (a, b), count in shared.items():
        if count < MIN_SHARED_GRAMS:
            continue
        score = similarity(feats[a], feats[b])
        if score >= threshold:
            pairs.append(Pair(a, b, round(score, 3), shared_terms(feats[a], feats[b])))
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
