"""Records that cross process and spill boundaries must survive pickling whole."""

from __future__ import annotations

import dataclasses
import pickle

from copydesk.types import Document


def test_document_pickles_every_field() -> None:
    doc = Document(
        id="d1", text="Body text.", url="https://example.org/a", source="Example", date="2024-01-02",
        title="A title", origin="in.jsonl:3", meta={"lang": "en"}, warnings=("in.jsonl:3: text truncated",),
    )
    back = pickle.loads(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == doc
    # the constructor-call pickle must name every field, in order: a field added later and left out of
    # __reduce__ would silently fall back to its default
    reduced = doc.__reduce__()[1]
    assert reduced == tuple(getattr(doc, f.name) for f in dataclasses.fields(Document))


def test_records_of_the_compiled_modules_pickle() -> None:
    # credits come back from worker processes; mypyc-compiled frozen dataclasses need their own __reduce__
    from copydesk.clean.boilerplate import CleanResult, RemovedLine
    from copydesk.provenance import Credit

    credit = Credit(kind="byline", name="Jane Roe", line=3, evidence="By Jane Roe")
    removed = RemovedLine(line=2, text="Advertisement", rule="advertisement")
    result = CleanResult(text="Body.", title=None, removed=(removed,))
    for record in (credit, removed, result):
        back = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == record
        assert tuple(getattr(back, f.name) for f in dataclasses.fields(record)) == record.__reduce__()[1]
