"""Corpus-level boilerplate evidence: lines that recur across many documents of one source.

Why: per-document rules cannot know that "Get the Harbor Gazette app" is one site's furniture, but a line
that appears in ``min_docs`` or more documents of the same source almost certainly is. Counting is per
source, so a wire story's sentence that many *different* sites carry is never mistaken for boilerplate,
and one site's furniture never removes text from another site.

How: each line is normalised (as in :func:`copydesk.clean.boilerplate.normalise_line`, plus digits masked so
"Updated 3 hours ago" and "Updated 5 hours ago" count as one line) and hashed with xxh64, seeded with the
xxh64 of the source name, into one 64-bit int per (source, line). A compiled hash table
(:mod:`copydesk.clean._counting`) holds the number of documents each key was seen in (each distinct line counts
once per document), counting a batch of documents per call.

Memory is bounded by ``max_tracked_lines``: when the table grows past it, keys seen in only one document are
dropped (most are body text, which is unique per document). This is a space-saving approximation: a
boilerplate line dropped while it had one sighting must be seen ``min_docs`` times again after the prune to
be flagged. If dropping single sightings is not enough to get back under three quarters of the limit, the
threshold rises (2, 3, ...) until it is. Results depend only on the counts (never on table order), and
pruning happens at the same points for the same input order, so a run is reproducible.

After the counting pass, :meth:`SourceLineStats.freeze` keeps only the verdicts (keys that reached
``min_docs``) in a :class:`FrozenSourceLines`, which is what cleaning workers receive. Both give a
:class:`~copydesk.clean.boilerplate.NormalisedLineCheck` per source for ``clean_text``.
"""

from __future__ import annotations

import logging
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

import numpy as np
import xxhash

from ..config import CleanConfig
from ..errors import ConfigError
from . import _counting
from .boilerplate import SOURCE_BOILERPLATE_MAX_CHARS, NormalisedLineCheck, normalise_line, split_normalised

