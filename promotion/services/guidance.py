"""Guidance and training (解决地方"推什么""怎么推"): a 政策宣讲 (policy briefing), 办班培训
(training course), 操作指南（指引）(operating guide) or 专题辅导 (targeted coaching) recorded
against a batch, possibly one of its measures, at the level that gave it.

Source 000: "通过政策宣讲团、办班培训、出台操作指南（指引）、重点对象专题辅导等方式，解决地方
'推什么'和'怎么推'的认识问题", at each of the four levels (国家、省、市、区（县）). Who records what
(`placements_for`): the national level records national activities (no level, no division); a
province's coordinator its province's or those of a division in it; a prefecture's or county's
coordinator its own division's. Each changes only what it could record (`may_edit`).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.actors import Actor
from accounts.models import User
from audit.services import diff, record, snapshot
from kernel.errors import DomainError, Forbidden
from kernel.uploads import check_upload, file_saved, limited_name
from promotion import rules
from promotion.models import GuidanceActivity, PromotedMeasure, PromotionBatch
from promotion.services.records import PromotionError
from regions.models import Division

ACTION_LABELS = {
    "guidance.recorded": gettext_lazy("guidance activity recorded"),
    "guidance.changed": gettext_lazy("guidance activity changed"),
    "guidance.removed": gettext_lazy("guidance activity removed"),
}
FIELDS = ["kind", "title", "held_on", "audience", "attendance", "note", "document_name"]


@dataclass(frozen=True)
class GuidanceData:
    """What is recorded of one activity; `division` None for a national one."""

    kind: str
    title: str
    batch: PromotionBatch
    held_on: datetime.date
    measure: PromotedMeasure | None = None
    division: Division | None = None
    audience: str = ""
    attendance: int | None = None
    note: str = ""
    upload: Any = None  # a new document file
    remove_document: bool = False


def placements_for(user: Actor) -> QuerySet[Division]:
    """The divisions the user records guidance for (none for the national level, whose
    activities have no division)."""
    province = roles.province_of(user)
    if province is not None:
        return Division.objects.filter(province=province)
    city = roles.city_division(user)
    if city is not None:
        return Division.objects.filter(pk=city.pk)
    return Division.objects.none()


def may_place(user: Actor, division: Division | None) -> bool:
    """May the user record an activity at this division (None: the national level)?"""
    if not rules.records_guidance(user):
        return False
    if division is None:
        return roles.is_national(user)
    if roles.is_national(user):
        return False
    province = roles.province_of(user)
    if province is not None:
        return division.province_id == province.pk
    city = roles.city_division(user)
    return city is not None and division.pk == city.pk


def may_edit(user: Actor, activity: GuidanceActivity) -> bool:
    """Each level changes its own records: those it could record."""
    return may_place(user, activity.division)


def _check(by: User, data: GuidanceData) -> GuidanceData:
    if data.kind not in GuidanceActivity.Kind.values:
        raise PromotionError(_("Choose the kind of activity."))
    title = data.title.strip()
    if not title:
        raise PromotionError(_("Give the activity's title."))
    if len(title) > 200 or len(data.audience.strip()) > 300:
        raise PromotionError(_("The title or the audience is too long."))
    if data.batch.state != PromotionBatch.State.PUBLISHED:
        raise PromotionError(_("Guidance is given on a published batch."))
    if data.measure is not None and data.measure.batch_id != data.batch.pk:
        raise PromotionError(_("The measure is not one of this batch's."))
    if data.held_on > timezone.localdate():
        raise PromotionError(_("The date cannot be in the future."))
    if data.attendance is not None and data.attendance < 0:
        raise PromotionError(_("The attendance is a number of people, 0 or more."))
    division = data.division
    if division is None and not roles.is_national(by):
        city = roles.city_division(by)
        if city is None:
            raise PromotionError(_("Choose where the activity was held."))
        division = city  # a prefecture or county records for itself
    if not may_place(by, division):
        raise PromotionError(_("You record guidance for your own level and territory only."))
    return GuidanceData(
        kind=data.kind,
        title=title,
        batch=data.batch,
        held_on=data.held_on,
        measure=data.measure,
        division=division,
        audience=data.audience.strip(),
        attendance=data.attendance,
        note=data.note.strip(),
        upload=data.upload,
        remove_document=data.remove_document,
    )


def _file_name(upload: Any) -> str:
    try:
        return limited_name(check_upload(upload))
    except DomainError as exc:
        raise PromotionError(exc.message) from exc


def _apply(activity: GuidanceActivity, data: GuidanceData) -> None:
    activity.kind, activity.title, activity.batch = data.kind, data.title, data.batch
    activity.measure, activity.division, activity.held_on = (
        data.measure,
        data.division,
        data.held_on,
    )
    activity.level = data.division.level if data.division is not None else None
    activity.audience, activity.attendance, activity.note = (
        data.audience,
        data.attendance,
        data.note,
    )


def _snapshot(activity: GuidanceActivity) -> dict[str, Any]:
    values = snapshot(activity, FIELDS)
    values["batch"] = str(activity.batch) if activity.batch_id else None
    values["measure"] = str(activity.measure) if activity.measure_id else None
    values["division"] = str(activity.division) if activity.division_id else None
    return values


@transaction.atomic
def guidance_record(*, by: User, data: GuidanceData) -> GuidanceActivity:
    """Record an activity, with its document file if one is given (checked by
    `kernel.uploads`; never stored without its row)."""
    if not rules.records_guidance(by):
        raise Forbidden
    data = _check(by, data)
    # The batch's row is locked, so of a double click the second finds the first's record.
    PromotionBatch.objects.select_for_update().get(pk=data.batch.pk)
    twice = GuidanceActivity.objects.filter(
        batch=data.batch,
        kind=data.kind,
        title=data.title,
        held_on=data.held_on,
        division=data.division,
    )
    if twice.exists():
        raise PromotionError(_("This activity is already recorded."))
    activity = GuidanceActivity(created_by=by)
    _apply(activity, data)
    changes = diff({}, _snapshot(activity))
    if data.upload is None:
        activity.save()
        record("guidance.recorded", obj=activity, by=by, changes=changes)
        return activity
    name = _file_name(data.upload)
    activity.document_name = name
    changes["document_name"] = [None, name]
    with file_saved(activity.document, name, data.upload):
        activity.save()
        record("guidance.recorded", obj=activity, by=by, changes=changes)
    return activity


@transaction.atomic
def guidance_change(
    *, by: User, activity: GuidanceActivity, data: GuidanceData
) -> GuidanceActivity:
    """Change an activity of the user's own level; a new file replaces the old one, which is
    deleted once the change is committed."""
    if not rules.records_guidance(by):
        raise Forbidden
    activity = GuidanceActivity.objects.select_for_update().get(pk=activity.pk)
    if not may_edit(by, activity):
        raise PromotionError(_("You change the guidance of your own level only."))
    data = _check(by, data)
    before = _snapshot(activity)
    old_file, storage = activity.document.name, activity.document.storage
    _apply(activity, data)
    if data.upload is not None:
        name = _file_name(data.upload)
        activity.document_name = name
        with file_saved(activity.document, name, data.upload):
            activity.save()
            record(
                "guidance.changed", obj=activity, by=by, changes=diff(before, _snapshot(activity))
            )
    else:
        if data.remove_document:
            activity.document, activity.document_name = None, ""
        activity.save()
        record("guidance.changed", obj=activity, by=by, changes=diff(before, _snapshot(activity)))
    if old_file and old_file != activity.document.name:
        transaction.on_commit(lambda: storage.delete(old_file))
    return activity


@transaction.atomic
def guidance_remove(*, by: User, activity: GuidanceActivity) -> None:
    if not rules.records_guidance(by):
        raise Forbidden
    found = GuidanceActivity.objects.select_for_update().filter(pk=activity.pk).first()
    if found is None:
        raise PromotionError(_("This activity was already removed."))
    if not may_edit(by, found):
        raise PromotionError(_("You change the guidance of your own level only."))
    # The trail stays on the batch: the activity's own row is gone.
    record(
        "guidance.removed",
        obj=found.batch,
        by=by,
        changes={"guidance": [found.title, None]},
    )
    stored, storage = found.document.name, found.document.storage
    found.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))
