"""Template tags of the evaluation stage.

`{% commission_scoring commission user %}`: the scoring part of a commission's page (the
indicator system, how far scoring has come, the localities' ratings, the report), with what the
user may do there. The commission page includes `evaluation/includes/commission_scoring.html`,
which calls it, so that page needs nothing but `commission` in its context.

`{{ indicator|distinct_dimension }}`: the indicator's dimension, or "" when it only repeats the
indicator's name (the default indicators are often named after their dimension), so that a
table or a legend does not read "可操作、可检查、可评估 · 可操作、可检查、可评估".
"""

from typing import Any

from django import template

from accounts.actors import Actor
from evaluation import documents, rules
from evaluation.models import Commission, Indicator
from evaluation.selectors import scoring as reads
from evaluation.services.scoring import can_upload_report

register = template.Library()


@register.inclusion_tag("evaluation/includes/scoring_summary.html")
def commission_scoring(commission: Commission, user: Actor) -> dict[str, Any]:
    if not rules.can_view_commission(user, commission):
        return {"visible": False}
    summary = reads.summary(commission)
    return {
        "visible": True,
        "commission": commission,
        "summary": summary,
        "can_set_indicators": rules.can_set_indicators(user, commission),
        "can_work_on": rules.can_work_on(user, commission),
        "evaluates": rules.evaluates(user, commission),
        "can_upload_report": can_upload_report(user, commission),
        "rules_text": documents.rule_lines(),
    }


def _plain(text: str) -> str:
    """Text compared for sameness: without spaces, case or closing punctuation."""
    return "".join(text.split()).casefold().rstrip("。.")


@register.filter
def distinct_dimension(indicator: Indicator) -> str:
    """The dimension's label in the reader's language, or "" when the name says the same."""
    label = str(indicator.get_dimension_display())
    return "" if _plain(label) == _plain(indicator.name) else label
