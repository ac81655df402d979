"""Verified edges -> star clusters without chaining, each with a canonical doc chosen by policy.

Plain connected components chain: A~B and B~C merge A and C even when they share nothing, and one generic
page can glue thousands of stories into a mega-cluster. Here every cluster is a star: one *hub* and the docs
attached to it by their *own* verified edge (a near copy of the hub, or contained in it). Any two members are
therefore within two verified edges through the hub, never further.

1. Hubs are chosen greedily for coverage: the unassigned doc with the most unassigned docs it can take goes
   first (ties: canonical policy rank). A doc contained in a still-unassigned doc waits, so an excerpt never
   becomes a hub while its full copy is free.
2. Before founding a cluster, a doc tries to join a cluster its neighbours are already in, through its own
   edge to that hub (verified exactly on demand when candidate generation did not produce the pair).
3. The canonical doc of each cluster is the best by policy (``rank``) among the hub and its near copies (never
   an excerpt). Every member's scores are then taken against the canonical doc, verified on demand.

Coverage-first hubs matter when copies are edited: two copies that each differ from the original by a few
percent may be too far apart to link directly, yet both link to the original, which the hub order finds.
The result depends only on the edges and the ranks, so it is the same for any batch size or worker count.
"""

from __future__ import annotations

import dataclasses
import heapq
from array import array
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .verify import A_IN_B, B_IN_A, EDITED, EXACT, NEAR, EdgeTable, concat_edges

#: Verifies (i, j) pairs exactly and returns all of them, unrelated ones included.
PairVerifier = Callable[[np.ndarray], EdgeTable]

#: Fills the passage columns of the given rows of an edge table (the verified edges are aligned lazily: see
#: ``passages.align_edges``), returning the new table.
PassageFiller = Callable[[EdgeTable, np.ndarray], EdgeTable]

#: Given a cluster's members and its full copies (never an excerpt; in rank order), the full copy the members
#: credit as the original ("This article originally appeared on X", and X's copy is a member), or None: that
#: one is canonical.
Credited = Callable[[list[int], list[int]], int | None]

#: Most pairs verified in one call: the shingle rows of a batch are read into memory together (about 13 KB per
#: pair of news-sized docs, so about 50 MB at this size).
VERIFY_BATCH = 4096


@dataclass(frozen=True, slots=True)
class Assignment:
    """Per doc (index-aligned):

    ``centre``: its cluster's canonical doc (itself for a canonical doc), -1 when in no cluster;
    ``hub``: the doc it was attached to (itself for a hub), -1 when in no cluster;
    ``link``: row in ``edges`` joining it to its canonical doc (-1 for canonical docs and unclustered docs);
    ``excerpt``: True when it joined as an excerpt (contained in its hub);
    ``multi_story``: True for a page that carries several stories (``split_stories``): docs that copy different
    parts of it were not joined through it.
    ``credited``: True for a canonical doc chosen because other members credit it as the original (``Credited``).
    ``through``: for a doc that joined through another member (``_join_through_members``), the row in ``edges``
    of its edge to that member; -1 for the others.
    ``edges`` holds the input edges followed by those verified on demand.
    """

    centre: np.ndarray
    hub: np.ndarray
    link: np.ndarray
    excerpt: np.ndarray
    edges: EdgeTable
    multi_story: np.ndarray | None = None
    credited: np.ndarray | None = None
    through: np.ndarray | None = None


def _int_array(values: np.ndarray) -> array[int]:
    """A numpy integer array as ``array.array('q')``: the same 8 bytes per element, but reading one element or a
    short slice from Python costs a fraction of what a numpy scalar or view does."""
    out = array("q")
    out.frombytes(np.ascontiguousarray(values, dtype=np.int64).tobytes())
    return out


