"""Command-line interface: parse options, build a RunConfig, call the library, print. No logic lives here."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..compare import Comparison, compare_texts
from ..config import (
    CandidateConfig,
    CanonicalConfig,
    CleanConfig,
    MinHashConfig,
    ReadConfig,
    RunConfig,
    ShingleConfig,
    VerifyConfig,
)
from ..errors import CopydeskError
from ..executor import Workers
from ..io.readers import ALL_SUFFIXES, read_inputs, read_inputs_deferred, sorted_files
from ..io.switch import staging_prefix
from ..io.writers import write_jsonl
from ..pipeline import RunResult, dedup
from ..prepare import clean_documents
from ..run import read_single_text, ready_out_dir, write_outputs
from ..types import Document

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Find copies of the same story (near-duplicates and excerpts) in crawled text.")
_DEFAULT = RunConfig()  # option defaults come from the library's own defaults
err = Console(stderr=True)
out = Console()


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")  # (messages name input paths: print them as they are)
    raise typer.Exit(code)


class _WarningLines(logging.Handler):
    """The library's warnings on the terminal (stderr), one line each, their text printed as it is (paths and
    ids from the input may hold what rich would read as markup)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            err.print(f"[yellow]warning:[/] {escape(record.getMessage())}", highlight=False)
        except Exception:  # noqa: BLE001  (a warning that cannot be printed must not end the run)
            self.handleError(record)


def _warnings_to_terminal(quiet: bool = False) -> None:
    """Every warning of the library reaches the terminal, once, unless ``--quiet``: the library itself only
    holds a ``NullHandler`` (an application decides where its log goes), so without this they vanish."""
    logger = logging.getLogger("copydesk")
    if not any(isinstance(h, _WarningLines) for h in logger.handlers):
        logger.addHandler(_WarningLines())
    logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)


@app.callback()
def _setup() -> None:
    _warnings_to_terminal()


def _formats(requested: list[str]) -> tuple[Literal["jsonl", "parquet"], ...]:
    formats: list[Literal["jsonl", "parquet"]] = ["jsonl"]
    for name in requested:
        if name == "parquet" and "parquet" not in formats:
            formats.append("parquet")
        elif name not in ("jsonl", "parquet"):
            _fail(f"unknown --format {name!r}; use jsonl or parquet")
    return tuple(formats)


def _credited_first(policy: str) -> bool:
    if policy not in ("credited", "complete"):
        _fail(f"unknown --canonical-policy {policy!r}; use credited or complete")
    return policy == "credited"


def _progress_fn(quiet: bool) -> tuple[Any, Progress | None]:
    if quiet or not sys.stderr.isatty():
        return (lambda stage, done, total: None), None
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed:,}"), TimeElapsedColumn(), console=err, transient=True)
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    return update, progress


