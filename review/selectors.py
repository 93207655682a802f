"""Reads of the expert review, shared by views, exports and other apps (the lists app ranks
candidates with `candidate_ranking`). Every read is scoped to what the user may see."""

import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connections
from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from django.http import Http404

from accounts.actors import Actor
from accounts.models import Role, User
from accounts.visibility import EXPERT
from kernel.lazyrows import LazyRows
from merging.models import CandidateMeasure
from proposals.models import Cycle, Proposal, Suggestion
from review import aggregation, rules
from review.models import Assignment, ExpertProfile, Review

SUBMITTED = Review.State.SUBMITTED


def review_of(assignment: Assignment) -> Review | None:
    """The assignment's review, or None while the expert has not started."""
    try:
        return assignment.review
    except ObjectDoesNotExist:
        return None


# The expert pool ------------------------------------------------------------------------------


def latest_review_cycle() -> Cycle | None:
    """The newest cycle that has candidate measures: the one under review."""
    return Cycle.objects.filter(candidates__isnull=False).order_by("-year").distinct().first()


def experts_visible_to(user: Actor) -> QuerySet[ExpertProfile]:
    qs = rules.EXPERT_PROFILES.queryset(user)
    return qs.select_related("user", "division", "organisation").prefetch_related("fields")


def expert_list(
    user: Actor, params: dict[str, str], cycle: Cycle | None = None
) -> QuerySet[ExpertProfile]:
    """The pool, filtered; each profile annotated with `load`, its reviews in `cycle`."""
    qs = experts_visible_to(user)
    query = params.get("q", "").strip()
    if query:
        qs = qs.filter(
            Q(user__username__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(organisation__name__icontains=query)
            | Q(tags__icontains=query)
        )
    if params.get("field"):
        qs = qs.filter(fields__id=int(params["field"]))
    if params.get("division"):
        province = int(params["division"])
        qs = qs.filter(
            Q(division__province_id=province)
            | Q(division_id=province)
            | Q(division__isnull=True, organisation__division__province_id=province)
        )
    if params.get("available") in ("yes", "no"):
        qs = qs.filter(available=params["available"] == "yes")
    in_cycle = Q(user__assignments__candidate__cycle=cycle)
    qs = qs.annotate(load=Count("user__assignments", filter=in_cycle, distinct=True))
    return qs.distinct().order_by("user__username", "id")


def expert_profile_get_for_user(user: Actor, pk: int) -> ExpertProfile:
    try:
        return experts_visible_to(user).get(pk=pk)
    except ExpertProfile.DoesNotExist:
        raise Http404 from None


def expert_users_without_profile() -> QuerySet[User]:
    return User.objects.filter(role=Role.EXPERT, is_active=True, expert_profile__isnull=True)


# Cycles and candidates under review -----------------------------------------------------------


def review_cycles() -> QuerySet[Cycle]:
    """Every cycle with how far its review has come."""
    submitted = Q(candidates__assignments__review__state=SUBMITTED)
    return Cycle.objects.annotate(
        n_candidates=Count("candidates", distinct=True),
        n_assignments=Count("candidates__assignments", distinct=True),
        n_submitted=Count("candidates__assignments", filter=submitted, distinct=True),
    ).order_by("-year")


def cycle_get_for_review(user: Actor, pk: int) -> Cycle:
    # Any signed-in user may know a cycle exists; the view refuses the page with 403.
    try:
        return Cycle.objects.get(pk=pk)
    except Cycle.DoesNotExist:
        raise Http404 from None


def _with_reviewers(qs: QuerySet[CandidateMeasure]) -> QuerySet[CandidateMeasure]:
    assignments = Assignment.objects.select_related("expert", "review").order_by("id")
    return qs.prefetch_related(Prefetch("assignments", queryset=assignments))


def candidate_overview(cycle: Cycle, params: dict[str, str]) -> QuerySet[CandidateMeasure]:
    """The cycle's candidates with their reviewers, filtered by text, field and progress."""
    qs = CandidateMeasure.objects.filter(cycle=cycle).select_related("field")
    query = params.get("q", "").strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(content__icontains=query))
    if params.get("field"):
        qs = qs.filter(field_id=int(params["field"]))
    qs = qs.annotate(
        n_assigned=Count("assignments", distinct=True),
        n_submitted=Count(
            "assignments", filter=Q(assignments__review__state=SUBMITTED), distinct=True
        ),
    )
    progress = params.get("progress", "")
    if progress == "none":
        qs = qs.filter(n_assigned=0)
    elif progress == "open":
        qs = qs.filter(n_assigned__gt=0, n_submitted__lt=F("n_assigned"))
    elif progress == "done":
        qs = qs.filter(n_assigned__gt=0, n_submitted=F("n_assigned"))
    return _with_reviewers(qs).order_by("id")


