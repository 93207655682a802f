"""Similar pairs from an inverted index with a proven bound (never all pairs), and clusters.

A pair scores above zero only if the two texts share a term (word or bigram). Terms are
split by document frequency:

- a *rare* term (in 2 to `max_posting` texts) is joined through its posting list: every
  pair of texts sharing one is scored exactly (shared mass of rare terms from the postings,
  of frequent terms from a small dense matrix);
- a *frequent* term (in more texts) is not joined: two texts that share only frequent terms
  can reach the threshold only if frequent terms make up much of them. With q(x) the share
  of x's word and bigram mass in frequent terms, their raw score is at most
  (q(a) + q(b)) / 2 (the Jaccard part is at most min(q), the containment part at most the
  smaller text's q), so one of them has q >= the raw threshold. Those few texts are
  compared with every text on the frequent terms, one matrix product per block of rows.

Nothing is guessed, so the pairs are exactly those all_pairs() finds (`make bench` checks it
on a subset, tests/test_merging_cohesion.py on a generated set), and the work is the rare
postings' pairs plus the few boilerplate-heavy texts times n, far below n²/2 comparisons.
(The earlier index joined texts on two shared "signature" terms and missed 17 % of the
pairs at 10,000 proposals.) Scores are computed in numpy with the formula of
zhtext.similarity; a score within rounding of the threshold is decided by similarity().
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from zhtext.similarity import (
    GAMMA,
    MIN_MASS,
    THRESHOLD,
    Features,
    features,
    shared_terms,
    similarity,
    weight,
)

K = TypeVar("K", bound=Hashable)
MAX_POSTING = 300
# A term in more than this share of a collection is that collection's boilerplate (a shared
# template sentence, a "demo" marker): it is left out before scoring. Needs enough texts.
COMMON_SHARE = 0.5
COMMON_MIN_DOCS = 6
_CHUNK = 100_000  # pairs scored per numpy step: bounds the memory of the dense step
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Pair(Generic[K]):
    a: K
    b: K
    score: float
    terms: list[str]


def _without(feat: Features, common: tuple[frozenset[str], frozenset[str]]) -> Features:
    words, grams = common
    return Features(feat.words - words, feat.grams - grams) if words or grams else feat


def _ids(terms: list[str]) -> tuple[list[str], Ints]:
    """The distinct terms in first-seen order, and each occurrence's id."""
    vocab = {term: i for i, term in enumerate(dict.fromkeys(terms))}
    ids = np.fromiter(map(vocab.__getitem__, terms), dtype=np.int64, count=len(terms))
    return list(vocab), ids


