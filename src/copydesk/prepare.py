"""Per-document preparation before sketching: boilerplate removal and credit extraction.

Batches are prepared independently (in worker processes when ``workers > 1``), so this module holds only pure
functions of a batch, the run config and the frozen corpus-level line statistics.
"""

from __future__ import annotations

import dataclasses
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np

from .backends.gpu import resolve_backend
from .backends.gpu import sketch as gpu_sketch
from .candidates.lsh import fingerprints
from .clean.boilerplate import CleanResult, LineVerdicts, RemovedLine, clean_text
from .clean.corpus import FrozenSourceLines, SourceLineStats, batch_line_keys
from .clean.linescan import scan_lines
from .config import ReadConfig, RunConfig
from .io.readers import Item, JsonlChunk, PageBatch, deferred_items
from .provenance import Credit, LineCreditMemo, extract_credits, url_host
from .runtime import fewer_collections
from .sketch.minhash import signatures
from .sketch.shingle import ORDER_DTYPE, ShingleSets, ordered_shingles, shingle_sets_in_order, utf8_size
from .sketch.spill import write_texts, write_values
from .types import Document, Rejected


def source_key(source: str | None, url: str | None) -> str | None:
    """Which site a doc belongs to, for corpus-level evidence: its source field, else its URL's host."""
    if source:
        return source.strip().casefold() or None
    if url:
        return url_host(url) or None  # (None too for an address urlsplit rejects, such as "http://[bad")
    return None


@dataclass(frozen=True, slots=True)
class BatchJob:
    """Texts to prepare and sketch, with what cleaning and provenance need to know of each, and the new files
    that their clean texts and their shingle sets go to (``sketch.spill.write_texts``, ``write_values``)."""

    texts: list[str]
    sources: list[str | None]
    urls: list[str | None]
    text_path: str
    shingle_path: str


@dataclass(frozen=True, slots=True)
class BatchOut:
    """Per-doc results of one batch, index-aligned with its job. ``removed_json`` holds each doc's removed
    lines already serialised (``""`` when none), so the main process only appends them to the audit file. The
    clean texts are in the job's ``text_path``, doc k's between ``text_ends[k]`` and ``text_ends[k + 1]``, and its
    shingle set in ``shingle_path``, values ``set_offsets[k]`` to ``set_offsets[k + 1]``."""

    set_offsets: np.ndarray
    exact: np.ndarray  # exact-copy hash per doc (see ShingleSets)
    signatures: np.ndarray
    text_path: str
    text_ends: np.ndarray
    shingle_path: str
    titles: list[str | None]
    removed_counts: list[dict[str, int]]
    removed_json: list[str]
    credits: list[tuple[Credit, ...]]
    fingerprints: tuple[np.ndarray, np.ndarray]  # CSR (values, offsets), see candidates.lsh.fingerprints
    order_offsets: np.ndarray  # each doc's shingles in text order lie in ``order_path(shingle_path)``
    seconds: dict[str, float]  # time spent per step in this batch (clean, credits, sketch)
    no_prose: list[bool]  # the doc has no prose body (copydesk.clean.prose): its shingle set is left empty