@app.command("dedup")
def dedup_command(
    inputs: Annotated[list[Path], typer.Argument(help="Folders, .txt, .jsonl(.gz), .parquet, .html(.gz) or .warc(.gz) files.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Folder for decisions.jsonl, clusters.jsonl, summary.json.")] = "copydesk-out",
    output_format: Annotated[list[str], typer.Option("--format", help="jsonl (always written) and/or parquet.")] = ["jsonl"],  # noqa: B006
    id_field: Annotated[str, typer.Option(help="JSONL/Parquet field holding the doc id.")] = "id",
    text_field: Annotated[str, typer.Option(help="JSONL/Parquet field holding the text.")] = "text",
    near_threshold: Annotated[float, typer.Option(help="Jaccard at or above which two docs are near copies.")] = _DEFAULT.verify.near_jaccard,
    containment_threshold: Annotated[float, typer.Option(help="Share of a doc's shingles found in another to call it contained.")] = _DEFAULT.verify.containment,
    excerpt_max_ratio: Annotated[float, typer.Option(help="An excerpt has at most this share of the full copy's shingles.")] = _DEFAULT.verify.excerpt_max_ratio,
    shingle_size: Annotated[int, typer.Option(help="Words per shingle.")] = _DEFAULT.shingle.size,
    num_perm: Annotated[int, typer.Option(help="MinHash signature length.")] = _DEFAULT.minhash.num_perm,
    bands: Annotated[int, typer.Option(help="LSH bands (bands x rows = num_perm).")] = _DEFAULT.candidates.bands,
    seed: Annotated[int, typer.Option(help="Seed of every hash choice.")] = _DEFAULT.minhash.seed,
    prefer_source: Annotated[list[str] | None, typer.Option("--prefer-source", help="Source priority for the canonical copy: a source field or a URL host (apnews.com); repeatable, first wins.")] = None,
    no_dates: Annotated[bool, typer.Option("--no-dates", help="Ignore dates when choosing the canonical copy.")] = False,
    canonical_policy: Annotated[str, typer.Option("--canonical-policy", help="credited: a copy that other members credit as the original (\"This article originally appeared on X\", and X's copy is in the cluster) is canonical first; complete: the most complete text first, credits ignored. Then earliest date, --prefer-source, longest text, lowest id.")] = "credited",
    no_clean: Annotated[bool, typer.Option("--no-clean", help="Match on raw text (no boilerplate removal).")] = False,
    batch_size: Annotated[int, typer.Option(help="Docs sketched per batch (never changes results).")] = _DEFAULT.batch_size,
    workers: Annotated[int, typer.Option(help="Processes that parse JSONL, extract HTML, count line statistics, clean and sketch; 0 = one per CPU core (at most 8) once the input proves large (20,000 docs, or 400 HTML pages). Never changes results.")] = 0,
    backend: Annotated[str, typer.Option(help="Where shingling, MinHash and band keys run: numpy (CPU), gpu (CUDA, needs the \\[gpu] extra) or auto (gpu where usable). Never changes results.")] = _DEFAULT.backend,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary table.")] = False,
    db: Annotated[Path | None, typer.Option("--db", help="An index (SQLite file, created if missing): match against every doc added before, then add these (the short form of `copydesk index add`).")] = None,
    recanonicalize: Annotated[bool, typer.Option("--recanonicalize", help="With --db: a better copy takes over as canonical from an old one (changes.jsonl lists every old doc whose decision changed); by default an old canonical doc stays canonical.")] = False,
    store_text: Annotated[bool, typer.Option("--store-text", help="With --db: keep each doc's clean text in the index too.")] = False,
) -> None:
    """Find near-duplicates and excerpts, cluster them, and write one decision per input doc."""
    _warnings_to_terminal(quiet)
    if (recanonicalize or store_text) and db is None:
        _fail("--recanonicalize and --store-text go with --db (an index)")
    try:
        if num_perm % bands:
            _fail(f"num_perm {num_perm} is not a multiple of bands {bands}; choose bands dividing num_perm")
        cfg = RunConfig(
            read=ReadConfig(id_field=id_field, text_field=text_field),
            clean=CleanConfig(enabled=not no_clean),
            shingle=ShingleConfig(size=shingle_size),
            minhash=MinHashConfig(num_perm=num_perm, seed=seed),
            candidates=CandidateConfig(bands=bands, rows=num_perm // bands),
            verify=VerifyConfig(near_jaccard=near_threshold, containment=containment_threshold,
                                excerpt_max_ratio=excerpt_max_ratio),
            canonical=CanonicalConfig(prefer_sources=tuple(prefer_source or ()), use_dates=not no_dates,
                                      credited_first=_credited_first(canonical_policy)),
            batch_size=batch_size,
            workers=workers,
            backend=backend,  # type: ignore[arg-type]  # RunConfig checks the value
            output_formats=_formats(output_format),
        )
    except CopydeskError as exc:
        _fail(str(exc))
        return
    run_job(inputs, out, cfg, quiet, None if db is None else IndexJob(db, "add", recanonicalize, store_text))


@dataclass(frozen=True)
class IndexJob:
    """A run against an index (``copydesk index add`` / ``query``, ``dedup --db``)."""

    db: Path
    mode: Literal["add", "query"]
    recanonicalize: bool = False
    store_text: bool = False


def run_job(inputs: list[Path], out: str | None, cfg: RunConfig, quiet: bool, job: IndexJob | None) -> None:
    """Run ``dedup`` (or an index batch) over the inputs, write the outputs to ``out`` (none for a query
    without ``--out``), report, and exit 1 when any input had a problem."""
    from ..index import Index

    if out is not None and not out.strip():
        _fail("--out is empty: give the folder the outputs go to (--out . for the current folder)")
    out_dir = None if out is None else Path(out)
    phase = "run"
    written: list[Path] = []
    try:
        if out_dir is not None:
            ready_out_dir(out_dir)
        update, progress = _progress_fn(quiet)
        # (the run's processes are kept warm to write its largest file)
        with progress if progress is not None else contextlib.nullcontext(), Workers() as pool:
            # (which disk a full-disk error without a file name is about: the run's, or the outputs')
            def write(result: RunResult, changes: list[dict[str, Any]] | None) -> None:
                nonlocal phase, written
                phase = "write"
                if out_dir is not None:
                    written = write_outputs(result, out_dir, cfg, update, workers=pool)
                    if changes is not None:
                        write_jsonl(out_dir / "changes.jsonl", changes)
                        written.append(out_dir / "changes.jsonl")

            if job is None:
                result = dedup(read_inputs_deferred(inputs, cfg.read), cfg, update, workers=pool)
                write(result, None)
            else:
                with Index(job.db, cfg, recanonicalize=job.recanonicalize, store_text=job.store_text) as index:
                    items = read_inputs_deferred(inputs, cfg.read)
                    if job.mode == "add":  # (the outputs are written before the batch commits: both or neither)
                        run = index.add(items, update, workers=pool, label=", ".join(map(str, inputs)),
                                        before_commit=lambda run: write(run.result, run.changes))
                    else:
                        run = index.query(items, update, workers=pool)
                        write(run.result, run.changes)
                result = run.result
    except CopydeskError as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        _fail(_disk_full(exc, inputs, out_dir or Path("."), writing=phase == "write"), code=1)
        return
    if not quiet:
        _print_summary(result, written)
    if not result.decisions:  # (a folder of other files, a typo in a glob): say so rather than succeed quietly
        named = escape(", ".join(map(str, inputs)))
        if any(path.is_file() or next(sorted_files(path), None) is not None for path in inputs):
            err.print(f"[bold red]no input documents[/]: {named} holds files copydesk reads, but no document in "
                      "them (an empty JSONL file, a Parquet file with no rows, a WARC with no HTML responses)")
        else:
            err.print(f"[bold red]no input documents[/]: nothing under {named} is a file copydesk reads "
                      f"({', '.join(ALL_SUFFIXES)})")
        raise typer.Exit(1)
    if result.problems:
        for problem in result.problems[:20]:
            err.print(f"[yellow]input problem:[/] {escape(problem)}", highlight=False)
        if len(result.problems) > 20:
            err.print(f"... and {len(result.problems) - 20} more (see decisions.jsonl)")
        err.print(f"[bold red]{len(result.problems)} input problem(s)[/]; every input is still in the outputs")
        raise typer.Exit(1)


def _input_bytes(inputs: list[Path]) -> int:
    """The inputs' size on disk (what the temporary folder and the outputs are measured against)."""
    total = 0
    for path in inputs:
        with contextlib.suppress(OSError):
            total += path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in sorted_files(path))
    return total


