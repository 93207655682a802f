"""Exchange seminars (跨区域交流研讨会): the platform proposes one for a batch when it falls due
(`seminars_propose`, run daily by the job `promotion.seminar_reminders`) and reminds the
national level; the national level plans it (a date) and records it as held (date, regions
taking part, agenda, practices collected, solutions to difficulties). Provinces read them.

Source 000: "定期、分批次组织跨区域交流研讨会，原则上各批次拟推广改革举措至国办发文之日起，一年后
组织交流研讨一次". The due dates are `promotion.selectors.seminars.seminars_due`.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.visibility import NATIONAL, PROVINCE
from audit.services import diff, record, snapshot
from kernel.errors import Forbidden
from notifications.services import notify
from promotion import rules
from promotion.models import PromotionBatch, Seminar
from promotion.selectors.seminars import OPEN_STATES, seminars_to_propose
from promotion.services.records import PromotionError
from regions.models import Division

ACTION_LABELS = {
    "seminar.proposed": gettext_lazy("exchange seminar proposed"),
    "seminar.planned": gettext_lazy("exchange seminar planned"),
    "seminar.held": gettext_lazy("exchange seminar recorded as held"),
    "seminar.changed": gettext_lazy("exchange seminar record changed"),
}
HELD_FIELDS = ["held_on", "agenda", "practices", "solutions"]


def _url(seminar: Seminar) -> str:
    return reverse("promotion:seminar", args=[seminar.pk])


def _lock(seminar: Seminar) -> Seminar:
    return Seminar.objects.select_for_update().get(pk=seminar.pk)


def proposed_title(batch: PromotionBatch) -> str:
    return _("Exchange seminar on the %(batch)s") % {"batch": batch}


def seminars_propose(*, today: datetime.date | None = None) -> list[Seminar]:
    """Propose a seminar (state proposed, proposed_for = its due date) for each published batch
    whose seminar is due on or before `today` (default: the local date) and that has none open,
    and tell the national level, by e-mail too. Run again, it proposes nothing new: a batch
    with a seminar open is skipped, and the batch's row is locked while its proposal is made,
    so two runs at once make one. Each batch's proposal commits on its own."""
    today = today or timezone.localdate()
    made = []
    for due in seminars_to_propose(today):
        with transaction.atomic():
            batch = PromotionBatch.objects.select_for_update().get(pk=due.batch.pk)
            if batch.seminars.filter(state__in=OPEN_STATES).exists():
                continue  # another run proposed it, or the national level planned one
            seminar = Seminar.objects.create(
                title=proposed_title(batch), state=Seminar.State.PROPOSED, proposed_for=due.due_on
            )
            seminar.batches.set([batch])
            record(
                "seminar.proposed",
                obj=seminar,
                by=None,
                changes={"proposed_for": [None, str(due.due_on)]},
                note=due.basis_label,
            )
            notify(
                users=NATIONAL.members(),
                subject=_("An exchange seminar is due for the %(batch)s: plan it")
                % {"batch": batch},
                body=_("Due on %(date)s, %(basis)s.")
                % {"date": due.due_on, "basis": due.basis_label},
                url=_url(seminar),
                email=True,
            )
            made.append(seminar)
    return made


def _check_batches(batches: Iterable[PromotionBatch]) -> list[PromotionBatch]:
    chosen = list(batches)
    if not chosen:
        raise PromotionError(_("Choose at least one batch."))
    if any(b.state != PromotionBatch.State.PUBLISHED for b in chosen):
        raise PromotionError(_("A seminar is held on published batches only."))
    return chosen


def _answer_proposals(seminar: Seminar, chosen: list[PromotionBatch]) -> list[str]:
    """The platform's proposals that this seminar answers — proposed, not yet planned, for
    batches all among its own — are withdrawn, so the batches' next one falls due afresh.
    Returns the due dates of those withdrawn, for the trail."""
    ids = {b.pk for b in chosen}
    proposals = (
        Seminar.objects.filter(state=Seminar.State.PROPOSED, batches__in=ids)
        .exclude(pk=seminar.pk)
        .distinct()
        .prefetch_related("batches")
        .order_by("pk")
    )
    withdrawn = [p for p in proposals if {b.pk for b in p.batches.all()} <= ids]
    for proposal in withdrawn:
        proposal.delete()
    return [str(p.proposed_for) for p in withdrawn]


