"""Word segmentation with rjieba (jieba-rs), for search indexing and queries."""

import unicodedata

import rjieba

from zhtext.normalize import normalize

# Function words that would make every document match a query.
STOPWORDS = frozenset("的了和与及或在对为等是之其把被从向于以并而")


def _is_term(token: str) -> bool:
    token = token.strip()
    if not token or token in STOPWORDS:
        return False
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def index_terms(text: str) -> list[str]:
    """Distinct search-mode terms of a text: 科技成果转化 yields 科技, 成果, 科技成果, 转化."""
    seen: dict[str, None] = {}
    for token in rjieba.cut_for_search(normalize(text)):
        token = token.strip()
        if _is_term(token):
            seen.setdefault(token, None)
    return list(seen)


def query_terms(query: str) -> list[str]:
    """Terms a document must all contain to match the query (成果转化 -> 成果, 转化)."""
    terms: dict[str, None] = {}
    for token in rjieba.cut(normalize(query)):
        token = token.strip()
        if not _is_term(token):
            continue
        # A long dictionary word is split further so it meets the finer index terms.
        parts = [p for p in rjieba.cut_for_search(token) if _is_term(p) and p != token]
        for part in parts if len(token) > 3 and parts else [token]:
            terms.setdefault(part, None)
    return list(terms)
