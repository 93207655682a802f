"""A unit's part in a tracking round: filing its return (报送), filing "unchanged since the last
round" (与上轮相比无变化) in one action, the level above handing a part down (下发) and chasing
the units that have not filed (催报).

Source 000: "畅通国家、省、市、区（县）四级政策传导机制" — a province hands its prefectures'
parts down to them, a prefecture to its counties and parks; each level chases the one below.
The records themselves are written by promotion.services.records, the one write of a record.
"""

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.visibility import CITY, PARK, PROVINCE
from audit.services import record
from kernel.errors import Forbidden
from notifications.services import notify
from promotion.models import RoundReturn, TrackingRound, UnitLevel
from promotion.selectors.adoption import (
    can_chase,
    can_hand_down,
    chase_targets,
    unit_kind,
    unit_measures,
    unit_records,
)
from promotion.services.records import PromotionError, adoption_reconfirm
from promotion.territory import reports_for, unit_fields
from regions.models import Division, Park

ACTION_LABELS = {
    "return.filed": gettext_lazy("return filed"),
    "return.unchanged": gettext_lazy("return filed as unchanged since the last round"),
    "return.handed_down": gettext_lazy("handed down"),
    "return.chased": gettext_lazy("chased"),
}


def unit_url(round: TrackingRound, unit: Division | Park) -> str:
    return reverse("promotion:round_unit", args=[round.pk, unit_kind(unit), unit.pk])


def unit_users(ret: RoundReturn) -> list[User]:
    """Who speaks for the return's unit: a province's, prefecture's or county's coordinators,
    or a park's management body."""
    if ret.park_id is not None:
        return list(PARK.members().filter(park_id=ret.park_id))
    assert ret.division_id is not None
    if ret.level == UnitLevel.PROVINCE:
        return list(PROVINCE.members().filter(division_id=ret.division_id))
    return list(CITY.members().filter(division_id=ret.division_id))


def _locked_return(round: TrackingRound, unit: Division | Park) -> RoundReturn:
    """The unit's return, locked; created when the round was opened before the unit was in
    the register (a park added later)."""
    locked_round = TrackingRound.objects.select_for_update().get(pk=round.pk)
    if locked_round.state != TrackingRound.State.OPEN:
        raise PromotionError(_("This tracking round is closed."))
    place = unit_fields(unit)
    lookup = {"round": round, "division": place["division"], "park": place["park"]}
    ret = RoundReturn.objects.select_for_update().filter(**lookup).order_by("pk").first()
    if ret is None:
        placed: dict[str, Any] = {
            name: place[name] for name in ("level", "province_id", "prefecture_id")
        }
        ret = RoundReturn.objects.create(**lookup, **placed)
    return ret


def return_file(*, by: User, round: TrackingRound, unit: Division | Park) -> RoundReturn:
    """File the unit's return (报送): every measure of the round in the unit's scope must have
    a record (the platform's rule: a return answers every measure). Records not touched in
    this round are confirmed for it as they stand."""
    if not reports_for(by, unit):
        raise Forbidden
    measures = unit_measures(round, unit)
    records = unit_records(unit, measures)
    missing = [m for m in measures if m.pk not in records]
    if missing:
        raise PromotionError(
            _("Report every measure before filing; %(count)s have no answer yet: %(names)s.")
            % {"count": len(missing), "names": "、".join(str(m) for m in missing[:5])}
        )
    with transaction.atomic():
        ret = _locked_return(round, unit)
        stale = [r for r in records.values() if r.round_id != round.pk]
        if stale:
            adoption_reconfirm(by=by, unit=unit, round=round, records=stale)
        ret.filed_at = timezone.now()
        ret.filed_by = by
        ret.unchanged = False
        ret.save(update_fields=["filed_at", "filed_by", "unchanged"])
        record("return.filed", obj=ret, by=by, note=str(unit))
        _tell_above(ret, by)
    return ret