class _Graph:
    """Adjacency over verified edges (CSR arrays, not per-doc Python lists, so a million docs stay cheap) plus a
    memo of on-demand verifications (local to one clustering run).

    The clustering loop reads a few neighbours of one doc at a time, so the CSR arrays are held as
    ``array.array``: compact like numpy, and cheap to index from Python.
    """

    def __init__(self, n: int, edges: EdgeTable, verify: PairVerifier, fill: PassageFiller | None = None,
                 anchored: np.ndarray | None = None) -> None:
        self.edges = edges
        is_anchored = np.zeros(n, dtype=bool) if anchored is None else anchored
        self.anchored = array("b")
        self.anchored.frombytes(is_anchored.astype(np.int8).tobytes())
        self.fill = fill
        self.extra: list[EdgeTable] = []
        self.verify = verify
        m = len(edges)
        src = np.concatenate([edges.a, edges.b]).astype(np.int64)
        order = np.argsort(src, kind="stable")
        self.dst = _int_array(np.concatenate([edges.b, edges.a]).astype(np.int64)[order])
        self.dst_row = _int_array(np.concatenate([np.arange(m), np.arange(m)]).astype(np.int64)[order])
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        self.indptr = _int_array(indptr)
        self.base_labels = _int_array(edges.label)
        self.base_a = _int_array(edges.a)
        self.extra_rows: dict[tuple[int, int], int] = {}
        self.extra_labels: list[int] = []
        self.extra_a: list[int] = []
        self.base_passages = _int_array(edges.passages)
        self.extra_passages: list[int] = []
        self.base_longest = _int_array(edges.longest)
        self.extra_longest: list[int] = []
        self.size = m
        # per adjacency entry: whether the neighbour may hang off this doc by that edge (``attaches``), which
        # the greedy loop asks of every neighbour of every doc it looks at
        rows = np.concatenate([np.arange(m), np.arange(m)]).astype(np.int64)[order]
        nbr = np.concatenate([edges.b, edges.a]).astype(np.int64)[order]
        label = edges.label[rows]
        nbr_is_a = edges.a[rows] == nbr
        attaches = (np.isin(label, (NEAR, EXACT, EDITED)) | ((label == A_IN_B) & nbr_is_a)
                    | ((label == B_IN_A) & ~nbr_is_a))
        # an anchored doc (an index's old canonical doc) also takes the docs that hold it whole, and hangs off
        # no other doc
        holds_src = ((label == A_IN_B) & ~nbr_is_a) | ((label == B_IN_A) & nbr_is_a)
        attaches = (attaches | (is_anchored[src[order]] & holds_src)) & ~is_anchored[nbr]
        self.nbr_attaches = array("b")
        self.nbr_attaches.frombytes(attaches.astype(np.int8).tobytes())

    def neighbours(self, d: int) -> list[int]:
        return self.dst[self.indptr[d] : self.indptr[d + 1]].tolist()

    def neighbour_rows(self, d: int) -> list[tuple[int, int]]:
        """(neighbour, edge row) pairs of ``d``."""
        lo, hi = self.indptr[d], self.indptr[d + 1]
        return list(zip(self.dst[lo:hi], self.dst_row[lo:hi], strict=True))

    def free_takers(self, d: int, hub: array[int]) -> list[int]:
        """Neighbours of ``d`` with no hub yet (``hub[m] < 0``) that could hang off ``d``."""
        lo, hi = self.indptr[d], self.indptr[d + 1]
        return [m for m, ok in zip(self.dst[lo:hi], self.nbr_attaches[lo:hi], strict=True) if ok and hub[m] < 0]

    def degree(self, d: int) -> int:
        return self.indptr[d + 1] - self.indptr[d]

    def _known(self, x: int, y: int) -> int | None:
        """Row of the (x, y) edge when it is a candidate edge or was verified already, else None."""
        lo, hi = self.indptr[x], self.indptr[x + 1]
        try:
            return self.dst_row[lo + self.dst[lo:hi].index(y)]
        except ValueError:
            pass
        return self.extra_rows.get((min(x, y), max(x, y)))

    def row(self, x: int, y: int) -> int:
        """Row of the (x, y) edge, verifying the pair now if it was never a candidate."""
        found = self._known(x, y)
        if found is not None:
            return found
        self.verify_now([(x, y)])
        return self.size - 1

    def verify_now(self, pairs: list[tuple[int, int]]) -> None:
        """Verify the pairs of ``pairs`` with no edge yet, each once, in order, in calls of up to
        ``VERIFY_BATCH`` pairs: the rows they get are the ones ``row`` would give them one at a time, with one
        read of the shingle table per call instead of per pair."""
        keys: list[tuple[int, int]] = []
        queued: set[tuple[int, int]] = set()
        for x, y in pairs:
            key = (min(x, y), max(x, y))
            if key not in queued and self._known(x, y) is None:
                queued.add(key)
                keys.append(key)
        for start in range(0, len(keys), VERIFY_BATCH):
            batch = keys[start : start + VERIFY_BATCH]
            table = self.verify(np.array(batch, dtype=np.int64))
            self.extra.append(table)
            self.extra_labels.extend(table.label.tolist())
            self.extra_a.extend(table.a.tolist())
            self.extra_passages.extend(table.passages.tolist())
            self.extra_longest.extend(table.longest.tolist())
            for key in batch:
                self.extra_rows[key] = self.size
                self.size += 1

    def _label_and_a(self, k: int) -> tuple[int, int]:
        base = len(self.base_labels)
        if k < base:
            return self.base_labels[k], self.base_a[k]
        return self.extra_labels[k - base], self.extra_a[k - base]

    def with_passages(self, rows: list[int]) -> None:
        """Make sure the passages of edges ``rows`` are known (the edges verified on demand always are)."""
        base = [k for k in rows if k < len(self.base_passages)]
        if self.fill is None or not base:
            return
        self.edges = self.fill(self.edges, np.array(base, dtype=np.int64))
        for k in base:
            self.base_passages[k] = int(self.edges.passages[k])
            self.base_longest[k] = int(self.edges.longest[k])

    def label(self, k: int) -> int:
        """Label of edge ``k``."""
        return self._label_and_a(k)[0]

    def long_passages(self, k: int) -> int:
        """Long passages of edge ``k`` (see ``EdgeTable.passages``)."""
        base = len(self.base_passages)
        return self.base_passages[k] if k < base else self.extra_passages[k - base]

    def longest(self, k: int) -> int:
        """Words of edge ``k``'s longest shared passage (0 with none)."""
        base = len(self.base_longest)
        return self.base_longest[k] if k < base else self.extra_longest[k - base]

    def contained_in(self, x: int, k: int) -> bool:
        """True when edge ``k`` says doc ``x`` is an excerpt of the other doc."""
        label, a = self._label_and_a(k)
        return (label == A_IN_B and a == x) or (label == B_IN_A and a != x)

    def is_near(self, k: int) -> bool:
        return self._label_and_a(k)[0] in (NEAR, EXACT)

    def attaches(self, member: int, k: int) -> bool:
        """True when ``member`` may hang off the other end of edge ``k``: a near or edited copy, or contained
        in it, or, when the other end is anchored (an index's old canonical doc), holding it whole
        (:meth:`holds_anchor`). An anchored doc hangs off none."""
        if self.anchored[member]:
            return False
        return (self.is_near(k) or self._label_and_a(k)[0] == EDITED or self.contained_in(member, k)
                or self.holds_anchor(member, k))

    def holds_anchor(self, member: int, k: int) -> bool:
        """True when the other end of edge ``k`` is anchored and contained in ``member``: a fuller copy of an
        old canonical doc, which the index keeps canonical."""
        if self._label_and_a(k)[0] not in (A_IN_B, B_IN_A):
            return False
        other = self._other(member, k)
        return bool(self.anchored[other]) and self.contained_in(other, k)

    def _other(self, x: int, k: int) -> int:
        """The doc at the other end of edge ``k`` from ``x``."""
        row = k
        for table in (self.edges, *self.extra):
            if row < len(table):
                a, b = int(table.a[row]), int(table.b[row])
                return b if a == x else a
            row -= len(table)
        raise IndexError(k)

    def all_edges(self) -> EdgeTable:
        return concat_edges([self.edges, *self.extra])


