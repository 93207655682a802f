"""How review figures read on a page and in a workbook, in the user's language."""

from django.utils.translation import gettext as _

from review import aggregation
from review.models import Review


def criterion_label(name: str) -> str:
    if name == aggregation.OVERALL:
        return _("Overall")
    return str(getattr(Review._meta.get_field(name), "verbose_name", name))


def disagreement_reasons(summary: aggregation.Summary) -> list[str]:
    """Why a candidate is flagged, one sentence per reason."""
    spread = [
        f"{criterion_label(c)} {summary.criteria[c].spread:g}"
        for kind, c in summary.disagreements
        if kind == "spread"
    ]
    reasons = []
    if spread:
        reasons.append(_("scores apart by: %(list)s") % {"list": "、".join(spread)})
    if any(kind == "recommendation" for kind, _c in summary.disagreements):
        reasons.append(_("one reviewer recommends including it, another leaving it out"))
    return reasons


def disagreement_rule() -> str:
    return _(
        "Flagged when, with at least two submitted reviews, the scores for any criterion are "
        "%(n)s or more points apart, or one reviewer recommends including the measure while "
        "another recommends leaving it out."
    ) % {"n": aggregation.DISAGREEMENT_SPREAD}
