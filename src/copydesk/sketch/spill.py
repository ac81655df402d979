"""Run-local spill files: per-doc arrays and texts written batch by batch to a temporary folder and read back
memory-mapped, so a run's resident memory stays bounded by the batch size rather than the corpus size.

Small runs pay almost nothing for this: the OS keeps recently written pages in its cache.
"""

from __future__ import annotations

import errno
import os
import pickle
import shutil
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .shingle import ShingleSets


def write_values(path: Path, values: np.ndarray, dtype: type = np.uint64) -> None:
    """Write a batch's shingle values (``dtype``, each doc's set after the last) to a new file.

    Why a file per batch, written where the batch was prepared: the shingle sets are the largest thing a batch
    makes (about 5.6 GB per million news-sized docs); written by the worker that made them, they never pass
    through the pipe to the main process (pickled, received, unpickled and written again there, about 2 s of
    the main process's CPU per 100k docs), which only keeps where each doc's set is (:class:`ShingleSpill`)."""
    try:
        np.ascontiguousarray(values, dtype=dtype).tofile(path)
    except OSError as exc:
        if exc.errno is not None:
            raise
        # (numpy reports a short write, "N requested and M written", without an errno: a full disk)
        raise OSError(errno.ENOSPC, f"No space left on device ({exc})", str(path)) from exc


class BatchFiles:
    """Where each doc's piece of a batch file is: the files the workers wrote, one per batch, and per doc in
    order its file, start and end (bytes of a text file, values of a shingle file). Filled a batch at a time;
    ``frozen()`` gives the arrays."""

    def __init__(self) -> None:
        self._paths: list[str] = []
        self._file: list[np.ndarray] = []
        self._start: list[np.ndarray] = []
        self._end: list[np.ndarray] = []

    def append(self, path: str, bounds: np.ndarray, rows: np.ndarray) -> None:
        """Add the docs ``rows`` (in that order) of a batch file in which doc k lies between ``bounds[k]`` and
        ``bounds[k + 1]``."""
        self._file.append(np.full(rows.shape[0], len(self._paths), dtype=np.int32))
        self._paths.append(path)
        self._start.append(bounds[rows])
        self._end.append(bounds[rows + 1])

    def frozen(self) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
        """The paths, and per doc its file (an index into them), start and end."""
        return (
            tuple(self._paths), _joined(self._file, np.int32), _joined(self._start, np.int64),
            _joined(self._end, np.int64),
        )


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    if not parts:
        return np.empty(0, dtype=dtype)
    out: np.ndarray = np.concatenate(parts).astype(dtype, copy=False)
    return out


class ShingleSpill:
    """Where each doc's shingle set is (:class:`BatchFiles` of the :func:`write_values` files) and its exact-copy
    hash. ``finish()`` freezes it into :class:`SpilledShingles`."""

    def __init__(self, merged_name: str = "shingles.u64", dtype: type = np.uint64) -> None:
        self._files = BatchFiles()
        self._exact: list[np.ndarray] = []
        self._merged_name = merged_name  # the file the batch files are joined into, when they are
        self._dtype = dtype  # of the values in the files

    def append(self, path: str, offsets: np.ndarray, exact: np.ndarray, rows: np.ndarray) -> None:
        """Add the docs ``rows`` (in that order) of a batch file whose doc k's set lies between ``offsets[k]`` and
        ``offsets[k + 1]``, with ``exact`` the batch's exact-copy hashes."""
        self._files.append(path, offsets, rows)
        self._exact.append(exact[rows])

    def finish(self) -> SpilledShingles:
        table = SpilledShingles(*self._files.frozen(), _joined(self._exact, np.uint64), self._dtype)
        if len(table.paths) > MAX_SHINGLE_FILES or (
            len(table.paths) > 1 and sum(map(os.path.getsize, table.paths)) <= JOIN_BELOW_BYTES
        ):
            return _merged(table, self._merged_name)
        return table


#: Most batch files verification maps at once. Each is a memory mapping, and a process may hold only so many
#: (65,530 by default on Linux, shared with everything else it maps): a run of more batches (8M docs at the
#: default batch size, fewer with a small ``--batch-size``) joins its files into one first.
MAX_SHINGLE_FILES = 4096
#: Batch files holding at most this much in all are joined into one, which costs less than the first use of the
#: typed list that walks many files (about 0.5 s, numba compiling its methods): up to about 25k news-sized docs.
JOIN_BELOW_BYTES = 128 << 20