#: Two members' passages in their canonical doc overlap when they share at least this many of its words: any
#: (two copies of one short story, each edited in other places, may have long passages that overlap by a few words
#: only; the briefs of a digest do not overlap at all).
STORY_OVERLAP_WORDS = 1
#: Where a page's own story must start, as a share of its words, for the first of two groups of excerpts to be
#: taken as that story when no near or edited copy of the page says where it is.
STORY_LEAD_SHARE = 0.25
#: Rounds of clustering at most: each round detaches the members that copy another part of their canonical doc.
STORY_ROUNDS = 4


def cluster(n: int, edges: EdgeTable, rank: np.ndarray, verify: PairVerifier,
            credited: Credited | None = None, fill: PassageFiller | None = None,
            anchored: np.ndarray | None = None) -> Assignment:
    """Star clusters over the verified edges, per story: after each round, members that copied a part of their
    canonical doc that is not its story (``split_stories``) are detached from it and the round is run again
    without those edges, until nothing moves (at most ``STORY_ROUNDS`` rounds). ``credited`` (optional) names
    the credited original of a cluster, which is then its canonical doc whatever the ranks. ``fill``
    (optional) gives the edges their passages where needed (the links, and the edges to hubs of docs joining
    through members), when the edges came without (``passages.align_edges(lazy=True)``). ``anchored``
    (optional, a mask): docs that stay canonical (an index's old canonical docs with members): each founds its
    cluster before any other doc is placed, joins none, and takes besides its copies and excerpts the docs that
    hold it whole (fuller copies of it)."""
    multi = np.zeros(n, dtype=bool)
    assign = _stars(n, edges, rank, verify, credited, fill, anchored)
    for round_ in range(STORY_ROUNDS):
        drop, pages = split_stories(assign)
        multi |= pages
        if not drop.any() or round_ == STORY_ROUNDS - 1:
            break
        assign = _rerun_split_components(n, assign, drop, rank, verify, credited, fill, anchored)
    return dataclasses.replace(assign, multi_story=multi)


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected component label of each doc over the edges (a[k], b[k]): the smallest doc index in it."""
    parent = np.arange(n, dtype=np.int64)
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        while parent[x] != x:
            x = int(parent[x])
        while parent[y] != y:
            y = int(parent[y])
        if x != y:
            parent[max(x, y)] = min(x, y)
    for d in range(n):  # (parents have smaller indices, so one pass in order resolves every chain)
        parent[d] = parent[parent[d]]
    return parent


def _rerun_split_components(n: int, assign: Assignment, drop: np.ndarray, rank: np.ndarray, verify: PairVerifier,
                            credited: Credited | None, fill: PassageFiller | None,
                            anchored: np.ndarray | None = None) -> Assignment:
    """The next round after ``split_stories`` dropped edges ``drop``: clustering runs again only on the
    components of the remaining edges that lost an edge; every other doc keeps its cluster as it was (the
    greedy loop treats components apart, and nothing changed in those). Edge rows are those of the kept edges,
    then the ones this round verified on demand."""
    kept = assign.edges.select(~drop)
    comp = _components(n, kept.a, kept.b)
    lost = np.zeros(n, dtype=bool)
    lost[comp[assign.edges.a[drop]]] = True
    lost[comp[assign.edges.b[drop]]] = True
    redo = lost[comp]  # docs whose component lost an edge
    in_redo = redo[kept.a]  # (an edge's two docs share a component)
    sub = kept.select(in_redo)
    again = _stars(n, sub, rank, verify, credited, fill, anchored)
    sub_rows = np.flatnonzero(in_redo)
    extra = again.edges.select(np.arange(len(again.edges)) >= len(sub))
    own = again.edges.select(np.arange(len(again.edges)) < len(sub))
    edges = concat_edges([kept.with_rows(sub_rows, own), extra])  # (this round may have filled their passages)
    row_of_kept = np.cumsum(~drop) - 1  # an old row's place among the kept edges
    row_of_again = np.concatenate([sub_rows, len(kept) + np.arange(len(extra))])

    def rows(old: np.ndarray | None, new: np.ndarray | None) -> np.ndarray:
        out = np.full(n, -1, dtype=np.int64)
        if old is not None:
            keep = ~redo & (old >= 0)
            out[keep] = row_of_kept[old[keep]]
        if new is not None:
            take = redo & (new >= 0)
            out[take] = row_of_again[new[take]]
        return out

    def pick(old: np.ndarray | None, new: np.ndarray | None) -> np.ndarray | None:
        if old is None or new is None:
            return new if old is None else old
        return np.where(redo, new, old)

    return Assignment(
        centre=np.where(redo, again.centre, assign.centre), hub=np.where(redo, again.hub, assign.hub),
        link=rows(assign.link, again.link), excerpt=np.where(redo, again.excerpt, assign.excerpt), edges=edges,
        credited=pick(assign.credited, again.credited), through=rows(assign.through, again.through),
    )


def _overlap(x: tuple[int, int], y: tuple[int, int]) -> bool:
    return min(x[1], y[1]) - max(x[0], y[0]) >= STORY_OVERLAP_WORDS


def _centre_words(edges: EdgeTable, k: int, centre: int) -> int:
    """Words of ``centre`` as edge ``k`` aligned it."""
    return int(edges.words_a[k]) if int(edges.a[k]) == centre else int(edges.words_b[k])


def _reach_in_centre(edges: EdgeTable, k: int, centre: int) -> tuple[int, int]:
    """The words of ``centre`` that edge ``k``'s passages span (from the first one's start to the last's end)."""
    r = edges.reach[k]
    return (int(r[2]), int(r[3])) if int(edges.a[k]) != centre else (int(r[0]), int(r[1]))


