"""Compare two texts: exact scores, label, which one is the excerpt, and the passages they share."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from .clean.boilerplate import clean_text, split_lines
from .config import RunConfig
from .sketch import _kernels
from .sketch.shingle import SHINGLE_SEED, shingle_sets, token_stream
from .verify import A_IN_B, B_IN_A, EXACT, NEAR, label_scores


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of text found in both docs; line numbers are 1-based and inclusive, words counted in A."""

    a_lines: tuple[int, int]
    b_lines: tuple[int, int]
    words: int
    text: str


@dataclass(frozen=True, slots=True)
class Comparison:
    jaccard: float
    containment_a_in_b: float
    containment_b_in_a: float
    label: Literal["near_duplicate", "excerpt_of", "unrelated"]
    exact: bool
    excerpt: Literal["a", "b"] | None
    shingles_a: int
    shingles_b: int
    shared_passages: tuple[Passage, ...]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["shared_passages"] = [asdict(p) for p in self.shared_passages]
        return out


class _Located:
    """A text's shingles in order, with the line each token came from."""

    def __init__(self, text: str, size: int) -> None:
        self.lines = text.split("\n")
        tokens, offsets = token_stream(self.lines)
        self.token_line = np.repeat(np.arange(1, len(self.lines) + 1), np.diff(offsets))
        shingles, _ = _kernels.shingle_hashes(tokens, np.array([0, tokens.shape[0]], dtype=np.int64), size,
                                               SHINGLE_SEED)
        self.shingles: np.ndarray = shingles
        self.size = size

    def span_lines(self, first_shingle: int, last_shingle: int) -> tuple[int, int]:
        last_token = min(last_shingle + self.size - 1, self.token_line.shape[0] - 1)
        return int(self.token_line[first_shingle]), int(self.token_line[last_token])


def shared_passages(a_text: str, b_text: str, size: int, min_words: int = 8) -> tuple[Passage, ...]:
    """Maximal runs of A's shingles that also occur in B, mapped back to the original lines of both texts."""
    a, b = _Located(a_text, size), _Located(b_text, size)
    if a.shingles.shape[0] == 0 or b.shingles.shape[0] == 0:
        return ()
    in_b = np.isin(a.shingles, b.shingles)
    first_in_b: dict[int, int] = {}
    for pos, h in enumerate(b.shingles.tolist()):
        first_in_b.setdefault(h, pos)
    passages: list[Passage] = []
    pos = 0
    n = in_b.shape[0]
    while pos < n:
        if not in_b[pos]:
            pos += 1
            continue
        end = pos
        while end + 1 < n and in_b[end + 1]:
            end += 1
        words = end - pos + size
        if words >= min_words:
            b_positions = [first_in_b[h] for h in a.shingles[pos : end + 1].tolist()]
            a_lines = a.span_lines(pos, end)
            b_lines = b.span_lines(min(b_positions), max(b_positions))
            text = "\n".join(line.strip() for line in a.lines[a_lines[0] - 1 : a_lines[1]] if line.strip())
            passages.append(Passage(a_lines, b_lines, words, text))
        pos = end + 1
    return tuple(passages)


def masked(text: str, cfg: RunConfig) -> str:
    """The text as matching sees it after cleaning, with removed lines blanked rather than dropped, so line
    numbers in shared passages still point at the original text."""
    if not cfg.clean.enabled:
        return text
    lines = split_lines(text)
    for removed in clean_text(text).removed:
        lines[removed.line - 1] = ""
    return "\n".join(lines)


def compare_texts(a_text: str, b_text: str, cfg: RunConfig | None = None) -> Comparison:
    """Exact comparison of two texts with the same settings (and cleaning) ``dedup`` uses; without a corpus
    there is no corpus-level boilerplate evidence, only the per-document rules."""
    cfg = cfg or RunConfig()
    a_text, b_text = masked(a_text, cfg), masked(b_text, cfg)
    sets = shingle_sets([a_text, b_text], cfg.shingle)
    inter = _kernels.intersection_sizes(sets.values, sets.offsets[:-1], sets.offsets[1:], np.array([0]), np.array([1]))
    sizes = sets.sizes()
    same = np.array([bool(sets.exact[0] == sets.exact[1]) and sizes[0] > 0])
    jaccard, cab, cba, label = label_scores(sizes[:1], sizes[1:], inter, same, cfg.verify)
    code = int(label[0])
    name: Literal["near_duplicate", "excerpt_of", "unrelated"] = "unrelated"
    excerpt: Literal["a", "b"] | None = None
    if code in (NEAR, EXACT):
        name = "near_duplicate"
    elif code == A_IN_B:
        name, excerpt = "excerpt_of", "a"
    elif code == B_IN_A:
        name, excerpt = "excerpt_of", "b"
    return Comparison(
        jaccard=round(float(jaccard[0]), 4), containment_a_in_b=round(float(cab[0]), 4),
        containment_b_in_a=round(float(cba[0]), 4), label=name, exact=code == EXACT, excerpt=excerpt,
        shingles_a=int(sizes[0]), shingles_b=int(sizes[1]),
        shared_passages=shared_passages(a_text, b_text, cfg.shingle.size),
    )
