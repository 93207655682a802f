"""Writing adoption records (推广落实情况): the one place where a unit's status on a measure
changes, whether from the unit's form, a province's Excel sheet or "unchanged since the last
round". Every path checks the same rules (`check`) and writes the same way (`adoption_write`).

The statuses (未部署 / 已部署 / 已落地 / 见成效, or 不适用 with a reason) are the issue's; the
dates of each status first reached are kept so that diffusion is counted over time.
"""

import datetime
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import User
from audit.services import diff, record, snapshot
from kernel.errors import DomainError, Forbidden
from promotion.models import (
    PROGRESSION,
    AdoptionRecord,
    AdoptionStatus,
    PromotedMeasure,
    PromotionBatch,
    TrackingRound,
)
from promotion.territory import (
    divisions_in_scope,
    parks_in_scope,
    reports_for,
    unit_fields,
)
from regions.models import Division, Park

ACTION_LABELS = {
    "adoption.filed": _lazy("adoption filed"),
    "adoption.changed": _lazy("adoption changed"),
}

FIELDS = [
    "status",
    "status_on",
    "reason",
    "local_document",
    "contact",
    "difficulties",
]
DATE_OF = {
    AdoptionStatus.DEPLOYED: "deployed_on",
    AdoptionStatus.LANDED: "landed_on",
    AdoptionStatus.EFFECTIVE: "effective_on",
}


class PromotionError(DomainError):
    """A rule of promotion was broken."""


@dataclass(frozen=True)
class AdoptionData:
    """What a unit reports on one measure."""

    status: str
    status_on: datetime.date | None = None
    reason: str = ""
    local_document: str = ""
    contact: str = ""
    difficulties: str = ""

    @classmethod
    def of(cls, record: AdoptionRecord) -> "AdoptionData":
        """What the record holds now: the previous round's answer, to prefill or confirm."""
        return cls(**{name: getattr(record, name) for name in FIELDS})


def _stripped(data: AdoptionData) -> AdoptionData:
    return replace(
        data,
        reason=data.reason.strip(),
        local_document=data.local_document.strip(),
        contact=data.contact.strip(),
        difficulties=data.difficulties.strip(),
    )


def check(data: AdoptionData, *, today: datetime.date | None = None) -> list[str]:
    """Every rule the data breaks, as messages for the user (empty when it is fine)."""
    today = today or timezone.localdate()
    problems = []
    if data.status not in AdoptionStatus.values:
        problems.append(
            _("Choose a status: %(choices)s.")
            % {"choices": "、".join(str(label) for label in AdoptionStatus.labels)}
        )
        return problems
    if data.status == AdoptionStatus.NOT_APPLICABLE and not data.reason.strip():
        problems.append(_("Say why the measure does not apply here."))
    if data.status in DATE_OF and data.status_on is None:
        problems.append(_("Give the date the measure reached this status."))
    if data.status_on is not None and data.status_on > today:
        problems.append(_("The date cannot be in the future."))
    landed = data.status in (AdoptionStatus.LANDED, AdoptionStatus.EFFECTIVE)
    if landed and not data.local_document.strip():
        problems.append(_("Name the local document that adopted the measure."))
    return problems


def in_scope(measure: PromotedMeasure, unit: Division | Park) -> bool:
    """Is the unit expected to report on the measure (nationwide, or the 8 regions)?"""
    if isinstance(unit, Park):
        return parks_in_scope(measure).filter(pk=unit.pk).exists()
    return divisions_in_scope(measure).filter(pk=unit.pk).exists()


def _check_round(round: TrackingRound | None, measure: PromotedMeasure) -> None:
    if round is None:
        return
    if round.state != TrackingRound.State.OPEN:
        raise PromotionError(_("This tracking round is closed."))
    if not round.batches.filter(pk=measure.batch_id).exists():
        raise PromotionError(_("This tracking round does not cover the measure's batch."))


def _dated(record: AdoptionRecord, data: AdoptionData) -> None:
    """Keep the date each status was first reached; a later status implies the earlier ones
    on the same date when they were never reported (a unit may report 已落地 directly)."""
    if data.status not in DATE_OF or data.status_on is None:
        return
    reached = PROGRESSION.index(AdoptionStatus(data.status))
    for status in PROGRESSION[: reached + 1]:
        name = DATE_OF[status]
        current = getattr(record, name)
        if current is None or current > data.status_on:
            setattr(record, name, data.status_on)


def adoption_write(
    *,
    by: User,
    unit: Division | Park,
    measure: PromotedMeasure,
    data: AdoptionData,
    round: TrackingRound | None = None,
    today: datetime.date | None = None,
) -> AdoptionRecord:
    """File or change the unit's adoption of the measure. Checks the user's right to report
    for the unit, the measure's scope and batch, the round and the data; on the record's trail."""
    if not reports_for(by, unit):
        raise Forbidden
    if measure.batch.state != PromotionBatch.State.PUBLISHED:
        raise PromotionError(_("The measure's batch has not been published."))
    if not in_scope(measure, unit):
        raise PromotionError(_("The measure is promoted only in the 8 reform experiment regions."))
    _check_round(round, measure)
    data = _stripped(data)
    problems = check(data, today=today)
    if problems:
        raise PromotionError(" ".join(problems))
    with transaction.atomic():
        place = unit_fields(unit)
        lookup = {"measure": measure, "division": place["division"], "park": place["park"]}
        existing = (
            AdoptionRecord.objects.select_for_update().filter(**lookup).order_by("pk").first()
        )
        record_ = existing or AdoptionRecord(**lookup, updated_by=by)
        before = snapshot(record_, FIELDS) if existing else {}
        for name, value in place.items():
            setattr(record_, name, value)
        for name in FIELDS:
            setattr(record_, name, getattr(data, name))
        _dated(record_, data)
        record_.updated_by = by
        if round is not None:
            record_.round = round
        record_.save()
        changes = diff(before, snapshot(record_, FIELDS))
        if existing is None or changes:
            record(
                "adoption.changed" if existing else "adoption.filed",
                obj=record_,
                by=by,
                changes=changes,
            )
    return record_