def split_stories(assign: Assignment) -> tuple[np.ndarray, np.ndarray]:
    """Members that must leave their cluster: (edge rows to drop, docs found to carry several stories).

    Two docs belong in one cluster only when they share text with each other or copy the same part of a third.
    In each cluster, the excerpts are grouped by the part of the canonical doc their passages span (groups of
    overlapping spans). The near and edited copies span the canonical doc's story: an excerpt group outside
    that span copied something else of the page (a company's "about" paragraph, a reading list at its foot),
    and leaves. With no near or edited copy, and two groups, the one that starts the page (within its first
    ``STORY_LEAD_SHARE``) is its story and the other leaves: the page carried the next story at its foot.
    An excerpt that joined through a full member (``Assignment.through``) copied that copy of the story and is
    in no group. When two or more groups remain, the canonical doc carries several stories (an aggregator's headline page,
    a digest of briefs, a live blog) and every excerpt group leaves it: each is a story of its own. Leaving means losing every edge to the canonical doc and its near copies, so that the next round
    cannot join them there again."""
    edges = assign.edges
    n = assign.centre.shape[0]
    drop = np.zeros(len(edges), dtype=bool)
    pages = np.zeros(n, dtype=bool)
    members: dict[int, list[int]] = {}
    for m in np.flatnonzero(assign.link >= 0).tolist():
        members.setdefault(int(assign.centre[m]), []).append(m)
    leaving: list[tuple[list[int], list[int]]] = []  # (members leaving, the docs they lose their edges to)
    for centre, group in sorted(members.items()):
        # (an excerpt that joined through a full member copied that copy of the story: it has no span of its own)
        excerpts = [m for m in group if assign.excerpt[m] and (assign.through is None or assign.through[m] < 0)]
        if not excerpts:
            continue
        full = [m for m in group if not assign.excerpt[m]]
        story = [_reach_in_centre(edges, int(assign.link[m]), centre) for m in full]
        spans = sorted((_reach_in_centre(edges, int(assign.link[m]), centre), m) for m in excerpts)
        parts: list[tuple[tuple[int, int], list[int]]] = []
        for span, m in spans:
            if parts and _overlap(parts[-1][0], span):
                (lo, hi), ms = parts[-1]
                parts[-1] = ((lo, max(hi, span[1])), [*ms, m])
            else:
                parts.append((span, [m]))
        body = None
        if story:
            body = (min(s[0] for s in story), max(s[1] for s in story))
        elif len(parts) == 2 and parts[0][0][0] <= STORY_LEAD_SHARE * _centre_words(
                edges, int(assign.link[parts[0][1][0]]), centre):
            # no full copy says where the page's own story is: the group that starts it is, when one other
            # group lies apart (the next story that a page carries at its foot); more groups make a digest
            body = parts[0][0]
        if body is not None:
            outside = [ms for span, ms in parts if not _overlap(span, body)]
            parts = [(span, ms) for span, ms in parts if _overlap(span, body)]
            for ms in outside:
                leaving.append((ms, [centre, *full]))
        if len(parts) >= 2:
            pages[centre] = True
            for _, ms in parts:
                leaving.append((ms, [centre, *full]))
    if not leaving:
        return drop, pages
    lose = {(min(m, d), max(m, d)) for ms, ds in leaving for m in ms for d in ds}
    for k, (x, y) in enumerate(zip(edges.a.tolist(), edges.b.tolist(), strict=True)):
        if (min(x, y), max(x, y)) in lose:
            drop[k] = True
    return drop, pages