class _Index:
    """Term ids, postings and masses of a collection, words and bigrams kept apart, the
    collection's boilerplate (`common`) left out."""

    def __init__(self, feats: list[Features], max_posting: int) -> None:
        self.n = n = len(feats)
        all_words = [w for f in feats for w in f.words]
        all_grams = [g for f in feats for g in f.grams]
        word_list, word_ids = _ids(all_words)
        gram_list, gram_ids = _ids(all_grams)
        flat = np.concatenate([word_ids, gram_ids + len(word_list)])
        doc = np.arange(n, dtype=np.int64)
        doc_of = np.concatenate(
            [
                np.repeat(doc, [len(f.words) for f in feats]),
                np.repeat(doc, [len(f.grams) for f in feats]),
            ]
        )
        n_terms = len(word_list) + len(gram_list)
        self.is_word = np.zeros(n_terms, dtype=bool)
        self.is_word[: len(word_list)] = True
        self.weight = np.fromiter(
            (weight(t) for t in word_list + gram_list), dtype=np.float64, count=n_terms
        )
        df = np.bincount(flat, minlength=n_terms)
        common = df > (COMMON_SHARE * n if n >= COMMON_MIN_DOCS else n)
        self.common = (
            frozenset(word_list[i] for i in np.flatnonzero(common[: len(word_list)])),
            frozenset(gram_list[i] for i in np.flatnonzero(common[len(word_list) :])),
        )
        kept = ~common[flat]
        flat, doc_of = flat[kept], doc_of[kept]
        w = self.weight[flat]
        self.word_mass = _sums(doc_of, w * self.is_word[flat], n)
        self.gram_mass = _sums(doc_of, w * ~self.is_word[flat], n)
        # Postings of rare terms, ordered by term then document.
        rare = (df >= 2) & (df <= max_posting)
        keep = rare[flat]
        order = np.lexsort((doc_of[keep], flat[keep]))
        self.rare_terms = flat[keep][order]
        self.rare_docs = doc_of[keep][order]
        # Frequent terms: one dense column each (few, by construction).
        frequent = np.flatnonzero((df > max_posting) & ~common)
        column = np.full(n_terms, -1, dtype=np.int64)
        column[frequent] = np.arange(len(frequent))
        self.dense = np.zeros((n, len(frequent)), dtype=np.float32)
        is_frequent = column[flat] >= 0
        self.dense[doc_of[is_frequent], column[flat[is_frequent]]] = 1.0
        self.dense_word = (self.weight[frequent] * self.is_word[frequent]).astype(np.float32)
        self.dense_gram = (self.weight[frequent] * ~self.is_word[frequent]).astype(np.float32)
        self.frequent_word = (self.dense @ self.dense_word).astype(np.float64)
        self.frequent_gram = (self.dense @ self.dense_gram).astype(np.float64)
        self.q = 0.5 * (
            _share(self.frequent_word, self.word_mass) + _share(self.frequent_gram, self.gram_mass)
        )

    def rare_pairs(self) -> tuple[Ints, Ints, Floats, Floats]:
        """Every pair sharing a rare term, with the word and bigram mass of the rare terms
        they share; grouped by posting length so each length is one numpy step."""
        terms, starts, counts = np.unique(self.rare_terms, return_index=True, return_counts=True)
        keys: list[Ints] = []
        weights: list[Floats] = []
        words: list[npt.NDArray[np.bool_]] = []
        for length in np.unique(counts):
            chosen = counts == length
            rows = starts[chosen][:, None] + np.arange(length)[None, :]
            postings = self.rare_docs[rows]
            i, j = np.triu_indices(int(length), 1)
            keys.append((postings[:, i] * self.n + postings[:, j]).ravel())
            tids = np.repeat(terms[chosen], len(i))
            weights.append(self.weight[tids])
            words.append(self.is_word[tids])
        if not keys:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0), np.zeros(0)
        key = np.concatenate(keys)
        w = np.concatenate(weights)
        is_word = np.concatenate(words)
        unique, inverse = np.unique(key, return_inverse=True)
        shared_word = _sums(inverse, w * is_word, len(unique))
        shared_gram = _sums(inverse, w * ~is_word, len(unique))
        return unique // self.n, unique % self.n, shared_word, shared_gram

    def upper_bounds(self, a: Ints, b: Ints, rare_word: Floats, rare_gram: Floats) -> Floats:
        """Scores if the pairs shared every frequent term the smaller side has: cheap, and
        never below the true score, so it rules out most pairs before the dense step."""
        word = rare_word + np.minimum(self.frequent_word[a], self.frequent_word[b])
        gram = rare_gram + np.minimum(self.frequent_gram[a], self.frequent_gram[b])
        return self._calibrated(a, b, word, gram)

    def scores(self, a: Ints, b: Ints, rare_word: Floats, rare_gram: Floats) -> Floats:
        """Calibrated scores of pairs (a, b), adding the frequent terms they share."""
        out = np.empty(len(a))
        for lo in range(0, len(a), _CHUNK):
            s = slice(lo, lo + _CHUNK)
            both = self.dense[a[s]] * self.dense[b[s]]
            word = rare_word[s] + both @ self.dense_word
            gram = rare_gram[s] + both @ self.dense_gram
            out[s] = self._calibrated(a[s], b[s], word, gram)
        return out

    def _calibrated(self, a: Ints, b: Ints, word: Floats, gram: Floats) -> Floats:
        raw = 0.5 * (
            _part(word, self.word_mass[a], self.word_mass[b])
            + _part(gram, self.gram_mass[a], self.gram_mass[b])
        )
        return raw**GAMMA

    def frequent_only(self, raw_threshold: float, threshold: float) -> tuple[Ints, Ints, Floats]:
        """Pairs that pass on frequent terms alone: one side's q is at least the raw
        threshold. Each such text against all, as one matrix product per block of rows."""
        heavy = np.flatnonzero(self.q >= raw_threshold)
        found_a: list[Ints] = []
        found_b: list[Ints] = []
        found_s: list[Floats] = []
        weighted_word = self.dense * self.dense_word
        weighted_gram = self.dense * self.dense_gram
        is_heavy = self.q >= raw_threshold
        everyone = np.arange(self.n)
        step = max(1, _CHUNK // max(self.n, 1))
        for lo in range(0, len(heavy), step):
            rows = heavy[lo : lo + step]
            word = (weighted_word[rows] @ self.dense.T).astype(np.float64)
            gram = (weighted_gram[rows] @ self.dense.T).astype(np.float64)
            # Each part is at most its containment, at most shared / the smaller mass:
            # a cheap bound that leaves few cells to score exactly.
            with np.errstate(divide="ignore", invalid="ignore"):
                bound = word / np.minimum(self.word_mass[rows][:, None], self.word_mass)
                bound += gram / np.minimum(self.gram_mass[rows][:, None], self.gram_mass)
            np.nan_to_num(bound, copy=False, nan=0.0, posinf=0.0)
            # Each unordered pair once: a heavy partner only if it comes after the row.
            keep = (bound >= 2 * raw_threshold) & ((word + gram) > 0)
            keep &= ~is_heavy[None, :] | (everyone[None, :] > rows[:, None])
            r, c = np.nonzero(keep)
            a, b = rows[r], c
            score = self._calibrated(a, b, word[r, c], gram[r, c])
            ok = score >= threshold
            found_a.append(np.minimum(a, b)[ok])
            found_b.append(np.maximum(a, b)[ok])
            found_s.append(score[ok])
        if not found_a:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_s)


