"""Reads of the case library (可复制推广的改革案例), scoped by `promotion.rules.CASES`: a published
case is everyone's, signed in or not; a draft is the national level's alone (404 for anybody
else). Also what a new case starts from when it is written from an outcome."""

from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.actors import Actor
from evaluation.models import Outcome
from promotion import rules
from promotion.models import PromotedMeasure, PromotionBatch, ReformCase
from regions.models import Division


def cases_visible_to(user: Actor) -> QuerySet[ReformCase]:
    return rules.CASES.queryset(user).select_related(
        "division__province", "measure__batch", "outcome"
    )


def case_get_for_user(user: Actor, pk: int) -> ReformCase:
    try:
        return cases_visible_to(user).get(pk=pk)
    except ReformCase.DoesNotExist:
        raise Http404 from None


def case_list(user: Actor, params: dict[str, str]) -> QuerySet[ReformCase]:
    """The user's cases narrowed by the list's filters (field, province, measure, state, text),
    published first, newest first."""
    qs = cases_visible_to(user)
    if params.get("field"):
        qs = qs.filter(field=params["field"])
    if params.get("province"):
        qs = qs.filter(division__province_id=int(params["province"]))
    if params.get("measure"):
        qs = qs.filter(measure_id=int(params["measure"]))
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(summary__icontains=text)
            | Q(body__icontains=text)
            | Q(division__name__icontains=text)
        )
    return qs.order_by(F("published_at").desc(nulls_last=True), "-created_at", "-pk")


def case_fields(user: Actor) -> list[str]:
    """The fields the user's cases name, for the filter."""
    names = (
        rules.CASES.queryset(user)
        .exclude(field="")
        .order_by("field")
        .values_list("field", flat=True)
        .distinct()
    )
    return list(names)


def provinces() -> QuerySet[Division]:
    return Division.objects.filter(level=Division.Level.PROVINCE).order_by("code")


def published_measures() -> QuerySet[PromotedMeasure]:
    """The measures a case can illustrate: those of published batches."""
    return (
        PromotedMeasure.objects.filter(batch__state=PromotionBatch.State.PUBLISHED)
        .select_related("batch")
        .order_by("batch__number", "position")
    )


def confirmed_outcomes() -> QuerySet[Outcome]:
    return Outcome.objects.filter(state=Outcome.State.CONFIRMED).order_by("-confirmed_at", "-pk")


def case_prefill(outcome: Outcome) -> dict[str, Any]:
    """A new case's fields from the outcome it is written from (the platform's prefill, all
    editable): title, field, summary, the case text from the institutional change and the
    evidence, where (the division of the first task's claimant, when it has one), the measure
    promoting the outcome in a published batch, and the outcome."""
    task = (
        outcome.tasks.select_related("claimant__division")
        .filter(claimant__division__isnull=False)
        .order_by("pk")
        .first()
    )
    measure = published_measures().filter(outcome=outcome).first()
    body = "\n\n".join(
        part.strip() for part in (outcome.institutional_change, outcome.evidence) if part.strip()
    )
    return {
        "title": outcome.title,
        "field": outcome.field.name,
        "summary": outcome.summary,
        "body": body,
        "division": task.claimant.division_id if task is not None else None,
        "measure": measure.pk if measure is not None else None,
        "outcome": outcome.pk,
        "source": _("The replicable outcome “%(title)s” (%(origin)s).")
        % {"title": outcome.title, "origin": outcome.origin},
    }
