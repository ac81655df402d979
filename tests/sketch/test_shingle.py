from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.config import ShingleConfig
from copydesk.sketch.shingle import concat, shingle_sets, take

CFG = ShingleConfig(size=3)


def test_sets_are_sorted_unique_and_order_sensitive() -> None:
    sets = shingle_sets(["a b c d a b c d", "d c b a"], CFG)
    first = sets.row(0)
    assert np.all(np.diff(first.astype(np.float64)) > 0) or first.shape[0] <= 1
    assert first.shape[0] == 4  # abc bcd cda dab
    assert np.intersect1d(first, sets.row(1)).shape[0] == 0  # reversed words share no 3-gram


def test_short_doc_gets_one_shingle_and_empty_doc_none() -> None:
    sets = shingle_sets(["hello world", "", "!!!"], CFG)
    assert sets.sizes().tolist() == [1, 0, 0]


def test_exact_hash_ignores_case_and_punctuation_only() -> None:
    sets = shingle_sets(["The cat sat.", "the CAT — sat", "the cat sat down"], CFG)
    assert sets.exact[0] == sets.exact[1] != sets.exact[2]


def test_batch_size_never_changes_results() -> None:
    texts = [f"story {i} " + "word " * (i % 7) + "the end of story number " + str(i) for i in range(50)]
    whole = shingle_sets(texts, CFG)
    parts = concat([shingle_sets(texts[i : i + 7], CFG) for i in range(0, 50, 7)])
    assert np.array_equal(whole.values, parts.values)
    assert np.array_equal(whole.offsets, parts.offsets)
    assert np.array_equal(whole.exact, parts.exact)


def test_take_selects_rows() -> None:
    sets = shingle_sets(["a b c", "d e f g", "h i j k l"], CFG)
    picked = take(sets, np.array([2, 0]))
    assert np.array_equal(picked.row(0), sets.row(2))
    assert np.array_equal(picked.row(1), sets.row(0))


def test_fused_set_kernel_equals_sorting_the_ordered_shingles() -> None:
    from copydesk.sketch import _kernels
    from copydesk.sketch.shingle import SHINGLE_SEED, token_stream

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(40)]
    texts = [" ".join(rng.choice(words, size=int(n))) for n in rng.integers(0, 400, size=60)]
    texts += ["", "one", "a b c d", "same words " * 200]  # empty, shorter than a shingle, many repeats
    toks, tok_offsets = token_stream(texts)
    for size in (1, 3, 5):
        ordered, sh_offsets = _kernels.shingle_hashes(toks, tok_offsets, size, SHINGLE_SEED)
        values, offsets = _kernels.shingle_set_rows(toks, tok_offsets, size, SHINGLE_SEED)
        for d in range(len(texts)):
            expected = np.unique(ordered[sh_offsets[d] : sh_offsets[d + 1]])
            assert np.array_equal(values[offsets[d] : offsets[d + 1]], expected), (size, d)


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 4), max_size=8),
    picks=st.lists(st.integers(0, 7), max_size=10),
)
def test_csr_rows_are_the_rows_asked_for_in_order(sizes: list[int], picks: list[int]) -> None:
    """Any rows (unordered, repeated, empty ones); the original values come back uncopied only when they are
    exactly the answer."""
    from copydesk.sketch.shingle import csr_rows

    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    values = np.arange(offsets[-1], dtype=np.uint64) * np.uint64(3)
    rows = np.array([p for p in picks if p < len(sizes)], dtype=np.int64)
    got_values, got_offsets = csr_rows(values, offsets, rows)
    expected = [values[offsets[r] : offsets[r + 1]].tolist() for r in rows.tolist()]
    assert [got_values[got_offsets[k] : got_offsets[k + 1]].tolist() for k in range(len(rows))] == expected
    assert got_offsets[-1] == got_values.shape[0] == sum(len(e) for e in expected)
