"""A version of the annual list as an official document (GB/T 9704, jiebang/officedoc.py).

Layout, top to bottom: 发文机关标志 (the issuing authority in red), 发文字号 centred two lines
under it with the red separator line 4 mm below, the title two lines under the line, the
preamble, the measures numbered and grouped by reform field under 黑体 headings, then the
issuing authority and the 成文日期 at the right in Arabic digits, as the 2012 standard asks.
A version not yet published says so at the top and has no number or date.

The list is a joint document of 国家发展改革委、科技部 (发改高技〔2021〕484号 §三（三）, see
`lists.authorities`): GB/T 9704-2012 puts the host's name first in the 发文机关标志 (7.2.1) and
the other issuers' names under the host's in the signature (7.3.5), as 484号's own 落款 does
("国家发展改革委 / 科 技 部"). So each authority of the field has a line of its own, in both.
"""

import datetime

from django.utils.translation import gettext as _
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from kernel.officedoc import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    add_blank,
    add_issuer_mark,
    add_lines,
    add_paragraph,
    add_red_rule,
    new_document,
    to_bytes,
)
from lists.authorities import names
from lists.models import ListVersion
from lists.selectors import groups, version_items

DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (heading numbers)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{DIGITS[tens] if tens > 1 else ''}十{DIGITS[ones] if ones else ''}"


def issue_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _width(text: str) -> float:
    """Width in characters of 3号 type: digits and Latin letters are half as wide."""
    return sum(0.5 if ch.isascii() else 1 for ch in text)


def issuer_lines(issuers: str) -> list[str]:
    """The names of the field, one per line, or what stands for them while there are none."""
    return names(issuers) or [_("(issuing authority)")]


def add_issuer_marks(document: DocumentObject, issuers: list[str]) -> None:
    """发文机关标志 of one authority or of several acting jointly, the host first, one line
    each (GB/T 9704-2012 7.2.1); only the first keeps the 35 mm above it."""
    for index, name in enumerate(issuers):
        mark = add_issuer_mark(document, name)
        if index:
            mark.paragraph_format.space_before = Pt(0)


def signature(
    document: DocumentObject, issuers: list[str], issued_on: datetime.date | None
) -> None:
    """发文机关署名 and 成文日期: the date 4 characters from the right, each name centred over
    it; joint issuers one under the other, the host first (GB/T 9704-2012 7.3.5)."""
    date = issue_date(issued_on) if issued_on else ""
    lines = [(name, 4 + max(0.0, (_width(date) - _width(name)) / 2)) for name in issuers]
    for text, indent in [*lines, (date, 4)]:
        if text:
            paragraph = add_paragraph(
                document,
                text,
                BODY_FONT,
                BODY_SIZE,
                indent=False,
                align=WD_ALIGN_PARAGRAPH.RIGHT,
            )
            paragraph.paragraph_format.right_indent = Pt(BODY_SIZE * indent)


def version_docx(version: ListVersion) -> bytes:
    document = new_document()
    centred = WD_ALIGN_PARAGRAPH.CENTER
    published = version.state == ListVersion.State.PUBLISHED
    if not published:
        add_paragraph(document, _("Draft for opinions"), HEADING_FONT, BODY_SIZE, indent=False)
    issuers = issuer_lines(version.issuing_authority)
    add_issuer_marks(document, issuers)
    add_blank(document, 2)
    number = add_paragraph(document, version.doc_number, BODY_FONT, BODY_SIZE, indent=False)
    number.alignment = centred
    add_red_rule(number)
    add_blank(document, 2)
    title = version.annual_list.title
    add_paragraph(document, title, TITLE_FONT, TITLE_SIZE, indent=False, align=centred)
    if version.number > 1:
        label = _("(version %(number)s)") % {"number": version.number}
        add_paragraph(document, label, BODY_FONT, BODY_SIZE, indent=False, align=centred)
    add_blank(document)
    add_lines(document, version.preamble)
    for index, group in enumerate(groups(version_items(version)), start=1):
        heading = f"{chinese_number(index)}、{group.field.name}"
        add_paragraph(document, heading, HEADING_FONT, BODY_SIZE)
        for item in group.items:
            add_paragraph(
                document, f"{item.position}．{item.title}", BODY_FONT, BODY_SIZE, bold=True
            )
            add_lines(document, item.content)
            if item.ministries:
                ministries = _("Ministries concerned: %(m)s") % {"m": item.ministries}
                add_paragraph(document, ministries, BODY_FONT, BODY_SIZE)
    add_blank(document, 2)
    signature(document, issuers, version.issued_on if published else None)
    return to_bytes(document)
