"""A task notice (揭榜任务通知书) as an official document (GB/T 9704, jiebang/officedoc.py).

发文机关标志 in red, the 发文字号 under it with the red separator line, the title, the 主送机关
(the claimant), the claimed items numbered under their categories, the duties that follow from
claiming, then the issuing authority and the 成文日期. The wording of the duties is the
project's template, not a text any authority issued, and the document says so.
"""

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from claims.models import TaskNotice
from claims.selectors import by_category, claimant_items
from kernel.officedoc import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    add_blank,
    add_issuer_mark,
    add_paragraph,
    add_red_rule,
    new_document,
    to_bytes,
)
from lists.documents import _signature, chinese_number

# The project's template of the duties that follow from claiming (not an official text).
DUTIES = [
    "明确实施主体。请于收到本通知书之日起15个工作日内，确定每项揭榜事项的实施主体"
    "（有关部门、地方政府、企业、高校、科研院所）和责任人。",
    "报送实施方案。实施主体应在30个工作日内报送实施方案，明确时间表、路线图、责任人，"
    "列出节点任务及完成时限，提出可量化、可考核的目标。",
    "按季报送进展。每季度结束后10个工作日内报送实施进展，说明节点任务完成情况、目标"
    "实际值、遇到的问题和需要协调的事项。",
    "鼓励探索、容错纠错。对在改革探索中出现的失误，符合容错条件的，按规定予以容错。",
]


def notice_docx(notice: TaskNotice) -> bytes:
    document = new_document()
    centred = WD_ALIGN_PARAGRAPH.CENTER
    add_issuer_mark(document, notice.issuing_authority)
    add_blank(document, 2)
    number = add_paragraph(document, notice.doc_number, BODY_FONT, BODY_SIZE, indent=False)
    number.alignment = centred
    add_red_rule(number)
    add_blank(document, 2)
    title = _("Task notice (揭榜任务通知书)")
    add_paragraph(document, title, TITLE_FONT, TITLE_SIZE, indent=False, align=centred)
    add_paragraph(
        document, notice.programme.title, BODY_FONT, BODY_SIZE, indent=False, align=centred
    )
    add_blank(document)
    add_paragraph(document, f"{notice.claimant}：", BODY_FONT, BODY_SIZE, indent=False)
    items = claimant_items(notice.claimant)
    add_paragraph(
        document,
        _("Your claim of %(count)s items of “%(programme)s” is confirmed. The items are:")
        % {"count": len(items), "programme": notice.programme.title},
        BODY_FONT,
        BODY_SIZE,
    )
    claimed_items = _("Claimed items")
    add_paragraph(document, f"{chinese_number(1)}、{claimed_items}", HEADING_FONT, BODY_SIZE)
    for group in by_category(items):
        add_paragraph(document, f"（{group.name}）", BODY_FONT, BODY_SIZE, bold=True)
        for item in group.items:
            add_paragraph(document, f"{item.position}．{item.title}", BODY_FONT, BODY_SIZE)
    duties = _("Duties")
    add_paragraph(document, f"{chinese_number(2)}、{duties}", HEADING_FONT, BODY_SIZE)
    for index, duty in enumerate(DUTIES, start=1):
        add_paragraph(document, f"（{chinese_number(index)}）{duty}", BODY_FONT, BODY_SIZE)
    add_paragraph(
        document,
        _("(The wording of the duties is the template of this system.)"),
        BODY_FONT,
        BODY_SIZE,
    )
    add_blank(document, 2)
    _signature(document, notice.issuing_authority, notice.issued_on)
    return to_bytes(document)


def file_name(notice: TaskNotice) -> str:
    return f"notice-{notice.programme_id}-{notice.number}.docx"
