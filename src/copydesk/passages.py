"""Shared passages of verified pairs: where two docs share text, how long the runs are, how much each covers.

Why: set scores (Jaccard, containment) say how many shingles two docs share, not how. Copies share long
verbatim runs; unrelated pages share scattered stock phrases and furniture. An edited wire copy (new lead,
paragraphs added, dropped or moved) shares several long runs yet falls below every set threshold, and an
excerpt inside another page's furniture shares one long run that covers most of its prose. Passages tell
these apart, and they show a reader where the copy is.

How (compiled, per pair, over the shingles of each doc in text order):

* a shingle of doc X is *shared* when it is in doc Y's shingle set; a run of consecutive shared shingles that
  spans at least ``min_words`` words is a solid segment, and solid segments at most ``max_gap`` shingles apart
  (a substituted word breaks ``size`` shingles) form one passage; words count as covered only inside solid
  segments, so scattered shared phrases (a template filled with other names) cover nothing;
* each side is computed on its own (X's passages in X, Y's in Y), so passages count in any order: a copy
  whose paragraphs were moved is covered all the same, and no monotone alignment can lose the moved parts;
* ``cover_x`` = share of X's words covered; ``longest`` = the longest passage on either side, in words;
* passages are listed as word spans in both docs, found from the side whose key (shingle count, then a
  hash of the sequence) is smaller, so swapping the two docs mirrors the result exactly; a passage is cut into
  pieces where the other doc does not run on (a paragraph moved, inserted or dropped there), so no span holds
  text that only one doc has; ``count`` is the number of such pieces that are long (``anchor_words``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from .config import RunConfig
from .runtime import in_order_threads
from .sketch.shingle import ORDER_DTYPE
from .verify import UNRELATED, EdgeTable, concat_edges, label_passages


@dataclass(frozen=True, slots=True)
class PassageTable:
    """Per pair k (the pairs given to :func:`align_pairs`, in order): ``cover_a[k]`` / ``cover_b[k]`` the share
    of each doc's words inside shared passages, ``first_a[k]`` / ``first_b[k]`` the word where in each doc its first
    long passage starts (see ``align_pairs``; -1 with none), ``words_a[k]`` / ``words_b[k]`` each doc's words, ``reach[k]`` the words from the start of the first long passage
    to the end of the last one (of any passage when none is long) in a, then in b (lo, hi, lo, hi; -1 with none), ``longest[k]`` the longest passage in words, ``count[k]`` the
    long passages (pieces of at least ``anchor_words`` words, see ``align_pairs``), and ``spans[span_offsets[k]:span_offsets[k + 1]]`` one row
    per passage: (start word in a, end word in a, start word in b, end word in b), ends exclusive."""

    cover_a: np.ndarray
    cover_b: np.ndarray
    first_a: np.ndarray
    first_b: np.ndarray
    words_a: np.ndarray
    words_b: np.ndarray
    reach: np.ndarray
    longest: np.ndarray
    count: np.ndarray
    span_offsets: np.ndarray
    spans: np.ndarray

    def __len__(self) -> int:
        return int(self.cover_a.shape[0])

    def passages(self, k: int) -> list[tuple[int, int, int, int]]:
        rows = self.spans[self.span_offsets[k] : self.span_offsets[k + 1]]
        return [(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]


@njit(cache=True, nogil=True)
def _index_row(values: np.ndarray, lo: int, hi: int, keys: np.ndarray, first: np.ndarray, last: np.ndarray,
               stamp: np.ndarray, generation: int, next_same: np.ndarray) -> None:
    """Index one doc's shingles (``values[lo:hi]``, text order) in an open-addressing table (``keys``, ``first``,
    ``last``, ``stamp``: a power-of-two size at least twice the shingles): each distinct shingle's first and
    last position, and ``next_same[i]`` the next position of shingle i's hash (-1 at its last). A slot is in use
    when its ``stamp`` is ``generation``, so the table is never cleared between docs.
    Why a table, not sorted rows: the shingles are hashes already, and one pass per doc beats sorting each."""
    mask = np.int64(keys.shape[0] - 1)
    hash_mask = np.uint64(mask)
    for i in range(hi - lo):
        value = values[lo + i]
        slot = np.int64(value & hash_mask)
        while stamp[slot] == generation and keys[slot] != value:
            slot = (slot + np.int64(1)) & mask
        next_same[i] = -1
        if stamp[slot] != generation:
            stamp[slot] = generation
            keys[slot] = value
            first[slot] = i
        else:
            next_same[last[slot]] = i
        last[slot] = i


@njit(cache=True, nogil=True)
def _first_in(values: np.ndarray, lo: int, hi: int, keys: np.ndarray, first: np.ndarray, stamp: np.ndarray,
              generation: int, out: np.ndarray) -> None:
    """For each shingle of a doc (``values[lo:hi]``, text order), its first position in the doc indexed under
    ``generation`` (``_index_row``), or -1 where that doc lacks it: ``out[:hi - lo]``."""
    mask = np.int64(keys.shape[0] - 1)
    hash_mask = np.uint64(mask)
    for i in range(hi - lo):
        value = values[lo + i]
        slot = np.int64(value & hash_mask)
        out[i] = -1
        while stamp[slot] == generation:
            if keys[slot] == value:
                out[i] = first[slot]
                break
            slot = (slot + np.int64(1)) & mask


@njit(cache=True, nogil=True)
def _runs(at: np.ndarray, n: int, size: int, max_gap: int, min_words: int) -> list[tuple[int, int, int]]:
    """Passages of doc X (``n`` shingles in text order; ``at[i] >= 0`` where doc Y has shingle i, see
    ``_first_in``): (first shingle, last shingle, words covered).

    A *segment* is a run of consecutive shared shingles; one spanning ``min_words`` words or more is solid.
    Solid segments at most ``max_gap`` shingles apart join one passage. Words covered are those inside its
    solid segments (not the gaps between them), so text that shares only scattered phrases (a template with
    other names and numbers) has no passage at all, while a copy with a word changed here and there is one."""
    out = [(0, 0, 0)]
    out.pop()
    p_start = p_end = p_cover = -1  # the passage being built: first and last shingle, words covered
    i = 0
    while i < n:
        if at[i] < 0:
            i += 1
            continue
        j = i
        while j + 1 < n and at[j + 1] >= 0:
            j += 1
        if j - i + size >= min_words:  # a solid segment [i, j]
            if p_start >= 0 and i - p_end - 1 <= max_gap:
                # join: words from the end of the passage's covered tokens, without counting the overlap twice
                p_cover += (j + size) - max(i, p_end + size)
                p_end = j
            else:
                if p_start >= 0:
                    out.append((p_start, p_end, p_cover))
                p_start, p_end, p_cover = i, j, j - i + size
        i = j + 1
    if p_start >= 0:
        out.append((p_start, p_end, p_cover))
    return out


@njit(cache=True, nogil=True)
def _sequence_key(values: np.ndarray, lo: int, hi: int) -> np.uint64:
    h = np.uint64(hi - lo)
    for k in range(lo, hi):
        h = h * np.uint64(0x100000001B3) ^ values[k]
    return h


@njit(cache=True, nogil=True)
def _align(values: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray, size: int, max_gap: int,
           min_words: int, anchor_words: int) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
    np.ndarray, np.ndarray
]:
    m = left.shape[0]
    cover = np.zeros((m, 2), dtype=np.float64)
    first_at = np.full((m, 2), -1, dtype=np.int64)
    doc_words = np.zeros((m, 2), dtype=np.int64)
    reach = np.full((m, 4), -1, dtype=np.int64)  # (lo, hi) words covered in a, then in b
    longest = np.zeros(m, dtype=np.int64)
    count = np.zeros(m, dtype=np.int64)
    span_offsets = np.zeros(m + 1, dtype=np.int64)
    spans = [(0, 0, 0, 0)]
    spans.pop()
    longest_row = 0
    for d in range(offsets.shape[0] - 1):
        longest_row = max(longest_row, offsets[d + 1] - offsets[d])
    at_of = np.empty((2, longest_row), dtype=np.int64)  # per side: where the other doc first has each shingle
    next_of = np.empty((2, longest_row), dtype=np.int64)  # per side: the next position of each shingle's hash
    capacity = 1
    while capacity < 2 * longest_row:
        capacity *= 2
    keys = np.empty(capacity, dtype=np.uint64)
    first = np.empty(capacity, dtype=np.int64)
    last = np.empty(capacity, dtype=np.int64)
    stamp = np.zeros(capacity, dtype=np.int64)
    generation = 0
    sequence_keys = np.zeros(offsets.shape[0] - 1, dtype=np.uint64)
    keyed = np.zeros(offsets.shape[0] - 1, dtype=np.bool_)
    for k in range(m):
        docs = (left[k], right[k])
        for side in range(2):  # each doc indexed, then the other looked up in it
            y = docs[side]
            generation += 1
            _index_row(values, offsets[y], offsets[y + 1], keys, first, last, stamp, generation, next_of[side])
            x = docs[1 - side]
            _first_in(values, offsets[x], offsets[x + 1], keys, first, stamp, generation, at_of[1 - side])
        runs_of = []
        for side in range(2):
            x = docs[side]
            n = offsets[x + 1] - offsets[x]
            runs = _runs(at_of[side], n, size, max_gap, min_words)
            words = n + size - 1 if n > 0 else 0
            covered = 0
            for start, end, cover_words in runs:
                covered += cover_words
                if end - start + size >= anchor_words:
                    if first_at[k, side] < 0:
                        first_at[k, side] = start
                    reach[k, 2 * side + 1] = end + size
                longest[k] = max(longest[k], end - start + size)
            reach[k, 2 * side] = first_at[k, side]
            if first_at[k, side] < 0 and len(runs) > 0:  # no long passage: all of them
                reach[k, 2 * side] = runs[0][0]
                reach[k, 2 * side + 1] = runs[len(runs) - 1][1] + size
            cover[k, side] = covered / words if words > 0 else 0.0
            doc_words[k, side] = words
            runs_of.append(runs)
        # passages as word spans in both docs, from the side with the smaller key (mirror-exact on a swap)
        for y in docs:  # (a doc is in many pairs: the canonical of a cluster in one per member)
            if not keyed[y]:
                sequence_keys[y] = _sequence_key(values, offsets[y], offsets[y + 1])
                keyed[y] = True
        ka = sequence_keys[docs[0]]
        kb = sequence_keys[docs[1]]
        side = 0 if ka <= kb else 1
        at_x = at_of[side]
        next_y = next_of[1 - side]
        pieces = 0
        for start, end, _ in runs_of[side]:
            # a passage of x is cut into pieces that run on in y too: a paragraph moved, inserted or dropped in y
            # starts a new piece, so no piece spans text that only one doc has
            p0 = q0 = p1 = q1 = -1
            for p in range(start, end + 2):
                q = -1
                if p <= end:
                    q = at_x[p]
                    if q < 0:
                        continue
                    # a shingle y repeats: the occurrence that runs on from the piece, if there is one
                    while q <= q1 and next_y[q] >= 0:
                        q = next_y[q]
                    if q <= q1:
                        q = at_x[p]
                if p0 >= 0 and q > q1 and q - q1 <= max_gap + 1 and p - p1 <= max_gap + 1:
                    p1, q1 = p, q
                    continue
                if p0 >= 0 and p1 - p0 + size >= min_words:
                    if p1 - p0 + size >= anchor_words:
                        pieces += 1
                    if side == 0:
                        spans.append((p0, p1 + size, q0, q1 + size))
                    else:
                        spans.append((q0, q1 + size, p0, p1 + size))
                p0 = p1 = p
                q0 = q1 = q
        count[k] = pieces
        span_offsets[k + 1] = len(spans)
    out = np.empty((len(spans), 4), dtype=np.int64)
    for s in range(len(spans)):
        out[s, 0], out[s, 1], out[s, 2], out[s, 3] = spans[s]
    return cover[:, 0].copy(), cover[:, 1].copy(), first_at[:, 0].copy(), first_at[:, 1].copy(), \
        doc_words[:, 0].copy(), doc_words[:, 1].copy(), reach, longest, count, span_offsets, out


def align_pairs(values: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray, size: int,
                max_gap: int, min_words: int, anchor_words: int, threads: int = 1) -> PassageTable:
    """Shared passages of each pair (``left[k]``, ``right[k]``) of docs whose shingles in text order are the CSR
    table (``values``, ``offsets``), for shingles of ``size`` words (see the module docstring). A passage of at least
    ``anchor_words`` words is long: ``first_*`` is where the first long one starts, ``count`` how many there are.
    ``threads`` split the pairs (the kernels release the GIL); the result is the same
    for any number."""
    values = np.ascontiguousarray(values, dtype=ORDER_DTYPE)  # (the spill's 32 bits: no copy)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    left = np.ascontiguousarray(left, dtype=np.int64)
    right = np.ascontiguousarray(right, dtype=np.int64)
    slices = max(1, min(threads, left.shape[0] // 1000))  # (a few pairs are not worth a thread)
    bounds = np.linspace(0, left.shape[0], slices + 1).astype(np.int64).tolist()
    parts = list(in_order_threads(
        lambda k: _align(values, offsets, left[bounds[k] : bounds[k + 1]],
                         right[bounds[k] : bounds[k + 1]], size, max_gap, min_words, anchor_words),
        range(slices), slices))
    cover_a, cover_b, first_a, first_b, words_a, words_b, reach, longest, count = (
        np.concatenate([part[c] for part in parts]) for c in range(9))
    span_offsets = np.zeros(left.shape[0] + 1, dtype=np.int64)
    done = 0  # spans of the slices before this one
    for k, part in enumerate(parts):
        span_offsets[bounds[k] + 1 : bounds[k + 1] + 1] = part[9][1:] + done
        done += part[10].shape[0]
    spans = np.concatenate([part[10] for part in parts]) if parts else np.empty((0, 4), dtype=np.int64)
    return PassageTable(cover_a, cover_b, first_a, first_b, words_a, words_b, reach, longest, count, span_offsets,
                        spans)


class KnownSpans:
    """The passages (word spans) of the edges already aligned, kept as arrays (a few rows per edge), so the
    outputs need not align the cluster members with their canonical doc a second time: most of those pairs are
    verified edges. A pair is found in either order (the spans swapped to match: alignment mirrors exactly)."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # (a, b, counts, spans)

    def add(self, a: np.ndarray, b: np.ndarray, found: PassageTable, rows: np.ndarray) -> None:
        """Keep the spans of pairs ``rows`` of ``found`` (aligned for the pairs ``a``, ``b``)."""
        counts = np.diff(found.span_offsets)
        picked = np.repeat(np.isin(np.arange(len(found)), rows), counts)
        self._parts.append((a[rows], b[rows], counts[rows], found.spans[picked]))

    def lookup(self, pairs: np.ndarray) -> list[tuple[tuple[int, int, int, int], ...] | None]:
        """Each pair's spans (in the pair's order), or None where the pair was not aligned."""
        empty = np.empty(0, np.int64)
        a = np.concatenate([part[0] for part in self._parts] or [empty])
        b = np.concatenate([part[1] for part in self._parts] or [empty])
        counts = np.concatenate([part[2] for part in self._parts] or [empty])
        spans = np.concatenate([part[3] for part in self._parts] or [np.empty((0, 4), np.int64)])
        offsets = np.zeros(counts.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        base = int(max(a.max(initial=0), b.max(initial=0), pairs.max(initial=0))) + 1
        keys = np.minimum(a, b) * base + np.maximum(a, b)  # (one number per unordered pair)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        wanted = np.minimum(pairs[:, 0], pairs[:, 1]) * base + np.maximum(pairs[:, 0], pairs[:, 1])
        at = np.minimum(np.searchsorted(keys, wanted), max(keys.shape[0] - 1, 0))
        out: list[tuple[tuple[int, int, int, int], ...] | None] = []
        for k in range(pairs.shape[0]):
            if keys.shape[0] == 0 or keys[at[k]] != wanted[k]:
                out.append(None)
                continue
            row = int(order[at[k]])
            rows = spans[offsets[row] : offsets[row + 1]].tolist()
            if a[row] == pairs[k, 0]:
                out.append(tuple((r[0], r[1], r[2], r[3]) for r in rows))
            else:
                out.append(tuple((r[2], r[3], r[0], r[1]) for r in rows))
        return out


#: Docs (ascending indices) -> their shingles in text order, as a CSR table (values, offsets): read from the
#: run's spill, or computed from texts (``ordered_shingles``).
ShinglesInOrder = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


#: Pairs aligned together: their docs' shingles in text order are held at once (8 bytes a word), so a batch
#: of news-sized docs holds about 40 MB.
ALIGN_BATCH = 8192


def align_edges(table: EdgeTable, shingles_of: ShinglesInOrder, sizes: np.ndarray, cfg: RunConfig,
                keep_unrelated: bool = False, threads: int = 1, known: KnownSpans | None = None,
                lazy: bool = False) -> EdgeTable:
    """The rows of ``table`` with their passage columns filled and their labels refined by the passages
    (``verify.label_passages``); rows left unrelated are dropped unless ``keep_unrelated``. ``shingles_of``
    gives docs' shingles in text order as they were sketched, ``sizes`` every doc's shingle-set size.
    ``known`` (optional) keeps the spans of the rows that are not left unrelated. Aligned ``ALIGN_BATCH``
    pairs at a time (memory stays bounded whatever the verification chunk).

    ``lazy``: only the rows the set scores left unrelated are aligned (passages may still make them copies). A
    labelled row keeps its set label, which passages never change, and gets its passages where they are needed
    (``fill_passages``: the clusters' links), so most verified edges are never aligned."""
    if lazy:
        todo = table.label == UNRELATED
        part = align_edges(table.select(todo), shingles_of, sizes, cfg, True, threads, known)
        merged = table.with_rows(todo, part)
        return merged if keep_unrelated else merged.select(merged.label != UNRELATED)
    if len(table) <= ALIGN_BATCH:
        return _align_batch(table, shingles_of, sizes, cfg, keep_unrelated, threads, known)
    parts = []
    for lo in range(0, len(table), ALIGN_BATCH):
        rows = np.zeros(len(table), dtype=bool)
        rows[lo : lo + ALIGN_BATCH] = True
        parts.append(_align_batch(table.select(rows), shingles_of, sizes, cfg, keep_unrelated, threads, known))
    return concat_edges(parts)


def aligned(table: EdgeTable) -> np.ndarray:
    """Rows whose passages are known (an aligned pair has words on both sides; see ``align_edges(lazy=True)``)."""
    known: np.ndarray = (table.words_a > 0) | (table.words_b > 0)
    return known


def fill_passages(table: EdgeTable, rows: np.ndarray, shingles_of: ShinglesInOrder, sizes: np.ndarray,
                  cfg: RunConfig, threads: int = 1, known: KnownSpans | None = None) -> EdgeTable:
    """``table`` with the passages of ``rows`` filled where they are not yet (labels stay: see ``align_edges``)."""
    todo = np.zeros(len(table), dtype=bool)
    todo[rows] = True
    todo &= ~aligned(table)
    if not todo.any():
        return table
    return table.with_rows(todo, align_edges(table.select(todo), shingles_of, sizes, cfg, True, threads, known))


def _align_batch(table: EdgeTable, shingles_of: ShinglesInOrder, sizes: np.ndarray, cfg: RunConfig,
                 keep_unrelated: bool, threads: int, known: KnownSpans | None) -> EdgeTable:
    if len(table) == 0:
        return table
    docs = np.unique(np.concatenate([table.a, table.b]))
    values, offsets = shingles_of(docs)
    v = cfg.verify
    found = align_pairs(values, offsets, np.searchsorted(docs, table.a), np.searchsorted(docs, table.b),
                        cfg.shingle.size, v.passage_max_gap, v.passage_min_words, v.excerpt_min_passage, threads)
    aligned = dataclasses.replace(table, cover_ab=found.cover_a, cover_ba=found.cover_b, first_a=found.first_a,
                                  first_b=found.first_b, words_a=found.words_a,
                                  words_b=found.words_b, reach=found.reach, longest=found.longest,
                                  passages=found.count)
    label = label_passages(aligned, sizes[table.a], sizes[table.b], v)
    if known is not None:
        known.add(table.a, table.b, found, np.flatnonzero(label != UNRELATED))
    aligned = dataclasses.replace(aligned, label=label)
    return aligned if keep_unrelated else aligned.select(label != UNRELATED)


def passage_spans(pairs: np.ndarray, shingles_of: ShinglesInOrder, cfg: RunConfig,
                  chunk: int = ALIGN_BATCH, threads: int = 1,
                  known: KnownSpans | None = None) -> list[tuple[tuple[int, int, int, int], ...]]:
    """Each pair's passages as word spans (start, end in the first doc, start, end in the second), for the
    outputs: from ``known`` where the pair was aligned before, else aligned again, ``chunk`` at a time, so only
    the chunk's texts are held."""
    v = cfg.verify
    found_before = known.lookup(pairs) if known is not None else [None] * pairs.shape[0]
    missing = np.array([k for k, spans in enumerate(found_before) if spans is None], dtype=np.int64)
    out: list[tuple[tuple[int, int, int, int], ...]] = [spans or () for spans in found_before]
    for lo in range(0, missing.shape[0], chunk):
        rows = missing[lo : lo + chunk]
        part = pairs[rows]
        docs = np.unique(part)
        values, offsets = shingles_of(docs)
        found = align_pairs(values, offsets, np.searchsorted(docs, part[:, 0]), np.searchsorted(docs, part[:, 1]),
                            cfg.shingle.size, v.passage_max_gap, v.passage_min_words, v.excerpt_min_passage,
                            threads)
        for k, row in enumerate(rows.tolist()):
            out[row] = tuple(found.passages(k))
    return out
