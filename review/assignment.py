"""Assigning reviewers to candidate measures (专家论证): one min-cost flow over the whole cycle.

Plain functions over plain data (ids, sets, costs), with no Django import, so the solver is
tested on hand-made instances. `review.services.assignments` feeds it from the database.

The network, for a cycle:

    source ─▶ candidate ─▶ expert ─▶ sink

* source → candidate: the reviewers the candidate still needs (N minus those it has), as
  parallel arcs of one unit each. The k-th costs k × SHARE_STEP: while reviewers are short,
  every candidate gets its first reviewer before any gets its second. When all can be served
  these costs are the same for every solution and change nothing.
* candidate → expert: capacity 1, cost lower for a field match and for matching tags. The arc
  is absent when the expert is unavailable, already reviews the candidate, or has a conflict
  of interest: the expert sits in the province of a source proposal's locality, or belongs to
  an organisation whose suggestion lies behind a source proposal.
* expert → sink: the load cap less the reviews already held, as parallel arcs of one unit. The
  j-th costs j × LOAD_STEP, which spreads the work over the pool; LOAD_STEP is small against
  the match costs, so a better match always wins over an even load.

OR-Tools' compiled min-cost flow (`SimpleMinCostFlow.solve_max_flow_with_min_cost`) returns
the largest number of assignments and, among those, the cheapest. What it cannot place is
reported per candidate with the reason.

Candidate → expert arcs are never built for every pair. Each candidate is first offered its
`shortlist_size` cheapest eligible experts, read off indexes (experts by field, a tag index,
the open pool in a rotating order so that equally good experts are spread over the pool).
Only candidates left short are then offered more, round after round: twice as many of their
cheapest, and the experts who still have room. The network only grows, so a widened solve
never places fewer reviewers than the shortlist did.
"""

import hashlib
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

COST_BASE = 100
FIELD_MATCH_BONUS = 60
TAG_MATCH_BONUS = 20
MAX_TAG_BONUSES = 2
LOAD_STEP = 1
SHARE_STEP = 10_000
# Rounds of widening for candidates left short: a bound on the solver's work, since each
# round doubles what a short candidate is offered (ten take a shortlist of 16 past 16,000).
MAX_WIDENING_ROUNDS = 10

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
    demand: int = 0  # reviewers needed over the cycle
    capacity: int = 0  # reviews the available pool may still take
    rounds: int = 0  # solves run: 1 when the shortlists served everyone they could
    arcs: int = 0  # candidate → expert arcs in the last solve

    @property
    def complete(self) -> bool:
        return not self.shortfalls

    @property
    def pool_too_small(self) -> bool:
        """The pool's remaining load caps cannot cover what the cycle needs."""
        return self.capacity < self.demand

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


# The pool's indexes -----------------------------------------------------------------------


