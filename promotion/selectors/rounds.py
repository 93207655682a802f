"""Reading tracking rounds (跟踪调研, 全国摸查): the list, one round, each province's progress in
it, and the feedback (评估反馈) sent after it."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts import roles
from accounts.actors import Actor
from promotion import rules
from promotion.models import (
    AdoptionRecord,
    AdoptionStatus,
    PromotedMeasure,
    RoundFeedback,
    TrackingRound,
)
from regions.models import Division

FILED = Q(filed_at__isnull=False)
HANDED_DOWN = Q(filed_at__isnull=True, delegated_at__isnull=False)
NOT_FILED = Q(filed_at__isnull=True)


def round_list(user: Actor, params: dict[str, str] | None = None) -> QuerySet[TrackingRound]:
    params = params or {}
    qs = rules.ROUNDS.queryset(user).prefetch_related("batches")
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    return qs.annotate(
        units=Count("returns", distinct=True),
        filed=Count("returns", filter=Q(returns__filed_at__isnull=False), distinct=True),
    ).order_by("-opened_on", "-pk")


def round_get_for_user(user: Actor, pk: int) -> TrackingRound:
    """The round, or 404 for a user who does not see rounds."""
    found = rules.ROUNDS.queryset(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def open_rounds(user: Actor) -> QuerySet[TrackingRound]:
    return rules.ROUNDS.queryset(user).filter(state=TrackingRound.State.OPEN)


def round_measures(round: TrackingRound) -> QuerySet[PromotedMeasure]:
    return PromotedMeasure.objects.filter(batch__in=round.batches.all()).select_related("batch")


@dataclass(frozen=True)
class ProvinceProgress:
    province: Division
    units: int
    filed: int
    handed_down: int
    not_filed: int
    feedback: RoundFeedback | None


def province_progress(round: TrackingRound) -> list[ProvinceProgress]:
    """Per province, its units' returns in the round: filed, handed down (not yet filed), not
    filed — in one query, with the feedback already sent (one more)."""
    counts = (
        round.returns.values("province_id")
        .annotate(
            units=Count("pk"),
            filed=Count("pk", filter=FILED),
            handed_down=Count("pk", filter=HANDED_DOWN),
            not_filed=Count("pk", filter=NOT_FILED),
        )
        .order_by()
    )
    by_province = {row["province_id"]: row for row in counts}
    feedback = {f.province_id: f for f in round.feedback.all()}
    provinces = Division.objects.filter(level=Division.Level.PROVINCE).order_by("code")
    out = []
    for province in provinces:
        row = by_province.get(province.pk, {})
        out.append(
            ProvinceProgress(
                province=province,
                units=row.get("units", 0),
                filed=row.get("filed", 0),
                handed_down=row.get("handed_down", 0),
                not_filed=row.get("not_filed", 0),
                feedback=feedback.get(province.pk),
            )
        )
    return out


def feedback_for(user: Actor, round: TrackingRound) -> QuerySet[RoundFeedback]:
    return rules.FEEDBACK.queryset(user, round.feedback.select_related("province"))


def feedback_received(user: Actor) -> QuerySet[RoundFeedback]:
    """The feedback a province has received, newest first (nothing for other levels)."""
    if roles.province_of(user) is None:
        return RoundFeedback.objects.none()
    return rules.FEEDBACK.queryset(user).select_related("round").order_by("-sent_at")


def feedback_summary(round: TrackingRound, province: Division) -> str:
    """The figures of the province's territory in the round, as the feedback's first draft:
    returns filed, records per status (filed in this round), difficulties reported."""
    returns = round.returns.filter(province=province).aggregate(
        units=Count("pk"), filed=Count("pk", filter=FILED)
    )
    records = AdoptionRecord.objects.filter(round=round, province=province)
    per_status = dict(
        records.values_list("status").annotate(n=Count("pk")).order_by().values_list("status", "n")
    )
    difficulties = records.exclude(difficulties="").count()
    statuses = "；".join(
        f"{label}: {per_status.get(value, 0)}" for value, label in AdoptionStatus.choices
    )
    lines = [
        _("%(province)s — tracking round %(title)s.")
        % {"province": province.name, "title": round.title},
        _("Returns filed: %(filed)s of %(units)s reporting units.") % returns,
        _("Adoption records filed in this round by status: %(statuses)s.") % {"statuses": statuses},
        _("Records reporting difficulties: %(count)s.") % {"count": difficulties},
        "",
        _("Assessment and suggestions:"),
    ]
    return "\n".join(lines)
