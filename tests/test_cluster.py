from __future__ import annotations

import numpy as np
import pytest

from copydesk import cluster as cluster_module
from copydesk.cluster import cluster
from copydesk.verify import A_IN_B, B_IN_A, NEAR, UNRELATED, EdgeTable


def table(rows: list[tuple[int, int, float, float, float, int]]) -> EdgeTable:
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 6
    return EdgeTable(
        np.array(cols[0], dtype=np.int64), np.array(cols[1], dtype=np.int64), np.array(cols[2], dtype=float),
        np.array(cols[3], dtype=float), np.array(cols[4], dtype=float), np.array(cols[5], dtype=np.int8),
    )


def unrelated_verifier(pairs: np.ndarray) -> EdgeTable:
    return table([(int(a), int(b), 0.05, 0.1, 0.1, UNRELATED) for a, b in pairs])


def test_no_chaining_along_a_path() -> None:
    # 0~1~2~3 in a line of near copies, 0 and 3 share nothing: no cluster may hold both.
    edges = table([(0, 1, 0.8, 0.9, 0.9, NEAR), (1, 2, 0.8, 0.9, 0.9, NEAR), (2, 3, 0.8, 0.9, 0.9, NEAR)])
    result = cluster(4, edges, np.array([0, 1, 2, 3]), unrelated_verifier)
    assert result.centre[0] >= 0 and result.centre[0] != result.centre[3]
    assert result.hub.tolist() == [1, 1, 1, -1]  # hub 1 reaches 0 and 2 by its own edges; 3 only via 2


def test_edited_copies_join_through_the_original_and_scores_are_against_the_canonical() -> None:
    calls: list[list[int]] = []

    def verifier(pairs: np.ndarray) -> EdgeTable:
        calls.append(pairs[0].tolist())
        return table([(int(pairs[0, 0]), int(pairs[0, 1]), 0.45, 0.6, 0.6, UNRELATED)])

    # doc 2 is the original; 0 and 1 are edited copies of it, too far apart to link to each other.
    edges = table([(0, 2, 0.7, 0.82, 0.82, NEAR), (1, 2, 0.72, 0.84, 0.84, NEAR)])
    result = cluster(3, edges, np.array([0, 1, 2]), verifier)
    assert result.hub.tolist() == [2, 2, 2]
    assert result.centre.tolist() == [0, 0, 0]  # policy rank picks doc 0 as canonical
    assert calls == [[0, 1]]  # doc 1's scores against the canonical were verified on demand
    assert result.link[1] == 2 and result.link[2] == 0


def test_excerpt_never_becomes_centre_over_its_full_copy() -> None:
    # doc 0 is ranked first but is an excerpt of doc 1.
    edges = table([(0, 1, 0.3, 0.9, 0.3, A_IN_B)])
    result = cluster(2, edges, np.array([0, 1]), unrelated_verifier)
    assert result.centre.tolist() == [1, 1]


def test_an_anchored_excerpt_stays_centre_and_takes_its_fuller_copies() -> None:
    """An index's old canonical doc (anchored) that is an excerpt of new docs keeps its cluster: the docs that
    hold it whole join it (they would have taken it over in one run), and it joins none of them."""
    # doc 0: the old canonical excerpt (with its old member 1); docs 2 and 3: full copies, near copies of each other
    edges = table([(0, 1, 0.9, 0.95, 0.95, NEAR), (0, 2, 0.3, 0.9, 0.3, A_IN_B), (3, 0, 0.3, 0.3, 0.9, B_IN_A),
                   (2, 3, 0.9, 0.95, 0.95, NEAR)])
    rank = np.array([0, 3, 1, 2])
    assert cluster(4, edges, rank, unrelated_verifier).centre.tolist() == [0, 0, 2, 2]  # (without the anchor)
    anchored = np.array([True, False, False, False])
    result = cluster(4, edges, rank, unrelated_verifier, anchored=anchored)
    assert result.centre.tolist() == [0, 0, 0, 0] and result.hub.tolist() == [0, 0, 0, 0]
    assert not result.excerpt.any()  # (the full copies are no excerpts of it)


def test_an_anchored_doc_joins_no_other_cluster() -> None:
    # doc 1 (anchored) is a near copy of doc 0, which ranks first and takes more docs
    edges = table([(0, 1, 0.9, 0.95, 0.95, NEAR), (0, 2, 0.9, 0.95, 0.95, NEAR), (0, 3, 0.9, 0.95, 0.95, NEAR)])
    anchored = np.array([False, True, False, False])
    result = cluster(4, edges, np.array([0, 1, 2, 3]), unrelated_verifier, anchored=anchored)
    assert result.centre[:2].tolist() == [1, 1]  # it goes first, takes its near copy 0, and stays canonical
    assert result.hub[1] == 1


def test_docs_without_edges_stay_unclustered() -> None:
    result = cluster(3, table([]), np.array([0, 1, 2]), unrelated_verifier)
    assert result.centre.tolist() == [-1, -1, -1]


