from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.config import ShingleConfig, VerifyConfig
from copydesk.sketch.shingle import shingle_sets
from copydesk.verify import A_IN_B, B_IN_A, EXACT, NEAR, UNRELATED, label_scores, verify_pairs

words = st.lists(st.sampled_from([f"w{i}" for i in range(30)]), min_size=1, max_size=60).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(words, words)
def test_metric_laws(a: str, b: str) -> None:
    sets = shingle_sets([a, b], ShingleConfig(size=2))
    edges = verify_pairs(sets, np.array([[0, 1]]), VerifyConfig(), keep_unrelated=True)
    swapped = verify_pairs(sets, np.array([[1, 0]]), VerifyConfig(), keep_unrelated=True)
    j = float(edges.jaccard[0])
    assert 0.0 <= j <= 1.0
    assert j == float(swapped.jaccard[0])  # symmetric
    assert float(edges.contain_ab[0]) == float(swapped.contain_ba[0])
    assert j <= min(float(edges.contain_ab[0]), float(edges.contain_ba[0])) + 1e-12
    self_edge = verify_pairs(sets, np.array([[0, 0]]), VerifyConfig(), keep_unrelated=True)
    assert float(self_edge.contain_ab[0]) == 1.0 and float(self_edge.jaccard[0]) == 1.0


def test_labels() -> None:
    cfg = VerifyConfig(near_jaccard=0.7, containment=0.7, excerpt_max_ratio=0.8)
    sa = np.array([100, 100, 30, 100, 100, 100])
    sb = np.array([100, 100, 100, 30, 100, 100])
    inter = np.array([100, 90, 25, 25, 10, 75])
    same = np.array([True, False, False, False, False, False])
    _, _, _, label = label_scores(sa, sb, inter, same, cfg)
    assert label.tolist() == [EXACT, NEAR, A_IN_B, B_IN_A, UNRELATED, NEAR]  # last: mutual containment 0.75


def test_a_copy_of_similar_size_contained_one_way_is_near() -> None:
    """85% of a's shingles lie in b and a is 81% of b's size: b's containment is 0.69, just under the
    threshold, and a is not clearly shorter, so neither "both contained" nor "excerpt" applies; the pair is a
    near copy in different wrappers, not unrelated."""
    cfg = VerifyConfig(near_jaccard=0.7, containment=0.7, excerpt_max_ratio=0.8)
    sa = np.array([81, 100, 79])
    sb = np.array([100, 81, 100])
    inter = np.array([69, 69, 69])
    same = np.zeros(3, dtype=bool)
    jaccard, _, _, label = label_scores(sa, sb, inter, same, cfg)
    assert float(jaccard[0]) < 0.7
    # either order; the last is clearly shorter (79 <= 0.8 * 100), so an excerpt
    assert label.tolist() == [NEAR, NEAR, A_IN_B]
    # under the containment threshold in both directions: still unrelated
    _, _, _, weak = label_scores(np.array([81]), np.array([100]), np.array([56]), np.zeros(1, dtype=bool), cfg)
    assert weak.tolist() == [UNRELATED]


