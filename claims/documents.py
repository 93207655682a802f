"""A task notice (揭榜任务通知书) as an official document (GB/T 9704, kernel/officedoc.py).

发改高技〔2021〕484号 §三（三）: "国家发展改革委、科技部汇总揭榜结果，并采取适当形式下达揭榜任务
通知书". The notice is handed down (下达) by the programme's issuing authorities, whose names
make the 发文机关标志 and the signature (one line each, the host first: `lists.documents`).
Under the 发文字号 and the red separator line come the title, the 主送机关, the tasks claimed
under their categories, the duties, then the signature and the 成文日期.

主送机关 (the addressee). 484号 is addressed to "北京市、天津市、河北省……四川省、陕西省发展改革委、
科技厅（委、局）：": each locality's 发展改革委 and its department of science and technology,
which it calls 科技厅（委、局） because that department is not a 厅 everywhere. A notice to one
province is addressed the same way: "四川省发展改革委、科技厅：". For the four municipalities
(北京市、天津市、上海市、重庆市) and for the autonomous regions, neither source says whether the
department is a 厅, a 委 or a 局, so their notice keeps 484号's own "科技厅（委、局）":
"北京市发展改革委、科技厅（委、局）：" rather than a name the sources do not give. A region group
(an experiment region or a demonstration zone) is addressed by its name.

The duties (`DUTIES_484`) are 484号's own words, each with its section: §三（三） on what the
locality that claimed a task answers for, §四 on how it organises the implementation. They are
a quotation and stay in the source's words in every language, like the names. They are those of
the annual list; the 2024 zone pilot is not 484号's (source 003 names no duties of its own), so
its notice carries only the platform's rule. Last comes that rule, labelled as the platform's:
progress reports every period the programme sets, due the days it sets after each period ends,
counted in calendar days (自然日) as dispatch counts them (tasks.periods.due_on adds them to the
period's last day).
"""

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from claims.models import Claimant, Programme, TaskNotice
from claims.selectors import by_category, claimant_items
from kernel.officedoc import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    add_blank,
    add_paragraph,
    add_red_rule,
    new_document,
    to_bytes,
)
from lists.documents import add_issuer_marks, chinese_number, issuer_lines, signature

SOURCE_484 = "《国家发展改革委 科技部关于深入推进全面创新改革工作的通知》（发改高技〔2021〕484号）"
SECTION_3_3 = "（发改高技〔2021〕484号第三部分第（三）项）"
SECTION_4 = "（发改高技〔2021〕484号第四部分）"

# 484号 §三（三）: "各地发展改革委、科技厅（委、局）对所揭榜任务负总体责任，根据需要明确实施主体
# （同级职能部门、地方政府以及企业、高等院校、科研院所等创新主体），研究提出具体改革方案，督促检查
# 改革进展，协调解决改革过程中出现的问题，总结凝练可复制推广的改革成果。"
# 484号 §四: "……要组织改革实施主体细化各项改革举措的时间表、路线图、责任人，明确可量化、可考核
# 的目标……要研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索。"
DUTIES_484 = [
    ("对所揭榜任务负总体责任。", SECTION_3_3),
    (
        "根据需要明确实施主体（同级职能部门、地方政府以及企业、高等院校、科研院所等创新主体）。",
        SECTION_3_3,
    ),
    ("研究提出具体改革方案。", SECTION_3_3),
    ("督促检查改革进展。", SECTION_3_3),
    ("协调解决改革过程中出现的问题。", SECTION_3_3),
    ("总结凝练可复制推广的改革成果。", SECTION_3_3),
    (
        "组织改革实施主体细化各项改革举措的时间表、路线图、责任人，明确可量化、可考核的目标。",
        SECTION_4,
    ),
    ("研究制定和落实容错纠错机制，鼓励改革实施主体大胆探索。", SECTION_4),
]

# 484号's 主送: "……发展改革委、科技厅（委、局）".
DEVELOPMENT_AND_REFORM = "发展改革委"
SCIENCE_AND_TECHNOLOGY = "科技厅"
SCIENCE_AND_TECHNOLOGY_ANY = "科技厅（委、局）"


def addressee(claimant: Claimant) -> str:
    """主送机关 of the claimant's notice, without the colon (see the module's docstring)."""
    if claimant.region_group is not None:
        return claimant.region_group.name
    assert claimant.division is not None
    name = claimant.division.name
    science = SCIENCE_AND_TECHNOLOGY if name.endswith("省") else SCIENCE_AND_TECHNOLOGY_ANY
    return f"{name}{DEVELOPMENT_AND_REFORM}、{science}"


def duties(programme: Programme) -> list[str]:
    """The duties of the notice, each with the source it comes from."""
    quoted = DUTIES_484 if programme.kind == Programme.Kind.ANNUAL_LIST else []
    found = [f"{text}{section}" for text, section in quoted]
    rule = _(
        "Report the progress of each task every %(period)s, within %(days)s calendar days "
        "(自然日) after the period ends."
    ) % {
        "period": programme.get_report_every_months_display(),
        "days": programme.report_due_days,
    }
    return [*found, rule + _("(Rule of this platform, as set for the programme.)")]


def notice_docx(notice: TaskNotice) -> bytes:
    document = new_document()
    centred = WD_ALIGN_PARAGRAPH.CENTER
    programme = notice.programme
    issuers = issuer_lines(notice.issuing_authority)
    add_issuer_marks(document, issuers)
    add_blank(document, 2)
    number = add_paragraph(document, notice.doc_number, BODY_FONT, BODY_SIZE, indent=False)
    number.alignment = centred
    add_red_rule(number)
    add_blank(document, 2)
    title = _("Task notice (揭榜任务通知书)")
    add_paragraph(document, title, TITLE_FONT, TITLE_SIZE, indent=False, align=centred)
    add_paragraph(document, programme.title, BODY_FONT, BODY_SIZE, indent=False, align=centred)
    add_blank(document)
    add_paragraph(document, f"{addressee(notice.claimant)}：", BODY_FONT, BODY_SIZE, indent=False)
    items = claimant_items(notice.claimant)
    handed_down = _(
        "The claims of “%(programme)s” have been collected. The %(count)s tasks that "
        "%(claimant)s claimed are hereby issued (下达) as follows:"
    ) % {"programme": programme.title, "count": len(items), "claimant": notice.claimant}
    if programme.kind == Programme.Kind.ANNUAL_LIST:
        handed_down = (_("In accordance with %(source)s: ") % {"source": SOURCE_484}) + handed_down
    add_paragraph(document, handed_down, BODY_FONT, BODY_SIZE)
    claimed = _("Tasks claimed")
    add_paragraph(document, f"{chinese_number(1)}、{claimed}", HEADING_FONT, BODY_SIZE)
    for group in by_category(items):
        add_paragraph(document, f"（{group.name}）", BODY_FONT, BODY_SIZE, bold=True)
        for item in group.items:
            add_paragraph(document, f"{item.position}．{item.title}", BODY_FONT, BODY_SIZE)
    heading = _("Duties")
    add_paragraph(document, f"{chinese_number(2)}、{heading}", HEADING_FONT, BODY_SIZE)
    for index, duty in enumerate(duties(programme), start=1):
        add_paragraph(document, f"（{chinese_number(index)}）{duty}", BODY_FONT, BODY_SIZE)
    add_blank(document, 2)
    signature(document, issuers, notice.issued_on)
    return to_bytes(document)


def file_name(notice: TaskNotice) -> str:
    return f"notice-{notice.programme_id}-{notice.number}.docx"
