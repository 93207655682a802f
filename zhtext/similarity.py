"""Similarity of two reform texts, from their words and their character bigrams.

Words catch the same terms in another order; character bigrams catch the same text
segmented differently or with OCR noise. The score is in [0, 1].
"""

import re
from dataclasses import dataclass

import rjieba

from zhtext.normalize import normalize
from zhtext.segment import STOPWORDS

THRESHOLD = 0.5
_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+")


@dataclass(frozen=True)
class Features:
    words: frozenset[str]
    grams: frozenset[str]


def _chars(text: str) -> list[str]:
    return _CJK_OR_WORD.findall(text)


def features(text: str) -> Features:
    text = normalize(text)
    words = frozenset(
        w for w in rjieba.cut(text) if len(w.strip()) > 1 and w not in STOPWORDS and _chars(w)
    )
    chars = _chars(text)
    grams = frozenset(a + b for a, b in zip(chars, chars[1:], strict=False))
    return Features(words, grams)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def similarity(a: str | Features, b: str | Features) -> float:
    fa = a if isinstance(a, Features) else features(a)
    fb = b if isinstance(b, Features) else features(b)
    return 0.5 * _jaccard(fa.words, fb.words) + 0.5 * _jaccard(fa.grams, fb.grams)


def shared_terms(a: str | Features, b: str | Features, limit: int = 8) -> list[str]:
    """The longest words both texts use: what explains the score to a person."""
    fa = a if isinstance(a, Features) else features(a)
    fb = b if isinstance(b, Features) else features(b)
    return sorted(fa.words & fb.words, key=lambda w: (-len(w), w))[:limit]


def is_same(a: str | Features, b: str | Features, threshold: float = THRESHOLD) -> bool:
    return similarity(a, b) >= threshold
