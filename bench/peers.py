"""Peer comparison: sketching speed and LSH pair recall, same docs, same shingles.

    PYTHONPATH=src python bench/peers.py --corpus bench/out/corpus-10k --limit 10000

Why this exists: "copydesk is fast" means nothing without a floor (what hashing every
shingle once costs, with no MinHash at all) and the two libraries people actually use
(datasketch, rensa) measured on the same documents with the same word 5-gram shingles.
The second table shows what those libraries find at their usual Jaccard thresholds:
excerpts of 25-50% of an article sit far below a 0.5 Jaccard, so a Jaccard-LSH cannot
return them however fast it runs, which is the blind spot copydesk's containment check
is for.

How it measures, so numbers can be trusted:
- every system runs in its own child process (a fresh interpreter), so imports, caches
  and memory of one system cannot flatter or penalise the next;
- each child gets OMP/NUMBA/RAYON thread counts of 1 through its environment
  (single-threaded comparison), and the table shows CPU time / wall time so a library
  that spawns threads anyway is visible;
- each child first runs the system on a few docs untimed (numba JIT, lazy imports),
  then times the full run; peak RSS delta is the kernel's high-water mark over the timed
  block (reset through /proc/self/clear_refs), above the RSS at its start;
- outputs (signatures, candidate pairs) are converted and checked after the timer stops.

Adding a system is one function `(texts, params) -> Output` plus one `System(...)` line
in `SYSTEMS`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata
import importlib.util
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    PeakRss,
    Stopwatch,
    command_line,
    fmt_bytes,
    git_state,
    machine_info,
    machine_markdown,
    markdown_table,
)

U64 = npt.NDArray[np.uint64]
Pairs = npt.NDArray[np.int64]  # (m, 2), i < j, indices into the doc list
Group = Literal["floor", "sketch", "e2e"]

SINGLE_THREAD_ENV: Final = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
    "RAYON_RS_NUM_CPUS": "1",
    "POLARS_MAX_THREADS": "1",
}
PACKAGES: Final = ("numpy", "xxhash", "datasketch", "rensa", "numba", "psutil", "copydesk", "datatrove",
                   "text-dedup")
#: Peers that ``--peer-python`` runs from a venv of their own when this one lacks them.
PEER_VENV_MODULES: Final = frozenset({"datatrove", "text_dedup"})
WARMUP_DOCS: Final = 32
TOKEN_RE: Final = re.compile(r"\w+")


@dataclass(frozen=True)
class Params:
    """What every system is asked to compute: the same shingles, perms and seed."""

    num_perm: int = 128
    shingle: int = 5
    seed: int = 42


@dataclass
class Output:
    """What a system hands back. Conversions run after the timer (they are not the work).

    signatures: () -> (n, num_perm) array, for verifying candidates by estimated Jaccard.
    pairs: () -> (m, 2) candidate pairs (i < j) for the recall table (LSH systems).
    shingles: shingles hashed (floors), to check all systems saw the same input size.
    """

    signatures: Callable[[], npt.NDArray[Any]] | None = None
    pairs: Callable[[], Pairs] | None = None
    shingles: int = 0
    note: str = ""
    pairs_kind: str = "LSH candidates"


Runner = Callable[[list[str], "Params"], Output]


@dataclass(frozen=True)
class System:
    """One measured system. `run` is the timed function; `setup`, when given instead, is called
    once per child process (untimed) and returns the runner, for systems that must build
    something that outlives one call (a JIT-compiled kernel), without any module-level cache.
    """

    name: str
    group: Group
    what: str
    run: Runner | None = None
    needs: tuple[str, ...] = ()  # importable modules; missing -> skipped, with the reason
    threshold: float | None = None  # LSH systems: the Jaccard threshold they were built for
    available: Callable[[], str | None] | None = None  # extra check -> reason to skip, or None
    setup: Callable[[], Runner] | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.setup is None):
            raise ValueError(f"system {self.name!r}: give exactly one of run= or setup=")

    def runner(self) -> Runner:
        if self.setup is not None:
            return self.setup()
        assert self.run is not None
        return self.run


# --------------------------------------------------------------------------- shingling


def word_shingles(text: str, k: int) -> list[str]:
    """Word k-grams of lowercased \\w+ tokens joined by one space: the shared definition.

    zip/map keeps it in C as far as Python allows, so the peers are not slowed by a naive
    loop that their users would not write either. A doc shorter than k words is one shingle.
    """
    toks = TOKEN_RE.findall(text.lower())
    if len(toks) < k:
        return [" ".join(toks)] if toks else []
    return list(map(" ".join, zip(*(toks[i:] for i in range(k)))))


def _shingle_iter(texts: Iterable[str], k: int) -> Iterator[list[str]]:
    return (word_shingles(t, k) for t in texts)


def _pairs_from_lists(neighbours: Sequence[Iterable[int]]) -> Pairs:
    """Candidate lists per query doc -> unique (i < j) pairs, self-matches dropped."""
    rows: list[int] = []
    cols: list[int] = []
    for i, cand in enumerate(neighbours):
        for j in cand:
            j = int(j)
            if j != i:
                rows.append(min(i, j))
                cols.append(max(i, j))
    if not rows:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.stack([np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)], axis=1)
    return np.unique(arr, axis=0)


def lsh_bands_for(threshold: float, num_perm: int, candidates: Sequence[int] | None = None) -> tuple[int, int]:
    """(bands, rows) minimising false-positive + false-negative area, as datasketch does.

    Restricted to bands dividing num_perm (rensa needs that); datasketch itself may
    use b*r < num_perm. Recomputed here so each system gets the best setting its API allows.
    """
    s = np.linspace(0.0, 1.0, 2001)
    integrate = getattr(np, "trapezoid", None) or getattr(np, "trapz")  # noqa: B009 - numpy < 2 has only trapz
    best: tuple[float, int, int] | None = None
    bands = candidates or [b for b in range(1, num_perm + 1) if num_perm % b == 0]
    for b in bands:
        r = num_perm // b
        p = 1.0 - (1.0 - s**r) ** b
        fp = integrate(np.where(s <= threshold, p, 0.0), s)
        fn = integrate(np.where(s >= threshold, 1.0 - p, 0.0), s)
        err = 0.5 * fp + 0.5 * fn
        if best is None or err < best[0]:
            best = (float(err), b, r)
    assert best is not None
    return best[1], best[2]


# --------------------------------------------------------------------------- floors


def floor_python(texts: list[str], p: Params) -> Output:
    """Regex tokens + one xxh64 per shingle string: the least any Python-side shingling costs."""
    import xxhash

    h = xxhash.xxh64_intdigest
    enc = str.encode  # xxhash >= 4 hashes bytes only
    total = 0
    for sh in _shingle_iter(texts, p.shingle):
        arr = np.fromiter(map(h, map(enc, sh)), dtype=np.uint64, count=len(sh))
        total += arr.size
    return Output(shingles=total)


_SPLITMIX_1: Final = np.uint64(0xBF58476D1CE4E5B9)
_SPLITMIX_2: Final = np.uint64(0x94D049BB133111EB)
_POLY_P: Final = np.uint64(0x100000001B3)  # odd, so invertible mod 2**64
_POLY_Q: Final = np.uint64(0x9E3779B97F4A7C15)


def _word_luts() -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.uint8]]:
    """Byte -> is-word-char and byte -> lowercase. Bytes >= 0x80 count as word chars
    (UTF-8 letters), which differs from \\w only on non-ASCII punctuation such as ©."""
    is_word = np.zeros(256, dtype=bool)
    for a, b in ((48, 57), (65, 90), (97, 122)):
        is_word[a:b + 1] = True
    is_word[95] = True
    is_word[128:] = True
    lower = np.arange(256, dtype=np.uint8)
    lower[65:91] += 32
    return is_word, lower


def _mix64(x: U64) -> U64:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps, which is what we want)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _SPLITMIX_1
    x = x ^ (x >> np.uint64(27))
    x = x * _SPLITMIX_2
    return x ^ (x >> np.uint64(31))


@dataclass(frozen=True)
class _PolyTables:
    """P**j and P**-j mod 2**64 for j < size: constants of the numpy floor, built once in setup."""

    pw: U64
    inv: U64

    @staticmethod
    def build(size: int) -> _PolyTables:
        with np.errstate(over="ignore"):
            pw = np.full(size, _POLY_P, dtype=np.uint64)
            pw[0] = 1
            np.cumprod(pw, out=pw)
            inv = np.full(size, np.uint64(pow(int(_POLY_P), -1, 1 << 64)), dtype=np.uint64)
            inv[0] = 1
            np.cumprod(inv, out=inv)
        return _PolyTables(pw, inv)


def _numpy_batch_shingles(buf: npt.NDArray[np.uint8], doc_starts: npt.NDArray[np.int64], k: int,
                          is_word: npt.NDArray[np.bool_], lower: npt.NDArray[np.uint8], tables: _PolyTables) -> U64:
    """All word k-gram hashes of a batch of docs joined by one separator byte, no Python loop.

    Word hash = polynomial over its bytes, from prefix sums of b_j * P**j normalised by
    P**-start (P is odd, so it has an inverse mod 2**64); k-gram hash = a polynomial over
    its k word hashes; k-grams crossing a doc boundary are dropped.
    """
    n = buf.size
    if tables.pw.size < n + 1:
        tables = _PolyTables.build(n + 1)
    w = is_word[buf]
    edge = np.diff(w.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edge == 1)
    ends = np.flatnonzero(edge == -1)
    with np.errstate(over="ignore"):
        pre = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(lower[buf].astype(np.uint64) * tables.pw[:n], out=pre[1:])
        wh = _mix64((pre[ends] - pre[starts]) * tables.inv[starts] + (ends - starts).astype(np.uint64))
        doc = np.searchsorted(doc_starts, starts, side="right")
        m = wh.size - k + 1
        if m <= 0:
            return np.zeros(0, dtype=np.uint64)
        g = np.zeros(m, dtype=np.uint64)
        for j in range(k):
            g = g * _POLY_Q + wh[j:j + m]
        valid = doc[:m] == doc[k - 1:k - 1 + m]
        return _mix64(g[valid])


_NUMPY_BATCH: Final = 250  # docs per vectorised batch: ~1 MB of text, ~10 MB of temporaries


def floor_numpy_setup() -> Runner:
    """Power tables for ~4 batches' worth of bytes are built here, once, like a LUT."""
    is_word, lower = _word_luts()
    tables = _PolyTables.build(4 << 20)

    def floor_numpy(texts: list[str], p: Params) -> Output:
        """Same tokens and 64-bit k-gram hashes as a few numpy passes per batch of docs."""
        total = 0
        for i in range(0, len(texts), _NUMPY_BATCH):
            batch = [t.encode("utf-8") for t in texts[i:i + _NUMPY_BATCH]]
            lens = np.fromiter((len(b) + 1 for b in batch), dtype=np.int64, count=len(batch))
            doc_starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
            buf = np.frombuffer(b" ".join(batch) + b" ", dtype=np.uint8)
            total += _numpy_batch_shingles(buf, doc_starts, p.shingle, is_word, lower, tables).size
        return Output(shingles=total)

    return floor_numpy


