"""Official Word documents in the GB/T 9704 layout (党政机关公文格式).

A4 paper; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; title in 2号 (22 pt)
小标宋; headings in 3号 (16 pt) 黑体; body in 3号 仿宋 with 28-point line spacing, which gives
the standard's 22 lines of 28 characters; page numbers in 4号 (14 pt) as "— 1 —".
"""

import io
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from proposals.models import Proposal

TITLE_FONT, HEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312"
# Control characters XML cannot hold (text pasted from Word brings some); \t \n \r stay.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _font(run: Run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    # East Asian text takes its font from w:eastAsia, not from the Latin name.
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _paragraph(
    document: DocumentObject, text: str, font: str, size: float, *, indent: bool = True
) -> Paragraph:
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _font(paragraph.add_run(CONTROL_CHARACTERS.sub("", text)), font, size)
    return paragraph


def _page_number_footer(document: DocumentObject) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), "宋体", 14)
    run = paragraph.add_run()
    _font(run, "宋体", 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.text = text
        run._element.append(element)
    _font(paragraph.add_run(" —"), "宋体", 14)


def _setup(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_number_footer(document)


def proposal_sections(proposal: Proposal) -> list[tuple[str, str]]:
    national = (
        _("Yes. Ministries concerned: %(m)s") % {"m": proposal.ministries}
        if proposal.needs_national_authority
        else _("No")
    )
    return [
        (_("Reform field"), str(proposal.field)),
        (_("Problem and pain point"), proposal.problem),
        (_("Reform content"), proposal.content),
        (_("Needs national authority"), national),
        (_("Implementing bodies"), proposal.implementing_bodies),
        (_("Expected results"), proposal.expected_results),
        (_("Quantifiable targets"), proposal.targets),
        (_("Timetable"), proposal.timetable),
        (_("Risks and fault-tolerance needs"), proposal.risks or _("None stated")),
        (_("Contact"), f"{proposal.contact_name}  {proposal.contact_phone}"),
    ]


def proposal_docx(proposal: Proposal) -> bytes:
    """One proposal as its 建议书."""
    document = Document()
    _setup(document)
    heading = _paragraph(
        document,
        _("Comprehensive Innovation Reform Measure Proposal"),
        TITLE_FONT,
        22,
        indent=False,
    )
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = _paragraph(document, proposal.title, TITLE_FONT, 22, indent=False)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, "", BODY_FONT, 16)
    _paragraph(
        document,
        _("Locality: %(loc)s    Cycle: %(cycle)s")
        % {"loc": proposal.locality.name, "cycle": proposal.cycle.title},
        BODY_FONT,
        16,
    )
    numerals = "一二三四五六七八九十"
    for index, (name, text) in enumerate(proposal_sections(proposal)):
        _paragraph(document, f"{numerals[index]}、{name}", HEADING_FONT, 16)
        for line in text.splitlines() or [""]:
            if line.strip():
                _paragraph(document, line.strip(), BODY_FONT, 16)
    date = timezone.localtime(proposal.submitted_at or proposal.updated_at)
    signature = _paragraph(
        document, f"{proposal.locality.name}\n{date:%Y年%-m月%-d日}", BODY_FONT, 16, indent=False
    )
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