def _disk_full(exc: OSError, inputs: list[Path], out_dir: Path, writing: bool) -> str:
    """Which disk is full, how much the run needs there and how much is free. (The run has removed its
    partial files: its temporary folder, and the staging folder of its outputs.)"""
    where = Path(exc.filename) if exc.filename else None
    temp = Path(tempfile.gettempdir()).resolve()
    size = _input_bytes(inputs)
    mib = 1 << 20
    target = out_dir.resolve()
    if where is None:
        writing_out = writing
    else:
        staging = staging_prefix(target)
        writing_out = any(part == target or (part.parent == target.parent and part.name.startswith(staging))
                          for part in [where.resolve(), *where.resolve().parents])
    if not writing_out and (where is None or temp in where.resolve().parents):
        free = shutil.disk_usage(temp).free
        return (f"no space left on the disk of the temporary folder {temp} (writing "
                f"{where.name if where else 'the spill'}): a run keeps its "
                f"clean texts and shingle sets there until it ends, about 2.9 times the input's text, here about "
                f"{2.9 * size / mib:,.0f} MiB for {size / mib:,.0f} MiB of input ({free / mib:,.0f} MiB free); set "
                "TMPDIR to a folder on a larger disk. Nothing was written to --out.")
    free = shutil.disk_usage(target if target.exists() else target.parent).free
    return (f"no space left on the disk of --out {out_dir} (writing {where.name if where else 'the outputs'}): the "
            f"outputs need about 0.9 times the input's size, here about {0.9 * size / mib:,.0f} MiB "
            f"({free / mib:,.0f} MiB free); --out keeps the previous run's files, as they were. Free space there, "
            "or give --out a folder on a larger disk.")


