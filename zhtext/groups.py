"""Cohesive groups of similar texts: average-link agglomeration with a size cap.

Connected components of the similar pairs chain (A~B, B~C, C~D puts A and D together
though they share nothing); at 10,000 proposals one component held thousands. Here two
groups join only while their *average link* is at least `link`: the mean similarity over
every pair across them, a pair not found similar counting 0. So a group joins another only
if most of their cross pairs are similar pairs, and the chain above stays apart.

The cap (`cap`, MAX_GROUP by default) keeps every group one a person can read through: a
cohesive cluster larger than the cap is cut into as few groups as the cap allows, of even
size (average link again, never joining past that size), each told how large the cluster
was (`Group.cut_from`), so the page can say that its similar proposals continue in other
groups. MAX_GROUP is a rule of the
platform (平台规则), not of 484号.
"""

import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from zhtext.pairs import Pair
from zhtext.similarity import THRESHOLD

K = TypeVar("K", bound=Hashable)
MAX_GROUP = 12
# Two groups join only if, on average across them, their members are as alike as a similar
# pair (a dissimilar pair counting 0). bench/similarity.py, 10,000 proposals, no cap: 0.5
# gives purity 0.64 and the largest cluster 42 (the largest labelled cluster is 42); 0.4
# and 0.3 give less pure groups of up to 45 and 52, for little more recall.
LINK = THRESHOLD


@dataclass(frozen=True)
class Group(Generic[K]):
    members: list[K]
    cut_from: int = 0  # size of the cohesive cluster the cap cut this group from; 0 if not cut

    @property
    def cut(self) -> bool:
        return self.cut_from > len(self.members)


def _agglomerate(
    keys: list[K], edges: dict[tuple[int, int], float], link: float, cap: int | None
) -> list[list[int]]:
    """Average-link clusters over positions 0..len(keys)-1; `edges` keyed (i, j), i < j."""
    size = [1] * len(keys)
    members: list[list[int]] = [[i] for i in range(len(keys))]
    sums: list[dict[int, float]] = [defaultdict(float) for _ in keys]
    for (i, j), s in edges.items():
        sums[i][j] += s
        sums[j][i] += s
    version = [0] * len(keys)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(i: int, j: int) -> None:
        mean = sums[i][j] / (size[i] * size[j])
        if mean >= link and (cap is None or size[i] + size[j] <= cap):
            lo, hi = min(i, j), max(i, j)
            heapq.heappush(heap, (-mean, lo, hi, version[lo], version[hi]))

    for i, j in edges:
        push(i, j)
    while heap:
        _mean, i, j, vi, vj = heapq.heappop(heap)
        if version[i] != vi or version[j] != vj or not members[i] or not members[j]:
            continue  # stale: one side changed since
        # Join j into i.
        members[i].extend(members[j])
        members[j] = []
        size[i] += size[j]
        version[i] += 1
        for x, s in sums[j].items():
            if x != i:
                sums[x].pop(j, None)
                sums[i][x] += s
                sums[x][i] = sums[i][x]
        sums[i].pop(j, None)
        sums[j] = {}
        for x in sums[i]:
            push(i, x)
    return [m for m in members if len(m) > 1]


def cohesive_groups(
    keys: Iterable[K],
    pairs: Iterable[Pair[K]],
    *,
    link: float = LINK,
    cap: int = MAX_GROUP,
) -> list[Group[K]]:
    """Groups of two to `cap` keys whose members are alike on average, largest first."""
    keys = list(keys)
    position = {key: i for i, key in enumerate(keys)}
    edges: dict[tuple[int, int], float] = {}
    for pair in pairs:
        i, j = sorted((position[pair.a], position[pair.b]))
        edges[i, j] = max(edges.get((i, j), 0.0), pair.score)
    near: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), s in edges.items():
        near[i][j] = s
    groups: list[Group[int]] = []
    for cluster in _agglomerate(keys, edges, link, None):
        if len(cluster) <= cap:
            groups.append(Group(sorted(cluster), 0))
        else:
            groups.extend(_cut(cluster, near, link, cap))
    found = [Group([keys[i] for i in g.members], g.cut_from) for g in groups]
    found.sort(key=lambda g: (-len(g.members), position[g.members[0]]))
    return found


def _cut(
    cluster: list[int], near: dict[int, dict[int, float]], link: float, cap: int
) -> list[Group[int]]:
    """A cluster over the cap, cut into as few groups as the cap allows, of even size
    (average link within it, never past the even size); a member left alone joins the
    piece with room it is most alike, or starts one. Nobody of the cluster is left out."""
    inside = sorted(cluster)
    local = {k: i for i, k in enumerate(inside)}
    sub = {(local[i], local[j]): s for i in inside for j, s in near[i].items() if j in local}
    even = -(-len(inside) // -(-len(inside) // cap))  # ceil(size / ceil(size / cap))
    pieces = _agglomerate(inside, sub, link, even)
    placed = {i for piece in pieces for i in piece}
    for alone in (i for i in range(len(inside)) if i not in placed):
        room = [piece for piece in pieces if len(piece) < cap]
        if not room:
            pieces.append([alone])
            continue
        best = max(
            room,
            key=lambda piece: (
                sum(sub.get((min(alone, m), max(alone, m)), 0.0) for m in piece) / len(piece)
            ),
        )
        best.append(alone)
    return [Group(sorted(inside[i] for i in piece), len(cluster)) for piece in pieces]
