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
