"""Template tags of the evaluation stage.

`{% commission_scoring commission user %}`: the scoring part of a commission's page (the
indicator system, how far scoring has come, the localities' ratings, the report), with what the
user may do there. The commission page includes `evaluation/includes/commission_scoring.html`,
which calls it, so that page needs nothing but `commission` in its context.
"""

from typing import Any

from django import template

from accounts.actors import Actor
from evaluation import documents, rules
from evaluation.models import Commission
from evaluation.selectors import scoring as reads

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
        "rules_text": documents.rule_lines(),
    }
