"""What the index keeps of a doc's words: its token stream, as small integers into one vocabulary, varint-packed.

Why tokens and not shingles: a doc's shingle set (8 bytes a shingle) and its shingles in text order (4 bytes
each) are both functions of its token hashes (``sketch.shingle.sketch_tokens``), which the index can keep in
far less room. Each distinct token hash gets an id the first time the index meets it (in order of first
appearance, so the common words of the language get the smallest ids), and a doc keeps its ids as LEB128
varints: one byte for the ~128 commonest words, two for the next 16,000, three beyond. On the bench corpus
that is about 1.5 bytes a token against 12 for the two shingle tables. Loading a doc computes its shingles
again, exactly as the batch computed them (a test checks the round trip; storing checks each doc's exact-copy
hash against the batch's).

No text is kept this way, but the ids do stand for words: anyone holding the vocabulary's hashes and a word
list could read most of a doc back. An index is as confidential as the crawl it was built from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def pack_rows(ids: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LEB128 varints of each row of a CSR table of uint32 ``ids``: (bytes, byte offsets per row)."""
    n = offsets.shape[0] - 1
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    total = 0
    for k in range(ids.shape[0]):
        v = ids[k]
        total += 1
        while v >= 128:
            v >>= 7
            total += 1
    out = np.empty(total, dtype=np.uint8)
    w = 0
    for d in range(n):
        for k in range(offsets[d], offsets[d + 1]):
            v = np.uint64(ids[k])
            while v >= 128:
                out[w] = np.uint8((v & np.uint64(127)) | np.uint64(128))
                v >>= np.uint64(7)
                w += 1
            out[w] = np.uint8(v)
            w += 1
        out_offsets[d + 1] = w
    return out, out_offsets


@njit(cache=True, nogil=True)
def unpack_rows(buf: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR table of uint32 ids that :func:`pack_rows` packed into ``buf`` (rows delimited by ``offsets``)."""
    n = offsets.shape[0] - 1
    count = 0
    for k in range(buf.shape[0]):
        if buf[k] < 128:
            count += 1
    out = np.empty(count, dtype=np.uint32)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    w = 0
    for d in range(n):
        v = np.uint64(0)
        shift = np.uint64(0)
        for k in range(offsets[d], offsets[d + 1]):
            b = np.uint64(buf[k])
            v |= (b & np.uint64(127)) << shift
            if b < 128:
                out[w] = np.uint32(v)
                w += 1
                v = np.uint64(0)
                shift = np.uint64(0)
            else:
                shift += np.uint64(7)
        out_offsets[d + 1] = w
    return out, out_offsets


_MIX = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True)
def _insert(keys: np.ndarray, ids: np.ndarray, hashes: np.ndarray, first_id: int) -> None:
    """Put ``hashes`` (distinct, none in the table) into an open-addressing table with ids ``first_id ..``
    (a slot holds the hash and its id + 1; 0: empty)."""
    mask = np.uint64(keys.shape[0] - 1)
    for i in range(hashes.shape[0]):
        h = hashes[i]
        slot = ((h * _MIX) >> np.uint64(29)) & mask
        while ids[slot] != 0:
            slot = (slot + np.uint64(1)) & mask
        keys[slot] = h
        ids[slot] = first_id + i + 1


@njit(cache=True, nogil=True)
def _encode(tokens: np.ndarray, start: int, out: np.ndarray, keys: np.ndarray, ids: np.ndarray, next_id: int,
            room: int) -> tuple[int, np.ndarray]:
    """Ids of ``tokens[start:]`` into ``out``, giving the next id to each hash not in the table (in order of first
    appearance) and adding it there, until ``room`` were added. Returns where it stopped and the added hashes."""
    mask = np.uint64(keys.shape[0] - 1)
    added = np.empty(min(room, tokens.shape[0] - start), dtype=np.uint64)
    n_added = 0
    for k in range(start, tokens.shape[0]):
        h = tokens[k]
        slot = ((h * _MIX) >> np.uint64(29)) & mask
        while ids[slot] != 0 and keys[slot] != h:
            slot = (slot + np.uint64(1)) & mask
        if ids[slot] == 0:
            if n_added == room:
                return k, added[:n_added]
            keys[slot] = h
            ids[slot] = next_id + n_added + 1
            added[n_added] = h
            n_added += 1
        out[k] = np.uint32(ids[slot] - 1)
    return tokens.shape[0], added[:n_added]


@dataclass
class Vocabulary:
    """Token hash <-> id. ``hashes[i]`` is the hash of id ``i``; an open-addressing table answers hash -> id.
    ``first_new``: ids from here on were added since the vocabulary was loaded (to be stored with the batch)."""

    hashes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    first_new: int = 0
    _keys: np.ndarray | None = None  # the hash -> id table (see _insert)
    _slots: np.ndarray | None = None

    @staticmethod
    def of(hashes: np.ndarray) -> Vocabulary:
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        return Vocabulary(hashes, int(hashes.shape[0]))

    def __len__(self) -> int:
        return int(self.hashes.shape[0])

    def _table(self, at_least: int) -> tuple[np.ndarray, np.ndarray]:
        """The hash -> id table, with room for ``at_least`` ids at half full (rebuilt larger when not)."""
        if self._keys is None or self._slots is None or self._keys.shape[0] < 2 * at_least:
            size = 1 << 12
            while size < 4 * max(at_least, len(self)):
                size <<= 1
            self._keys = np.zeros(size, dtype=np.uint64)
            self._slots = np.zeros(size, dtype=np.int64)
            _insert(self._keys, self._slots, self.hashes, 0)
        return self._keys, self._slots

    def encode(self, tokens: np.ndarray) -> np.ndarray:
        """The ids of ``tokens`` (uint64 hashes, in text order), giving each hash not seen before the next id, in
        order of first appearance. (One pass over the tokens with a hash table: a sort of a batch's millions of
        tokens cost ten times more.)"""
        tokens = np.ascontiguousarray(tokens, dtype=np.uint64)
        out = np.empty(tokens.shape[0], dtype=np.uint32)
        start = 0
        while True:
            keys, slots = self._table(len(self) + 1)
            room = keys.shape[0] // 2 - len(self)
            start, added = _encode(tokens, start, out, keys, slots, len(self), room)
            if len(self) + added.shape[0] >= 2**32:
                raise OverflowError("an index vocabulary of 2**32 distinct tokens")
            if added.shape[0]:
                self.hashes = np.concatenate([self.hashes, added])
            if start == tokens.shape[0]:
                return out
            self._table(2 * len(self))  # half full: grow it and go on

    def decode(self, ids: np.ndarray) -> np.ndarray:
        """The token hashes of ``ids``."""
        out: np.ndarray = self.hashes[ids]
        return out

    def added(self) -> np.ndarray:
        """The hashes given ids since the vocabulary was loaded (or last stored)."""
        return self.hashes[self.first_new :]

    def stored(self) -> None:
        """The added hashes are stored now."""
        self.first_new = len(self)

    def forget_added(self) -> None:
        """Drop the ids added since the last store (their batch was rolled back)."""
        if self.first_new < len(self):
            self.hashes = self.hashes[: self.first_new].copy()
            self._keys = self._slots = None

    def extend_stored(self, hashes: np.ndarray) -> None:
        """Append ids another writer stored after this vocabulary was read (before anything was added here)."""
        if self.first_new != len(self):
            raise RuntimeError("the vocabulary has ids not yet stored")
        if hashes.shape[0]:
            self.hashes = np.concatenate([self.hashes, np.ascontiguousarray(hashes, dtype=np.uint64)])
            self.first_new = len(self)
            self._keys = self._slots = None
