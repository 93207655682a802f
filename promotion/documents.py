"""A batch's notice as a draft for submission (通知代拟稿), in the official document layout of
GB/T 9704 (`kernel.officedoc`).

The platform drafts; it does not issue State Council documents. So the document is marked as
a draft (代拟稿) at the top and carries no 发文机关标志: the national level submits the text.
Layout: the draft mark; the document number over the red separator line once the batch has
one; the title; the addressees (主送机关) the State Council's General Office writes to; an
opening; the measures grouped by field, each with where it applies and its text; a closing
request; the signature and the date as the batch holds them (blank while not known).
"""

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from kernel.officedoc import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    add_blank,
    add_lines,
    add_paragraph,
    add_red_rule,
    new_document,
    to_bytes,
)
from lists.documents import chinese_number, signature
from promotion.models import PromotedMeasure, PromotionBatch

# The notices of 国办发〔2017〕80号 and 〔2020〕3号 come from the State Council's General Office
# and are addressed as its notices to the provinces and the State Council's departments are.
ISSUER = "国务院办公厅"
ADDRESSEES = "各省、自治区、直辖市人民政府，国务院各部委、各直属机构"


def notice_title(batch: PromotionBatch) -> str:
    """The batch's title, or while it has none a working title for the draft."""
    if batch.title:
        return batch.title
    return _(
        "Notice of the General Office of the State Council on promoting the %(batch)s of "
        "reform measures supporting innovation"
    ) % {"batch": batch.ordinal()}


def grouped(measures: list[PromotedMeasure]) -> list[tuple[str, list[PromotedMeasure]]]:
    """The measures by field, fields in the order they first appear."""
    groups: dict[str, list[PromotedMeasure]] = {}
    for measure in measures:
        groups.setdefault(measure.field or _("Field not stated"), []).append(measure)
    return list(groups.items())


def scope_text(measure: PromotedMeasure) -> str:
    if measure.scope == PromotedMeasure.Scope.NATIONWIDE:
        return _("to be promoted nationwide")
    if measure.scope == PromotedMeasure.Scope.REGIONS:
        return _("to be promoted in the 8 reform experiment regions")
    return _("where it applies is not stated")


def notice_docx(batch: PromotionBatch) -> bytes:
    document = new_document()
    centred = WD_ALIGN_PARAGRAPH.CENTER
    add_paragraph(document, _("Draft for submission"), HEADING_FONT, BODY_SIZE, indent=False)
    add_blank(document)
    if batch.doc_number:
        number = add_paragraph(
            document, batch.doc_number, BODY_FONT, BODY_SIZE, indent=False, align=centred
        )
        add_red_rule(number)
        add_blank(document)
    add_paragraph(
        document, notice_title(batch), TITLE_FONT, TITLE_SIZE, indent=False, align=centred
    )
    add_blank(document)
    add_paragraph(document, f"{ADDRESSEES}：", BODY_FONT, BODY_SIZE, indent=False)
    measures = list(batch.measures.order_by("position"))
    nationwide = sum(1 for m in measures if m.scope == PromotedMeasure.Scope.NATIONWIDE)
    regions = sum(1 for m in measures if m.scope == PromotedMeasure.Scope.REGIONS)
    opening = _(
        "With the approval of the State Council, the following %(count)s reform measures "
        "supporting innovation are promoted: %(nationwide)s nationwide and %(regions)s in the "
        "8 reform experiment regions. The relevant matters are notified as follows."
    ) % {"count": len(measures), "nationwide": nationwide, "regions": regions}
    add_paragraph(document, opening, BODY_FONT, BODY_SIZE)
    for index, (field, members) in enumerate(grouped(measures), start=1):
        heading = _("%(field)s (%(count)s measures)") % {"field": field, "count": len(members)}
        add_paragraph(document, f"{chinese_number(index)}、{heading}", HEADING_FONT, BODY_SIZE)
        for order, measure in enumerate(members, start=1):
            title = measure.title or _("Title not stated (measure %(n)s)") % {"n": measure.position}
            add_paragraph(
                document,
                f"（{chinese_number(order)}）{title}（{scope_text(measure)}）",
                BODY_FONT,
                BODY_SIZE,
            )
            add_lines(document, measure.text)
    closing = _(
        "Each region and department is to take the promotion of these measures seriously, "
        "adapt them to local conditions, and report the difficulties met in time."
    )
    add_paragraph(document, closing, BODY_FONT, BODY_SIZE)
    add_blank(document, 2)
    signature(document, [ISSUER], batch.issued_on)
    return to_bytes(document)


def file_name(batch: PromotionBatch) -> str:
    return f"batch-{batch.number}-notice-draft.docx"
