"""Reads of the expert review, shared by views, exports and other apps (the lists app ranks
candidates with `candidate_ranking`). Every read is scoped to what the user may see."""

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.actors import Actor
from accounts.models import Role, User
from accounts.visibility import EXPERT
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


def _rank_key(row: RankRow) -> tuple[Any, ...]:
    overall = row.overall_mean
    value = row.means["value"]
    return (overall is None, -(overall or 0), -(value or 0), row.candidate.pk)


def candidate_ranking(cycle: Cycle) -> list[RankRow]:
    """Every candidate of the cycle, best overall mean first; unreviewed ones last, unranked.

    Ties are broken by the mean for value (含金量), then by the candidate's age. Two queries,
    whatever the number of candidates.
    """
    candidates = CandidateMeasure.objects.filter(cycle=cycle).select_related("field")
    found = _summaries(Assignment.objects.filter(candidate__cycle=cycle))
    empty = aggregation.summarise([], [])
    rows = []
    for candidate in candidates:
        expected, summary = found.get(candidate.pk, (0, empty))
        rows.append(
            RankRow(
                rank=None,
                candidate=candidate,
                reviews_submitted=summary.reviews,
                reviews_expected=expected,
                means={c: summary.mean(c) for c in aggregation.CRITERIA},
                overall_mean=summary.mean(aggregation.OVERALL),
                disagreement=summary.disagreement,
                summary=summary,
            )
        )
    rows.sort(key=_rank_key)
    return [
        replace(row, rank=place if row.overall_mean is not None else None)
        for place, row in enumerate(rows, start=1)
    ]


def ranking_filtered(cycle: Cycle, params: dict[str, str]) -> list[RankRow]:
    """The ranking, keeping each row's place in the whole cycle."""
    rows = candidate_ranking(cycle)
    query = params.get("q", "").strip().lower()
    if query:
        rows = [r for r in rows if query in r.candidate.title.lower()]
    if params.get("field"):
        rows = [r for r in rows if r.candidate.field_id == int(params["field"])]
    if params.get("flagged") == "yes":
        rows = [r for r in rows if r.disagreement]
    return rows


def review_submitted(assignment: Assignment) -> bool:
    return Review.objects.filter(assignment=assignment, state=Review.State.SUBMITTED).exists()
