"""Run-local spill files: per-doc arrays and texts written batch by batch to a temporary folder and read back
memory-mapped, so a run's resident memory stays bounded by the batch size rather than the corpus size.

Small runs pay almost nothing for this: the OS keeps recently written pages in its cache.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .shingle import ShingleSets


class ShingleSpill:
    """Appends shingle-set batches (CSR) to ``values.u64``; ``finish()`` returns one memory-mapped table, and
    ``reopen()`` a fresh mapping of it: dropping a mapping releases the pages it touched, so a long scan over
    the table (verification) can run in chunks without its resident memory growing with the corpus."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "shingles.u64"
        self._handle = self.path.open("wb")
        self._sizes: list[np.ndarray] = []
        self._exact: list[np.ndarray] = []
        self._written = 0
        self._table = ShingleSets(np.empty(0, dtype=np.uint64), np.zeros(1, dtype=np.int64), np.empty(0, np.uint64))

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
        self._table = ShingleSets(np.empty(0, dtype=np.uint64), offsets, exact)
        return self.reopen()

    def rows(self, indices: np.ndarray) -> ShingleSets:
        """A small table of the given rows, read with positioned reads (no mapping left behind), for the few
        pairs verified one at a time during clustering."""
        offsets = self._table.offsets
        starts, ends = offsets[indices], offsets[indices + 1]
        sizes = ends - starts
        out_offsets = np.zeros(indices.shape[0] + 1, dtype=np.int64)
        np.cumsum(sizes, out=out_offsets[1:])
        with self.path.open("rb") as handle:
            parts = []
            for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
                handle.seek(start * 8)
                parts.append(np.frombuffer(handle.read(size * 8), dtype=np.uint64))
        values = np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)
        return ShingleSets(values, out_offsets, self._table.exact[indices])

    def reopen(self) -> ShingleSets:
        if self._written == 0:
            return self._table
        values = np.asarray(np.memmap(self.path, dtype=np.uint64, mode="r", shape=(self._written,)))
        return ShingleSets(values, self._table.offsets, self._table.exact)


class TextSpill:
    """Appends texts to one UTF-8 file and reads any of them back by index (positioned reads, no mapping, so
    reading every text once does not keep the whole file resident)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "texts.utf8"
        self._handle = self.path.open("wb")
        self._ends: list[int] = [0]
        self._fd: int | None = None

    def extend(self, texts: list[str]) -> None:
        """Append many texts with one write (a batch's clean texts)."""
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
        end = self._ends[-1]
        for data in encoded:
            end += len(data)
            self._ends.append(end)
        self._handle.write(b"".join(encoded))

    def __len__(self) -> int:
        return len(self._ends) - 1

    def close_writer(self) -> None:
        self._handle.close()

    def reader(self) -> TextReader:
        """A reader of the texts written so far (the writer is closed), which another process can use."""
        self._handle.close()
        return TextReader(self.path, np.asarray(self._ends, dtype=np.int64))

    def get(self, index: int) -> str:
        if self._fd is None:
            self._handle.close()
            self._fd = os.open(self.path, os.O_RDONLY)
        start, end = self._ends[index], self._ends[index + 1]
        return os.pread(self._fd, end - start, start).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._handle.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class TextReader:
    """Reads the texts of a closed :class:`TextSpill` by index with positioned reads. It pickles as the file's
    path and the texts' end offsets, so a helper process (``copydesk.run`` writes ``deduplicated.jsonl`` in one)
    reads the same file."""

    def __init__(self, path: Path, ends: np.ndarray) -> None:
        self.path = path
        self.ends = ends
        self._fd: int | None = None

    def __getstate__(self) -> tuple[Path, np.ndarray]:
        return self.path, self.ends

    def __setstate__(self, state: tuple[Path, np.ndarray]) -> None:
        self.path, self.ends = state
        self._fd = None

    def get(self, index: int) -> str:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        start, end = int(self.ends[index]), int(self.ends[index + 1])
        return os.pread(self._fd, end - start, start).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class FingerprintSpill:
    """Passage fingerprints with their doc index, split by hash range into ``parts`` file pairs, so candidate
    generation sorts one part at a time (every occurrence of a fingerprint lands in the same part)."""

    def __init__(self, folder: Path, parts: int = 16) -> None:
        self.folder = folder
        self.parts = parts
        self._shift = np.uint64(64 - (parts - 1).bit_length()) if parts > 1 else np.uint64(63)
        self._handles = [
            ((folder / f"fp{p}.u64").open("wb"), (folder / f"fp{p}.i32").open("wb")) for p in range(parts)
        ]
        self._counts: list[np.ndarray] = []

    def append(self, values: np.ndarray, offsets: np.ndarray, first_doc: int) -> None:
        counts = np.diff(offsets)
        self._counts.append(counts)
        docs = np.repeat(np.arange(first_doc, first_doc + counts.shape[0], dtype=np.int32), counts)
        part = (values >> self._shift).astype(np.int64) if self.parts > 1 else np.zeros(values.shape[0], np.int64)
        for p in range(self.parts):
            mask = part == p
            self._handles[p][0].write(values[mask].tobytes())
            self._handles[p][1].write(docs[mask].tobytes())

    def finish(self) -> tuple[np.ndarray, Iterator[tuple[np.ndarray, np.ndarray]]]:
        """Fingerprint count per doc, and an iterator over the parts (each loaded only when reached)."""
        for values_handle, docs_handle in self._handles:
            values_handle.close()
            docs_handle.close()
        counts = np.concatenate(self._counts) if self._counts else np.empty(0, dtype=np.int64)

        def parts() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for p in range(self.parts):
                values = np.fromfile(self.folder / f"fp{p}.u64", dtype=np.uint64)
                docs = np.fromfile(self.folder / f"fp{p}.i32", dtype=np.int32)
                yield values, docs

        return counts, parts()


class ItemSpill:
    """Keeps a one-shot stream of input items on disk so a later pass can read it again (the first pass counts
    line statistics; re-reading the inputs instead would parse JSON and extract HTML twice)."""

    def __init__(self, folder: Path, chunk: int = 512) -> None:
        self.path = folder / "items.pickle"
        self._handle = self.path.open("wb")
        self._pending: list[object] = []
        self._chunk = chunk
        self.count = 0

    def append(self, item: object) -> None:
        self.count += 1
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