def _numba_kernel() -> Callable[..., int]:
    """Compile (lazily, per process) a one-pass tokenise + hash + k-gram kernel."""
    from numba import njit

    @njit(cache=False, nogil=True)  # type: ignore[untyped-decorator,unused-ignore]
    def kernel(buf: Any, doc_starts: Any, k: int, is_word: Any, lower: Any, out: Any, counts: Any) -> int:
        fnv_off = np.uint64(0xCBF29CE484222325)
        fnv_p = np.uint64(0x100000001B3)
        m1 = np.uint64(0xBF58476D1CE4E5B9)
        m2 = np.uint64(0x94D049BB133111EB)
        q = np.uint64(0x9E3779B97F4A7C15)
        s30 = np.uint64(30)
        s27 = np.uint64(27)
        s31 = np.uint64(31)
        ring = np.zeros(k, dtype=np.uint64)
        pos = 0
        for d in range(doc_starts.size - 1):
            lo = doc_starts[d]
            hi = doc_starts[d + 1]
            nw = 0
            h = fnv_off
            inword = False
            before = pos
            for i in range(lo, hi + 1):
                c = buf[i] if i < hi else np.uint8(32)
                if is_word[c]:
                    h = (h ^ np.uint64(lower[c])) * fnv_p
                    inword = True
                elif inword:
                    x = h
                    x = (x ^ (x >> s30)) * m1
                    x = (x ^ (x >> s27)) * m2
                    x = x ^ (x >> s31)
                    ring[nw % k] = x
                    nw += 1
                    if nw >= k:
                        g = np.uint64(0)
                        for j in range(k):
                            g = g * q + ring[(nw - k + j) % k]
                        g = (g ^ (g >> s30)) * m1
                        g = (g ^ (g >> s27)) * m2
                        out[pos] = g ^ (g >> s31)
                        pos += 1
                    h = fnv_off
                    inword = False
            counts[d] = pos - before
        return pos

    return kernel  # type: ignore[no-any-return,unused-ignore]


