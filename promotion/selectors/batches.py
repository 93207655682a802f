"""Reads of promotion batches (推广批次) and their measures, scoped by `promotion.rules.BATCHES`
and `MEASURES`: a published batch is everyone's, signed in or not; a draft is the national
level's alone. Outside that scope a batch or a measure does not exist (404).

Also the confirmed outcomes a new batch is drafted from (evaluation.Outcome), each flagged with
the batches that already promote it.
"""

from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.actors import Actor
from evaluation import rules as evaluation_rules
from evaluation.models import Outcome
from promotion import rules
from promotion.models import PromotedMeasure, PromotionBatch
from regions.models import RegionGroup
from tasks.models import Task
from tasks.rules import TASKS

KNOWN = "yes"
UNKNOWN = "no"


def batches_visible_to(user: Actor) -> QuerySet[PromotionBatch]:
    """The user's batches, each with how many measure slots it holds and how many of their
    titles, fields and scopes the sources (or the drafting) give, counted in the database."""
    return (
        rules.BATCHES.queryset(user)
        .annotate(
            slot_count=Count("measures", distinct=True),
            titles_known=Count("measures", filter=~Q(measures__title=""), distinct=True),
            fields_known=Count("measures", filter=~Q(measures__field=""), distinct=True),
            scopes_known=Count(
                "measures",
                filter=~Q(measures__scope=PromotedMeasure.Scope.UNVERIFIED),
                distinct=True,
            ),
        )
        .order_by("number")
    )


def batch_get_for_user(user: Actor, pk: int) -> PromotionBatch:
    try:
        return batches_visible_to(user).get(pk=pk)
    except PromotionBatch.DoesNotExist:
        raise Http404 from None


def is_reference(batch: PromotionBatch) -> bool:
    """A batch loaded from the sources (data/batch_notices.csv) rather than drafted on the
    platform: what it leaves empty is what the sources do not give."""
    return batch.created_by_id is None


def batch_fields(batch: PromotionBatch) -> list[str]:
    """The fields the batch's measures name, in the order they first appear."""
    names = batch.measures.exclude(field="").order_by("position").values_list("field", flat=True)
    return list(dict.fromkeys(names))


def batch_measures(batch: PromotionBatch, params: dict[str, str]) -> QuerySet[PromotedMeasure]:
    """The batch's measures narrowed by the page's filters: field, scope, whether the title is
    known, and text (title, field, text, origin)."""
    qs = batch.measures.select_related("outcome").order_by("position")
    if params.get("field"):
        qs = qs.filter(field=params["field"])
    if params.get("scope"):
        qs = qs.filter(scope=params["scope"])
    if params.get("known") == KNOWN:
        qs = qs.exclude(title="")
    elif params.get("known") == UNKNOWN:
        qs = qs.filter(title="")
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(field__icontains=text)
            | Q(text__icontains=text)
            | Q(origin__icontains=text)
        )
    return qs


def measures_visible_to(user: Actor) -> QuerySet[PromotedMeasure]:
    return rules.MEASURES.queryset(user).select_related("batch", "outcome__field")


def measure_get_for_user(user: Actor, pk: int) -> PromotedMeasure:
    try:
        return measures_visible_to(user).get(pk=pk)
    except PromotedMeasure.DoesNotExist:
        raise Http404 from None


def measure_origin(user: Actor, measure: PromotedMeasure) -> dict[str, Any]:
    """The outcome a measure was promoted from, and the tasks behind it, each marked with
    whether the reader may open it (`evaluation.rules.OUTCOMES`, `tasks.rules.TASKS`)."""
    outcome = measure.outcome
    if outcome is None:
        return {"outcome": None, "outcome_visible": False, "tasks": []}
    tasks = list(
        outcome.tasks.select_related("claimant__division", "claimant__region_group").order_by("pk")
    )
    seen = set(
        TASKS.queryset(user).filter(pk__in=[t.pk for t in tasks]).values_list("pk", flat=True)
    )
    return {
        "outcome": outcome,
        "outcome_visible": evaluation_rules.can_view_outcome(user, outcome),
        "tasks": [(t, t.pk in seen) for t in tasks],
    }


def next_number() -> int:
    """The number the next batch takes: one after the highest (the three real batches are
    1–3, so the first drafted on the platform is the fourth)."""
    highest = PromotionBatch.objects.aggregate(top=Max("number"))["top"]
    return (highest or 0) + 1


def open_draft() -> PromotionBatch | None:
    return PromotionBatch.objects.filter(state=PromotionBatch.State.DRAFT).order_by("pk").first()


# What a new batch is drafted from ------------------------------------------------------------


def confirmed_outcomes(params: dict[str, str]) -> QuerySet[Outcome]:
    """Confirmed outcomes (可复制推广的改革成果 confirmed for promotion), newest first, each with
    `promoted` (some batch already holds a measure from it) and its measures prefetched, so
    the page can say which batch."""
    promoted = PromotedMeasure.objects.filter(outcome=OuterRef("pk"))
    qs = (
        Outcome.objects.filter(state=Outcome.State.CONFIRMED)
        .select_related("field")
        .annotate(promoted=Exists(promoted))
        .prefetch_related(
            Prefetch(
                "promoted_measures",
                queryset=PromotedMeasure.objects.select_related("batch").order_by(
                    "batch__number", "position"
                ),
            )
        )
    )
    if params.get("field"):
        qs = qs.filter(field_id=int(params["field"]))
    if params.get("promoted") == KNOWN:
        qs = qs.filter(promoted=True)
    elif params.get("promoted") == UNKNOWN:
        qs = qs.filter(promoted=False)
    text = params.get("q", "").strip()
    if text:
        qs = qs.filter(
            Q(title__icontains=text) | Q(summary__icontains=text) | Q(origin__icontains=text)
        )
    return qs.order_by("-confirmed_at", "-pk")


def outcome_tasks(outcome_ids: list[int]) -> QuerySet[Task]:
    return Task.objects.filter(outcomes__in=outcome_ids).select_related(
        "claimant__division", "claimant__region_group"
    )


def origin_regions_for(outcome: Outcome) -> list[RegionGroup]:
    """The experiment regions (全面创新改革试验区域) an outcome comes from, where its tasks say
    so: a task claimed by an experiment region itself, or by a division that is one of an
    experiment region's divisions (上海). A province whose experiment region is only part of
    it (四川 and 成德绵) is not taken for the region: where in the province the task ran is not
    known. The platform's rule (平台规则), for the prefill only."""
    claimants = list(
        outcome.tasks.values_list("claimant__region_group_id", "claimant__division_id")
    )
    groups = {g for g, _d in claimants if g is not None}
    divisions = {d for _g, d in claimants if d is not None}
    regions = RegionGroup.objects.filter(kind=RegionGroup.Kind.EXPERIMENT_REGION)
    return list(
        regions.filter(Q(pk__in=groups) | Q(divisions__in=divisions)).distinct().order_by("pk")
    )
