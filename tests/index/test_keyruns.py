"""The index's lookup keys as sorted runs of blocks: lookups against a plain dictionary of every entry, merges
(dropping removed docs, a key range at a time), the layout check, and the migration of a schema 2 index."""

from __future__ import annotations

import collections
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from copydesk.index import Index, config_of_index, keyruns, migrate
from copydesk.index.keyruns import KeyRuns
from copydesk.index.store import IndexError_
from copydesk.io.readers import read_inputs

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "news.jsonl"


def _runs(tmp_path: Path) -> tuple[sqlite3.Connection, KeyRuns]:
    db = sqlite3.connect(tmp_path / "k.db", isolation_level=None)
    db.executescript(keyruns.SCHEMA)
    return db, KeyRuns(db)


def _entries(rng: np.random.Generator, docs: range, per_doc: int, shared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Random keys, a few of them drawn from ``shared`` (held by many docs: their entries span blocks)."""
    keys = rng.integers(0, 2**64, size=(len(docs), per_doc), dtype=np.uint64)
    keys[:, :3] = rng.choice(shared, size=(len(docs), 3))
    return keys.ravel(), np.repeat(np.arange(docs.start, docs.stop, dtype=np.int64), per_doc)


def _expected(all_keys: np.ndarray, all_docs: np.ndarray, asked: np.ndarray) -> collections.Counter:
    signed = all_keys.view(np.int64)
    wanted = set(asked.tolist())
    return collections.Counter((k, d) for k, d in set(zip(signed.tolist(), all_docs.tolist(), strict=True))
                               if k in wanted)


def _found(runs: KeyRuns, kind: str, asked: np.ndarray) -> collections.Counter:
    keys, docs = runs.lookup(kind, np.unique(asked))
    return collections.Counter(zip(keys.tolist(), docs.tolist(), strict=True))


def test_lookups_find_every_entry_of_every_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyruns, "READ_BLOCKS", 3)  # (several statements per run)
    rng = np.random.default_rng(7)
    shared = rng.integers(0, 2**64, size=3, dtype=np.uint64)  # (each held by about 300 docs of each run)
    _db, runs = _runs(tmp_path)
    parts = [_entries(rng, range(lo, lo + 400), 40, shared) for lo in range(0, 1200, 400)]
    for keys, docs in parts:
        runs.add("bands", keys, docs)
    all_keys = np.concatenate([p[0] for p in parts])
    all_docs = np.concatenate([p[1] for p in parts])
    present = all_keys.view(np.int64)
    asked = np.concatenate([rng.choice(present, 500), rng.integers(-(2**63), 2**63 - 1, 200), shared.view(np.int64),
                            [present.min() - 1, present.max() + 1]])
    assert _found(runs, "bands", asked) == _expected(all_keys, all_docs, asked)
    assert all(len(_found(runs, "bands", shared.view(np.int64)[k : k + 1])) > keyruns.BLOCK for k in range(3))
    assert _found(runs, "prints", asked) == collections.Counter()
    assert runs.check() == []


def test_one_key_looked_up_reads_its_blocks_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    db, runs = _runs(tmp_path)
    keys = rng.integers(0, 2**64, size=50_000, dtype=np.uint64)
    run = runs.add("prints", keys, np.arange(50_000))
    assert run is not None and run.firsts.shape[0] == -(-50_000 // keyruns.BLOCK)
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    got = _found(runs, "prints", keys[123:124].view(np.int64))
    assert got == collections.Counter({(int(keys[123:124].view(np.int64)[0]), 123): 1})
    reads = [s for s in statements if "key_blocks" in s]
    assert len(reads) == 1 and "json_each('[4294967" in reads[0] and reads[0].count("]") == 1  # (one block id)


def test_merging_keeps_every_lookup_and_drops_removed_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyruns, "MERGE_CHUNK", 2_000)  # (the key space merged in several ranges)
    rng = np.random.default_rng(11)
    shared = rng.integers(0, 2**64, size=5, dtype=np.uint64)
    _db, runs = _runs(tmp_path)
    parts = [_entries(rng, range(lo, lo + 100), 30, shared) for lo in range(0, 900, 100)]
    for keys, docs in parts:  # (nine runs of one size tier: two merges of four, one run left alone)
        runs.add("bands", keys, docs)
    dead = np.arange(100, 150, dtype=np.int64)
    assert runs.compact(dead) == 8
    assert len(runs.runs("bands")) == 3
    all_keys = np.concatenate([p[0] for p in parts])
    all_docs = np.concatenate([p[1] for p in parts])
    # the merged runs hold no entry of a removed doc; the run left alone still does (lookups skip them)
    keep = ~np.isin(all_docs, dead) | (all_docs >= 800)
    asked = all_keys.view(np.int64)
    assert _found(runs, "bands", asked) == _expected(all_keys[keep], all_docs[keep], asked)
    assert runs.check() == []
    distinct = set(zip(all_keys[keep].tolist(), all_docs[keep].tolist(), strict=True))
    assert sum(r.entries for r in runs.runs("bands")) == len(distinct)


def test_the_check_finds_a_damaged_run(tmp_path: Path) -> None:
    db, runs = _runs(tmp_path)
    runs.add("bands", np.arange(1000, dtype=np.uint64), np.arange(1000))
    db.execute("DELETE FROM key_blocks WHERE id = (SELECT MAX(id) FROM key_blocks)")
    assert any("blocks" in p for p in KeyRuns(db).check())


def test_an_index_of_many_batches_keeps_few_runs_and_checks_clean(tmp_path: Path) -> None:
    docs = list(read_inputs([EXAMPLE], config_of_index(tmp_path / "none").read))
    with Index(tmp_path / "x.db") as index:
        for doc in docs:  # (one doc per batch: six runs of each kind, merged four at a time)
            index.add(iter([doc]))
        assert len(index.store.keys.runs("bands")) < len(docs)  # (merged)
        assert index.check() == []
        index.remove([docs[0].id])
        assert index.check() == []
        again = index.query(iter([docs[0]]))
    assert again.result.decisions[0].doc_id == docs[0].id


def test_a_schema_2_index_is_refused_with_how_to_migrate_then_migrates(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(DATA / "schema2.db", db)
    with pytest.raises(IndexError_, match="index migrate"):
        Index(db, config_of_index(db))
    done = migrate(db)
    assert done == {"from": 2, "to": 3, "docs": 6, "keys": 192 + 372}
    assert migrate(db)["from"] == 3  # (a second migrate has nothing to do)
    with Index(db, config_of_index(db)) as index:
        assert index.check() == []
        index.export(tmp_path / "export")
        # the migrated index matches as the old one did: each doc found again by its own keys
        docs = list(read_inputs([EXAMPLE], index.cfg.read))
        again = index.query(iter(docs))
    for name in ("decisions.jsonl", "clusters.jsonl"):
        got = [json.loads(line) for line in (tmp_path / "export" / name).read_text().splitlines()]
        want = [json.loads(line) for line in (DATA / "schema2_export" / name).read_text().splitlines()]
        assert got == want
    assert {d.reason.value for d in again.result.decisions} == {"already_indexed"}


def test_a_schema_1_index_is_told_to_rebuild(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.commit()
    con.close()
    with pytest.raises(IndexError_, match="rebuild"):
        migrate(db)


def test_the_cli_tells_of_migrate_and_migrates(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    db = tmp_path / "old.db"
    shutil.copy(DATA / "schema2.db", db)
    src = Path(__file__).resolve().parents[2] / "src"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "copydesk.cli.main", *args], check=False, capture_output=True,
                              text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(src)})

    refused = cli("index", "add", str(EXAMPLE), "--db", str(db), "-q")
    assert refused.returncode == 2 and "copydesk index migrate --db" in " ".join(refused.stderr.split())
    done = cli("index", "migrate", "--db", str(db))
    assert done.returncode == 0 and json.loads(done.stdout)["to"] == 3
    assert cli("index", "check", "--db", str(db)).returncode == 0
    assert cli("index", "add", str(EXAMPLE), "--db", str(db), "-q").returncode == 0


def test_merged_entries_are_those_of_one_sort() -> None:
    rng = np.random.default_rng(5)
    parts = []
    for _ in range(5):  # (docs of the runs interleave, and keys repeat across them)
        keys = rng.integers(-50, 50, size=int(rng.integers(0, 400)), dtype=np.int64)
        docs = rng.integers(0, 1000, size=keys.shape[0], dtype=np.int64)
        parts.append(keyruns.sorted_entries(keys.view(np.uint64), docs))
    keys, docs = keyruns.merged_entries(parts)
    every_k = np.concatenate([p[0] for p in parts])
    every_d = np.concatenate([p[1] for p in parts])
    order = np.lexsort((every_d, every_k))
    assert np.array_equal(keys, every_k[order]) and np.array_equal(docs, every_d[order])


def test_a_merge_that_fails_leaves_the_runs_and_the_batch_as_they_were(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    docs = list(read_inputs([EXAMPLE], config_of_index(tmp_path / "none").read))
    with Index(tmp_path / "x.db") as index:
        for doc in docs[:3]:
            index.add(iter([doc]))
        before = len(index.store.keys.runs("bands"))

        called: list[str] = []

        def broken(self: KeyRuns, kind: str, runs: list, dead: np.ndarray) -> None:
            called.append(kind)
            # half-way through a merge: a block of the new run written, then the disk fails
            self.db.execute("INSERT INTO key_blocks VALUES (?, ?, ?)", (999 << 32, b"\0" * 8, b"\0" * 4))
            raise sqlite3.OperationalError("disk I/O error (simulated)")

        monkeypatch.setattr(KeyRuns, "merge", broken)
        index.add(iter([docs[3]]))  # (the fourth run of one tier: a merge, which fails)
        assert called == ["bands"]
        assert len(index.store.keys.runs("bands")) == before + 1  # (nothing merged, the batch's run kept)
        assert index.check() == []
        assert index.stats()["docs"] == 4
        monkeypatch.undo()
        again = index.query(iter(docs[:4]))
        assert {d.reason.value for d in again.result.decisions} == {"already_indexed"}
        index.add(iter([docs[4]]))  # (the next batch merges)
        assert len(index.store.keys.runs("bands")) < before + 2
        assert index.check() == []


def test_many_removed_docs_are_purged_from_every_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from copydesk.index import store

    monkeypatch.setattr(store, "PURGE_REMOVED", 1)  # (two removed docs of six are enough here)
    docs = list(read_inputs([EXAMPLE], config_of_index(tmp_path / "none").read))
    with Index(tmp_path / "x.db") as index:
        for doc in docs:
            index.add(iter([doc]))
        index.remove([docs[0].id])  # (one: kept as a tombstone)
        assert index.store._removed().shape[0] == 1
        index.remove([docs[1].id])  # (two: every run rewritten without their keys, the tombstones forgotten)
        assert index.store._removed().shape[0] == 0
        assert [len(index.store.keys.runs(kind)) for kind in keyruns.KINDS] == [1, 1]
        assert index.check() == []
        owners = np.concatenate([docs_ for _, _, docs_ in index.store.keys.scan("bands")])
        numbers = {n for (n,) in index.store.rows("SELECT n FROM docs")}
        assert set(owners.tolist()) == numbers  # (exactly the docs left hold keys)
        again = index.query(iter(docs[:2]))  # (the removed docs are new to the index again)
        assert {d.reason.value for d in again.result.decisions} != {"already_indexed"}
        index.add(iter(docs[:2]))
        assert index.check() == [] and index.stats()["docs"] == 6
