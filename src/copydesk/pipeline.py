"""The only module that knows the stage order: read -> shingle/sketch -> candidates -> verify -> cluster ->
canonical -> decisions. Each stage is a pure function over arrays; this module streams documents through the
first stage in batches (texts are dropped once sketched) and keeps only compact per-doc arrays afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
import resource
import shutil
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, Final

import numpy as np

from . import assemble, executor
from .assemble import KeptTexts
from .backends.gpu import resolve_backend
from .candidates.lsh import candidate_pairs, fingerprints
from .canonical import DocTable, member_scores, priority
from .clean.corpus import FrozenSourceLines, SourceLineStats
from .config import RunConfig
from .dates import DATE_FORMS, date_key
from .executor import Workers
from .io.readers import DEFERRED, Entry, JsonlChunk, PageBatch, deferred_size, from_html, held_chars
from .io.readers import log as reader_log
from .passages import KnownSpans, align_edges, fill_passages, passage_spans
from .prepare import (
    BatchJob,
    BatchOut,
    ChunkJob,
    ChunkOut,
    DocInfo,
    LineKeysJob,
    keyed_texts,
    line_keys,
    order_path,
    process_job,
)
from .prior import (
    BatchRecord,
    Prior,
    PriorDocs,
    anchor_mask,
    anchored_first,
    cluster_keeping_anchors,
    fingerprints_of,
    old_outcomes,
    with_index_pairs,
    with_old_docs,
)
from .provenance import url_host
from .runtime import fewer_collections, temporary_run_folder
from .sketch.minhash import signatures
from .sketch.shingle import ORDER_DTYPE, csr_rows
from .sketch.spill import BatchFiles, FingerprintSpill, ItemSpill, ShingleSpill, SpilledShingles, TextReader
from .syndication import CreditedOriginal
from .types import Cluster, Decision, Document, Reason, Rejected, Role
from .verify import EdgeTable, verify_in_chunks, verify_pairs

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: ``progress(stage, done, total)``: called as work advances; ``total`` is None while the input is streaming.
ProgressFn = Callable[[str, int, int | None], None]


def no_progress(stage: str, done: int, total: int | None) -> None:
    return None


@dataclass
class RunResult:
    """Everything a run produced; ``decisions`` has one row per input, in input order.

    Clean texts and the cleaning audit live in run-local spill files (``work_dir``) and are streamed by
    ``kept_texts()`` and ``audit_rows()``; the folder is removed when the result is garbage-collected.
    """

    decisions: list[Decision]
    clusters: list[Cluster]
    summary: dict[str, Any]
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    work_dir: Path | None = None
    kept: KeptTexts | None = None
    record: BatchRecord | None = None  # (a run with a prior: what the index stores)

    def kept_texts(self) -> Iterator[dict[str, Any]]:
        """The deduplicated corpus: the clean text of every canonical and unique doc, in input order."""
        return iter(self.kept) if self.kept is not None else iter(())

    def audit_rows(self) -> Iterator[str]:
        """``cleaning.jsonl`` lines: the removed lines of every doc that lost any, in input order."""
        path = self.audit_file()
        return iter(()) if path is None else _read_lines(path)

    def audit_file(self) -> Path | None:
        """The run-local file holding exactly the lines :meth:`audit_rows` yields (each ending in a newline), so
        a writer may copy it whole instead of line by line; None when there is none."""
        path = None if self.work_dir is None else self.work_dir / "audit.jsonl"
        return path if path is not None and path.exists() else None


def _read_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield line.rstrip("\n")


_NO_TEXT_HTML = ("no main text found in the page (extraction found no body: not an article page, markup nested "
                 "too deep to parse, or not HTML at all)")


class _Intake:
    """Validates the input stream, groups texts into batch jobs, and files each batch's results.

    Slots keep input order: each input gets one slot, a ``DocInfo`` or a ``Rejected``. Sketched docs get an
    index (their row in the shingle table) in the order their batches come back, which is input order.
    """

    def __init__(self, cfg: RunConfig, progress: ProgressFn, work_dir: Path,
                 is_known: Callable[[str], bool] | None = None) -> None:
        self.cfg = cfg
        self.is_known = is_known  # (an index run: ids in the index already are skipped)
        self.progress = progress
        self.slots: list[DocInfo | Rejected] = []
        self.doc_slot: list[int] = []
        self.first_seen: dict[str, str] = {}
        self.problems: list[str] = []
        self.bytes = 0
        self.shingles = ShingleSpill()
        self.order = ShingleSpill("order.u32", ORDER_DTYPE)  # each doc's shingles in text order, for passage alignment
        self.fingerprints = FingerprintSpill(work_dir)
        self.texts = BatchFiles()  # where each doc's clean text is
        self.work_dir = work_dir
        self.jobs_made = 0
        audit_path = work_dir / "audit.jsonl"
        # a new file, never truncating an old one: a reused work_dir's last audit may be an output's hard link
        audit_path.unlink(missing_ok=True)
        # (a lone surrogate in a removed line, from a Document built in Python, is written as its JSON escape)
        self.audit = audit_path.open("x", encoding="utf-8", errors="backslashreplace")
        self.signatures: list[np.ndarray] = []
        self.step_seconds: dict[str, float] = {}
        self.removed_by_rule: dict[str, int] = {}

    def jobs(
        self, entries: Iterable[Entry], report: bool
    ) -> Iterator[tuple[BatchJob | ChunkJob, list[DocInfo | Rejected]]]:
        """Parsed items grouped into batches (the job's items go with it), and each JSONL chunk as a job of its
        own, parsed and prepared in a worker. ``report``: the chunks' reader warnings are still to be logged (no
        first pass parsed them).

        Nothing is admitted here: every item is admitted when its job comes back (``file_items``), and jobs come
        back in input order. Admitting a batch's items as they were read, while the chunks before them were
        still out in workers, put them ahead of those chunks' docs: with workers, the decisions' order and which
        of two docs sharing an id counts as the first changed (a folder of JSONL and text files, or a JSONL file
        cut short). A doc whose id turns out to be taken was prepared all the same, and its row is dropped."""
        texts: list[str] = []
        sources: list[str | None] = []
        urls: list[str | None] = []
        items: list[DocInfo | Rejected] = []
        for entry in entries:
            if isinstance(entry, DEFERRED):  # a JSONL chunk or HTML pages: parsed or extracted in a worker
                if items:
                    yield BatchJob(texts, sources, urls, *self._spill_paths()), items
                    texts, sources, urls, items = [], [], [], []
                yield ChunkJob(entry, self.cfg.read, *self._spill_paths(), report), []
                continue
            if not isinstance(entry, Document):
                items.append(entry)  # (a Rejected: admitted in order with the job)
                continue
            head = DocInfo.of(entry)
            items.append(head)
            if head.blank:
                continue
            texts.append(entry.text)
            sources.append(entry.source)
            urls.append(entry.url)
            if len(texts) >= self.cfg.batch_size:
                yield BatchJob(texts, sources, urls, *self._spill_paths()), items
                texts, sources, urls, items = [], [], [], []
        if items:
            yield BatchJob(texts, sources, urls, *self._spill_paths()), items

    def _spill_paths(self) -> tuple[str, str]:
        """New files for the clean texts and the shingle sets of the next job (the job's worker writes them)."""
        self.jobs_made += 1
        stem = self.work_dir / f"batch-{self.jobs_made:06d}"
        return f"{stem}.utf8", f"{stem}.u64"

    def _admit(self, item: DocInfo | Rejected) -> bool:
        if isinstance(item, Rejected):
            self.problems.append(item.detail)
            self.slots.append(item)
            return False
        self.problems.extend(item.warnings)
        if item.id in self.first_seen:
            detail = f"{item.origin}: duplicate id {item.id!r}, first seen at {self.first_seen[item.id]}"
            self.problems.append(detail)
            self.slots.append(Rejected(item.id, item.origin, Reason.DUPLICATE_ID, detail))
            return False
        self.first_seen[item.id] = item.origin
        if self.is_known is not None and self.is_known(item.id):
            # (not an input problem: the doc was added before, and adding it again changes nothing)
            self.slots.append(Rejected(item.id, item.origin, Reason.ALREADY_INDEXED,
                                       f"{item.origin}: {item.id!r} is in the index already; skipped"))
            return False
        if item.blank:  # (no text at all as read: a problem of the input, which makes the run exit 1)
            detail = f"{item.origin}: {_NO_TEXT_HTML if from_html(item.origin) else 'empty text'}"
            self.problems.append(detail)
            self.slots.append(Rejected(item.id, item.origin, Reason.EMPTY_TEXT, detail))
            return False
        self.slots.append(item)
        self.bytes += item.utf8_bytes
        return True

    def file_chunk(self, done: ChunkOut) -> None:
        """File a chunk's results (see ``file_items``), its reader's warnings logged first."""
        for message in done.warnings:
            reader_log.warning(message)
        self.file_items(done.out, done.heads)

    def file_items(self, out: BatchOut, items: list[DocInfo | Rejected]) -> None:
        """Admit a job's items in order and file the rows of the docs admitted: ``out`` holds a row per non-blank
        doc of ``items``, in order (a doc whose id was seen before was prepared all the same, and its row is
        dropped here)."""
        rows: list[int] = []
        slots: list[int] = []
        row = 0
        for head in items:
            admitted = self._admit(head)
            if isinstance(head, DocInfo) and not head.blank:
                if admitted:
                    rows.append(row)
                    slots.append(len(self.slots) - 1)
                row += 1
        self.file(out, slots, rows)

    def file(self, out: BatchOut, slots: list[int], rows: list[int] | None = None) -> None:
        """File a batch's results: row ``rows[k]`` of ``out`` (row k without ``rows``) belongs to slot
        ``slots[k]``; rows given to no slot are dropped."""
        size_array = np.diff(out.set_offsets)
        if rows is None:
            rows = list(range(len(slots)))
            kept = np.flatnonzero(size_array > 0)
        else:
            row_array = np.asarray(rows, dtype=np.int64)
            kept = row_array[size_array[row_array] > 0]
        sizes = size_array.tolist()
        audit: list[str] = []
        for row, slot in zip(rows, slots, strict=True):
            info = self.slots[slot]
            assert isinstance(info, DocInfo)
            no_prose = out.no_prose[row]
            if sizes[row] == 0 and not no_prose:
                what = "nothing left after boilerplate removal" if out.removed_json[row] else "no words to match"
                self.slots[slot] = Rejected(info.id, info.origin, Reason.EMPTY_TEXT, f"{info.origin}: {what}")
                continue
            removed = 0
            for rule, count in out.removed_counts[row].items():
                self.removed_by_rule[rule] = self.removed_by_rule.get(rule, 0) + count
                removed += count
            self.slots[slot] = info.filed(out.titles[row], out.credits[row], removed, no_prose)
            if out.removed_json[row]:
                audit.append(f'{{"id":{encode_basestring(info.id)},"removed":{out.removed_json[row]}}}\n')
            if not no_prose:  # (a doc with no prose body gets no doc index and a ``unique`` row: _decisions)
                self.doc_slot.append(slot)
        self.audit.write("".join(audit))
        self.texts.append(out.text_path, out.text_ends, kept)
        whole = kept.shape[0] == size_array.shape[0]
        for step, seconds in out.seconds.items():
            self.step_seconds[step] = self.step_seconds.get(step, 0.0) + seconds
        fp_values, fp_kept_offsets = csr_rows(*out.fingerprints, kept)
        self.fingerprints.append(fp_values, fp_kept_offsets, len(self.doc_slot) - kept.shape[0])
        self.shingles.append(out.shingle_path, out.set_offsets, out.exact, kept)
        self.order.append(order_path(out.shingle_path), out.order_offsets, out.exact, kept)
        self.signatures.append(out.signatures if whole else out.signatures[kept])
        self.progress("clean+sketch", len(self.slots), None)

    def finish(self) -> tuple[SpilledShingles, SpilledShingles]:
        """The shingle sets and the shingles in text order, of every doc."""
        self.audit.close()
        return self.shingles.finish(), self.order.finish()


def _source_lines(
    items: Iterable[Entry], cfg: RunConfig, progress: ProgressFn, spill: ItemSpill, workers: Workers,
    stats: SourceLineStats, seen_before: tuple[np.ndarray, np.ndarray] | None = None,
    known: Callable[[Sequence[str]], list[bool]] | None = None,
) -> FrozenSourceLines:
    """First pass: count each source's lines (corpus-level boilerplate evidence) while keeping the stream in
    ``spill`` for the second pass, so any iterator works.

    Line keys are computed a batch at a time (in the worker processes once they run), and JSONL chunks of a
    deferred stream (``read_inputs_deferred``) are parsed there too; the keys come back and are counted here in
    input order. Parsed items are spilled as they are; a JSONL chunk is spilled as the chunk (for a plain file,
    a byte range), which the second pass parses again where it prepares it. With ``workers=0`` the processes
    start once the input has proved large (``AUTO_WORKERS_MIN_DOCS``) and then serve the second pass too.
    ``seen_before``: the line counts of the docs an index holds (the verdicts count them too); the lines of
    the docs it holds already (``known``: which of a batch's ids it holds; skipped as ``already_indexed``) are
    not counted again.
    """
    seen = work = 0

    def note(entry: Entry) -> None:
        nonlocal seen, work
        before, seen = seen, seen + _docs_in(entry)
        if seen // 10_000 > before // 10_000:
            progress("line statistics", seen, None)
        before, work = work, work + _work_of(entry)
        _start_when_large(workers, cfg, before, work)

    def held_job(held: list[Document | Rejected]) -> LineKeysJob:
        texts, sources, _ = keyed_texts(held)
        return LineKeysJob(texts, sources)

    def jobs() -> Iterator[tuple[tuple[LineKeysJob], Sequence[Entry]]]:
        held: list[Document | Rejected] = []  # items of the next job, spilled when its keys come back
        for entry in items:
            if isinstance(entry, DEFERRED):
                if held:
                    yield (held_job(held),), held
                    held = []
                note(entry)
                # a JSONL chunk is spilled as the chunk (parsed again where it is prepared, which is cheap), unless
                # it is parsed here in this process and its items fit in the spill's memory (then they are kept
                # and not parsed twice); HTML pages come back extracted, and their documents are spilled
                # (extraction is what costs)
                keep = isinstance(entry, JsonlChunk) and not workers.pooled and spill.has_room()
                yield (LineKeysJob([], [], entry, cfg.read, keep_items=keep, with_ids=known is not None),), [entry]
                continue
            held.append(entry)
            note(entry)
            if len(held) >= cfg.batch_size:
                yield (held_job(held),), held
                held = []
        if held:
            yield (held_job(held),), held

    for out, held_items in workers.ordered(line_keys, jobs()):
        for message in out.warnings:
            reader_log.warning(message)
        if out.items is not None and isinstance(held_items[0], JsonlChunk):
            spill.append_parsed(held_items[0], out.items)
        else:
            for item in held_items if out.items is None else out.items:
                spill.append(item)
        values: Any = out.values
        sizes: Any = out.sizes
        if known is not None:  # (the lines of docs the index holds are counted there already)
            ids = out.ids if out.ids is not None else tuple(keyed_texts(
                [i for i in held_items if isinstance(i, (Document, Rejected))])[2])
            values, sizes = _without_known(values, sizes, known(ids))
        stats.observe_batch(values, sizes)
    return stats.freeze(seen_before)


def _without_known(values: Any, sizes: Any, is_known: list[bool]) -> tuple[np.ndarray, np.ndarray]:
    """A first-pass batch's line keys (values, per-doc sizes) without those of the docs ``is_known`` marks."""
    sizes = np.asarray(sizes, dtype=np.int64)
    known = np.array(is_known, dtype=bool).reshape(-1)
    values = np.asarray(values, dtype=np.uint64)
    if not known.any():
        return values, sizes
    return values[~np.repeat(known, sizes)], sizes[~known]


#: How many plain docs' work one HTML page is, for starting auto workers: extracting a page (tens of
#: milliseconds: 28 ms a page on the 38 MB bench WARC) costs what cleaning and sketching about 50 docs do.
PAGE_WORK: Final[int] = 50


def _docs_in(entry: Entry) -> int:
    """How many docs an entry stands for (at most: a blank JSONL line is none)."""
    return deferred_size(entry) if isinstance(entry, DEFERRED) else 1


def _work_of(entry: Entry) -> int:
    """The work an entry stands for, in docs' worth (see ``PAGE_WORK``)."""
    return _docs_in(entry) * (PAGE_WORK if isinstance(entry, PageBatch) else 1)


def _start_when_large(workers: Workers, cfg: RunConfig, before: int, work: int) -> None:
    """With ``workers=0`` (auto), start the processes once the input has proved large: ``work`` docs' worth read
    (``_work_of``), up from ``before``. Jobs run in this process until then, and results never depend on where
    they ran."""
    if cfg.workers == 0 and before < executor.AUTO_WORKERS_MIN_DOCS <= work:
        workers.start(executor.resolve_workers(0, work))


def _counted(items: Iterable[Entry], cfg: RunConfig, workers: Workers) -> Iterator[Entry]:
    """``items`` unchanged, starting the processes (``_start_when_large``) once as much work as proves the input
    large went by: without a first pass (cleaning off), the second pass is the only one that sees the size."""
    work = 0
    for entry in items:
        yield entry
        before, work = work, work + _work_of(entry)
        _start_when_large(workers, cfg, before, work)


def _date_keys(intake: _Intake, infos: list[DocInfo], cfg: RunConfig) -> list[float | None]:
    """Each doc's date as a point in time (``copydesk.dates``), read once per distinct string. When the policy
    uses dates, a doc whose date is in a form not understood gets a warning (and counts as an input problem):
    it is ranked as undated, which should not happen unnoticed."""
    known: dict[str, float | None] = {}
    keys: list[float | None] = []
    for k, info in enumerate(infos):
        if info.date is None:
            keys.append(None)
            continue
        if info.date not in known:
            known[info.date] = date_key(info.date)
        key = known[info.date]
        keys.append(key)
        if key is None and cfg.canonical.use_dates and info.date.strip():
            message = (f"{info.origin}: date {info.date!r} is not in a form copydesk reads ({DATE_FORMS}); "
                       "ranked as undated")
            intake.problems.append(message)
            slot = intake.doc_slot[k]
            intake.slots[slot] = dataclasses.replace(info, warnings=(*info.warnings, message))
    return keys


def _timed(timings: dict[str, float], stage: str, start: float, peaks: dict[str, float] | None = None) -> float:
    """Add the stage's seconds; with ``peaks``, also the process's peak resident memory so far (MB), which
    tells a benchmark which stage sets the peak."""
    now = time.perf_counter()
    timings[stage] = round(timings.get(stage, 0.0) + now - start, 4)
    if peaks is not None:
        peaks[stage] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return now


def dedup(
    items: Iterable[Entry], cfg: RunConfig, progress: ProgressFn = no_progress,
    work_dir: Path | None = None, workers: Workers | None = None, prior: Prior | None = None,
) -> RunResult:
    """Run the whole job over a stream of documents and return decisions, clusters and a summary.

    ``items`` may also hold unparsed JSONL chunks (``read_inputs_deferred``), which are parsed in the worker
    processes (in each pass that reads them); the results are those of the parsed stream. With cleaning on, a
    first pass counts each source's lines while spilling the stream to disk, and the second pass reads the spill.
    Spill files go to ``work_dir`` (a temporary folder by default, removed with the result, or at once when the
    run stops with an error). The batch jobs go to ``workers`` when given (which stay open, warm, for the
    caller: ``copydesk.run.write_outputs`` writes the largest output in one), else to processes of the run's
    own, closed once the batches are done.

    ``prior`` (an index, see :mod:`copydesk.prior`): docs seen before. The batch's line statistics start from its
    counts, docs it holds already are skipped (``already_indexed``), the old docs related to the batch are matched
    with it (an old canonical doc with members stays canonical), and the result's ``record`` holds what is to be
    stored.
    """
    cfg = dataclasses.replace(cfg, backend=resolve_backend(cfg.backend))  # before any work: "gpu" may not run here
    owned = work_dir is None
    folder = temporary_run_folder() if work_dir is None else work_dir
    try:
        with fewer_collections():
            pool = workers if workers is not None else Workers()
            try:
                return _dedup(items, cfg, progress, folder, owned, pool, workers is None, prior)
            finally:
                if workers is None:
                    pool.close()
    except BaseException:
        # a run that stops (Ctrl-C, a file changed under it, a full disk) must not leave its spill behind: at
        # a million docs that is gigabytes of clean texts and shingle sets in the temporary folder
        if owned:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _dedup(items: Iterable[Entry], cfg: RunConfig, progress: ProgressFn, folder: Path, owned: bool,
           workers: Workers, own_pool: bool, prior: Prior | None = None) -> RunResult:
    timings: dict[str, float] = {}
    peaks: dict[str, float] = {}
    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    if cfg.workers > 1:
        workers.start(cfg.workers)
    lines: FrozenSourceLines | None = None
    stats: SourceLineStats | None = None
    stream: Iterable[Entry]
    seen_before: tuple[np.ndarray, np.ndarray] | None = None
    if cfg.clean.enabled:
        spill = ItemSpill(folder, chars_of=held_chars)
        stats = SourceLineStats.from_config(cfg.clean)
        seen_before = prior.line_counts() if prior is not None else None
        lines = _source_lines(items, cfg, progress, spill, workers, stats, seen_before,
                              prior.known if prior is not None else None)
        stream = spill.replay()  # type: ignore[assignment]
        start = _timed(timings, "read_and_line_statistics", start, peaks)
    else:
        stream = _counted(items, cfg, workers)  # (no first pass: auto workers start part-way through)
    intake = _Intake(cfg, progress, folder, prior.is_known if prior is not None else None)
    jobs = intake.jobs(stream, report=not cfg.clean.enabled)
    for out, held in workers.ordered(process_job, (((job, cfg, lines), held) for job, held in jobs)):
        if isinstance(out, ChunkOut):
            intake.file_chunk(out)
        else:
            intake.file_items(out, held)
    if own_pool:
        workers.close()  # (the processes' memory is not held through the serial stages)
    sets, in_order = intake.finish()
    start = _timed(timings, "read_clean_sketch", start, peaks)
    step_seconds = {f"{k}_in_batches": round(v, 4) for k, v in intake.step_seconds.items()}

    infos = [info for info in (intake.slots[s] for s in intake.doc_slot) if isinstance(info, DocInfo)]
    assert len(infos) == len(intake.doc_slot)
    date_keys = _date_keys(intake, infos, cfg)
    n_new = len(infos)
    old = PriorDocs.none()
    if prior is not None:
        # (what the index will store of the batch can start in the worker processes, idle until the write)
        prior.batch_ready(TextReader(*intake.texts.frozen()), [not i.no_prose for i in infos], sets.exact, workers)
        old = prior.related(np.concatenate(intake.signatures) if intake.signatures
                            else np.empty((0, cfg.minhash.num_perm), dtype=np.uint64),
                            fingerprints_of(sets, cfg), sets.exact)
        sets, in_order = with_old_docs(sets, in_order, old, folder)
        intake.signatures.append(signatures(old.sets, cfg.minhash))
        fp_values, fp_offsets = fingerprints(old.sets, cfg.candidates)
        intake.fingerprints.append(fp_values, fp_offsets, n_new)
        infos = [*infos, *old.infos]
        date_keys = [*date_keys, *(date_key(i.date) if i.date else None for i in old.infos)]
    docs = DocTable(
        ids=[i.id for i in infos], sizes=sets.sizes(), dates=[i.date for i in infos],
        sources=[i.source for i in infos], date_keys=date_keys,
        hosts=[url_host(i.url) if i.url else None for i in infos] if cfg.canonical.prefer_sources else None,
        repairs=[len(i.shown_warnings) for i in infos],
    )
    progress("candidates", 0, None)  # (stages without a count show as a spinner with the time spent)
    fp_counts, fp_parts = intake.fingerprints.finish()
    pairs = candidate_pairs(sets.exact, intake.signatures, fp_parts, fp_counts, cfg.candidates, cfg.minhash,
                            cfg.verify.containment, cfg.backend, threads=workers.count)
    if prior is not None:  # (old docs were matched with each other before; the index found pairs of its own)
        pairs = with_index_pairs(pairs, old.pairs, n_new, keep_old=old.rematch)
    start = _timed(timings, "candidates", start, peaks)
    total_pairs = int(pairs.shape[0])
    progress("verify (pairs)", 0, total_pairs)
    shingles_of = _ordered_rows(in_order)  # passages are found on the shingles as they were sketched
    sizes = sets.sizes()
    known = KnownSpans()  # the verified edges' passages, for the outputs
    edges = verify_in_chunks(sets, pairs, cfg.verify,
                             done=lambda verified: progress("verify (pairs)", verified, total_pairs),
                             threads=workers.count,
                             refine=lambda table: align_edges(table, shingles_of, sizes, cfg, threads=workers.count,
                                                              known=known, lazy=True))
    start = _timed(timings, "verify", start, peaks)
    rank = priority(docs, edges, cfg.canonical)
    anchored = np.flatnonzero(old.anchored) + n_new
    rank = anchored_first(rank, anchored)
    on_demand = [0]  # pairs verified while clustering (never candidates), for the summary

    def verify_on_demand(pairs: np.ndarray) -> EdgeTable:
        on_demand[0] += int(pairs.shape[0])
        rows = sets.rows(pairs.reshape(-1))  # rows 2i and 2i + 1 hold pair i
        local = np.arange(2 * pairs.shape[0], dtype=np.int64).reshape(-1, 2)
        table = verify_pairs(rows, local, cfg.verify, keep_unrelated=True)
        table = EdgeTable(pairs[:, 0].copy(), pairs[:, 1].copy(), table.jaccard, table.contain_ab,
                          table.contain_ba, table.label)
        return align_edges(table, shingles_of, sizes, cfg, keep_unrelated=True, known=known)

    progress("cluster", 0, None)
    original = CreditedOriginal([(i.id, i.source, i.credits) for i in infos])
    assignment = cluster_keeping_anchors(
        len(infos), edges, rank, verify_on_demand, original if cfg.canonical.credited_first else None,
        lambda table, rows: fill_passages(table, rows, shingles_of, sizes, cfg, workers.count, known), anchored)
    scores = member_scores(assignment, docs, cfg.canonical, original.why, anchor_mask(len(infos), anchored))
    start = _timed(timings, "cluster", start, peaks)

    progress("assemble", 0, None)
    decisions = assemble.decisions(intake.slots, intake.doc_slot, docs, assignment, scores)
    members = np.flatnonzero(assignment.link >= 0)
    member_pairs = np.stack([members, assignment.centre[members]], axis=1)
    spans = dict(zip(members.tolist(), passage_spans(member_pairs, shingles_of, cfg, threads=workers.count,
                                                     known=known), strict=True))
    clusters = assemble.clusters(docs, infos, assignment, scores, spans)
    _timed(timings, "assemble", start, peaks)
    summary = _summary(decisions, clusters, pairs, edges, on_demand[0], intake, cfg)
    manifest = _manifest(cfg, timings, len(decisions), intake.bytes, workers.count)
    manifest["batch_step_seconds"] = step_seconds
    manifest["peak_rss_mb_after"] = peaks
    kept = assemble.kept_texts(infos[:n_new], assignment, scores, intake.texts)
    record = None
    if prior is not None:
        record = BatchRecord(n_new, infos[:n_new], sets, in_order, stats,
                             old_outcomes(infos, n_new, assignment, scores), TextReader(*intake.texts.frozen()),
                             seen_before, [s for s in intake.slots if isinstance(s, DocInfo) and s.no_prose])
    result = RunResult(decisions, clusters, summary, manifest, intake.problems, folder, kept, record)
    if owned:
        weakref.finalize(result, shutil.rmtree, folder, True)
    return result


def _ordered_rows(table: SpilledShingles) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Docs -> their shingles in text order (CSR values and offsets), read from the spilled table."""

    def rows(docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        got = table.rows(docs)
        return got.values, got.offsets

    return rows


def _summary(
    decisions: list[Decision], clusters: list[Cluster], pairs: np.ndarray, edges: EdgeTable,
    verified_on_demand: int, intake: _Intake, cfg: RunConfig,
) -> dict[str, Any]:
    from .manifest import config_hash

    roles = {role.value: 0 for role in Role}
    rejected: dict[str, int] = {}
    for d in decisions:
        roles[d.role.value] += 1
        if d.role is Role.REJECTED:
            rejected[d.reason.value] = rejected.get(d.reason.value, 0) + 1
    return {
        "input_docs": len(decisions),
        "roles": roles,
        "rejected_by_reason": dict(sorted(rejected.items())),
        "clusters": len(clusters),
        "largest_cluster": max((c.size for c in clusters), default=0),
        "candidate_pairs": int(pairs.shape[0]),
        "verified_edges": len(edges),
        "edges_verified_while_clustering": verified_on_demand,
        "input_problems": len(intake.problems),
        "text_bytes": intake.bytes,
        "removed_lines_by_rule": dict(sorted(intake.removed_by_rule.items())),
        "config_hash": config_hash(cfg),
    }


def _manifest(
    cfg: RunConfig, timings: dict[str, float], docs: int, text_bytes: int, workers: int
) -> dict[str, Any]:
    """Run facts that may differ between identical runs (timings, versions); kept out of summary.json so that
    the result files are byte-identical for the same input and settings."""
    from .manifest import config_hash, versions

    total = sum(timings.values())
    return {
        "config_hash": config_hash(cfg), "config": cfg.matching_dict(), "versions": versions(),
        "batch_size": cfg.batch_size, "workers": cfg.workers, "workers_used": workers, "backend": cfg.backend,
        "seconds": timings, "docs_per_second": round(docs / total, 1) if total else None,
        "mb_per_second": round(text_bytes / 1e6 / total, 2) if total else None,
    }
