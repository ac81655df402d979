"""Signatures + passage fingerprints -> candidate pairs [m, 2] (int64, i < j, sorted, unique).

Two paths, both near-linear in corpus size:

* **LSH banding** over MinHash signatures finds near copies. The default 32 bands x 4 rows puts the S-curve's
  midpoint at Jaccard ~0.42, so pairs at 0.5 are found with probability ~0.87 and at 0.6 with ~0.99: recall is
  favoured and exact verification removes the false positives.
* **Sampled passage fingerprints** find excerpts, which Jaccard-threshold LSH misses by design (an excerpt of a
  third of an article has Jaccard ~0.3 with it). Shingles whose hash is 0 modulo ``sample_mod`` are indexed; two
  docs that share a passage share its fingerprints whatever surrounds them, so the share of the smaller doc's
  fingerprints found in the other estimates its containment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..config import CandidateConfig, MinHashConfig
from ..runtime import in_order_threads
from ..sketch import _kernels
from ..sketch.shingle import ShingleSets

_BAND_SEED = np.uint64(0xBA4D_5EED_0000_0001)
_FINGERPRINT_SEED = np.uint64(0xF1A6_E4B1_47ED_0002)
_LOW32 = np.uint64(0xFFFFFFFF)
#: A doc with fewer fingerprints than this is short (about 130 shingles at the default ``sample_mod``): one
#: shared fingerprint makes it a candidate. Two, or a share of its fingerprints, would lose about one in four
#: one-paragraph teasers, which share three fingerprints with their full copy on average.
SHORT_DOC_FINGERPRINTS = 16


class _UniqueCodes:
    """Running multiset of pair codes kept as (unique codes, counts), compacted as parts arrive, so memory follows
    the number of distinct pairs rather than the number of times they were emitted (a near-copy pair recurs in
    most LSH bands and shares dozens of fingerprints)."""

    def __init__(self) -> None:
        self.codes = np.empty(0, dtype=np.uint64)
        self.counts = np.empty(0, dtype=np.int64)
        self.pending: list[np.ndarray] = []
        self.pending_size = 0

    def add(self, codes: np.ndarray) -> None:
        self.pending.append(codes)
        self.pending_size += codes.shape[0]
        if self.pending_size > max(4 * self.codes.shape[0], 1 << 22):
            self._compact()

    def _compact(self) -> None:
        if not self.pending:
            return
        fresh = np.concatenate(self.pending)
        fresh.sort()
        self.pending, self.pending_size = [], 0
        fresh_codes, fresh_counts = _runs(fresh, np.ones(fresh.shape[0], dtype=np.int64))
        if self.codes.shape[0] == 0:
            self.codes, self.counts = fresh_codes, fresh_counts
            return
        # two sorted runs: a stable sort (timsort) merges them in linear time, where np.unique's argsort would
        # sort them afresh
        both = np.concatenate([self.codes, fresh_codes])
        order = np.argsort(both, kind="stable")
        self.codes, self.counts = _runs(both[order], np.concatenate([self.counts, fresh_counts])[order])

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        self._compact()
        return self.codes, self.counts


def _runs(codes: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of sorted ``codes`` and the sum of ``weights`` over each one's run."""
    if codes.shape[0] == 0:
        return codes, weights
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return codes[starts], np.add.reduceat(weights, starts)


def _decode_pairs(codes: np.ndarray) -> np.ndarray:
    out = np.empty((codes.shape[0], 2), dtype=np.int64)
    out[:, 0] = (codes >> np.uint64(32)).astype(np.int64)
    out[:, 1] = (codes & _LOW32).astype(np.int64)
    return out


def _pairs_sharing_keys(keys: np.ndarray, docs: np.ndarray, max_run: int, skip_long: bool = False) -> np.ndarray:
    order = np.lexsort((docs, keys))
    return _kernels.pairs_from_runs(keys[order], docs[order], max_run, skip_long)


def lsh_pairs(signatures: np.ndarray, cfg: CandidateConfig, minhash: MinHashConfig) -> np.ndarray:
    """Pairs whose signatures agree on all rows of at least one band, as (i, j) rows."""
    return _decode_pairs(_lsh_codes(signatures, cfg, minhash))


def _lsh_codes(
    signatures: np.ndarray | Sequence[np.ndarray], cfg: CandidateConfig, minhash: MinHashConfig,
    backend: str = "numpy", threads: int = 1,
) -> np.ndarray:
    """Pair codes of ``lsh_pairs``, processed band by band to bound memory. ``signatures`` may be the list of
    per-batch blocks (rows in order), which spares a full concatenated copy of the matrix.

    With the ``gpu`` backend each block's keys for all bands are hashed on the device in one launch (the same
    values as ``_kernels.band_keys``) and held until the last band is grouped (8 bytes per doc and band, 256 MB
    per million docs at the default 32 bands); grouping equal keys stays on the host."""
    blocks = [signatures] if isinstance(signatures, np.ndarray) else list(signatures)
    n = sum(b.shape[0] for b in blocks)
    docs = np.arange(n, dtype=np.int64)
    seed = _BAND_SEED ^ np.uint64(minhash.seed)
    merged = _UniqueCodes()
    key_blocks: list[np.ndarray] | None = None
    if backend == "gpu":
        from ..backends.gpu import band_key_matrix

        key_blocks = [band_key_matrix(b, cfg.bands, cfg.rows, seed) for b in blocks]

    def band_pairs(band: int) -> np.ndarray:
        if key_blocks is not None:
            parts = [kb[:, band] for kb in key_blocks]
        else:
            parts = [_kernels.band_keys(b, band, cfg.rows, seed) for b in blocks]
        keys = np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)
        return _pairs_sharing_keys(keys, docs, cfg.max_postings)

    for codes in in_order_threads(band_pairs, range(cfg.bands), threads):
        merged.add(codes)
    return merged.result()[0]


