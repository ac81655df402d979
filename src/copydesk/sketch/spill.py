"""Run-local spill files: per-doc arrays and texts written batch by batch to a temporary folder and read back
memory-mapped, so a run's resident memory stays bounded by the batch size rather than the corpus size.

Small runs pay almost nothing for this: the OS keeps recently written pages in its cache.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .shingle import ShingleSets


class ShingleSpill:
    """Appends shingle-set batches (CSR) to ``values.u64``; ``finish()`` returns one memory-mapped table."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "shingles.u64"
        self._handle = self.path.open("wb")
        self._sizes: list[np.ndarray] = []
        self._exact: list[np.ndarray] = []
        self._written = 0

    def append(self, sets: ShingleSets) -> None:
        self._handle.write(np.ascontiguousarray(sets.values, dtype=np.uint64).tobytes())
        self._written += int(sets.values.shape[0])
        self._sizes.append(np.diff(sets.offsets))
        self._exact.append(sets.exact)

    def finish(self) -> ShingleSets:
        self._handle.close()
        sizes = np.concatenate(self._sizes) if self._sizes else np.empty(0, dtype=np.int64)
        offsets = np.zeros(sizes.shape[0] + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        exact = np.concatenate(self._exact) if self._exact else np.empty(0, dtype=np.uint64)
        if self._written == 0:
            return ShingleSets(np.empty(0, dtype=np.uint64), offsets, exact)
        values = np.asarray(np.memmap(self.path, dtype=np.uint64, mode="r", shape=(self._written,)))
        return ShingleSets(values, offsets, exact)


class TextSpill:
    """Appends texts to one UTF-8 file and reads any of them back by index."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "texts.utf8"
        self._handle = self.path.open("wb")
        self._ends: list[int] = [0]
        self._reader: np.memmap | None = None

    def append(self, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        self._handle.write(data)
        self._ends.append(self._ends[-1] + len(data))

    def __len__(self) -> int:
        return len(self._ends) - 1

    def get(self, index: int) -> str:
        if self._reader is None:
            self._handle.close()
            if self._ends[-1] == 0:
                return ""
            self._reader = np.memmap(self.path, dtype=np.uint8, mode="r")
        start, end = self._ends[index], self._ends[index + 1]
        return bytes(self._reader[start:end]).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._handle.close()
        self._reader = None


class ItemSpill:
    """Keeps a one-shot stream of input items on disk so a later pass can read it again (the first pass counts
    line statistics; re-reading the inputs instead would parse JSON and extract HTML twice)."""

    def __init__(self, folder: Path, chunk: int = 512) -> None:
        self.path = folder / "items.pickle"
        self._handle = self.path.open("wb")
        self._pending: list[object] = []
        self._chunk = chunk

    def append(self, item: object) -> None:
        self._pending.append(item)
        if len(self._pending) >= self._chunk:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            pickle.dump(self._pending, self._handle, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def replay(self) -> Iterator[object]:
        """Every appended item, in order (the spill is closed for writing on first use)."""
        if not self._handle.closed:
            self._flush()
            self._handle.close()
        with self.path.open("rb") as handle:
            while True:
                try:
                    chunk = pickle.load(handle)
                except EOFError:
                    return
                yield from chunk
