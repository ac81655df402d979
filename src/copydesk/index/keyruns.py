"""The index's lookup keys (LSH band keys, passage fingerprints) as sorted runs of blocks inside SQLite: a small
log-structured merge tree.

Why not one B-tree row per (key, doc), as schema 1 and 2 had: a doc has about 110 keys, and the keys are hashes,
so a batch of 100,000 docs inserts 11 million rows spread over every leaf page of the tables. At a million docs
each batch rewrote most of the key pages (gigabytes through the write-ahead log), and the inserts alone took 9
to 17 seconds per 100,000 docs, growing with the index. Here a batch writes its keys once, sorted, as one *run*:
blocks of :data:`BLOCK` (key, doc) entries, each block one row (two blobs), with the first key of every block
kept in the run's row (its directory, a few MB at a million docs). A lookup searches each run's directory for
the blocks that may hold the keys asked for, reads those blocks only (one statement per run) and searches them
with numpy. Runs of about the same size are merged, :data:`MERGE_FANOUT` at a time, so that a lookup reads a
few runs whatever the number of batches (size-tiered compaction), a key range at a time so that memory stays
bounded; entries of removed docs are dropped there.

Keys are stored as SQLite's signed 64-bit integers (the same bits as the uint64 hashes), in signed order; doc
numbers as uint32.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numba import njit

#: Entries per block: a one-doc query reads about one block per key and run, so blocks are small (3 KB).
BLOCK = 256

#: Runs of one size tier merged into one.
MERGE_FANOUT = 4

#: Entries (of all the merged runs) held in memory at once while merging: about 16 bytes each, twice.
MERGE_CHUNK = 4_000_000

#: Blocks read by one statement of a lookup (4 million entries, about 48 MB).
READ_BLOCKS = 16_384

SCHEMA = """
CREATE TABLE IF NOT EXISTS key_runs (
    run INTEGER PRIMARY KEY, kind TEXT NOT NULL, entries INTEGER NOT NULL, firsts BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS key_blocks (id INTEGER PRIMARY KEY, keys BLOB NOT NULL, docs BLOB NOT NULL);
"""

KINDS = ("bands", "prints")

_LOWEST = -(2**63)


def _block_id(run: int, block: int) -> int:
    return (run << 32) | block


@dataclass(frozen=True)
class Run:
    """One stored run: its number, kind, entry count and the first key of each of its blocks."""

    run: int
    kind: str
    entries: int
    firsts: np.ndarray  # int64, one per block, ascending

    @property
    def tier(self) -> int:
        """Its size tier: runs of one tier are merged together."""
        return int(math.log(max(self.entries, 1), MERGE_FANOUT))


def sorted_entries(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(key, doc) entries as signed int64 keys and int64 docs, sorted by key then doc, without repeats."""
    signed = np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)
    docs = np.asarray(docs, dtype=np.int64)
    # (a batch's entries come doc by doc: a stable sort by key alone then orders them by key and doc, in less
    # than half the time of a two-key sort)
    in_doc_order = docs.shape[0] < 2 or bool(np.all(docs[1:] >= docs[:-1]))
    order = np.argsort(signed, kind="stable") if in_doc_order else np.lexsort((docs, signed))
    signed, docs = signed[order], docs[order]
    keep = np.ones(signed.shape[0], dtype=bool)
    keep[1:] = (signed[1:] != signed[:-1]) | (docs[1:] != docs[:-1])
    return signed[keep], docs[keep]