def _sums(where: Ints, values: Floats, size: int) -> Floats:
    """values summed by position `where` (np.bincount with weights, typed as floats)."""
    return np.asarray(np.bincount(where, weights=values, minlength=size), dtype=np.float64)


def _share(part: Floats, whole: Floats) -> Floats:
    return np.divide(part, whole, out=np.zeros_like(whole), where=whole > 0)


def _part(shared: Floats, mass_a: Floats, mass_b: Floats) -> Floats:
    """zhtext.similarity._part over arrays: mean of weighted Jaccard and containment."""
    smaller = np.minimum(mass_a, mass_b)
    larger = np.maximum(mass_a, mass_b)
    floor = np.maximum(smaller, np.minimum(MIN_MASS, larger))
    union = mass_a + mass_b - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    contained = np.divide(shared, floor, out=np.zeros_like(shared), where=smaller > 0)
    return np.where(smaller > 0, 0.5 * (jaccard + contained), 0.0)


def candidate_pairs(
    docs: Mapping[K, str] | Mapping[K, Features],
    threshold: float = THRESHOLD,
    *,
    max_posting: int = MAX_POSTING,
) -> list[Pair[K]]:
    """Pairs of documents that share some wording and score at least `threshold`, best
    first (a before b in `docs`): the pairs all_pairs() finds, without comparing them all."""
    keys = list(docs)
    raw = [text if isinstance(text, Features) else features(text) for text in docs.values()]
    index = _Index(raw, max_posting)
    margin = 1e-9  # numpy sums terms in another order than similarity(): re-check the edge
    a, b, rare_word, rare_gram = index.rare_pairs()
    likely = index.upper_bounds(a, b, rare_word, rare_gram) >= threshold - margin
    a, b, rare_word, rare_gram = a[likely], b[likely], rare_word[likely], rare_gram[likely]
    score = index.scores(a, b, rare_word, rare_gram)
    best: dict[tuple[int, int], float] = {}
    fa, fb, fs = index.frequent_only(threshold ** (1 / GAMMA), threshold - margin)
    passed = fs >= threshold - margin
    best.update(
        zip(
            zip(fa[passed].tolist(), fb[passed].tolist(), strict=True),
            fs[passed].tolist(),
            strict=True,
        )
    )
    passed = score >= threshold - margin
    # Exact (rare and frequent terms both counted): replaces a frequent-only score.
    best.update(
        zip(
            zip(a[passed].tolist(), b[passed].tolist(), strict=True),
            score[passed].tolist(),
            strict=True,
        )
    )
    feats: dict[int, Features] = {}

    def feat(i: int) -> Features:
        if i not in feats:
            feats[i] = _without(raw[i], index.common)
        return feats[i]

    pairs: list[Pair[K]] = []
    for (x, y), s in best.items():
        if abs(s - threshold) <= margin:
            s = similarity(feat(x), feat(y))
            if s < threshold:
                continue
        pairs.append(Pair(keys[x], keys[y], round(s, 3), shared_terms(feat(x), feat(y))))
    order = {key: i for i, key in enumerate(keys)}
    pairs.sort(key=lambda p: (-p.score, order[p.a], order[p.b]))
    return pairs


def all_pairs(
    docs: Mapping[K, str] | Mapping[K, Features], threshold: float = THRESHOLD
) -> list[Pair[K]]:
    """Every pair scored with similarity(): the quadratic baseline candidate_pairs is
    measured against (the collection's boilerplate left out the same way)."""
    raw = [text if isinstance(text, Features) else features(text) for text in docs.values()]
    common = _Index(raw, MAX_POSTING).common
    feats = [(key, _without(f, common)) for key, f in zip(docs, raw, strict=True)]
    pairs = []
    for i, (a, fa) in enumerate(feats):
        for b, fb in feats[i + 1 :]:
            score = similarity(fa, fb)
            if score >= threshold and score > 0:
                pairs.append(Pair(a, b, round(score, 3), shared_terms(fa, fb)))
    pairs.sort(key=lambda p: -p.score)
    return pairs


def clusters(keys: Iterable[K], pairs: Iterable[Pair[K]]) -> list[list[K]]:
    """Connected groups of two or more keys, by union-find over the confirmed pairs.

    Chains (A~B, B~C, C~D): fine for themes of a few texts, not for merge suggestions at
    scale; zhtext.groups.cohesive_groups is the rule for those."""
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
