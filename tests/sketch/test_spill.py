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


def test_texts_written_per_batch_read_back_by_doc_across_many_files(tmp_path: Path) -> None:
    """Batch files (one per job) indexed doc by doc, some rows left out as the pipeline drops them, read back
    in and out of order through more files than the reader keeps open, before and after pickling."""
    import pickle

    import numpy as np

    from copydesk.sketch.spill import BatchFiles, TextReader, write_texts

    index = BatchFiles()
    expected: list[str] = []
    for batch in range(TextReader.OPEN_FILES + 5):
        texts = [f"batch {batch} doc {k} \u00e9\u4e2d\ud800" if k % 3 else "" for k in range(4)]  # (a lone surrogate too)
        path = tmp_path / f"texts-{batch}.utf8"
        ends = write_texts(path, texts)
        assert ends.tolist()[0] == 0 and len(ends) == len(texts) + 1
        index.append(str(path), ends, np.array([0, 2, 3]))  # row 1 is dropped
        expected += [texts[k] for k in (0, 2, 3)]
    reader = TextReader(*index.frozen())
    assert len(reader) == len(expected)
    order = list(range(len(expected)))
    for indices in (order, order[::-1], order[::7] + order[3::5]):
        assert [reader.get(i) for i in indices] == [expected[i] for i in indices]
        assert len(reader._fds) <= TextReader.OPEN_FILES
    copy = pickle.loads(pickle.dumps(reader))
    assert [copy.get(i) for i in order] == expected
    reader.close()
    copy.close()