def _rule_counts(result: CleanResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in result.removed:
        counts[r.rule] = counts.get(r.rule, 0) + 1
    return counts


def _removed_json(result: CleanResult) -> str:
    """``json.dumps([{"line": ..., "rule": ..., "text": ...}, ...], ensure_ascii=False, separators=(",", ":"))``
    of the removals (the compact form of every JSONL output, see ``io.writers.encode_row``), built
    directly: only the text needs escaping (a rule is one of ``RULE_NAMES``, a line an int), and this runs for
    nearly every doc, where the generic encoder costs three times as much."""
    if not result.removed:
        return ""
    quote = encode_basestring
    return "[" + ",".join(
        f'{{"line":{r.line},"rule":"{r.rule}","text":{quote(r.text)}}}' for r in result.removed
    ) + "]"


#: Below this many words left, a clean that used corpus evidence is checked against one that did not.
SOURCE_EVIDENCE_FLOOR_WORDS = 40


def _words(text: str, at_most: int | None = None) -> int:
    """Word count, or ``at_most + 1`` for a text longer than that (splitting no further than needed)."""
    if at_most is None:
        return len(text.split())
    return len(text.split(maxsplit=at_most))


def clean_one(
    text: str,
    source: str | None,
    lines: FrozenSourceLines | None,
    enabled: bool,
    verdicts: LineVerdicts | None = None,
    line_codes: Sequence[int] | None = None,
) -> CleanResult:
    """Clean one text; corpus-level evidence applies only when the doc's source is known, and the prose judgement
    (``clean_text``'s ``judge_prose``) when it is not.

    Safety net: a site that prints the same story twice (an excerpt and the full piece, or two updates) makes
    that story's lines "repeated across the source", and corpus evidence would strip its body. When the result
    keeps fewer than ``SOURCE_EVIDENCE_FLOOR_WORDS`` words and the per-document rules with the prose judgement
    keep at least twice as many, that result is used instead. When they find no body at all and corpus evidence
    took lines (a page that kept only its headline and the site's furniture), the doc has none: it is not
    matched. ``line_codes`` (optional) is the text's line scan (:func:`copydesk.clean.linescan.scan_lines`).
    """
    if not enabled:
        return CleanResult(text=text, title=None, removed=())
    checker = lines.checker(source) if lines is not None and source is not None else None
    result = clean_text(text, is_source_boilerplate=checker, verdicts=verdicts, judge_prose=source is None,
                        line_codes=line_codes)
    # (only corpus evidence can have taken more than the per-document rules with the prose judgement take)
    if (checker is not None and _words(result.text, SOURCE_EVIDENCE_FLOOR_WORDS) < SOURCE_EVIDENCE_FLOOR_WORDS
            and any(r.rule == "source_boilerplate" for r in result.removed)):
        alone = clean_text(text, verdicts=verdicts, judge_prose=True, line_codes=line_codes)
        if not alone.has_prose:
            # what the site's other pages share is no story either: a headline and the site's furniture
            return dataclasses.replace(result, has_prose=False)
        if _words(alone.text) >= 2 * max(_words(result.text), 1):
            return alone
    return result


def order_path(shingle_path: str) -> str:
    """The file beside a batch's shingle sets that holds its docs' shingles in text order."""
    return shingle_path.removesuffix(".u64") + ".order.u32"


def sketch_texts(texts: list[str], cfg: RunConfig) -> tuple[ShingleSets, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Shingle sets, signatures and the shingles in text order (CSR values and offsets, for passage
    alignment) on the configured backend (``dedup`` resolves ``auto`` before batches go out); both backends
    give the same values."""
    if resolve_backend(cfg.backend) == "gpu":
        sets, sigs = gpu_sketch(texts, cfg.shingle, cfg.minhash)
        return sets, sigs, ordered_shingles(texts, cfg.shingle)
    sets, ordered, ordered_offsets = shingle_sets_in_order(texts, cfg.shingle)
    return sets, signatures(sets, cfg.minhash), (ordered, ordered_offsets)


def process_batch(job: BatchJob, cfg: RunConfig, lines: FrozenSourceLines | None) -> BatchOut:
    """Clean, credit, shingle and sketch one batch. Depends only on its inputs, so any batching and any number
    of workers give the same per-doc results."""
    with fewer_collections():  # (in a worker process, this is the whole of its work)
        return _process_batch(job, cfg, lines)


def _process_batch(job: BatchJob, cfg: RunConfig, lines: FrozenSourceLines | None) -> BatchOut:
    start = time.perf_counter()
    verdicts = LineVerdicts()  # one per batch: batches stay independent of each other
    scan = scan_lines(job.texts)  # (the credits read it too, cleaning on or off)
    results = [
        clean_one(t, source_key(s, u), lines, cfg.clean.enabled, verdicts, None if scan is None else scan.text(i))
        for i, (t, s, u) in enumerate(zip(job.texts, job.sources, job.urls, strict=True))
    ]
    cleaned = time.perf_counter()
    memo = LineCreditMemo()  # one per batch, like the line verdicts
    credits = [
        extract_credits(t, url=u, source=s, memo=memo, line_codes=None if scan is None else scan.text(i))
        for i, (t, u, s) in enumerate(zip(job.texts, job.urls, job.sources, strict=True))
    ]
    credited = time.perf_counter()
    clean_texts = [r.text for r in results]
    # a text with no prose body is written out but never matched: its furniture would invent copies
    sets, sigs, (ordered, order_offsets) = sketch_texts([r.text if r.has_prose else "" for r in results], cfg)
    fps = fingerprints(sets, cfg.candidates)
    sketched = time.perf_counter()
    write_values(Path(job.shingle_path), sets.values)
    write_values(Path(order_path(job.shingle_path)), ordered, ORDER_DTYPE)
    return BatchOut(
        set_offsets=sets.offsets, exact=sets.exact, signatures=sigs, text_path=job.text_path,
        text_ends=write_texts(Path(job.text_path), clean_texts), shingle_path=job.shingle_path,
        titles=[r.title for r in results], removed_counts=[_rule_counts(r) for r in results],
        removed_json=[_removed_json(r) for r in results], credits=credits, fingerprints=fps,
        order_offsets=order_offsets,
        seconds={"clean": cleaned - start, "credits": credited - cleaned, "sketch": sketched - credited},
        # (a text of no words at all is rejected as empty instead)
        no_prose=[not r.has_prose and any(ch.isalnum() for ch in r.text) for r in results],
    )


@dataclass(frozen=True, slots=True)
class LineKeysJob:
    """First-pass work for one batch: the line keys of already parsed docs (``texts`` with their source keys),
    or, for a ``chunk`` of JSONL lines or a batch of HTML pages, parsing or extracting it and keying its docs."""

    texts: list[str]
    sources: list[str]
    chunk: JsonlChunk | PageBatch | None = None
    read: ReadConfig | None = None
    keep_items: bool = False  # send a JSONL chunk's items back (the job runs in the main process: no pipe)
    with_ids: bool = False  # send the keyed docs' ids back (an index run skips the lines of docs it holds)


@dataclass(frozen=True, slots=True)
class LineKeysOut:
    """A first-pass batch's line keys (see ``batch_line_keys``); for a chunk also the warnings its parsing gave,
    in order. A JSONL chunk's items are not sent back (the second pass parses the chunk again where it is
    processed), unless the job asks for them (``keep_items``: it runs in the main process, which then keeps them
    for the second pass); a page batch's are (``items``: extracting a page again would cost as much as the first
    time)."""

    values: array[int]
    sizes: array[int]
    warnings: tuple[str, ...] = ()
    items: list[Item] | None = None
    ids: tuple[str, ...] | None = None  # (asked for with ``with_ids``) the id of each doc keyed, in order


@dataclass(frozen=True, slots=True)
class DocInfo:
    """What the main process keeps of a document: what admits it (``blank``: its text is empty or whitespace
    only, so it is not prepared), and once its text has been sketched and spilled, what the outputs need. A
    worker that parsed the doc sends this instead of the text."""

    id: str
    origin: str
    url: str | None
    source: str | None
    date: str | None
    title: str | None
    chars: int
    warnings: tuple[str, ...]
    utf8_bytes: int = 0
    blank: bool = False
    credits: tuple[Credit, ...] = ()
    removed_lines: int = 0
    no_prose: bool = False  # filed with no prose body: not matched (see copydesk.clean.prose)
    notes: tuple[str, ...] = ()  # what reading changed that is no input problem (``Document.notes``)

    def __reduce__(self) -> tuple[type[DocInfo], tuple[object, ...]]:
        """Pickle as a constructor call (a worker sends one per doc back to the main process): the state
        methods that ``dataclass(slots=True)`` writes look up the fields on each call, several times slower."""
        return DocInfo, (self.id, self.origin, self.url, self.source, self.date, self.title, self.chars,
                         self.warnings, self.utf8_bytes, self.blank, self.credits, self.removed_lines, self.no_prose,
                         self.notes)

    @property
    def shown_warnings(self) -> tuple[str, ...]:
        """Its warnings and its notes, as its decision row shows them (each a repair made in reading it)."""
        return (*self.warnings, *self.notes) if self.notes else self.warnings

    @staticmethod
    def of(doc: Document) -> DocInfo:
        return DocInfo(
            doc.id, doc.origin, doc.url, doc.source, doc.date, doc.title, len(doc.text), doc.warnings,
            utf8_size(doc.text), not doc.text.strip(), notes=doc.notes,
        )

    def filed(self, title: str | None, credits: tuple[Credit, ...], removed_lines: int, no_prose: bool = False) -> DocInfo:
        """This doc with what its batch found: the headline guess (when it had none), credits and removals.
        (Built by keyword rather than with ``dataclasses.replace``, which looks the fields up on every call and
        cost more than the rest of filing a batch.)"""
        return DocInfo(
            id=self.id, origin=self.origin, url=self.url, source=self.source, date=self.date,
            title=self.title or title, chars=self.chars, warnings=self.warnings, utf8_bytes=self.utf8_bytes,
            blank=self.blank, credits=credits, removed_lines=removed_lines, no_prose=no_prose, notes=self.notes,
        )


@dataclass(frozen=True, slots=True)
class ChunkJob:
    """Second-pass work for a chunk of JSONL lines (parse it again: the first pass kept only where it is) or a
    batch of HTML pages (extract them: only when there was no first pass, which keeps the extracted docs), and
    prepare its non-blank docs."""

    chunk: JsonlChunk | PageBatch
    read: ReadConfig
    text_path: str  # where the clean texts go (see BatchJob)
    shingle_path: str  # and their shingle sets
    report: bool = False  # send the reader's warnings back (a first pass that parsed the chunk has not)


@dataclass(frozen=True, slots=True)
class ChunkOut:
    """A chunk's items in line order (a ``DocInfo`` per doc, a ``Rejected`` per bad line) and the prepared rows
    of its non-blank docs, in the same order; the reader's warnings when the job asked for them."""

    heads: list[DocInfo | Rejected]
    out: BatchOut
    warnings: tuple[str, ...] = ()