def _stars(n: int, edges: EdgeTable, rank: np.ndarray, verify: PairVerifier, credited: Credited | None,
           fill: PassageFiller | None = None, anchored: np.ndarray | None = None) -> Assignment:
    graph = _Graph(n, edges, verify, fill, anchored)
    first = graph.anchored  # (1 for an anchored doc: it goes before every other, and never waits)
    # the greedy loop reads and writes one doc at a time: array.array, turned into numpy arrays after it
    hub = array("q", [-1]) * n
    excerpt = array("b", [0]) * n
    rank_list = rank.tolist()

    def takers(d: int) -> list[int]:
        """Unassigned neighbours that ``d`` could take as members."""
        return graph.free_takers(d, hub)

    def waits(d: int) -> bool:
        """``d`` is an excerpt of a doc that is still unassigned: let that doc go first."""
        return any(hub[m] < 0 and graph.contained_in(d, k) for m, k in graph.neighbour_rows(d))

    def try_join(d: int) -> bool:
        if first[d]:
            return False
        hubs = sorted({int(hub[m]) for m in graph.neighbours(d) if hub[m] >= 0}, key=rank_list.__getitem__)
        for h in hubs:
            k = graph.row(d, h)
            if graph.attaches(d, k):
                hub[d] = h
                excerpt[d] = graph.contained_in(d, k)
                return True
        return False

    heap = [(-first[d], -len(takers(d)), rank_list[d], d) for d in range(n) if graph.degree(d)]
    heapq.heapify(heap)
    while heap:
        deferred, neg_degree, r, d = heapq.heappop(heap)
        if hub[d] >= 0:
            continue
        if deferred == 0 and waits(d):
            heapq.heappush(heap, (1, 0, r, d))
            continue
        members = takers(d)
        if -neg_degree != len(members) and deferred <= 0:
            heapq.heappush(heap, (deferred, -len(members), r, d))  # stale degree: re-queue with the current one
            continue
        if try_join(d):
            continue
        hub[d] = d
        for m in members:
            hub[m] = d
            excerpt[m] = graph.contained_in(m, graph.row(m, d))

    through = _join_through_members(n, graph, hub, excerpt, rank_list)
    return _assignment(n, graph, np.frombuffer(hub, dtype=np.int64).copy(),
                       np.frombuffer(excerpt, dtype=np.int8).astype(bool), rank_list, credited, through)


