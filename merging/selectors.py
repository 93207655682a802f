"""Merging reads shared by views, exports and the demo: always scoped to what the user may see."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts import roles
from accounts.actors import Actor
from merging import rules, warning
from merging.known import known_measures
from merging.models import CandidateMeasure, SuggestedGroup
from proposals.models import Cycle, Proposal
from proposals.selectors import proposal_search
from zhtext.similarity import features, similarity

# What is compared: the measure itself (title and reform content), not the locality's
# circumstances. Long texts are cut: the measure is named at the start.
MAX_CHARS = 2000

# The drafting warning runs on every view of a draft, so it compares less: the start of each
# text (features() costs about 1 ms per 500 characters), and at most this many texts of each
# kind, the most recent first. A province has a few dozen proposals over a decade, a cycle
# about 160 submitted ones. It shows at
# most SHOWN of each kind.
WARNING_CHARS = 600
OWN_LIMIT = 100
OTHERS_LIMIT = 200
SHOWN = 5

CANDIDATE_SORTS = {
    "created": "-created_at",
    "-created": "created_at",
    "title": "title",
    "cycle": "-cycle__year",
    "sources": "-source_count",
}


def comparison_text(title: str, content: str, limit: int = MAX_CHARS) -> str:
    return f"{title}\n{content}"[:limit]


def warning_text(title: str, content: str) -> str:
    return comparison_text(title, content, WARNING_CHARS)


# Cycles and groups ---------------------------------------------------------------------------


def _count_per_cycle(qs: QuerySet[Any]) -> Coalesce:
    """How many rows of `qs` each cycle has, as a subquery (no join that multiplies rows)."""
    counted = (
        qs.filter(cycle=OuterRef("pk"))
        .order_by()
        .values("cycle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def cycles_for_merging() -> QuerySet[Cycle]:
    return Cycle.objects.annotate(
        waiting=_count_per_cycle(Proposal.objects.filter(state=Proposal.State.SUBMITTED)),
        merged=_count_per_cycle(Proposal.objects.filter(state=Proposal.State.MERGED)),
        open_groups=_count_per_cycle(
            SuggestedGroup.objects.filter(state=SuggestedGroup.State.OPEN)
        ),
        candidate_count=_count_per_cycle(CandidateMeasure.objects.all()),
    ).order_by("-year")


def _members() -> Prefetch:
    return Prefetch(
        "proposals",
        queryset=Proposal.objects.select_related("locality", "field").order_by(
            "locality__code", "pk"
        ),
    )


def group_get_for_user(user: Actor, pk: int) -> SuggestedGroup:
    """Suggested groups are the national coordinator's working material: 404 for anyone else."""
    if not rules.can_merge(user):
        raise Http404
    group = (
        SuggestedGroup.objects.select_related("cycle", "candidate")
        .prefetch_related(_members())
        .filter(pk=pk)
        .first()
    )
    if group is None:
        raise Http404
    return group


def group_list(cycle: Cycle, params: dict[str, str]) -> QuerySet[SuggestedGroup]:
    qs = SuggestedGroup.objects.filter(cycle=cycle)
    state = params.get("state") or SuggestedGroup.State.OPEN
    if state in SuggestedGroup.State.values:
        qs = qs.filter(state=state)
    members = Proposal.objects.filter(cycle=cycle)
    if params.get("q"):
        members = proposal_search(members, params["q"])
    if params.get("field"):
        members = members.filter(field_id=int(params["field"]))
    if params.get("locality"):
        members = members.filter(locality_id=int(params["locality"]))
    if params.get("q") or params.get("field") or params.get("locality"):
        qs = qs.filter(pk__in=members.values("suggested_groups"))
    return qs.select_related("candidate").prefetch_related(_members()).order_by("-score", "pk")


def open_group_ids(cycle: Cycle) -> QuerySet[Any]:
    return SuggestedGroup.objects.filter(cycle=cycle, state=SuggestedGroup.State.OPEN).values("pk")


def remaining_proposals(cycle: Cycle, params: dict[str, str] | None = None) -> QuerySet[Proposal]:
    """Submitted proposals of the cycle that no candidate holds and no open group suggests."""
    params = params or {}
    qs = (
        Proposal.objects.filter(cycle=cycle, state=Proposal.State.SUBMITTED)
        .exclude(suggested_groups__in=open_group_ids(cycle))
        .select_related("locality", "field")
    )
    if params.get("q"):
        qs = proposal_search(qs, params["q"])
    if params.get("field"):
        qs = qs.filter(field_id=int(params["field"]))
    if params.get("locality"):
        qs = qs.filter(locality_id=int(params["locality"]))
    return qs.order_by("locality__code", "pk")


