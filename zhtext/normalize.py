"""Normalise text copied from PDFs, OCR and web pages so equal wordings compare equal.

Each step undoes one artefact seen in real extracted policy texts:
- full-width letters, digits and punctuation (NFKC), and the many bracket, quote and dash
  forms of the same mark (〔2017〕, [2017], （2017）);
- traditional characters (big5 mirrors of gov.cn, reposts), folded to simplified;
- pinyin ruby that some web mirrors leave after each character: 產(chǎn)權(quán);
- running page headers and page numbers on their own line: "— 3 —", "第 3 页", "3 / 12";
- words hyphenated and numbers wrapped at a line end, and line breaks or stray spaces
  between CJK characters (or between a bracket and what it encloses).
"""

import re
import unicodedata

from zhtext._t2s import T2S

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Marks a CJK character may sit next to without a space: CJK punctuation and full-width forms.
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014"
_PAGE_LINE = re.compile(
    r"^[ \t]*(?:"
    r"[-—–－~]+[ \t]*\d{1,4}[ \t]*[-—–－~]+"  # — 3 —
    r"|第[ \t]*\d{1,4}[ \t]*页(?:[ \t]*[,，]?[ \t]*共[ \t]*\d{1,4}[ \t]*页)?"  # 第 3 页 共 12 页
    r"|\d{1,4}[ \t]*/[ \t]*\d{1,4}"  # 3 / 12
    r"|(?:page|p\.)[ \t]*\d{1,4}"
    r"|\d{1,4}"  # a bare page number
    r")[ \t]*$\n?",
    re.IGNORECASE | re.MULTILINE,
)
_PINYIN_RUBY = re.compile(rf"(?<=[{_CJK}])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{{1,7}}\)")
# A number wrapped at a line end: "201\n7".
_DIGIT_BREAK = re.compile(r"(?<=\d)[ \t]*\n[ \t]*(?=\d)")
_HYPHENATED = re.compile(r"(?<=[a-z])-[ \t]*\n[ \t]*(?=[a-z])")
_CJK_GAP = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])\s+|\s+(?=[{_CJK}{_CJK_PUNCT}])")
# Spaces a line break left inside brackets or before a mark: "( 2017)", "融资 ,".
_MARK_GAP = re.compile(r"(?<=[(\[])\s+|\s+(?=[)\],.;:!?])")
_SPACE = re.compile(r"\s+")
_MARKS = str.maketrans(
    {
        "〔": "(",
        "〕": ")",
        "【": "(",
        "】": ")",
        "[": "(",
        "]": ")",
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "—": "-",
        "–": "-",
        "―": "-",
        "－": "-",
        "·": "·",
        "・": "·",
        "•": "·",
        "…": "...",
        "\u00a0": " ",
        "\u3000": " ",
        "\ufeff": "",
        "\u200b": "",
    }
)


def to_simplified(text: str) -> str:
    """Fold the traditional characters of policy texts to simplified (see zhtext._t2s)."""
    return text.translate(T2S)


def normalize(text: str) -> str:
    """The comparable form of a text: see the module docstring for each step."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Page furniture is recognised on its own line, before NFKC turns "－" into "-".
    text = _PAGE_LINE.sub("", text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PAGE_LINE.sub("", text)
    text = _PINYIN_RUBY.sub("", text)
    text = to_simplified(text.translate(_MARKS))
    text = _HYPHENATED.sub("", text)
    text = _DIGIT_BREAK.sub("", text)
    text = _CJK_GAP.sub("", text)
    text = _MARK_GAP.sub("", text)
    return _SPACE.sub(" ", text).strip()
