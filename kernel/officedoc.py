"""Word documents in the official document layout of GB/T 9704 (党政机关公文格式).

Shared by every official document the app writes (the 建议书, the annual list, later the task
notices). A4 paper; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; title in 2号
(22 pt) 小标宋; headings in 3号 (16 pt) 黑体; body in 3号 仿宋 with 28-point line spacing, which
gives the standard's 22 lines of 28 characters; page numbers in 4号 (14 pt) as "— 1 —".
"""

import io
import re

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

TITLE_FONT, HEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312"
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE = 22, 16, 14  # 2号, 3号, 4号
RED = RGBColor(0xFF, 0x00, 0x00)
TYPE_AREA_WIDTH_MM = 156  # 210 mm less the 28 mm and 26 mm margins
PPR_AFTER_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
# Control characters XML cannot hold (text pasted from Word brings some); \t \n \r stay.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def set_font(
    run: Run, name: str, size: float, *, bold: bool = False, color: RGBColor | None = None
) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    # East Asian text takes its font from w:eastAsia, not from the Latin name.
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def add_paragraph(
    document: DocumentObject,
    text: str,
    font: str,
    size: float,
    *,
    indent: bool = True,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
) -> Paragraph:
    """A paragraph on the 28-point grid, first line indented two characters unless told."""
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        paragraph.alignment = align
    set_font(paragraph.add_run(CONTROL_CHARACTERS.sub("", text)), font, size, bold=bold)
    return paragraph


def add_lines(document: DocumentObject, text: str, font: str = BODY_FONT) -> None:
    """Body text, one paragraph per non-empty line."""
    for line in text.splitlines():
        if line.strip():
            add_paragraph(document, line.strip(), font, BODY_SIZE)


def add_blank(document: DocumentObject, lines: int = 1) -> None:
    for _line in range(lines):
        add_paragraph(document, "", BODY_FONT, BODY_SIZE, indent=False)


def _page_number_footer(document: DocumentObject) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(paragraph.add_run("— "), "宋体", PAGE_NUMBER_SIZE)
    run = paragraph.add_run()
    set_font(run, "宋体", PAGE_NUMBER_SIZE)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.text = text
        run._element.append(element)
    set_font(paragraph.add_run(" —"), "宋体", PAGE_NUMBER_SIZE)


def new_document() -> DocumentObject:
    """An empty A4 document with the standard's margins and page-number footer."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _page_number_footer(document)
    return document


def add_issuer_mark(document: DocumentObject, issuer: str) -> Paragraph:
    """发文机关标志: the issuing authority's name in red 小标宋, centred, 35 mm below the top of
    the type area. As large as 初号 (42 pt) when the name fits on one line, smaller when not."""
    size = max(TITLE_SIZE, min(42, int(TYPE_AREA_WIDTH_MM / 0.3528 / max(len(issuer), 1))))
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after = Mm(35), Pt(0)
    set_font(paragraph.add_run(CONTROL_CHARACTERS.sub("", issuer)), TITLE_FONT, size, color=RED)
    return paragraph


def add_red_rule(paragraph: Paragraph) -> None:
    """The red separator line (分隔线) as wide as the type area, 4 mm under `paragraph`."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "12")  # eighths of a point: 1.5 pt
    bottom.set(qn("w:space"), "11")  # points: about 4 mm
    bottom.set(qn("w:color"), "FF0000")
    borders.append(bottom)
    # The schema fixes the order of paragraph properties; Word rejects a border out of place.
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *PPR_AFTER_BORDER)


def to_bytes(document: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
