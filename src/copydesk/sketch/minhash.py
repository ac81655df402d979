"""Shingle sets -> MinHash signatures [n, num_perm] (uint32), one-permutation hashing with densification."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..config import MinHashConfig, ShingleConfig
from . import _kernels
from .shingle import ShingleSets, shingle_sets


def signatures(sets: ShingleSets, cfg: MinHashConfig) -> np.ndarray:
    """Signature matrix of the docs in ``sets``; row i depends only on doc i's shingles and ``cfg``."""
    return _kernels.one_permutation_minhash(
        sets.values, sets.offsets, cfg.num_perm, np.uint64(cfg.seed)
    )


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Share of equal lanes: an unbiased estimate of the Jaccard similarity of the two shingle sets."""
    return float(np.mean(sig_a == sig_b))


def sketch_texts(texts: Sequence[str], num_perm: int = 128, shingle_size: int = 5, seed: int = 42) -> np.ndarray:
    """Convenience for benchmarks and notebooks: texts -> signatures in one call."""
    sets = shingle_sets(texts, ShingleConfig(size=shingle_size))
    return signatures(sets, MinHashConfig(num_perm=num_perm, seed=seed))
