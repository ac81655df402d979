from __future__ import annotations

import numpy as np

from copydesk.cluster import cluster
from copydesk.verify import A_IN_B, NEAR, UNRELATED, EdgeTable


def table(rows: list[tuple[int, int, float, float, float, int]]) -> EdgeTable:
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 6
    return EdgeTable(
        np.array(cols[0], dtype=np.int64), np.array(cols[1], dtype=np.int64), np.array(cols[2], dtype=float),
        np.array(cols[3], dtype=float), np.array(cols[4], dtype=float), np.array(cols[5], dtype=np.int8),
    )


def unrelated_verifier(pairs: np.ndarray) -> EdgeTable:
    return table([(int(a), int(b), 0.05, 0.1, 0.1, UNRELATED) for a, b in pairs])


def test_no_chaining_through_a_middle_doc() -> None:
    # 0~1 and 1~2 are near copies, 0 and 2 are unrelated: 2 must not join 0's cluster.
    edges = table([(0, 1, 0.8, 0.9, 0.9, NEAR), (1, 2, 0.75, 0.85, 0.85, NEAR)])
    result = cluster(3, edges, np.array([0, 1, 2]), unrelated_verifier)
    assert result.centre.tolist() == [0, 0, -1]


def test_missing_edge_to_centre_is_verified_on_demand() -> None:
    calls: list[list[int]] = []

    def verifier(pairs: np.ndarray) -> EdgeTable:
        calls.append(pairs[0].tolist())
        return table([(int(pairs[0, 0]), int(pairs[0, 1]), 0.9, 0.95, 0.95, NEAR)])

    edges = table([(0, 1, 0.8, 0.9, 0.9, NEAR), (1, 2, 0.75, 0.85, 0.85, NEAR)])
    result = cluster(3, edges, np.array([0, 1, 2]), verifier)
    assert result.centre.tolist() == [0, 0, 0]
    assert calls == [[0, 2]]
    assert result.link[2] == 2  # the new edge is appended after the input edges


def test_excerpt_never_becomes_centre_over_its_full_copy() -> None:
    # doc 0 is ranked first but is an excerpt of doc 1.
    edges = table([(0, 1, 0.3, 0.9, 0.3, A_IN_B)])
    result = cluster(2, edges, np.array([0, 1]), unrelated_verifier)
    assert result.centre.tolist() == [1, 1]


def test_docs_without_edges_stay_unclustered() -> None:
    result = cluster(3, table([]), np.array([0, 1, 2]), unrelated_verifier)
    assert result.centre.tolist() == [-1, -1, -1]
