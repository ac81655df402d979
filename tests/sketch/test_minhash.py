from __future__ import annotations

import numpy as np

from copydesk.config import MinHashConfig, ShingleConfig
from copydesk.sketch.minhash import estimated_jaccard, signatures, sketch_texts
from copydesk.sketch.shingle import concat, shingle_sets


def _texts(n: int, rng: np.random.Generator) -> list[str]:
    vocab = [f"w{i}" for i in range(5000)]
    return [" ".join(rng.choice(vocab, size=400)) for _ in range(n)]


def test_estimate_tracks_exact_jaccard() -> None:
    rng = np.random.default_rng(0)
    base = _texts(1, rng)[0].split()
    errors = []
    for cut in (50, 100, 200, 300):
        other = base[:cut] + [f"z{i}" for i in range(400 - cut)]
        sets = shingle_sets([" ".join(base), " ".join(other)], ShingleConfig())
        a, b = sets.row(0), sets.row(1)
        inter = np.intersect1d(a, b).shape[0]
        exact = inter / (a.shape[0] + b.shape[0] - inter)
        sig = signatures(sets, MinHashConfig(num_perm=256))
        errors.append(abs(estimated_jaccard(sig[0], sig[1]) - exact))
    assert max(errors) < 0.1


def test_identical_sets_identical_signatures_and_seed_matters() -> None:
    sig = sketch_texts(["same words in the same order here", "Same words, in the same order here!"], seed=1)
    assert np.array_equal(sig[0], sig[1])
    other = sketch_texts(["same words in the same order here"], seed=2)
    assert not np.array_equal(sig[0], other[0])


def test_tiny_docs_are_densified_without_empty_lanes() -> None:
    sig = sketch_texts(["just three words", "a b c d e f"], num_perm=128)
    assert sig.shape == (2, 128)
    assert not np.any(sig == np.uint32(0xFFFFFFFF))


def test_signatures_do_not_depend_on_batching() -> None:
    rng = np.random.default_rng(1)
    texts = _texts(40, rng)
    cfg = MinHashConfig()
    whole = signatures(shingle_sets(texts, ShingleConfig()), cfg)
    parts = signatures(concat([shingle_sets(texts[i : i + 9], ShingleConfig()) for i in range(0, 40, 9)]), cfg)
    assert np.array_equal(whole, parts)