def candidate_get_for_review(user: Actor, pk: int) -> CandidateMeasure:
    """A candidate's review page: the coordinator's alone; others may not know it exists."""
    if not rules.can_view_review_results(user):
        raise Http404
    try:
        return CandidateMeasure.objects.select_related("cycle", "field").get(pk=pk)
    except CandidateMeasure.DoesNotExist:
        raise Http404 from None


def candidate_sources(candidate: CandidateMeasure) -> QuerySet[Proposal]:
    """The source proposals, with the suggestions behind them and who sent those."""
    suggestions = Suggestion.objects.select_related("organisation").order_by("id")
    return (
        Proposal.objects.filter(merged_into=candidate)
        .select_related("locality", "field")
        .prefetch_related(Prefetch("sources", queryset=suggestions))
        .order_by("locality__code", "id")
    )


def candidate_assignments(candidate: CandidateMeasure) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(candidate=candidate)
        .select_related("expert", "review", "assigned_by")
        .order_by("id")
    )


# An expert's own reviews ----------------------------------------------------------------------

PROGRESS = ("new", "draft", "submitted")


def assignments_visible_to(user: Actor) -> QuerySet[Assignment]:
    return rules.ASSIGNMENTS.queryset(user).select_related(
        "candidate__cycle", "candidate__field", "expert", "review"
    )


