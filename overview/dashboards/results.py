"""The blocks about results: the ratings of the evaluated tasks and the incentives decided."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from evaluation.models import IncentiveDecision, TaskEvaluation
from overview.dashboards.base import Block, Territory


def ratings(territory: Territory) -> Block:
    found = dict(
        TaskEvaluation.objects.exclude(rating="")
        .filter(territory.claimants("task__claimant__"))
        .order_by()
        .values("rating")
        .annotate(n=Count("pk"))
        .values_list("rating", "n")
    )
    rows = [[str(label), found.get(value, 0)] for value, label in TaskEvaluation.Rating.choices]
    return Block(
        key="ratings",
        title=_("Evaluation ratings"),
        headers=[_("Rating"), _("Task evaluations")],
        rows=rows,
        chart={
            "kind": "pie",
            "categories": [row[0] for row in rows],
            "series": [{"name": _("Task evaluations"), "data": [row[1] for row in rows]}],
        },
    )


def incentives(territory: Territory) -> Block:
    """Incentive decisions by form; in a province, those for its localities and for the
    implementing units that lie in it."""
    qs = IncentiveDecision.objects.all()
    if not territory.national:
        qs = qs.filter(
            territory.claimants("claimant__")
            | Q(organisation__division__province=territory.province)
        )
    found = dict(qs.order_by().values("form").annotate(n=Count("pk")).values_list("form", "n"))
    rows = [[str(label), found.get(value, 0)] for value, label in IncentiveDecision.Form.choices]
    return Block(
        key="incentives",
        title=_("Incentives decided"),
        headers=[_("Form"), _("Decisions")],
        rows=rows,
        chart={
            "kind": "pie",
            "categories": [row[0] for row in rows],
            "series": [{"name": _("Decisions"), "data": [row[1] for row in rows]}],
        },
    )