def process_chunk(job: ChunkJob, cfg: RunConfig, lines: FrozenSourceLines | None) -> ChunkOut:
    """Parse a chunk and prepare its docs with ``process_batch``; the main process admits them (an id seen
    before, which only it can tell, drops the doc's row)."""
    warnings: list[str] = []
    items = deferred_items(job.chunk, job.read, warnings.append)
    heads: list[DocInfo | Rejected] = []
    docs: list[Document] = []  # those with a text to prepare
    for item in items:
        if isinstance(item, Document):
            head = DocInfo.of(item)
            if not head.blank:
                docs.append(item)
            heads.append(head)
        else:
            heads.append(item)
    batch = BatchJob(
        [d.text for d in docs], [d.source for d in docs], [d.url for d in docs], job.text_path, job.shingle_path
    )
    return ChunkOut(heads, process_batch(batch, cfg, lines), tuple(warnings) if job.report else ())


def process_job(job: BatchJob | ChunkJob, cfg: RunConfig, lines: FrozenSourceLines | None) -> BatchOut | ChunkOut:
    """The second pass's work for one job, whichever kind (a worker process runs this)."""
    if isinstance(job, ChunkJob):
        return process_chunk(job, cfg, lines)
    return process_batch(job, cfg, lines)


def keyed_texts(items: Sequence[Document | Rejected]) -> tuple[list[str], list[str], list[str]]:
    """The texts of the documents whose site is known, with that site's key and the doc's id: what line
    statistics count."""
    texts: list[str] = []
    sources: list[str] = []
    ids: list[str] = []
    for item in items:
        if isinstance(item, Document):
            key = source_key(item.source, item.url)
            if key is not None:
                texts.append(item.text)
                sources.append(key)
                ids.append(item.id)
    return texts, sources, ids


