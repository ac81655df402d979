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
from .sketch.shingle import ordered_shingles
from .verify import UNRELATED, EdgeTable, label_passages


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
def _sorted_rows(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per doc, its shingles sorted (``sorted_values``) and their positions in text order (``positions``); for
    equal hashes the first position comes first, so a lookup finds a shingle's first occurrence."""
    sorted_values = np.empty_like(values)
    positions = np.empty(values.shape[0], dtype=np.int64)
    for d in range(offsets.shape[0] - 1):
        lo, hi = offsets[d], offsets[d + 1]
        order = np.argsort(values[lo:hi], kind="mergesort")
        for k in range(hi - lo):
            positions[lo + k] = order[k]
            sorted_values[lo + k] = values[lo + order[k]]
    return sorted_values, positions


@njit(cache=True, nogil=True, inline="always")
def _find(sorted_values: np.ndarray, lo: int, hi: int, value: np.uint64) -> int:
    """Index of the first ``value`` in ``sorted_values[lo:hi]`` (absolute), or -1."""
    at = lo + int(np.searchsorted(sorted_values[lo:hi], value))
    if at < hi and sorted_values[at] == value:
        return at
    return -1


@njit(cache=True, nogil=True)
def _runs(values: np.ndarray, lo: int, hi: int, other_sorted: np.ndarray, olo: int, ohi: int, size: int,
          max_gap: int, min_words: int) -> list[tuple[int, int, int]]:
    """Passages of doc X (shingles ``values[lo:hi]`` in text order) shared with doc Y (sorted shingles
    ``other_sorted[olo:ohi]``): (first shingle, last shingle, words covered), positions relative to ``lo``.

    A *segment* is a run of consecutive shared shingles; one spanning ``min_words`` words or more is solid.
    Solid segments at most ``max_gap`` shingles apart join one passage. Words covered are those inside its
    solid segments (not the gaps between them), so text that shares only scattered phrases (a template with
    other names and numbers) has no passage at all, while a copy with a word changed here and there is one."""
    out = [(0, 0, 0)]
    out.pop()
    n = hi - lo
    p_start = p_end = p_cover = -1  # the passage being built: first and last shingle, words covered
    i = 0
    while i < n:
        if _find(other_sorted, olo, ohi, values[lo + i]) < 0:
            i += 1
            continue
        j = i
        while j + 1 < n and _find(other_sorted, olo, ohi, values[lo + j + 1]) >= 0:
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
def _align(values: np.ndarray, offsets: np.ndarray, sorted_values: np.ndarray, positions: np.ndarray,
           left: np.ndarray, right: np.ndarray, size: int, max_gap: int, min_words: int, anchor_words: int) -> tuple[
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
    for k in range(m):
        docs = (left[k], right[k])
        runs_of = []
        for side in range(2):
            x, y = docs[side], docs[1 - side]
            runs = _runs(values, offsets[x], offsets[x + 1], sorted_values, offsets[y], offsets[y + 1], size,
                         max_gap, min_words)
            n = offsets[x + 1] - offsets[x]
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
        ka = _sequence_key(values, offsets[docs[0]], offsets[docs[0] + 1])
        kb = _sequence_key(values, offsets[docs[1]], offsets[docs[1] + 1])
        side = 0 if ka <= kb else 1
        x, y = docs[side], docs[1 - side]
        ylo, yhi = offsets[y], offsets[y + 1]
        pieces = 0
        for start, end, _ in runs_of[side]:
            # a passage of x is cut into pieces that run on in y too: a paragraph moved, inserted or dropped in y
            # starts a new piece, so no piece spans text that only one doc has
            p0 = q0 = p1 = q1 = -1
            for p in range(start, end + 2):
                q = -1
                if p <= end:
                    at = _find(sorted_values, ylo, yhi, values[offsets[x] + p])
                    if at < 0:
                        continue
                    q = positions[at]
                    # a shingle y repeats: the occurrence that runs on from the piece, if there is one
                    while q <= q1 and at + 1 < yhi and sorted_values[at + 1] == sorted_values[at]:
                        at += 1
                        q = positions[at]
                    if q <= q1:
                        q = positions[_find(sorted_values, ylo, yhi, values[offsets[x] + p])]
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
                max_gap: int, min_words: int, anchor_words: int) -> PassageTable:
    """Shared passages of each pair (``left[k]``, ``right[k]``) of docs whose shingles in text order are the CSR
    table (``values``, ``offsets``), for shingles of ``size`` words (see the module docstring). A passage of at least
    ``anchor_words`` words is long: ``first_*`` is where the first long one starts, ``count`` how many there are."""
    values = np.ascontiguousarray(values, dtype=np.uint64)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    sorted_values, positions = _sorted_rows(values, offsets)
    cover_a, cover_b, first_a, first_b, words_a, words_b, reach, longest, count, span_offsets, spans = _align(
        values, offsets, sorted_values, positions, np.ascontiguousarray(left, dtype=np.int64),
        np.ascontiguousarray(right, dtype=np.int64), size, max_gap, min_words, anchor_words,
    )
    return PassageTable(cover_a, cover_b, first_a, first_b, words_a, words_b, reach, longest, count, span_offsets,
                        spans)


def align_edges(table: EdgeTable, text_of: Callable[[int], str], sizes: np.ndarray, cfg: RunConfig,
                keep_unrelated: bool = False) -> EdgeTable:
    """The rows of ``table`` with their passage columns filled and their labels refined by the passages
    (``verify.label_passages``); rows left unrelated are dropped unless ``keep_unrelated``. ``text_of(i)`` is doc
    i's text as it was sketched, ``sizes`` every doc's shingle-set size."""
    if len(table) == 0:
        return table
    docs = np.unique(np.concatenate([table.a, table.b]))
    values, offsets = ordered_shingles([text_of(int(i)) for i in docs.tolist()], cfg.shingle)
    v = cfg.verify
    found = align_pairs(values, offsets, np.searchsorted(docs, table.a), np.searchsorted(docs, table.b),
                        cfg.shingle.size, v.passage_max_gap, v.passage_min_words, v.excerpt_min_passage)
    aligned = dataclasses.replace(table, cover_ab=found.cover_a, cover_ba=found.cover_b, first_a=found.first_a,
                                  first_b=found.first_b, words_a=found.words_a,
                                  words_b=found.words_b, reach=found.reach, longest=found.longest,
                                  passages=found.count)
    label = label_passages(aligned, sizes[table.a], sizes[table.b], v)
    aligned = dataclasses.replace(aligned, label=label)
    return aligned if keep_unrelated else aligned.select(label != UNRELATED)


def passage_spans(pairs: np.ndarray, text_of: Callable[[int], str], cfg: RunConfig,
                  chunk: int = 20_000) -> list[tuple[tuple[int, int, int, int], ...]]:
    """Each pair's passages as word spans (start, end in the first doc, start, end in the second), for the
    outputs; the pairs are aligned again, ``chunk`` at a time, so only the chunk's texts are held."""
    v = cfg.verify
    out: list[tuple[tuple[int, int, int, int], ...]] = []
    for lo in range(0, pairs.shape[0], chunk):
        part = pairs[lo : lo + chunk]
        docs = np.unique(part)
        values, offsets = ordered_shingles([text_of(int(i)) for i in docs.tolist()], cfg.shingle)
        found = align_pairs(values, offsets, np.searchsorted(docs, part[:, 0]), np.searchsorted(docs, part[:, 1]),
                            cfg.shingle.size, v.passage_max_gap, v.passage_min_words, v.excerpt_min_passage)
        out.extend(tuple(found.passages(k)) for k in range(part.shape[0]))
    return out
