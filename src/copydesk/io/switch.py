"""All-or-nothing outputs: a run's files are written into a staging folder beside ``--out`` and switched in
together, so that a reader of ``--out`` sees the complete previous run or the complete new one, never a mix.

Why: the outputs are several files written one after the other (decisions, clusters, deduplicated texts, the
cleaning audit, summary, manifest); a run killed while writing them (``kill -9``, a full disk, a lost machine)
used to leave the new decisions beside the previous run's clusters and summary.

How: the staging folder is a sibling of ``--out`` (same file system: renames, no copies). When every file is
written and flushed to disk, ``renameat2(RENAME_EXCHANGE)`` swaps the two folders in one atomic step (Linux
3.15 and later, on the usual file systems), and the previous outputs, now in the staging folder's place, are
removed. Where that cannot be done (another system or file system, or ``--out`` holds files that are not
copydesk's, or is the current folder), each file is renamed into place on its own, ``summary.json`` last: it
names the run and each file's size and checksum, so a reader can tell a complete run from a mix. A staging
folder that a killed run left behind is removed by the next run into the same ``--out``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import xxhash

from ..runtime import process_alive

__all__ = ["COPYDESK_FILES", "checksums", "staging_folder", "staging_prefix", "switch_in"]

#: The files a run may write into ``--out`` (anything else there belongs to the user).
COPYDESK_FILES = frozenset((
    "decisions.jsonl", "clusters.jsonl", "deduplicated.jsonl", "cleaning.jsonl", "summary.json", "manifest.json",
    "decisions.parquet", "clusters.parquet",
))
_STAGING = ".copydesk-staging-"


def staging_prefix(out_dir: Path) -> str:
    """How the names of ``out_dir``'s staging folders (beside it) begin."""
    return f".{out_dir.resolve().name}{_STAGING}"


def staging_folder(out_dir: Path) -> Path:
    """A new, empty staging folder beside ``out_dir``; removes those that killed runs left there."""
    out_dir = out_dir.resolve()
    prefix = staging_prefix(out_dir)
    for stale in out_dir.parent.glob(f"{prefix}*"):
        pid = stale.name.removeprefix(prefix).split("-")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    path = out_dir.parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}"
    path.mkdir()
    return path


def checksums(folder: Path, names: Iterable[str]) -> dict[str, dict[str, object]]:
    """Size in bytes and xxh3-128 of each named file of ``folder`` (for ``summary.json``)."""
    out: dict[str, dict[str, object]] = {}
    for name in sorted(names):
        digest = xxhash.xxh3_128()
        size = 0
        with (folder / name).open("rb") as handle:
            while chunk := handle.read(8 << 20):
                digest.update(chunk)
                size += len(chunk)
        out[name] = {"bytes": size, "xxh3_128": digest.hexdigest()}
    return out


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (``renameat2(RENAME_EXCHANGE)``); False where the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    return bool(renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0)


def switch_in(staging: Path, out_dir: Path, last: str = "summary.json") -> list[Path]:
    """Make the staging folder's files the outputs in ``out_dir``; returns their paths there."""
    out_dir = out_dir.resolve()
    names = sorted(p.name for p in staging.iterdir())
    for name in names:
        _fsync(staging / name)
    _fsync(staging)
    foreign = [p.name for p in out_dir.iterdir() if p.name not in COPYDESK_FILES
               and not p.name.startswith(".copydesk-write-check-")]
    cwd = Path.cwd().resolve()
    holds_cwd = cwd == out_dir or out_dir in cwd.parents
    if not foreign and not holds_cwd and _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # (the previous outputs, now at the staging path)
        return [out_dir / name for name in names]
    for name in [*[n for n in names if n != last], *[n for n in names if n == last]]:
        os.replace(staging / name, out_dir / name)
    for name in COPYDESK_FILES - set(names):  # an earlier run's copy would sit beside this run's files
        (out_dir / name).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / name for name in names]