def _check_not_twice(title: str, held_on: datetime.date, chosen: list[PromotionBatch]) -> None:
    # The batches' rows are locked first, so a double click finds the first click's seminar.
    list(
        PromotionBatch.objects.select_for_update()
        .filter(pk__in=[b.pk for b in chosen])
        .order_by("pk")
    )
    if Seminar.objects.filter(title=title, held_on=held_on, batches__in=chosen).exists():
        raise PromotionError(_("This seminar is already planned."))


@transaction.atomic
def seminar_plan(
    *,
    by: User,
    seminar: Seminar | None = None,
    title: str,
    batches: Iterable[PromotionBatch],
    held_on: datetime.date,
) -> Seminar:
    """Plan a seminar for a date: the one the platform proposed, or a new one (a seminar may
    cover several batches). A seminar already held is not planned again."""
    if not rules.manages_promotion(by):
        raise Forbidden
    title = title.strip()
    if not title:
        raise PromotionError(_("Give the seminar's title."))
    chosen = _check_batches(batches)
    if seminar is None:
        _check_not_twice(title, held_on, chosen)
        seminar = Seminar(title=title, state=Seminar.State.PLANNED, created_by=by)
        before: dict[str, Any] = {}
    else:
        seminar = _lock(seminar)
        if seminar.state == Seminar.State.HELD:
            raise PromotionError(_("This seminar has been held already."))
        before = snapshot(seminar, ["title", "state", "held_on"])
        before["batches"] = [str(b) for b in seminar.batches.order_by("number")]
    seminar.title, seminar.state, seminar.held_on = title, Seminar.State.PLANNED, held_on
    seminar.save()
    seminar.batches.set(chosen)
    after = snapshot(seminar, ["title", "state", "held_on"])
    after["batches"] = [str(b) for b in sorted(chosen, key=lambda b: b.number)]
    withdrawn = _answer_proposals(seminar, chosen)
    if withdrawn:
        after["proposals_answered"] = withdrawn
    record("seminar.planned", obj=seminar, by=by, changes=diff(before, after))
    return seminar


@transaction.atomic
def seminar_record_held(
    *,
    by: User,
    seminar: Seminar,
    held_on: datetime.date,
    regions: Iterable[Division],
    agenda: str,
    practices: str,
    solutions: str,
) -> Seminar:
    """Record the seminar as held (or correct the record): its date (not in the future), the
    provinces taking part, the agenda, the practices collected and the solutions found to the
    difficulties. The next seminar of its batches then falls due a year later (平台规则). The
    coordinators of the provinces taking part are told the record is there."""
    if not rules.manages_promotion(by):
        raise Forbidden
    seminar = _lock(seminar)
    if held_on > timezone.localdate():
        raise PromotionError(_("A seminar is recorded as held on a date that has passed."))
    chosen = list(regions)
    if not chosen:
        raise PromotionError(_("Name the regions taking part."))
    if any(not d.is_province for d in chosen):
        raise PromotionError(_("The regions taking part are provinces."))
    agenda, practices, solutions = agenda.strip(), practices.strip(), solutions.strip()
    if not agenda:
        raise PromotionError(_("Give the agenda."))
    was_held = seminar.state == Seminar.State.HELD
    before = snapshot(seminar, ["state", *HELD_FIELDS])
    before["regions"] = [d.name for d in seminar.regions.order_by("code")]
    seminar.state, seminar.held_on = Seminar.State.HELD, held_on
    seminar.agenda, seminar.practices, seminar.solutions = agenda, practices, solutions
    seminar.save()
    seminar.regions.set(chosen)
    after = snapshot(seminar, ["state", *HELD_FIELDS])
    after["regions"] = [d.name for d in sorted(chosen, key=lambda d: d.code)]
    withdrawn = _answer_proposals(seminar, list(seminar.batches.all()))
    if withdrawn:
        after["proposals_answered"] = withdrawn
    changes = diff(before, after)
    record("seminar.changed" if was_held else "seminar.held", obj=seminar, by=by, changes=changes)
    if not was_held:
        notify(
            users=PROVINCE.members().filter(division__in=[d.pk for d in chosen]),
            subject=_("The record of the exchange seminar %(title)s is available")
            % {"title": seminar.title},
            url=_url(seminar),
        )
    return seminar
