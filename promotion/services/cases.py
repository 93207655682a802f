"""The case library (可复制推广的改革案例): the national level writes a case — where and how a
measure worked — possibly from a confirmed outcome, changes it while a draft, and publishes
it; a published case is public and stays as published (the platform's rule, 平台规则).

The issue: "A case library of 可复制推广的改革案例, public where the national level publishes
them"; source 000 asks to collect the practices of the localities (交流研讨, 经验做法).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import record
from evaluation.models import Outcome
from kernel.errors import Forbidden
from promotion import rules
from promotion.models import PromotedMeasure, PromotionBatch, ReformCase
from promotion.services.records import PromotionError
from regions.models import Division

ACTION_LABELS = {
    "case.created": gettext_lazy("case written"),
    "case.updated": gettext_lazy("case changed"),
    "case.published": gettext_lazy("case published"),
}


@dataclass(frozen=True)
class CaseData:
    title: str
    division: Division
    field: str
    summary: str
    body: str
    measure: PromotedMeasure | None = None
    outcome: Outcome | None = None
    source: str = ""


FIELDS = ["title", "division", "field", "summary", "body", "measure", "outcome", "source"]


def _clean(data: CaseData) -> CaseData:
    cleaned = CaseData(
        title=data.title.strip(),
        division=data.division,
        field=data.field.strip(),
        summary=data.summary.strip(),
        body=data.body.strip(),
        measure=data.measure,
        outcome=data.outcome,
        source=data.source.strip(),
    )
    if not cleaned.title:
        raise PromotionError(_("Give the case a title."))
    if not cleaned.summary:
        raise PromotionError(_("Summarise the case."))
    if not cleaned.body:
        raise PromotionError(_("Write the case."))
    measure = cleaned.measure
    if measure is not None and measure.batch.state != PromotionBatch.State.PUBLISHED:
        raise PromotionError(_("A case illustrates a measure of a published batch."))
    outcome = cleaned.outcome
    if outcome is not None and outcome.state != Outcome.State.CONFIRMED:
        raise PromotionError(_("A case is written from an outcome confirmed for promotion."))
    return cleaned


def _values(case: ReformCase) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in FIELDS:
        value = getattr(case, name)
        out[name] = (
            str(value)
            if value is not None and name in {"division", "measure", "outcome"}
            else value
        )
    return out


def _check(by: User) -> None:
    if not rules.manages_promotion(by):
        raise Forbidden


@transaction.atomic
def case_create(*, by: User, data: CaseData) -> ReformCase:
    _check(by)
    data = _clean(data)
    case = ReformCase.objects.create(
        **{name: getattr(data, name) for name in FIELDS}, created_by=by
    )
    record(
        "case.created",
        obj=case,
        by=by,
        changes={name: [None, value] for name, value in _values(case).items()},
    )
    return case


def _draft(case: ReformCase) -> ReformCase:
    case = ReformCase.objects.select_for_update().get(pk=case.pk)
    if case.state != ReformCase.State.DRAFT:
        raise PromotionError(_("This case is published and can no longer be changed."))
    return case


@transaction.atomic
def case_update(*, by: User, case: ReformCase, data: CaseData) -> ReformCase:
    _check(by)
    case = _draft(case)
    data = _clean(data)
    before = _values(case)
    for name in FIELDS:
        setattr(case, name, getattr(data, name))
    case.save(update_fields=FIELDS)
    after = _values(case)
    changes = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
    if changes:
        record("case.updated", obj=case, by=by, changes=changes)
    return case


@transaction.atomic
def case_publish(*, by: User, case: ReformCase) -> ReformCase:
    """Published: public from now on, and fixed."""
    _check(by)
    case = _draft(case)
    case.state, case.published_at = ReformCase.State.PUBLISHED, timezone.now()
    case.save(update_fields=["state", "published_at"])
    record(
        "case.published",
        obj=case,
        by=by,
        changes={"state": [ReformCase.State.DRAFT, ReformCase.State.PUBLISHED]},
    )
    return case