def line_keys(job: LineKeysJob) -> LineKeysOut:
    """Do a first-pass job. Why chunks are parsed and pages extracted here: parsing JSON and extracting HTML are
    most of reading, and this runs in the worker processes, while the main process would otherwise do it alone."""
    if job.chunk is None:
        return LineKeysOut(*batch_line_keys(job.texts, job.sources))
    assert job.read is not None
    warnings: list[str] = []
    items = deferred_items(job.chunk, job.read, warnings.append)
    texts, sources, ids = keyed_texts(items)
    values, sizes = batch_line_keys(texts, sources)
    return LineKeysOut(values, sizes, tuple(warnings),
                       items if isinstance(job.chunk, PageBatch) or job.keep_items else None,
                       tuple(ids) if job.with_ids else None)


@dataclass(frozen=True, slots=True)
class CleanedDocument:
    """The ``copydesk clean`` result of one document: clean text, headline, every removal and every credit."""

    id: str
    origin: str
    title: str | None
    text: str
    removed: tuple[RemovedLine, ...]
    credits: tuple[Credit, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "origin": self.origin, "title": self.title, "text": self.text,
            "removed": [{"line": r.line, "text": r.text, "rule": r.rule} for r in self.removed],
            "credits": [{"kind": c.kind, "name": c.name, "line": c.line, "evidence": c.evidence} for c in self.credits],
        }


def clean_documents(docs: Sequence[Document], cfg: RunConfig) -> list[CleanedDocument]:
    """Clean a handful of documents with corpus-level evidence gathered from the same documents."""
    stats = SourceLineStats.from_config(cfg.clean)
    for doc in docs:
        key = source_key(doc.source, doc.url)
        if key is not None:
            stats.observe(key, doc.text)
    lines = stats.freeze()
    out: list[CleanedDocument] = []
    for doc in docs:
        result = clean_one(doc.text, source_key(doc.source, doc.url), lines, True)
        out.append(CleanedDocument(
            id=doc.id, origin=doc.origin, title=doc.title or result.title, text=result.text, removed=result.removed,
            credits=extract_credits(doc.text, url=doc.url, source=doc.source),
        ))
    return out
