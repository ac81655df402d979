# mypy: disable-error-code="attr-defined, no-untyped-call"
"""CUDA kernels for the GPU backend (numba.cuda), one thread per document, over the CPU path's own steps.

Why: the GPU backend must give exactly the CPU path's shingle sets, exact-copy hashes and signatures for the
same seed, so every stored sketch and every decision is the same whichever backend ran. The per-document
steps (tokenising, shingle hashing, the exact-copy hash, MinHash, band keys) are
:func:`copydesk.sketch._kernels.per_doc_steps` compiled as CUDA device functions: the same source as the CPU
kernels. What is here is only what differs by target: one thread per document instead of a loop, regions of
flat device arrays instead of allocations, and a sort that needs no scratch memory. ``tests/backends/test_gpu.py``
checks the results against the CPU path in numba's CUDA simulator (no GPU needed) and on a device where one is
present.

Why one thread per document: the work per document is sequential (a UTF-8 scan, a rolling hash, a sort), and
a batch holds thousands of documents, so whole documents are the natural unit of parallel work; nothing is
shared between threads, so there are no atomics and no ordering effects.

Memory layout: per-document regions of one flat array, addressed by CSR offsets computed on the host (token
regions are sized by the CPU kernel's bound, ``bytes // 2 + 1`` per document, and re-run at the exact size in
the rare case a compatibility fold expands past it).

Importing this module needs ``numba.cuda`` but not a GPU: callers go through :mod:`copydesk.backends.gpu`,
which checks for a device first.
"""

from __future__ import annotations

from numba import cuda, types

from ._kernels import per_doc_steps

_u8, _i64, _u64 = (types.Array(dtype, 1, "C") for dtype in (types.uint8, types.int64, types.uint64))

#: Device functions are inlined into each kernel (which also lets the kernels compile to PTX without a device).
_device = cuda.jit(device=True, inline=True)
(_fmix64, _decode, _class_of, _scan_doc, _shingle_count, _doc_shingles, _sequence_of, _minhash_doc, _band_key) = (
    per_doc_steps(_device, _device)
)

#: The argument types each kernel is launched with (``copydesk.backends.gpu`` passes numpy arrays and numpy
#: scalars of exactly these types). Why pinned: numba types a Python int as int64, and ``int64 op uint64`` as
#: float64, so a hash seed passed as a plain int would compile to floating-point maths on a device while the
#: simulator (numpy scalars) still agreed. ``tests/backends/test_gpu.py`` checks every launch against this
#: table, and compiles every kernel to PTX with it to check that no floating-point instruction is left.
LAUNCH_TYPES: dict[str, tuple[types.Type, ...]] = {
    "tokenise": (
        _u8, _i64, types.Array(types.int32, 2, "C"), _u8, _u8, _u8, _u64, _i64, _i64, types.Array(types.boolean, 1, "C"),
    ),
    "shingle_set_rows": (_u64, _i64, _i64, types.int64, types.uint64, _u64, _i64, _i64),
    "gather_rows": (_u64, _i64, _u64, _i64),
    "sequence_hash": (_u64, _i64, _i64, types.uint64, _u64),
    "one_permutation_minhash": (
        _u64, _i64, types.uint64, types.uint64, types.Array(types.uint64, 2, "C"), types.Array(types.uint32, 2, "C"),
    ),
    "band_keys": (types.Array(types.uint32, 2, "C"), types.int64, types.uint64, types.Array(types.uint64, 2, "C")),
}

#: Threads per block: small enough to keep registers per thread generous for these long sequential loops.
THREADS_PER_BLOCK = 64


