"""Process settings a run adjusts for its own duration, and restores."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

#: Allocations between young-generation collections during a run (CPython's default is 700).
YOUNG_COLLECTION_THRESHOLD: Final[int] = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while the block runs; the previous thresholds come back after it.

    Why: a run allocates millions of short-lived, acyclic objects (lines, match objects, records), and with
    the default threshold the collector scans the young objects every 700 allocations. Raising the threshold
    took 10% off the CPU time of a 10k-doc ``dedup`` (2.98 -> 2.68 s, best of four). Reference counting still
    frees everything that is not in a cycle at once, so memory is unchanged; cycles wait a little longer.
    """
    previous = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
