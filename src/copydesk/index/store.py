"""The index's storage: one SQLite file (the standard library's ``sqlite3``, WAL mode), behind :class:`IndexStore`.

Why SQLite: no server, one file to copy or back up, transactions that survive ``kill -9`` (a batch is stored
wholly or not at all), readers that go on while a writer adds, and B-tree indexes on the lookup keys, which is
all an index of sketches needs. A server database would take its place behind the same interface (PostgreSQL,
whose ``bytea`` columns and B-tree indexes map one to one onto the tables below, for several writers on several
machines).

What a doc keeps (no text unless asked): its fields, its token stream (ids into the index's vocabulary, varint
packed: see ``copydesk.index.tokens``; its shingle set and its shingles in text order are computed again from it
when it is loaded), its exact-copy hash, its number of passage fingerprints, and its lookup keys: the LSH band
keys of its signature and its sampled passage fingerprints, stored as sorted runs of blocks
(``copydesk.index.keyruns``). Signatures are not stored either: they are computed again from the set, in less
time than reading them. A removed doc's number is kept (table ``removed``) until merging drops its keys.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import ConfigError, CopydeskError
from . import keyruns
from .keyruns import KeyRuns

#: The layout of the tables below; an index of another version is refused with a message naming both.
SCHEMA_VERSION = 3

#: The schema versions :func:`migrate` brings to this one (version 1 lacks what version 2 added: rebuild it).
MIGRATES_FROM = (2,)

#: Keys looked up in one statement.
LOOKUP_CHUNK = 500_000

#: Removed docs past which their keys are dropped from every run at once (see ``SQLiteStore._purge_if_many``).
PURGE_REMOVED = 1_000

#: SQLite's page size for a new index (bytes).
PAGE_SIZE = 8192

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    batch INTEGER PRIMARY KEY, added TEXT NOT NULL, docs INTEGER NOT NULL, label TEXT
);
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    batch INTEGER NOT NULL,
    date_key REAL,
    exact INTEGER NOT NULL,
    prints INTEGER NOT NULL DEFAULT 0,
    tokens BLOB NOT NULL,
    record BLOB NOT NULL,
    role TEXT NOT NULL,
    canonical TEXT,
    text TEXT
);
CREATE INDEX IF NOT EXISTS docs_exact ON docs (exact);
CREATE INDEX IF NOT EXISTS docs_canonical ON docs (canonical);
CREATE INDEX IF NOT EXISTS docs_date ON docs (date_key);
CREATE INDEX IF NOT EXISTS docs_batch ON docs (batch);
CREATE TABLE IF NOT EXISTS removed (n INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS vocab (first INTEGER PRIMARY KEY, hashes BLOB NOT NULL);
"""


class IndexError_(CopydeskError):
    """The index cannot be opened or written: locked, damaged, or of another schema."""


@dataclass(frozen=True)
class StoredDoc:
    """One doc as the index holds it (what matching needs; no text)."""

    n: int
    id: str
    info: dict[str, Any]
    tokens: bytes  # its token ids, varint packed (``copydesk.index.tokens``)
    exact: int
    role: str
    canonical: str | None


@dataclass(frozen=True)
class Related:
    """What the index tells of a stored doc before it is loaded: its role and canonical doc."""

    role: str
    canonical: str | None


@dataclass(frozen=True)
class NewDoc:
    """One doc of a batch to store, with its decision and lookup keys."""

    id: str
    date_key: float | None
    exact: int
    tokens: bytes
    record: bytes  # its fields, decision and edge (``pack_record``)
    role: str
    canonical: str | None
    band_keys: np.ndarray  # uint64
    print_keys: np.ndarray  # uint64
    text: str | None = None


@dataclass(frozen=True)
class Change:
    """A stored doc's new decision (an old unique doc that a new doc copies, or that copies one)."""

    id: str
    role: str
    canonical: str | None
    decision: dict[str, Any]
    edge: dict[str, Any] | None


