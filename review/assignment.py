"""Assigning reviewers to candidate measures: one min-cost flow over the whole cycle.

Plain functions over plain data (ids, sets, costs), with no Django import, so the solver is
tested on hand-made instances. `review.services.assignments` feeds it from the database.

The network, for a cycle:

    source ─▶ candidate slot k ─▶ candidate ─▶ expert ─▶ expert slot j ─▶ sink

* source → candidate: the reviewers the candidate still needs (N minus those it has), one unit
  per slot. Slot k costs k × SHARE_STEP: while reviewers are short, every candidate gets its
  first reviewer before any gets its second. When all can be served the slot costs are the
  same for every solution and change nothing.
* candidate → expert: capacity 1, cost lower for a field match and for matching tags. The edge
  is absent when the expert is unavailable, already reviews the candidate, or has a conflict of
  interest: the expert sits in the province of a source proposal's locality, or belongs to an
  organisation whose suggestion lies behind a source proposal.
* expert → sink: the load cap less the reviews already held, one unit per slot. Slot j costs
  j × LOAD_STEP, which spreads the work over the pool; LOAD_STEP is small against the match
  costs, so a better match always wins over an even load.

`networkx.max_flow_min_cost` returns the largest number of assignments and, among those, the
cheapest. What it cannot place is reported per candidate with the reason.

Network simplex in pure Python slows down with the number of candidate → expert edges (300
candidates × 500 experts take 20 s), so the solver first offers each candidate only its
`shortlist_size` cheapest eligible experts, equally good ones spread over the pool. Only if that
leaves someone short does it solve the full network, so a reported shortfall is always real.
"""

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

COST_BASE = 100
FIELD_MATCH_BONUS = 60
TAG_MATCH_BONUS = 20
MAX_TAG_BONUSES = 2
LOAD_STEP = 1
SHARE_STEP = 10_000

TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")

CONFLICT_DIVISION = "division"
CONFLICT_ORGANISATION = "organisation"


@dataclass(frozen=True)
class CandidateSpec:
    """What the solver needs to know of a candidate measure."""

    id: int
    needed: int  # reviewers still to find
    field: int | None = None
    text: str = ""  # title and content, where tags are looked for
    provinces: frozenset[int] = frozenset()  # provinces of the source proposals' localities
    organisations: frozenset[int] = frozenset()  # organisations of the suggestions behind them
    assigned: frozenset[int] = frozenset()  # experts who already review it


@dataclass(frozen=True)
class ExpertSpec:
    """What the solver needs to know of an expert."""

    id: int
    capacity: int  # reviews they may still take this cycle
    fields: frozenset[int] = frozenset()
    tags: tuple[str, ...] = ()
    province: int | None = None
    organisation: int | None = None
    available: bool = True


@dataclass(frozen=True)
class Shortfall:
    """A candidate that got fewer reviewers than it needed, and why."""

    candidate: int
    needed: int
    got: int
    eligible: int  # experts without conflict, available, not yet on it, with room this cycle
    conflicted: int
    unavailable: int
    full: int  # eligible but already at their load cap before this solve

    @property
    def too_few_eligible(self) -> bool:
        """True when the pool itself is short; False when other candidates took the room."""
        return self.eligible < self.needed


@dataclass
class Solution:
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (candidate, expert)
    shortfalls: list[Shortfall] = field(default_factory=list)
    cost: int = 0

    @property
    def complete(self) -> bool:
        return not self.shortfalls

    def experts_for(self, candidate: int) -> list[int]:
        return [e for c, e in self.pairs if c == candidate]


def split_tags(text: str) -> tuple[str, ...]:
    """Tags as typed, separated by commas (either width), 、 or semicolons; lower-cased."""
    return tuple(t.strip().lower() for t in TAG_SEPARATORS.split(text) if t.strip())


def conflict(candidate: CandidateSpec, expert: ExpertSpec) -> str | None:
    """Why the expert may not review the candidate, or None."""
    if expert.province is not None and expert.province in candidate.provinces:
        return CONFLICT_DIVISION
    if expert.organisation is not None and expert.organisation in candidate.organisations:
        return CONFLICT_ORGANISATION
    return None


def matched_tags(candidate: CandidateSpec, expert: ExpertSpec) -> list[str]:
    text = candidate.text.lower()
    return [tag for tag in expert.tags if tag in text]


