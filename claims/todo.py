"""What waits on a user in claiming (悬榜揭榜, 发改高技〔2021〕484号 §三（三）): an open claim
window for a claimant, the open windows for the national level."""

import datetime

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.actors import Actor
from claims import rules
from claims.models import Programme
from kernel.todo import TodoItem, is_overdue


def claimant_items(user: Actor, today: datetime.date) -> list[TodoItem]:
    """Each open programme the user's locality may claim in: the window's planned end, and
    "已揭榜 n/m" — the items it has claimed of the programme's items (484号 §三（三）: in
    principle at least 3 a year; the programme's `min_claims`). One query."""
    claimants = (
        rules.SPOKEN_FOR.queryset(user)
        .filter(programme__state=Programme.State.OPEN)
        .select_related("programme")
        .annotate(
            n_items=Count("programme__items", distinct=True),
            n_claimed=Count("claims", distinct=True),
        )
        .order_by("programme__closes_at", "programme_id")
    )
    items = []
    for claimant in claimants:
        programme = claimant.programme
        items.append(
            TodoItem(
                f"claims-{programme.pk}-{claimant.pk}",
                _("Claim window open: %(title)s") % {"title": programme.title},
                reverse("claims:programme", args=[programme.pk]),
                claimant.n_claimed,
                due_on=programme.closes_at,
                overdue=is_overdue(programme.closes_at, today),
                note=_("claimed %(n)s/%(items)s (at least %(min)s)")
                % {
                    "n": claimant.n_claimed,
                    "items": claimant.n_items,
                    "min": programme.min_claims,
                },
            )
        )
    return items


def national_items(user: Actor, today: datetime.date) -> list[TodoItem]:
    """Programmes whose claim window is open, due by the earliest planned end. One query."""
    if not rules.can_manage_programmes(user):
        return []
    found = Programme.objects.filter(state=Programme.State.OPEN).aggregate(
        n=Count("pk"), first=Min("closes_at")
    )
    if not found["n"]:
        return []
    return [
        TodoItem(
            "claims-open",
            _("Claim windows open"),
            reverse("claims:index"),
            found["n"],
            due_on=found["first"],
            overdue=is_overdue(found["first"], today),
        )
    ]