__all__ = ["FrozenSourceLines", "SourceLineStats", "batch_line_keys", "normalise_for_counting"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

# digits are masked on the UTF-8 bytes (a 256-byte table and a rare collapse of runs): several times faster
# than a Unicode regex. NFKC has already turned full-width and other compatibility digits into ASCII ones.
_DIGIT_TABLE: Final = bytes.maketrans(b"123456789", b"000000000")
_ZERO_RUN: Final = re.compile(rb"00+")


def _masked_bytes(norm: str) -> bytes:
    data = norm.encode("utf-8", "surrogatepass").translate(_DIGIT_TABLE)
    return _ZERO_RUN.sub(b"0", data) if b"00" in data else data


def normalise_for_counting(line: str) -> str:
    """The counting form of a line: :func:`normalise_line` with every run of digits masked to ``0``."""
    return _masked_bytes(normalise_line(line)).decode("utf-8", "surrogatepass")


def _source_seed(source: str) -> int:
    return xxhash.xxh64_intdigest(source.encode("utf-8", "surrogatepass"))


def _norm_key(seed: int, norm: str) -> int | None:
    """The key of a line already in :func:`normalise_line` form."""
    if not norm:
        return None
    return xxhash.xxh64_intdigest(_masked_bytes(norm), seed)


def _line_key(seed: int, line: str) -> int | None:
    return _norm_key(seed, normalise_line(line))


def _norm_keys(seed: int, norms: list[str]) -> list[int | None]:
    """``[_norm_key(seed, norm) for norm in norms]``, masking all the normal forms in one pass.

    Why: this runs on every line of every document. Normal forms hold no line feed, so they are masked as
    one joined UTF-8 buffer (one encode, translate and zero-run pass rather than one per line; a zero run
    never spans lines) and split again; only the hashing is per line.
    """
    data = "\n".join(norms).encode("utf-8", "surrogatepass").translate(_DIGIT_TABLE)
    if b"00" in data:
        data = _ZERO_RUN.sub(b"0", data)
    parts = data.split(b"\n")
    if len(parts) != len(norms):  # a line feed inside a string that is not a normal form
        return [_norm_key(seed, norm) for norm in norms]
    digest = xxhash.xxh64_intdigest
    return [digest(part, seed) if part else None for part in parts]


def _text_keys(seed: int, text: str) -> set[int]:
    """The keys of every non-blank line of ``text`` that corpus evidence may remove (at most
    ``SOURCE_BOILERPLATE_MAX_CHARS`` long once stripped): longer lines are never looked up, so they are
    neither normalised nor counted."""
    keys = _norm_keys(seed, split_normalised(text, SOURCE_BOILERPLATE_MAX_CHARS)[1])
    return {key for key in keys if key is not None}


def batch_line_keys(texts: Sequence[str], sources: Sequence[str]) -> tuple[array[int], array[int]]:
    """The counting keys of many docs at once, for :meth:`SourceLineStats.observe_keys`: every doc's distinct
    keys, concatenated in doc order (``array('Q')``), and how many each doc has (``array('L')``).

    Why: computing keys is most of the first pass's work and depends on nothing but the doc, so worker
    processes can compute them for a batch while the main process counts them in input order (which keeps
    pruning, and so every verdict, the same as :meth:`SourceLineStats.observe` would give).
    """
    values = array("Q")
    sizes = array("L")
    for text, source in zip(texts, sources, strict=True):
        keys = _text_keys(_source_seed(source), text)
        values.extend(keys)
        sizes.append(len(keys))
    return values, sizes


class SourceLineStats:
    """Streaming counts of normalised lines per source, bounded in memory.

    Feed every document once with :meth:`observe` (a first pass), then ask :meth:`is_boilerplate`, or pass
    :meth:`checker` to :func:`copydesk.clean.boilerplate.clean_text`.
    """

    def __init__(self, min_docs: int = 3, max_tracked_lines: int = 2_000_000) -> None:
        if min_docs < 1:
            raise ConfigError(f"min_docs must be >= 1, got {min_docs!r}")
        if max_tracked_lines < 1:
            raise ConfigError(f"max_tracked_lines must be >= 1, got {max_tracked_lines!r}")
        self.min_docs = min_docs
        self.max_tracked_lines = max_tracked_lines
        # a compiled counting table (keys, counts; see copydesk.clean._counting), sized for what it holds
        self._keys, self._counts = _counting.empty_table(_counting.MIN_CAPACITY)
        self._held = 0
        self._docs = 0
        self._prunes = 0

    @classmethod
    def from_config(cls, cfg: CleanConfig) -> SourceLineStats:
        """Stats sized by a :class:`CleanConfig` (``min_source_docs``, ``max_tracked_lines``)."""
        return cls(min_docs=cfg.min_source_docs, max_tracked_lines=cfg.max_tracked_lines)

    @property
    def tracked_lines(self) -> int:
        """How many (source, line) keys are held now."""
        return self._held

    @property
    def documents(self) -> int:
        """How many documents were observed."""
        return self._docs

    @property
    def prunes(self) -> int:
        """How many times the table was pruned to stay under ``max_tracked_lines``."""
        return self._prunes

    def observe(self, source: str, text: str) -> None:
        """Count each distinct normalised line of ``text`` once for ``source``."""
        self.observe_keys(_text_keys(_source_seed(source), text))

    def observe_keys(self, keys: Iterable[int]) -> None:
        """Count one document given its distinct line keys (as :func:`batch_line_keys` gives them); the same
        as :meth:`observe` of its text."""
        values = np.fromiter(keys, dtype=np.uint64)
        self.observe_batch(values, np.array([values.shape[0]], dtype=np.int64))

    def observe_batch(self, values: Any, sizes: Any) -> None:
        """Count many documents in order: doc d's distinct keys are the next ``sizes[d]`` of ``values`` (the
        arrays :func:`batch_line_keys` gives); the same as :meth:`observe_keys` of each doc in turn."""
        values = np.asarray(values, dtype=np.uint64)
        sizes = np.asarray(sizes, dtype=np.int64)
        doc = at = 0
        while doc < sizes.shape[0]:
            held, next_doc, at = _counting.count_docs(
                self._keys, self._counts, self._held, values, sizes, doc, at, self.max_tracked_lines
            )
            self._held = held
            self._docs += next_doc - doc
            if next_doc == doc:  # the next doc could fill the table past half: grow it
                self._resize(_counting.capacity_for(held + int(sizes[doc])), 0)
            elif held > self.max_tracked_lines:
                self._prune()
            doc = next_doc

    def _resize(self, capacity: int, more_than: int) -> None:
        self._keys, self._counts, self._held = _counting.rebuilt(self._keys, self._counts, capacity, more_than)

    def _prune(self) -> None:
        """Drop the rarest keys (seen in 1 doc, then 2, ...) until at most 3/4 of the limit remain.

        Pruning to well below the limit keeps the amortised cost per observed line constant.
        """
        before = self._held
        threshold = _counting.prune_threshold(self._counts, self.max_tracked_lines * 3 // 4)
        self._resize(self._keys.shape[0], threshold)
        self._prunes += 1
        logger.debug(
            "pruned line stats from %d to %d keys (dropped counts <= %d)", before, self._held, threshold
        )

    def _count_of(self, key: int) -> int:
        return int(_counting.counts_of(self._keys, self._counts, np.array([key], dtype=np.uint64))[0])

    def count(self, source: str, line: str) -> int:
        """In how many observed documents of ``source`` this line (normalised) appeared."""
        key = _line_key(_source_seed(source), line)
        return 0 if key is None else self._count_of(key)

    def is_boilerplate(self, source: str, line: str) -> bool:
        """True when the line was seen in at least ``min_docs`` documents of ``source`` (lines longer than
        ``SOURCE_BOILERPLATE_MAX_CHARS`` are not counted, so never)."""
        return self.count(source, line) >= self.min_docs

    def checker(self, source: str) -> NormalisedLineCheck:
        """A one-argument test for ``clean_text(..., is_source_boilerplate=...)`` bound to one source."""
        seed = _source_seed(source)

        def on_normalised(norm: str) -> bool:
            key = _norm_key(seed, norm)
            # read the table at call time: observing more docs replaces it
            return key is not None and self._count_of(key) >= self.min_docs

        def on_normalised_many(norms: list[str]) -> list[bool]:
            keys = _norm_keys(seed, norms)
            query = np.array([0 if key is None else key for key in keys], dtype=np.uint64)
            found = _counting.counts_of(self._keys, self._counts, query).tolist()
            return [key is not None and n >= self.min_docs for key, n in zip(keys, found, strict=True)]

        return NormalisedLineCheck(on_normalised, on_normalised_many)

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (source, line) key held and in how many docs it was seen, sorted by key: what an index stores
        (:func:`copydesk.prior.merged_line_counts`) to count the next batch's lines on top of (:meth:`freeze`'s
        ``base``)."""
        held = self._counts > 0
        keys, counts = self._keys[held], self._counts[held]
        order = np.argsort(keys, kind="stable")
        return keys[order], counts[order]

    def freeze(self, base: tuple[np.ndarray, np.ndarray] | None = None) -> FrozenSourceLines:
        """The boilerplate verdicts only (keys seen in >= ``min_docs`` docs): small, read-only, picklable.

        ``base``: counts of docs seen before (an index's stored :meth:`table`: keys sorted, counts) added to
        these. Only the keys observed here get verdicts, which is all that cleaning the observed docs asks
        about: a query of one doc against an index of millions looks up its own few lines, and never loads
        the index's counts into a table of its own."""
        if base is None:
            return FrozenSourceLines(
                _counting.entries_over(self._keys, self._counts, self.min_docs).tolist(), self.min_docs
            )
        keys, counts = self.table()
        base_keys, base_counts = base
        if base_keys.shape[0]:
            at = np.minimum(np.searchsorted(base_keys, keys), base_keys.shape[0] - 1)
            counts = counts + np.where(base_keys[at] == keys, base_counts[at], 0)
        return FrozenSourceLines(keys[counts >= self.min_docs].tolist(), self.min_docs)


class FrozenSourceLines:
    """Read-only result of a :class:`SourceLineStats` pass, to share with cleaning workers.

    It holds only the (source, line) keys that reached ``min_docs``, not the counts, so it is much smaller
    than the stats and is cheap to send to worker processes: it pickles as a sorted array of 64-bit keys
    (8 bytes each, identical bytes for identical verdicts) and is rebuilt into a set on arrival.
    """

    __slots__ = ("_keys", "_packed", "min_docs")

    def __init__(self, keys: Iterable[int], min_docs: int) -> None:
        self._keys: frozenset[int] = frozenset(keys)
        self.min_docs = min_docs
        self._packed: bytes | None = None  # the pickled keys, made once: a run sends them with every batch job

    def __len__(self) -> int:
        return len(self._keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenSourceLines):
            return NotImplemented
        return self._keys == other._keys and self.min_docs == other.min_docs

    def __hash__(self) -> int:
        return hash((self._keys, self.min_docs))

    def __reduce__(self) -> tuple[Callable[[bytes, int], FrozenSourceLines], tuple[bytes, int]]:
        if self._packed is None:
            self._packed = array("Q", sorted(self._keys)).tobytes()
        return _frozen_from_bytes, (self._packed, self.min_docs)

    def is_boilerplate(self, source: str, line: str) -> bool:
        """True when the line was seen in at least ``min_docs`` documents of ``source``."""
        key = _line_key(_source_seed(source), line)
        return key is not None and key in self._keys

    def checker(self, source: str) -> NormalisedLineCheck:
        """A one-argument test for ``clean_text(..., is_source_boilerplate=...)`` bound to one source."""
        seed = _source_seed(source)
        keys = self._keys

        def on_normalised(norm: str) -> bool:
            key = _norm_key(seed, norm)
            return key is not None and key in keys

        def on_normalised_many(norms: list[str]) -> list[bool]:
            return [key is not None and key in keys for key in _norm_keys(seed, norms)]

        return NormalisedLineCheck(on_normalised, on_normalised_many)


def _frozen_from_bytes(data: bytes, min_docs: int) -> FrozenSourceLines:
    keys = array("Q")
    keys.frombytes(data)
    frozen = FrozenSourceLines(keys, min_docs)
    frozen._packed = data
    return frozen
