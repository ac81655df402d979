"""Compiled hot loops (numba). Pure functions over arrays; no Python objects per token or per permutation.

Hashing: a token is hashed with FNV-1a over its UTF-8 bytes and finished with the 64-bit murmur3 finaliser
(``fmix64``), which gives xxhash-grade avalanche for this use; a shingle chains ``fmix64`` over its tokens, so
word order matters. Everything is seeded explicitly and is independent of how documents are batched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, prange

#: A compiling decorator (``njit(...)``, ``cuda.jit(device=True, ...)``).
Compile = Callable[[Callable[..., Any]], Any]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
EMPTY_BIN = np.uint64(0xFFFFFFFFFFFFFFFF)
_ROLL_PRIME = np.uint64(0x9E3779B97F4A7C15)


def per_doc_steps(leaf: Compile, body: Compile) -> tuple[Any, ...]:
    """The per-document steps of sketching, compiled by the given decorators: ``leaf`` for the small ones,
    ``body`` for the tokeniser's scan.

    Why a factory: the CPU drivers below (``njit``) and the GPU kernels in :mod:`._cuda_kernels`
    (``numba.cuda`` device functions) run this one source, so a sketch cannot differ between backends by a
    slip in a port. The steps call each other through the closure, so each target's steps call their own
    target's versions. Only what is the same on both targets is here: allocation, the loop over documents
    and the sort stay with each target's driver.

    Returns (fmix64, decode, class_of, scan_doc, shingle_count, doc_shingles, sequence_of, minhash_doc,
    band_key).
    """

    @leaf
    def fmix64(h):  # type: ignore[no-untyped-def]
        h ^= h >> _S33
        h *= _M1
        h ^= h >> _S33
        h *= _M2
        h ^= h >> _S33
        return h

    @leaf
    def decode(buf, i):  # type: ignore[no-untyped-def]
        """Decode one UTF-8 code point at ``buf[i]``; returns (code point, byte length). Invalid bytes -> U+FFFD."""
        b0 = int(buf[i])
        n = buf.shape[0]
        if b0 < 0x80:
            return b0, 1
        if b0 >= 0xF0 and i + 3 < n:
            return ((b0 & 0x07) << 18) | ((int(buf[i + 1]) & 0x3F) << 12) | ((int(buf[i + 2]) & 0x3F) << 6) | (
                int(buf[i + 3]) & 0x3F
            ), 4
        if b0 >= 0xE0 and i + 2 < n:
            return ((b0 & 0x0F) << 12) | ((int(buf[i + 1]) & 0x3F) << 6) | (int(buf[i + 2]) & 0x3F), 3
        if b0 >= 0xC0 and i + 1 < n:
            return ((b0 & 0x1F) << 6) | (int(buf[i + 1]) & 0x3F), 2
        return 0xFFFD, 1

    @leaf
    def class_of(code, table):  # type: ignore[no-untyped-def]
        if code < 0x10000:
            return int(table[code])
        if 0x20000 <= code <= 0x3FFFF:
            return 2
        return 0

    @body
    def scan_doc(buf, start, end, fold, table, ascii_word, nfc_unsafe, out, pos, room):  # type: ignore[no-untyped-def]
        """Hash the tokens of ``buf[start:end]`` into ``out[pos:pos + room]`` while there is room; return the
        count (which may exceed the room: the caller then retries with an exact allocation) and whether the
        text holds a code point that NFC composition might change (``nfc_unsafe``; every code point above the
        BMP counts).

        Each code point is folded through ``fold`` (NFKC + case fold, up to 4 code points), each folded code
        point classified by ``table``; a token's hash is FNV-1a over its folded code points, finished by
        ``fmix64``. ASCII bytes take one lookup in ``ascii_word`` (the folded byte of a word character, else 0).
        """
        count = 0
        h = _FNV_OFFSET
        in_word = False
        unsafe = False
        i = start
        width = fold.shape[1]
        while i < end:
            byte = buf[i]
            if byte < 0x80:  # ASCII fast path: one folded code point, never a single-character token
                folded = ascii_word[byte]
                i += 1
                if folded != 0:
                    if not in_word:
                        h = _FNV_OFFSET
                        in_word = True
                    h = (h ^ np.uint64(folded)) * _FNV_PRIME
                elif in_word:
                    if count < room:
                        out[pos + count] = fmix64(h)
                    count += 1
                    in_word = False
                continue
            code, length = decode(buf, i)
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
                kind = class_of(cp, table)
                if kind == 1:
                    if not in_word:
                        h = _FNV_OFFSET
                        in_word = True
                    h = (h ^ np.uint64(cp)) * _FNV_PRIME
                    continue
                if in_word:
                    if count < room:
                        out[pos + count] = fmix64(h)
                    count += 1
                    in_word = False
                if kind == 2:
                    if count < room:
                        out[pos + count] = fmix64((_FNV_OFFSET ^ np.uint64(cp)) * _FNV_PRIME)
                    count += 1
        if in_word:
            if count < room:
                out[pos + count] = fmix64(h)
            count += 1
        return count, unsafe

    @leaf
    def shingle_count(ntok, size):  # type: ignore[no-untyped-def]
        return ntok - size + 1 if ntok >= size else (1 if ntok > 0 else 0)

    @leaf
    def doc_shingles(tokens, t0, ntok, size, seed, out):  # type: ignore[no-untyped-def]
        """Write the ordered shingle hashes of one doc's tokens (``tokens[t0:t0 + ntok]``) into ``out``."""
        width = min(size, ntok)
        if width == 0:
            return
        prime = _ROLL_PRIME
        top = np.uint64(1)  # P ** (width - 1)
        for _ in range(width - 1):
            top *= prime
        h = np.uint64(0)
        for j in range(width):
            h = h * prime + tokens[t0 + j]
        out[0] = fmix64(h ^ seed)
        for s in range(1, shingle_count(ntok, size)):
            h = (h - tokens[t0 + s - 1] * top) * prime + tokens[t0 + s + width - 1]
            out[s] = fmix64(h ^ seed)

    @leaf
    def sequence_of(values, lo, hi, seed):  # type: ignore[no-untyped-def]
        """One 64-bit hash of the ordered ``values[lo:hi]``."""
        h = seed
        for k in range(lo, hi):
            h = fmix64(h ^ values[k]) + np.uint64(k - lo)
        return fmix64(h ^ np.uint64(hi - lo))

    @leaf
    def minhash_doc(sets, lo, hi, seed, probe_seed, bins, out_row):  # type: ignore[no-untyped-def]
        """One doc's one-permutation MinHash (``sets[lo:hi]``) into ``out_row``; ``bins`` is uint64 scratch of
        the same length. See ``one_permutation_minhash``."""
        num_bins = out_row.shape[0]
        k = np.uint64(num_bins)
        for b in range(num_bins):
            bins[b] = EMPTY_BIN
        for i in range(lo, hi):
            v = fmix64(sets[i] ^ seed)
            lane = ((v >> _S32) * k) >> _S32
            if v < bins[lane]:
                bins[lane] = v
        filled = 0
        for b in range(num_bins):
            if bins[b] != EMPTY_BIN:
                filled += 1
        for b in range(num_bins):
            if bins[b] != EMPTY_BIN:
                out_row[b] = np.uint32(bins[b] & _LOW32)
            elif filled == 0:
                out_row[b] = np.uint32(0xFFFFFFFF)
            else:
                attempt = np.uint64(0)
                while True:
                    r = fmix64(probe_seed ^ ((np.uint64(b) << _S32) | attempt))
                    c = ((r >> _S32) * k) >> _S32
                    if bins[c] != EMPTY_BIN:
                        out_row[b] = np.uint32(bins[c] & _LOW32)
                        break
                    attempt += np.uint64(1)

    @leaf
    def band_key(signature, band, rows, seed):  # type: ignore[no-untyped-def]
        """Hash of band ``band`` (``rows`` consecutive lanes) of one signature."""
        h = seed ^ np.uint64(band)
        start = band * rows
        for r in range(rows):
            h = fmix64(h ^ np.uint64(signature[start + r]))
        return h

    return fmix64, decode, class_of, scan_doc, shingle_count, doc_shingles, sequence_of, minhash_doc, band_key


