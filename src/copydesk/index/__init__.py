"""A persistent, incremental index: each new batch is matched against every doc added before, and stored.

    with Index("crawl.db") as index:
        run = index.add(read_inputs_deferred([Path("day2.jsonl")], cfg.read))
        run.result.decisions      # one per input doc of the batch; a copy of an old doc names it
        run.changes               # old docs whose decision the batch changed

A batch runs the usual stages (``pipeline.dedup``) with the index as its :class:`copydesk.prior.Prior`: line
statistics go on from the stored counts, docs whose id is in the index are skipped (``already_indexed``), the old
docs related to the batch (by LSH band keys, passage fingerprints and exact-copy hashes) are loaded and matched
with it, and the batch is stored in one transaction. An old canonical doc stays canonical when a more complete
copy arrives; an old unique doc that a new doc copies (or that copies one) gets a new decision, reported in
``changes``. The index refuses a configuration other than its own (:func:`index_config`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np

from ..candidates.lsh import _decode_pairs, band_key_rows, sharing_enough
from ..config import RunConfig
from ..dates import date_key
from ..executor import Workers
from ..io.readers import Entry
from ..io.writers import cluster_row, decision_row, write_jsonl
from ..pipeline import ProgressFn, RunResult, dedup, no_progress
from ..prepare import DocInfo
from ..prior import BatchRecord, PriorDocs
from ..provenance import Credit
from ..sketch._kernels import sequence_hash
from ..sketch.shingle import EXACT_SEED, ShingleSets, sketch_tokens, token_stream
from ..sketch.spill import TextReader
from ..syndication import NameKeys, syndication_edges
from ..types import Cluster, Decision, Edge, EdgeLabel, Role
from .keyruns import sorted_entries
from .store import (
    SCHEMA_VERSION,
    Change,
    IndexError_,
    NewDoc,
    Record,
    SQLiteStore,
    StoredDoc,
    migrate,
    pack_record,
    refuse_other_config,
)
from .tokens import Vocabulary, pack_rows, unpack_rows

__all__ = ["Index", "IndexRun", "index_config", "migrate"]

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Docs whose sketches are read at once when a batch is stored.
STORE_CHUNK = 10_000


def index_config(cfg: RunConfig) -> dict[str, Any]:
    """The settings an index is bound to, flat ("shingle.size": 5, ...): every one that changes results, and the
    version of the rules and normalisation (copydesk's own) and of the index's schema."""
    from .. import __version__

    flat: dict[str, Any] = {"copydesk": __version__, "schema": SCHEMA_VERSION}
    for stage, values in json.loads(json.dumps(cfg.matching_dict(), default=list)).items():
        if stage == "read":
            continue  # (which fields hold what may differ from crawl to crawl; matching does not)
        for key, value in values.items():
            flat[f"{stage}.{key}"] = value
    return flat


@dataclass(frozen=True)
class IndexRun:
    """One batch added to (or queried against) the index: the batch's run, and the old docs whose decision the
    batch changed (before, after)."""

    result: RunResult
    changes: list[dict[str, Any]]
    batch: int | None  # its number in the index (None for a query, or a batch of docs all indexed already)

    def change_rows(self) -> Iterator[dict[str, Any]]:
        return iter(self.changes)


def _info_row(info: DocInfo) -> dict[str, Any]:
    return {
        "origin": info.origin, "url": info.url, "source": info.source, "date": info.date, "title": info.title,
        "chars": info.chars, "warnings": list(info.warnings), "utf8_bytes": info.utf8_bytes,
        "credits": [[c.kind, c.name, c.line, c.evidence] for c in info.credits],
        "removed_lines": info.removed_lines, "notes": list(info.notes),
    }


def _info_of(doc_id: str, row: dict[str, Any]) -> DocInfo:
    return DocInfo(
        doc_id, row["origin"], row["url"], row["source"], row["date"], row["title"], int(row["chars"]),
        tuple(row["warnings"]), int(row["utf8_bytes"]), False,
        tuple(Credit(k, n, line, ev) for k, n, line, ev in row["credits"]), int(row["removed_lines"]), False,
        tuple(row["notes"]),
    )


def _edge_row(e: Edge) -> dict[str, Any]:
    return {"a": e.a, "b": e.b, "jaccard": e.jaccard, "contain_ab": e.contain_ab, "contain_ba": e.contain_ba,
            "label": e.label.value, "cover_ab": e.cover_ab, "cover_ba": e.cover_ba,
            "longest_passage": e.longest_passage, "passages": [list(p) for p in e.passages]}


def _edge_of(row: dict[str, Any]) -> Edge:
    return Edge(row["a"], row["b"], row["jaccard"], row["contain_ab"], row["contain_ba"], EdgeLabel(row["label"]),
                row["cover_ab"], row["cover_ba"], row["longest_passage"],
                tuple(tuple(p) for p in row["passages"]))


def sketch_stored(docs: list[StoredDoc], vocabulary: Vocabulary, cfg: RunConfig) -> tuple[
    ShingleSets, np.ndarray, np.ndarray
]:
    """The stored docs' shingle sets and shingles in text order (CSR values, offsets), computed from their token
    ids as the batch that added them computed them from their text."""
    packed = np.frombuffer(b"".join(d.tokens for d in docs), dtype=np.uint8)
    byte_offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(d.tokens) for d in docs], out=byte_offsets[1:])
    ids, offsets = unpack_rows(packed, byte_offsets)
    if ids.shape[0] and int(ids.max()) >= len(vocabulary):
        raise IndexError_("a stored doc names a token the index's vocabulary lacks: the index is damaged "
                          "(`copydesk index check`)")
    sets, order, order_offsets = sketch_tokens(vocabulary.decode(ids), offsets, cfg.shingle)
    return ShingleSets(sets.values, sets.offsets, np.array([d.exact for d in docs], dtype=np.uint64)), order, \
        order_offsets


def stored_chunk(infos: list[DocInfo], decisions: list[Decision], edges: list[Edge | None], texts: TextReader | None,
                 rows: list[int], exact: np.ndarray) -> tuple[
    tuple[np.ndarray, np.ndarray] | None, list[bytes], list[float | None]
]:
    """What the index stores of a chunk of a batch's docs (rows ``rows`` of the run), made where the run's worker
    processes are: their token hashes (CSR; None when ``texts`` is, as they were made before), packed records
    and date keys."""
    tokens = None if texts is None else token_hashes_of(texts, rows, [not i.no_prose for i in infos], exact)
    records = [pack_record(Record(_info_row(i), decision_row(d), None if e is None else _edge_row(e)))
               for i, d, e in zip(infos, decisions, edges, strict=True)]
    return tokens, records, [date_key(i.date) if i.date else None for i in infos]


def token_hashes_of(texts: TextReader, rows: list[int], matched: list[bool], exact: np.ndarray) -> tuple[
    np.ndarray, np.ndarray
]:
    """The token hashes (CSR: values, offsets) of the clean texts ``rows`` of a run, empty where not ``matched``
    (a doc with no prose body was matched by nothing). ``exact``: the run's exact-copy hash of each, which the
    tokens must give again: a doc whose stored tokens would not give back what the batch matched it by is
    refused before anything is stored. A job for a worker process: the texts are read from the run's spill."""
    tokens, offsets = token_stream([texts.get(i) if keep else "" for i, keep in zip(rows, matched, strict=True)])
    again = sequence_hash(tokens, offsets, EXACT_SEED)
    wrong = np.flatnonzero(again != exact)
    if wrong.shape[0]:
        raise IndexError_(f"{wrong.shape[0]} docs of the batch tokenise otherwise at storing than at matching "
                          "(a copydesk bug: please report it)")
    return tokens, offsets


def packed_tokens(tokens: np.ndarray, offsets: np.ndarray, vocabulary: Vocabulary) -> list[bytes]:
    """Each text's token ids, varint packed (new tokens get ids in ``vocabulary``)."""
    packed, byte_offsets = pack_rows(vocabulary.encode(tokens), offsets)
    raw = packed.tobytes()
    bounds = byte_offsets.tolist()
    return [raw[bounds[k] : bounds[k + 1]] for k in range(offsets.shape[0] - 1)]


def _store_chunks(n: int) -> list[list[int]]:
    """A batch's rows ``0 .. n - 1`` in the chunks they are stored by (the early jobs and the store agree on them)."""
    return [list(range(lo, min(lo + STORE_CHUNK, n))) for lo in range(0, n, STORE_CHUNK)]


def _pairs_counted(hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (new doc, old doc) rows of ``hits`` (sorted) and how often each occurs (the keys they share)."""
    if hits.shape[0] == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    codes = (hits[:, 0].astype(np.uint64) << np.uint64(32)) | hits[:, 1].astype(np.uint64)
    unique, shared = np.unique(codes, return_counts=True)
    return _decode_pairs(unique), shared


class _StorePrior:
    """The index as the pipeline's :class:`copydesk.prior.Prior`."""

    def __init__(self, store: SQLiteStore, cfg: RunConfig, vocabulary: Vocabulary, recanonicalize: bool = False,
                 line_counts: Callable[[], tuple[np.ndarray, np.ndarray] | None] | None = None,
                 storing: bool = False) -> None:
        self.store = store
        self.storing = storing  # (an add: what is to be stored may be made early, in the run's worker processes)
        self._workers: Workers | None = None
        # made in the workers while this process matches: each chunk's token hashes, and each kind's key entries
        # sorted (batch rows as owners)
        self.token_jobs: list[tuple[list[int], Future[tuple[np.ndarray, np.ndarray]]]] = []
        self.key_jobs: dict[str, Future[tuple[np.ndarray, np.ndarray]]] = {}
        self._line_counts = line_counts if line_counts is not None else store.line_counts
        self.cfg = cfg
        self.vocabulary = vocabulary
        self.recanonicalize = recanonicalize
        self.loaded: dict[str, StoredDoc] = {}  # by id: the old docs handed to the run
        self._known: dict[str, bool] = {}  # by id: whether the index holds it (the run's snapshot of the index)
        # the batch's lookup keys, kept to be stored with it: its band keys [n, bands] and fingerprints (CSR)
        self.bands = np.empty((0, cfg.candidates.bands), dtype=np.uint64)
        self.prints = (np.empty(0, dtype=np.uint64), np.zeros(1, dtype=np.int64))

    def line_counts(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self._line_counts()

    def is_known(self, doc_id: str) -> bool:
        # (asked twice of each doc, in the run's first pass and at its intake: one lookup serves both)
        known = self._known.get(doc_id)
        if known is None:
            known = self._known[doc_id] = self.store.has_id(doc_id)
        return known

    def known(self, ids: Sequence[str]) -> list[bool]:
        # (a first-pass batch's ids in a few statements, not one each; the intake then finds them here)
        missing = [i for i in dict.fromkeys(ids) if i not in self._known]
        if missing:
            held = self.store.numbers(missing)
            self._known.update((i, i in held) for i in missing)
        return [self._known[i] for i in ids]

    def batch_ready(self, texts: TextReader, matched: list[bool], exact: np.ndarray, workers: Workers) -> None:
        if not self.storing or not workers.pooled:
            return
        self._workers = workers
        for rows in _store_chunks(len(matched)):
            lo = rows[0]
            future = workers.submit(token_hashes_of, texts, rows, matched[lo : rows[-1] + 1], exact[lo : rows[-1] + 1])
            assert future is not None
            self.token_jobs.append((rows, future))

    def related(self, sigs: np.ndarray, prints: tuple[np.ndarray, np.ndarray], exact: np.ndarray) -> PriorDocs:
        cand = self.cfg.candidates
        owners = np.arange(sigs.shape[0], dtype=np.int64)
        self.bands, self.prints = band_key_rows(sigs, cand, self.cfg.minhash), prints
        counts = np.diff(prints[1])
        if self._workers is not None:  # (sorted as the store writes them: a second or two per 100,000 docs)
            for kind, keys, rows in (("bands", self.bands.ravel(), np.repeat(owners, cand.bands)),
                                     ("prints", prints[0], np.repeat(owners, counts))):
                future = self._workers.submit(sorted_entries, keys, rows)
                assert future is not None
                self.key_jobs[kind] = future
        band_hits = self.store.lookup("bands", self.bands.T.ravel(), np.tile(owners, cand.bands), cand.max_postings)
        print_hits = self.store.lookup("prints", prints[0], np.repeat(owners, counts), cand.max_postings)
        exact_hits = self.store.exact_matches(exact)
        print_pairs, shared = _pairs_counted(print_hits)
        # an old doc is loaded only for a pair the run itself would take as a candidate: sharing a band key, an
        # exact copy, or enough fingerprints by the run's rule (one shared passage, a quote or a stock line, is not)
        sharing = np.unique(print_pairs[:, 1])
        old_prints = self.store.fingerprint_counts(sharing)[np.searchsorted(sharing, print_pairs[:, 1])]
        enough = sharing_enough(shared, np.minimum(counts[print_pairs[:, 0]], old_prints), cand,
                                self.cfg.verify.containment / 2)
        pairs = _pairs_counted(np.concatenate([band_hits, print_pairs[enough], exact_hits]))[0]
        info = self.store.related(np.unique(pairs[:, 1]).tolist())
        canonical_n = self.store.numbers(sorted({r.canonical for r in info.values()
                                                 if r.role not in ("canonical", "unique") and r.canonical is not None}))
        direct: set[int] = set()
        through: set[tuple[int, int]] = set()  # (new doc, old canonical doc) found through one of its members
        for new, old in pairs.tolist():
            r = info[old]
            if r.role in ("canonical", "unique"):
                direct.add(old)
            elif r.canonical in canonical_n:
                through.add((new, canonical_n[r.canonical]))
        targets = sorted(direct | {old for _, old in through})
        if self.recanonicalize:  # whole clusters, to be clustered afresh with the batch
            touched = {r.canonical for r in info.values() if r.canonical is not None}
            targets = sorted(set(targets) | set(self.store.cluster_members(sorted(touched))))
            through = set()
        docs = self.store.load(targets)
        self.loaded = {d.id: d for d in docs}
        at = {d.n: k for k, d in enumerate(docs)}
        sets, order, order_offsets = sketch_stored(docs, self.vocabulary, self.cfg)
        return PriorDocs(
            infos=[_info_of(d.id, d.info) for d in docs],
            sets=sets,
            order=(order, order_offsets),
            anchored=np.array([d.role == "canonical" and not self.recanonicalize for d in docs], dtype=bool),
            pairs=np.array(sorted((new, at[old]) for new, old in through), dtype=np.int64).reshape(-1, 2),
            rematch=self.recanonicalize,
        )


class Index:
    """A copydesk index in one SQLite file (created on first use). ``cfg``: the run's settings, which must be the
    index's own (a :class:`copydesk.ConfigError` names each difference); ``store_text`` keeps each doc's clean
    text too. ``recanonicalize``: the clusters a batch touches are clustered afresh with it, so a better copy
    takes over as canonical (every old doc whose decision changes is in the run's ``changes``); by default an
    old canonical doc stays canonical. A context manager; not shared between threads."""

    def __init__(self, path: str | os.PathLike[str], cfg: RunConfig | None = None, *, store_text: bool = False,
                 recanonicalize: bool = False, timeout: float = 30.0, readonly: bool = False) -> None:
        self.path = Path(path)
        self.recanonicalize = recanonicalize
        self.cfg = cfg if cfg is not None else RunConfig()
        self.store_text = store_text
        self._vocab: Vocabulary | None = None  # read on first use (opening stays fast)
        self._lines: tuple[int, tuple[np.ndarray, np.ndarray] | None] | None = None  # (batch, its line counts)
        self.store = SQLiteStore(self.path, timeout=timeout, readonly=readonly)
        wanted = index_config(self.cfg)
        stored = self.store.config()
        if stored is None:
            if not readonly:
                self.store.set_config(wanted)
        else:
            refuse_other_config(self.path, stored, wanted)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    # -- matching ------------------------------------------------------------------------------------------
    def add(self, items: Iterable[Entry], progress: ProgressFn = no_progress, workers: Workers | None = None,
            label: str | None = None, before_commit: Callable[[IndexRun], None] | None = None) -> IndexRun:
        """Match a batch against the index and within itself, then store it (one transaction: after a crash the
        index holds the batch wholly or not at all). ``label``: a note kept with the batch (its inputs).
        ``before_commit`` (the CLI writes the batch's outputs there): called with the run once the batch is
        stored but not yet committed; when it raises, the batch is not stored, so that a failed write (a full
        disk) leaves the index as it was and the same ``add`` can run again."""
        self.store.begin_write()
        vocabulary: Vocabulary | None = None
        try:
            vocabulary = self._vocabulary()
            run = self._run(items, progress, workers, storing=True)
            record = run.result.record
            assert record is not None
            if record.n_new or record.unmatched or run.changes:
                prior = self._prior
                batch = self.store.add_batch(self._new_docs(run.result, record, prior, workers), self._changes(run),
                                             label, {kind: job.result() for kind, job in prior.key_jobs.items()})
                self.store.add_vocabulary(vocabulary.first_new, vocabulary.added())
                # (a batch of docs all in the index already stores nothing: not even its lines, counted again)
                counts = record.line_counts()
                if counts is not None:
                    self.store.set_line_counts(*counts)
                run = dataclasses.replace(run, batch=batch)
            if before_commit is not None:
                before_commit(run)
            self.store.commit()
        except BaseException:
            self.store.rollback()
            if vocabulary is not None:
                vocabulary.forget_added()
            raise
        vocabulary.stored()
        try:
            self.store.compact()
        except sqlite3.OperationalError as exc:  # (the batch is stored; its key runs are merged at a later add)
            log.warning("%s: the key runs were not merged (%s); the next `index add` merges them", self.path, exc)
        return run

    def _line_counts(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The stored source line counts, read again only when a batch was added since (by any writer)."""
        batch = self.store.last_batch()
        if self._lines is None or self._lines[0] != batch:
            self._lines = (batch, self.store.line_counts())
        return self._lines[1]

    def _vocabulary(self) -> Vocabulary:
        """The index's token vocabulary, read once and then only its new ids (another writer may have added
        some since; a writer calls this holding the write lock, so none can be added while it works)."""
        if self._vocab is None:
            self._vocab = Vocabulary.of(self.store.vocabulary())
        else:
            self._vocab.extend_stored(self.store.vocabulary(len(self._vocab)))
        return self._vocab

    def query(self, items: Iterable[Entry], progress: ProgressFn = no_progress,
              workers: Workers | None = None) -> IndexRun:
        """The same matching as :meth:`add`; nothing is written to the index. It reads one snapshot of the index
        (a writer may commit meanwhile)."""
        self.store.begin_read()
        try:
            return self._run(items, progress, workers)
        finally:
            self.store.end_read()

    def _run(self, items: Iterable[Entry], progress: ProgressFn, workers: Workers | None,
             storing: bool = False) -> IndexRun:
        prior = _StorePrior(self.store, self.cfg, self._vocabulary(), self.recanonicalize, self._line_counts,
                            storing)
        result = dedup(items, self.cfg, progress, workers=workers, prior=prior)
        self._prior = prior
        return IndexRun(result, self._change_rows(result, prior), None)

    def _change_rows(self, result: RunResult, prior: _StorePrior) -> list[dict[str, Any]]:
        record = result.record
        assert record is not None
        edges = {e.a: e for c in result.clusters for e in c.edges}
        rows = []
        for o in record.old:
            before = prior.loaded[o.doc_id]
            if o.role.value == before.role and o.canonical_id == before.canonical:
                continue
            if before.role == "canonical" and not self.recanonicalize:
                continue  # (an old canonical doc stays canonical: its members point to it)
            e = edges.get(o.doc_id)
            rows.append({"id": o.doc_id, "before": {"role": before.role, "canonical_id": before.canonical},
                         "after": {"role": o.role.value, "canonical_id": o.canonical_id, "reason_code": o.reason,
                                   "reason": o.detail},
                         "edge": None if e is None else _edge_row(e)})
        return rows

    def _changes(self, run: IndexRun) -> list[Change]:
        out = []
        from ..assemble import cluster_id

        records = self.store.records([row["id"] for row in run.changes])
        for row in run.changes:
            after = row["after"]
            decision = records[row["id"]].decision
            canonical = after["canonical_id"]
            decision.update(role=after["role"], canonical_id=canonical,
                            cluster_id=None if canonical is None else cluster_id(canonical),
                            reason_code=after["reason_code"], reason=after["reason"])
            edge = row["edge"]
            if edge is not None:
                decision.update(jaccard=edge["jaccard"], containment=edge["contain_ab"], cover=edge["cover_ab"],
                                longest_passage=edge["longest_passage"])
            out.append(Change(row["id"], after["role"], canonical, decision, edge))
        return out

    def _new_docs(self, result: RunResult, record: BatchRecord, prior: _StorePrior,
                  workers: Workers | None = None) -> list[NewDoc]:
        """The batch's docs as the store keeps them; their lookup keys are those the batch was looked up by."""
        decisions = {d.doc_id: d for d in result.decisions}
        edges = {e.a: e for c in result.clusters for e in c.edges}
        fp_values, fp_offsets = prior.prints
        exact = record.sets.exact
        out: list[NewDoc] = []
        # (the run's worker processes, where it has them, tokenised the texts again while this process matched
        # the batch, and pack the records now, a chunk each, while this process encodes and stores the chunks)
        early = {rows[0]: job for rows, job in prior.token_jobs}
        parts = _store_chunks(record.n_new)
        jobs = ((([record.infos[i] for i in rows], [decisions[record.infos[i].id] for i in rows],
                  [edges.get(record.infos[i].id) for i in rows], None if rows[0] in early else record.texts, rows,
                  exact[rows[0] : rows[-1] + 1]), rows) for rows in parts)
        pool = workers if workers is not None else Workers()
        for (tokens_made, records, dates), rows in pool.ordered(stored_chunk, jobs):
            hashes, offsets = tokens_made if tokens_made is not None else early[rows[0]].result()
            tokens = packed_tokens(hashes, offsets, prior.vocabulary)
            for k, i in enumerate(rows):
                info = record.infos[i]
                d = decisions[info.id]
                out.append(NewDoc(
                    id=info.id, date_key=dates[k], exact=int(exact[i]), tokens=tokens[k], record=records[k],
                    role=d.role.value, canonical=d.canonical_id,
                    band_keys=prior.bands[i], print_keys=fp_values[fp_offsets[i]: fp_offsets[i + 1]],
                    text=record.texts.get(i) if self.store_text else None,
                ))
        none = np.empty(0, dtype=np.uint64)
        for info in record.unmatched:  # (no prose body: no tokens, no lookup keys; exact-copy hash 0, looked up by none)
            d = decisions[info.id]
            out.append(NewDoc(
                id=info.id, date_key=date_key(info.date) if info.date else None, exact=0, tokens=b"",
                record=pack_record(Record(_info_row(info), decision_row(d), None)), role=d.role.value,
                canonical=None, band_keys=none, print_keys=none))
        return out

    # -- upkeep --------------------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Docs, batches, clusters, roles, size on disk (the file and its write-ahead log) and configuration."""
        roles = dict(self.store.rows("SELECT role, COUNT(*) FROM docs GROUP BY role ORDER BY role"))
        docs = int(sum(roles.values()))
        log = Path(f"{self.path}-wal")
        size = self.path.stat().st_size + (log.stat().st_size if log.exists() else 0)
        batches = int(next(self.store.rows("SELECT COUNT(*) FROM batches"))[0])
        return {
            "path": str(self.path), "docs": docs, "batches": batches, "clusters": int(roles.get("canonical", 0)),
            "roles": roles, "bytes_on_disk": size, "bytes_of_log": size - self.path.stat().st_size,
            "bytes_per_doc": round(size / docs) if docs else None, "config": self.store.config(),
        }

    def check(self) -> list[str]:
        """Integrity problems (an empty list when there are none)."""
        return self.store.check()

    def remove(self, ids: Iterable[str]) -> dict[str, int]:
        """Remove docs by id, in one transaction; members of a removed canonical doc become unique."""
        wanted = list(dict.fromkeys(ids))
        self.store.begin_write()
        try:
            numbers = self.store.numbers(wanted)
            orphans = self.store.remove(sorted(numbers.values()))
            self.store.commit()
        except BaseException:
            self.store.rollback()
            raise
        return {"removed": len(numbers), "not_found": len(wanted) - len(numbers), "members_made_unique": len(orphans)}

    def prune(self, before: str) -> dict[str, int]:
        """Remove the docs dated before ``before`` (any date form copydesk reads); undated docs stay."""
        cutoff = date_key(before)
        if cutoff is None or math.isnan(cutoff):
            raise IndexError_(f"--before {before!r}: not a date copydesk reads (for example 2026-01-31)")
        ids = [r[0] for r in self.store.rows("SELECT id FROM docs WHERE date_key < ?", (cutoff,))]
        return self.remove(ids)

    def export(self, out_dir: Path) -> dict[str, int]:
        """The whole index's decisions and clusters, as ``dedup --out`` writes them (decisions.jsonl,
        clusters.jsonl), in the order the docs were added."""
        out_dir.mkdir(parents=True, exist_ok=True)
        decisions = write_jsonl(out_dir / "decisions.jsonl", self.store.decisions())
        return {"decisions": decisions, "clusters": write_jsonl(out_dir / "clusters.jsonl", self._cluster_rows())}

    def _cluster_rows(self) -> Iterator[dict[str, Any]]:
        keys = NameKeys()
        canonicals = [str(r[0]) for r in self.store.rows("SELECT id FROM docs WHERE role = 'canonical' ORDER BY id")]
        for part in range(0, len(canonicals), STORE_CHUNK):
            heads = self.store.records(canonicals[part : part + STORE_CHUNK])
            for canonical in canonicals[part : part + STORE_CHUNK]:
                members = [m for m in self.store.cluster(canonical) if m[2].edge is not None]
                if members:
                    yield self._cluster_row(canonical, heads[canonical], members, keys)

    @staticmethod
    def _cluster_row(canonical: str, head: Record, members: list[tuple[str, str, Record]],
                     keys: NameKeys) -> dict[str, Any]:
        from ..assemble import cluster_id, weakest_link

        edges = tuple(_edge_of(rec.edge) for _, _, rec in members if rec.edge is not None)
        roles = tuple(Role(role) for _, role, _ in members)
        weakest = weakest_link(edges, roles)
        infos = [_info_of(canonical, head.info)] + [_info_of(i, rec.info) for i, _, rec in members]
        return cluster_row(Cluster(
            id=cluster_id(canonical), canonical=canonical, canonical_reason=head.decision["reason"],
            members=tuple(e.a for e in edges), roles=roles, edges=edges, weakest_member=weakest[1],
            weakest_score=weakest[0], weakest_metric=weakest[2],
            syndication=syndication_edges([(i.id, i.source, i.credits) for i in infos], keys),
        ))


def config_of_index(path: str | os.PathLike[str], base: RunConfig | None = None) -> RunConfig:
    """The run settings an index was built with (``base``'s where the index has none yet, or none is there):
    what ``copydesk index add`` runs with, so that a later batch needs no options repeated."""
    cfg = base if base is not None else RunConfig()
    if not Path(path).exists():
        return cfg
    store = SQLiteStore(Path(path), readonly=True)
    try:
        stored = store.config()
    finally:
        store.close()
    if stored is None:
        return cfg
    stages: dict[str, dict[str, Any]] = {}
    for key, value in stored.items():
        if "." in key:
            stage, name = key.split(".", 1)
            stages.setdefault(stage, {})[name] = tuple(value) if isinstance(value, list) else value
    changes = {stage: dataclasses.replace(getattr(cfg, stage), **values) for stage, values in stages.items()
               if hasattr(cfg, stage)}
    return dataclasses.replace(cfg, **changes)
