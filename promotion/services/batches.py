"""Drafting and publishing a new promotion batch (推广批次) from confirmed outcomes — the loop from
a locality's proposal to national promotion.

The national level starts a draft (the next number), picks confirmed outcomes (each becomes a
measure prefilled from it), edits or removes measures, and publishes the batch with its
notice's document number, title and date of issue. Publishing freezes the batch: no service
changes a published batch's notice or measures. The provinces' coordinators are told, and so
are the localities whose tasks are behind the outcomes.

Source 000: "复制推广" of the reform measures by notices of the State Council's General Office,
batch by batch; 484号 §三(四): "总结凝练为可复制推广的改革成果，推动其在更大范围内实施推广".
One draft at a time is the platform's rule (平台规则): the numbers stay without gaps.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.visibility import PROVINCE
from audit.services import record
from evaluation.models import Outcome, Recommendation
from kernel.errors import Forbidden
from notifications.services import notify
from promotion import rules
from promotion.models import PromotedMeasure, PromotionBatch
from promotion.selectors.batches import next_number, origin_regions_for
from promotion.services.records import PromotionError
from tasks.models import Task
from tasks.selectors import claimant_coordinators

ACTION_LABELS = {
    "batch.started": gettext_lazy("batch started"),
    "batch.measure_added": gettext_lazy("measure added to the batch"),
    "batch.measure_changed": gettext_lazy("measure changed"),
    "batch.measure_removed": gettext_lazy("measure removed from the batch"),
    "batch.published": gettext_lazy("batch published"),
    "batch.discarded": gettext_lazy("draft batch discarded"),
}

# The outcome's recommended scope → the measure's scope.
SCOPE_OF = {
    Recommendation.NATIONWIDE.value: PromotedMeasure.Scope.NATIONWIDE,
    Recommendation.EXPERIMENT_REGIONS.value: PromotedMeasure.Scope.REGIONS,
}
PUBLISHABLE_SCOPES = {PromotedMeasure.Scope.NATIONWIDE, PromotedMeasure.Scope.REGIONS}
TITLE_MAX = PromotedMeasure._meta.get_field("title").max_length or 200
FIELD_MAX = PromotedMeasure._meta.get_field("field").max_length or 100
ORIGIN_MAX = PromotedMeasure._meta.get_field("origin").max_length or 200


@dataclass(frozen=True)
class MeasureData:
    """What the national level edits on a drafted measure."""

    title: str
    field: str
    text: str
    scope: str
    origin: str


@dataclass(frozen=True)
class NoticeData:
    """The notice a batch is published with."""

    doc_number: str
    title: str
    issued_on: datetime.date | None


def _check(by: User) -> None:
    if not rules.manages_promotion(by):
        raise Forbidden


def _lock(batch: PromotionBatch) -> PromotionBatch:
    return PromotionBatch.objects.select_for_update().get(pk=batch.pk)


def _draft(batch: PromotionBatch) -> PromotionBatch:
    """The batch locked, refused once published (publishing freezes it)."""
    batch = _lock(batch)
    if batch.state != PromotionBatch.State.DRAFT:
        raise PromotionError(_("This batch is published and can no longer be changed."))
    return batch


def _count(batch: PromotionBatch) -> None:
    batch.measure_count = batch.measures.count()
    batch.save(update_fields=["measure_count"])


def _url(batch: PromotionBatch) -> str:
    return reverse("promotion:batch", args=[batch.pk])


@transaction.atomic
def batch_start(*, by: User) -> PromotionBatch:
    """A draft batch with the next number; refused while another draft exists."""
    _check(by)
    # Locking every batch row serialises two starts: the second sees the first's draft.
    list(PromotionBatch.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    if PromotionBatch.objects.filter(state=PromotionBatch.State.DRAFT).exists():
        raise PromotionError(
            _("A batch is already being drafted: finish or discard it before starting another.")
        )
    try:
        with transaction.atomic():
            batch = PromotionBatch.objects.create(
                number=next_number(),
                state=PromotionBatch.State.DRAFT,
                measure_count=0,
                created_by=by,
            )
    except IntegrityError:  # a colleague's start took the number first (no row to lock yet)
        raise PromotionError(
            _("A batch is already being drafted: finish or discard it before starting another.")
        ) from None
    record("batch.started", obj=batch, by=by, changes={"number": [None, batch.number]})
    return batch


def _text(outcome: Outcome) -> str:
    return "\n\n".join(
        part.strip() for part in (outcome.summary, outcome.institutional_change) if part.strip()
    )


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


@transaction.atomic
def batch_add_outcomes(
    *, by: User, batch: PromotionBatch, outcomes: Iterable[Outcome]
) -> list[PromotedMeasure]:
    """A measure per confirmed outcome, prefilled from it (all editable afterwards): title,
    field (the outcome's reform field), text (summary and institutional change), origin,
    origin regions (`origin_regions_for`), scope (its recommended scope)."""
    _check(by)
    batch = _draft(batch)
    chosen = sorted({o.pk for o in outcomes})
    if not chosen:
        raise PromotionError(_("Choose at least one confirmed outcome."))
    found = list(
        Outcome.objects.select_related("field").filter(pk__in=chosen).order_by("confirmed_at", "pk")
    )
    if len(found) != len(chosen) or any(o.state != Outcome.State.CONFIRMED for o in found):
        raise PromotionError(_("Only outcomes confirmed for promotion can be promoted."))
    already = set(batch.measures.filter(outcome_id__in=chosen).values_list("outcome_id", flat=True))
    if already:
        titles = "、".join(o.title for o in found if o.pk in already)
        raise PromotionError(_("Already in this batch: %(titles)s.") % {"titles": titles})
    position = batch.measures.count()
    made = []
    for outcome in found:
        position += 1
        measure = PromotedMeasure.objects.create(
            batch=batch,
            position=position,
            title=_cut(outcome.title, TITLE_MAX),
            field=_cut(outcome.field.name, FIELD_MAX),
            text=_text(outcome),
            scope=SCOPE_OF.get(outcome.recommended_scope, PromotedMeasure.Scope.NATIONWIDE),
            origin=_cut(outcome.origin, ORIGIN_MAX),
            origin_basis=_("From the replicable outcome “%(title)s”.") % {"title": outcome.title},
            outcome=outcome,
            title_status=PromotedMeasure.TitleStatus.VERIFIED,
        )
        measure.origin_regions.set(origin_regions_for(outcome))
        record(
            "batch.measure_added",
            obj=batch,
            by=by,
            changes={"measure": [None, measure.title], "outcome": [None, outcome.pk]},
        )
        made.append(measure)
    _count(batch)
    return made


def _clean(data: MeasureData) -> MeasureData:
    cleaned = MeasureData(
        title=data.title.strip(),
        field=data.field.strip(),
        text=data.text.strip(),
        scope=data.scope,
        origin=data.origin.strip(),
    )
    if not cleaned.title:
        raise PromotionError(_("Give the measure a title."))
    if not cleaned.field:
        raise PromotionError(_("Name the measure's field."))
    if not cleaned.text:
        raise PromotionError(_("Give the measure's text."))
    if cleaned.scope not in PUBLISHABLE_SCOPES:
        raise PromotionError(_("Choose where the measure applies."))
    return cleaned


MEASURE_FIELDS = ["title", "field", "text", "scope", "origin"]


@transaction.atomic
def measure_update(*, by: User, measure: PromotedMeasure, data: MeasureData) -> PromotedMeasure:
    _check(by)
    _draft(measure.batch)
    measure = PromotedMeasure.objects.select_for_update().get(pk=measure.pk)
    data = _clean(data)
    before = {name: getattr(measure, name) for name in MEASURE_FIELDS}
    for name in MEASURE_FIELDS:
        setattr(measure, name, getattr(data, name))
    measure.save(update_fields=MEASURE_FIELDS)
    changes = {
        name: [before[name], getattr(measure, name)]
        for name in MEASURE_FIELDS
        if before[name] != getattr(measure, name)
    }
    if changes:
        record(
            "batch.measure_changed",
            obj=measure.batch,
            by=by,
            changes={"position": [measure.position, measure.position], **changes},
        )
    return measure


@transaction.atomic
def measure_remove(*, by: User, measure: PromotedMeasure) -> None:
    """Out of the draft; the measures after it move up one place."""
    _check(by)
    batch = _draft(measure.batch)
    try:
        measure = PromotedMeasure.objects.select_for_update().get(pk=measure.pk)
    except PromotedMeasure.DoesNotExist:
        raise PromotionError(_("This measure was already removed.")) from None
    position, title = measure.position, measure.title
    measure.delete()
    # One at a time, in order, so the unique (batch, position) holds at each step.
    for later in batch.measures.filter(position__gt=position).order_by("position"):
        PromotedMeasure.objects.filter(pk=later.pk).update(position=F("position") - 1)
    _count(batch)
    record("batch.measure_removed", obj=batch, by=by, changes={"measure": [title, None]})


def _clean_notice(data: NoticeData) -> NoticeData:
    cleaned = NoticeData(
        doc_number=data.doc_number.strip(), title=data.title.strip(), issued_on=data.issued_on
    )
    if not cleaned.doc_number:
        raise PromotionError(_("Give the notice's document number."))
    if not cleaned.title:
        raise PromotionError(_("Give the notice's title."))
    if cleaned.issued_on is None:
        raise PromotionError(_("Give the notice's date of issue."))
    return cleaned


@transaction.atomic
def batch_publish(*, by: User, batch: PromotionBatch, data: NoticeData) -> PromotionBatch:
    """Published with its notice: frozen from now on, public, and announced to the provinces'
    coordinators and to the localities whose tasks are behind its outcomes."""
    _check(by)
    batch = _draft(batch)
    data = _clean_notice(data)
    measures = list(batch.measures.select_related("outcome").order_by("position"))
    if not measures:
        raise PromotionError(_("A batch needs at least one measure before it is published."))
    for measure in measures:
        try:
            _clean(MeasureData(measure.title, measure.field, measure.text, measure.scope, ""))
        except PromotionError as exc:
            raise PromotionError(
                _("Measure %(n)s: %(problem)s") % {"n": measure.position, "problem": exc.message}
            ) from None
    taken = PromotionBatch.objects.filter(doc_number=data.doc_number).exclude(pk=batch.pk)
    if taken.exists():
        raise PromotionError(
            _("Document number %(number)s is already used by another batch.")
            % {"number": data.doc_number}
        )
    batch.doc_number, batch.title, batch.issued_on = data.doc_number, data.title, data.issued_on
    batch.state, batch.published_at = PromotionBatch.State.PUBLISHED, timezone.now()
    batch.published_on = timezone.localdate()
    batch.measure_count = len(measures)
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:  # a colleague took the number in between
        raise PromotionError(
            _("Document number %(number)s is already used by another batch.")
            % {"number": data.doc_number}
        ) from None
    record(
        "batch.published",
        obj=batch,
        by=by,
        changes={
            "state": [PromotionBatch.State.DRAFT, PromotionBatch.State.PUBLISHED],
            "doc_number": ["", batch.doc_number],
            "title": ["", batch.title],
            "issued_on": [None, batch.issued_on.isoformat() if batch.issued_on else None],
        },
    )
    recipients: dict[int, User] = {u.pk: u for u in PROVINCE.members()}
    outcome_ids = [m.outcome_id for m in measures if m.outcome_id is not None]
    claimants = {
        task.claimant_id: task.claimant
        for task in Task.objects.filter(outcomes__in=outcome_ids).select_related("claimant")
    }
    for claimant in claimants.values():
        for user in claimant_coordinators(claimant):
            recipients[user.pk] = user
    notify(
        users=recipients.values(),
        subject=_("Promotion batch published: %(title)s (%(number)s)")
        % {"title": batch.title, "number": batch.doc_number},
        body=_("%(count)s measures to promote.") % {"count": len(measures)},
        url=_url(batch),
    )
    return batch


@transaction.atomic
def batch_discard(*, by: User, batch: PromotionBatch) -> None:
    """A draft given up: it and its measures go; a published batch never does."""
    _check(by)
    batch = _draft(batch)
    record("batch.discarded", obj=batch, by=by, changes={"number": [batch.number, None]})
    try:
        with transaction.atomic():
            batch.measures.all().delete()
            batch.delete()
    except ProtectedError:
        raise PromotionError(
            _("Something is already recorded against this draft; it cannot be discarded.")
        ) from None
