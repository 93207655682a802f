"""Chinese text analysis for Jiebang: normalisation, segmentation, similarity. No Django here.

Segmenter: rjieba (jieba-rs, maintained, Rust). `make bench` compares it with jieba 0.42.1
on the real texts of data/similarity/pairs.csv: rjieba ~3.1 M characters/s against jieba
~0.13-0.19 M (17-23x faster on this 2-core machine), and the same tokens on 102 of 102
texts (token-span agreement 1.0), so the app keeps rjieba; jieba is a dev dependency for
that comparison only. Modules: normalize (PDF/OCR/web artefacts), segment (search terms),
similarity (score, decision, shared terms), pairs (inverted index with an exact bound),
groups (cohesive merge suggestions: average link, size cap), noise
(simulated extraction noise for tests and bench), evaluate (P/R/F1 on labelled pairs).
`python -m zhtext similar A B` and `python -m zhtext pairs FILE.csv` try it on any text.
"""

from zhtext.normalize import normalize
from zhtext.segment import index_terms, query_terms

__all__ = ["index_terms", "normalize", "query_terms"]
