"""Normalise text copied from PDFs, OCR and web pages so equal wordings compare equal."""

import re
import unicodedata

_SPACE = re.compile(r"\s+")
# A line break between two CJK characters is an artefact of PDF or OCR extraction.
_CJK_BREAK = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def normalize(text: str) -> str:
    """Fold full-width forms (NFKC), lower-case Latin, and collapse extraction whitespace."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _CJK_BREAK.sub("", text)
    return _SPACE.sub(" ", text).strip()
