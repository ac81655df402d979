from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.candidates.lsh import (
    _decode_pairs,
    candidate_pairs,
    containment_codes,
    containment_pairs,
    fingerprints,
    lsh_pairs,
)
from copydesk.config import CandidateConfig, MinHashConfig, ShingleConfig
from copydesk.sketch import _kernels
from copydesk.sketch.minhash import signatures
from copydesk.sketch.shingle import shingle_sets, take
from copydesk.sketch.spill import FingerprintSpill


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
    values, offsets = fingerprints(sets, cfg)
    docs = np.repeat(np.arange(2), np.diff(offsets))
    both = candidate_pairs(sets.exact, sig, [(values, docs)], np.diff(offsets), cfg, MinHashConfig(),
                           min_containment=0.7)
    assert both.tolist() == [[0, 1]]


def test_fingerprint_partitions_give_the_same_pairs_as_one_table(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    texts = []
    for _ in range(30):
        full = _article(rng, 700)
        texts += [" ".join(full), " ".join(full[:200]), " ".join(_article(rng, 300))]
    sets = shingle_sets(texts, ShingleConfig())
    cfg = CandidateConfig()
    spill = FingerprintSpill(tmp_path, parts=16, in_memory=0)  # (the files, as a large run writes them)
    for start in range(0, len(texts), 7):  # batches, as the pipeline files them
        part = take(sets, np.arange(start, min(start + 7, len(texts))))
        spill.append(*fingerprints(part, cfg), first_doc=start)
    counts, parts = spill.finish()
    split = _decode_pairs(containment_codes(parts, counts, cfg, 0.35))
    assert split.tolist() == containment_pairs(sets, cfg, 0.35).tolist()
    assert [i * 3 for i in range(30)] == sorted({a for a, b in split.tolist() if b == a + 1})


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


def test_threads_never_change_the_candidate_pairs(tmp_path: Path) -> None:
    """Bands and fingerprint parts grouped by several threads give the pairs one thread gives."""
    rng = np.random.default_rng(9)
    stories = [_article(rng, 400) for _ in range(40)]
    texts = []
    for story in stories:
        texts.append(" ".join(story))
        texts.append(" ".join(story[: int(rng.integers(100, 300))]))  # an excerpt
        edited = story.copy()
        for i in rng.choice(400, size=20, replace=False):
            edited[i] = "edited"
        texts.append(" ".join(edited))  # a near copy
    sets = shingle_sets(texts, ShingleConfig())
    sigs = signatures(sets, MinHashConfig())
    cfg = CandidateConfig()
    results = []
    for threads in (1, 3):
        folder = tmp_path / f"t{threads}"
        folder.mkdir()
        spill = FingerprintSpill(folder, parts=8)
        values, offsets = fingerprints(sets, cfg)
        spill.append(values, offsets, 0)
        counts, parts = spill.finish()
        results.append(candidate_pairs(sets.exact, [sigs[:50], sigs[50:]], parts, counts, cfg, MinHashConfig(), 0.7,
                                       threads=threads))
    np.testing.assert_array_equal(results[0], results[1])
    assert results[0].shape[0] >= 2 * len(stories)  # the excerpts and near copies were found


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=40), max_size=30), max_size=8), st.booleans())
def test_unique_codes_count_every_code_as_np_unique_does(parts: list[list[int]], compact_each: bool) -> None:
    """The running multiset (sorted runs merged as parts arrive) holds each distinct code once with the number
    of times it was added, whether it compacts after every part or once at the end."""
    from copydesk.candidates.lsh import _UniqueCodes

    merged = _UniqueCodes()
    for part in parts:
        merged.add(np.array(part, dtype=np.uint64))
        if compact_each:
            merged._compact()
    codes, counts = merged.result()
    everything = np.array([c for part in parts for c in part], dtype=np.uint64)
    expected_codes, expected_counts = np.unique(everything, return_counts=True)
    assert codes.dtype == np.uint64 and counts.dtype == np.int64
    assert codes.tolist() == expected_codes.tolist()
    assert counts.tolist() == expected_counts.tolist()


def test_a_short_doc_sharing_one_fingerprint_is_a_candidate_a_long_one_is_not() -> None:
    """A teaser of a paragraph has a few fingerprints (``SHORT_DOC_FINGERPRINTS``), and their share is no
    estimate of its containment: one shared fingerprint makes it a candidate. Two long docs that share one
    fingerprint (a stock phrase) are not."""
    from copydesk.candidates.lsh import SHORT_DOC_FINGERPRINTS

    cfg = CandidateConfig()
    long_fps = SHORT_DOC_FINGERPRINTS * 3
    rows = [
        [7, 1001, 1002],  # doc 0: a teaser, three fingerprints, one (7) shared with doc 1
        [7, *range(2000, 2000 + long_fps)],  # doc 1: its full copy (the others' fingerprints differ by chance)
        [9, *range(3000, 3000 + long_fps)],  # doc 2 and doc 3: long docs sharing one fingerprint only
        [9, *range(4000, 4000 + long_fps)],
    ]
    values = np.array([v for row in rows for v in row], dtype=np.uint64)
    docs = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    counts = np.array([len(r) for r in rows], dtype=np.int64)
    pairs = _decode_pairs(containment_codes([(values, docs)], counts, cfg, min_estimate=0.35))
    assert pairs.tolist() == [[0, 1]]