@dataclass(frozen=True)
class Record:
    """A stored doc's fields (``info``), decision row and edge to its canonical doc (None for none)."""

    info: dict[str, Any]
    decision: dict[str, Any]
    edge: dict[str, Any] | None


def pack_record(record: Record) -> bytes:
    """One zlib-compressed JSON blob: the decision row repeats most of the fields, which the compressor folds
    (1.5 KB of JSON a doc becomes about 0.6 KB on the bench corpus)."""
    return zlib.compress(json.dumps([record.info, record.decision, record.edge]).encode("utf-8"), 1)


def unpack_record(blob: bytes) -> Record:
    info, decision, edge = json.loads(zlib.decompress(blob))
    return Record(info, decision, edge)


class IndexStore(Protocol):
    """What the index asks of its storage; :class:`SQLiteStore` is the one there is."""

    def config(self) -> dict[str, Any] | None: ...
    def begin_write(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def has_id(self, doc_id: str) -> bool: ...
    def lookup(self, table: str, keys: np.ndarray, owners: np.ndarray, max_postings: int) -> np.ndarray: ...
    def exact_matches(self, exact: np.ndarray) -> np.ndarray: ...
    def related(self, docs: Sequence[int]) -> dict[int, Related]: ...
    def fingerprint_counts(self, docs: np.ndarray) -> np.ndarray: ...
    def numbers(self, ids: Sequence[str]) -> dict[str, int]: ...
    def load(self, docs: Sequence[int]) -> list[StoredDoc]: ...
    def cluster_members(self, canonical_ids: Sequence[str]) -> list[int]: ...
    def add_batch(self, docs: Sequence[NewDoc], changes: Sequence[Change], label: str | None,
                  sorted_keys: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> int: ...
    def records(self, ids: Sequence[str]) -> dict[str, Record]: ...
    def decisions(self) -> Iterator[dict[str, Any]]: ...
    def cluster(self, canonical_id: str) -> list[tuple[str, str, Record]]: ...
    def last_batch(self) -> int: ...
    def line_counts(self) -> tuple[np.ndarray, np.ndarray] | None: ...
    def set_line_counts(self, keys: np.ndarray, counts: np.ndarray) -> None: ...
    def vocabulary(self, first: int = 0) -> np.ndarray: ...
    def add_vocabulary(self, first: int, hashes: np.ndarray) -> None: ...
    def compact(self) -> int: ...


def _signed(values: np.ndarray) -> list[int]:
    """uint64 keys as SQLite's signed 64-bit integers (the same bits)."""
    out: list[int] = np.ascontiguousarray(values, dtype=np.uint64).view(np.int64).tolist()
    return out


class SQLiteStore:
    """:class:`IndexStore` on one SQLite file. ``timeout``: seconds a writer waits for another to finish."""

    def __init__(self, path: Path, timeout: float = 30.0, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise IndexError_(f"{self.path}: no index there (create one with `copydesk index add --db {path}`)")
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            # (a new file only: a doc's row is about 1.7 KB, and a 4 KB page holds two with 0.6 KB spare)
            self.db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=OFF")
            # (a batch's transaction grows the write-ahead log to the batch's size; once its pages are checkpointed
            # into the file, the log is cut back to this)
            self.db.execute("PRAGMA journal_size_limit=67108864")
            # (the key tables' B-trees are where a batch's inserts and lookups go: a page cache of 128 MB keeps
            # their inner pages resident on an index of millions of docs; SQLite's default is 2 MB)
            self.db.execute("PRAGMA cache_size=-131072")
            version = self._meta("schema_version")
            if version is None and not readonly:
                self.db.executescript("BEGIN IMMEDIATE;" + _SCHEMA + keyruns.SCHEMA + "COMMIT;")
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif version is not None and int(version) != SCHEMA_VERSION:
                how = (f"`copydesk index migrate --db {self.path}` brings it to version {SCHEMA_VERSION}"
                       if int(version) in MIGRATES_FROM else "rebuild it with `copydesk index add` over the inputs")
                raise IndexError_(f"{self.path}: index schema version {version}, this copydesk reads version "
                                  f"{SCHEMA_VERSION}; {how}")
        except sqlite3.DatabaseError as exc:
            raise IndexError_(f"{self.path}: not a copydesk index, or damaged ({exc})") from exc
        self._writing = False
        self.keys = KeyRuns(self.db)
        self._removals = 0  # (removals by this connection: its own writes leave ``data_version`` as it is)
        self._removed_cache: tuple[tuple[int, int], np.ndarray] | None = None

    def _meta(self, key: str) -> str | None:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.db.close()

    # -- configuration --------------------------------------------------------------------------------------
    def config(self) -> dict[str, Any] | None:
        raw = self._meta("config")
        return None if raw is None else dict(json.loads(raw))

    def set_config(self, config: dict[str, Any]) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('config', ?)", (json.dumps(config, sort_keys=True),))

    # -- transactions ---------------------------------------------------------------------------------------
    def begin_write(self) -> None:
        """Take the write lock for a batch (waits ``timeout`` seconds for another writer)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise IndexError_(f"{self.path}: another `index add` is writing to this index; try again when it "
                                  "has finished") from exc
            raise
        self._writing = True

    def begin_read(self) -> None:
        """Read one snapshot until :meth:`end_read` (WAL: writers go on meanwhile)."""
        self.db.execute("BEGIN")

    def end_read(self) -> None:
        self.db.execute("ROLLBACK")

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self._writing = False
        # (copy the batch into the file now, so that the log does not hold a second copy of it; PASSIVE: a reader
        # still on an older snapshot is not waited for, its pages are copied at a later checkpoint)
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def rollback(self) -> None:
        if self._writing:
            self.db.execute("ROLLBACK")
            self._writing = False

    # -- lookups --------------------------------------------------------------------------------------------
    def has_id(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM docs WHERE id = ?", (doc_id,)).fetchone() is not None

    def lookup(self, table: str, keys: np.ndarray, owners: np.ndarray, max_postings: int) -> np.ndarray:
        """(owner, stored doc) for every stored doc that holds one of ``keys`` (``owners[k]`` owns ``keys[k]``) in
        ``table`` (``bands`` or ``prints``), once per key they share; a key held by more than ``max_postings``
        docs is skipped, as the batch run skips it. Each distinct key is looked up once."""
        if table not in keyruns.KINDS:
            raise ValueError(table)
        if not self.keys.runs(table):  # (an empty index: no sort of the batch's keys)
            return np.empty((0, 2), dtype=np.int64)
        signed = np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)
        order = np.argsort(signed, kind="stable")
        sorted_keys, sorted_owners = signed[order], np.asarray(owners, dtype=np.int64)[order]
        first = np.ones(sorted_keys.shape[0], dtype=bool)
        first[1:] = sorted_keys[1:] != sorted_keys[:-1]
        hit_keys, hit_docs = self.keys.lookup(table, sorted_keys[first])
        gone = self._removed()
        if gone.shape[0] and hit_docs.shape[0]:
            alive = ~np.isin(hit_docs, gone)
            hit_keys, hit_docs = hit_keys[alive], hit_docs[alive]
        if hit_keys.shape[0] == 0:
            return np.empty((0, 2), dtype=np.int64)
        by_key = np.argsort(hit_keys, kind="stable")
        hit_keys, hit_docs = hit_keys[by_key], hit_docs[by_key]
        starts = np.flatnonzero(np.concatenate([[True], hit_keys[1:] != hit_keys[:-1]]))
        postings = np.diff(np.concatenate([starts, [hit_keys.shape[0]]]))
        keep = np.repeat(postings <= max_postings, postings)
        hit_keys, hit_docs = hit_keys[keep], hit_docs[keep]
        # every owner of each hit key: the run of that key in the sorted batch keys
        lo_at = np.searchsorted(sorted_keys, hit_keys, side="left")
        hi_at = np.searchsorted(sorted_keys, hit_keys, side="right")
        runs = hi_at - lo_at
        starts = np.repeat(lo_at - np.concatenate([[0], np.cumsum(runs)[:-1]]), runs)
        at = starts + np.arange(int(runs.sum()), dtype=np.int64)
        return np.stack([sorted_owners[at], np.repeat(hit_docs, runs)], axis=1)

    def _removed(self) -> np.ndarray:
        """The numbers of removed docs whose keys may still be stored (sorted). Read again only when the file
        changed: another connection committed (SQLite's ``data_version``), or this one removed docs."""
        version = (int(self.db.execute("PRAGMA data_version").fetchone()[0]), self._removals)
        if self._removed_cache is None or self._removed_cache[0] != version:
            numbers = np.array([n for (n,) in self.db.execute("SELECT n FROM removed ORDER BY n")], dtype=np.int64)
            self._removed_cache = (version, numbers)
        return self._removed_cache[1]

    def exact_matches(self, exact: np.ndarray) -> np.ndarray:
        """(batch row, stored doc) for every stored doc of the same exact-copy hash."""
        signed = np.ascontiguousarray(exact, dtype=np.uint64).view(np.int64)
        rows: list[tuple[int, int]] = []
        for lo in range(0, signed.shape[0], LOOKUP_CHUNK):
            # (json_each's ``key`` is the position in the array: the batch row, less the chunk's start)
            rows += [(lo + i, n) for i, n in self.db.execute(
                "SELECT j.key, d.n FROM json_each(?) j JOIN docs d ON d.exact = j.value WHERE j.value != 0",
                (json.dumps(signed[lo : lo + LOOKUP_CHUNK].tolist()),))]
        return np.array(rows, dtype=np.int64).reshape(-1, 2)

    def _rows_in(self, sql: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows of ``sql``, each ``{marks}`` in it a list of placeholders bound to ``values``, 500 at a time (the
        placeholders a statement may hold are bounded)."""
        for part in _parts(list(values)):
            marks = ",".join("?" * len(part))
            yield from self.db.execute(sql.format(marks=marks), part * sql.count("{marks}"))

    def related(self, docs: Sequence[int]) -> dict[int, Related]:
        """The role and canonical doc of each stored doc of ``docs`` (numbers)."""
        out: dict[int, Related] = {}
        for lo in range(0, len(docs), LOOKUP_CHUNK):
            for n, role, canonical in self.db.execute(
                    "SELECT d.n, d.role, d.canonical FROM json_each(?) j JOIN docs d ON d.n = j.value",
                    (json.dumps([int(n) for n in docs[lo : lo + LOOKUP_CHUNK]]),)):
                out[int(n)] = Related(str(role), canonical)
        return out

    def fingerprint_counts(self, docs: np.ndarray) -> np.ndarray:
        """The number of passage fingerprints of each stored doc of ``docs`` (numbers; 0 for one not there): what
        the batch run's candidate rule reads, asked of every old doc that shares a fingerprint with the batch."""
        out = np.zeros(docs.shape[0], dtype=np.int64)
        for lo in range(0, docs.shape[0], LOOKUP_CHUNK):
            rows = self.db.execute(
                "SELECT j.key, d.prints FROM json_each(?) j JOIN docs d ON d.n = j.value",
                (json.dumps(docs[lo : lo + LOOKUP_CHUNK].tolist()),)).fetchall()
            got = np.array(rows, dtype=np.int64).reshape(-1, 2)
            out[lo + got[:, 0]] = got[:, 1]
        return out

    def numbers(self, ids: Sequence[str]) -> dict[str, int]:
        return {str(doc_id): int(n) for doc_id, n in self._rows_in(
            "SELECT id, n FROM docs WHERE id IN ({marks})", ids)}

    def cluster_members(self, canonical_ids: Sequence[str]) -> list[int]:
        """The docs whose canonical doc is one of ``canonical_ids`` (the canonical docs included)."""
        return [int(n) for (n,) in self._rows_in(
            "SELECT n FROM docs WHERE canonical IN ({marks}) OR id IN ({marks})", canonical_ids)]

    def load(self, docs: Sequence[int]) -> list[StoredDoc]:
        """The stored docs ``docs``, in that order."""
        got = {int(n): StoredDoc(int(n), str(doc_id), unpack_record(record).info, bytes(tokens),
                                 int(np.int64(exact).view(np.uint64)), str(role), canonical)
               for n, doc_id, record, tokens, exact, role, canonical in self._rows_in(
                   "SELECT n, id, record, tokens, exact, role, canonical FROM docs WHERE n IN ({marks})", docs)}
        return [got[n] for n in docs]

    # -- writes (inside begin_write .. commit) ---------------------------------------------------------------
    def add_batch(self, docs: Sequence[NewDoc], changes: Sequence[Change], label: str | None,
                  sorted_keys: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> int:
        """Store a batch: its docs with their keys, and the new decisions of old docs. Returns the batch number.
        ``sorted_keys``: a kind's key entries sorted already (``keyruns.sorted_entries`` of the docs' keys, with
        their places in ``docs`` as owners), else they are sorted here."""
        db = self.db
        batch = int(db.execute("SELECT COALESCE(MAX(batch), 0) + 1 FROM batches").fetchone()[0])
        # (the number after every doc's, removed ones included: their keys may still be stored)
        first = int(db.execute("SELECT COALESCE(MAX(n), -1) + 1 FROM (SELECT MAX(n) AS n FROM docs "
                               "UNION ALL SELECT MAX(n) FROM removed)").fetchone()[0])
        db.execute("INSERT INTO batches VALUES (?, datetime('now'), ?, ?)", (batch, len(docs), label))
        db.executemany(
            "INSERT INTO docs (n, id, batch, date_key, exact, prints, tokens, record, role, canonical, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((first + k, d.id, batch, d.date_key, _signed(np.array([d.exact], dtype=np.uint64))[0],
              int(d.print_keys.shape[0]), d.tokens, d.record, d.role,
              d.canonical, d.text)
             for k, d in enumerate(docs)))
        for kind, attr in (("bands", "band_keys"), ("prints", "print_keys")):
            if sorted_keys is not None and kind in sorted_keys:
                signed, owners = sorted_keys[kind]
                self.keys.add_sorted(kind, [(signed, owners + first)])  # (a constant added keeps the order)
                continue
            keys = [getattr(d, attr) for d in docs]
            sizes = np.array([k.shape[0] for k in keys], dtype=np.int64)
            if sizes.sum():
                self.keys.add(kind, np.concatenate(keys).astype(np.uint64),
                              np.repeat(np.arange(first, first + len(docs), dtype=np.int64), sizes))
        self._apply(changes)
        return batch

    def compact(self) -> int:
        """Merge the key runs of each size tier (its own transaction, after a batch's: a crash in it leaves the
        runs as they were). Returns the runs merged."""
        self.begin_write()
        try:
            merged = self.keys.compact(self._removed())
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return merged

    def _apply(self, changes: Sequence[Change]) -> None:
        """Give stored docs their new decisions (their fields stay as stored)."""
        records = self.records([c.id for c in changes])
        self.db.executemany(
            "UPDATE docs SET role = ?, canonical = ?, record = ? WHERE id = ?",
            ((c.role, c.canonical, pack_record(Record(records[c.id].info, c.decision, c.edge)), c.id)
             for c in changes))

    def records(self, ids: Sequence[str]) -> dict[str, Record]:
        """The stored fields, decision and edge of each doc of ``ids`` that is in the index."""
        return {str(doc_id): unpack_record(record) for doc_id, record in self._rows_in(
            "SELECT id, record FROM docs WHERE id IN ({marks})", ids)}

    def last_batch(self) -> int:
        """The number of the last batch added (0 for none)."""
        return int(self.db.execute("SELECT COALESCE(MAX(batch), 0) FROM batches").fetchone()[0])

    def line_counts(self) -> tuple[np.ndarray, np.ndarray] | None:
        row = self.db.execute("SELECT value FROM state WHERE name = 'line_counts'").fetchone()
        if row is None:
            return None
        both = np.frombuffer(row[0], dtype=np.uint64).reshape(2, -1)
        return both[0].copy(), both[1].astype(np.int64)

    def set_line_counts(self, keys: np.ndarray, counts: np.ndarray) -> None:
        both = np.stack([np.asarray(keys, dtype=np.uint64), np.asarray(counts, dtype=np.int64).astype(np.uint64)])
        self.db.execute("INSERT OR REPLACE INTO state VALUES ('line_counts', ?)", (both.tobytes(),))

    def vocabulary(self, first: int = 0) -> np.ndarray:
        """The token hashes of ids ``first`` onwards (in id order); ``first`` is where a stored run of ids starts
        or the vocabulary's end."""
        parts = [np.frombuffer(h, dtype=np.uint64) for _, h in self.db.execute(
            "SELECT first, hashes FROM vocab WHERE first >= ? ORDER BY first", (first,))]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)

    def add_vocabulary(self, first: int, hashes: np.ndarray) -> None:
        """Store the token hashes of ids ``first ..`` (a batch's new tokens)."""
        if hashes.shape[0]:
            self.db.execute("INSERT INTO vocab VALUES (?, ?)",
                            (first, np.ascontiguousarray(hashes, dtype=np.uint64).tobytes()))

    # -- upkeep ---------------------------------------------------------------------------------------------
    def remove(self, numbers: Sequence[int]) -> list[Change]:
        """Remove docs (and their keys); the members of a removed canonical doc become unique. Returns those
        members' changes (applied)."""
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS gone (n INTEGER PRIMARY KEY)")
        db.executemany("INSERT OR IGNORE INTO temp.gone VALUES (?)", ((n,) for n in numbers))
        ids = [r[0] for r in db.execute("SELECT id FROM docs WHERE n IN (SELECT n FROM temp.gone)")]
        orphans: list[Change] = []
        for doc_id, record in list(self._rows_in(
                "SELECT id, record FROM docs WHERE canonical IN ({marks}) AND n NOT IN (SELECT n FROM temp.gone) "
                "AND role != 'canonical'", ids)):
            row = unpack_record(record).decision
            row.update(role="unique", cluster_id=None, canonical_id=None, jaccard=None, containment=None,
                       cover=None, longest_passage=None, reason_code="no_match",
                       reason=f"its canonical doc {row.get('canonical_id')!r} was removed from the index")
            orphans.append(Change(str(doc_id), "unique", None, row, None))
        # (their keys stay in the runs until a merge drops them; lookups skip them meanwhile)
        db.execute("INSERT OR IGNORE INTO removed SELECT n FROM docs WHERE n IN (SELECT n FROM temp.gone)")
        db.execute("DELETE FROM docs WHERE n IN (SELECT n FROM temp.gone)")
        db.execute("DELETE FROM temp.gone")
        self._removals += 1
        self._purge_if_many()
        self._apply(orphans)
        # a canonical doc left with no members is unique again
        alone = [str(r[0]) for r in db.execute(
            "SELECT id FROM docs WHERE role = 'canonical' AND id NOT IN "
            "(SELECT canonical FROM docs WHERE canonical IS NOT NULL AND role != 'canonical')")]
        unique = []
        for doc_id, record in self.records(alone).items():
            row = record.decision
            row.update(role="unique", cluster_id=None, canonical_id=None, reason_code="no_match",
                       reason="its members were removed from the index")
            unique.append(Change(doc_id, "unique", None, row, None))
        self._apply(unique)
        return orphans

    def _purge_if_many(self) -> None:
        """Past :data:`PURGE_REMOVED` removed docs (and a twentieth of those left), rewrite every key run without
        their keys and forget them: every lookup skips the removed docs, and a large prune would otherwise slow
        them all until merging had dropped the keys run by run."""
        gone = int(self.db.execute("SELECT COUNT(*) FROM removed").fetchone()[0])
        left = int(self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])
        if gone <= max(PURGE_REMOVED, left // 20):
            return
        dead = self._removed()
        for kind in keyruns.KINDS:
            runs = self.keys.runs(kind)
            if runs:
                self.keys.merge(kind, runs, dead)
        # (no run holds a key of theirs now: their numbers may be given again)
        self.db.execute("DELETE FROM removed")
        self._removals += 1

    def decisions(self) -> Iterator[dict[str, Any]]:
        """Every stored doc's decision, in the order the docs were added."""
        for (record,) in self.db.execute("SELECT record FROM docs ORDER BY n"):
            yield unpack_record(record).decision

    def cluster(self, canonical_id: str) -> list[tuple[str, str, Record]]:
        """(id, role, record) of each member of the cluster of ``canonical_id``, by id."""
        return [(str(i), str(role), unpack_record(rec)) for i, role, rec in self.db.execute(
            "SELECT id, role, record FROM docs WHERE canonical = ? AND role != 'canonical' ORDER BY id",
            (canonical_id,))]

    def rows(self, sql: str, params: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows of a read query (for the index's stats, checks and exports)."""
        yield from self.db.execute(sql, tuple(params))

    def check(self) -> list[str]:
        """Integrity problems found (none: an empty list): SQLite's own check, then the index's rules."""
        problems = [str(r[0]) for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        rules = {
            "a member's canonical doc is not in the index":
                "SELECT COUNT(*) FROM docs m WHERE m.role NOT IN ('canonical', 'unique') "
                "AND NOT EXISTS (SELECT 1 FROM docs c WHERE c.id = m.canonical AND c.role = 'canonical')",
            "a canonical doc has no members":
                "SELECT COUNT(*) FROM docs c WHERE c.role = 'canonical' AND NOT EXISTS "
                "(SELECT 1 FROM docs m WHERE m.canonical = c.id AND m.role != 'canonical')",
            "a removed doc is in the index": "SELECT COUNT(*) FROM removed r JOIN docs d ON d.n = r.n",
            "the vocabulary's runs of ids are not contiguous":
                "SELECT COUNT(*) FROM vocab v WHERE v.first != "
                "(SELECT COALESCE(SUM(LENGTH(w.hashes) / 8), 0) FROM vocab w WHERE w.first < v.first)",
            "a batch's doc count is not what it holds":
                "SELECT COUNT(*) FROM batches b WHERE b.docs < (SELECT COUNT(*) FROM docs d WHERE d.batch = b.batch)",
        }
        for what, sql in rules.items():
            count = int(self.db.execute(sql).fetchone()[0])
            if count:
                problems.append(f"{what}: {count}")
        return problems + self.keys.check() + self._check_key_owners()

    def _check_key_owners(self) -> list[str]:
        """Every stored key names a doc (in the index, or removed), every doc with tokens has its band keys, and
        its stored fingerprint count is the number of its fingerprints."""
        rows = np.array(list(self.db.execute("SELECT n, LENGTH(tokens) > 0, prints FROM docs")),
                        dtype=np.int64).reshape(-1, 3)
        gone = self._removed()
        size = int(max(rows[:, 0].max(initial=-1), gone.max(initial=-1))) + 1
        live = np.zeros(size, dtype=bool)
        live[rows[:, 0]] = True
        problems = []
        for kind, what in (("bands", "a band key"), ("prints", "a fingerprint")):
            held = np.zeros(size, dtype=np.int64)
            strays = 0
            for _, _, owners in self.keys.scan(kind):
                inside = owners < size
                strays += int((~inside).sum())
                held += np.bincount(owners[inside], minlength=size)
            named = np.flatnonzero(held)
            strays += int((~live[named] & ~np.isin(named, gone)).sum())
            if strays:
                problems.append(f"{what} names no doc: {strays}")
            if kind == "bands":
                lacking = int(((rows[:, 1] > 0) & (held[rows[:, 0]] == 0)).sum())
                if lacking:
                    problems.append(f"a doc has no LSH band keys: {lacking}")
            else:
                wrong = int((held[rows[:, 0]] != rows[:, 2]).sum())
                if wrong:
                    problems.append(f"a doc's fingerprint count is not the number of its stored fingerprints: {wrong}")
        return problems


def _parts(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for lo in range(0, len(values), size):
        yield values[lo : lo + size]


def migrate(path: Path) -> dict[str, int]:
    """Bring an index of an older schema (:data:`MIGRATES_FROM`) to :data:`SCHEMA_VERSION`, in one transaction
    (a crash leaves it as it was). Returns the versions and what was converted.

    From version 2: the key tables (one row per key and doc) become sorted runs, read in key order, and each
    doc gets its fingerprint count. Matching and every decision stay as they were."""
    if not Path(path).exists():
        raise IndexError_(f"{path}: no index there")
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row is not None else None
        if version == SCHEMA_VERSION:
            return {"from": version, "to": SCHEMA_VERSION, "docs": 0, "keys": 0}
        if version not in MIGRATES_FROM:
            raise IndexError_(f"{path}: index schema version {version}; `index migrate` brings versions "
                              f"{', '.join(map(str, MIGRATES_FROM))} to {SCHEMA_VERSION}: rebuild this one with "
                              "`copydesk index add` over the inputs")
        db.execute("BEGIN IMMEDIATE")
        try:
            converted = _from_schema_2(db)
            config = json.loads(db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()[0])
            config["schema"] = SCHEMA_VERSION
            db.execute("UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(config, sort_keys=True),))
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return {"from": version, "to": SCHEMA_VERSION, **converted}
    except sqlite3.DatabaseError as exc:
        raise IndexError_(f"{path}: not a copydesk index, or damaged ({exc})") from exc
    finally:
        db.close()


def _from_schema_2(db: sqlite3.Connection) -> dict[str, int]:
    for statement in keyruns.SCHEMA.split(";") + ["CREATE TABLE IF NOT EXISTS removed (n INTEGER PRIMARY KEY)"]:
        if statement.strip():
            db.execute(statement)
    db.execute("ALTER TABLE docs ADD COLUMN prints INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE TEMP TABLE fingerprint_counts (doc INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    db.execute("INSERT INTO temp.fingerprint_counts SELECT doc, COUNT(*) FROM prints GROUP BY doc")
    db.execute("UPDATE docs SET prints = COALESCE((SELECT c.n FROM temp.fingerprint_counts c WHERE c.doc = docs.n), 0)")
    db.execute("DROP TABLE temp.fingerprint_counts")
    runs = KeyRuns(db)
    keys = 0
    for kind in keyruns.KINDS:
        cursor = db.execute(f"SELECT key, doc FROM {kind} ORDER BY key, doc")  # (its primary key's order)

        def chunks(cursor: sqlite3.Cursor = cursor) -> Iterator[tuple[np.ndarray, np.ndarray]]:
            while rows := cursor.fetchmany(1_000_000):
                got = np.array(rows, dtype=np.int64).reshape(-1, 2)
                yield got[:, 0], got[:, 1]

        run = runs.add_sorted(kind, chunks())
        keys += 0 if run is None else run.entries
        db.execute(f"DROP TABLE {kind}")
    docs = int(db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])
    return {"docs": docs, "keys": keys}


def config_difference(stored: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """The settings on which two index configurations differ, as "key: stored -> wanted"."""
    out = []
    for key in sorted(set(stored) | set(wanted)):
        if stored.get(key) != wanted.get(key):
            out.append(f"{key}: {stored.get(key)!r} in the index, {wanted.get(key)!r} now")
    return out


def refuse_other_config(path: Path, stored: dict[str, Any], wanted: dict[str, Any]) -> None:
    """Raise :class:`ConfigError` naming each setting that differs from the index's."""
    diff = config_difference(stored, wanted)
    if diff:
        raise ConfigError(f"{path}: the index was built with other settings ({'; '.join(diff)}); use the index's "
                          "settings, or build a new index for these")
