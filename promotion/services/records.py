"""Writing adoption records (推广落实情况): the one place where a unit's status on a measure
changes, whether from the unit's form, a province's Excel sheet or "unchanged since the last
round". Every path checks the same rules (`check`) and writes the same way (`adoption_write`).

The statuses (未部署 / 已部署 / 已落地 / 见成效, or 不适用 with a reason) are the issue's; the
dates of each status first reached are kept so that diffusion is counted over time.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import diff, record, snapshot
from kernel.errors import DomainError, Forbidden
from kernel.uploads import check_upload, file_saved, limited_name
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
    "adoption.filed": gettext_lazy("adoption filed"),
    "adoption.changed": gettext_lazy("adoption changed"),
    "adoption.confirmed": gettext_lazy("adoption confirmed unchanged"),
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
    evidence: Any | None = None,
) -> AdoptionRecord:
    """File or change the unit's adoption of the measure. Checks the user's right to report
    for the unit, the measure's scope and batch, the round and the data; on the record's trail.
    `evidence`, an uploaded file, replaces the record's evidence (checked like every upload)."""
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
    evidence_name = ""
    if evidence is not None:
        try:
            evidence_name = check_upload(evidence)
        except DomainError as exc:
            raise PromotionError(exc.message) from None
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
        evidence_before = (existing.evidence_name or None) if existing is not None else None
        with _evidence_saved(record_, evidence, evidence_name):
            record_.save()
            changes = diff(before, snapshot(record_, FIELDS))
            if evidence is not None:
                changes["evidence"] = [evidence_before, evidence_name]
            if existing is None or changes:
                record(
                    "adoption.changed" if existing else "adoption.filed",
                    obj=record_,
                    by=by,
                    changes=changes,
                )
    return record_


@contextmanager
def _evidence_saved(record_: AdoptionRecord, upload: Any | None, name: str) -> Iterator[None]:
    """Store a new evidence file with the record's save; the file is removed if the save fails.
    The previous file is deleted once the new one is committed."""
    if upload is None:
        yield
        return
    old = record_.evidence.name if record_.evidence else ""
    record_.evidence_name = name
    with file_saved(record_.evidence, limited_name(name), upload):
        yield
    if old and old != record_.evidence.name:
        storage = record_.evidence.storage
        # Only once the new file's record is committed: a rollback keeps the old one valid.
        transaction.on_commit(lambda: storage.delete(old))


def adoption_reconfirm(
    *,
    by: User,
    unit: Division | Park,
    round: TrackingRound,
    records: list[AdoptionRecord],
) -> int:
    """Confirm the unit's records, as they stand, for this round (与上轮相比无变化): each gets
    the round and is marked updated by the user, in one write, with one entry on each record's
    trail. Checks the right and the round as `adoption_write` does."""
    if not reports_for(by, unit):
        raise Forbidden
    if round.state != TrackingRound.State.OPEN:
        raise PromotionError(_("This tracking round is closed."))
    place = unit_fields(unit)
    if any(
        r.division_id != getattr(place["division"], "pk", None)
        or r.park_id != getattr(place["park"], "pk", None)
        for r in records
    ):
        raise Forbidden
    covered = set(
        PromotedMeasure.objects.filter(
            batch__in=round.batches.all(), pk__in={r.measure_id for r in records}
        ).values_list("pk", flat=True)
    )
    if any(r.measure_id not in covered for r in records):
        raise PromotionError(_("This tracking round does not cover the measure's batch."))
    with transaction.atomic():
        count = AdoptionRecord.objects.filter(pk__in=[r.pk for r in records]).update(
            round=round, updated_by=by, updated_at=timezone.now()
        )
        for record_ in records:
            record("adoption.confirmed", obj=record_, by=by, note=str(round))
    return count
