from __future__ import annotations

import numpy as np

from copydesk.canonical import DocTable, excerpt_flags, priority, why_canonical
from copydesk.config import CanonicalConfig
from copydesk.types import Reason
from copydesk.verify import A_IN_B, NEAR, EdgeTable


def edges(rows: list[tuple[int, int, int]]) -> EdgeTable:
    a, b, label = zip(*rows, strict=True)
    n = len(rows)
    return EdgeTable(np.array(a), np.array(b), np.full(n, 0.8), np.full(n, 0.9), np.full(n, 0.9),
                     np.array(label, dtype=np.int8))


def test_policy_order() -> None:
    docs = DocTable(ids=["e", "late", "early", "pref"], sizes=np.array([50, 200, 150, 150]),
                    dates=["2020-01-01", "2021-05-02", "2021-05-01", None], sources=["x", "y", "z", "wire"])
    e = edges([(0, 1, A_IN_B), (1, 2, NEAR), (2, 3, NEAR)])
    rank = priority(docs, e, CanonicalConfig())
    assert rank.argsort().tolist() == [2, 1, 3, 0]  # excerpt last despite earliest date; missing date late
    rank = priority(docs, e, CanonicalConfig(prefer_sources=("wire",), use_dates=False))
    assert rank.argsort().tolist() == [3, 1, 2, 0]  # source first, then longest


def test_reason_names_the_deciding_step() -> None:
    docs = DocTable(ids=["a", "b"], sizes=np.array([100, 100]), dates=["2021-01-01", "2021-02-01"],
                    sources=[None, None])
    e = edges([(0, 1, NEAR)])
    flags = excerpt_flags(2, e)
    reason, detail = why_canonical(0, [1], docs, flags, CanonicalConfig())
    assert reason is Reason.EARLIEST_DATE and "2021-01-01" in detail
    reason, _ = why_canonical(0, [1], docs, flags, CanonicalConfig(use_dates=False))
    assert reason is Reason.LOWEST_ID