def _join_through_members(n: int, graph: _Graph, hub: array[int], excerpt: array[int],
                          rank_list: list[int]) -> np.ndarray:
    """Docs left alone by the greedy loop that are a near or edited copy of a cluster's member join it: the
    member's hub came later (it took no doc already placed), or the doc is too far from the hub for its own
    edge to attach (two copies of one story, each with other leftovers, or one whose full copy became an
    excerpt of a longer page). It joins through that member, a direct one, only when it shares a passage
    with the hub itself (so two docs that share only what the member has of each never meet), and as an
    excerpt when the member is one or when it is an excerpt of the member (an excerpt of the original whose
    update, with another lead, is the hub). A near copy or an excerpt of the member needs to share some passage
    with the hub, an edited copy a long one. Returns, per doc, the edge row to the member it
    joined through (-1 for the others)."""
    through = np.full(n, -1, dtype=np.int64)
    hubs = np.frombuffer(hub, dtype=np.int64)
    members = np.bincount(hubs[hubs >= 0], minlength=n).tolist()
    lonely: list[tuple[int, list[tuple[int, int, int, int, int]]]] = []  # (doc, its options in order)
    for d in range(n):
        if hub[d] != d or members[d] > 1 or graph.anchored[d]:
            continue  # in no cluster (no edges), or a hub that took members, or anchored (it joins none)
        options = []
        for m, k in graph.neighbour_rows(d):
            h = hub[m]
            if h < 0 or h == d or members[h] <= 1:
                continue
            if graph.label(k) in (NEAR, EXACT, EDITED) or graph.contained_in(d, k):
                options.append((rank_list[h], rank_list[m], m, k, h))
        if options:
            lonely.append((d, sorted(options)))
    # the edges to the hubs, verified in batches rather than one call per pair
    graph.verify_now([(d, h) for d, options in lonely for _, _, m, _, h in options if h != m])
    graph.with_passages([graph.row(d, h) for d, options in lonely for _, _, m, _, h in options if h != m])
    for d, options in lonely:
        for _, _, m, k, h in options:
            if through[m] >= 0 or hub[m] != h:
                continue  # (m joined through another member itself, just now)
            to_hub = k if h == m else graph.row(d, h)
            edited = graph.label(k) == EDITED
            shares = graph.long_passages(to_hub) >= 1 if edited else graph.longest(to_hub) > 0
            if h != m and not shares and not graph.attaches(d, to_hub):
                continue
            hub[d] = h
            members[h] += 1
            if h == m or graph.attaches(d, to_hub):  # its own edge to the hub attaches it: a plain member
                excerpt[d] = graph.contained_in(d, to_hub)
            else:
                excerpt[d] = (excerpt[m] and not edited) or graph.contained_in(d, k)
                through[d] = k
            break
    return through


