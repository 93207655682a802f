"""What waits on each user in promotion (复制推广), for the home page and the stage's start page:
a few counts, each with the link that leads straight to the action."""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.actors import Actor
from evaluation.models import Outcome
from promotion import rules
from promotion.models import RoundReturn, Seminar, TrackingRound
from promotion.selectors import adoption as units
from regions.models import Park


@dataclass(frozen=True)
class Waiting:
    key: str
    label: str
    count: int
    url: str
    # The day it is due, where there is one (a round's deadline): the to-do home orders by it.
    due_on: datetime.date | None = None


def _unit_url(round: TrackingRound, ret: RoundReturn) -> str:
    kind, pk = ("park", ret.park_id) if ret.park_id else ("division", ret.division_id)
    return reverse("promotion:round_unit", args=[round.pk, kind, pk])


def waiting_for(user: Actor) -> list[Waiting]:
    """The national level: seminars the platform proposed, confirmed outcomes in no batch yet.
    A reporting level: its own return in each open round, and the units it must chase."""
    items = []
    if rules.manages_promotion(user):
        proposed = Seminar.objects.filter(state=Seminar.State.PROPOSED).count()
        if proposed:
            items.append(
                Waiting(
                    "seminars",
                    _("Exchange seminars to plan"),
                    proposed,
                    reverse("promotion:seminars"),
                )
            )
        outcomes = Outcome.objects.filter(
            state=Outcome.State.CONFIRMED, promoted_measures__isnull=True
        ).count()
        if outcomes:
            items.append(
                Waiting(
                    "outcomes",
                    _("Confirmed outcomes not yet in a promotion batch"),
                    outcomes,
                    reverse("promotion:batches"),
                )
            )
        return items
    if not rules.reports_adoption(user):
        return items
    own = units.own_units(user)
    rounds = TrackingRound.objects.filter(state=TrackingRound.State.OPEN).order_by("deadline")
    for round in rounds[:3]:
        for unit in own:
            ret = units.return_of(round, unit)
            if ret is not None and ret.filed_at is None:
                label = _("File your return in “%(round)s” by %(deadline)s") % {
                    "round": round.title,
                    "deadline": round.deadline.isoformat(),
                }
                items.append(
                    Waiting(f"return-{round.pk}", label, 1, _unit_url(round, ret), round.deadline)
                )
        if not isinstance(own[0] if own else None, Park):
            chase = units.chase_targets(user, round).count()
            if chase:
                items.append(
                    Waiting(
                        f"chase-{round.pk}",
                        _("Units below not filed in “%(round)s”") % {"round": round.title},
                        chase,
                        reverse("promotion:round_units", args=[round.pk]) + "?state=not_filed",
                    )
                )
    return items
