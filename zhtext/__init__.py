"""Chinese text analysis for Jiebang: normalisation and segmentation. No Django here."""

from zhtext.normalize import normalize
from zhtext.segment import index_terms, query_terms

__all__ = ["index_terms", "normalize", "query_terms"]
