"""Verified edges -> canonical-centred clusters, without chaining.

Plain connected components chain: A~B and B~C merge A and C even when they share nothing, and one generic
page can glue thousands of stories into a mega-cluster. Here every cluster is a star around its canonical doc
and a doc joins only through *its own* verified edge to that canonical doc:

1. Docs are visited in canonical-priority order (``rank``: lower is more canonical, see ``canonical.py``).
2. A visited, unassigned doc first tries to join an existing cluster whose centre it is linked to through a
   neighbour; the edge to that centre is verified exactly on demand if candidate generation did not produce it.
3. Otherwise it founds a cluster, after climbing to any unassigned doc it is an excerpt of (an excerpt never
   becomes the centre while its full copy is free), and the centre claims its unassigned direct neighbours that
   are near copies of it or contained in it.

The result depends only on the edges and the ranks, so it is the same for any batch size or worker count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .verify import A_IN_B, B_IN_A, EXACT, NEAR, EdgeTable

#: Verifies (i, j) pairs exactly and returns all of them, unrelated ones included.
PairVerifier = Callable[[np.ndarray], EdgeTable]


@dataclass(frozen=True, slots=True)
class Assignment:
    """``centre[i]``: index of doc i's canonical doc (i itself for a centre), -1 when it belongs to no cluster.
    ``link[i]``: row in ``edges`` joining doc i to its centre, -1 for centres and unclustered docs.
    ``edges`` holds the input edges followed by those verified on demand."""

    centre: np.ndarray
    link: np.ndarray
    edges: EdgeTable


def _concat(tables: list[EdgeTable]) -> EdgeTable:
    return EdgeTable(*(np.concatenate([getattr(t, f) for t in tables]) for f in EdgeTable.__slots__))


class _Graph:
    """Adjacency over verified edges plus a memo of on-demand verifications (local to one clustering run)."""

    def __init__(self, n: int, edges: EdgeTable, verify: PairVerifier) -> None:
        self.edges = edges
        self.extra: list[EdgeTable] = []
        self.verify = verify
        self.neighbours: list[list[int]] = [[] for _ in range(n)]
        self.row_of: dict[tuple[int, int], int] = {}
        for k, (a, b) in enumerate(zip(edges.a.tolist(), edges.b.tolist(), strict=True)):
            self.neighbours[a].append(b)
            self.neighbours[b].append(a)
            self.row_of[(min(a, b), max(a, b))] = k
        self.size = len(edges)

    def row(self, x: int, y: int) -> int:
        """Row of the (x, y) edge, verifying the pair now if it was never a candidate."""
        key = (min(x, y), max(x, y))
        found = self.row_of.get(key)
        if found is not None:
            return found
        table = self.verify(np.array([key], dtype=np.int64))
        self.extra.append(table)
        self.row_of[key] = self.size
        self.size += 1
        return self.size - 1

    def _column(self, name: str, k: int) -> float | int:
        base = len(self.edges)
        if k < base:
            return getattr(self.edges, name)[k].item()  # type: ignore[no-any-return]
        return getattr(self.extra[k - base], name)[0].item()  # type: ignore[no-any-return]

    def attaches(self, member: int, centre: int, k: int) -> bool:
        """True when ``member`` may hang off ``centre``: a near copy, or contained in it."""
        label = self._column("label", k)
        if label in (NEAR, EXACT):
            return True
        member_is_a = int(self._column("a", k)) == member
        return (label == A_IN_B and member_is_a) or (label == B_IN_A and not member_is_a)

    def contained_in(self, x: int, y: int, k: int) -> bool:
        label = self._column("label", k)
        x_is_a = int(self._column("a", k)) == x
        return (label == A_IN_B and x_is_a) or (label == B_IN_A and not x_is_a)

    def all_edges(self) -> EdgeTable:
        return _concat([self.edges, *self.extra]) if self.extra else self.edges


def cluster(n: int, edges: EdgeTable, rank: np.ndarray, verify: PairVerifier) -> Assignment:
    graph = _Graph(n, edges, verify)
    centre = np.full(n, -1, dtype=np.int64)
    link = np.full(n, -1, dtype=np.int64)
    rank_list = rank.tolist()
    is_centre = np.zeros(n, dtype=bool)
    by_rank = sorted((d for d in range(n) if graph.neighbours[d]), key=rank_list.__getitem__)

    def try_join(d: int) -> bool:
        centres = sorted({int(centre[m]) for m in graph.neighbours[d] if centre[m] >= 0}, key=rank_list.__getitem__)
        for c in centres:
            k = graph.row(d, c)
            if graph.attaches(d, c, k):
                centre[d], link[d] = c, k
                return True
        return False

    def climb(d: int) -> int:
        current = d
        while True:
            bigger = [
                m for m in graph.neighbours[current]
                if centre[m] < 0 and graph.contained_in(current, m, graph.row(current, m))
            ]
            if not bigger:
                return current
            current = min(bigger, key=rank_list.__getitem__)

    def found(c: int) -> None:
        centre[c] = c
        is_centre[c] = True
        for m in sorted(graph.neighbours[c], key=rank_list.__getitem__):
            if centre[m] < 0:
                k = graph.row(m, c)
                if graph.attaches(m, c, k):
                    centre[m], link[m] = c, k

    for d in by_rank:
        while centre[d] < 0:
            if try_join(d):
                break
            found(climb(d))

    # A centre that claimed nobody is not a cluster.
    has_members = np.zeros(n, dtype=bool)
    members = link >= 0
    has_members[centre[members]] = True
    lonely = is_centre & ~has_members
    centre[lonely] = -1
    return Assignment(centre=centre, link=link, edges=graph.all_edges())
