"""Spill files keep the second pass's input without holding a large corpus in memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from copydesk.sketch.spill import ItemSpill
from copydesk.types import Document, Reason, Rejected


def test_items_replay_in_order_across_chunks(tmp_path: Path) -> None:
    items: list[Document | Rejected] = [
        Rejected(f"r{i}", f"in.jsonl:{i}", Reason.MALFORMED_RECORD, "bad line") if i % 7 == 3
        else Document(id=f"d{i}", text=f"text number {i}", origin=f"in.jsonl:{i}", meta={"k": str(i)})
        for i in range(50)
    ]
    spill = ItemSpill(tmp_path, chunk=8, memory_chars=0)  # all on disk: 6 full chunks and a partial one
    for item in items:
        spill.append(item)
    assert spill.count == 50
    assert list(spill.replay()) == items
    assert (tmp_path / "items.pickle").stat().st_size > 0


def test_the_first_items_stay_in_memory_and_the_rest_go_to_disk_in_order(tmp_path: Path) -> None:
    """Items are held in memory up to the budget; from the first one that does not fit, every later one goes to
    disk (even a small one), so the replay gives the stream's order; memory is let go as the replay goes."""
    from copydesk.io.readers import JsonlChunk, held_chars

    texts = ["x" * 300, "y" * 300, "z" * 5000, "w" * 10]
    items = [Document(id=f"d{i}", text=t, origin=f"in:{i}") for i, t in enumerate(texts)]
    spill = ItemSpill(tmp_path, chunk=2, memory_chars=2000, chars_of=held_chars)
    chunk = JsonlChunk(str(tmp_path / "a.jsonl"), 1, 2, offset=0, length=10, digest=1)
    spill.append_parsed(chunk, items[:2])  # fits: the parsed items are kept, not the chunk
    assert spill.has_room() and spill.count == 2
    spill.append_parsed(chunk, items[2:3])  # too large for memory: the chunk is kept instead (parsed again)
    spill.append(items[2])  # a document too large for what is left goes to disk ...
    spill.append(items[3])  # ... and so does every later one, however small
    assert not spill.has_room() and spill.count == 5
    replay = spill.replay()
    assert [next(replay), next(replay)] == items[:2]
    assert len(spill._held) == 1  # (taken items are released)
    assert list(replay) == [chunk, items[2], items[3]]
    assert (tmp_path / "items.pickle").stat().st_size > 0
    # nothing on disk at all when everything fits
    small = ItemSpill(tmp_path / "other", memory_chars=1 << 20, chars_of=held_chars)
    for item in items:
        small.append(item)
    assert list(small.replay()) == items and not (tmp_path / "other" / "items.pickle").exists()


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


def test_shingles_in_text_order_spill_as_32_bits_and_read_back_per_doc_in_one_or_many_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The order spill keeps each shingle's low 32 bits (half the bytes of the sets): rows read back, from the
    batch files or from the file they are joined into, are the ordered shingles of the same docs."""
    from copydesk.config import ShingleConfig
    from copydesk.sketch import spill as spill_module
    from copydesk.sketch.shingle import ORDER_DTYPE, ordered_shingles
    from copydesk.sketch.spill import ShingleSpill, write_values

    texts = ["the cat sat on the mat today", "", "a b c d e f g h", "one two three four five six"]
    values, offsets = ordered_shingles(texts, ShingleConfig(size=3))
    assert values.dtype == np.uint32
    for join_below, files in ((0, 2), (128 << 20, 1)):
        monkeypatch.setattr(spill_module, "JOIN_BELOW_BYTES", join_below)
        folder = tmp_path / f"join-{join_below}"
        folder.mkdir()
        spill = ShingleSpill("order.u32", ORDER_DTYPE)
        for n, docs in enumerate(((0, 1), (2, 3))):
            part = values[offsets[docs[0]] : offsets[docs[1] + 1]]
            path = folder / f"batch-{n}.order.u32"
            write_values(path, part, ORDER_DTYPE)
            assert path.stat().st_size == 4 * part.shape[0]
            local = offsets[docs[0] : docs[1] + 2] - offsets[docs[0]]
            spill.append(str(path), local, np.zeros(2, dtype=np.uint64), np.arange(2))
        table = spill.finish()
        assert len(table.paths) == files
        got = table.rows(np.array([3, 0, 1, 2]))
        for k, doc in enumerate((3, 0, 1, 2)):
            want = values[offsets[doc] : offsets[doc + 1]]
            assert np.array_equal(got.values[got.offsets[k] : got.offsets[k + 1]], want)
            assert got.values.dtype == np.uint32


@pytest.mark.parametrize("parts", [1, 4, 16])
@pytest.mark.parametrize("in_memory", [0, 40, 10_000])  # on disk from the first batch, from the second, never
def test_fingerprints_go_to_their_hash_range_part_in_batch_order(tmp_path: Path, parts: int, in_memory: int) -> None:
    """Every fingerprint lands in the part its top bits name, with its doc, in the order the batches and their
    docs came (what a part's sort and candidate generation read), whether they were held in memory or not."""
    from copydesk.sketch.spill import FingerprintSpill

    rng = np.random.default_rng(5)
    spill = FingerprintSpill(tmp_path, parts=parts, in_memory=in_memory)
    batches = []
    first = 0
    for docs in (7, 1, 12):
        counts = rng.integers(0, 9, size=docs)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        values = rng.integers(0, 2**63, size=int(offsets[-1]), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        spill.append(values, offsets, first)
        batches.append((values, np.repeat(np.arange(first, first + docs, dtype=np.int32), counts), counts))
        first += docs
    counts, got = spill.finish()
    assert counts.tolist() == np.concatenate([b[2] for b in batches]).tolist()
    all_values = np.concatenate([b[0] for b in batches])
    all_docs = np.concatenate([b[1] for b in batches])
    shift = 64 - (parts - 1).bit_length() if parts > 1 else 64
    part_of = (all_values >> np.uint64(shift)).astype(np.int64) if parts > 1 else np.zeros(all_values.shape[0], np.int64)
    for p, (values, docs) in enumerate(got):
        assert values.tolist() == all_values[part_of == p].tolist()
        assert docs.tolist() == all_docs[part_of == p].tolist()
    assert any(tmp_path.iterdir()) == (in_memory < all_values.shape[0])
