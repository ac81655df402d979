"""What a worker sends back about each doc survives the pipe unchanged."""

from __future__ import annotations

import dataclasses
import pickle

from copydesk.prepare import DocInfo
from copydesk.provenance import Credit


def test_doc_info_pickles_to_an_equal_value_with_every_field() -> None:
    info = DocInfo(
        id="d1", origin="in.jsonl:3", url="https://example.com/a", source="example.com", date="2024-01-02",
        title="A headline", chars=1234, warnings=("in.jsonl:3: repaired",), utf8_bytes=1300, blank=False,
        credits=(Credit(kind="originally_appeared", name="USA TODAY", line=9, evidence="This article ..."),),
        removed_lines=4, no_prose=True, notes=("decoded &amp;",),
    )
    assert len(info.__reduce__()[1]) == len(dataclasses.fields(DocInfo))  # (a new field must be pickled too)
    copy = pickle.loads(pickle.dumps(info))
    assert copy == info
    assert [getattr(copy, f) for f in DocInfo.__slots__] == [getattr(info, f) for f in DocInfo.__slots__]
    assert pickle.loads(pickle.dumps(DocInfo("x", "o", None, None, None, None, 0, ()))) == DocInfo(
        "x", "o", None, None, None, None, 0, ()
    )
