"""The stage's start page (/promotion/, 复制推广): what to do next, for each role.

The national level sees the open tracking rounds and their progress, and the stage's pages;
a province, prefecture, county or park sees the open rounds with its own return and deadline,
the units below it that have not filed, and the feedback (评估反馈) it has received."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kernel.access import require
from promotion import rules
from promotion.models import RoundReturn, Seminar, TrackingRound
from promotion.selectors import adoption as units
from promotion.selectors import rounds as reads


@dataclass(frozen=True)
class OpenRound:
    round: TrackingRound
    own: list[RoundReturn]
    below_not_filed: int
    to_chase: int


@login_required
@require(rules.can_open_stage)
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    manages = rules.manages_promotion(user)
    open_rounds = []
    own_units = units.own_units(user)
    for round in reads.round_list(user, {"state": TrackingRound.State.OPEN})[:5]:
        own = [ret for unit in own_units if (ret := units.return_of(round, unit)) is not None]
        below = rules.RETURNS.queryset(user, round.returns.all()).filter(filed_at__isnull=True)
        for ret in own:
            below = below.exclude(pk=ret.pk)
        open_rounds.append(
            OpenRound(
                round=round,
                own=own,
                below_not_filed=0 if manages else below.count(),
                to_chase=units.chase_targets(user, round).count(),
            )
        )
    context = {
        "manages": manages,
        "open_rounds": open_rounds,
        "feedback": reads.feedback_received(user)[:5],
        "reports": rules.reports_adoption(user),
        "sees_dashboards": rules.sees_dashboards(user),
        # The seminars the platform proposed (a year after a batch, source 000) and nobody
        # has planned yet: the national level's to plan.
        "seminars_proposed": (
            Seminar.objects.filter(state=Seminar.State.PROPOSED).count() if manages else 0
        ),
    }
    return render(request, "promotion/index.html", context)