def _merged(table: SpilledShingles, name: str) -> SpilledShingles:
    """The same table in one file, ``name`` beside the batch files (joined in order, then removed)."""
    path = Path(table.paths[0]).with_name(name)
    bases = np.zeros(len(table.paths), dtype=np.int64)
    with path.open("wb") as out:
        for f, part in enumerate(table.paths):
            bases[f] = out.tell() // np.dtype(table.dtype).itemsize
            with open(part, "rb") as source:
                shutil.copyfileobj(source, out, 8 << 20)
            os.unlink(part)
    shift = bases[table.file_of]
    return SpilledShingles(
        (str(path),), np.zeros_like(table.file_of), table.starts + shift, table.ends + shift, table.exact,
        table.dtype,
    )


@dataclass(frozen=True)
class SpilledShingles:
    """The run's shingle table as the batch files hold it: doc i's set is values ``starts[i]:ends[i]`` of file
    ``paths[file_of[i]]``. Verification maps the files afresh for each chunk of pairs (:meth:`mapped`):
    dropping a mapping releases the pages it touched, so a long scan over the table runs in chunks without its
    resident memory growing with the corpus."""

    paths: tuple[str, ...]
    file_of: np.ndarray  # int32, per doc
    starts: np.ndarray  # int64, per doc
    ends: np.ndarray  # int64, per doc
    exact: np.ndarray  # uint64, per doc
    dtype: type = np.uint64  # of the values (shingle sets; the shingles in text order keep 32 bits)

    def __len__(self) -> int:
        return int(self.file_of.shape[0])

    def sizes(self) -> np.ndarray:
        sizes: np.ndarray = self.ends - self.starts
        return sizes

    def mapped(self) -> list[np.ndarray]:
        """A read-only mapping of each file (an empty array for an empty one, which cannot be mapped)."""
        return [
            np.asarray(np.memmap(path, dtype=self.dtype, mode="r")) if os.path.getsize(path)
            else _NO_VALUES if self.dtype is np.uint64 else _read_only(np.empty(0, dtype=self.dtype))
            for path in self.paths
        ]

    def rows(self, indices: np.ndarray) -> ShingleSets:
        """A small table of the given rows (in that order), copied from each file they lie in through a mapping
        dropped right after (no mapping left behind, and a slice copy per doc rather than a read and a buffer
        per doc): the rows of pairs verified during clustering, the docs of pairs to align."""
        starts, ends = self.starts[indices], self.ends[indices]
        offsets = np.zeros(indices.shape[0] + 1, dtype=np.int64)
        np.cumsum(ends - starts, out=offsets[1:])
        values: np.ndarray = np.empty(int(offsets[-1]), dtype=self.dtype)
        files = self.file_of[indices]
        row_offsets = offsets.tolist()
        for file in np.unique(files[ends > starts]).tolist():
            at = np.flatnonzero((files == file) & (ends > starts)).tolist()
            mapped = np.asarray(np.memmap(self.paths[file], dtype=self.dtype, mode="r"))  # (plain slices)
            for k, lo, hi in zip(at, starts[at].tolist(), ends[at].tolist(), strict=True):
                values[row_offsets[k] : row_offsets[k] + hi - lo] = mapped[lo:hi]
            del mapped
        return ShingleSets(values, offsets, self.exact[indices])


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


#: Stands for an empty batch file: read-only like a mapping, so that a typed list holds one array type.
_NO_VALUES: np.ndarray = _read_only(np.empty(0, dtype=np.uint64))


def write_texts(path: Path, texts: list[str]) -> np.ndarray:
    """Write ``texts`` (UTF-8, one after another) to a new file; returns their end offsets, ``[0, e1, ...]``.

    Why a file per batch, written where the batch was prepared: a worker process writes its batch's clean
    texts itself, so they never travel back through the pipe to the main process, which only keeps where each
    text is (:class:`BatchFiles`)."""
    encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
    ends = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(data) for data in encoded], out=ends[1:])
    with path.open("wb") as handle:
        handle.write(b"".join(encoded))
    return ends


