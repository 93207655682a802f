"""The evaluation report (评估报告) of a commission as a Word document, in the page layout of
GB/T 9704 (`kernel.officedoc`): A4, the standard's margins, 仿宋 body on the 28-point grid, 黑体
headings, page numbers "— 1 —".

484号 §三(四): "在揭榜改革任务完成后，国家发展改革委、科技部及时委托第三方机构评估". So the
report names 国家发展改革委、科技部 as the commissioning authority and the third-party institute
as its author, who signs it with the date of delivery. It is the institute's report, not an
official document of the commissioning authority: it carries no 发文机关标志 or 发文字号.

Top to bottom: the title; who commissioned, who evaluated, the scope, the dates; then
一、the terms of reference; 二、the indicator system with its weights; 三、the rating bands and
how the figures add up (the platform's rules, `evaluation.scoring`, said to be so);
四、the ratings of the localities; 五、each task's score, rating, findings and recommendation
with its indicator scores and their evidence; 六、the overall findings; the signature.
The evaluator may replace this file by its own signed report (`report_upload`).
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH

from evaluation import scoring
from evaluation.models import Commission, TaskEvaluation
from evaluation.selectors import scoring as reads
from kernel.officedoc import (
    BODY_FONT,
    BODY_SIZE,
    CONTROL_CHARACTERS,
    HEADING_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    add_blank,
    add_lines,
    add_paragraph,
    new_document,
    set_font,
    to_bytes,
)
from lists.documents import chinese_number, issue_date, signature

# 484号 §三(四): the national level commissions the evaluation.
COMMISSIONING_AUTHORITY = "国家发展改革委、科技部"
TABLE_SIZE = 12  # 小四, the usual size of a table in a report


def _table(document: DocumentObject, headers: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        set_font(cell.paragraphs[0].add_run(text), HEADING_FONT, TABLE_SIZE)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(CONTROL_CHARACTERS.sub("", text))
            set_font(run, BODY_FONT, TABLE_SIZE)


def _heading(document: DocumentObject, number: int, text: str) -> None:
    add_paragraph(document, f"{chinese_number(number)}、{text}", HEADING_FONT, BODY_SIZE)


def _field(document: DocumentObject, label: str, value: str) -> None:
    add_paragraph(document, f"{label}：{value}", BODY_FONT, BODY_SIZE)


def _number(value: object) -> str:
    return "—" if value is None else f"{value}"


def scope_text(commission: Commission) -> str:
    """The scope as the report states it: its kind, what it names, how many tasks."""
    named = commission.programme or commission.claimant or commission.region_group
    kind = commission.get_scope_display()
    return f"{kind}（{named}）" if named else kind


def _period(commission: Commission) -> str:
    return f"{issue_date(commission.starts_on)}—{issue_date(commission.ends_on)}"


def _task_section(document: DocumentObject, index: int, evaluation: TaskEvaluation) -> None:
    task = evaluation.task
    title = f"（{chinese_number(index)}）{task.title}（{task.claimant}）"
    add_paragraph(document, title, BODY_FONT, BODY_SIZE, bold=True)
    rating = evaluation.get_rating_display() or "—"
    _field(document, _("Score"), f"{_number(evaluation.score)}　{_('Rating')}：{rating}")
    _field(
        document, _("Replication recommendation"), evaluation.get_recommendation_display() or "—"
    )
    if evaluation.findings:
        _field(document, _("Evaluation findings"), "")
        add_lines(document, evaluation.findings)
    rows = [
        [
            str(score.indicator.position),
            score.indicator.name,
            _number(score.value),
            score.evidence,
        ]
        for score in evaluation.scores.all()
    ]
    if rows:
        _table(document, [_("No."), _("Indicator"), _("Score"), _("Evidence")], rows)


def report_docx(commission: Commission) -> bytes:
    """The generated report, in the language of the request (Chinese for the platform's users)."""
    document = new_document()
    centred = WD_ALIGN_PARAGRAPH.CENTER
    indicators = reads.indicators_of(commission)
    evaluations = reads.report_evaluations(commission)
    localities = reads.locality_rows(commission)
    add_blank(document)
    add_paragraph(document, commission.title, TITLE_FONT, TITLE_SIZE, indent=False, align=centred)
    add_paragraph(
        document, _("Evaluation report"), TITLE_FONT, TITLE_SIZE, indent=False, align=centred
    )
    add_blank(document)
    _field(document, _("Commissioned by"), COMMISSIONING_AUTHORITY)
    _field(document, _("Third-party evaluator"), commission.evaluator.name)
    _field(
        document,
        _("Scope"),
        _("%(scope)s, %(count)s tasks")
        % {"scope": scope_text(commission), "count": len(evaluations)},
    )
    _field(document, _("Evaluation period"), _period(commission))
    if commission.reported_at:
        delivered = timezone.localtime(commission.reported_at).date()
        _field(document, _("Report delivered on"), issue_date(delivered))
    else:
        _field(document, _("State"), _("draft: the report has not been delivered yet"))

    _heading(document, 1, _("Terms of reference"))
    add_lines(document, commission.terms_of_reference)
    if commission.independence:
        add_paragraph(document, _("Independence declaration") + "：", BODY_FONT, BODY_SIZE)
        add_lines(document, commission.independence)

    _heading(document, 2, _("Indicator system"))
    _table(
        document,
        [_("No."), _("Dimension"), _("Indicator"), _("Weight"), _("What to look at")],
        [
            [
                str(i.position),
                i.get_dimension_display(),
                i.name,
                f"{i.weight.normalize():f}",
                i.guidance,
            ]
            for i in indicators
        ],
    )

    _heading(document, 3, _("How the scores add up"))
    for line in rule_lines():
        add_paragraph(document, line, BODY_FONT, BODY_SIZE)

    _heading(document, 4, _("Ratings of the localities"))
    _table(
        document,
        [_("Locality"), _("Tasks"), _("Tasks not scored"), _("Score"), _("Rating")],
        [
            [
                str(row.claimant),
                str(row.result.tasks),
                str(row.result.unscored),
                _number(row.result.score),
                row.rating_label or "—",
            ]
            for row in localities
        ],
    )

    _heading(document, 5, _("Evaluation of each task"))
    for index, evaluation in enumerate(evaluations, start=1):
        _task_section(document, index, evaluation)

    _heading(document, 6, _("Overall findings"))
    add_lines(document, commission.findings or _("(not written yet)"))
    add_blank(document, 2)
    day: datetime.date = (
        timezone.localtime(commission.reported_at).date()
        if commission.reported_at
        else timezone.localdate()
    )
    signature(document, [commission.evaluator.name], day)
    return to_bytes(document)


def _rating_label(rating: str) -> str:
    return str(dict(TaskEvaluation.Rating.choices).get(rating, "—")) if rating else "—"


def rule_lines() -> list[str]:
    """The platform's scoring rules as the report and the pages state them."""
    floors = [lowest for lowest, _rating in scoring.BANDS]
    bands = "，".join(
        f"{_rating_label(rating)} ≥ {lowest}"
        if lowest
        else f"{_rating_label(rating)} < {floors[-2]}"
        for lowest, rating in scoring.BANDS
    )
    return [
        _(
            "A task's score is the weighted mean of its indicator scores (0–100); a task has "
            "no score until every indicator is scored."
        ),
        _("Ratings: %(bands)s.") % {"bands": bands},
        _(
            "A locality's score is the mean of its tasks' scores weighted by the task weights; "
            "it has a rating once every one of its tasks is scored."
        ),
        _("(Rules of this platform, not of a source document.)"),
    ]


def file_name(commission: Commission) -> str:
    return f"evaluation-report-{commission.pk}.docx"