def assignment_get_for_user(user: Actor, pk: int) -> Assignment:
    """404 unless the user is the coordinator or the expert it is assigned to."""
    try:
        return assignments_visible_to(user).get(pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None


def my_assignments(user: Actor, params: dict[str, str]) -> QuerySet[Assignment]:
    """The expert's own assignments (never anyone else's, even for the coordinator)."""
    if not rules.can_list_own_reviews(user):
        return Assignment.objects.none()
    qs = (
        rules.ASSIGNMENTS.only(EXPERT)
        .queryset(user)
        .select_related("candidate__cycle", "candidate__field", "expert", "review")
    )
    query = params.get("q", "").strip()
    if query:
        qs = qs.filter(
            Q(candidate__title__icontains=query) | Q(candidate__content__icontains=query)
        )
    if params.get("cycle"):
        qs = qs.filter(candidate__cycle_id=int(params["cycle"]))
    state = params.get("state", "")
    if state == "new":
        qs = qs.filter(review__isnull=True)
    elif state in (Review.State.DRAFT, Review.State.SUBMITTED):
        qs = qs.filter(review__state=state)
    return qs.order_by("-candidate__cycle__year", "candidate_id", "id")


# Aggregation and ranking ----------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    """A candidate's place in the ranking of its cycle.

    `means` holds the mean score per criterion (value, operability, assessability,
    replicability); every figure is None until a review is submitted. `reviews_expected` is the
    number of reviewers assigned. `summary` has the medians, spreads, standard deviations,
    recommendation counts and the reasons behind `disagreement`.
    """

    rank: int | None
    candidate: CandidateMeasure
    reviews_submitted: int
    reviews_expected: int
    means: dict[str, float | None]
    overall_mean: float | None
    disagreement: bool
    summary: aggregation.Summary


SCORE_FIELDS = ["candidate_id", "review__state", "review__recommendation"] + [
    f"review__{c}" for c in aggregation.CRITERIA
]


def _summaries(assignments: QuerySet[Assignment]) -> dict[int, tuple[int, aggregation.Summary]]:
    """Per candidate id: (reviewers assigned, summary of the submitted reviews)."""
    scores: dict[int, list[dict[str, int]]] = defaultdict(list)
    recommendations: dict[int, list[str]] = defaultdict(list)
    expected: dict[int, int] = defaultdict(int)
    for row in assignments.values(*SCORE_FIELDS):
        cid = row["candidate_id"]
        expected[cid] += 1
        if row["review__state"] == SUBMITTED:
            scores[cid].append({c: row[f"review__{c}"] for c in aggregation.CRITERIA})
            recommendations[cid].append(row["review__recommendation"])
    return {
        cid: (expected[cid], aggregation.summarise(scores[cid], recommendations[cid]))
        for cid in set(expected) | set(scores)
    }


def candidate_summary(candidate: CandidateMeasure) -> aggregation.Summary:
    found = _summaries(Assignment.objects.filter(candidate=candidate))
    return found.get(candidate.pk, (0, aggregation.summarise([], [])))[1]


# The ranking's order, in SQL: the overall mean, then the mean for value (含金量), then the
# candidate's age; candidates without a submitted review (no mean) last.
RANK_ORDER = [
    F("overall_mean").desc(nulls_last=True),
    F("mean_value").desc(nulls_last=True),
    F("pk").asc(),
]
_SUBMITTED = Q(assignments__review__state=SUBMITTED)


def _score(criterion: str) -> Cast:
    # As floats, so means compare (and tie) exactly as statistics.fmean's do.
    return Cast(f"assignments__review__{criterion}", FloatField())


def _figures(candidates: QuerySet[CandidateMeasure]) -> QuerySet[Any]:
    """Per candidate id, one narrow GROUP BY over its assignments and reviews: reviewers
    assigned (`n_expected`), the overall mean (the mean of each review's four criteria) and the
    mean for value, in the ranking's order."""
    scores = [_score(c) for c in aggregation.CRITERIA]
    overall = reduce(operator.add, scores) / Value(float(len(scores)))
    return (
        candidates.order_by()
        .values("id")
        .annotate(
            n_expected=Count("assignments"),
            overall_mean=Avg(overall, filter=_SUBMITTED, output_field=FloatField()),
            mean_value=Avg(_score("value"), filter=_SUBMITTED),
        )
        .order_by(*RANK_ORDER)
    )


def _flagged(figures: QuerySet[Any]) -> QuerySet[Any]:
    """`figures` narrowed to the candidates whose reviewers disagree, by the rule of
    review.aggregation: with two submitted reviews or more, a criterion's scores
    DISAGREEMENT_SPREAD apart, or one reviewer for including the measure and one against."""
    spreads = {
        f"spread_{c}": Max(f"assignments__review__{c}", filter=_SUBMITTED)
        - Min(f"assignments__review__{c}", filter=_SUBMITTED)
        for c in aggregation.CRITERIA
    }
    recommended = {
        f"n_{r}": Count("assignments", filter=_SUBMITTED & Q(assignments__review__recommendation=r))
        for r in (aggregation.INCLUDE, aggregation.EXCLUDE)
    }
    apart = reduce(
        operator.or_,
        (Q(**{f"spread_{c}__gte": aggregation.DISAGREEMENT_SPREAD}) for c in aggregation.CRITERIA),
    )
    both_ways = Q(**{f"n_{aggregation.INCLUDE}__gt": 0, f"n_{aggregation.EXCLUDE}__gt": 0})
    return figures.annotate(
        n_submitted=Count("assignments", filter=_SUBMITTED), **spreads, **recommended
    ).filter(Q(n_submitted__gte=2) & (apart | both_ways))


def _placed(figures: QuerySet[Any]) -> QuerySet[Any]:
    return figures.annotate(place=Window(RowNumber(), order_by=RANK_ORDER))


def _places(cycle: Cycle, pks: list[int]) -> dict[int, int]:
    """Candidate id → its place in the whole cycle (filters do not change it), for the
    reviewed ones among `pks`. A window over the cycle's ranking, read for these rows alone:
    in an outer query, since a filter inside would narrow the window."""
    if not pks:
        return {}
    ranked = _placed(_figures(CandidateMeasure.objects.filter(cycle=cycle)))
    inner, params = ranked.query.sql_with_params()
    marks = ", ".join(["%s"] * len(pks))
    sql = (
        f"SELECT ranked.id, ranked.place FROM ({inner}) ranked "  # noqa: S608 (parameters apart)
        f"WHERE ranked.overall_mean IS NOT NULL AND ranked.id IN ({marks})"
    )
    with connections[ranked.db].cursor() as cursor:
        cursor.execute(sql, [*params, *pks])
        return {pk: place for pk, place in cursor.fetchall()}


def _rank_rows(cycle: Cycle, figures: list[dict[str, Any]]) -> list[RankRow]:
    """The rows of `figures` (from `_figures`): three queries, whatever their number. The
    medians, spreads and standard deviations come from review.aggregation over the submitted
    reviews of these candidates alone."""
    pks = [row["id"] for row in figures]
    if figures and "place" in figures[0]:
        places = {row["id"]: row["place"] for row in figures if row["overall_mean"] is not None}
    else:
        places = _places(cycle, pks)
    candidates = CandidateMeasure.objects.select_related("field").in_bulk(pks)
    found = _summaries(Assignment.objects.filter(candidate_id__in=pks))
    empty = aggregation.summarise([], [])
    rows = []
    for row in figures:
        summary = found.get(row["id"], (0, empty))[1]
        rows.append(
            RankRow(
                rank=places.get(row["id"]),
                candidate=candidates[row["id"]],
                reviews_submitted=summary.reviews,
                reviews_expected=row["n_expected"],
                means={c: summary.mean(c) for c in aggregation.CRITERIA},
                overall_mean=summary.mean(aggregation.OVERALL),
                disagreement=summary.disagreement,
                summary=summary,
            )
        )
    return rows


def ranking_rows(cycle: Cycle, params: dict[str, str] | None = None) -> LazyRows[RankRow]:
    """The ranking, filtered by text, field and the disagreement flag, each row keeping its
    place in the whole cycle: ordered, filtered, counted and sliced in SQL, its rows built a
    page (or an export's chunk) at a time. What the page paginates and an export iterates."""
    params = params or {}
    candidates = CandidateMeasure.objects.filter(cycle=cycle)
    query = params.get("q", "").strip()
    if query:
        candidates = candidates.filter(title__icontains=query)
    if params.get("field"):
        candidates = candidates.filter(field_id=int(params["field"]))
    figures = _figures(candidates)
    if params.get("flagged") == "yes":
        figures = _flagged(figures)
        counted = figures
    else:
        counted = candidates
        if not (query or params.get("field")):
            # The whole cycle: its places come with the page's rows.
            figures = _placed(figures)
    return LazyRows(figures, lambda rows: _rank_rows(cycle, rows), counted=counted)


def candidate_ranking(cycle: Cycle) -> list[RankRow]:
    """Every candidate of the cycle, best overall mean first; unreviewed ones last, unranked.

    Ties are broken by the mean for value (含金量), then by the candidate's age."""
    return list(ranking_rows(cycle))


def ranking_filtered(cycle: Cycle, params: dict[str, str]) -> LazyRows[RankRow]:
    """The ranking, keeping each row's place in the whole cycle (`ranking_rows`)."""
    return ranking_rows(cycle, params)


def review_submitted(assignment: Assignment) -> bool:
    return Review.objects.filter(assignment=assignment, state=Review.State.SUBMITTED).exists()
