"""Candidate pairs -> verified edges with exact Jaccard and both directional containments.

Scores are computed on the exact shingle sets (not the sketches), so every stored number can be trusted and
re-derived. Labels:

* ``exact``: identical token streams;
* ``near_duplicate``: Jaccard >= ``near_jaccard``, or each doc has >= ``containment`` of its shingles in the
  other, or one has that much in the other while neither is clearly shorter (same text in different
  wrappers: otherwise a copy 81% the size of the other with 86% of its shingles inside it would fall
  between "near" and "excerpt" and be dropped);
* ``a_in_b`` / ``b_in_a``: the smaller doc has >= ``containment`` of its shingles in the larger and at most
  ``excerpt_max_ratio`` of its size (it is clearly an excerpt);
* otherwise the pair is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .config import VerifyConfig
from .runtime import in_order_threads
from .sketch import _kernels
from .sketch.shingle import ShingleSets
from .sketch.spill import SpilledShingles
from .types import EdgeLabel

#: Integer codes of the ``label`` column of ``EdgeTable`` (arrays, not enums, in the hot path).
LABEL_CODES: tuple[EdgeLabel, ...] = (
    EdgeLabel.UNRELATED,
    EdgeLabel.EXACT,
    EdgeLabel.NEAR,
    EdgeLabel.A_IN_B,
    EdgeLabel.B_IN_A,
    EdgeLabel.EDITED,
)
UNRELATED, EXACT, NEAR, A_IN_B, B_IN_A, EDITED = range(6)


@dataclass(frozen=True, slots=True)
class EdgeTable:
    """Verified edges as columns; row k links docs ``a[k]`` and ``b[k]`` (indices into the run's doc table).

    The passage columns (``copydesk.passages``) are zero until the pair is aligned: ``cover_ab`` / ``cover_ba``
    the share of a's / b's words in shared passages, ``first_a`` / ``first_b`` the word where the first passage of
    ``excerpt_min_passage`` words or more starts in each (-1 with none), ``words_a`` / ``words_b`` their words (as aligned), ``reach`` the words of each doc from its first passage's start to
    its last passage's end (lo in a, hi in a, lo in b, hi in b; -1 with none), ``longest`` the longest passage in
    words, ``passages`` how many long ones (``excerpt_min_passage`` words or more) there are."""

    a: np.ndarray
    b: np.ndarray
    jaccard: np.ndarray
    contain_ab: np.ndarray
    contain_ba: np.ndarray
    label: np.ndarray  # int8 codes, see LABEL_CODES
    cover_ab: np.ndarray = None  # type: ignore[assignment]  # (filled in __post_init__)
    cover_ba: np.ndarray = None  # type: ignore[assignment]
    first_a: np.ndarray = None  # type: ignore[assignment]
    first_b: np.ndarray = None  # type: ignore[assignment]
    words_a: np.ndarray = None  # type: ignore[assignment]
    words_b: np.ndarray = None  # type: ignore[assignment]
    reach: np.ndarray = None  # type: ignore[assignment]
    longest: np.ndarray = None  # type: ignore[assignment]
    passages: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.reach is None:
            object.__setattr__(self, "reach", np.full((self.a.shape[0], 4), -1, dtype=np.int64))
        for name, dtype, value in (("cover_ab", np.float64, 0), ("cover_ba", np.float64, 0),
                                   ("first_a", np.int64, -1), ("first_b", np.int64, -1),
                                   ("words_a", np.int64, 0), ("words_b", np.int64, 0),
                                   ("longest", np.int64, 0), ("passages", np.int64, 0)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(self.a.shape[0], value, dtype=dtype))

    def __len__(self) -> int:
        return int(self.a.shape[0])

    def select(self, mask: np.ndarray) -> EdgeTable:
        return EdgeTable(*(getattr(self, f)[mask] for f in EdgeTable.__slots__))

    def with_rows(self, rows: np.ndarray, part: EdgeTable) -> EdgeTable:
        """This table with its rows ``rows`` (a mask, or row numbers) replaced by those of ``part``, in order."""
        columns = []
        for name in EdgeTable.__slots__:
            column = getattr(self, name).copy()
            column[rows] = getattr(part, name)
            columns.append(column)
        return EdgeTable(*columns)


def label_scores(
    sizes_a: np.ndarray, sizes_b: np.ndarray, inter: np.ndarray, same_text: np.ndarray, cfg: VerifyConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised scores and labels for pairs with the given set sizes and intersection sizes."""
    sa = sizes_a.astype(np.float64)
    sb = sizes_b.astype(np.float64)
    it = inter.astype(np.float64)
    union = np.maximum(sa + sb - it, 1.0)
    jaccard = it / union
    contain_ab = np.where(sa > 0, it / np.maximum(sa, 1.0), 0.0)
    contain_ba = np.where(sb > 0, it / np.maximum(sb, 1.0), 0.0)
    label = np.full(inter.shape[0], UNRELATED, dtype=np.int8)
    a_contained = contain_ab >= cfg.containment
    b_contained = contain_ba >= cfg.containment
    a_shorter = sa <= cfg.excerpt_max_ratio * sb
    b_shorter = sb <= cfg.excerpt_max_ratio * sa
    a_in_b = a_contained & a_shorter
    b_in_a = b_contained & b_shorter
    similar_size = ~a_shorter & ~b_shorter
    near = (
        (jaccard >= cfg.near_jaccard)
        | (a_contained & b_contained)
        | ((a_contained | b_contained) & similar_size)
    )
    label[b_in_a] = B_IN_A
    label[a_in_b] = A_IN_B
    label[near] = NEAR
    label[same_text] = EXACT
    return jaccard, contain_ab, contain_ba, label


#: Fewest pairs per thread when verification runs in threads (below it one thread does all).
PAIRS_PER_THREAD = 8192


#: A shingle table in memory (one CSR array) or as the batch files a run spilled.
Shingles = ShingleSets | SpilledShingles


def _intersection_kernel(sets: Shingles) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """|A ∩ B| of pairs (left, right) of ``sets``; a spilled table is mapped for as long as the kernel is held."""
    if isinstance(sets, ShingleSets):
        values, starts, ends = sets.values, sets.offsets[:-1], sets.offsets[1:]
        return lambda left, right: _kernels.intersection_sizes(values, starts, ends, left, right)
    starts, ends = sets.starts, sets.ends
    if len(sets.paths) <= 1:  # (no docs, or a table joined into one file: no typed list to build)
        (values,) = sets.mapped() or [np.empty(0, dtype=np.uint64)]
        return lambda left, right: _kernels.intersection_sizes(values, starts, ends, left, right)
    # a typed list costs about half a second the first time in a process (numba compiles its methods), so small
    # tables are joined into one file instead (ShingleSpill.finish)
    from numba.typed import List as TypedList

    files = TypedList(sets.mapped())
    file_of = sets.file_of
    return lambda left, right: _kernels.intersection_sizes_in_files(files, file_of, starts, ends, left, right)


def intersection_sizes(sets: Shingles, left: np.ndarray, right: np.ndarray, threads: int = 1) -> np.ndarray:
    """|A ∩ B| for each pair (``left[k]``, ``right[k]``), in slices side by side in up to ``threads`` threads (the
    merge walk releases the GIL); the same numbers for any number of threads."""
    kernel = _intersection_kernel(sets)
    count = left.shape[0]
    slices = max(1, min(threads, count // PAIRS_PER_THREAD))
    if slices == 1:
        return kernel(left, right)
    bounds = np.linspace(0, count, slices + 1).astype(np.int64).tolist()

    def part(k: int) -> np.ndarray:
        lo, hi = bounds[k], bounds[k + 1]
        return kernel(left[lo:hi], right[lo:hi])

    return np.concatenate(list(in_order_threads(part, range(slices), slices)))


def worth_aligning(table: EdgeTable, cfg: VerifyConfig) -> np.ndarray:
    """Rows to keep for passage alignment: those with a label, and unrelated ones where either doc has at least
    ``align_containment`` of its shingles in the other (an edited copy, or an excerpt in heavy furniture)."""
    keep: np.ndarray = (table.label != UNRELATED) | (
        np.maximum(table.contain_ab, table.contain_ba) >= cfg.align_containment
    )
    return keep


def _leads(first: np.ndarray, words: np.ndarray, cfg: VerifyConfig) -> np.ndarray:
    """The first long passage (``first``) starts the doc's story: within its first ``excerpt_lead_share`` of words
    and its first ``excerpt_lead_words`` words. (A pair with no long passage is not judged.)"""
    return (first < 0) | ((first <= cfg.excerpt_lead_share * words) & (first <= cfg.excerpt_lead_words))


def label_passages(table: EdgeTable, sizes_a: np.ndarray, sizes_b: np.ndarray, cfg: VerifyConfig) -> np.ndarray:
    """Labels once passages are known (``table``'s passage columns filled).

    Set labels stand: a doc with ``containment`` of its shingles in a larger one is an excerpt of it wherever it
    sits (a middle run of a story's paragraphs is a copy too). A pair the set scores left unrelated may be

    * an excerpt (``a_in_b`` / ``b_in_a``): the clearly shorter doc has at least ``excerpt_coverage`` of its words
      in shared passages, one of them at least ``excerpt_min_passage`` words long, and the larger doc's first
      long passage starts its story (``_leads``): a story's first paragraphs printed word for word, inside
      furniture that the set scores count against it. Without the lead, what the two share further down the
      larger doc is something that page carries (a company's "about" paragraph at its foot, a reading list, one
      item of a live blog), and the pair is no copy of any kind. When several passages cover both docs in
      part (the shorter less than ``containment``, the larger at least ``edited_coverage``), the pair is an
      edited copy instead;
    * a near copy: both docs have at least ``containment`` of their words in shared passages;
    * an ``edited_copy``: at least ``edited_min_passages`` long passages (``excerpt_min_passage`` words or more
      each), and each doc at least ``edited_coverage`` covered (a rewritten or updated
      wire story: new lead, paragraphs added, dropped or moved, most narration word for word); or one passage of
      ``edited_long_passage`` words or more that covers at least ``edited_long_coverage`` of each doc.
    """
    label = table.label.copy()
    a_shorter = sizes_a <= cfg.excerpt_max_ratio * sizes_b
    b_shorter = sizes_b <= cfg.excerpt_max_ratio * sizes_a
    lead_in_a = _leads(table.first_a, table.words_a, cfg)
    lead_in_b = _leads(table.first_b, table.words_b, cfg)
    cab, cba = table.cover_ab, table.cover_ba
    # a doc whose words lie mostly in passages found further down a larger one is carried by it: no copy
    unrelated = label == UNRELATED
    carried = unrelated & (
        (a_shorter & (cab >= cfg.containment) & ~lead_in_b) | (b_shorter & (cba >= cfg.containment) & ~lead_in_a)
    )
    free = unrelated & ~carried
    least = np.minimum(cab, cba)
    edited = free & (
        ((table.passages >= cfg.edited_min_passages) & (least >= cfg.edited_coverage))
        # one long passage that covers most of both: a copy whose remaining words are furniture or edits
        | ((table.longest >= cfg.edited_long_passage) & (least >= cfg.edited_long_coverage))
    )
    label[edited] = EDITED
    long_enough = table.longest >= cfg.excerpt_min_passage
    one = table.passages < cfg.edited_min_passages
    b_in_a = (cba >= cfg.excerpt_coverage) & ((cba >= cfg.containment) | (cab < cfg.edited_coverage) | one)
    a_in_b = (cab >= cfg.excerpt_coverage) & ((cab >= cfg.containment) | (cba < cfg.edited_coverage) | one)
    label[free & b_shorter & long_enough & lead_in_a & b_in_a] = B_IN_A
    label[free & a_shorter & long_enough & lead_in_b & a_in_b] = A_IN_B
    label[free & (table.cover_ab >= cfg.containment) & (table.cover_ba >= cfg.containment)] = NEAR
    return label


def verify_pairs(
    sets: Shingles, pairs: np.ndarray, cfg: VerifyConfig, keep_unrelated: bool = False, threads: int = 1
) -> EdgeTable:
    """Exact scores for every candidate pair; unrelated pairs are dropped unless ``keep_unrelated``, except those
    worth aligning (``worth_aligning``): passages may still show them to be copies."""
    left = np.ascontiguousarray(pairs[:, 0], dtype=np.int64)
    right = np.ascontiguousarray(pairs[:, 1], dtype=np.int64)
    inter = intersection_sizes(sets, left, right, threads)
    sizes = sets.sizes()
    same_text = sets.exact[left] == sets.exact[right]
    jaccard, cab, cba, label = label_scores(sizes[left], sizes[right], inter, same_text, cfg)
    table = EdgeTable(left, right, jaccard, cab, cba, label)
    return table if keep_unrelated else table.select(worth_aligning(table, cfg))


def concat_edges(tables: list[EdgeTable]) -> EdgeTable:
    """One table of the rows of ``tables`` (at least one), in order."""
    if len(tables) == 1:
        return tables[0]
    return EdgeTable(*(np.concatenate([getattr(t, f) for t in tables]) for f in EdgeTable.__slots__))


def verify_in_chunks(
    sets: Shingles, pairs: np.ndarray, cfg: VerifyConfig, chunk: int = 50_000,
    done: Callable[[int], None] | None = None, threads: int = 1,
    refine: Callable[[EdgeTable], EdgeTable] | None = None,
) -> EdgeTable:
    """``verify_pairs`` chunk by chunk of pairs; a spilled table is mapped afresh for each chunk, so the pages a
    chunk touches are released before the next (resident memory stays bounded on corpora larger than RAM).
    ``done`` (optional) hears the number of pairs verified so far after each chunk; ``threads`` split each chunk;
    ``refine`` (optional) takes each chunk's table on (passage alignment) and returns what to keep of it."""
    tables = []
    for start in range(0, max(pairs.shape[0], 1), chunk):
        table = verify_pairs(sets, pairs[start : start + chunk], cfg, threads=threads)
        tables.append(table if refine is None else refine(table))
        if done is not None:
            done(min(start + chunk, int(pairs.shape[0])))
    return concat_edges(tables)
