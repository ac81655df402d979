from __future__ import annotations

import numpy as np

from copydesk.candidates.lsh import candidate_pairs, containment_pairs, lsh_pairs
from copydesk.config import CandidateConfig, MinHashConfig, ShingleConfig
from copydesk.sketch import _kernels
from copydesk.sketch.minhash import signatures
from copydesk.sketch.shingle import shingle_sets


def _article(rng: np.random.Generator, words: int) -> list[str]:
    return [f"w{x}" for x in rng.integers(0, 20000, size=words)]


def test_near_copies_collide_in_lsh_and_unrelated_do_not() -> None:
    rng = np.random.default_rng(3)
    a = _article(rng, 600)
    near = a.copy()
    for i in rng.choice(600, size=12, replace=False):
        near[i] = "edited"
    unrelated = _article(rng, 600)
    sets = shingle_sets([" ".join(a), " ".join(near), " ".join(unrelated)], ShingleConfig())
    pairs = lsh_pairs(signatures(sets, MinHashConfig()), CandidateConfig(), MinHashConfig())
    assert pairs.tolist() == [[0, 1]]


def test_excerpt_found_by_containment_path_not_by_lsh() -> None:
    rng = np.random.default_rng(4)
    full = _article(rng, 900)
    excerpt = full[:250] + ["click", "here", "for", "the", "full", "story"]
    sets = shingle_sets([" ".join(full), " ".join(excerpt)], ShingleConfig())
    cfg = CandidateConfig()
    assert containment_pairs(sets, cfg, min_estimate=0.35).tolist() == [[0, 1]]
    sig = signatures(sets, MinHashConfig())
    both = candidate_pairs(sets, sig, cfg, MinHashConfig(), min_containment=0.7)
    assert both.tolist() == [[0, 1]]


def test_runs_longer_than_cap_stay_linear() -> None:
    keys = np.zeros(1000, dtype=np.uint64)
    docs = np.arange(1000, dtype=np.int64)
    assert _kernels.pairs_from_runs(keys, docs, 10, True).shape[0] == 0  # fingerprint runs: skipped
    codes = _kernels.pairs_from_runs(keys, docs, 10, False)
    assert codes.shape[0] == 10 * 9 // 2 + 990 * 10
    lo = (codes >> np.uint64(32)).astype(np.int64)
    hi = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    assert np.all(lo < hi)
    assert set(hi.tolist()) == set(range(1, 1000))  # every member is linked to the head of the run
