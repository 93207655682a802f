"""An incentive decision as a circular (通报), in the official document layout of GB/T 9704
(`kernel.officedoc`), like the task notice (`claims.documents`).

Layout: 发文机关标志 of the approving authority (one line each when several act jointly, the
host first), the document number centred over the red separator line, the title, the
addressee (主送机关: the locality's 发展改革委、科技厅（委、局）as 484号 addresses it, or the unit
by name), the basis — 484号 §三(四) quoted in its own words — then the reason, the evaluations
the decision rests on, the incentive, and the signature with the date of decision.

Source: 发改高技〔2021〕484号 §三(四): "国家发展改革委、科技部研究采取适当方式，对完成改革任务较好的
地方、单位进行激励，并优先支持其承担创新创业创造等重大项目". 通报表扬 is the issue's own form; the
titles are the platform's.
"""

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from claims.documents import SOURCE_484, addressee
from evaluation.models import IncentiveDecision, TaskEvaluation
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
from lists.documents import add_issuer_marks, chinese_number, issuer_lines, signature

# 484号 §三(四), quoted: the basis of every incentive.
QUOTE_3_4 = (
    "国家发展改革委、科技部研究采取适当方式，对完成改革任务较好的地方、单位进行激励，"
    "并优先支持其承担创新创业创造等重大项目"
)
SECTION_3_4 = "第三部分第（四）项"


def title(decision: IncentiveDecision) -> str:
    names = {"beneficiary": decision.beneficiary}
    if decision.form == IncentiveDecision.Form.COMMENDATION:
        return _("Circular commending %(beneficiary)s") % names
    if decision.form == IncentiveDecision.Form.PRIORITY:
        return _("Circular on priority support for %(beneficiary)s to undertake major projects") % (
            names
        )
    return _("Circular on the incentive for %(beneficiary)s") % names


def recipient(decision: IncentiveDecision) -> str:
    if decision.claimant is not None:
        return addressee(decision.claimant)
    assert decision.organisation is not None
    return decision.organisation.name


def evaluation_line(evaluation: TaskEvaluation) -> str:
    return _(
        "%(task)s: evaluated in “%(commission)s”, rated %(rating)s, score %(score)s; "
        "%(recommendation)s."
    ) % {
        "task": evaluation.task.title,
        "commission": evaluation.commission.title,
        "rating": evaluation.get_rating_display() or "—",
        "score": evaluation.score if evaluation.score is not None else "—",
        "recommendation": evaluation.get_recommendation_display() or "—",
    }


def incentive_line(decision: IncentiveDecision) -> str:
    form = decision.get_form_display()
    return f"{form}：{decision.form_detail}" if decision.form_detail else form


def decision_docx(decision: IncentiveDecision) -> bytes:
    document = new_document()
    centred = WD_ALIGN_PARAGRAPH.CENTER
    issuers = issuer_lines(decision.approving_authority)
    add_issuer_marks(document, issuers)
    add_blank(document, 2)
    number = add_paragraph(
        document, decision.document_number, BODY_FONT, BODY_SIZE, indent=False, align=centred
    )
    add_red_rule(number)
    add_blank(document, 2)
    add_paragraph(document, title(decision), TITLE_FONT, TITLE_SIZE, indent=False, align=centred)
    add_blank(document)
    add_paragraph(document, f"{recipient(decision)}：", BODY_FONT, BODY_SIZE, indent=False)
    basis = _(
        "In accordance with %(source)s, %(section)s (“%(quote)s”), the following incentive is "
        "decided for %(beneficiary)s."
    ) % {
        "source": SOURCE_484,
        "section": SECTION_3_4,
        "quote": QUOTE_3_4,
        "beneficiary": decision.beneficiary,
    }
    add_paragraph(document, basis, BODY_FONT, BODY_SIZE)
    sections: list[tuple[str, list[str]]] = [(_("Reason"), decision.reason.splitlines())]
    evaluations = list(decision.evaluations.all())
    if evaluations:
        lines = [
            f"（{chinese_number(i)}）{evaluation_line(e)}"
            for i, e in enumerate(evaluations, start=1)
        ]
        sections.append((_("Evaluations"), lines))
    sections.append((_("Incentive"), [incentive_line(decision)]))
    for index, (heading, lines) in enumerate(sections, start=1):
        add_paragraph(document, f"{chinese_number(index)}、{heading}", HEADING_FONT, BODY_SIZE)
        add_lines(document, "\n".join(lines))
    add_blank(document, 2)
    signature(document, issuers, decision.decided_on)
    return to_bytes(document)


def file_name(decision: IncentiveDecision) -> str:
    return f"incentive-{decision.pk}.docx"
