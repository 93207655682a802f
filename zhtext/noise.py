"""Simulated extraction noise: what PDF, OCR and web copies do to a real text.

Used to derive the `extraction` pairs of data/similarity/pairs.csv and the generated
proposals of `make bench`, never to change a user's text. Every function takes its own
random.Random, so the same seed gives the same text.
"""

import random

from zhtext._t2s import T2S

# Pairs that Chinese OCR confuses (similar shapes); both directions are used.
OCR_CONFUSIONS = (
    "己已 未末 土士 人入 千干 日曰 王玉 贝见 刀力 析折 候侯 拔拨 体休 准淮 科料 技枝 "
    "理埋 利剂 成戍 效郊"
)
_OCR: dict[str, str] = {}
for _pair in OCR_CONFUSIONS.split():
    if _pair[0] != _pair[1]:
        _OCR.setdefault(_pair[0], _pair[1])
        _OCR.setdefault(_pair[1], _pair[0])
_S2T: dict[str, str] = {}
for _trad, _simp in T2S.items():
    _S2T.setdefault(_simp, chr(_trad))
_FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_ASCII_PUNCT = {"，": ",", "；": ";", "：": ":", "（": "(", "）": ")", "！": "!", "？": "?"}
_CJK_PUNCT = {v: k for k, v in _ASCII_PUNCT.items()}


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def line_breaks(text: str, rng: random.Random, width: int = 18) -> str:
    """Wrap like a PDF column: a line break every `width`±3 characters, anywhere."""
    out, i = [], 0
    while i < len(text):
        step = max(4, width + rng.randint(-3, 3))
        out.append(text[i : i + step])
        i += step
    return "\n".join(out)


def page_furniture(text: str, rng: random.Random, page: int | None = None) -> str:
    """Insert a running page number line ("— 3 —", "第 3 页", "- 3 -") at a line break."""
    number = page if page is not None else rng.randint(1, 40)
    furniture = rng.choice((f"— {number} —", f"第 {number} 页", f"- {number} -", f"{number}"))
    lines = text.split("\n")
    at = rng.randint(1, len(lines)) if len(lines) > 1 else 1
    return "\n".join([*lines[:at], furniture, *lines[at:]])


def stray_spaces(text: str, rng: random.Random, rate: float = 0.25) -> str:
    """Spaces between CJK characters, as justified PDF text extracts."""
    out = []
    for ch, nxt in zip(text, text[1:] + " ", strict=True):
        out.append(ch)
        if _is_cjk(ch) and _is_cjk(nxt) and rng.random() < rate:
            out.append(" ")
    return "".join(out)


def full_width(text: str) -> str:
    """ASCII letters, digits and marks in their full-width forms (Ｗord processors, OCR)."""
    return "".join(_FULL_WIDTH.get(ch, ch) for ch in text)


def ascii_punctuation(text: str) -> str:
    """Chinese commas and brackets as ASCII, as many web pages and mirrors serve them."""
    return "".join(_ASCII_PUNCT.get(ch, ch) for ch in text)


def cjk_punctuation(text: str) -> str:
    return "".join(_CJK_PUNCT.get(ch, ch) for ch in text)


def ocr_errors(text: str, rng: random.Random, rate: float = 0.04) -> str:
    """Swap characters for look-alikes (OCR_CONFUSIONS) at about `rate` of the confusable ones."""
    return "".join(_OCR[ch] if ch in _OCR and rng.random() < rate else ch for ch in text)


def traditional(text: str) -> str:
    """The text in traditional characters, as a big5 mirror would serve it."""
    return "".join(_S2T.get(ch, ch) for ch in text)


def extraction_variant(text: str, rng: random.Random) -> tuple[str, str]:
    """The text through a random mix of the artefacts above, and a note saying which."""
    steps = []
    if rng.random() < 0.8:
        text = line_breaks(text, rng, width=rng.choice((12, 18, 26)))
        steps.append("line breaks")
        if rng.random() < 0.5:
            text = page_furniture(text, rng)
            steps.append("page number line")
    if rng.random() < 0.4:
        text = stray_spaces(text, rng)
        steps.append("spaces between characters")
    if rng.random() < 0.5:
        text = full_width(text)
        steps.append("full-width forms")
    elif rng.random() < 0.5:
        text = ascii_punctuation(text)
        steps.append("ASCII punctuation")
    if rng.random() < 0.5:
        text = ocr_errors(text, rng, rate=0.08)
        steps.append("OCR confusions")
    if rng.random() < 0.25:
        text = traditional(text)
        steps.append("traditional characters")
    if not steps:
        text = line_breaks(text, rng)
        steps.append("line breaks")
    return text, ", ".join(steps)
