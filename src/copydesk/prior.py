"""Docs seen before, as a batch run meets them: what an index (``copydesk.index``) hands ``pipeline.dedup`` so
that a new batch is matched against everything seen before, and what the run hands back to be stored.

The pipeline knows nothing of storage: it asks a :class:`Prior` for the docs related to the batch (by the
batch's own sketches), appends them to its tables after the batch's docs, runs the usual stages over both, and
returns the batch's sketches and what became of the old docs (:class:`BatchRecord`). An old canonical doc with
members is *anchored*: it stays canonical (the index's decisions are stable), and old members are never loaded:
a new doc that matches one is paired with its canonical doc instead, so that it joins the cluster only through a
verified edge to the canonical doc, as in a batch run (no chaining).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from .candidates.lsh import _decode_pairs, fingerprints
from .canonical import MemberScore
from .clean import _counting
from .clean.corpus import SourceLineStats
from .cluster import Assignment, Credited, PairVerifier, PassageFiller, cluster
from .config import RunConfig
from .executor import Workers
from .prepare import DocInfo
from .sketch.shingle import ShingleSets
from .sketch.spill import JOIN_BELOW_BYTES, SpilledShingles, TextReader, _merged, write_values
from .types import Role
from .verify import EdgeTable

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class PriorDocs:
    """Old docs to match a batch against, in the index's order (doc ``k`` of them is doc ``n_new + k`` of the run).

    ``sets``: their shingle sets (uint64 CSR); ``order``: their shingles in text order (uint32 CSR: values,
    offsets); ``anchored``: True for a canonical doc with members (it stays canonical); ``pairs``: (new doc,
    old doc k) candidate pairs the index found through an old doc's members, which are not loaded."""

    infos: list[DocInfo]
    sets: ShingleSets
    order: tuple[np.ndarray, np.ndarray]
    anchored: np.ndarray
    pairs: np.ndarray
    rematch: bool = False  # whole clusters were loaded, to be clustered afresh with the batch (their pairs kept)

    def __post_init__(self) -> None:
        n = len(self.infos)
        if self.sets.offsets.shape[0] != n + 1 or self.order[1].shape[0] != n + 1 or self.anchored.shape[0] != n:
            raise ValueError(f"PriorDocs of {n} docs with tables of another length")

    @staticmethod
    def none() -> PriorDocs:
        empty = np.empty(0, dtype=np.uint64)
        return PriorDocs([], ShingleSets(empty, np.zeros(1, dtype=np.int64), empty),
                         (np.empty(0, dtype=np.uint32), np.zeros(1, dtype=np.int64)), np.zeros(0, dtype=bool),
                         np.empty((0, 2), dtype=np.int64))


@dataclass(frozen=True)
class OldOutcome:
    """What the batch made of an old doc that it loaded: its role, canonical doc and reason now."""

    doc_id: str
    role: Role
    canonical_id: str | None
    reason: str
    detail: str