def _print_summary(result: RunResult, written: list[Path]) -> None:
    s = result.summary
    table = Table(title=f"copydesk: {s['input_docs']} input docs, {s['clusters']} clusters")
    table.add_column("role")
    table.add_column("docs", justify="right")
    for role, count in s["roles"].items():
        table.add_row(role, str(count))
    out.print(table)
    for cluster in result.clusters[:10]:
        out.print(f"[bold]{cluster.id}[/] canonical [green]{escape(cluster.canonical)}[/] ({cluster.size} docs; "
                  f"weakest {escape(cluster.weakest_member)} {cluster.weakest_metric} {cluster.weakest_score:.2f})",
                  highlight=False)
        for edge, role in zip(cluster.edges, cluster.roles, strict=True):
            out.print(f"    {role.value:<15} {escape(edge.a)}  jaccard {edge.jaccard:.2f}  containment "
                      f"{edge.contain_ab:.2f}", highlight=False)
    if len(result.clusters) > 10:
        out.print(f"... and {len(result.clusters) - 10} more clusters in clusters.jsonl")
    for path in written:
        out.print(f"wrote {escape(str(path))}", highlight=False)


def _print_comparison(a: Path, b: Path, c: Comparison) -> None:
    verdict = {"near_duplicate": "near duplicates", "unrelated": "unrelated", "edited_copy": "edited copies",
               "excerpt_of": f"{a if c.excerpt == 'a' else b} is an excerpt of {b if c.excerpt == 'a' else a}"}[c.label]
    out.print(f"[bold]{escape(verdict)}[/]" + (" (identical text)" if c.exact else ""), highlight=False)
    for name, has_body in ((a, c.has_body_a), (b, c.has_body_b)):
        if not has_body:
            out.print(f"{name} has no prose body (only a headline and page furniture): dedup never matches it",
                      markup=False, highlight=False)
    out.print(f"jaccard {c.jaccard:.3f}   {a.name} in {b.name}: {c.containment_a_in_b:.3f}   "
              f"{b.name} in {a.name}: {c.containment_b_in_a:.3f}   shingles {c.shingles_a} / {c.shingles_b}",
              markup=False, highlight=False)
    out.print(f"passages cover {c.cover_a:.0%} of {a.name} and {c.cover_b:.0%} of {b.name}; "
              f"longest {c.longest_passage} words", markup=False, highlight=False)
    for p in c.shared_passages:
        preview = p.text if len(p.text) < 160 else p.text[:157] + "..."
        out.print(f"  A lines {p.a_lines[0]}-{p.a_lines[1]}  B lines {p.b_lines[0]}-{p.b_lines[1]}  "
                  f"({p.words} words): {preview}", markup=False, highlight=False)


