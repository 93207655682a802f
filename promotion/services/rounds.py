"""Tracking rounds (跟踪调研, 全国摸查): the national level opens a round over one or several
batches with a deadline, closes it, then sends each province its feedback (评估反馈).

Source 000: "建立前后3批改革举措推广情况的跟踪调研与评估反馈机制" — a round may cover all three
batches at once. Opening a round creates one return (RoundReturn) per unit in scope — every
province, prefecture, county and park expected to report on at least one of its measures — so
that who has filed, who was handed the work and who was chased is counted in the database.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.visibility import PROVINCE
from audit.services import record
from kernel.errors import Forbidden
from notifications.services import notify
from promotion import rules
from promotion.models import (
    PromotedMeasure,
    PromotionBatch,
    RoundFeedback,
    RoundReturn,
    TrackingRound,
    UnitLevel,
)
from promotion.services.records import PromotionError
from promotion.territory import divisions_in_scope, parks_in_scope
from regions.models import Division

ACTION_LABELS = {
    "round.opened": gettext_lazy("tracking round opened"),
    "round.closed": gettext_lazy("tracking round closed"),
    "round.feedback": gettext_lazy("feedback sent"),
}


@dataclass(frozen=True)
class RoundData:
    title: str
    batches: list[PromotionBatch]
    deadline: datetime.date
    note: str = ""


def _url(round: TrackingRound) -> str:
    return reverse("promotion:round", args=[round.pk])


def _check(data: RoundData, today: datetime.date) -> None:
    problems = []
    if not data.title.strip():
        problems.append(_("Give the round a title."))
    if not data.batches:
        problems.append(_("Choose at least one batch."))
    if any(b.state != PromotionBatch.State.PUBLISHED for b in data.batches):
        problems.append(_("A round covers published batches only."))
    if data.deadline < today:
        problems.append(_("The deadline cannot be before today."))
    if problems:
        raise PromotionError(" ".join(problems))


def _create_returns(round: TrackingRound, batches: Iterable[PromotionBatch]) -> int:
    """One return per unit expected to report on at least one measure of the batches. A
    measure's scope is nationwide or the 8 regions, so the union is one of the two."""
    measures = list(PromotedMeasure.objects.filter(batch__in=list(batches)))
    if not measures:
        return 0
    # A nationwide (or unverified, counted as nationwide) measure puts every unit in scope.
    widest = next((m for m in measures if m.scope != PromotedMeasure.Scope.REGIONS), measures[0])
    divisions = divisions_in_scope(widest).values_list(
        "pk", "level", "province_id", "parent_id", "parent__level"
    )
    rows = []
    for pk, level, province_id, parent_id, parent_level in divisions.iterator():
        prefecture_id = None
        if level == Division.Level.PREFECTURE:
            prefecture_id = pk
        elif level == Division.Level.COUNTY and parent_level == Division.Level.PREFECTURE:
            prefecture_id = parent_id
        rows.append(
            RoundReturn(
                round=round,
                division_id=pk,
                level=level,
                province_id=province_id,
                prefecture_id=prefecture_id,
            )
        )
    parks = parks_in_scope(widest).values_list(
        "pk", "province_id", "division_id", "division__level"
    )
    for pk, province_id, division_id, division_level in parks.iterator():
        rows.append(
            RoundReturn(
                round=round,
                park_id=pk,
                level=UnitLevel.PARK,
                province_id=province_id,
                prefecture_id=division_id if division_level == Division.Level.PREFECTURE else None,
            )
        )
    RoundReturn.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def round_open(*, by: User, data: RoundData, today: datetime.date | None = None) -> TrackingRound:
    """Open a round (opened today) and tell every province's coordinators."""
    if not rules.manages_promotion(by):
        raise Forbidden
    today = today or timezone.localdate()
    _check(data, today)
    with transaction.atomic():
        round = TrackingRound.objects.create(
            title=data.title.strip(),
            opened_on=today,
            deadline=data.deadline,
            note=data.note.strip(),
            opened_by=by,
        )
        round.batches.set(data.batches)
        count = _create_returns(round, data.batches)
        record(
            "round.opened",
            obj=round,
            by=by,
            note=_("%(count)s reporting units") % {"count": count},
        )
        notify(
            users=PROVINCE.members(),
            subject=_("Tracking round opened: %(title)s (deadline %(deadline)s)")
            % {"title": round.title, "deadline": round.deadline.isoformat()},
            body=_(
                "Report the adoption of the measures for your province, or hand the "
                "prefectures' parts down to them."
            ),
            url=_url(round),
        )
    return round


def round_close(*, by: User, round: TrackingRound) -> TrackingRound:
    """Close the round: no more filing; the feedback to each province can then be sent."""
    if not rules.manages_promotion(by):
        raise Forbidden
    with transaction.atomic():
        locked = TrackingRound.objects.select_for_update().get(pk=round.pk)
        if locked.state != TrackingRound.State.OPEN:
            raise PromotionError(_("This tracking round is already closed."))
        locked.state = TrackingRound.State.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "closed_at"])
        record("round.closed", obj=locked, by=by)
    return locked


def feedback_send(
    *, by: User, round: TrackingRound, province: Division, text: str
) -> RoundFeedback:
    """Send (or correct) the feedback to one province after the round is closed, and tell the
    province's coordinators."""
    if not rules.manages_promotion(by):
        raise Forbidden
    if not province.is_province:
        raise PromotionError(_("Feedback goes to a province."))
    text = text.strip()
    if not text:
        raise PromotionError(_("Write the feedback."))
    with transaction.atomic():
        locked = TrackingRound.objects.select_for_update().get(pk=round.pk)
        if locked.state != TrackingRound.State.CLOSED:
            raise PromotionError(_("Close the round before sending feedback."))
        feedback, created = RoundFeedback.objects.update_or_create(
            round=locked, province=province, defaults={"text": text, "sent_by": by}
        )
        record(
            "round.feedback",
            obj=locked,
            by=by,
            changes={"feedback": [None, text]},
            note=str(province),
        )
        notify(
            users=rules.FEEDBACK.audience(feedback, PROVINCE),
            subject=_("Feedback on the tracking round %(title)s") % {"title": locked.title},
            body=text,
            url=_url(locked),
        )
    return feedback