@dataclass(frozen=True)
class BatchRecord:
    """What a run with a :class:`Prior` hands back to be stored: the new docs' sketches (rows ``0 .. n_new - 1``
    of ``sets`` and ``order``, with their ``infos`` and clean ``texts``), the source line counts after the batch
    (keys, counts), the outcome of each old doc loaded, and the batch's docs filed with no prose body
    (``unmatched``: never matched, so they have no sketches, but the index holds them all the same, so that a
    rerun knows them)."""

    n_new: int
    infos: list[DocInfo]
    sets: SpilledShingles
    order: SpilledShingles
    line_stats: SourceLineStats | None
    old: list[OldOutcome]
    texts: TextReader
    seen_before: tuple[np.ndarray, np.ndarray] | None = None
    unmatched: list[DocInfo] = field(default_factory=list)

    def line_counts(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The source line counts after the batch (keys, counts): the index's and the batch's, made when asked
        (a query never asks)."""
        if self.line_stats is None:
            return self.seen_before
        return merged_line_counts(self.seen_before, self.line_stats.table(), self.line_stats.max_tracked_lines)


def merged_line_counts(before: tuple[np.ndarray, np.ndarray] | None, batch: tuple[np.ndarray, np.ndarray],
                       most: int) -> tuple[np.ndarray, np.ndarray]:
    """The line counts of the docs seen before and of a batch, summed per key (keys sorted). Past ``most`` keys,
    the rarest are dropped (seen in 1 doc, then 2, ...) until at most 3/4 of it remain, as a run's own counts
    are pruned (``SourceLineStats``): the stored counts stay bounded however long the index grows."""
    if before is None or before[0].shape[0] == 0:
        keys, counts = batch
    else:
        both = np.concatenate([before[0], batch[0]])
        keys, inverse = np.unique(both, return_inverse=True)
        counts = np.bincount(inverse.reshape(-1), weights=np.concatenate([before[1], batch[1]]).astype(np.float64),
                             minlength=keys.shape[0]).astype(np.int64)
    if keys.shape[0] > most:
        threshold = _counting.prune_threshold(counts, most * 3 // 4)
        keep = counts > threshold
        keys, counts = keys[keep], counts[keep]
    return keys, counts


class Prior(Protocol):
    """Docs seen before (an index), as ``pipeline.dedup(..., prior=)`` asks for them."""

    def line_counts(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The stored source line counts (keys, counts) to start the batch's line statistics from."""
        ...

    def related(self, signatures: np.ndarray, fingerprints: tuple[np.ndarray, np.ndarray], exact: np.ndarray) -> PriorDocs:
        """Old docs that may copy or be copied by the batch's docs, given their signatures, sampled passage
        fingerprints (CSR values, offsets) and exact-copy hashes, one row per doc."""
        ...

    def is_known(self, doc_id: str) -> bool:
        """True when a doc of this id is in the index already (it is skipped: reported ``already_indexed``)."""
        ...

    def known(self, ids: Sequence[str]) -> list[bool]:
        """:meth:`is_known` of each of ``ids`` (a batch of them, asked at once)."""
        ...

    def batch_ready(self, texts: TextReader, matched: list[bool], exact: np.ndarray, workers: Workers) -> None:
        """The batch's new docs are sketched (their clean ``texts``; ``matched``: those with a prose body; their
        exact-copy hashes): an index that will store them may start on it in ``workers`` (a hint: it may do
        nothing)."""
        ...


def fingerprints_of(sets: SpilledShingles, cfg: RunConfig, chunk: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """The sampled passage fingerprints of every doc of a spilled table (CSR: values, offsets), read a chunk of
    docs at a time: what an index looks the batch up by, besides signatures and exact-copy hashes."""
    values: list[np.ndarray] = []
    sizes: list[np.ndarray] = []
    for lo in range(0, len(sets), chunk):
        got = fingerprints(sets.rows(np.arange(lo, min(lo + chunk, len(sets)), dtype=np.int64)), cfg.candidates)
        values.append(got[0])
        sizes.append(np.diff(got[1]))
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    if sizes:
        np.cumsum(np.concatenate(sizes), out=offsets[1:])
    return (np.concatenate(values) if values else np.empty(0, dtype=np.uint64)), offsets


def _extended(table: SpilledShingles, path: Path, values: np.ndarray, offsets: np.ndarray,
              exact: np.ndarray) -> SpilledShingles:
    """``table`` with the rows of a CSR table written to a file of its own after its rows."""
    m = offsets.shape[0] - 1
    if m == 0:
        return table
    write_values(path, values, table.dtype)
    extended = SpilledShingles(
        (*table.paths, str(path)),
        np.concatenate([table.file_of, np.full(m, len(table.paths), dtype=np.int32)]),
        np.concatenate([table.starts, offsets[:-1].astype(np.int64)]),
        np.concatenate([table.ends, offsets[1:].astype(np.int64)]),
        np.concatenate([table.exact, exact]).astype(np.uint64),
        table.dtype,
    )
    # (joined into one file where small, as the run joins its own: a table of many files costs numba's typed
    # list of mappings half a second to compile at its first use in a process)
    if sum(map(os.path.getsize, extended.paths)) <= JOIN_BELOW_BYTES:
        return _merged(extended, path.name + ".joined")
    return extended


def with_old_docs(sets: SpilledShingles, order: SpilledShingles, old: PriorDocs,
                  folder: Path) -> tuple[SpilledShingles, SpilledShingles]:
    """The run's shingle tables (sets, text order) with the old docs' rows after the batch's."""
    return (
        _extended(sets, folder / "prior.u64", old.sets.values, old.sets.offsets, old.sets.exact),
        _extended(order, folder / "prior.order.u32", old.order[0], old.order[1], old.sets.exact),
    )


def with_index_pairs(pairs: np.ndarray, index_pairs: np.ndarray, n_new: int, keep_old: bool = False) -> np.ndarray:
    """The run's candidate pairs without those of two old docs (matched with each other when they were added;
    kept with ``keep_old``: the old docs are clustered afresh), with the pairs the index found (new doc, old doc
    k -> run doc ``n_new + k``); sorted, unique, i < j."""
    keep = pairs if keep_old else pairs[pairs[:, 0] < n_new]
    extra = np.asarray(index_pairs, dtype=np.int64).reshape(-1, 2).copy()
    extra[:, 1] += n_new
    both = np.concatenate([keep, extra]).astype(np.uint64)
    return _decode_pairs(np.unique((both[:, 0] << np.uint64(32)) | both[:, 1]))


def anchored_first(rank: np.ndarray, anchored: np.ndarray) -> np.ndarray:
    """Ranks with the anchored docs (old canonical docs with members) ahead of every other doc, each group in
    its own order: an old canonical doc stays canonical when a more complete copy arrives (stable decisions)."""
    if anchored.shape[0] == 0:
        return rank
    n = rank.shape[0]
    is_anchored = np.zeros(n, dtype=bool)
    is_anchored[anchored] = True
    ranked = np.flatnonzero((rank < n) | is_anchored)
    order = ranked[np.lexsort((rank[ranked], ~is_anchored[ranked]))]
    out = rank.copy()
    out[order] = np.arange(order.shape[0], dtype=np.int64)
    return out


def anchor_mask(n: int, anchored: np.ndarray) -> np.ndarray | None:
    """The anchored rows as a mask of ``n`` docs (None when there are none: a run without an index)."""
    if anchored.shape[0] == 0:
        return None
    mask = np.zeros(n, dtype=bool)
    mask[anchored] = True
    return mask


#: Rounds of cutting the edges that took an anchored doc into another doc's cluster.
ANCHOR_ROUNDS = 3


def cluster_keeping_anchors(n: int, edges: EdgeTable, rank: np.ndarray, verify: PairVerifier,
                            credited: Credited | None, fill: PassageFiller | None,
                            anchored: np.ndarray) -> Assignment:
    """``cluster.cluster`` with the anchored docs (``anchored``: their rows) as its anchors: each stays the
    canonical doc of its cluster (its old members point to it) and takes besides its copies the new docs that
    hold it whole (``fuller_copy``). Should one join another doc's cluster all the same, its edges to the doc it
    joined are cut and the clustering runs again."""
    mask = anchor_mask(n, anchored)
    assign = cluster(n, edges, rank, verify, credited, fill, mask)
    for _ in range(ANCHOR_ROUNDS):
        centre = assign.centre[anchored]
        lost = anchored[(centre >= 0) & (centre != anchored)]
        if lost.shape[0] == 0:
            return assign
        cut = np.concatenate([np.stack([lost, assign.centre[lost]], 1), np.stack([lost, assign.hub[lost]], 1)])
        cut = np.sort(cut, axis=1).astype(np.uint64)
        cut_codes = (cut[:, 0] << np.uint64(32)) | cut[:, 1]
        lo = np.minimum(edges.a, edges.b).astype(np.uint64)
        hi = np.maximum(edges.a, edges.b).astype(np.uint64)
        edges = edges.select(~np.isin((lo << np.uint64(32)) | hi, cut_codes))
        assign = cluster(n, edges, rank, verify, credited, fill, mask)
    log.warning("an old canonical doc joined a new doc's cluster after %d rounds of cutting", ANCHOR_ROUNDS)
    return assign


def old_outcomes(infos: list[DocInfo], n_new: int, assign: Assignment, scores: list[MemberScore]) -> list[OldOutcome]:
    """What became of each old doc the run loaded (docs ``n_new ..``)."""
    centres = assign.centre.tolist()
    out = []
    for k in range(n_new, len(infos)):
        c = centres[k]
        s = scores[k]
        out.append(OldOutcome(infos[k].id, s.role, infos[c].id if c >= 0 else None, s.reason.value, s.detail))
    return out