class TextReader:
    """Reads doc ``i``'s clean text with one positioned read (no mapping: reading every text once does not keep
    the files resident). It pickles as the paths and the three index arrays, so a helper process
    (``copydesk.run`` writes ``deduplicated.jsonl`` in one) reads the same files. Open files are kept for the
    ``OPEN_FILES`` most recently read (texts are read in input order, so a batch's file serves a run of docs).
    """

    OPEN_FILES = 16

    def __init__(self, paths: Sequence[str], file: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        self.paths = paths
        self.file = file
        self.start = start
        self.end = end
        self._fds: dict[int, int] = {}

    def __getstate__(self) -> tuple[Sequence[str], np.ndarray, np.ndarray, np.ndarray]:
        return self.paths, self.file, self.start, self.end

    def __setstate__(self, state: tuple[Sequence[str], np.ndarray, np.ndarray, np.ndarray]) -> None:
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


#: Fingerprints (values and doc numbers) a run keeps in memory before its spill writes any to disk: 4M, 48 MB.
#: A small run (an index query of a few docs, most tests) then opens no files for them.
FINGERPRINTS_IN_MEMORY = 1 << 22


class FingerprintSpill:
    """Passage fingerprints with their doc index, split by hash range into ``parts`` file pairs, so candidate
    generation sorts one part at a time (every occurrence of a fingerprint lands in the same part). The first
    ``in_memory`` fingerprints stay in memory; past them, all go to the files, in order."""

    def __init__(self, folder: Path, parts: int = 16, in_memory: int = FINGERPRINTS_IN_MEMORY) -> None:
        self.folder = folder
        self.parts = parts
        self.in_memory = in_memory
        self._shift = np.uint64(64 - (parts - 1).bit_length()) if parts > 1 else np.uint64(63)
        self._handles: list[tuple[BinaryIO, BinaryIO]] | None = None  # opened when memory is full
        self._held: list[tuple[np.ndarray, np.ndarray]] = []
        self._held_count = 0
        self._counts: list[np.ndarray] = []

    def append(self, values: np.ndarray, offsets: np.ndarray, first_doc: int) -> None:
        counts = np.diff(offsets)
        self._counts.append(counts)
        docs = np.repeat(np.arange(first_doc, first_doc + counts.shape[0], dtype=np.int32), counts)
        if self._handles is None and self._held_count + values.shape[0] <= self.in_memory:
            self._held.append((values, docs))
            self._held_count += values.shape[0]
            return
        if self._handles is None:
            self._handles = [
                ((self.folder / f"fp{p}.u64").open("wb"), (self.folder / f"fp{p}.i32").open("wb"))
                for p in range(self.parts)
            ]
            for held_values, held_docs in self._held:
                self._write(held_values, held_docs)
            self._held, self._held_count = [], 0
        self._write(values, docs)

    def _by_part(self, values: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows grouped by part, each part's in their order, with the parts' bounds: one stable sort by part
        (a radix sort of small ints), not a mask a part."""
        if self.parts == 1:
            return values, docs, np.array([0, values.shape[0]], dtype=np.int64)
        part = (values >> self._shift).astype(np.uint16 if self.parts <= 1 << 16 else np.int64)
        order = np.argsort(part, kind="stable")
        bounds = np.zeros(self.parts + 1, dtype=np.int64)
        np.cumsum(np.bincount(part, minlength=self.parts), out=bounds[1:])
        return values[order], docs[order], bounds

    def _write(self, values: np.ndarray, docs: np.ndarray) -> None:
        assert self._handles is not None
        values, docs, bounds = self._by_part(values, docs)
        for p in range(self.parts):
            lo, hi = int(bounds[p]), int(bounds[p + 1])
            self._handles[p][0].write(values[lo:hi].tobytes())
            self._handles[p][1].write(docs[lo:hi].tobytes())

    def finish(self) -> tuple[np.ndarray, Iterator[tuple[np.ndarray, np.ndarray]]]:
        """Fingerprint count per doc, and an iterator over the parts (each loaded only when reached)."""
        counts = np.concatenate(self._counts) if self._counts else np.empty(0, dtype=np.int64)
        if self._handles is None:
            held_values = [v for v, _ in self._held]
            held_docs = [d for _, d in self._held]
            values, docs, bounds = self._by_part(
                np.concatenate(held_values) if held_values else np.empty(0, dtype=np.uint64),
                np.concatenate(held_docs) if held_docs else np.empty(0, dtype=np.int32))
            self._held = []

            def held() -> Iterator[tuple[np.ndarray, np.ndarray]]:
                for p in range(self.parts):
                    lo, hi = int(bounds[p]), int(bounds[p + 1])
                    yield values[lo:hi], docs[lo:hi]

            return counts, held()
        for values_handle, docs_handle in self._handles:
            values_handle.close()
            docs_handle.close()

        def parts() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for p in range(self.parts):
                values = np.fromfile(self.folder / f"fp{p}.u64", dtype=np.uint64)
                docs = np.fromfile(self.folder / f"fp{p}.i32", dtype=np.int32)
                yield values, docs

        return counts, parts()


#: Text (in characters) of the first items of a stream that :class:`ItemSpill` keeps in memory rather than on
#: disk: about 15,000 news-sized docs. A run of that size reads (and parses) its input once, and a larger one
#: holds this much at most, released as the second pass takes it.
HELD_IN_MEMORY_CHARS = 64 << 20


class ItemSpill:
    """Keeps a one-shot stream of input items for a second pass (the first pass counts line statistics; reading
    the inputs again would parse JSON and extract HTML twice): its first ``memory_chars`` characters of text in
    memory, the rest on disk, pickled in chunks. Once one item has gone to disk every later one does, so the
    replay keeps the stream's order.

    Why memory first: a small run (the common case of a daily crawl, and every test) then neither pickles its
    items nor parses a JSONL chunk twice (:meth:`append_parsed`); a large one is bounded as before."""

    def __init__(self, folder: Path, chunk: int = 512, memory_chars: int = HELD_IN_MEMORY_CHARS,
                 chars_of: Callable[[object], int] = lambda item: 256) -> None:
        """``chars_of(item)``: what an item holds in memory, in characters of text (see
        ``copydesk.io.readers.held_chars``)."""
        self.path = folder / "items.pickle"
        self._chars_of = chars_of
        self._handle: BinaryIO | None = None  # opened when the first item goes to disk
        self._pending: list[object] = []
        self._chunk = chunk
        self._held: deque[object] = deque()
        self._held_chars = 0
        self._memory_chars = memory_chars
        self._on_disk = False
        self.count = 0

    def has_room(self) -> bool:
        """Whether items still go to memory (a first pass asks before it parses a chunk to keep)."""
        return not self._on_disk and self._held_chars < self._memory_chars

    def _hold(self, items: Sequence[object]) -> bool:
        """Keep ``items`` in memory if they all fit in what is left of it (and nothing has gone to disk yet)."""
        if self._on_disk:
            return False
        size = sum(self._chars_of(item) for item in items)
        if self._held_chars + size > self._memory_chars:
            return False
        self._held.extend(items)
        self._held_chars += size
        return True

    def append(self, item: object) -> None:
        self.count += 1
        if self._hold((item,)):
            return
        self._on_disk = True
        self._pending.append(item)
        if len(self._pending) >= self._chunk:
            self._flush()

    def append_parsed(self, chunk: object, items: Sequence[object]) -> None:
        """A chunk of input the first pass has parsed into ``items``: they are kept when they fit in memory, so
        the second pass need not parse the chunk again; else the chunk is kept (it is parsed again there, as
        a chunk is small to keep and parsing it costs about what pickling its items would)."""
        if self._hold(items):
            self.count += len(items)
        else:
            self.append(chunk)

    def _flush(self) -> None:
        if self._pending:
            if self._handle is None:
                self._handle = self.path.open("wb")
            pickle.dump(self._pending, self._handle, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def replay(self) -> Iterator[object]:
        """Every appended item, in order (the spill is closed for writing on first use). Items held in memory
        are let go as they are taken."""
        self._flush()
        if self._handle is not None and not self._handle.closed:
            self._handle.close()
        held = self._held
        while held:
            yield held.popleft()
        self._held_chars = 0
        if self._handle is None:
            return
        with self.path.open("rb") as handle:
            while True:
                try:
                    chunk = pickle.load(handle)
                except EOFError:
                    return
                yield from chunk