class _Pool:
    """The experts (sorted by id, referred to by position) and indexes over them.

    `open` holds the positions of available experts with room left: the only ones a candidate
    is offered. Field, tag, province and organisation indexes spare the solver a comparison of
    every candidate with every expert.
    """

    def __init__(self, experts: Sequence[ExpertSpec]) -> None:
        self.experts = list(experts)
        self.size = len(self.experts) or 1
        self.open = [i for i, e in enumerate(self.experts) if e.available and e.capacity > 0]
        self.by_field: dict[int, list[int]] = defaultdict(list)
        self.tag_experts: dict[str, list[int]] = defaultdict(list)
        for i in self.open:
            e = self.experts[i]
            for f in e.fields:
                self.by_field[f].append(i)
            for tag in e.tags:
                self.tag_experts[tag].append(i)
        self.field_sets = {f: set(members) for f, members in self.by_field.items()}
        # Tags keyed by their first two characters (one, for a one-character tag), so that a
        # candidate's text is scanned once rather than searched for every tag.
        self.tags_by_head: dict[str, list[str]] = defaultdict(list)
        for tag in self.tag_experts:
            self.tags_by_head[tag[:2]].append(tag)
        self.short_heads = {h for h in self.tags_by_head if len(h) == 1}
        # Every expert, open or not, for counting conflicts when a shortfall is explained.
        self.by_province: dict[int, set[int]] = defaultdict(set)
        self.by_organisation: dict[int, set[int]] = defaultdict(set)
        for i, e in enumerate(self.experts):
            if e.province is not None:
                self.by_province[e.province].add(i)
            if e.organisation is not None:
                self.by_organisation[e.organisation].add(i)
        self.position = {e.id: i for i, e in enumerate(self.experts)}
        self.unavailable = {i for i, e in enumerate(self.experts) if not e.available}
        self.full = {i for i, e in enumerate(self.experts) if e.available and e.capacity <= 0}

    def tag_hits(self, c: CandidateSpec) -> dict[int, int]:
        """Open experts with tags found in the candidate's text: position → bonuses (≤ 2)."""
        if not self.tags_by_head:
            return {}
        text = c.text.lower()
        heads = {text[k : k + 2] for k in range(len(text) - 1)}
        if self.short_heads:
            heads |= set(text) & self.short_heads
        hits: dict[int, int] = defaultdict(int)
        for head in heads:
            for tag in self.tags_by_head.get(head, ()):
                if tag in text:
                    for i in self.tag_experts[tag]:
                        hits[i] += 1
        return {i: min(n, MAX_TAG_BONUSES) for i, n in hits.items()}

    def cost(self, c: CandidateSpec, i: int, hits: dict[int, int]) -> int:
        fielded = c.field is not None and i in self.field_sets.get(c.field, ())
        return COST_BASE - FIELD_MATCH_BONUS * fielded - TAG_MATCH_BONUS * hits.get(i, 0)

    def eligible(self, c: CandidateSpec, i: int) -> bool:
        """For an open expert: neither on the candidate already nor in conflict with it."""
        e = self.experts[i]
        return (
            e.id not in c.assigned
            and (e.province is None or e.province not in c.provinces)
            and (e.organisation is None or e.organisation not in c.organisations)
        )

    def tagged(self, c: CandidateSpec, shift: int, hits: dict[int, int]) -> list[int]:
        """The tagged experts in order of cost, ties broken by the rotation from `shift`."""
        fielded = self.field_sets.get(c.field, set()) if c.field is not None else set()
        keyed = sorted(
            (
                COST_BASE - FIELD_MATCH_BONUS * (i in fielded) - TAG_MATCH_BONUS * bonus,
                (i - shift) % self.size,
                i,
            )
            for i, bonus in hits.items()
        )
        return [i for _cost, _turn, i in keyed]

    def ranked(
        self,
        c: CandidateSpec,
        shift: int,
        hits: dict[int, int],
        tagged: list[int],
        among: list[int] | None = None,
    ) -> Iterator[int]:
        """Open experts in order of cost, ties broken by a rotation that starts at `shift`.

        Costs come in tiers: field and tags, field alone, tags alone, neither. Only the tagged
        experts are sorted (`tagged`, once per candidate); the others are read off the sorted
        field index and the pool in rotation, lazily, so that a shortlist of 16 looks at
        little more than 16 experts. `among` (sorted positions) restricts the order to those.
        """
        allowed = None if among is None else set(among)
        fielded = self.field_sets.get(c.field, set()) if c.field is not None else set()
        start = shift % self.size
        yield from (i for i in tagged if i in fielded and (allowed is None or i in allowed))
        if among is None:
            field_list = self.by_field.get(c.field, []) if c.field is not None else []
            yield from (i for i in _rotate(field_list, start) if i not in hits)
        else:
            yield from (i for i in _rotate(among, start) if i in fielded and i not in hits)
        yield from (i for i in tagged if i not in fielded and (allowed is None or i in allowed))
        for i in _rotate(self.open if among is None else among, start):
            if i not in fielded and i not in hits:
                yield i

    def blocked(self, c: CandidateSpec) -> set[int]:
        """The experts in conflict with the candidate or already on it, from the indexes."""
        found: set[int] = set().union(
            *(self.by_province.get(p, ()) for p in c.provinces),
            *(self.by_organisation.get(o, ()) for o in c.organisations),
        )
        found.update(self.position[e] for e in c.assigned if e in self.position)
        return found

    def shortfall(self, c: CandidateSpec, got: int) -> Shortfall:
        """The reasons a candidate is short, counted from the indexes."""
        mine = {self.position[e] for e in c.assigned if e in self.position}
        conflicted: set[int] = set()
        for p in c.provinces:
            conflicted |= self.by_province.get(p, set())
        for o in c.organisations:
            conflicted |= self.by_organisation.get(o, set())
        conflicted -= mine
        # The experts out of the open pool are few: counted by set, not by a scan of the pool.
        unavailable = len(self.unavailable - mine - conflicted)
        full = len(self.full - mine - conflicted)
        eligible = len(self.experts) - len(mine) - len(conflicted) - unavailable - full
        return Shortfall(c.id, c.needed, got, eligible, len(conflicted), unavailable, full)


