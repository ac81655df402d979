"""Compiled counting table for corpus line statistics: 64-bit keys -> counts, open addressing over two arrays.

Why: the first pass counts every short line of every document (about 14 keys per news page) in the main
process, in input order, and a Python dict spent about 9 µs per document on it (7.5 s of the main process's
time per million documents, while the workers wait for nothing). This table does the same counting in compiled
loops, a batch of documents per call, with the same results: the counts, and so the pruning points and every
verdict, depend only on the keys seen and their order, never on where a key sits in the table.

A slot is empty when its count is 0 (a present key has been seen at least once), so every 64-bit key value,
0 included, can be stored. Linear probing; the table is kept at most half full.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Fewest slots of a table.
MIN_CAPACITY = 1024

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def capacity_for(entries: int) -> int:
    """Slots for ``entries`` keys at most half full: a power of two."""
    capacity = MIN_CAPACITY
    while capacity < 2 * entries:
        capacity *= 2
    return capacity


def empty_table(capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys and counts arrays of an empty table with ``capacity`` slots (a power of two)."""
    return np.zeros(capacity, dtype=np.uint64), np.zeros(capacity, dtype=np.int64)


@njit(cache=True, inline="always")
def _slot(keys: np.ndarray, counts: np.ndarray, key: np.uint64) -> int:
    """Where ``key`` is, or the empty slot where it would go."""
    mask: int = keys.shape[0] - 1
    s: int = int((key * _GOLDEN) >> np.uint64(33)) & mask
    while counts[s] != 0 and keys[s] != key:
        s = (s + 1) & mask
    return s


@njit(cache=True)
def count_docs(
    keys: np.ndarray, counts: np.ndarray, used: int, values: np.ndarray, sizes: np.ndarray, doc: int, at: int,
    max_tracked: int,
) -> tuple[int, int, int]:
    """Count the keys of docs ``doc``, ``doc + 1``, ... (doc d's distinct keys are ``sizes[d]`` values of
    ``values`` from ``at`` on), each key once per doc. Stops after the doc that takes the table past
    ``max_tracked`` keys (the caller prunes), or before a doc that could fill it past half (the caller grows
    it). Returns (keys held, next doc, its first value)."""
    half = keys.shape[0] // 2
    n = sizes.shape[0]
    while doc < n:
        size = sizes[doc]
        if used + size > half:
            return used, doc, at
        for k in range(at, at + size):
            key = values[k]
            s = _slot(keys, counts, key)
            if counts[s] == 0:
                keys[s] = key
                used += 1
            counts[s] += 1
        at += size
        doc += 1
        if used > max_tracked:
            break
    return used, doc, at


@njit(cache=True)
def rebuilt(keys: np.ndarray, counts: np.ndarray, capacity: int, more_than: int) -> tuple[np.ndarray, np.ndarray, int]:
    """A new table of ``capacity`` slots holding the entries whose count exceeds ``more_than``."""
    new_keys = np.zeros(capacity, dtype=np.uint64)
    new_counts = np.zeros(capacity, dtype=np.int64)
    used = 0
    for s in range(keys.shape[0]):
        if counts[s] > more_than:
            t = _slot(new_keys, new_counts, keys[s])
            new_keys[t] = keys[s]
            new_counts[t] = counts[s]
            used += 1
    return new_keys, new_counts, used


@njit(cache=True)
def counts_of(keys: np.ndarray, counts: np.ndarray, query: np.ndarray) -> np.ndarray:
    """The count of each queried key (0 for a key never seen)."""
    out = np.zeros(query.shape[0], dtype=np.int64)
    for i in range(query.shape[0]):
        out[i] = counts[_slot(keys, counts, query[i])]
    return out


@njit(cache=True)
def entries_over(keys: np.ndarray, counts: np.ndarray, at_least: int) -> np.ndarray:
    """The keys whose count is at least ``at_least`` (in slot order: callers that need an order sort)."""
    out = np.empty(keys.shape[0], dtype=np.uint64)
    n = 0
    for s in range(keys.shape[0]):
        if counts[s] >= at_least and counts[s] > 0:
            out[n] = keys[s]
            n += 1
    return out[:n]


def prune_threshold(counts: np.ndarray, target: int) -> int:
    """The smallest t >= 1 such that at most ``target`` keys have a count above t: dropping the keys seen in 1
    doc, then 2, ... until at most ``target`` remain stops at this t."""
    held = np.sort(counts[counts > 0])
    threshold = 1
    while held.shape[0] - int(np.searchsorted(held, threshold, side="right")) > target:
        # the number above t only changes at a count some key has: jump to the next one
        threshold = int(held[np.searchsorted(held, threshold, side="right")])
    return threshold
