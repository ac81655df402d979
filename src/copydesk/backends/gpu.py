"""GPU sketching backend (extra ``[gpu]``: numba-cuda): texts -> shingle sets, exact-copy hashes, signatures and
LSH band keys on a CUDA device, identical to the CPU path for the same seed.

Why numba-cuda: the CPU kernels are numba already, so the GPU kernels compile the very same per-document steps
(``_kernels.per_doc_steps``) as CUDA device functions (see :mod:`copydesk.sketch._cuda_kernels`), which is what
makes "the same signatures on either backend" hold by construction; and numba's CUDA simulator runs the kernels
on a CPU, so the test suite checks them on every machine, with or without a GPU.

What stays on the host: UTF-8 encoding of the texts, NFC composition of the rare text that needs it (flagged by
the tokeniser exactly as on the CPU path), and the prefix sums that size each document's region.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Literal

import numpy as np

from ..config import MinHashConfig, ShingleConfig
from ..errors import ConfigError
from ..sketch import _kernels
from ..sketch.normalize import CHAR_CLASS, FOLD_TABLE, NFC_UNSAFE, compose
from ..sketch.shingle import (
    EXACT_SEED,
    SHINGLE_SEED,
    ShingleSets,
    _encode,
    _replace_rows,
    concat,
    to_compose,
    utf8_size,
)

__all__ = ["band_key_matrix", "gpu_unavailable_reason", "resolve_backend", "sketch"]

#: How the minhash kernel derives its probe sequence's seed (as ``_kernels.one_permutation_minhash`` does).
_PROBE_SALT = np.uint64(0x9E3779B97F4A7C15)


@functools.cache
def gpu_unavailable_reason() -> str | None:
    """Why the GPU backend cannot run here, or None when it can (numba-cuda imports and sees a device, or
    numba's CUDA simulator is switched on with ``NUMBA_ENABLE_CUDASIM=1``). Cached: the answer is a fact of
    the process, and asking the driver is slow."""
    try:
        from numba import cuda
    except Exception as exc:  # noqa: BLE001  (a broken CUDA install raises all sorts)
        return f"numba.cuda cannot be imported ({exc}); install the [gpu] extra"
    try:
        if cuda.is_available():  # type: ignore[no-untyped-call]
            return None
    except Exception as exc:  # noqa: BLE001
        return f"the CUDA driver could not be queried ({exc})"
    return "no CUDA device or driver found (numba.cuda.is_available() is False)"


def resolve_backend(requested: str) -> Literal["numpy", "gpu"]:
    """The backend a run uses: ``numpy`` and ``gpu`` as asked (``gpu`` raises ConfigError, with the reason,
    where it cannot run), ``auto`` the GPU where one is usable and numpy otherwise. Either gives the same
    results."""
    if requested == "numpy":
        return "numpy"
    reason = gpu_unavailable_reason()
    if requested == "gpu":
        if reason is not None:
            raise ConfigError(f"backend 'gpu' cannot run: {reason}")
        return "gpu"
    if requested == "auto":
        return "numpy" if reason is not None else "gpu"
    raise ConfigError(f"unknown backend {requested!r}; use 'numpy', 'gpu' or 'auto'")


def _kernels_module() -> ModuleType:
    from ..sketch import _cuda_kernels

    return _cuda_kernels


def _prefix(sizes: np.ndarray) -> np.ndarray:
    offsets = np.zeros(sizes.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets


def _shingle_counts(token_counts: np.ndarray, size: int) -> np.ndarray:
    """``_kernels._shingle_count`` of every document, vectorised for the host."""
    return np.where(token_counts >= size, token_counts - size + 1, (token_counts > 0).astype(np.int64))


def _device_sketch(
    texts: Sequence[str], shingle: ShingleConfig, minhash: MinHashConfig
) -> tuple[ShingleSets, np.ndarray, np.ndarray]:
    """(shingle sets, signatures, NFC flags) of the texts as encoded, before any NFC re-run."""
    from numba import cuda

    k = _kernels_module()
    n = len(texts)
    buf, offsets = _encode(texts)
    d_buf = cuda.to_device(buf if buf.shape[0] else np.zeros(1, dtype=np.uint8))
    d_offsets = cuda.to_device(offsets)
    d_fold, d_table = cuda.to_device(FOLD_TABLE), cuda.to_device(CHAR_CLASS)
    d_ascii = cuda.to_device(_kernels.ascii_word_table(FOLD_TABLE, CHAR_CLASS))
    d_unsafe = cuda.to_device(NFC_UNSAFE)
    grid = k.blocks_for(n)

    # tokens: room for the CPU kernel's bound per doc; a doc whose folds expand past it is run again exactly
    room = _prefix(np.diff(offsets) // 2 + 1)
    counts = np.zeros(n, dtype=np.int64)
    flags = np.zeros(n, dtype=np.bool_)
    for _attempt in range(2):
        d_tokens = cuda.device_array(max(int(room[-1]), 1), dtype=np.uint64)
        d_room = cuda.to_device(room)
        d_counts, d_flags = cuda.to_device(counts), cuda.to_device(flags)
        k.tokenise[grid, k.THREADS_PER_BLOCK](
            d_buf, d_offsets, d_fold, d_table, d_ascii, d_unsafe, d_tokens, d_room, d_counts, d_flags
        )
        counts = d_counts.copy_to_host()
        if bool(np.all(counts <= np.diff(room))):
            break
        room = _prefix(np.maximum(counts, np.diff(room)))
    flags = d_flags.copy_to_host()

    # shingle sets: each doc's shingles sorted and deduplicated in its own region, then packed
    sh_offsets = _prefix(_shingle_counts(counts, shingle.size))
    d_shingles = cuda.device_array(max(int(sh_offsets[-1]), 1), dtype=np.uint64)
    d_sh_offsets = cuda.to_device(sh_offsets)
    d_set_sizes = cuda.device_array(n, dtype=np.int64)
    k.shingle_set_rows[grid, k.THREADS_PER_BLOCK](
        d_tokens, d_room, d_counts, np.int64(shingle.size), SHINGLE_SEED, d_shingles, d_sh_offsets, d_set_sizes
    )
    set_offsets = _prefix(d_set_sizes.copy_to_host())
    d_sets = cuda.device_array(max(int(set_offsets[-1]), 1), dtype=np.uint64)
    d_set_offsets = cuda.to_device(set_offsets)
    k.gather_rows[grid, k.THREADS_PER_BLOCK](d_shingles, d_sh_offsets, d_sets, d_set_offsets)

    d_exact = cuda.device_array(n, dtype=np.uint64)
    k.sequence_hash[grid, k.THREADS_PER_BLOCK](d_tokens, d_room, d_counts, EXACT_SEED, d_exact)

    # numpy scalars, not Python ints: a kernel is compiled for its arguments' types (see LAUNCH_TYPES), and the
    # compiled fmix64 returns a Python int
    seed = np.uint64(minhash.seed)
    probe_seed = np.uint64(_kernels.fmix64(seed ^ _PROBE_SALT))
    d_bins = cuda.device_array((n, minhash.num_perm), dtype=np.uint64)
    d_sigs = cuda.device_array((n, minhash.num_perm), dtype=np.uint32)
    k.one_permutation_minhash[grid, k.THREADS_PER_BLOCK](d_sets, d_set_offsets, seed, probe_seed, d_bins, d_sigs)

    values = d_sets.copy_to_host()[: int(set_offsets[-1])]
    sets = ShingleSets(values=values, offsets=set_offsets, exact=d_exact.copy_to_host())
    return sets, d_sigs.copy_to_host(), flags


#: Most UTF-8 bytes of text sketched in one round of launches. Device memory per round is about 12 bytes per
#: byte of text (tokens, shingles, sets) plus the signatures, so this bounds it near 1 GB however large the
#: batch; a single longer text still goes in a round of its own.
MAX_BYTES_PER_ROUND = 64 * 1024 * 1024


def _rounds(texts: Sequence[str], max_bytes: int) -> list[tuple[int, int]]:
    """Consecutive (start, end) ranges of ``texts`` of at most ``max_bytes`` UTF-8 bytes each (at least one
    text each)."""
    out: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, text in enumerate(texts):
        length = utf8_size(text)
        if i > start and size + length > max_bytes:
            out.append((start, i))
            start, size = i, 0
        size += length
    out.append((start, len(texts)))
    return out


def sketch(
    texts: Sequence[str], shingle: ShingleConfig, minhash: MinHashConfig, max_bytes: int = MAX_BYTES_PER_ROUND
) -> tuple[ShingleSets, np.ndarray]:
    """Shingle sets and signatures of ``texts`` on the GPU: the same values as
    ``shingle_sets(texts, shingle)`` and ``signatures(sets, minhash)`` on the CPU. Texts go to the device in
    rounds of at most ``max_bytes`` (each doc is sketched alone, so rounds never change a result)."""
    if not texts:
        empty = np.empty(0, dtype=np.uint64)
        return ShingleSets(empty, np.zeros(1, dtype=np.int64), empty), np.empty((0, minhash.num_perm), np.uint32)
    parts = [_sketch_round(texts[a:b], shingle, minhash) for a, b in _rounds(texts, max_bytes)]
    if len(parts) == 1:
        return parts[0]
    return concat([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _sketch_round(
    texts: Sequence[str], shingle: ShingleConfig, minhash: MinHashConfig
) -> tuple[ShingleSets, np.ndarray]:
    sets, sigs, flags = _device_sketch(texts, shingle, minhash)
    redo = to_compose(texts, flags)
    if not redo:
        return sets, sigs
    again, again_sigs, _ = _device_sketch([compose(texts[d]) for d in redo], shingle, minhash)
    values, offsets = _replace_rows(sets.values, sets.offsets, redo, again.values, again.offsets)
    exact = sets.exact.copy()
    exact[redo] = again.exact
    sigs = sigs.copy()
    sigs[redo] = again_sigs
    return ShingleSets(values=values, offsets=offsets, exact=exact), sigs


def band_key_matrix(signatures: np.ndarray, bands: int, rows: int, seed: np.uint64) -> np.ndarray:
    """[n, bands] LSH band keys on the GPU: column b equals ``_kernels.band_keys(signatures, b, rows, seed)``."""
    from numba import cuda

    k = _kernels_module()
    n = signatures.shape[0]
    out: Any = cuda.device_array((max(n, 1), bands), dtype=np.uint64)
    if n:
        d_sigs = cuda.to_device(np.ascontiguousarray(signatures))
        k.band_keys[k.blocks_for(n), k.THREADS_PER_BLOCK](d_sigs, np.int64(rows), np.uint64(seed), out)
    result: np.ndarray = out.copy_to_host()[:n]
    return result
