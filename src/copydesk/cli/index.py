"""``copydesk index ...``: a persistent index, so that each new crawl is checked against everything seen before.
Thin over :class:`copydesk.index.Index`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config import ReadConfig, RunConfig
from ..errors import CopydeskError
from ..index import Index, config_of_index, migrate


class _Main:
    """``copydesk.cli.main``, imported when first used: it registers these commands as it loads (also when it runs
    as ``python -m copydesk.cli.main``, where it is not yet importable by its own name)."""

    def __getattr__(self, name: str) -> Any:
        from . import main

        return getattr(main, name)


cli = _Main()

index_app = typer.Typer(no_args_is_help=True, help="A persistent index (one SQLite file): check each new crawl "
                        "against every doc added before.")

_DB = Annotated[Path, typer.Option("--db", help="The index file (SQLite).")]


def _batch(inputs: list[Path], db: Path, out: str | None, mode: str, recanonicalize: bool, store_text: bool,
           workers: int, batch_size: int, id_field: str, text_field: str, quiet: bool) -> None:
    cli._warnings_to_terminal(quiet)
    try:
        cfg = config_of_index(db)  # (the index's own settings: a later batch repeats none)
        cfg = dataclasses.replace(cfg, read=ReadConfig(id_field=id_field, text_field=text_field),
                                  workers=workers, batch_size=batch_size)
    except CopydeskError as exc:
        cli._fail(str(exc))
        return
    cli.run_job(inputs, out, cfg, quiet, cli.IndexJob(db, mode, recanonicalize, store_text))


_INPUTS = Annotated[list[Path], typer.Argument(help="Folders, .txt, .jsonl(.gz), .parquet, .html(.gz) or .warc(.gz) files.")]
_WORKERS = Annotated[int, typer.Option(help="Processes for parsing, cleaning and sketching; 0 = one per CPU core once the input proves large. Never changes results.")]
_QUIET = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary table.")]
_BATCH_SIZE = Annotated[int, typer.Option(help="Docs sketched per batch (never changes results).")]
_ID_FIELD = Annotated[str, typer.Option(help="JSONL/Parquet field holding the doc id.")]
_TEXT_FIELD = Annotated[str, typer.Option(help="JSONL/Parquet field holding the text.")]
_DEFAULT = RunConfig()


@index_app.command("add")
def add_command(
    inputs: _INPUTS, db: _DB,
    out: Annotated[str | None, typer.Option("--out", "-o", help="Folder for the batch's outputs (decisions.jsonl, clusters.jsonl, changes.jsonl, ...).")] = None,
    recanonicalize: Annotated[bool, typer.Option("--recanonicalize", help="A better copy takes over as canonical from an old one; changes.jsonl lists every old doc whose decision changed.")] = False,
    store_text: Annotated[bool, typer.Option("--store-text", help="Keep each doc's clean text in the index too.")] = False,
    workers: _WORKERS = 0,
    batch_size: _BATCH_SIZE = _DEFAULT.batch_size,
    id_field: _ID_FIELD = _DEFAULT.read.id_field,
    text_field: _TEXT_FIELD = _DEFAULT.read.text_field,
    quiet: _QUIET = False,
) -> None:
    """Clean and sketch the inputs, match them against the index and each other, then add them (one transaction).
    Matching settings are the index's own (a new index takes the defaults; `copydesk dedup --db` sets others)."""
    _batch(inputs, db, out, "add", recanonicalize, store_text, workers, batch_size, id_field, text_field, quiet)


@index_app.command("query")
def query_command(
    inputs: _INPUTS, db: _DB,
    out: Annotated[str | None, typer.Option("--out", "-o", help="Folder for the outputs (as `dedup` writes them).")] = None,
    workers: _WORKERS = 0,
    batch_size: _BATCH_SIZE = _DEFAULT.batch_size,
    id_field: _ID_FIELD = _DEFAULT.read.id_field,
    text_field: _TEXT_FIELD = _DEFAULT.read.text_field,
    quiet: _QUIET = False,
) -> None:
    """The same matching as `index add`; nothing is written to the index."""
    _require_index(db)
    _batch(inputs, db, out, "query", False, False, workers, batch_size, id_field, text_field, quiet)


def _require_index(db: Path) -> None:
    if not db.exists():
        cli._fail(f"{db}: no index there (create one with `copydesk index add --db {db} INPUTS`)")


def _open(db: Path, readonly: bool = True) -> Index:
    _require_index(db)
    try:
        return Index(db, config_of_index(db), readonly=readonly)
    except CopydeskError as exc:
        cli._fail(str(exc))
        raise  # (unreachable: _fail exits)


def _print_result(db: Path, change: Callable[[Index], dict[str, int]]) -> None:
    """Run a change of the index (its own transaction) and print what it did, as JSON."""
    with _open(db, readonly=False) as index:
        try:
            cli.out.print_json(json.dumps(change(index)))
        except CopydeskError as exc:
            cli._fail(str(exc))


@index_app.command("stats")
def stats_command(db: _DB) -> None:
    """Docs, clusters, roles, size on disk and configuration, as JSON."""
    with _open(db) as index:
        cli.out.print_json(json.dumps(index.stats()))


@index_app.command("check")
def check_command(db: _DB) -> None:
    """Check the index's integrity (SQLite's own check and the index's rules); exit 1 on any problem."""
    with _open(db) as index:
        problems = index.check()
    for problem in problems:
        cli.err.print(f"[bold red]problem:[/] {problem}", highlight=False)
    if problems:
        raise typer.Exit(1)
    cli.out.print(f"{db}: ok")


@index_app.command("remove")
def remove_command(
    db: _DB,
    ids: Annotated[list[str] | None, typer.Argument(help="Doc ids to remove.")] = None,
    ids_file: Annotated[Path | None, typer.Option("--ids-file", help="A file of doc ids, one per line.")] = None,
) -> None:
    """Remove docs by id (one transaction); members of a removed canonical doc become unique."""
    wanted = list(ids or [])
    if ids_file is not None:
        wanted += [line.strip() for line in ids_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    _print_result(db, lambda index: index.remove(wanted))


@index_app.command("prune")
def prune_command(db: _DB, before: Annotated[str, typer.Option("--before", help="Remove docs dated before this (2026-01-31).")]) -> None:
    """Evict the docs dated before a day (undated docs stay); clusters are kept consistent."""
    _print_result(db, lambda index: index.prune(before))


@index_app.command("export")
def export_command(db: _DB, out: Annotated[Path, typer.Option("--out", "-o", help="Folder for decisions.jsonl and clusters.jsonl.")]) -> None:
    """The whole index's decisions and clusters, in the files and formats of `dedup --out`."""
    with _open(db) as index:
        cli.out.print_json(json.dumps(index.export(out)))


@index_app.command("migrate")
def migrate_command(db: _DB) -> None:
    """Bring an index of an older schema to this copydesk's (one transaction); prints what it converted."""
    _require_index(db)
    try:
        cli.out.print_json(json.dumps(migrate(db)))
    except CopydeskError as exc:
        cli._fail(str(exc))