def _rotate(items: list[int], start_value: int) -> Iterator[int]:
    """A sorted list read from the first item ≥ start_value, wrapping round."""
    start = bisect_left(items, start_value)
    for k in range(start, len(items)):
        yield items[k]
    for k in range(start):
        yield items[k]


# The flow ---------------------------------------------------------------------------------


def _flow(
    candidates: Sequence[CandidateSpec],
    pool: _Pool,
    offered: list[list[int]],
    costs: list[list[int]],
) -> tuple[list[list[int]], list[int]]:
    """Solve once: the experts each candidate gets (positions), and each expert's load."""
    n_c = len(candidates)
    source, sink = 0, 1
    first_expert = 2 + n_c
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    unit: list[int] = []
    for k, c in enumerate(candidates):
        for slot in range(c.needed):
            tails.append(source)
            heads.append(2 + k)
            unit.append(slot * SHARE_STEP)
    for i in pool.open:
        for slot in range(pool.experts[i].capacity):
            tails.append(first_expert + i)
            heads.append(sink)
            unit.append(slot * LOAD_STEP)
    caps = [1] * len(tails)
    pair_start = len(tails)
    owners: list[int] = []
    targets: list[int] = []
    for k, (chosen, prices) in enumerate(zip(offered, costs, strict=True)):
        owners += [k] * len(chosen)
        targets += chosen
        unit += prices
    smcf = min_cost_flow.SimpleMinCostFlow()
    # A zero-capacity arc keeps the source and sink in the graph when nothing can be placed.
    smcf.add_arc_with_capacity_and_unit_cost(source, sink, 0, 0)
    all_tails = np.array(tails + [2 + k for k in owners], dtype=np.int32)
    all_heads = np.array(heads + [first_expert + i for i in targets], dtype=np.int32)
    all_caps = np.array(caps + [1] * len(owners), dtype=np.int64)
    smcf.add_arcs_with_capacity_and_unit_cost(
        all_tails, all_heads, all_caps, np.array(unit, dtype=np.int64)
    )
    demand = sum(c.needed for c in candidates)
    smcf.set_node_supply(source, demand)
    smcf.set_node_supply(sink, -demand)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:  # pragma: no cover - capacities and costs are small integers
        raise RuntimeError(f"min-cost flow failed: {status}")
    # +1: the zero-capacity arc added first.
    used = smcf.flows(np.arange(pair_start + 1, pair_start + 1 + len(owners), dtype=np.int32))
    got: list[list[int]] = [[] for _ in candidates]
    load = [0] * len(pool.experts)
    for k, i, units in zip(owners, targets, used.tolist(), strict=True):
        if units:
            got[k].append(i)
            load[i] += 1
    return got, load


