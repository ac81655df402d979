"""Glue the CLI and library callers share: write a run's outputs, read one file for ``compare``."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import xxhash

from .config import RunConfig
from .errors import InputError, OutputError
from .executor import Workers, usable_cpus
from .io.readers import read_inputs
from .io.switch import checksums, staging_folder, switch_in
from .io.writers import (
    cluster_row,
    copy_atomically,
    decision_row,
    write_json,
    write_jsonl,
    write_lines,
    write_parquet,
)
from .pipeline import ProgressFn, RunResult, no_progress
from .runtime import fewer_collections
from .types import Document

T = TypeVar("T")


def ready_out_dir(out_dir: Path) -> Path:
    """Make ``out_dir`` (and its parents) and check that a file can be created in it; raises ``OutputError``.

    Why: the outputs are written after the whole run, which may take hours; a mistyped ``--out`` (an existing
    file, a read-only place) must fail before the work, not after it.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise OutputError(f"{out_dir}: exists and is not a folder; --out takes a folder") from exc
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot make this folder ({exc.strerror or exc})") from exc
    try:
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".copydesk-write-check-"):
            pass
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write in this folder ({exc.strerror or exc})") from exc
    return out_dir


def write_outputs(
    result: RunResult, out_dir: Path, cfg: RunConfig, progress: ProgressFn = no_progress,
    workers: Workers | None = None,
) -> list[Path]:
    """decisions.jsonl, clusters.jsonl, summary.json and manifest.json (+ Parquet copies when asked).
    ``progress`` hears ``("write <file>", rows written, rows in all)`` as each file is written. ``workers``: the
    run's processes, when it had any and they are still open (see ``copydesk.executor``): one of them writes
    ``deduplicated.jsonl`` meanwhile."""
    with fewer_collections():  # a row dict per doc, all short-lived
        return _write_outputs(result, out_dir, cfg, progress, workers)


#: Rows between two progress reports of a file being written.
_REPORT_EVERY = 10_000


def _reported(rows: Iterable[T], stage: str, total: int | None, progress: ProgressFn) -> Iterator[T]:
    """``rows`` unchanged, telling ``progress`` how many have passed every ``_REPORT_EVERY`` rows and at the end."""
    count = 0
    progress(stage, 0, total)
    for row in rows:
        yield row
        count += 1
        if count % _REPORT_EVERY == 0:
            progress(stage, count, total)
    progress(stage, count, total)


def _write_outputs(result: RunResult, out_dir: Path, cfg: RunConfig, progress: ProgressFn,
                   workers: Workers | None) -> list[Path]:
    """Every file goes to a staging folder first and all switch in together (``io.switch``): a run killed
    while writing leaves ``out_dir`` as the previous run left it."""
    ready_out_dir(out_dir)
    staging = staging_folder(out_dir)
    try:
        kept_path = staging / "deduplicated.jsonl"
        with ExitStack() as stack:
            helper = _kept_texts_in_helper(result, kept_path, cfg, stack, workers)
            names = [p.name for p in _write_all(result, staging, cfg, progress, kept_path, helper)]
        switch_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out_dir / name for name in names]


#: Fewest rows of ``deduplicated.jsonl`` for which a helper process writes it alongside the other files: below
#: this, starting the process (an interpreter importing numpy and numba) costs about what the overlap saves.
HELPER_MIN_KEPT_ROWS = 20_000


def _kept_texts_in_helper(result: RunResult, path: Path, cfg: RunConfig, stack: ExitStack,
                          workers: Workers | None = None) -> Future[int] | None:
    """Start writing ``deduplicated.jsonl`` in a helper process (its rows read the clean texts, cross-copy clean
    the canonical ones and encode megabytes of text: the largest file, independent of the others): in one of the
    run's own ``workers`` when they are open (already started, so at any size), else in a new process when the
    file is large, a second CPU is there and the run was not asked to stay in one process; the bytes are the
    same."""
    kept = result.kept
    if kept is not None and len(kept) and workers is not None and workers.pooled:
        return workers.submit(write_jsonl, path, kept)
    if kept is None or len(kept) < HELPER_MIN_KEPT_ROWS or cfg.workers == 1 or usable_cpus() < 2:
        return None
    pool = stack.enter_context(ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")))
    return pool.submit(write_jsonl, path, kept)


def _write_all(
    result: RunResult, out_dir: Path, cfg: RunConfig, progress: ProgressFn, kept_path: Path,
    helper: Future[int] | None,
) -> list[Path]:
    """Every output; ``deduplicated.jsonl`` (``kept_path``) comes from ``helper`` when one is writing it."""
    start = time.perf_counter()
    written: list[Path] = []
    tables: tuple[tuple[str, int, Callable[[], Iterator[dict[str, Any]]]], ...] = (
        ("decisions", len(result.decisions), lambda: (decision_row(d) for d in result.decisions)),
        ("clusters", len(result.clusters), lambda: (cluster_row(c) for c in result.clusters)),
    )
    for name, total, rows in tables:  # rows are generated twice rather than held: a row dict per doc adds up
        path = out_dir / f"{name}.jsonl"
        write_jsonl(path, _reported(rows(), f"write {path.name}", total, progress))
        written.append(path)
        if "parquet" in cfg.output_formats:
            pq_path = out_dir / f"{name}.parquet"
            write_parquet(pq_path, _reported(rows(), f"write {pq_path.name}", total, progress))
            written.append(pq_path)
    stage = f"write {kept_path.name}"
    if helper is not None:
        progress(stage, 0, None)
        try:
            progress(stage, helper.result(), None)
        except BrokenProcessPool:  # the helper could not start or died: write the file here instead
            helper = None
    if helper is None:
        write_jsonl(kept_path, _reported(result.kept_texts(), stage, None, progress))
    audit_path = out_dir / "cleaning.jsonl"
    audit_file = result.audit_file()
    if audit_file is not None:
        copy_atomically(audit_file, audit_path)  # (0.6 s per 100k docs faster than line by line)
    else:
        write_lines(audit_path, result.audit_rows())
    written += [kept_path, audit_path]
    manifest = dict(result.manifest)
    manifest["seconds"] = {**manifest.get("seconds", {}), "write": round(time.perf_counter() - start, 4)}
    write_json(out_dir / "manifest.json", manifest)
    # last: the summary names every other file of the run (size and checksum; manifest.json, which holds the
    # run's timings, left out so that the summary stays the same for the same input), and the run by them
    files = checksums(out_dir, [p.name for p in written])
    outputs_id = xxhash.xxh3_64_hexdigest(json.dumps(files, sort_keys=True).encode())
    write_json(out_dir / "summary.json", {**result.summary, "outputs_id": outputs_id, "files": files})
    written += [out_dir / "summary.json", out_dir / "manifest.json"]
    return written


def read_single_text(path: Path, cfg: RunConfig) -> str:
    """The text of one document file (text or HTML), as ``dedup`` would read it."""
    if path.is_dir():
        raise InputError(f"{path}: compare takes two files, not a folder")
    items = list(read_inputs([path], cfg.read))
    docs = [item for item in items if isinstance(item, Document)]
    if len(items) > 1:
        raise InputError(f"{path}: holds {len(items)} documents; compare takes two single documents (a text or "
                         "HTML file, or a JSONL or Parquet file of one record): use dedup for a collection")
    if not docs:
        detail = getattr(items[0], "detail", "") if items else "it holds no document"
        raise InputError(f"{path}: no document to compare ({detail})")
    return docs[0].text