def mergeable_proposals(cycle: Cycle, ids: list[int]) -> list[Proposal]:
    """The chosen proposals that are still waiting to be merged, in the order of the ids."""
    found = {
        p.pk: p
        for p in Proposal.objects.filter(
            cycle=cycle, state=Proposal.State.SUBMITTED, pk__in=ids
        ).select_related("locality", "field")
    }
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def candidate_draft(proposals: list[Proposal]) -> dict[str, Any]:
    """A first text for the candidate, for the coordinator to rewrite: the title of the most
    central member (the most like the others), every member's content, the most common field,
    and every ministry named."""
    feats = [features(comparison_text(p.title, p.content)) for p in proposals]

    def centrality(index: int) -> float:
        return sum(similarity(feats[index], f) for j, f in enumerate(feats) if j != index)

    order = sorted(range(len(proposals)), key=lambda i: (-centrality(i), proposals[i].pk))
    central = proposals[order[0]]
    contents = list(dict.fromkeys(proposals[i].content.strip() for i in order))
    fields = Counter(p.field_id for p in proposals)
    top = max(fields.values())
    field_id = central.field_id if fields[central.field_id] == top else fields.most_common(1)[0][0]
    chosen_field = next(p.field for p in proposals if p.field_id == field_id)
    ministries: dict[str, None] = {}
    for p in proposals:
        for name in p.ministries.replace("，", "、").replace(",", "、").split("、"):
            if name.strip():
                ministries[name.strip()] = None
    return {
        "title": central.title,
        "content": "\n\n".join(c for c in contents if c),
        "field": chosen_field,
        "needs_national_authority": any(p.needs_national_authority for p in proposals),
        "ministries": "、".join(ministries)[:300],
    }


def first_no_longer_mergeable(cycle: Cycle, ids: list[int]) -> Proposal | None:
    """Of the proposals chosen for a merge, the first that was merged or returned meanwhile."""
    chosen = Proposal.objects.filter(cycle=cycle, pk__in=ids)
    gone = chosen.exclude(state__in=[Proposal.State.SUBMITTED, Proposal.State.DRAFT])
    return gone.order_by("pk").first()


def grouped_count(cycle: Cycle) -> int:
    """Submitted proposals of the cycle that an open suggested group holds."""
    return (
        Proposal.objects.filter(
            cycle=cycle, state=Proposal.State.SUBMITTED, suggested_groups__in=open_group_ids(cycle)
        )
        .distinct()
        .count()
    )


# Candidates ----------------------------------------------------------------------------------


def candidates_visible_to(user: Actor) -> QuerySet[CandidateMeasure]:
    return rules.CANDIDATES.queryset(user).select_related("cycle", "field")


def candidate_get_for_user(user: Actor, pk: int) -> CandidateMeasure:
    """The candidate, or 404 when the user may not know it exists."""
    try:
        return candidates_visible_to(user).get(pk=pk)
    except CandidateMeasure.DoesNotExist:
        raise Http404 from None


