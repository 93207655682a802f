"""Reads of guidance and training (政策宣讲、办班培训、操作指南（指引）、专题辅导), scoped by
`rules.GUIDANCE`: every official of the four levels and the parks reads them all (so one
level learns from another's guides); each changes only its own (`services.guidance.may_edit`).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.actors import Actor
from audit.models import AuditEntry
from audit.selectors import entries_for
from promotion import rules
from promotion.models import GuidanceActivity, PromotedMeasure, PromotionBatch
from regions.models import Division

NATIONAL_LEVEL = "national"


def sees_guidance(user: Actor) -> bool:
    """Whoever `rules.GUIDANCE` shows any activity to."""
    return rules.GUIDANCE.filter_for(user) is not None


def guidance_visible_to(user: Actor) -> QuerySet[GuidanceActivity]:
    return rules.GUIDANCE.queryset(user).select_related(
        "batch", "measure__batch", "division__province", "created_by"
    )


def guidance_get_for_user(user: Actor, pk: int) -> GuidanceActivity:
    try:
        return guidance_visible_to(user).get(pk=pk)
    except GuidanceActivity.DoesNotExist:
        raise Http404 from None


def guidance_list(user: Actor, params: dict[str, str]) -> QuerySet[GuidanceActivity]:
    """The activities narrowed by batch, measure, kind, level ("national" or a division
    level), province (its own and its divisions') and text; newest first."""
    qs = guidance_visible_to(user)
    if params.get("batch"):
        qs = qs.filter(batch_id=int(params["batch"]))
    if params.get("measure"):
        qs = qs.filter(measure_id=int(params["measure"]))
    if params.get("kind"):
        qs = qs.filter(kind=params["kind"])
    level = params.get("level", "")
    if level == NATIONAL_LEVEL:
        qs = qs.filter(level__isnull=True)
    elif level:
        qs = qs.filter(level=level)
    if params.get("province"):
        qs = qs.filter(division__province_id=int(params["province"]))
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(audience__icontains=text)
            | Q(note__icontains=text)
            | Q(division__name__icontains=text)
            | Q(measure__title__icontains=text)
        )
    return qs.order_by("-held_on", "-pk")


def guidance_history(activity: GuidanceActivity, limit: int = 100) -> list[AuditEntry]:
    return list(entries_for(activity).order_by("-at", "-pk")[:limit])


def published_batches() -> QuerySet[PromotionBatch]:
    return PromotionBatch.objects.filter(state=PromotionBatch.State.PUBLISHED).order_by("number")


def published_measures() -> QuerySet[PromotedMeasure]:
    return PromotedMeasure.objects.filter(
        batch__state=PromotionBatch.State.PUBLISHED
    ).select_related("batch")


def provinces() -> QuerySet[Division]:
    return Division.objects.filter(level=Division.Level.PROVINCE).order_by("code")