def band_key_rows(signatures: np.ndarray, cfg: CandidateConfig, minhash: MinHashConfig) -> np.ndarray:
    """Every doc's LSH band keys as a [n, bands] matrix (the keys ``lsh_pairs`` groups by, band by band): what an
    index stores and looks a new doc up by."""
    seed = _BAND_SEED ^ np.uint64(minhash.seed)
    out = np.empty((signatures.shape[0], cfg.bands), dtype=np.uint64)
    for band in range(cfg.bands):
        out[:, band] = _kernels.band_keys(signatures, band, cfg.rows, seed)
    return out


def fingerprints(sets: ShingleSets, cfg: CandidateConfig) -> tuple[np.ndarray, np.ndarray]:
    """Sampled passage fingerprints of every doc (CSR: values, offsets)."""
    return _kernels.sampled_fingerprints(
        sets.values, sets.offsets, cfg.sample_mod, _FINGERPRINT_SEED
    )


def containment_codes(
    partitions: Iterable[tuple[np.ndarray, np.ndarray]], counts: np.ndarray, cfg: CandidateConfig,
    min_estimate: float, threads: int = 1,
) -> np.ndarray:
    """Pair codes sharing at least ``min_shared_fingerprints`` fingerprints, and a share of the smaller doc's
    fingerprints of at least ``min_estimate`` (a loose containment estimate; exact scores come later).

    ``partitions`` yields (fingerprints, doc indices) with every occurrence of one fingerprint in the same
    partition (split by hash range), so each can be sorted alone and memory stays bounded. ``counts`` holds
    each doc's number of fingerprints.
    """
    merged = _UniqueCodes()

    def part_pairs(part: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        values, docs = part
        return _pairs_sharing_keys(values, docs.astype(np.int64), cfg.max_postings, skip_long=True)

    for codes in in_order_threads(part_pairs, partitions, threads):
        merged.add(codes)
    unique, shared = merged.result()
    if unique.shape[0] == 0:
        return unique
    pairs = _decode_pairs(unique)
    smaller = np.minimum(counts[pairs[:, 0]], counts[pairs[:, 1]])
    selected: np.ndarray = unique[sharing_enough(shared, smaller, cfg, min_estimate)]
    return selected


def sharing_enough(shared: np.ndarray, smaller: np.ndarray, cfg: CandidateConfig, min_estimate: float) -> np.ndarray:
    """Which pairs sharing ``shared`` fingerprints are candidates, the smaller of the two docs having ``smaller``:
    at least ``min_shared_fingerprints`` and a share of ``min_estimate`` of the smaller doc's. A short doc (a
    teaser of a paragraph or two) has a few fingerprints only, and their share is no estimate of its
    containment: one shared is enough there. (The batch run and the index's lookups keep the same pairs.)"""
    short = smaller < SHORT_DOC_FINGERPRINTS
    kept: np.ndarray = np.where(short, shared >= 1,
                                (shared >= cfg.min_shared_fingerprints) & (shared >= min_estimate * smaller))
    return kept


def containment_pairs(sets: ShingleSets, cfg: CandidateConfig, min_estimate: float) -> np.ndarray:
    """In-memory convenience over ``containment_codes`` for a small table: (i, j) rows."""
    values, offsets = fingerprints(sets, cfg)
    counts = np.diff(offsets)
    docs = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    return _decode_pairs(containment_codes([(values, docs)], counts, cfg, min_estimate))


def candidate_pairs(
    exact: np.ndarray, signatures: np.ndarray | Sequence[np.ndarray], fingerprint_parts: Iterable[tuple[np.ndarray, np.ndarray]],
    fingerprint_counts: np.ndarray, cfg: CandidateConfig, minhash: MinHashConfig, min_containment: float,
    backend: str = "numpy", threads: int = 1,
) -> np.ndarray:
    """Union of LSH pairs, fingerprint pairs and exact copies (same token stream), as sorted unique (i, j) rows
    with i < j. ``backend`` says where band keys are hashed and ``threads`` how many threads group them; the
    pairs are the same either way."""
    codes = [
        _lsh_codes(signatures, cfg, minhash, backend, threads),
        containment_codes(fingerprint_parts, fingerprint_counts, cfg, min_containment / 2, threads),
        _pairs_sharing_keys(exact, np.arange(exact.shape[0], dtype=np.int64), cfg.max_postings),
    ]
    return _decode_pairs(np.unique(np.concatenate(codes)))
