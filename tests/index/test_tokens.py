"""What the index keeps of a doc's words (token ids, varint packed) gives back the shingles the batch matched."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from copydesk import RunConfig
from copydesk.index import Index, sketch_stored
from copydesk.index.tokens import Vocabulary, pack_rows, unpack_rows
from copydesk.io.readers import read_inputs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "news.jsonl"


def test_varints_give_back_every_id_and_row() -> None:
    rng = np.random.default_rng(3)
    sizes = rng.integers(0, 40, size=200)
    sizes[[0, 7, 199]] = 0  # empty rows at both ends and between
    offsets = np.zeros(sizes.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    ids = rng.integers(0, 2**32, size=int(offsets[-1]), dtype=np.uint64).astype(np.uint32)
    ids[:50] = rng.integers(0, 128, size=50)  # one byte each
    ids[50] = 2**32 - 1  # five bytes
    packed, byte_offsets = pack_rows(ids, offsets)
    assert byte_offsets[-1] == packed.shape[0]
    got, got_offsets = unpack_rows(packed, byte_offsets)
    assert np.array_equal(got, ids) and np.array_equal(got_offsets, offsets)


def test_small_ids_take_one_byte() -> None:
    packed, _ = pack_rows(np.array([0, 127, 128, 16383, 16384], dtype=np.uint32), np.array([0, 5]))
    assert packed.shape[0] == 1 + 1 + 2 + 2 + 3


def test_vocabulary_gives_ids_in_order_of_first_appearance_and_forgets_a_rolled_back_batch() -> None:
    vocab = Vocabulary.of(np.array([50, 10], dtype=np.uint64))
    ids = vocab.encode(np.array([10, 99, 7, 99, 50, 7], dtype=np.uint64))
    assert ids.tolist() == [1, 2, 3, 2, 0, 3]
    assert vocab.added().tolist() == [99, 7]
    assert np.array_equal(vocab.decode(ids), [10, 99, 7, 99, 50, 7])
    with pytest.raises(RuntimeError):
        vocab.extend_stored(np.array([5], dtype=np.uint64))  # ids not stored yet: another writer's would clash
    vocab.forget_added()
    assert len(vocab) == 2 and vocab.encode(np.array([7], dtype=np.uint64)).tolist() == [2]
    vocab.stored()
    vocab.extend_stored(np.array([123], dtype=np.uint64))
    assert vocab.encode(np.array([123, 7], dtype=np.uint64)).tolist() == [3, 2]


def test_vocabulary_grows_its_table_mid_batch_and_keeps_first_appearance_order() -> None:
    rng = np.random.default_rng(8)
    distinct = rng.integers(1, 2**64 - 1, size=20_000, dtype=np.uint64)
    tokens = distinct[rng.integers(0, distinct.shape[0], size=120_000)]
    vocab = Vocabulary.of(distinct[:100])  # (a small table: it grows several times while encoding)
    ids = vocab.encode(tokens)
    assert np.array_equal(vocab.decode(ids), tokens)
    _, first = np.unique(tokens, return_index=True)
    order = tokens[np.sort(first)]
    new = order[~np.isin(order, distinct[:100])]
    assert np.array_equal(vocab.hashes[100:], new)  # new ids in order of first appearance
    assert np.array_equal(vocab.encode(tokens), ids)  # stable


def _stored_sketches_match_the_batch(index: Index, run) -> None:  # type: ignore[no-untyped-def]
    record = run.result.record
    ids = [info.id for info in record.infos]
    numbers = index.store.numbers(ids)
    docs = index.store.load([numbers[i] for i in ids])
    sets, order, order_offsets = sketch_stored(docs, index._vocabulary(), index.cfg)
    rows = np.arange(record.n_new, dtype=np.int64)
    want_sets, want_order = record.sets.rows(rows), record.order.rows(rows)
    assert np.array_equal(sets.values, want_sets.values) and np.array_equal(sets.offsets, want_sets.offsets)
    assert np.array_equal(sets.exact, want_sets.exact)
    assert np.array_equal(order, want_order.values) and np.array_equal(order_offsets, want_order.offsets)


def test_stored_tokens_give_back_the_shingles_each_batch_matched(tmp_path: Path) -> None:
    docs = list(read_inputs([EXAMPLE], RunConfig().read))
    half = len(docs) // 2
    new_words = dataclasses.replace(docs[0], id="fresh",
                                    text=docs[0].text + "\nZyzzogeton quokkas wrangle octarine marmalade.")
    db = tmp_path / "x.db"
    runs = []
    with Index(db) as writer, Index(db) as other:
        runs.append(writer.add(iter(docs[:half])))
        other.query(iter(docs[half:]))  # reads the vocabulary as it stands
        runs.append(writer.add(iter([new_words])))  # new ids, which ``other`` has not read
        runs.append(other.add(iter(docs[half:])))  # reads them before giving ids of its own
        for index, run in zip((writer, writer, other), runs, strict=True):
            _stored_sketches_match_the_batch(index, run)
        words = len(other._vocabulary())
    with Index(db) as fresh:
        for run in runs:
            _stored_sketches_match_the_batch(fresh, run)
        assert fresh.check() == [] and len(fresh._vocabulary()) == words