def test_threads_split_the_pairs_and_change_no_number(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Verification in slices side by side gives the intersections (and so the edges) of one thread, in order;
    a small slice floor makes every slice count, an uneven split included."""
    from copydesk import verify

    rng = np.random.default_rng(7)
    texts = [" ".join(f"w{k}" for k in rng.integers(0, 40, size=int(rng.integers(5, 80)))) for _ in range(30)]
    texts += [t if k % 3 == 0 else " ".join(t.split()[: max(3, len(t.split()) // (k % 3 + 1))]) for k, t in enumerate(texts)]
    sets = shingle_sets(texts, ShingleConfig(size=2))
    pairs = np.array([(i, j) for i in range(60) for j in range(i + 1, 60)], dtype=np.int64)  # 1,770 pairs
    one = verify_pairs(sets, pairs, VerifyConfig(), keep_unrelated=True)
    monkeypatch.setattr(verify, "PAIRS_PER_THREAD", 100)
    for threads in (2, 3, 7):
        left, right = pairs[:, 0].copy(), pairs[:, 1].copy()
        assert np.array_equal(verify.intersection_sizes(sets, left, right, threads),
                              verify.intersection_sizes(sets, left, right, 1))
        many = verify_pairs(sets, pairs, VerifyConfig(), keep_unrelated=True, threads=threads)
        for name in ("a", "b", "jaccard", "contain_ab", "contain_ba", "label"):
            assert np.array_equal(getattr(one, name), getattr(many, name)), name
    assert int((one.label != UNRELATED).sum()) > 0  # some pairs are related: the labels were compared for real


def _spilled(sets, folder, batch_rows: list[list[int]]):  # type: ignore[no-untyped-def]
    """``sets`` spilled as the workers spill it: each batch (its docs, a file each) written whole, only some of its
    rows kept, in the order given (an empty batch makes an empty file)."""
    from copydesk.sketch.shingle import take
    from copydesk.sketch.spill import ShingleSpill, write_values

    spill = ShingleSpill()
    order: list[int] = []
    for n, rows in enumerate(batch_rows):
        batch = take(sets, np.array(sorted(rows), dtype=np.int64))
        folder.mkdir(exist_ok=True)
        path = folder / f"batch-{n}.u64"
        write_values(path, batch.values)
        kept = [k for k, doc in enumerate(sorted(rows)) if doc % 5 != 4]  # drop some rows, as file() does
        spill.append(str(path), batch.offsets, batch.exact, np.array(kept, dtype=np.int64))
        order += [sorted(rows)[k] for k in kept]
    return spill.finish(), np.array(order, dtype=np.int64)


def test_a_table_spilled_in_batch_files_verifies_as_the_same_table_in_memory(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Many files (one empty, one of docs without shingles), rows dropped within a batch, any number of threads."""
    from copydesk import verify
    from copydesk.sketch.shingle import take

    rng = np.random.default_rng(11)
    texts = [" ".join(f"w{k}" for k in rng.integers(0, 30, size=int(rng.integers(4, 60)))) for _ in range(40)]
    texts += [" ".join(t.split()[: len(t.split()) // 2]) for t in texts[:20]] + ["", "one"]
    sets = shingle_sets(texts, ShingleConfig(size=2))
    batches = [list(range(25)), [], list(range(60, 62)), list(range(25, 60))]
    from copydesk.sketch import spill as spill_module

    monkeypatch.setattr(spill_module, "JOIN_BELOW_BYTES", 0)  # a small table, kept in its batch files
    spilled, order = _spilled(sets, tmp_path, batches)
    assert len(spilled.paths) == 4 and (tmp_path / "batch-1.u64").stat().st_size == 0
    in_memory = take(sets, order)
    assert np.array_equal(spilled.sizes(), in_memory.sizes()) and np.array_equal(spilled.exact, in_memory.exact)
    n = len(order)
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    expected = verify_pairs(in_memory, pairs, VerifyConfig(), keep_unrelated=True)
    monkeypatch.setattr(verify, "PAIRS_PER_THREAD", 50)
    for threads in (1, 3):
        got = verify.verify_in_chunks(spilled, pairs, VerifyConfig(), chunk=333, threads=threads)
        want = expected.select(verify.worth_aligning(expected, VerifyConfig()))
        for name in ("a", "b", "jaccard", "contain_ab", "contain_ba", "label"):
            assert np.array_equal(getattr(got, name), getattr(want, name)), name
    assert int((expected.label != UNRELATED).sum()) > 10
    picked = np.array([5, 0, n - 1, 5], dtype=np.int64)
    rows = spilled.rows(picked)
    for k, doc in enumerate(picked.tolist()):
        assert np.array_equal(rows.row(k), in_memory.row(doc))
    # more batch files than may be mapped at once, or files small enough, are joined into one: the same table
    for name, value in (("MAX_SHINGLE_FILES", 2), ("JOIN_BELOW_BYTES", 128 << 20)):
        monkeypatch.setattr(spill_module, name, value)
        folder = tmp_path / f"joined-{name}"
        joined, _ = _spilled(sets, folder, batches)
        assert len(joined.paths) == 1 and [p.name for p in folder.iterdir()] == ["shingles.u64"]
        got = verify.verify_in_chunks(joined, pairs, VerifyConfig(), chunk=333, threads=2)
        assert np.array_equal(got.jaccard, want.jaccard) and np.array_equal(got.label, want.label)
        assert all(np.array_equal(joined.rows(picked).row(k), rows.row(k)) for k in range(4))


def test_an_empty_spilled_table_verifies_no_pairs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from copydesk.sketch.spill import ShingleSpill
    from copydesk.verify import verify_in_chunks

    edges = verify_in_chunks(ShingleSpill().finish(), np.empty((0, 2), dtype=np.int64), VerifyConfig())
    assert len(edges) == 0


def test_a_short_excerpt_with_as_much_furniture_left_is_an_excerpt_when_its_passage_starts_the_story() -> None:
    """A two-paragraph excerpt in bare text whose page kept prose-shaped furniture (a forum pitch, an "about"
    paragraph) of nearly its own weight: 45% of its words lie in one 60-word passage that starts the larger
    doc. That is an excerpt (``excerpt_coverage`` 0.4); at 35% it is not, nor with the passage further down."""
    from copydesk.verify import EdgeTable, label_passages

    cfg = VerifyConfig()
    n = 3
    table = EdgeTable(
        np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64), np.full(n, 0.1), np.full(n, 0.4),
        np.full(n, 0.1), np.full(n, UNRELATED, dtype=np.int8),
        cover_ab=np.array([0.45, 0.35, 0.45]), cover_ba=np.full(n, 0.08),
        first_a=np.zeros(n, dtype=np.int64), first_b=np.array([0, 0, 400]),
        words_a=np.full(n, 130), words_b=np.full(n, 700), longest=np.full(n, 60), passages=np.ones(n, dtype=np.int64),
    )
    label = label_passages(table, np.full(n, 130), np.full(n, 700), cfg)
    assert label.tolist() == [A_IN_B, UNRELATED, UNRELATED]


def test_one_long_passage_that_covers_most_of_two_docs_of_one_size_makes_an_edited_copy() -> None:
    """An excerpt in another page's wrapper, as long as its full copy once both are cleaned (the wrapper kept
    another story's headline block; the full copy lost some lines to cleaning): one 112-word passage, at the
    start of both, covers 61% of each. Neither is clearly shorter, so no excerpt; it is an edited copy (one
    passage of ``edited_long_passage`` words covering ``edited_long_coverage`` of each), and joins the story.
    Covering 55% of each, the pair stays unrelated."""
    from copydesk.verify import EDITED, EdgeTable, label_passages

    n = 2
    table = EdgeTable(
        np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64), np.full(n, 0.44), np.full(n, 0.63),
        np.full(n, 0.6), np.full(n, UNRELATED, dtype=np.int8),
        cover_ab=np.array([0.615, 0.55]), cover_ba=np.array([0.609, 0.55]),
        first_a=np.zeros(n, dtype=np.int64), first_b=np.zeros(n, dtype=np.int64),
        words_a=np.full(n, 182), words_b=np.full(n, 184), longest=np.full(n, 112), passages=np.ones(n, dtype=np.int64),
    )
    label = label_passages(table, np.full(n, 178), np.full(n, 180), VerifyConfig())
    assert label.tolist() == [EDITED, UNRELATED]