def return_file_unchanged(*, by: User, round: TrackingRound, unit: Division | Park) -> RoundReturn:
    """File "unchanged since the last round" (与上轮相比无变化) in one action: each of the unit's
    records is confirmed for this round as it stands. Needs a record for every measure, none of
    them already changed in this round (then the return is filed normally)."""
    if not reports_for(by, unit):
        raise Forbidden
    measures = unit_measures(round, unit)
    records = unit_records(unit, measures)
    if any(m.pk not in records for m in measures):
        raise PromotionError(
            _(
                "Some measures have no answer from an earlier round: report them, then file "
                "the return."
            )
        )
    if any(r.round_id == round.pk for r in records.values()):
        raise PromotionError(
            _("Some answers were already changed in this round: file the return instead.")
        )
    with transaction.atomic():
        ret = _locked_return(round, unit)
        adoption_reconfirm(by=by, unit=unit, round=round, records=list(records.values()))
        ret.filed_at = timezone.now()
        ret.filed_by = by
        ret.unchanged = True
        ret.save(update_fields=["filed_at", "filed_by", "unchanged"])
        record("return.unchanged", obj=ret, by=by, note=str(unit))
        _tell_above(ret, by)
    return ret


def _tell_above(ret: RoundReturn, by: User) -> None:
    """A unit that was handed its part tells whoever handed it down that it has filed."""
    if ret.delegated_by_id is None or ret.delegated_by_id == by.pk:
        return
    delegated_by = ret.delegated_by
    assert delegated_by is not None
    notify(
        users=[delegated_by],
        subject=_("%(unit)s has filed its return for %(round)s")
        % {"unit": ret.unit, "round": ret.round},
        url=unit_url(ret.round, ret.unit),
    )


def hand_down(*, by: User, ret: RoundReturn) -> RoundReturn:
    """Hand the unit's part down to it (下发) and tell its users."""
    if not reports_for(by, ret.unit):
        raise Forbidden
    with transaction.atomic():
        locked = RoundReturn.objects.select_for_update().select_related("round").get(pk=ret.pk)
        if not can_hand_down(by, locked):
            raise PromotionError(
                _(
                    "This part cannot be handed down: it is filed or handed down already, "
                    "or the round is closed."
                )
            )
        locked.delegated_at = timezone.now()
        locked.delegated_by = by
        locked.save(update_fields=["delegated_at", "delegated_by"])
        record("return.handed_down", obj=locked, by=by, note=str(locked.unit))
        notify(
            users=unit_users(locked),
            subject=_("%(round)s: report the adoption for %(unit)s by %(deadline)s")
            % {
                "round": locked.round,
                "unit": locked.unit,
                "deadline": locked.round.deadline.isoformat(),
            },
            body=_("The level above has handed this part of the tracking round down to you."),
            url=unit_url(locked.round, locked.unit),
        )
    return locked


def _chase_one(by: User, ret: RoundReturn) -> None:
    ret.chased_at = timezone.now()
    ret.save(update_fields=["chased_at"])
    record("return.chased", obj=ret, by=by, note=str(ret.unit))
    notify(
        users=unit_users(ret),
        subject=_("Reminder: file the return of %(unit)s for %(round)s by %(deadline)s")
        % {"unit": ret.unit, "round": ret.round, "deadline": ret.round.deadline.isoformat()},
        url=unit_url(ret.round, ret.unit),
    )


def chase(*, by: User, ret: RoundReturn) -> RoundReturn:
    """Chase one unit that has not filed (催报)."""
    with transaction.atomic():
        locked = RoundReturn.objects.select_for_update().select_related("round").get(pk=ret.pk)
        if not can_chase(by, locked):
            if locked.filed_at is not None:
                raise PromotionError(_("This unit has filed its return already."))
            raise Forbidden
        _chase_one(by, locked)
    return locked


def chase_all(*, by: User, round: TrackingRound) -> int:
    """Chase every unit the user may chase that has not filed (催报全部未报送)."""
    targets = list(
        chase_targets(by, round).select_related("round", "division", "park").order_by("pk")
    )
    with transaction.atomic():
        for ret in targets:
            _chase_one(by, ret)
    return len(targets)
