"""Text -> 64-bit word-shingle hashes.

Why word 5-grams: on the real seed pair (a regional excerpt of a syndicated article) 5-grams keep the excerpt's
containment in the full copy high (0.84 raw, higher once cleaned) while two different articles on the same
summit share almost none, because five-word runs rarely repeat by chance. Shorter grams (1-3) made same-topic
articles look alike; longer ones (8+) made small edits break too many shingles (see ``bench/``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import ShingleConfig
from . import _kernels
from .normalize import CHAR_CLASS, FOLD_TABLE, NFC_UNSAFE, compose, needs_compose

#: Seed of the shingle hash itself; changing it changes every stored sketch, so it is a format constant.
SHINGLE_SEED = np.uint64(0x5EED_C0DE_5111_6A1E)
EXACT_SEED = np.uint64(0xE8AC_7C09_1E5E_ED01)


@dataclass(frozen=True, slots=True)
class ShingleSets:
    """Sorted, de-duplicated shingle hashes of n docs in CSR form: doc i owns ``values[offsets[i]:offsets[i+1]]``.

    ``exact`` holds one hash of each doc's whole token stream, so identical normalised texts are exact copies.
    """

    values: np.ndarray  # uint64
    offsets: np.ndarray  # int64, n+1
    exact: np.ndarray  # uint64, n

    def __len__(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (lone surrogates as ``surrogatepass`` writes them); an ASCII text, which CPython
    knows without a scan, is not encoded to count them."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _encode(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return buf, offsets


def _replace_rows(
    values: np.ndarray, offsets: np.ndarray, rows: list[int], new_values: np.ndarray, new_offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The CSR table with the given rows (ascending) replaced by the rows of ``(new_values, new_offsets)``."""
    sizes = np.diff(offsets)
    sizes[rows] = np.diff(new_offsets)
    out_offsets = np.zeros(offsets.shape[0], dtype=np.int64)
    np.cumsum(sizes, out=out_offsets[1:])
    out = np.empty(int(out_offsets[-1]), dtype=values.dtype)
    done = 0  # rows before this one are in place
    for k, row in enumerate([*rows, len(sizes)]):
        out[out_offsets[done] : out_offsets[row]] = values[offsets[done] : offsets[row]]
        if row < len(sizes):
            out[out_offsets[row] : out_offsets[row + 1]] = new_values[new_offsets[k] : new_offsets[k + 1]]
        done = row + 1
    return out, out_offsets


def to_compose(texts: Sequence[str], flagged: np.ndarray) -> list[int]:
    """The docs the tokeniser flagged (a code point NFC might change) whose text NFC really changes: these are
    composed and tokenised again, on either backend."""
    return [d for d in np.flatnonzero(flagged).tolist() if needs_compose(texts[d])]


def token_stream(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of each NFC-composed text (CSR: values, offsets).

    Why the texts are not composed up front: checking that a text is in NFC costs about as much as encoding
    it, and web text almost always is. The tokeniser flags every text holding a code point that composition
    might change (``NFC_UNSAFE``), and only those are checked and, where needed, composed and tokenised again.
    """
    buf, offsets = _encode(texts)
    values, tok_offsets, flagged = _kernels.token_hashes(buf, offsets, FOLD_TABLE, CHAR_CLASS, NFC_UNSAFE)
    redo = to_compose(texts, flagged)
    if not redo:
        return values, tok_offsets
    buf, offsets = _encode([compose(texts[d]) for d in redo])
    new_values, new_offsets, _ = _kernels.token_hashes(buf, offsets, FOLD_TABLE, CHAR_CLASS, NFC_UNSAFE)
    return _replace_rows(values, tok_offsets, redo, new_values, new_offsets)


def ordered_shingles(texts: Sequence[str], cfg: ShingleConfig) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes in text order (with repeats), for locating shared passages: their low 32 bits
    (``ORDER_DTYPE``)."""
    toks, tok_offsets = token_stream(texts)
    values, offsets = _kernels.shingle_hashes(toks, tok_offsets, cfg.size, SHINGLE_SEED)
    return values.astype(ORDER_DTYPE), offsets


#: The shingles in text order keep the low 32 bits of each hash: half the temporary disk and its writing, and
#: the same passages. Alignment only ever compares the shingles of two docs, where 32 bits collide about once
#: in 4,000 pairs of news-sized docs, and a lone false match is no passage (a passage needs runs of matches).
ORDER_DTYPE = np.uint32


def shingle_sets(texts: Sequence[str], cfg: ShingleConfig) -> ShingleSets:
    """Shingle set of every text. Each doc is processed independently, so batching never changes a result."""
    toks, tok_offsets = token_stream(texts)
    values, offsets = _kernels.shingle_set_rows(toks, tok_offsets, cfg.size, SHINGLE_SEED)
    exact = _kernels.sequence_hash(toks, tok_offsets, EXACT_SEED)
    return ShingleSets(values=values, offsets=offsets, exact=exact)


def shingle_sets_in_order(texts: Sequence[str], cfg: ShingleConfig) -> tuple[ShingleSets, np.ndarray, np.ndarray]:
    """``shingle_sets`` and ``ordered_shingles`` of the same texts from one tokenising pass (the ordered
    shingles, CSR values and offsets, are spilled for passage alignment: tokenising is most of their cost)."""
    return sketch_tokens(*token_stream(texts), cfg)


def sketch_tokens(toks: np.ndarray, tok_offsets: np.ndarray, cfg: ShingleConfig) -> tuple[
    ShingleSets, np.ndarray, np.ndarray
]:
    """Shingle sets and ordered shingles of token streams (CSR of ``token_stream`` hashes): what an index that
    keeps each doc's tokens, and not its shingles, computes again when it loads the doc."""
    values, offsets = _kernels.shingle_set_rows(toks, tok_offsets, cfg.size, SHINGLE_SEED)
    exact = _kernels.sequence_hash(toks, tok_offsets, EXACT_SEED)
    ordered, ordered_offsets = _kernels.shingle_hashes(toks, tok_offsets, cfg.size, SHINGLE_SEED)
    return ShingleSets(values=values, offsets=offsets, exact=exact), ordered.astype(ORDER_DTYPE), ordered_offsets


def concat(parts: Sequence[ShingleSets]) -> ShingleSets:
    """Join batches into one CSR table (doc order preserved)."""
    if not parts:
        empty = np.empty(0, dtype=np.uint64)
        return ShingleSets(empty, np.zeros(1, dtype=np.int64), empty)
    values = np.concatenate([p.values for p in parts])
    sizes = np.concatenate([np.diff(p.offsets) for p in parts])
    offsets = np.zeros(sizes.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return ShingleSets(values, offsets, np.concatenate([p.exact for p in parts]))


def csr_rows(values: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``rows`` (in that order) of a CSR table (``values`` with row ``offsets``), as a CSR table. When the
    rows are ascending and those left out hold nothing, ``values`` itself is returned, not a copy."""
    counts = np.diff(offsets)[rows]
    kept_offsets = np.zeros(rows.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=kept_offsets[1:])
    if int(kept_offsets[-1]) == values.shape[0] and bool(np.all(rows[1:] > rows[:-1])):
        return values, kept_offsets
    index = np.repeat(offsets[:-1][rows] - kept_offsets[:-1], counts) + np.arange(kept_offsets[-1], dtype=np.int64)
    return values[index], kept_offsets


def take(sets: ShingleSets, rows: np.ndarray) -> ShingleSets:
    """The sub-table of the given doc rows, in that order."""
    values, offsets = csr_rows(sets.values, sets.offsets, rows)
    return ShingleSets(values, offsets, sets.exact[rows])