def solve(
    candidates: Iterable[CandidateSpec],
    experts: Iterable[ExpertSpec],
    on_round: Callable[[int], None] | None = None,
) -> Solution:
    """Assign up to `needed` new reviewers to every candidate, as well as the pool allows.

    `on_round(n)` is told before each solve (progress for a background job).
    """
    cands = sorted((c for c in candidates if c.needed > 0), key=lambda c: c.id)
    pool = _Pool(sorted(experts, key=lambda e: e.id))
    solution = Solution(
        demand=sum(c.needed for c in cands),
        capacity=sum(pool.experts[i].capacity for i in pool.open),
    )
    if not cands:
        return solution
    hits = [pool.tag_hits(c) for c in cands]
    shifts = [position * shortlist_size(c.needed) for position, c in enumerate(cands)]
    tagged = [pool.tagged(c, shifts[k], hits[k]) for k, c in enumerate(cands)]
    limits = [shortlist_size(c.needed) for c in cands]
    offered: list[list[int]] = [[] for _ in cands]
    costs: list[list[int]] = [[] for _ in cands]
    seen: list[set[int]] = [set() for _ in cands]
    # Candidates already offered every expert they may have: never looked at again.
    exhausted = [False] * len(cands)
    open_set = set(pool.open)

    def offer(k: int, limit: int, among: list[int] | None = None, whole: bool = True) -> bool:
        """Add up to `limit` of candidate k's cheapest eligible experts not yet offered;
        `whole`: `among` (if given) holds every expert the candidate may have."""
        c, added, taken = cands[k], False, 0
        for i in pool.ranked(c, shifts[k], hits[k], tagged[k], among):
            if taken >= limit:
                break
            if not pool.eligible(c, i):
                continue
            taken += 1
            if i not in seen[k]:
                seen[k].add(i)
                offered[k].append(i)
                costs[k].append(pool.cost(c, i, hits[k]))
                added = True
        else:
            exhausted[k] = exhausted[k] or whole
        return added

    for k in range(len(cands)):
        offer(k, limits[k])
    got: list[list[int]] = []
    placed = -1
    for round_ in range(MAX_WIDENING_ROUNDS + 1):
        if on_round is not None:
            on_round(round_)
        got, load = _flow(cands, pool, offered, costs)
        solution.rounds = round_ + 1
        short = [k for k, c in enumerate(cands) if len(got[k]) < c.needed and not exhausted[k]]
        if not short or round_ == MAX_WIDENING_ROUNDS or sum(map(len, got)) == placed:
            # A widening that placed nobody more: every expert with room is already offered
            # to the short candidates who may have them, and wider lists only add experts
            # whose places are taken.
            break
        placed = sum(map(len, got))
        # Experts with room left: a short candidate eligible for one of them can gain at once.
        spare = {i for i in pool.open if load[i] < pool.experts[i].capacity}
        if not spare:
            break  # every place in the pool is taken: no wider network places more
        grew = False
        for k in short:
            limits[k] *= 2
            blocked = pool.blocked(cands[k])
            # Where conflicts rule out most of the pool, the few left are listed at once
            # rather than found by walking past the others.
            mostly_blocked = len(blocked) * 2 > len(pool.open)
            among = sorted(open_set - blocked) if mostly_blocked else None
            grew |= offer(k, limits[k], among)
            grew |= offer(k, limits[k], sorted(spare - blocked), whole=False)
        if not grew:
            break  # the short candidates are offered every expert they may have
    solution.arcs = sum(len(o) for o in offered)
    for k, c in enumerate(cands):
        chosen = sorted(pool.experts[i].id for i in got[k])
        solution.pairs += [(c.id, e) for e in chosen]
        solution.cost += sum(pool.cost(c, i, hits[k]) for i in got[k])
        if len(chosen) < c.needed:
            solution.shortfalls.append(pool.shortfall(c, len(chosen)))
    return solution


def fingerprint(reviewers: int, pairs: Iterable[tuple[int, int]]) -> str:
    """A short digest of a plan, so that what is saved is exactly what was previewed."""
    text = f"{reviewers}:" + ";".join(f"{c}-{e}" for c, e in sorted(pairs))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
