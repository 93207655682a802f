"""Reads of the exchange seminars (交流研讨会) and of when each batch's seminar falls due.

Source 000: "定期、分批次组织跨区域交流研讨会，原则上各批次拟推广改革举措至国办发文之日起，一年后
组织交流研讨一次". So a published batch's first seminar is due one year after the notice's date
of issue (`PromotionBatch.issued_on`). Where only the date of publication is known (batch 1)
it counts from that, and says so; where neither is known (batch 2) no date is proposed.
"Periodic ones thereafter" is the platform's rule (平台规则): once a seminar of a batch has been
held, the next is due a year after it.

Visibility is `rules.SEMINARS`: every official of the four levels and the parks reads them.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from audit.models import AuditEntry
from audit.selectors import entries_for
from promotion import rules
from promotion.models import PromotionBatch, Seminar

# What a due date counts from.
ISSUED, PUBLISHED, HELD, UNKNOWN = "issued", "published", "held", "unknown"
BASIS_LABELS = {
    ISSUED: _("one year after the notice's date of issue (source 000)"),
    PUBLISHED: _("one year after the notice's date of publication: its date of issue is not known"),
    HELD: _("one year after the last seminar held (platform's rule)"),
    UNKNOWN: _("the notice's dates are not known: no date can be proposed"),
}
OPEN_STATES = [Seminar.State.PROPOSED, Seminar.State.PLANNED]


def one_year_after(day: datetime.date) -> datetime.date:
    """The same day a year later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class SeminarDue:
    """When a published batch's next seminar is due, and what is done about it."""

    batch: PromotionBatch
    basis: str  # ISSUED, PUBLISHED, HELD or UNKNOWN
    counted_from: datetime.date | None
    due_on: datetime.date | None
    days_until: int | None  # negative: overdue; None: no due date
    open_seminar: Seminar | None  # the seminar proposed or planned, if any
    last_held_on: datetime.date | None

    @property
    def basis_label(self) -> str:
        return str(BASIS_LABELS[self.basis])

    @property
    def state(self) -> str:
        """proposed / planned (the open seminar's state), or "" when none is open."""
        return self.open_seminar.state if self.open_seminar is not None else ""

    @property
    def days_overdue(self) -> int:
        """How many days past the due date (0 when not past it or none)."""
        return -self.days_until if self.days_until is not None and self.days_until < 0 else 0

    @property
    def overdue(self) -> bool:
        return self.days_until is not None and self.days_until < 0 and self.open_seminar is None

    def needs_proposal(self, today: datetime.date) -> bool:
        """On or after the due date with no seminar open for the batch."""
        return self.due_on is not None and self.due_on <= today and self.open_seminar is None


def seminars_due(today: datetime.date) -> list[SeminarDue]:
    """Per published batch (in batch order): the due date of its next exchange seminar, the
    days until it on `today` (negative when overdue), what it counts from, and the seminar
    open for it (proposed or planned), if any. Three queries whatever the data.

    Signature for other stages (the dashboards): `seminars_due(today: date) -> list[SeminarDue]`
    with `SeminarDue.batch`, `.due_on`, `.days_until`, `.basis` / `.basis_label`, `.state`
    ("proposed", "planned" or ""), `.open_seminar`, `.last_held_on`. Not scoped to a user:
    every official may read it (`rules.SEMINARS`)."""
    open_seminars = Seminar.objects.filter(state__in=OPEN_STATES).order_by("proposed_for", "pk")
    batches = (
        PromotionBatch.objects.filter(state=PromotionBatch.State.PUBLISHED)
        .annotate(
            last_held_on=Max("seminars__held_on", filter=Q(seminars__state=Seminar.State.HELD))
        )
        .prefetch_related(Prefetch("seminars", queryset=open_seminars, to_attr="open_seminars"))
        .order_by("number")
    )
    found = []
    for batch in batches:
        last_held: datetime.date | None = batch.last_held_on
        if last_held is not None:
            basis, counted_from = HELD, last_held
        elif batch.issued_on is not None:
            basis, counted_from = ISSUED, batch.issued_on
        elif batch.published_on is not None:
            basis, counted_from = PUBLISHED, batch.published_on
        else:
            basis, counted_from = UNKNOWN, None
        due_on = one_year_after(counted_from) if counted_from is not None else None
        opened: list[Seminar] = batch.open_seminars
        found.append(
            SeminarDue(
                batch=batch,
                basis=basis,
                counted_from=counted_from,
                due_on=due_on,
                days_until=(due_on - today).days if due_on is not None else None,
                open_seminar=opened[0] if opened else None,
                last_held_on=last_held,
            )
        )
    return found


def seminars_to_propose(today: datetime.date) -> list[SeminarDue]:
    """The batches whose seminar is due on or before `today` with none open for them."""
    return [due for due in seminars_due(today) if due.needs_proposal(today)]


def due_first(entries: list[SeminarDue]) -> list[SeminarDue]:
    """The batches with a due date first, soonest (most overdue) first; then those without."""
    return sorted(
        entries,
        key=lambda e: (e.days_until is None, e.days_until or 0, e.batch.number),
    )


# Seminars ------------------------------------------------------------------------------------


def seminars_visible_to(user: Actor) -> QuerySet[Seminar]:
    return rules.SEMINARS.queryset(user).prefetch_related(
        Prefetch("batches", queryset=PromotionBatch.objects.order_by("number")), "regions"
    )


def seminar_get_for_user(user: Actor, pk: int) -> Seminar:
    try:
        return seminars_visible_to(user).get(pk=pk)
    except Seminar.DoesNotExist:
        raise Http404 from None


def seminar_list(user: Actor, params: dict[str, str]) -> QuerySet[Seminar]:
    """The user's seminars narrowed by state, batch and text: the open ones first (soonest
    first), then those held, newest first."""
    qs = seminars_visible_to(user)
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    if params.get("batch"):
        qs = qs.filter(batches=int(params["batch"]))
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(agenda__icontains=text)
            | Q(practices__icontains=text)
            | Q(solutions__icontains=text)
        )
    if params.get("batch") or text:
        qs = qs.distinct()
    return qs.order_by("-state", "proposed_for", "-held_on", "-pk")


def seminar_history(seminar: Seminar, limit: int = 100) -> list[AuditEntry]:
    return list(entries_for(seminar).order_by("-at", "-pk")[:limit])


def batches_published() -> QuerySet[PromotionBatch]:
    return PromotionBatch.objects.filter(state=PromotionBatch.State.PUBLISHED).order_by("number")
