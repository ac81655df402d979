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


def test_earliest_date_is_the_earliest_instant_whatever_the_form() -> None:
    """Compared as strings, "Mon, 14 Oct" came before "Sat, 12 Oct", and 10:00+02:00 after 09:00Z."""
    docs = DocTable(
        ids=["a", "b", "c", "d", "e"], sizes=np.array([100] * 5),
        dates=["Mon, 14 Oct 2024 08:00:00 GMT", "Sat, 12 Oct 2024 09:30:00 GMT", "2024-10-12T10:00:00+02:00",
               "12/10/2024", "1728720000"],  # (d: not understood, ranked as undated; e: 08:00Z as epoch seconds)
        sources=[None] * 5,
    )
    e = edges([(0, 1, NEAR), (1, 2, NEAR), (2, 3, NEAR), (3, 4, NEAR)])
    assert priority(docs, e, CanonicalConfig()).argsort().tolist() == [2, 4, 1, 0, 3]  # c and e tie on 08:00Z: ids
    reason, detail = why_canonical(2, [0, 1, 3, 4], docs, excerpt_flags(5, e), CanonicalConfig())
    assert reason is Reason.LOWEST_ID  # same instant as e, written differently
    reason, detail = why_canonical(1, [0, 3], docs, excerpt_flags(5, e), CanonicalConfig())
    assert reason is Reason.EARLIEST_DATE and "Sat, 12 Oct 2024" in detail


def test_a_preferred_source_may_be_named_by_url_host() -> None:
    """--prefer-source usatoday.com did nothing for docs with a URL but no source field."""
    docs = DocTable(ids=["a", "b", "c"], sizes=np.array([100, 100, 100]), dates=[None] * 3,
                    sources=[None, None, "USA TODAY"],
                    hosts=["yahoo.com", "usatoday.com", "eu.usatoday.com"])
    e = edges([(0, 1, NEAR), (1, 2, NEAR)])
    flags = excerpt_flags(3, e)
    assert priority(docs, e, CanonicalConfig()).argsort().tolist() == [0, 1, 2]  # no preference: lowest id
    for preferred, first in [("usatoday.com", 1), ("www.UsaToday.com", 1), ("usa today", 2), ("yahoo.com", 0)]:
        cfg = CanonicalConfig(prefer_sources=(preferred,))
        assert priority(docs, e, cfg).argsort().tolist()[0] == first, preferred
    reason, detail = why_canonical(1, [0, 2], docs, flags, CanonicalConfig(prefer_sources=("usatoday.com",)))
    assert reason is Reason.PREFERRED_SOURCE and detail.startswith("preferred source 'usatoday.com'")