@njit(cache=True, nogil=True)
def _merge_two(keys_a: np.ndarray, docs_a: np.ndarray, keys_b: np.ndarray,
               docs_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover (compiled)
    """Two runs of entries sorted by (key, doc) as one, in one linear pass (a sort of both would cost a log
    factor more: merging is most of what compaction does)."""
    n_a, n_b = keys_a.shape[0], keys_b.shape[0]
    keys = np.empty(n_a + n_b, dtype=np.int64)
    docs = np.empty(n_a + n_b, dtype=np.int64)
    i = j = k = 0
    while i < n_a and j < n_b:
        if keys_a[i] < keys_b[j] or (keys_a[i] == keys_b[j] and docs_a[i] <= docs_b[j]):
            keys[k] = keys_a[i]
            docs[k] = docs_a[i]
            i += 1
        else:
            keys[k] = keys_b[j]
            docs[k] = docs_b[j]
            j += 1
        k += 1
    # (what is left of one of them follows as it is)
    keys[k : k + n_a - i] = keys_a[i:]
    docs[k : k + n_a - i] = docs_a[i:]
    k += n_a - i
    keys[k:] = keys_b[j:]
    docs[k:] = docs_b[j:]
    return keys, docs


def merged_entries(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Runs of entries, each sorted by (key, doc), as one sorted run (merged pairwise)."""
    parts = [(np.ascontiguousarray(k, dtype=np.int64), np.ascontiguousarray(d, dtype=np.int64)) for k, d in parts]
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    while len(parts) > 1:
        paired = [_merge_two(*parts[k], *parts[k + 1]) for k in range(0, len(parts) - 1, 2)]
        parts = paired + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


class _RunWriter:
    """Writes sorted entries, in as many calls as it takes, as one run's blocks."""

    def __init__(self, db: sqlite3.Connection, run: int) -> None:
        self.db = db
        self.run = run
        self.firsts: list[int] = []
        self.entries = 0
        self._keys: list[np.ndarray] = []
        self._docs: list[np.ndarray] = []
        self._pending = 0

    def write(self, keys: np.ndarray, docs: np.ndarray) -> None:
        if keys.shape[0]:
            self._keys.append(keys)
            self._docs.append(docs)
            self._pending += keys.shape[0]
        if self._pending >= BLOCK:
            self._flush(whole_blocks_only=True)

    def _flush(self, whole_blocks_only: bool) -> None:
        if not self._pending:
            return
        keys = np.concatenate(self._keys)
        docs = np.concatenate(self._docs).astype(np.uint32)
        cut = (keys.shape[0] // BLOCK) * BLOCK if whole_blocks_only else keys.shape[0]
        rows = []
        for lo in range(0, cut, BLOCK):
            rows.append((_block_id(self.run, len(self.firsts)), keys[lo : lo + BLOCK].tobytes(),
                         docs[lo : lo + BLOCK].tobytes()))
            self.firsts.append(int(keys[lo]))
        self.db.executemany("INSERT INTO key_blocks VALUES (?, ?, ?)", rows)
        self.entries += cut
        self._keys, self._docs = [keys[cut:]], [docs[cut:].astype(np.int64)]
        self._pending = keys.shape[0] - cut

    def close(self, kind: str) -> Run | None:
        self._flush(whole_blocks_only=False)
        if not self.entries:
            return None
        firsts = np.array(self.firsts, dtype=np.int64)
        self.db.execute("INSERT INTO key_runs VALUES (?, ?, ?, ?)", (self.run, kind, self.entries, firsts.tobytes()))
        return Run(self.run, kind, self.entries, firsts)


@njit(cache=True, nogil=True)
def _join(asked: np.ndarray, keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """The entries (key, doc) whose key is in ``asked``: one pass over both, each sorted (``asked`` distinct)."""
    out_keys = np.empty(keys.shape[0], dtype=np.int64)  # (at most every entry; the hits are a slice of it)
    out_docs = np.empty(keys.shape[0], dtype=np.int64)
    n = i = j = 0
    while i < asked.shape[0] and j < keys.shape[0]:
        if asked[i] < keys[j]:
            i += 1
        elif asked[i] > keys[j]:
            j += 1
        else:
            out_keys[n] = keys[j]
            out_docs[n] = docs[j]
            n += 1
            j += 1
    return out_keys[:n].copy(), out_docs[:n].copy()


def _decoded(rows: list[tuple[bytes, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """Block rows (keys, docs), in block order, as one array of keys (int64) and one of docs (uint32)."""
    return (np.frombuffer(b"".join(r[0] for r in rows), dtype=np.int64),
            np.frombuffer(b"".join(r[1] for r in rows), dtype=np.uint32))


def _entries_of(rows: list[tuple[bytes, bytes]], asked: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The (key, doc) entries of ``asked`` keys in some blocks of a run (their rows, in block order)."""
    block_keys, block_docs = _decoded(rows)
    keys, docs = _join(np.ascontiguousarray(asked, dtype=np.int64), block_keys, block_docs)
    return (keys, docs) if keys.shape[0] else None


class KeyRuns:
    """The key runs of one index file (``db``: its connection). Caches the runs' directories: a run never
    changes once written (merging writes a new run and deletes the old ones)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._cache: dict[int, Run] = {}

    def runs(self, kind: str) -> list[Run]:
        """The runs of ``kind``, oldest first (read again each time: another writer may have added or merged)."""
        listed = self.db.execute("SELECT run, entries FROM key_runs WHERE kind = ? ORDER BY run", (kind,)).fetchall()
        missing = [run for run, _ in listed if run not in self._cache]
        if missing:
            for run, entries, firsts in self.db.execute(
                    "SELECT run, entries, firsts FROM key_runs WHERE run IN (SELECT value FROM json_each(?))",
                    (json.dumps(missing),)):
                self._cache[run] = Run(run, kind, int(entries), np.frombuffer(firsts, dtype=np.int64))
        return [self._cache[run] for run, _ in listed]

    def _next_run(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(run), 0) + 1 FROM key_runs").fetchone()[0])

    def add(self, kind: str, keys: np.ndarray, docs: np.ndarray) -> Run | None:
        """Store (key, doc) entries as a new run (inside the caller's transaction)."""
        return self.add_sorted(kind, [sorted_entries(keys, docs)])

    def add_sorted(self, kind: str, chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> Run | None:
        """Store entries already sorted by (key, doc), without repeats, given a chunk at a time (signed keys,
        docs), as a new run: for a table read in key order."""
        writer = _RunWriter(self.db, self._next_run())
        for keys, docs in chunks:
            writer.write(np.asarray(keys, dtype=np.int64), np.asarray(docs, dtype=np.int64))
        return writer.close(kind)

    def lookup(self, kind: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every stored (key, doc) entry whose key is one of ``keys`` (signed int64, sorted, distinct).

        The blocks each run may hold them in are read together, up to :data:`READ_BLOCKS` per statement: a
        query of one doc reads about one block per key and run, all in one statement."""
        pieces: list[tuple[Run, np.ndarray, np.ndarray]] = []  # (run, the keys asked of it, its blocks to read)
        for run in self.runs(kind):
            pieces += self._pieces(run, keys)
        found_keys: list[np.ndarray] = []
        found_docs: list[np.ndarray] = []
        while pieces:
            batch: list[tuple[Run, np.ndarray, np.ndarray]] = []
            size = 0
            while pieces and (not batch or size + pieces[0][2].shape[0] <= READ_BLOCKS):
                batch.append(pieces.pop(0))
                size += batch[-1][2].shape[0]
            ids = [_block_id(run.run, b) for run, _, blocks in batch for b in blocks.tolist()]
            rows = self.db.execute(
                "SELECT keys, docs FROM key_blocks WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
                (json.dumps(ids),)).fetchall()
            at = 0
            for _, asked, blocks in batch:
                part = rows[at : at + blocks.shape[0]]
                at += blocks.shape[0]
                got = _entries_of(part, asked)
                if got is not None:
                    found_keys.append(got[0])
                    found_docs.append(got[1])
        if not found_keys:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(found_keys), np.concatenate(found_docs)

    @staticmethod
    def _pieces(run: Run, keys: np.ndarray) -> list[tuple[Run, np.ndarray, np.ndarray]]:
        """The blocks of ``run`` that may hold ``keys``, as pieces of at most :data:`READ_BLOCKS` blocks, each
        with the keys whose span of blocks meets it (run, keys, blocks)."""
        firsts = run.firsts
        # the blocks a key's entries may lie in: from the last block starting below it (its entries may begin
        # there) to the last block starting at or below it
        last = np.searchsorted(firsts, keys, side="right") - 1
        present = last >= 0
        keys, last = keys[present], last[present]
        if keys.shape[0] == 0:
            return []
        # (only a key that some block starts with may begin in a block before: the others lie in one block)
        first = last.copy()
        starting = np.flatnonzero(firsts[last] == keys)
        if starting.shape[0]:
            first[starting] = np.maximum(np.searchsorted(firsts, keys[starting], side="left") - 1, 0)
        spans = last - first + 1
        if int(spans.max()) == 1:  # (the usual case: each key in one block; ``last`` ascends with the keys)
            needed = last[np.concatenate([[True], last[1:] != last[:-1]])]
        else:
            starts = np.repeat(first - np.concatenate([[0], np.cumsum(spans)[:-1]]), spans)
            needed = np.unique(starts + np.arange(int(spans.sum()), dtype=np.int64))
        out = []
        for lo in range(0, needed.shape[0], READ_BLOCKS):
            blocks = needed[lo : lo + READ_BLOCKS]
            # the keys whose span of blocks meets these blocks (spans ascend with the keys)
            q_lo = int(np.searchsorted(last, blocks[0], side="left"))
            q_hi = int(np.searchsorted(first, blocks[-1], side="right"))
            out.append((run, keys[q_lo:q_hi], blocks))
        return out

    def scan(self, kind: str) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(run, keys, docs) of every stored entry of ``kind``, a block range at a time (for checks)."""
        for run in self.runs(kind):
            for lo in range(0, run.firsts.shape[0], READ_BLOCKS):
                keys, docs = self._blocks(run, lo, lo + READ_BLOCKS)
                yield run.run, keys, docs

    def check(self) -> list[str]:
        """Problems in the runs' layout: blocks missing or extra, a directory that does not match its blocks,
        entries out of order."""
        problems = []
        for kind in KINDS:
            for run in self.runs(kind):
                blocks, entries = self.db.execute(
                    "SELECT COUNT(*), COALESCE(SUM(LENGTH(keys)), 0) / 8 FROM key_blocks WHERE id >= ? AND id < ?",
                    (_block_id(run.run, 0), _block_id(run.run + 1, 0))).fetchone()
                if blocks != run.firsts.shape[0] or entries != run.entries:
                    problems.append(f"key run {run.run} ({kind}): {blocks} blocks of {entries} entries stored, its "
                                    f"directory says {run.firsts.shape[0]} of {run.entries}")
                    continue
                previous = None
                for lo in range(0, blocks, READ_BLOCKS):
                    rows = self.db.execute(
                        "SELECT id, keys FROM key_blocks WHERE id >= ? AND id < ? ORDER BY id",
                        (_block_id(run.run, lo), _block_id(run.run, lo + READ_BLOCKS))).fetchall()
                    heads = np.array([np.frombuffer(r[1][:8], dtype=np.int64)[0] for r in rows], dtype=np.int64)
                    if not np.array_equal(heads, run.firsts[lo : lo + len(rows)]):
                        problems.append(f"key run {run.run} ({kind}): a block's first key is not its directory's")
                        break
                    keys = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.int64)
                    if (keys.shape[0] and previous is not None and keys[0] < previous) or np.any(keys[1:] < keys[:-1]):
                        problems.append(f"key run {run.run} ({kind}): keys out of order")
                        break
                    previous = int(keys[-1]) if keys.shape[0] else previous
        orphans = int(self.db.execute(
            "SELECT COUNT(*) FROM key_blocks b WHERE NOT EXISTS (SELECT 1 FROM key_runs r WHERE r.run = b.id >> 32)"
        ).fetchone()[0])
        if orphans:
            problems.append(f"key blocks of no run: {orphans}")
        return problems

    # -- merging -------------------------------------------------------------------------------------------
    def compact(self, dead: np.ndarray) -> int:
        """Merge runs of one size tier, :data:`MERGE_FANOUT` at a time, until no tier holds that many (inside the
        caller's transaction), dropping the entries of ``dead`` docs (removed; sorted int64). Returns the runs
        merged."""
        merged = 0
        for kind in KINDS:
            while True:
                tiers: dict[int, list[Run]] = {}
                for run in self.runs(kind):
                    tiers.setdefault(run.tier, []).append(run)
                full = sorted(t for t, runs in tiers.items() if len(runs) >= MERGE_FANOUT)
                if not full:
                    break
                self.merge(kind, tiers[full[0]][:MERGE_FANOUT], dead)
                merged += MERGE_FANOUT
        return merged

    def merge(self, kind: str, runs: list[Run], dead: np.ndarray) -> Run | None:
        """Write ``runs`` (of ``kind``) as one new run, without the entries of ``dead`` docs, and delete them.
        The key space is cut into equal ranges (the keys are hashes, so each range holds its share of the
        entries), merged one at a time."""
        total = sum(r.entries for r in runs)
        slices = max(1, math.ceil(total / MERGE_CHUNK))
        lows = [_LOWEST + (2**64 * k) // slices for k in range(slices)]
        highs: list[int | None] = [*lows[1:], None]
        writer = _RunWriter(self.db, self._next_run())
        for lo, hi in zip(lows, highs, strict=True):
            keys, docs = merged_entries([self._range(run, lo, hi) for run in runs])
            if dead.shape[0]:
                alive = ~np.isin(docs, dead)
                keys, docs = keys[alive], docs[alive]
            writer.write(keys, docs)
        new = writer.close(kind)
        for run in runs:
            self.db.execute("DELETE FROM key_blocks WHERE id >= ? AND id < ?",
                            (_block_id(run.run, 0), _block_id(run.run + 1, 0)))
            self.db.execute("DELETE FROM key_runs WHERE run = ?", (run.run,))
            self._cache.pop(run.run, None)
        return new

    def _range(self, run: Run, lo: int, hi: int | None) -> tuple[np.ndarray, np.ndarray]:
        """The entries of ``run`` with ``lo <= key < hi`` (no upper bound for None)."""
        first = max(int(np.searchsorted(run.firsts, lo, side="left")) - 1, 0)
        end = run.firsts.shape[0] if hi is None else int(np.searchsorted(run.firsts, hi, side="left"))
        if end <= first:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        keys, docs = self._blocks(run, first, end)
        inside = keys >= lo if hi is None else (keys >= lo) & (keys < hi)
        return keys[inside], docs[inside]

    def _blocks(self, run: Run, first: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """The entries of blocks ``first .. end - 1`` of ``run`` (keys, docs as int64)."""
        keys, docs = _decoded(self.db.execute(
            "SELECT keys, docs FROM key_blocks WHERE id >= ? AND id < ? ORDER BY id",
            (_block_id(run.run, first), _block_id(run.run, end))).fetchall())
        return keys, docs.astype(np.int64)