def edge_cost(candidate: CandidateSpec, expert: ExpertSpec) -> int:
    """Lower is better: a field match counts most, then up to two matching tags."""
    cost = COST_BASE
    if candidate.field is not None and candidate.field in expert.fields:
        cost -= FIELD_MATCH_BONUS
    hits = min(len(matched_tags(candidate, expert)), MAX_TAG_BONUSES)
    return cost - hits * TAG_MATCH_BONUS


def eligible(candidate: CandidateSpec, expert: ExpertSpec) -> bool:
    return (
        expert.available
        and expert.id not in candidate.assigned
        and conflict(candidate, expert) is None
    )


def shortlist_size(needed: int) -> int:
    return 4 * needed + 4


def _shortlists(
    candidates: Sequence[CandidateSpec], experts: Sequence[ExpertSpec], limit: bool
) -> dict[int, list[ExpertSpec]]:
    """The experts each candidate is offered: every eligible one, or the cheapest few.

    Ties in cost are broken by a rotation that starts each candidate at a different place in
    the pool, so that the shortlists of equally matched candidates do not all hold the same
    experts.
    """
    offered: dict[int, list[ExpertSpec]] = {}
    size = len(experts) or 1
    for position, c in enumerate(candidates):
        pool = [(i, e) for i, e in enumerate(experts) if e.capacity > 0 and eligible(c, e)]
        if limit:
            shift = position * shortlist_size(c.needed)
            pool.sort(key=lambda item: (edge_cost(c, item[1]), (item[0] - shift) % size))
            pool = pool[: shortlist_size(c.needed)]
        offered[c.id] = [e for _i, e in sorted(pool, key=lambda item: item[0])]
    return offered


def _graph(
    candidates: Sequence[CandidateSpec],
    experts: Sequence[ExpertSpec],
    offered: dict[int, list[ExpertSpec]],
) -> nx.DiGraph:
    graph = nx.DiGraph()
    # A zero-capacity edge keeps the network connected when no candidate can reach an expert.
    graph.add_edge("source", "sink", capacity=0, weight=0)
    for c in candidates:
        for k in range(c.needed):
            graph.add_edge("source", ("cs", c.id, k), capacity=1, weight=k * SHARE_STEP)
            graph.add_edge(("cs", c.id, k), ("c", c.id), capacity=1, weight=0)
        for e in offered[c.id]:
            graph.add_edge(("c", c.id), ("e", e.id), capacity=1, weight=edge_cost(c, e))
    for e in experts:
        for j in range(e.capacity):
            graph.add_edge(("e", e.id), ("es", e.id, j), capacity=1, weight=j * LOAD_STEP)
            graph.add_edge(("es", e.id, j), "sink", capacity=1, weight=0)
    return graph


def _shortfall(c: CandidateSpec, experts: Sequence[ExpertSpec], got: int) -> Shortfall:
    conflicted = unavailable = full = count = 0
    for e in experts:
        if e.id in c.assigned:
            continue
        if conflict(c, e) is not None:
            conflicted += 1
        elif not e.available:
            unavailable += 1
        elif e.capacity <= 0:
            full += 1
        else:
            count += 1
    return Shortfall(c.id, c.needed, got, count, conflicted, unavailable, full)


def _solve(
    candidates: Sequence[CandidateSpec], experts: Sequence[ExpertSpec], limit: bool
) -> Solution:
    graph = _graph(candidates, experts, _shortlists(candidates, experts, limit))
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    solution = Solution()
    for c in candidates:
        chosen = sorted(e[1] for e, units in flow.get(("c", c.id), {}).items() if units)
        solution.pairs += [(c.id, e) for e in chosen]
        solution.cost += sum(graph.edges[("c", c.id), ("e", e)]["weight"] for e in chosen)
        if len(chosen) < c.needed:
            solution.shortfalls.append(_shortfall(c, experts, len(chosen)))
    return solution


def solve(candidates: Iterable[CandidateSpec], experts: Iterable[ExpertSpec]) -> Solution:
    """Assign up to `needed` new reviewers to every candidate, as well as the pool allows."""
    cands = sorted((c for c in candidates if c.needed > 0), key=lambda c: c.id)
    pool = sorted(experts, key=lambda e: e.id)
    if not cands:
        return Solution()
    solution = _solve(cands, pool, limit=True)
    if solution.shortfalls:
        solution = _solve(cands, pool, limit=False)
    return solution


def fingerprint(reviewers: int, pairs: Iterable[tuple[int, int]]) -> str:
    """A short digest of a plan, so that what is saved is exactly what was previewed."""
    text = f"{reviewers}:" + ";".join(f"{c}-{e}" for c, e in sorted(pairs))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
