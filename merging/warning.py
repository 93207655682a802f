"""When the drafting warning speaks (平台规则, the platform's own rule, not 484号's).

The warning tells a locality, while it drafts, that its text looks like one of its own
proposals, a listed measure or another locality's submission. It must stay quiet on unrelated
measures (issue #12: unrelated demo measures scored 0.53–0.60), so it differs from the
merging suggestions in two ways:

- **Boilerplate of the corpus is ignored.** A word or character bigram found in at least
  `BOILERPLATE_SHARE` of the texts compared (and in at least `BOILERPLATE_MIN_TEXTS` of them)
  says nothing about which measure a text is: a template sentence, a demo mark (（演示数据）),
  a phrase every proposal of a field repeats. It is left out of both sides before scoring.
- **A higher cut, `WARNING_THRESHOLD`,** measured on the labelled pairs of
  `data/similarity/pairs.csv` (each text also framed with the demo marks, as demo proposals
  are), with the boilerplate of that set ignored: at 0.58 no unrelated pair (label 0, 290 of
  them) warns, while 76 % of the related pairs (label 1) and every extraction-noise copy
  still do (precision 1.0, recall 0.76 plain and framed; at the general `THRESHOLD` 0.5 the
  framed set gives 231 false warnings). Tested in `tests/test_duplicate_warning_quiet.py`.
"""

from collections import Counter
from collections.abc import Sequence

from zhtext.similarity import Features, similarity

WARNING_THRESHOLD = 0.58
BOILERPLATE_SHARE = 0.2
BOILERPLATE_MIN_TEXTS = 10


def boilerplate(corpus: Sequence[Features]) -> tuple[frozenset[str], frozenset[str]]:
    """The words and bigrams that a large share of the compared texts have in common."""
    floor = max(BOILERPLATE_MIN_TEXTS, BOILERPLATE_SHARE * len(corpus))
    words = Counter(w for doc in corpus for w in doc.words)
    grams = Counter(g for doc in corpus for g in doc.grams)
    return (
        frozenset(w for w, n in words.items() if n >= floor),
        frozenset(g for g, n in grams.items() if n >= floor),
    )


def without(doc: Features, common: tuple[frozenset[str], frozenset[str]]) -> Features:
    words, grams = common
    return Features(doc.words - words, doc.grams - grams)


def scores(draft: Features, docs: Sequence[Features]) -> list[float]:
    """The warning's score of the draft against each text, the boilerplate they share (the
    draft and `docs` being the whole corpus compared) ignored."""
    common = boilerplate([draft, *docs])
    mine = without(draft, common)
    return [similarity(mine, without(doc, common)) for doc in docs]


def warns(score: float) -> bool:
    return score >= WARNING_THRESHOLD
