"""Run-local spill files: per-doc arrays and texts written batch by batch to a temporary folder and read back
memory-mapped, so a run's resident memory stays bounded by the batch size rather than the corpus size.

Small runs pay almost nothing for this: the OS keeps recently written pages in its cache.
"""

from __future__ import annotations

import os
import pickle
from array import array
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


def write_texts(path: Path, texts: list[str]) -> np.ndarray:
    """Write ``texts`` (UTF-8, one after another) to a new file; returns their end offsets, ``[0, e1, ...]``.

    Why a file per batch, written where the batch was prepared: a worker process writes its batch's clean
    texts itself, so they never travel back through the pipe to the main process, which only keeps where each
    text is (:class:`TextIndex`)."""
    encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
    ends = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(data) for data in encoded], out=ends[1:])
    with path.open("wb") as handle:
        handle.write(b"".join(encoded))
    return ends


class TextIndex:
    """Where each doc's clean text is: the batch files (``write_texts``) and, per doc in order, its file,
    start and end. Appending is done doc by doc as batches are filed; ``reader()`` freezes it."""

    def __init__(self) -> None:
        self._paths: list[str] = []
        self._file = array("i")
        self._start = array("q")
        self._end = array("q")

    def add_file(self, path: str) -> int:
        self._paths.append(path)
        return len(self._paths) - 1

    def add(self, file: int, start: int, end: int) -> None:
        self._file.append(file)
        self._start.append(start)
        self._end.append(end)

    def __len__(self) -> int:
        return len(self._file)

    def reader(self) -> TextReader:
        return TextReader(
            list(self._paths), np.frombuffer(self._file, dtype=np.int32).copy(),
            np.frombuffer(self._start, dtype=np.int64).copy(), np.frombuffer(self._end, dtype=np.int64).copy(),
        )


class TextReader:
    """Reads doc ``i``'s clean text with one positioned read (no mapping: reading every text once does not keep
    the files resident). It pickles as the paths and the three index arrays, so a helper process
    (``copydesk.run`` writes ``deduplicated.jsonl`` in one) reads the same files. Open files are kept for the
    ``OPEN_FILES`` most recently read (texts are read in input order, so a batch's file serves a run of docs).
    """

    OPEN_FILES = 16

    def __init__(self, paths: list[str], file: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        self.paths = paths
        self.file = file
        self.start = start
        self.end = end
        self._fds: dict[int, int] = {}

    def __getstate__(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        return self.paths, self.file, self.start, self.end

    def __setstate__(self, state: tuple[list[str], np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.paths, self.file, self.start, self.end = state
        self._fds = {}

    def __len__(self) -> int:
        return int(self.file.shape[0])

    def get(self, index: int) -> str:
        file = int(self.file[index])
        fd = self._fds.pop(file, None)
        if fd is None:
            if len(self._fds) >= self.OPEN_FILES:
                os.close(self._fds.pop(next(iter(self._fds))))  # the least recently read
            fd = os.open(self.paths[file], os.O_RDONLY)
        self._fds[file] = fd  # (re-inserted: most recent last)
        start, end = int(self.start[index]), int(self.end[index])
        return os.pread(fd, end - start, start).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}


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