def floor_numba_setup() -> Runner:
    """Compile the kernel once for this process; the returned runner reuses it."""
    kernel = _numba_kernel()
    is_word, lower = _word_luts()

    def floor_numba(texts: list[str], p: Params) -> Output:
        """One compiled pass per batch: tokenise, FNV-1a per word, mix, k-gram polynomial."""
        total = 0
        for i in range(0, len(texts), 1000):
            batch = [t.encode("utf-8") for t in texts[i:i + 1000]]
            lens = np.fromiter((len(b) for b in batch), dtype=np.int64, count=len(batch))
            doc_starts = np.zeros(len(batch) + 1, dtype=np.int64)
            np.cumsum(lens, out=doc_starts[1:])
            buf = np.frombuffer(b"".join(batch), dtype=np.uint8)
            out = np.empty(buf.size // 2 + 1, dtype=np.uint64)
            counts = np.zeros(len(batch), dtype=np.int64)
            total += int(kernel(buf, doc_starts, p.shingle, is_word, lower, out, counts))
        return Output(shingles=total)

    return floor_numba


# --------------------------------------------------------------------------- datasketch


def _datasketch_bulk(texts: list[str], p: Params, fast_hash: bool) -> list[Any]:
    from datasketch import MinHash

    encoded = ([s.encode("utf-8") for s in sh] for sh in _shingle_iter(texts, p.shingle))
    if fast_hash:
        import xxhash

        # xxh32 fits datasketch's default 32-bit ("affine32") scheme.
        return list(MinHash.bulk(encoded, num_perm=p.num_perm, seed=p.seed, hashfunc=xxhash.xxh32_intdigest))
    return list(MinHash.bulk(encoded, num_perm=p.num_perm, seed=p.seed))


def _stack_hashvalues(mhs: Sequence[Any]) -> Callable[[], npt.NDArray[Any]]:
    return lambda: np.stack([np.asarray(m.hashvalues) for m in mhs])


def datasketch_sha1(texts: list[str], p: Params) -> Output:
    """MinHash.bulk with the default hash (sha1 on bytes): what most users run."""
    mhs = _datasketch_bulk(texts, p, fast_hash=False)
    return Output(signatures=_stack_hashvalues(mhs))


def datasketch_xxh(texts: list[str], p: Params) -> Output:
    """MinHash.bulk with xxh32 as hashfunc: datasketch's fastest CPU batch path."""
    mhs = _datasketch_bulk(texts, p, fast_hash=True)
    return Output(signatures=_stack_hashvalues(mhs))


def _datasketch_lsh(threshold: float) -> Callable[[list[str], Params], Output]:
    def run(texts: list[str], p: Params) -> Output:
        """Shingle + bulk (xxh32) + LeanMinHash + MinHashLSH insert, then query every doc."""
        from datasketch import LeanMinHash, MinHashLSH

        mhs = [LeanMinHash(m) for m in _datasketch_bulk(texts, p, fast_hash=True)]
        lsh = MinHashLSH(threshold=threshold, num_perm=p.num_perm)
        with lsh.insertion_session() as session:
            for i, m in enumerate(mhs):
                session.insert(i, m, check_duplication=False)
        neighbours = [lsh.query(m) for m in mhs]
        b, r = lsh.b, lsh.r
        return Output(signatures=_stack_hashvalues(mhs), pairs=lambda: _pairs_from_lists(neighbours),
                      note=f"datasketch params b={b} r={r}")

    return run


# --------------------------------------------------------------------------- rensa


def rensa_r(texts: list[str], p: Params) -> Output:
    """RMinHash.digest_matrix_from_token_sets: rensa's compact batch path (full-set R-MinHash)."""
    from rensa import RMinHash

    mat = RMinHash.digest_matrix_from_token_sets(_shingle_iter(texts, p.shingle), p.num_perm, p.seed)
    return Output(signatures=lambda: np.asarray(mat.to_rows(), dtype=np.uint32))


def rensa_c(texts: list[str], p: Params) -> Output:
    """CMinHash.digests64_from_token_sets: rensa's C-MinHash with 64-bit slots."""
    from rensa import CMinHash

    digests = CMinHash.digests64_from_token_sets(_shingle_iter(texts, p.shingle), p.num_perm, p.seed)
    return Output(signatures=lambda: np.asarray(digests, dtype=np.uint64))


def _rensa_lsh(threshold: float) -> Callable[[list[str], Params], Output]:
    def run(texts: list[str], p: Params) -> Output:
        """Shingle + RMinHash.from_token_sets + RMinHashLSH insert_many + query_all."""
        from rensa import RMinHash, RMinHashLSH

        bands, rows = lsh_bands_for(threshold, p.num_perm)
        mhs = RMinHash.from_token_sets(_shingle_iter(texts, p.shingle), p.num_perm, p.seed)
        lsh = RMinHashLSH(threshold, p.num_perm, bands)
        lsh.insert_many(mhs)
        neighbours = lsh.query_all(mhs)
        return Output(signatures=lambda: np.asarray([m.digest() for m in mhs], dtype=np.uint32),
                      pairs=lambda: _pairs_from_lists(neighbours), note=f"bands={bands} rows={rows}")

    return run


# --------------------------------------------------------------------------- copydesk


def _copydesk_attr(module: str, attr: str) -> str | None:
    """Reason copydesk cannot be measured yet, or None when `module.attr` exists."""
    if importlib.util.find_spec("copydesk") is None:
        return "copydesk not importable (run with PYTHONPATH=src or install it)"
    try:
        mod = importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - any import failure means "not ready": say which
        return f"import {module} failed: {type(exc).__name__}: {exc}"
    if not hasattr(mod, attr):
        return f"{module}.{attr} does not exist yet"
    return None


def copydesk_sketch(texts: list[str], p: Params) -> Output:
    """copydesk.sketch.minhash.sketch_texts: copydesk's own shingling + MinHash."""
    from copydesk.sketch.minhash import sketch_texts

    sig = sketch_texts(texts, num_perm=p.num_perm, shingle_size=p.shingle, seed=p.seed)
    return Output(signatures=lambda: np.asarray(sig))


def _pairs_from_copydesk(result: Any, n: int) -> Pairs | None:
    """Best-effort: find (a, b) doc indices in whatever dedup_texts returns (API still moving)."""
    edges = getattr(result, "edges", None)
    if edges is None and isinstance(result, dict):
        edges = result.get("edges")
    if edges is None and isinstance(result, (list, tuple)):
        edges = result
    if edges is None:
        if isinstance(result, np.ndarray) and result.ndim == 2 and result.shape[1] == 2:
            return np.sort(result.astype(np.int64), axis=1)
        return None
    out: list[tuple[int, int]] = []
    for e in edges:
        a, b = (getattr(e, "a", None), getattr(e, "b", None)) if hasattr(e, "a") else (e[0], e[1])
        try:
            ia, ib = int(a), int(b)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        if 0 <= ia < n and 0 <= ib < n and ia != ib:
            out.append((min(ia, ib), max(ia, ib)))
    arr = np.asarray(sorted(set(out)), dtype=np.int64).reshape(-1, 2)
    return arr


def copydesk_e2e(texts: list[str], p: Params) -> Output:
    """copydesk.pipeline.dedup_texts end to end (clean, sketch, candidates, verify, cluster)."""
    from copydesk.pipeline import dedup_texts  # type: ignore[attr-defined,unused-ignore]

    result = dedup_texts(texts)
    n = len(texts)

    def pairs() -> Pairs:
        got = _pairs_from_copydesk(result, n)
        if got is None:
            raise TypeError(f"cannot read pairs from dedup_texts() -> {type(result).__name__}")
        return got

    return Output(pairs=pairs)


def _copydesk_dedup(clean: bool) -> Callable[[list[str], Params], Output]:
    """copydesk.pipeline.dedup with the default RunConfig (cleaning off when ``clean`` is False): per-document
    cleaning and credits, sketch, candidates, verify, cluster.

    Texts only (no url/date/source), like the peers get. Pairs for the recall table are cluster
    co-memberships: every two docs in one cluster are reported as related. The run without cleaning (the
    CLI's ``--no-clean``) shows what the per-line boilerplate rules cost end to end.
    """

    def run(texts: list[str], p: Params) -> Output:
        import dataclasses

        from copydesk.config import RunConfig
        from copydesk.pipeline import dedup
        from copydesk.types import Document

        cfg = RunConfig()
        if not clean:
            cfg = dataclasses.replace(cfg, clean=dataclasses.replace(cfg.clean, enabled=False))
        result = dedup((Document(id=str(i), text=t) for i, t in enumerate(texts)), cfg)

        def pairs() -> Pairs:
            out: list[tuple[int, int]] = []
            for c in result.clusters:
                members = sorted(int(x) for x in (c.canonical, *c.members))
                out += [(a, b) for x, a in enumerate(members) for b in members[x + 1:]]
            return np.asarray(out, dtype=np.int64).reshape(-1, 2)

        sh, mh = cfg.shingle, cfg.minhash
        return Output(pairs=pairs, pairs_kind="same cluster",
                      note=f"defaults: {getattr(sh, 'size', '?')}-gram shingles, {getattr(mh, 'num_perm', '?')} perms"
                      + ("" if clean else ", cleaning off"))

    return run


def _write_jsonl(texts: list[str], folder: Path) -> Path:
    """The texts as one JSONL file (``id`` = index), as the file-based peers read their input."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))
    return path


def _cluster_pairs(groups: Iterable[Sequence[int]]) -> Pairs:
    """Every two docs of one group, as (i, j) rows with i < j."""
    out: list[tuple[int, int]] = []
    for group in groups:
        members = sorted(set(group))
        out += [(a, b) for x, a in enumerate(members) for b in members[x + 1:]]
    return np.asarray(sorted(set(out)), dtype=np.int64).reshape(-1, 2)


def datatrove_minhash(texts: list[str], p: Params) -> Output:
    """datatrove's MinHash dedup, its four stages (signatures, buckets, clusters, filter) with the local executor,
    one task and one worker each where the stage allows it (the bucket stage runs one task per bucket, one at a
    time). 16 buckets x 8 hashes = 128 hashes of word 5-grams (datatrove's defaults are 14 x 8), 64-bit hashes.
    Pairs: every two docs of one of its clusters (``save_cluster_id``). The texts are written to a JSONL file
    first, inside the timing: datatrove reads files."""
    import logging

    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    logging.getLogger("datatrove").setLevel(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="peer-datatrove-"))
    try:
        _write_jsonl(texts, work / "in")
        cfg = MinhashConfig(hash_config=HashConfig(precision=64), n_grams=p.shingle, num_buckets=p.num_perm // 8,
                            hashes_per_bucket=8)
        stages = [
            ([JsonlReader(str(work / "in")), MinhashDedupSignature(output_folder=str(work / "sigs"), config=cfg)], 1),
            ([MinhashDedupBuckets(input_folder=str(work / "sigs"), output_folder=str(work / "buckets"), config=cfg)],
             cfg.num_buckets),
            ([MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "remove"), config=cfg,
                                  save_cluster_id=True)], 1),
            ([JsonlReader(str(work / "in")),
              MinhashDedupFilter(input_folder=str(work / "remove"), load_cluster_ids=True,
                                 exclusion_writer=JsonlWriter(str(work / "removed"))),
              JsonlWriter(str(work / "out"))], 1),
        ]
        for k, (pipeline, tasks) in enumerate(stages):
            LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1,
                                  logging_dir=str(work / f"logs-{k}")).run()
        groups: dict[int, list[int]] = {}
        for path in sorted((work / "remove").glob("*.clusters")):
            raw = np.fromfile(path, dtype="<u4").reshape(-1, 2)
            for doc, cluster in raw.tolist():
                groups.setdefault(cluster, []).append(doc)
        found = _cluster_pairs(groups.values())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Output(pairs=lambda: found, pairs_kind="same cluster",
                  note=f"{cfg.num_buckets} buckets x 8 hashes, word {p.shingle}-grams, no verification")


def text_dedup_minhash(texts: list[str], p: Params) -> Output:
    """text-dedup's MinHash (``python -m text_dedup.minhash``, called in process): HF datasets in and out, LSH
    bands from its ``optimal_param`` for threshold 0.5 and 128 permutations of word 5-grams, union-find over
    the bands (no verification), ``--num_proc 1``. Pairs: every two docs of one union-find set (``--debug``
    dumps it). The texts are written to a JSONL file first, inside the timing: text-dedup loads files."""
    import pickle

    from text_dedup.minhash import main as text_dedup_main

    work = Path(tempfile.mkdtemp(prefix="peer-text-dedup-"))
    try:
        data = _write_jsonl(texts, work / "in")
        text_dedup_main.main(
            ["--path", "json", "--data_files", str(data), "--split", "train", "--cache_dir", str(work / "cache"),
             "--output", str(work / "out"), "--column", "text", "--num_proc", "1", "--num_perm", str(p.num_perm),
             "--ngram", str(p.shingle), "--threshold", "0.5", "--debug", "--clean_cache"],
            standalone_mode=False)
        with open(work / "out" / "uf.pkl", "rb") as fh:
            uf = pickle.load(fh)
        groups: dict[int, list[int]] = {}
        for doc in list(uf.parent):
            groups.setdefault(int(uf.find(doc)), []).append(int(doc))
        found = _cluster_pairs(groups.values())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Output(pairs=lambda: found, pairs_kind="same cluster",
                  note=f"threshold 0.5, {p.num_perm} perms, word {p.shingle}-grams, union-find, no verification")


def file_peer_pairs(corpus_jsonl: Path) -> dict[str, Any]:
    """``--pairs-of PATH``: the pairs datatrove and text-dedup (as run above) find among the docs of a JSONL file
    (``id``, ``text``), by id, under a row name with each one's version: for benchmarks whose interpreter
    cannot import them (``bench/quality/dedup_real.py --peer-python``)."""
    ids, texts = [], []
    with open(corpus_jsonl, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            ids.append(record["id"])
            texts.append(record["text"])
    rows: dict[str, list[list[str]]] = {}
    for name, dist, run in (("MinHash, 4 stages, 16 x 8 hashes", "datatrove", datatrove_minhash),
                            ("MinHash, threshold 0.5", "text-dedup", text_dedup_minhash)):
        with contextlib.redirect_stdout(sys.stderr):  # (their progress lines are not the answer)
            got = run(texts, Params()).pairs
        assert got is not None
        version = importlib.metadata.version(dist)
        rows[f"{dist} {version} {name}"] = sorted([ids[a], ids[b]] for a, b in got().tolist())
    return {"pairs": rows}


def _has_numba() -> str | None:
    return None if importlib.util.find_spec("numba") else "numba not installed"


SYSTEMS: Final[tuple[System, ...]] = (
    System("floor-python", "floor", "regex tokens + xxh64 per 5-gram string", floor_python, ("xxhash",)),
    System("floor-numpy", "floor", "numpy: byte LUT tokens, polynomial word + 5-gram hash",
           setup=floor_numpy_setup),
    System("floor-numba", "floor", "numba: one pass, FNV-1a words, 5-gram polynomial",
           setup=floor_numba_setup, available=_has_numba),
    System("datasketch-sha1", "sketch", "MinHash.bulk, default sha1 hashfunc", datasketch_sha1, ("datasketch",)),
    System("datasketch-xxh", "sketch", "MinHash.bulk, hashfunc=xxh32", datasketch_xxh, ("datasketch", "xxhash")),
    System("rensa-R", "sketch", "RMinHash.digest_matrix_from_token_sets", rensa_r, ("rensa",)),
    System("rensa-C", "sketch", "CMinHash.digests64_from_token_sets", rensa_c, ("rensa",)),
    System("copydesk", "sketch", "copydesk.sketch.minhash.sketch_texts", copydesk_sketch,
           available=lambda: _copydesk_attr("copydesk.sketch.minhash", "sketch_texts")),
    System("datasketch-lsh@0.5", "e2e", "bulk(xxh32) + LeanMinHash + MinHashLSH insert + query",
           _datasketch_lsh(0.5), ("datasketch", "xxhash"), threshold=0.5),
    System("datasketch-lsh@0.8", "e2e", "bulk(xxh32) + LeanMinHash + MinHashLSH insert + query",
           _datasketch_lsh(0.8), ("datasketch", "xxhash"), threshold=0.8),
    System("rensa-lsh@0.5", "e2e", "RMinHash.from_token_sets + RMinHashLSH insert_many + query_all",
           _rensa_lsh(0.5), ("rensa",), threshold=0.5),
    System("rensa-lsh@0.8", "e2e", "RMinHash.from_token_sets + RMinHashLSH insert_many + query_all",
           _rensa_lsh(0.8), ("rensa",), threshold=0.8),
    System("datatrove-minhash", "e2e", "datatrove 4-stage MinHash dedup, LocalPipelineExecutor", datatrove_minhash,
           ("datatrove",)),
    System("text-dedup-minhash", "e2e", "text_dedup.minhash (HF datasets, union-find)", text_dedup_minhash,
           ("text_dedup",)),
    System("copydesk-e2e", "e2e", "copydesk.pipeline.dedup_texts", copydesk_e2e,
           available=lambda: _copydesk_attr("copydesk.pipeline", "dedup_texts")),
    System("copydesk-dedup", "e2e", "copydesk.pipeline.dedup(Document stream, RunConfig())", _copydesk_dedup(True),
           available=lambda: _copydesk_attr("copydesk.pipeline", "dedup")),
    System("copydesk-dedup-noclean", "e2e", "the same with cleaning off (CLI --no-clean)", _copydesk_dedup(False),
           available=lambda: _copydesk_attr("copydesk.pipeline", "dedup")),
)


# --------------------------------------------------------------------------- child side


@dataclass(frozen=True)
class Docs:
    ids: list[str]
    texts: list[str]
    sources: list[str]


def load_docs(corpus: Path, limit: int) -> Docs:
    """The first `limit` docs of docs.jsonl: streamed, so a 1M corpus costs only what is kept."""
    docs = Docs([], [], [])
    with open(corpus / "docs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if len(docs.ids) >= limit:
                break
            d = json.loads(line)
            docs.ids.append(d["id"])
            docs.texts.append(d["text"])
            docs.sources.append(d.get("source") or "")
    return docs


@dataclass
class Result:
    name: str
    group: Group
    what: str
    threshold: float | None = None
    skipped: str = ""
    error: str = ""
    docs: int = 0
    bytes: int = 0
    seconds: float = 0.0
    all_seconds: list[float] = field(default_factory=list)
    all_cpu_seconds: list[float] = field(default_factory=list)
    warmup_seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time (user + sys, all threads) of the fastest run
    peak_rss_delta: int = 0
    rss_method: str = ""
    shingles: int = 0
    note: str = ""
    pairs_kind: str = ""
    signatures_file: str = ""
    pairs_file: str = ""


def _cpu_now() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def run_child(system: System, corpus: Path, limit: int, repeat: int, params: Params, outdir: Path) -> Result:
    """Time one system in this (fresh) process; save its outputs for the parent."""
    res = Result(system.name, system.group, system.what, system.threshold)
    texts = load_docs(corpus, limit).texts
    run = system.runner()
    res.docs = len(texts)
    res.bytes = sum(len(t.encode("utf-8")) for t in texts)
    with Stopwatch() as warm:
        run(texts[:WARMUP_DOCS], params)
    res.warmup_seconds = warm.seconds
    out: Output | None = None
    for rep in range(repeat):
        out = None
        cpu0 = _cpu_now()
        with PeakRss() as mem, Stopwatch() as sw:
            out = run(texts, params)
        res.all_cpu_seconds.append(_cpu_now() - cpu0)
        res.all_seconds.append(sw.seconds)
        if rep == 0:
            res.peak_rss_delta = mem.delta_bytes
            res.rss_method = mem.method
    assert out is not None
    best = int(np.argmin(res.all_seconds))
    res.seconds = res.all_seconds[best]
    res.cpu_seconds = res.all_cpu_seconds[best]
    res.shingles = out.shingles
    res.note = out.note
    res.pairs_kind = out.pairs_kind if out.pairs is not None else ""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", system.name)
    if out.signatures is not None:
        path = outdir / f"{safe}.sig.npy"
        np.save(path, out.signatures())
        res.signatures_file = str(path)
    if out.pairs is not None:
        path = outdir / f"{safe}.pairs.npy"
        np.save(path, out.pairs())
        res.pairs_file = str(path)
    return res


def skip_reason(system: System) -> str | None:
    for mod in system.needs:
        if importlib.util.find_spec(mod) is None:
            return f"{mod} not installed"
    return system.available() if system.available else None


# --------------------------------------------------------------------------- parent side


@dataclass(frozen=True)
class Truth:
    """Truth pairs restricted to the measured docs, as sorted int64 keys i * n + j (i < j)."""

    n: int
    near: npt.NDArray[np.int64]
    excerpt: npt.NDArray[np.int64]
    related: npt.NDArray[np.int64]
    near_pairs: Pairs
    excerpt_pairs: Pairs  # (excerpt index, full-copy index), not ordered by index


def load_truth(corpus: Path, ids: Sequence[str]) -> Truth:
    index = {d: i for i, d in enumerate(ids)}
    n = len(ids)
    kinds: dict[str, list[tuple[int, int]]] = {"near": [], "excerpt": [], "related": []}
    with open(corpus / "truth.jsonl", encoding="utf-8") as fh:
        for line in fh:
            t = json.loads(line)
            a, b = index.get(t["a"]), index.get(t["b"])
            if a is not None and b is not None:
                kinds[t["kind"]].append((a, b))

    def keys(pairs: list[tuple[int, int]]) -> npt.NDArray[np.int64]:
        if not pairs:
            return np.zeros(0, dtype=np.int64)
        arr = np.asarray(pairs, dtype=np.int64)
        return np.unique(arr.min(axis=1) * n + arr.max(axis=1))

    def as_arr(pairs: list[tuple[int, int]]) -> Pairs:
        return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)

    return Truth(n, keys(kinds["near"]), keys(kinds["excerpt"]), keys(kinds["related"]),
                 as_arr(kinds["near"]), as_arr(kinds["excerpt"]))


@dataclass(frozen=True)
class Quality:
    found: int
    near_recall: float
    excerpt_recall: float
    precision: float


def score(pairs: Pairs, truth: Truth) -> Quality:
    """Pair recall per kind; precision over found pairs, "related" pairs counted as neither."""
    keys = np.unique(pairs[:, 0] * truth.n + pairs[:, 1]) if pairs.size else np.zeros(0, dtype=np.int64)
    hit_near = int(np.isin(truth.near, keys).sum())
    hit_exc = int(np.isin(truth.excerpt, keys).sum())
    n_rel = int(np.isin(keys, truth.related).sum())
    judged = keys.size - n_rel
    return Quality(
        found=int(keys.size),
        near_recall=hit_near / truth.near.size if truth.near.size else math.nan,
        excerpt_recall=hit_exc / truth.excerpt.size if truth.excerpt.size else math.nan,
        precision=(hit_near + hit_exc) / judged if judged else math.nan,
    )


def verify(pairs: Pairs, sig: npt.NDArray[Any], threshold: float) -> Pairs:
    """Keep candidates whose estimated Jaccard (share of equal slots) reaches the threshold."""
    if pairs.size == 0:
        return pairs
    est = np.empty(pairs.shape[0])
    for lo in range(0, pairs.shape[0], 100_000):
        p = pairs[lo:lo + 100_000]
        est[lo:lo + p.shape[0]] = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1)
    return pairs[est >= threshold]


SITE_BOILERPLATE_MIN_PAGES: Final = 3


def exact_overlap(docs: Docs, truth: Truth, k: int) -> dict[str, npt.NDArray[np.float64]]:
    """Exact Jaccard and containment of every truth pair, raw and with site boilerplate removed.

    This is the oracle the LSH systems approximate: it separates "the threshold cannot
    see excerpts" from "the sketch or the banding lost them". The second variant drops
    shingles found on >= 3 pages of the same site (nav, cookie banner, footer, teasers):
    the classic template filter, showing what containment sees once wrappers are gone.
    """
    import xxhash

    h = xxhash.xxh64_intdigest
    sets = [np.unique(np.fromiter((h(x.encode()) for x in word_shingles(t, k)), dtype=np.uint64))
            for t in docs.texts]
    site_codes = {src: i for i, src in enumerate(sorted(set(docs.sources)))}
    site = np.asarray([site_codes[x] for x in docs.sources], dtype=np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        keyed = [sh ^ (site[i] * mult) for i, sh in enumerate(sets)]
    all_keys, counts = np.unique(np.concatenate(keyed) if keyed else np.zeros(0, np.uint64), return_counts=True)
    frequent = all_keys[counts >= SITE_BOILERPLATE_MIN_PAGES]
    clean = [sh[~np.isin(kk, frequent)] for sh, kk in zip(sets, keyed, strict=True)]

    def overlap(a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64]) -> tuple[float, float]:
        inter = np.intersect1d(a, b, assume_unique=True).size
        union = a.size + b.size - inter
        return (inter / union if union else 0.0), (inter / a.size if a.size else 0.0)

    out: dict[str, npt.NDArray[np.float64]] = {}
    for kind, pairs in (("near", truth.near_pairs), ("excerpt", truth.excerpt_pairs)):
        vals = np.asarray([overlap(sets[a], sets[b]) + overlap(clean[a], clean[b]) for a, b in pairs.tolist()],
                          dtype=np.float64).reshape(-1, 4)
        out[f"{kind}_jaccard"], out[f"{kind}_containment"] = vals[:, 0], vals[:, 1]
        out[f"{kind}_jaccard_clean"], out[f"{kind}_containment_clean"] = vals[:, 2], vals[:, 3]
    return out


def copydesk_origin() -> str:
    """Which copydesk the children import: path, and git commit (+ dirty flag) when in a work tree.

    The working tree moves while others edit it; a report must say which code it measured.
    """
    spec = importlib.util.find_spec("copydesk")
    if spec is None or not spec.origin:
        return "not importable"
    pkg = Path(spec.origin).parent
    state = git_state(pkg)
    if state is None:
        return str(pkg)
    head, changed = state
    return f"{pkg} at commit {head}" + (" + uncommitted changes" if changed else "")


def _child_env() -> dict[str, str]:
    return {**os.environ, **SINGLE_THREAD_ENV}


def run_all(args: argparse.Namespace, systems: Sequence[System], work: Path) -> list[Result]:
    """Run each system in a fresh interpreter (same venv, single-thread env) and collect."""
    results: list[Result] = []
    for s in systems:
        res_file = work / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', s.name)}.json"
        python = sys.executable
        if args.peer_python and skip_reason(s) and any(m in PEER_VENV_MODULES for m in s.needs):
            python = str(args.peer_python)  # (a peer whose pins clash with copydesk's runs from its own venv)
        cmd = [python, str(Path(__file__).resolve()), "--child", s.name,
               "--corpus", str(args.corpus), "--limit", str(args.limit), "--repeat", str(args.repeat),
               "--work", str(work), "--result", str(res_file)]
        print(f"[peers] {s.name} ...", file=sys.stderr, flush=True)
        try:
            proc = subprocess.run(cmd, env=_child_env(), timeout=args.timeout, capture_output=True, text=True,
                                  check=False)
        except subprocess.TimeoutExpired:
            results.append(Result(s.name, s.group, s.what, s.threshold, error=f"timed out after {args.timeout}s"))
            continue
        if proc.returncode != 0 or not res_file.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            results.append(Result(s.name, s.group, s.what, s.threshold,
                                  error=f"exit {proc.returncode}: {' / '.join(tail)}"))
            print(f"[peers]   error: {results[-1].error}", file=sys.stderr)
            continue
        r = Result(**json.loads(res_file.read_text(encoding="utf-8")))
        if r.skipped:
            print(f"[peers]   skipped: {r.skipped}", file=sys.stderr)
        elif r.error:
            print(f"[peers]   error: {r.error}", file=sys.stderr)
        else:
            print(f"[peers]   {r.seconds:.2f} s, {r.docs / r.seconds:,.0f} docs/s", file=sys.stderr)
        results.append(r)
    return results


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.2f}x"


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.1f}%"


def build_report(args: argparse.Namespace, results: list[Result], docs: Docs,
                 params: Params) -> tuple[str, dict[str, Any]]:
    """Speed table, quality table, oracle table; markdown plus a JSON twin for scripts."""
    ok = {r.name: r for r in results if not r.skipped and not r.error}
    floor_py = ok.get("floor-python")
    compiled = [ok[n] for n in ("floor-numpy", "floor-numba") if n in ok]
    floor_c = min(compiled, key=lambda r: min(r.all_cpu_seconds) if args.metric == "cpu" else r.seconds) \
        if compiled else None

    def peer(prefix: str, r: Result) -> Result | None:
        """The same-group reference of a library: sketch vs sketch, e2e vs e2e at equal threshold."""
        if r.group == "e2e":
            return ok.get(f"{prefix}-lsh@{r.threshold}")
        return ok.get({"datasketch": "datasketch-xxh", "rensa": "rensa-R"}[prefix])

    def t(r: Result) -> float:
        """The time rates and ratios are computed from: wall (default) or CPU of the best run."""
        return min(r.all_cpu_seconds) if args.metric == "cpu" and r.all_cpu_seconds else r.seconds

    speed_rows: list[list[object]] = []
    for r in results:
        if r.skipped or r.error:
            speed_rows.append([f"`{r.name}`", r.what, "skipped: " + r.skipped if r.skipped else "error: " + r.error,
                               "", "", "", "", "", "", "", "", ""])
            continue
        ds, rs = peer("datasketch", r), peer("rensa", r)
        speed_rows.append([
            f"`{r.name}`", r.what, f"{r.seconds:.2f}", f"{r.cpu_seconds:.2f}", f"{r.docs / t(r):,.0f}",
            f"{r.bytes / 1e6 / t(r):.2f}", fmt_bytes(r.peak_rss_delta),
            f"{r.cpu_seconds / r.seconds:.2f}" if r.seconds else "-",
            _ratio(t(r), t(floor_py) if floor_py else None),
            _ratio(t(r), t(floor_c) if floor_c else None),
            _ratio(t(ds), t(r)) if ds else "-",
            _ratio(t(rs), t(r)) if rs else "-",
        ])
    speed = markdown_table(
        ["system", "what is timed", "wall s", "CPU s", f"docs/s ({args.metric})", f"MB/s ({args.metric})",
         "peak RSS Δ", "CPU/wall", "time ÷ floor-py", "time ÷ floor-compiled", "speed vs datasketch",
         "speed vs rensa"],
        speed_rows, align="llrrrrrrrrrr")

    truth = load_truth(args.corpus, docs.ids)
    qual_rows: list[list[object]] = []
    quality_json: list[dict[str, Any]] = []
    for r in results:
        if r.name not in ok or not r.pairs_file:
            continue
        pairs = np.load(r.pairs_file)
        q = score(pairs, truth)
        row: dict[str, Any] = {"system": r.name, "threshold": r.threshold, "stage": r.pairs_kind, **asdict(q)}
        quality_json.append(row)
        qual_rows.append([f"`{r.name}`", r.note or "", r.pairs_kind, f"{q.found:,}",
                          _pct(q.near_recall), _pct(q.excerpt_recall), _pct(q.precision)])
        if r.signatures_file and r.threshold is not None:
            v = score(verify(pairs, np.load(r.signatures_file), r.threshold), truth)
            quality_json.append({"system": r.name, "threshold": r.threshold,
                                 "stage": "verified est. J >= t", **asdict(v)})
            qual_rows.append([f"`{r.name}`", r.note or "", f"+ est. Jaccard ≥ {r.threshold}", f"{v.found:,}",
                              _pct(v.near_recall), _pct(v.excerpt_recall), _pct(v.precision)])
    quality = markdown_table(["system", "params", "pairs kept", "found", "near recall", "excerpt recall",
                              "precision"], qual_rows, align="lllrrrr")

    ov = exact_overlap(docs, truth, params.shingle)
    oracle_rows: list[list[object]] = []
    for kind in ("near", "excerpt"):
        for variant, label in (("", "raw page text"), ("_clean", "site boilerplate removed")):
            jac, con = ov[f"{kind}_jaccard{variant}"], ov[f"{kind}_containment{variant}"]
            if jac.size == 0:
                continue
            oracle_rows.append([
                kind, label, f"{jac.size:,}", f"{np.median(jac):.2f}", f"{np.percentile(jac, 10):.2f}",
                _pct(float((jac >= 0.5).mean())), _pct(float((jac >= 0.8).mean())),
                f"{np.median(con):.2f}", _pct(float((con >= 0.5).mean())), _pct(float((con >= 0.8).mean())),
            ])
    oracle = markdown_table(["truth kind", "shingles", "pairs", "median J", "p10 J", "J ≥ 0.5", "J ≥ 0.8",
                             "median C(a in b)", "C ≥ 0.5", "C ≥ 0.8"], oracle_rows, align="llrrrrrrrr")

    meta = json.loads((args.corpus / "meta.json").read_text(encoding="utf-8")) \
        if (args.corpus / "meta.json").exists() else {}
    info = machine_info(PACKAGES)
    if args.peer_python:  # (the versions the peers' own venv holds)
        for name in ("datatrove", "text-dedup", "xxhash", "spacy"):
            probe = subprocess.run([str(args.peer_python), "-c",
                                    f"import importlib.metadata as m; print(m.version({name!r}))"],
                                   capture_output=True, text=True, check=False)
            if probe.returncode == 0:
                info[f"{name} (--peer-python)"] = probe.stdout.strip()
    info["copydesk source"] = copydesk_origin()
    info["load average (1 min) before / after"] = f"{args.load_before:.2f} / {os.getloadavg()[0]:.2f}"
    n_docs = len(docs.texts)
    n_bytes = sum(len(t.encode("utf-8")) for t in docs.texts)
    rss_methods = sorted({r.rss_method for r in ok.values() if r.rss_method})
    lines = [
        "# copydesk peer comparison: sketching speed and pair recall",
        "",
        f"Command: `{command_line()}`",
        "",
        (f"Corpus: `{args.corpus}` (generator seed {meta.get('config', {}).get('seed', '?')}), "
         f"first {n_docs:,} docs, {n_bytes / 1e6:.1f} MB of text, "
         f"truth pairs in range: {truth.near.size:,} near, {truth.excerpt.size:,} excerpt, "
         f"{truth.related.size:,} related (ignored)."),
        (f"Shingles: word {params.shingle}-grams of lowercased `\\w+` tokens; MinHash {params.num_perm} perms, "
         f"seed {params.seed}; {args.repeat} timed run(s) per system, rates and ratios from the smallest "
         f"{'CPU' if args.metric == 'cpu' else 'wall-clock'} time (wall s / CPU s / CPU/wall columns: "
         "the fastest wall-clock run); single-threaded "
         f"({', '.join(f'{k}=1' for k in SINGLE_THREAD_ENV if k.endswith('THREADS'))}); "
         f"warm-up on {WARMUP_DOCS} docs untimed."),
        "",
        "## Machine",
        "",
        machine_markdown(info),
        "",
        "## Speed",
        "",
        speed,
        "",
        ("- `time ÷ floor`: how many times the floor's time (hashing each 5-gram once, no MinHash); "
         "`floor-compiled` is the faster of floor-numpy / floor-numba."),
        ("- `speed vs datasketch / rensa`: >1 means faster than that library's row in the same group "
         "(sketch rows vs `datasketch-xxh` / `rensa-R`; LSH rows vs the same library's LSH at the same threshold)."),
        (f"- peak RSS Δ: high-water mark during the timed run above RSS at its start ({', '.join(rss_methods)}); "
         "CPU/wall > 1 means the system used more than one thread, < 0.9 that it waited for a core "
         "(other load on the machine; then prefer `--metric cpu`)."),
        "- shingles hashed by the floors: "
        + ", ".join(f"{r.name} {r.shingles:,}" for r in ok.values() if r.group == "floor")
        + " (floor-numpy/numba count bytes ≥ 0x80 as word characters, so non-ASCII punctuation "
        "such as © or » can join words there).",
        "",
        "## Pair recall at the usual Jaccard thresholds",
        "",
        quality,
        "",
        ("- recall: share of truth pairs of that kind among the pairs returned; precision: share of returned "
         "pairs that are truth `near`/`excerpt` pairs (pairs labelled `related`, two partial copies of "
         "one story, count as neither right nor wrong)."),
        ("- `+ est. Jaccard ≥ t`: the candidates kept after checking the sketches' estimated Jaccard, "
         "as rensa's deduplicator and most datasketch users do."),
        "",
        "## Exact overlap of the truth pairs (the ceiling any Jaccard threshold can reach)",
        "",
        oracle,
        "",
        ("J = exact Jaccard of the two docs' 5-gram sets; C(a in b) = share of a's shingles found in b "
         "(for excerpt pairs, a is the excerpt). \"site boilerplate removed\" drops shingles seen on "
         f">= {SITE_BOILERPLATE_MIN_PAGES} pages of the same site before comparing. Excerpts (the first "
         "25-50% of paragraphs, in another site's wrapper) keep a low Jaccard with the full copy however "
         "exact the estimate, while their containment in it is high once wrappers are discounted: a "
         "Jaccard threshold cannot find them, a containment check can."),
        "",
    ]
    rows_json = [asdict(r) for r in results]
    report = {"command": command_line(), "machine": info, "corpus": str(args.corpus), "docs": n_docs,
              "bytes": n_bytes, "params": asdict(params), "results": rows_json, "quality": quality_json,
              "oracle": {k: {"median": float(np.median(v)) if v.size else None, "n": int(v.size),
                             "ge_0.5": float((v >= 0.5).mean()) if v.size else None,
                             "ge_0.8": float((v >= 0.8).mean()) if v.size else None}
                         for k, v in ov.items()}}
    return "\n".join(lines), report


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, help="folder written by bench/generate.py (required unless --list)")
    ap.add_argument("--limit", type=int, default=10_000, help="use the first N docs")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per system; the fastest is reported")
    ap.add_argument("--systems", default="", help="comma-separated names (default: all); see --list")
    ap.add_argument("--list", action="store_true", help="list the systems and exit")
    ap.add_argument("--out", type=Path, default=Path("bench/out/peers.md"))
    ap.add_argument("--metric", choices=("wall", "cpu"), default="wall",
                    help="time behind docs/s, MB/s and ratios: wall clock, or CPU time of the single-threaded "
                         "child (steadier on a shared machine)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds allowed per system")
    ap.add_argument("--peer-python", type=Path, default=None,
                    help="the Python of a venv with datatrove and text-dedup (`pip install datatrove text-dedup`): "
                         "their pins (rich<14) clash with copydesk's, so they get a venv of their own")
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    ap.add_argument("--pairs-of", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    params = Params()
    by_name = {s.name: s for s in SYSTEMS}
    if args.pairs_of is not None:
        print(json.dumps(file_peer_pairs(args.pairs_of)))
        return 0

    if args.list:
        for s in SYSTEMS:
            print(f"{s.name:22s} {s.group:7s} {s.what}  [{skip_reason(s) or 'ready'}]")
        return 0

    if args.corpus is None:
        ap.error("--corpus is required")
    if args.child:
        system = by_name[args.child]
        assert args.work is not None and args.result is not None
        reason = skip_reason(system)
        if reason:
            res = Result(system.name, system.group, system.what, system.threshold, skipped=reason)
        else:
            res = run_child(system, args.corpus, args.limit, args.repeat, params, args.work)
        args.result.write_text(json.dumps(asdict(res)), encoding="utf-8")
        return 0

    names = [n.strip() for n in args.systems.split(",") if n.strip()] or [s.name for s in SYSTEMS]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        ap.error(f"unknown system(s) {unknown}; known: {', '.join(by_name)}")
    if not (args.corpus / "docs.jsonl").exists():
        ap.error(f"{args.corpus}/docs.jsonl not found; make it with bench/generate.py --out {args.corpus}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.load_before = os.getloadavg()[0]  # other work on the machine skews timings: report it
    work = Path(tempfile.mkdtemp(prefix=".peers-", dir=args.out.parent))
    try:
        results = run_all(args, [by_name[n] for n in names], work)
        md, report = build_report(args, results, load_docs(args.corpus, args.limit), params)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(md, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(md)
    print(f"[peers] wrote {args.out} and {args.out.with_suffix('.json')}", file=sys.stderr)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