@app.command("clean")
def clean_command(
    inputs: Annotated[list[Path], typer.Argument(help="Text or HTML files (or any dedup input).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per document, one per line.")] = False,
) -> None:
    """Remove boilerplate and show what went and why, plus who the text credits.

    Lines of removed text are numbered from 1 in the file as read (for HTML, in the extracted text). Files of
    one source (same sub-folder, source field or URL host) lend each other corpus-level evidence.
    """
    try:
        cfg = RunConfig()
        items = list(read_inputs(inputs, cfg.read))
    except CopydeskError as exc:
        _fail(str(exc))
        return
    docs = [item for item in items if isinstance(item, Document)]
    failed = [item for item in items if not isinstance(item, Document)]
    for cleaned in clean_documents(docs, cfg):
        if as_json:
            print(json.dumps(cleaned.to_dict(), ensure_ascii=False))
            continue
        out.rule(escape(f"{cleaned.id}" + (f": {cleaned.title}" if cleaned.title else "")))
        out.print(cleaned.text, markup=False, highlight=False)
        for r in cleaned.removed:
            out.print(f"[dim]- line {r.line} [{r.rule}][/] {escape(r.text.strip())}", highlight=False)
        for c in cleaned.credits:
            out.print(f"[cyan]credit[/] {c.kind}: {escape(c.name)}", highlight=False)
    for item in failed:
        err.print(f"[yellow]input problem:[/] {escape(str(getattr(item, 'detail', item)))}", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("compare")
def compare_command(
    a: Annotated[Path, typer.Argument(help="First text (.txt or .html).")],
    b: Annotated[Path, typer.Argument(help="Second text.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_clean: Annotated[bool, typer.Option("--no-clean", help="Compare raw texts (no boilerplate removal).")] = False,
    shingle_size: Annotated[int, typer.Option(help="Words per shingle.")] = _DEFAULT.shingle.size,
) -> None:
    """Score two documents against each other: Jaccard, both containments, label and shared passages."""
    try:
        cfg = RunConfig(clean=CleanConfig(enabled=not no_clean), shingle=ShingleConfig(size=shingle_size))
        text_a = read_single_text(a, cfg)
        text_b = read_single_text(b, cfg)
        result = compare_texts(text_a, text_b, cfg)
    except CopydeskError as exc:
        _fail(str(exc))
        return
    if as_json:
        print(json.dumps({"a": str(a), "b": str(b), **result.to_dict()}, ensure_ascii=False, indent=2))
    else:
        _print_comparison(a, b, result)


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the run is, so that it cleans up as after Ctrl-C (its temporary folder,
    its staging folder, its worker processes) instead of dying on the spot."""


def _register_index_commands() -> None:
    from .index import index_app

    app.add_typer(index_app, name="index")


_register_index_commands()


def main() -> None:
    """The ``copydesk`` command. A run stopped by SIGTERM or SIGHUP cleans up and exits with the usual status
    (128 + the signal's number)."""
    stopped: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        stopped.append(signum)
        raise _Stopped(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        app()
    except BaseException:  # (SystemExit from click, or what the signal interrupted raising something else)
        if stopped:
            sys.exit(128 + stopped[0])
        raise
    finally:
        _stop_resource_tracker()


def _stop_resource_tracker() -> None:
    """Stop the resource tracker that spawned worker processes start beside the command. It exits only once
    the command has, so it would outlive the run by a moment (an orphan until init reaps it); stopped here, no
    process of the run is left when the command exits. Only the command does this, never the library: in a
    program of its own a user's multiprocessing objects may still need it. (``_stop`` is private: where it is
    missing, the tracker goes at exit as before.)"""
    from multiprocessing import resource_tracker

    stop = getattr(resource_tracker._resource_tracker, "_stop", None)
    if callable(stop):
        with contextlib.suppress(Exception):
            stop()


if __name__ == "__main__":
    main()