(fmix64, _decode, _class_of, _scan_doc, _shingle_count, _doc_shingles, _sequence_of, _minhash_doc, _band_key) = (
    per_doc_steps(njit(inline="always"), njit(nogil=True))
)


@njit(cache=True, nogil=True)
def ascii_word_table(fold: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The folded byte of each ASCII word character, else 0: ``scan_doc``'s one-lookup path for ASCII."""
    ascii_word = np.zeros(0x80, dtype=np.uint8)
    for byte in range(0x80):
        if table[fold[byte, 0]] == 1:
            ascii_word[byte] = fold[byte, 0]
    return ascii_word


@njit(cache=True, nogil=True)
def token_hashes(
    buf: np.ndarray, offsets: np.ndarray, fold: np.ndarray, table: np.ndarray, nfc_unsafe: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token hashes of every document; ``offsets`` (n+1) delimit docs in ``buf``. Returns (hashes, CSR offsets,
    per-doc flags: True where the text holds a code point that NFC composition might change, so the caller
    checks that doc and re-tokenises its composed form if it is not composed already).

    One pass in the usual case: a token needs a byte and a separator, so ``len(buf) // 2 + n`` slots suffice
    unless compatibility folds expand characters into several tokens.
    """
    ascii_word = ascii_word_table(fold, table)
    n = offsets.shape[0] - 1
    tok_offsets = np.zeros(n + 1, dtype=np.int64)
    flags = np.zeros(n, dtype=np.bool_)
    out = np.empty(buf.shape[0] // 2 + n + 1, dtype=np.uint64)
    for d in range(n):
        pos = tok_offsets[d]
        count, unsafe = _scan_doc(buf, offsets[d], offsets[d + 1], fold, table, ascii_word, nfc_unsafe, out, pos,
                                  out.shape[0] - pos)
        tok_offsets[d + 1] = tok_offsets[d] + count
        flags[d] = unsafe
    if tok_offsets[n] > out.shape[0]:  # folds that expand (e.g. one sign -> four ideographs): redo, exact size
        out = np.empty(tok_offsets[n], dtype=np.uint64)
        for d in range(n):
            _scan_doc(buf, offsets[d], offsets[d + 1], fold, table, ascii_word, nfc_unsafe, out, tok_offsets[d],
                      out.shape[0] - tok_offsets[d])
    return out[: tok_offsets[n]].copy(), tok_offsets, flags


@njit(cache=True, nogil=True)
def shingle_hashes(tokens: np.ndarray, tok_offsets: np.ndarray, size: int, seed: np.uint64) -> tuple[
    np.ndarray, np.ndarray
]:
    """Ordered (not deduplicated) hashes of every word ``size``-gram; a doc shorter than ``size`` tokens gets one
    shingle of all its tokens, so short texts still match exactly.

    A window's hash is the polynomial ``sum(t[j] * P**(size-1-j))`` of its (already mixed) token hashes, rolled
    in O(1) per shingle, then seeded and finished with ``fmix64`` so order and position matter.
    """
    n = tok_offsets.shape[0] - 1
    sh_offsets = np.zeros(n + 1, dtype=np.int64)
    for d in range(n):
        sh_offsets[d + 1] = sh_offsets[d] + _shingle_count(tok_offsets[d + 1] - tok_offsets[d], size)
    out = np.empty(sh_offsets[n], dtype=np.uint64)
    for d in range(n):
        _doc_shingles(tokens, tok_offsets[d], tok_offsets[d + 1] - tok_offsets[d], size, seed,
                      out[sh_offsets[d] : sh_offsets[d + 1]])
    return out, sh_offsets


@njit(cache=True, nogil=True)
def shingle_set_rows(tokens: np.ndarray, tok_offsets: np.ndarray, size: int, seed: np.uint64) -> tuple[
    np.ndarray, np.ndarray
]:
    """``unique_per_doc(*shingle_hashes(...))`` in one pass: each doc's shingles go to a scratch row and are
    sorted and deduplicated from there, so the ordered hashes of the whole batch are never written out."""
    n = tok_offsets.shape[0] - 1
    total = 0
    longest = 0
    for d in range(n):
        count = _shingle_count(tok_offsets[d + 1] - tok_offsets[d], size)
        total += count
        longest = max(longest, count)
    out = np.empty(total, dtype=np.uint64)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    row = np.empty(longest, dtype=np.uint64)
    scratch = np.empty(longest, dtype=np.uint64)
    counts = np.empty((1 << 16) + 1, dtype=np.int64)
    w = 0
    for d in range(n):
        ntok = tok_offsets[d + 1] - tok_offsets[d]
        count = _shingle_count(ntok, size)
        _doc_shingles(tokens, tok_offsets[d], ntok, size, seed, row)
        w += _sort_unique_hashes(row[:count], out[w:], scratch, counts)
        out_offsets[d + 1] = w
    return out[:w], out_offsets


@njit(cache=True, nogil=True)
def _sort_unique_hashes(row: np.ndarray, out: np.ndarray, scratch: np.ndarray, counts: np.ndarray) -> int:
    """Sort uniformly distributed 64-bit hashes and drop repeats, writing into ``out``; returns the count.

    Bucket sort on the top bits (about one value per bucket, which measured faster than two or four) then
    insertion sort inside each bucket: expected O(n), several times faster than a comparison sort on shingle
    hashes, which are uniform by construction.
    """
    n = row.shape[0]
    if n == 0:
        return 0
    bits = 1
    while (1 << bits) < n and bits < 16:
        bits += 1
    nb = 1 << bits
    shift = np.uint64(64 - bits)
    counts[: nb + 1] = 0
    for i in range(n):
        counts[int(row[i] >> shift) + 1] += 1
    for b in range(nb):
        counts[b + 1] += counts[b]
    for i in range(n):
        b = int(row[i] >> shift)
        scratch[counts[b]] = row[i]
        counts[b] += 1
    # counts[b] is now the end of bucket b; bucket b starts at counts[b - 1] (0 for the first)
    start = 0
    for b in range(nb):
        end = counts[b]
        for i in range(start + 1, end):
            v = scratch[i]
            j = i - 1
            while j >= start and scratch[j] > v:
                scratch[j + 1] = scratch[j]
                j -= 1
            scratch[j + 1] = v
        start = end
    w = 0
    for i in range(n):
        if i == 0 or scratch[i] != scratch[i - 1]:
            out[w] = scratch[i]
            w += 1
    return w


@njit(cache=True, nogil=True)
def sequence_hash(values: np.ndarray, offsets: np.ndarray, seed: np.uint64) -> np.ndarray:
    """One 64-bit hash of each row's ordered values (two docs with the same token stream are exact copies)."""
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.uint64)
    for d in range(n):
        out[d] = _sequence_of(values, offsets[d], offsets[d + 1], seed)
    return out


@njit(cache=True, nogil=True, parallel=True)
def one_permutation_minhash(sets: np.ndarray, offsets: np.ndarray, num_bins: int, seed: np.uint64) -> np.ndarray:
    """One-permutation MinHash with optimal densification (Shrivastava, ICML 2017).

    Each shingle is hashed once and falls in one of ``num_bins`` bins by its high bits; a bin keeps the minimum.
    Empty bins borrow the value of a non-empty bin chosen by a seeded probe sequence that depends only on the bin
    index, so two docs with the same non-empty bins fill them alike. Cost O(shingles + bins) instead of
    O(shingles x permutations). The low 32 bits of the winning hash are kept (uint32 lanes).
    """
    n = offsets.shape[0] - 1
    out = np.empty((n, num_bins), dtype=np.uint32)
    probe_seed = fmix64(seed ^ np.uint64(0x9E3779B97F4A7C15))
    for d in prange(n):
        bins = np.empty(num_bins, dtype=np.uint64)
        _minhash_doc(sets, offsets[d], offsets[d + 1], seed, probe_seed, bins, out[d])
    return out


@njit(cache=True, nogil=True)
def band_keys(signatures: np.ndarray, band: int, rows: int, seed: np.uint64) -> np.ndarray:
    """Hash of one LSH band (``rows`` consecutive lanes) of every signature."""
    n = signatures.shape[0]
    out = np.empty(n, dtype=np.uint64)
    for d in range(n):
        out[d] = _band_key(signatures[d], band, rows, seed)
    return out


@njit(cache=True, nogil=True)
def sampled_fingerprints(sets: np.ndarray, offsets: np.ndarray, modulus: int, seed: np.uint64) -> tuple[
    np.ndarray, np.ndarray
]:
    """Content-defined sample of each shingle set (hash = 0 mod ``modulus``): passage fingerprints that two
    texts sharing a passage share too, whatever surrounds it. Returns (fingerprints, CSR offsets)."""
    n = offsets.shape[0] - 1
    m = np.uint64(modulus)
    keep = np.empty(sets.shape[0], dtype=np.bool_)
    for i in range(sets.shape[0]):
        keep[i] = fmix64(sets[i] ^ seed) % m == 0
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    for d in range(n):
        c = 0
        for i in range(offsets[d], offsets[d + 1]):
            if keep[i]:
                c += 1
        out_offsets[d + 1] = out_offsets[d] + c
    out = np.empty(out_offsets[n], dtype=np.uint64)
    w = 0
    for i in range(sets.shape[0]):
        if keep[i]:
            out[w] = sets[i]
            w += 1
    return out, out_offsets


@njit(cache=True, nogil=True)
def pairs_from_runs(sorted_keys: np.ndarray, docs: np.ndarray, max_run: int, skip_long: bool) -> np.ndarray:
    """Pairs of docs sharing a key. ``docs`` is ordered by (key, doc). A run longer than ``max_run`` is skipped
    when ``skip_long`` (a passage fingerprint held by that many docs is boilerplate or a stock phrase), or else
    pairs each member with the run's first ``max_run`` docs only, which keeps the output linear in the run
    length (the clustering stage verifies any missing link to a canonical doc directly). Pairs are coded
    ``lo << 32 | hi``."""
    n = sorted_keys.shape[0]
    total = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        length = j - i
        if length > 1 and not (skip_long and length > max_run):
            if length <= max_run:
                total += length * (length - 1) // 2
            else:
                total += max_run * (max_run - 1) // 2 + (length - max_run) * max_run
        i = j
    out = np.empty(total, dtype=np.uint64)
    w = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        if skip_long and j - i > max_run:
            i = j
            continue
        for a in range(i, j):
            limit = a if a - i < max_run else i + max_run
            for b in range(i, limit):
                lo = docs[b]
                hi = docs[a]
                if lo > hi:
                    lo, hi = hi, lo
                if lo != hi:
                    out[w] = (np.uint64(lo) << _S32) | np.uint64(hi)
                    w += 1
        i = j
    return out[:w]


@njit(cache=True, nogil=True, inline="always")
def _common_count(a: np.ndarray, i: int, i_end: int, b: np.ndarray, j: int, j_end: int) -> int:
    """How many values ``a[i:i_end]`` and ``b[j:j_end]`` (each sorted, without repeats) share: a merge walk."""
    c = 0
    while i < i_end and j < j_end:
        x = a[i]
        y = b[j]
        if x == y:
            c += 1
            i += 1
            j += 1
        elif x < y:
            i += 1
        else:
            j += 1
    return c


@njit(cache=True, nogil=True)
def intersection_sizes(
    values: np.ndarray, starts: np.ndarray, ends: np.ndarray, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """Exact |A ∩ B| of sorted shingle sets for every candidate pair: doc i's set is ``values[starts[i]:ends[i]]``
    (a CSR table's ``offsets[:-1]`` and ``offsets[1:]``)."""
    m = left.shape[0]
    out = np.empty(m, dtype=np.int64)
    for p in range(m):
        a, b = left[p], right[p]
        out[p] = _common_count(values, starts[a], ends[a], values, starts[b], ends[b])
    return out


@njit(cache=True, nogil=True)
def intersection_sizes_in_files(
    files: Any, file_of: np.ndarray, starts: np.ndarray, ends: np.ndarray, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """``intersection_sizes`` over a table kept as one array per batch file (a typed list, ``files``): doc i's
    set is ``files[file_of[i]][starts[i]:ends[i]]``."""
    m = left.shape[0]
    out = np.empty(m, dtype=np.int64)
    for p in range(m):
        a, b = left[p], right[p]
        out[p] = _common_count(files[file_of[a]], starts[a], ends[a], files[file_of[b]], starts[b], ends[b])
    return out
