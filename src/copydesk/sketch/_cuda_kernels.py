"""CUDA ports of the sketching kernels in :mod:`copydesk.sketch._kernels` (numba.cuda), one thread per document.

Why a port and not new maths: the GPU backend must give exactly the CPU path's shingle sets, exact-copy hashes
and signatures for the same seed, so every stored sketch and every decision is the same whichever backend ran.
Each kernel below is the CPU loop of the same name with the document loop replaced by the thread index, the
same constants and the same integer types; ``tests/sketch/test_gpu.py`` checks the two against each other in
numba's CUDA simulator (no GPU needed) and on a device where one is present.

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

import numpy as np
from numba import cuda

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_EMPTY_BIN = np.uint64(0xFFFFFFFFFFFFFFFF)
_ROLL_PRIME = np.uint64(0x9E3779B97F4A7C15)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)

#: Threads per block: small enough to keep registers per thread generous for these long sequential loops.
THREADS_PER_BLOCK = 64


def blocks_for(n: int) -> int:
    """Blocks needed for one thread per item (at least one, so an empty launch is still well formed)."""
    return max(1, (n + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK)


@cuda.jit(device=True, inline=True)
def _fmix64(h):  # type: ignore[no-untyped-def]
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


@cuda.jit(device=True, inline=True)
def _class_of(code, table):  # type: ignore[no-untyped-def]
    if code < 0x10000:
        return int(table[code])
    if 0x20000 <= code <= 0x3FFFF:
        return 2
    return 0


@cuda.jit
def tokenise(buf, offsets, fold, table, ascii_word, nfc_unsafe, out, out_offsets, counts, unsafe_flags):  # type: ignore[no-untyped-def]
    """``_kernels._scan_doc`` for document ``d`` = thread index: token hashes of ``buf[offsets[d]:offsets[d+1]]``
    into ``out[out_offsets[d]:out_offsets[d+1]]`` while there is room; ``counts[d]`` gets the full count (more
    than the room means: run again with exact room) and ``unsafe_flags[d]`` whether NFC might change the text."""
    d = cuda.grid(1)
    if d >= counts.shape[0]:
        return
    start = offsets[d]
    end = offsets[d + 1]
    n = buf.shape[0]
    pos = out_offsets[d]
    room = out_offsets[d + 1] - pos
    width = fold.shape[1]
    count = 0
    h = _FNV_OFFSET
    in_word = False
    unsafe = False
    i = start
    while i < end:
        byte = buf[i]
        if byte < 0x80:
            folded = ascii_word[byte]
            i += 1
            if folded != 0:
                if not in_word:
                    h = _FNV_OFFSET
                    in_word = True
                h = (h ^ np.uint64(folded)) * _FNV_PRIME
            elif in_word:
                if count < room:
                    out[pos + count] = _fmix64(h)
                count += 1
                in_word = False
            continue
        # UTF-8 decode, invalid bytes -> U+FFFD (as _kernels._decode)
        b0 = int(byte)
        if b0 >= 0xF0 and i + 3 < n:
            code = ((b0 & 0x07) << 18) | ((int(buf[i + 1]) & 0x3F) << 12) | ((int(buf[i + 2]) & 0x3F) << 6) | (
                int(buf[i + 3]) & 0x3F)
            length = 4
        elif b0 >= 0xE0 and i + 2 < n:
            code = ((b0 & 0x0F) << 12) | ((int(buf[i + 1]) & 0x3F) << 6) | (int(buf[i + 2]) & 0x3F)
            length = 3
        elif b0 >= 0xC0 and i + 1 < n:
            code = ((b0 & 0x1F) << 6) | (int(buf[i + 1]) & 0x3F)
            length = 2
        else:
            code = 0xFFFD
            length = 1
        i += length
        if code >= 0x10000 or nfc_unsafe[code] != 0:
            unsafe = True
        for f in range(width):
            if code < 0x10000:
                cp = int(fold[code, f])
                if cp < 0:
                    break
            elif f == 0:
                cp = code
            else:
                break
            kind = _class_of(cp, table)
            if kind == 1:
                if not in_word:
                    h = _FNV_OFFSET
                    in_word = True
                h = (h ^ np.uint64(cp)) * _FNV_PRIME
                continue
            if in_word:
                if count < room:
                    out[pos + count] = _fmix64(h)
                count += 1
                in_word = False
            if kind == 2:
                if count < room:
                    out[pos + count] = _fmix64((_FNV_OFFSET ^ np.uint64(cp)) * _FNV_PRIME)
                count += 1
    if in_word:
        if count < room:
            out[pos + count] = _fmix64(h)
        count += 1
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
    t0 = tok_offsets[d]
    ntok = counts[d]
    base = out_offsets[d]
    width = min(size, ntok)
    if width == 0:
        set_sizes[d] = 0
        return
    nsh = ntok - size + 1 if ntok >= size else 1
    top = _ONE
    for _ in range(width - 1):
        top *= _ROLL_PRIME
    h = _ZERO
    for j in range(width):
        h = h * _ROLL_PRIME + tokens[t0 + j]
    out[base] = _fmix64(h ^ seed)
    for s in range(1, nsh):
        h = (h - tokens[t0 + s - 1] * top) * _ROLL_PRIME + tokens[t0 + s + width - 1]
        out[base + s] = _fmix64(h ^ seed)
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
    t0 = tok_offsets[d]
    ntok = counts[d]
    h = seed
    for k in range(ntok):
        h = _fmix64(h ^ tokens[t0 + k]) + np.uint64(k)
    out[d] = _fmix64(h ^ np.uint64(ntok))


@cuda.jit
def one_permutation_minhash(sets, offsets, seed, probe_seed, bins, out):  # type: ignore[no-untyped-def]
    """``_kernels.one_permutation_minhash`` for document ``d``; ``bins`` is an [n, num_bins] uint64 scratch and
    ``probe_seed`` is ``fmix64(seed ^ 0x9E3779B97F4A7C15)``, computed on the host."""
    d = cuda.grid(1)
    if d >= out.shape[0]:
        return
    num_bins = out.shape[1]
    k = np.uint64(num_bins)
    for b in range(num_bins):
        bins[d, b] = _EMPTY_BIN
    for i in range(offsets[d], offsets[d + 1]):
        v = _fmix64(sets[i] ^ seed)
        lane = ((v >> _S32) * k) >> _S32
        if v < bins[d, lane]:
            bins[d, lane] = v
    filled = 0
    for b in range(num_bins):
        if bins[d, b] != _EMPTY_BIN:
            filled += 1
    for b in range(num_bins):
        if bins[d, b] != _EMPTY_BIN:
            out[d, b] = np.uint32(bins[d, b] & _LOW32)
        elif filled == 0:
            out[d, b] = np.uint32(0xFFFFFFFF)
        else:
            attempt = _ZERO
            while True:
                r = _fmix64(probe_seed ^ ((np.uint64(b) << _S32) | attempt))
                c = ((r >> _S32) * k) >> _S32
                if bins[d, c] != _EMPTY_BIN:
                    out[d, b] = np.uint32(bins[d, c] & _LOW32)
                    break
                attempt += _ONE


@cuda.jit
def band_keys(signatures, rows, seed, out):  # type: ignore[no-untyped-def]
    """``_kernels.band_keys`` of every band at once: ``out[d, band]`` for document ``d``."""
    d = cuda.grid(1)
    if d >= out.shape[0]:
        return
    for band in range(out.shape[1]):
        h = seed ^ np.uint64(band)
        start = band * rows
        for r in range(rows):
            h = _fmix64(h ^ np.uint64(signatures[d, start + r]))
        out[d, band] = h