def _assignment(n: int, graph: _Graph, hub: np.ndarray, excerpt: np.ndarray, rank_list: list[int],
                credited: Credited | None, through: np.ndarray | None = None) -> Assignment:
    """Hubs -> clusters: drop hubs that took nobody, pick each cluster's canonical doc (the credited original
    when ``credited`` names one, else the best ranked full copy), link every member. A member whose hub is
    not the canonical doc and whose own edge to the canonical doc would not attach it (an excerpt of the
    original, whose update with a rewritten lead ranks first) joined through its hub: ``through`` records its
    edge to the hub, the evidence that puts it in the cluster, when it shares some passage with the canonical
    doc (else ``split_stories`` finds it outside the story and it leaves)."""
    counts = np.bincount(hub[hub >= 0], minlength=n)
    lonely = (hub == np.arange(n)) & (counts <= 1)
    hub[lonely] = -1

    centre = np.full(n, -1, dtype=np.int64)
    link = np.full(n, -1, dtype=np.int64)
    groups: dict[int, list[int]] = {}
    for d in np.flatnonzero(hub >= 0).tolist():
        groups.setdefault(int(hub[d]), []).append(d)
    chosen = np.zeros(n, dtype=bool)
    clusters = []
    for members in groups.values():
        full = sorted((m for m in members if not excerpt[m]), key=rank_list.__getitem__)
        anchors = [m for m in full if graph.anchored[m]]
        if anchors:  # (an anchored doc stays canonical, whatever the ranks or credits)
            clusters.append((members, anchors[0]))
            continue
        original = credited(members, full) if credited is not None else None
        if original is not None and original in full:
            chosen[original] = True
        clusters.append((members, full[0] if original is None else original))
    graph.verify_now([(m, canonical) for members, canonical in clusters for m in members if m != canonical])
    graph.with_passages([graph.row(m, canonical) for members, canonical in clusters for m in members
                         if m != canonical])
    through = np.full(n, -1, dtype=np.int64) if through is None else through
    for members, canonical in clusters:
        for m in members:
            centre[m] = canonical
            if m != canonical:
                link[m] = graph.row(m, canonical)
                h = int(hub[m])
                if h not in (m, canonical) and through[m] < 0 and not graph.attaches(m, int(link[m])) \
                        and graph.longest(int(link[m])) > 0:
                    through[m] = graph.row(m, h)
    return Assignment(centre=centre, hub=hub, link=link, excerpt=excerpt, edges=graph.all_edges(), credited=chosen,
                      through=through)