def _source_count() -> Coalesce:
    counted = (
        Proposal.objects.filter(merged_into=OuterRef("pk"))
        .order_by()
        .values("merged_into")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def candidate_list(user: Actor, params: dict[str, str]) -> QuerySet[CandidateMeasure]:
    qs = candidates_visible_to(user).annotate(source_count=_source_count())
    if params.get("cycle"):
        qs = qs.filter(cycle_id=int(params["cycle"]))
    if params.get("field"):
        qs = qs.filter(field_id=int(params["field"]))
    if params.get("locality"):
        sources = Proposal.objects.filter(locality_id=int(params["locality"]))
        qs = qs.filter(pk__in=sources.values("merged_into"))
    if params.get("kind") == "merged":
        qs = qs.filter(source_count__gte=2)
    elif params.get("kind") == "single":
        qs = qs.filter(source_count=1)
    if params.get("national") in ("yes", "no"):
        qs = qs.filter(needs_national_authority=params["national"] == "yes")
    query = params.get("q", "").strip()
    if query:
        sources = proposal_search(Proposal.objects.filter(merged_into__isnull=False), query)
        qs = qs.filter(
            Q(title__icontains=query)
            | Q(content__icontains=query)
            | Q(pk__in=sources.values("merged_into"))
        )
    sources_shown = Proposal.objects.select_related("locality").order_by("locality__code", "pk")
    return qs.prefetch_related(Prefetch("sources", queryset=sources_shown)).order_by(
        CANDIDATE_SORTS.get(params.get("sort", ""), "-created_at"), "-id"
    )


@dataclass
class CandidateSources:
    """The sources of a candidate as one user may see them."""

    shown: list[Proposal]
    others: int  # sources from other localities, counted but not shown


def candidate_sources_for(user: Actor, candidate: CandidateMeasure) -> CandidateSources:
    sources = candidate.sources.select_related("locality", "field").order_by("locality__code", "pk")
    if roles.is_national(user):
        return CandidateSources(shown=list(sources), others=0)
    locality = roles.province_of(user)
    shown = [p for p in sources if locality is not None and p.locality_id == locality.pk]
    return CandidateSources(shown=shown, others=len(sources) - len(shown) if shown else 0)


@dataclass
class Fate:
    """What a merged proposal became, as its locality sees it."""

    candidate: CandidateMeasure
    others: int  # proposals of other localities merged into the same candidate
    can_open: bool


def proposal_fate(user: Actor, proposal: Proposal) -> Fate | None:
    if proposal.merged_into_id is None:
        return None
    candidate = proposal.merged_into
    assert candidate is not None
    others = candidate.sources.exclude(locality_id=proposal.locality_id).count()
    return Fate(candidate, others, rules.can_view_candidate(user, candidate))


# The drafting warning ------------------------------------------------------------------------


@dataclass
class Match:
    obj: Any
    score: float


@dataclass
class DraftingWarning:
    own: list[Match] = field(default_factory=list)
    list_items: list[Match] = field(default_factory=list)
    others: int = 0
    compared: int = 0

    @property
    def any(self) -> bool:
        return bool(self.own or self.list_items or self.others)


def _matches(rows: list[tuple[Any, float]]) -> list[Match]:
    """The rows whose score makes the warning speak (`merging.warning`), best first."""
    found = [Match(obj, round(score, 2)) for obj, score in rows if warning.warns(score)]
    found.sort(key=lambda m: -m.score)
    return found


def drafting_warning(
    user: Actor, *, title: str, content: str, cycle: Cycle | None, exclude: int | None = None
) -> DraftingWarning:
    """Proposals and list items that look like what a locality is drafting.

    Its own proposals (any state, any cycle) and published list items are shown; other
    localities' proposals submitted in this cycle are only counted, never shown.
    """
    locality = roles.province_of(user)
    text = warning_text(title.strip(), content.strip())
    if locality is None or not text.strip():
        return DraftingWarning()
    draft = features(text)
    own_qs = Proposal.objects.filter(locality=locality)
    if exclude is not None:
        own_qs = own_qs.exclude(pk=exclude)
    own = [
        (p, warning_text(p.title, p.content))
        for p in own_qs.select_related("cycle").order_by("-updated_at", "-pk")[:OWN_LIMIT]
    ]
    items = [(m, warning_text(m.title, m.content)) for m in known_measures()]
    others: list[tuple[Any, str]] = []
    if cycle is not None:
        rows = (
            Proposal.objects.filter(
                cycle=cycle, state__in=[Proposal.State.SUBMITTED, Proposal.State.MERGED]
            )
            .exclude(locality=locality)
            .order_by("-submitted_at", "-pk")
            .values_list("pk", "title", "content")[:OTHERS_LIMIT]
        )
        others = [(pk, warning_text(t, c)) for pk, t, c in rows]
    # Every text is scored once, against the boilerplate of all the texts compared.
    compared = [*own, *items, *others]
    scored = list(
        zip(
            [obj for obj, _text in compared],
            warning.scores(draft, [features(text) for _obj, text in compared]),
            strict=True,
        )
    )
    mine, listed = len(own), len(own) + len(items)
    return DraftingWarning(
        own=_matches(scored[:mine])[:SHOWN],
        list_items=_matches(scored[mine:listed])[:SHOWN],
        others=len(_matches(scored[listed:])),
        compared=len(own) + len(items) + len(others),
    )