@pytest.mark.parametrize("batch", [4096, 3])
def test_missing_links_to_canonical_docs_are_verified_in_batches_in_member_order(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """Two stars whose hub is not the canonical doc: the members' links to their canonical doc are verified in
    few calls (VERIFY_BATCH pairs each), each pair once, and the rows added follow the candidate edges in the
    order that calls one pair at a time would have made (cluster order, then member order)."""
    calls: list[list[list[int]]] = []

    def verifier(pairs: np.ndarray) -> EdgeTable:
        calls.append(pairs.tolist())
        return table([(int(a), int(b), 0.6, 0.75, 0.75, NEAR) for a, b in pairs])

    # hub 2 takes 0, 1, 3; hub 6 takes 4, 5, 7; ranks make 0 and 4 canonical
    edges = table([(h, m, 0.7, 0.82, 0.82, NEAR) for h, ms in ((2, (0, 1, 3)), (6, (4, 5, 7))) for m in ms])
    rank = np.array([0, 5, 6, 7, 1, 8, 9, 10])
    monkeypatch.setattr(cluster_module, "VERIFY_BATCH", batch)
    result = cluster(8, edges, rank, verifier)
    assert result.hub.tolist() == [2, 2, 2, 2, 6, 6, 6, 6]
    assert result.centre.tolist() == [0, 0, 0, 0, 4, 4, 4, 4]
    # the hubs' own links to the canonical docs are candidate edges: only the other members are verified
    pairs = [[0, 1], [0, 3], [4, 5], [4, 7]]
    assert calls == [pairs[i : i + batch] for i in range(0, len(pairs), batch)]
    extra = list(zip(result.edges.a[6:].tolist(), result.edges.b[6:].tolist(), strict=True))
    assert extra == [(0, 1), (0, 3), (4, 5), (4, 7)]
    for member in (1, 2, 3, 5, 6, 7):
        k = result.link[member]
        assert (k < 6) == (member in (2, 6))
        assert {int(result.edges.a[k]), int(result.edges.b[k])} == {member, result.centre[member]}


def _with_passages(t: EdgeTable, longest: int, passages: int) -> EdgeTable:
    import dataclasses

    n = len(t)  # (the passages span the lead of both docs, so no member copies another part of its hub)
    return dataclasses.replace(t, longest=np.full(n, longest, dtype=np.int64),
                               passages=np.full(n, passages, dtype=np.int64),
                               reach=np.tile(np.array([0, 50, 0, 50], dtype=np.int64), (n, 1)))


@pytest.mark.parametrize(("longest", "joins"), [(30, True), (0, False)])
def test_a_near_copy_of_an_excerpt_member_joins_through_it_when_it_shares_a_passage_with_the_hub(
    longest: int, joins: bool,
) -> None:
    """Doc 1 is an excerpt of doc 0 (the hub); doc 2 is a near copy of doc 1 whose own edge to doc 0 is too
    weak to attach it. It joins doc 0's cluster through doc 1, as an excerpt, when it shares a passage with
    doc 0 itself; sharing none, it stays out (no chaining through the member)."""
    edges = table([(0, 1, 0.3, 0.3, 0.9, B_IN_A), (1, 2, 0.8, 0.9, 0.9, NEAR)])  # doc 1 is in doc 0

    def verifier(pairs: np.ndarray) -> EdgeTable:
        return _with_passages(table([(int(a), int(b), 0.2, 0.4, 0.4, UNRELATED) for a, b in pairs]), longest, 0)

    result = cluster(3, _with_passages(edges, 60, 1), np.array([0, 1, 2]), verifier)
    assert result.centre[1] == 0 and result.excerpt[1]
    assert result.through is not None
    if joins:
        assert result.centre[2] == 0 and result.excerpt[2]
        assert result.through[2] == 1  # its edge to doc 1
    else:
        assert result.centre[2] == -1 and result.through[2] == -1



def _excerpts_of_doc_0(spans: list[tuple[int, int]], words: int = 200) -> EdgeTable:
    """Docs 1..n, each an excerpt of doc 0 whose passages span ``spans[k]`` of doc 0's ``words`` words."""
    import dataclasses

    t = table([(0, k + 1, 0.2, 0.2, 0.9, B_IN_A) for k in range(len(spans))])
    n = len(t)
    return dataclasses.replace(
        t, reach=np.array([[lo, hi, 0, hi - lo] for lo, hi in spans], dtype=np.int64),
        words_a=np.full(n, words, dtype=np.int64), words_b=np.array([hi - lo for lo, hi in spans], dtype=np.int64),
        longest=np.array([hi - lo for lo, hi in spans], dtype=np.int64), passages=np.ones(n, dtype=np.int64),
    )


def test_with_no_full_copy_the_excerpts_of_a_pages_lead_stay_and_one_of_its_foot_leaves() -> None:
    """Doc 1 copies the start of doc 0, doc 2 what doc 0 carries at its foot (the next story): with no near
    copy of doc 0 to say where its story is, the group that starts the page is it; doc 2 leaves."""
    result = cluster(3, _excerpts_of_doc_0([(0, 50), (150, 200)]), np.array([0, 1, 2]), unrelated_verifier)
    assert result.centre.tolist() == [0, 0, -1]
    assert result.multi_story is not None and not result.multi_story.any()


def test_excerpts_of_three_parts_of_a_page_all_leave_it() -> None:
    """Three groups of excerpts of doc 0 (a digest of briefs): the page is a multi-story page, and joins none."""
    edges = _excerpts_of_doc_0([(10, 60), (70, 120), (130, 190)])
    result = cluster(4, edges, np.array([0, 1, 2, 3]), unrelated_verifier)
    assert result.centre.tolist() == [-1, -1, -1, -1]
    assert result.multi_story is not None and result.multi_story[0]


def test_a_split_reruns_only_its_component_and_every_link_joins_its_member_to_its_canonical() -> None:
    """Docs 1-3 copy three parts of doc 0 (a digest: they all leave it); docs 4 and 5 are near copies in a
    component of their own, which the second round leaves as it was. Every member's link row, in the final
    edge table, is the edge between it and its canonical doc."""
    import dataclasses

    digest = _excerpts_of_doc_0([(10, 60), (70, 120), (130, 190)])
    pair = table([(4, 5, 0.9, 0.95, 0.95, NEAR)])
    pair = dataclasses.replace(pair, reach=np.array([[0, 80, 0, 80]], dtype=np.int64),
                               words_a=np.array([80]), words_b=np.array([80]))
    edges = EdgeTable(*(np.concatenate([getattr(digest, f), getattr(pair, f)]) for f in EdgeTable.__slots__))
    result = cluster(6, edges, np.arange(6), unrelated_verifier)
    assert result.centre.tolist() == [-1, -1, -1, -1, 4, 4]
    assert result.multi_story is not None and result.multi_story[0]
    for m in np.flatnonzero(result.link >= 0).tolist():
        k = int(result.link[m])
        assert {int(result.edges.a[k]), int(result.edges.b[k])} == {m, int(result.centre[m])}


@pytest.mark.parametrize(("longest", "stays"), [(28, True), (0, False)])
def test_an_excerpt_of_the_hub_stays_through_it_when_the_canonical_doc_rewrote_its_part(
    longest: int, stays: bool,
) -> None:
    """Doc 1 (the original) is the hub of doc 0 (its later update, ranked first: the canonical doc, with a
    rewritten lead) and of doc 2 (an excerpt of doc 1's lead). Doc 2 shares with doc 0 only the headline, before
    the part of doc 0 that its full copies span: it stays, joined through doc 1 (its evidence is its edge to
    doc 1), as long as it shares some passage with doc 0; sharing none, it leaves (no chaining through the hub)."""
    import dataclasses

    edges = table([(0, 1, 0.7, 0.8, 0.8, NEAR), (2, 1, 0.1, 0.95, 0.1, A_IN_B)])
    edges = dataclasses.replace(
        edges, reach=np.array([[42, 200, 0, 180], [0, 60, 0, 60]], dtype=np.int64),
        words_a=np.array([200, 60]), words_b=np.array([190, 190]), longest=np.array([150, 60]),
        passages=np.array([1, 1]),
    )

    def verifier(pairs: np.ndarray) -> EdgeTable:
        t = table([(int(a), int(b), 0.05, 0.2, 0.1, UNRELATED) for a, b in pairs])
        n = len(t)
        return dataclasses.replace(t, reach=np.tile(np.array([0, longest, 0, longest]), (n, 1)),
                                   longest=np.full(n, longest), words_a=np.full(n, 200), words_b=np.full(n, 60))

    result = cluster(3, edges, np.array([0, 1, 2]), verifier)
    assert result.centre[:2].tolist() == [0, 0]
    assert result.through is not None
    if stays:
        assert result.centre[2] == 0 and result.excerpt[2]
        assert result.through[2] == 1  # its edge to doc 1, the copy it is an excerpt of
    else:
        assert result.centre[2] == -1


@pytest.mark.parametrize(("longest", "joins"), [(30, True), (0, False)])
def test_an_excerpt_of_a_near_copy_member_joins_through_it_when_it_shares_a_passage_with_the_hub(
    longest: int, joins: bool,
) -> None:
    """Doc 0 is the hub of its near copies 1 and 3; doc 2 is an excerpt of doc 1 only (its edge to doc 0 is too
    weak to attach it: doc 0 is an update with another lead). It joins through doc 1 as an excerpt when it
    shares a passage with doc 0; sharing none, it stays out."""
    edges = table([(0, 1, 0.8, 0.9, 0.9, NEAR), (0, 3, 0.8, 0.9, 0.9, NEAR), (2, 1, 0.1, 0.95, 0.1, A_IN_B)])

    def verifier(pairs: np.ndarray) -> EdgeTable:
        return _with_passages(table([(int(a), int(b), 0.05, 0.2, 0.1, UNRELATED) for a, b in pairs]), longest, 0)

    result = cluster(4, _with_passages(edges, 60, 1), np.array([0, 1, 2, 3]), verifier)
    assert result.hub[[0, 1, 3]].tolist() == [0, 0, 0]
    assert result.through is not None
    if joins:
        assert result.centre[2] == 0 and result.excerpt[2]
        assert result.through[2] == 2  # its edge to doc 1
    else:
        assert result.centre[2] == -1
