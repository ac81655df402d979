"""Spill files keep the second pass's input without holding a large corpus in memory."""

from __future__ import annotations

from pathlib import Path

from copydesk.sketch.spill import ItemSpill
from copydesk.types import Document, Reason, Rejected


def test_items_replay_in_order_across_chunks(tmp_path: Path) -> None:
    items: list[Document | Rejected] = [
        Rejected(f"r{i}", f"in.jsonl:{i}", Reason.MALFORMED_RECORD, "bad line") if i % 7 == 3
        else Document(id=f"d{i}", text=f"text number {i}", origin=f"in.jsonl:{i}", meta={"k": str(i)})
        for i in range(50)
    ]
    spill = ItemSpill(tmp_path, chunk=8)  # 6 full chunks and a partial one
    for item in items:
        spill.append(item)
    assert spill.count == 50
    assert list(spill.replay()) == items
    assert (tmp_path / "items.pickle").stat().st_size > 0