def blocks_for(n: int) -> int:
    """Blocks needed for one thread per item (at least one, so an empty launch is still well formed)."""
    return max(1, (n + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK)


@cuda.jit
def tokenise(buf, offsets, fold, table, ascii_word, nfc_unsafe, out, out_offsets, counts, unsafe_flags):  # type: ignore[no-untyped-def]
    """``_kernels.token_hashes`` for document ``d`` = thread index: token hashes of ``buf[offsets[d]:offsets[d+1]]``
    into ``out[out_offsets[d]:out_offsets[d+1]]`` while there is room; ``counts[d]`` gets the full count (more
    than the room means: run again with exact room) and ``unsafe_flags[d]`` whether NFC might change the text."""
    d = cuda.grid(1)
    if d >= counts.shape[0]:
        return
    pos = out_offsets[d]
    count, unsafe = _scan_doc(buf, offsets[d], offsets[d + 1], fold, table, ascii_word, nfc_unsafe, out, pos,
                              out_offsets[d + 1] - pos)
    counts[d] = count
    unsafe_flags[d] = unsafe


@cuda.jit(device=True, inline=True)
def _sift_down(a, base, root, end):  # type: ignore[no-untyped-def]
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and a[base + child] < a[base + child + 1]:
            child += 1
        if a[base + root] < a[base + child]:
            tmp = a[base + root]
            a[base + root] = a[base + child]
            a[base + child] = tmp
            root = child
        else:
            return


@cuda.jit
def shingle_set_rows(tokens, tok_offsets, counts, size, seed, out, out_offsets, set_sizes):  # type: ignore[no-untyped-def]
    """``_kernels.shingle_set_rows`` for document ``d``: its shingle hashes (``_kernels._doc_shingles``) into
    ``out[out_offsets[d]:]``, sorted in place (heapsort: no scratch memory) and deduplicated to the front of the
    region; ``set_sizes[d]`` gets the set's size. A sorted set of distinct values is unique, so the sort used
    does not matter to the result."""
    d = cuda.grid(1)
    if d >= counts.shape[0]:
        return
    ntok = counts[d]
    base = out_offsets[d]
    nsh = _shingle_count(ntok, size)
    if nsh == 0:
        set_sizes[d] = 0
        return
    _doc_shingles(tokens, tok_offsets[d], ntok, size, seed, out[base : base + nsh])
    for root in range(nsh // 2 - 1, -1, -1):
        _sift_down(out, base, root, nsh)
    for last in range(nsh - 1, 0, -1):
        tmp = out[base]
        out[base] = out[base + last]
        out[base + last] = tmp
        _sift_down(out, base, 0, last)
    w = 1
    for i in range(1, nsh):
        if out[base + i] != out[base + w - 1]:
            out[base + w] = out[base + i]
            w += 1
    set_sizes[d] = w


@cuda.jit
def gather_rows(src, src_offsets, dst, dst_offsets):  # type: ignore[no-untyped-def]
    """Copy the front ``dst_offsets[d+1] - dst_offsets[d]`` values of row ``d`` of ``src`` into ``dst``."""
    d = cuda.grid(1)
    if d >= dst_offsets.shape[0] - 1:
        return
    s = src_offsets[d]
    t = dst_offsets[d]
    for k in range(dst_offsets[d + 1] - t):
        dst[t + k] = src[s + k]


@cuda.jit
def sequence_hash(tokens, tok_offsets, counts, seed, out):  # type: ignore[no-untyped-def]
    """``_kernels.sequence_hash`` of document ``d``'s token stream."""
    d = cuda.grid(1)
    if d >= counts.shape[0]:
        return
    out[d] = _sequence_of(tokens, tok_offsets[d], tok_offsets[d] + counts[d], seed)


@cuda.jit
def one_permutation_minhash(sets, offsets, seed, probe_seed, bins, out):  # type: ignore[no-untyped-def]
    """``_kernels.one_permutation_minhash`` for document ``d``; ``bins`` is an [n, num_bins] uint64 scratch and
    ``probe_seed`` is ``fmix64(seed ^ 0x9E3779B97F4A7C15)``, computed on the host."""
    d = cuda.grid(1)
    if d >= out.shape[0]:
        return
    _minhash_doc(sets, offsets[d], offsets[d + 1], seed, probe_seed, bins[d], out[d])


@cuda.jit
def band_keys(signatures, rows, seed, out):  # type: ignore[no-untyped-def]
    """``_kernels.band_keys`` of every band at once: ``out[d, band]`` for document ``d``."""
    d = cuda.grid(1)
    if d >= out.shape[0]:
        return
    for band in range(out.shape[1]):
        out[d, band] = _band_key(signatures[d], band, rows, seed)
