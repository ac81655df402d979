"""Compare two texts: exact scores, shared passages, label, which one is the excerpt.

The same stages ``dedup`` runs on a pair (cleaning without corpus evidence, shingle sets, exact scores, passage
alignment, labels), so that ``copydesk compare`` explains what ``dedup`` decided.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from .clean.boilerplate import clean_text, split_lines
from .config import RunConfig
from .io.readers import decode_entities
from .passages import align_edges, align_pairs
from .sketch import _kernels
from .sketch.shingle import ordered_shingles, shingle_sets, token_stream
from .verify import A_IN_B, B_IN_A, EDITED, EXACT, NEAR, EdgeTable, label_scores

Label = Literal["near_duplicate", "excerpt_of", "edited_copy", "unrelated"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of text found in both docs: 1-based inclusive line numbers, the words it spans in each doc (offsets
    into the text as matched, ends exclusive), its length in A's words and A's lines of it."""

    a_lines: tuple[int, int]
    b_lines: tuple[int, int]
    a_words: tuple[int, int]
    b_words: tuple[int, int]
    words: int
    text: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """``cover_a`` / ``cover_b``: the share of each text's words inside shared passages; ``longest_passage`` in
    words. ``has_body_a`` / ``has_body_b``: False for a text with no body to match (only a headline and some
    labels), which ``dedup`` never matches."""

    jaccard: float
    containment_a_in_b: float
    containment_b_in_a: float
    cover_a: float
    cover_b: float
    longest_passage: int
    label: Label
    exact: bool
    excerpt: Literal["a", "b"] | None
    shingles_a: int
    shingles_b: int
    shared_passages: tuple[Passage, ...]
    has_body_a: bool = True
    has_body_b: bool = True

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["shared_passages"] = [asdict(p) for p in self.shared_passages]
        return out


def _token_lines(text: str) -> np.ndarray:
    """The 1-based line of each token of ``text``."""
    lines = text.split("\n")
    _, offsets = token_stream(lines)
    return np.repeat(np.arange(1, len(lines) + 1), np.diff(offsets))


def shared_passages(a_text: str, b_text: str, cfg: RunConfig) -> tuple[Passage, ...]:
    """The passages ``dedup`` finds on the pair (``copydesk.passages``), mapped back to the lines of both texts."""
    values, offsets = ordered_shingles([a_text, b_text], cfg.shingle)
    v = cfg.verify
    found = align_pairs(values, offsets, np.array([0]), np.array([1]), cfg.shingle.size, v.passage_max_gap,
                        v.passage_min_words, v.excerpt_min_passage)
    a_line, b_line = _token_lines(a_text), _token_lines(b_text)
    if a_line.shape[0] == 0 or b_line.shape[0] == 0:
        return ()
    a_lines = a_text.split("\n")
    out = []
    for a0, a1, b0, b1 in found.passages(0):
        la = (int(a_line[min(a0, a_line.shape[0] - 1)]), int(a_line[min(a1, a_line.shape[0]) - 1]))
        lb = (int(b_line[min(b0, b_line.shape[0] - 1)]), int(b_line[min(b1, b_line.shape[0]) - 1]))
        text = "\n".join(line.strip() for line in a_lines[la[0] - 1 : la[1]] if line.strip())
        out.append(Passage(la, lb, (a0, a1), (b0, b1), a1 - a0, text))
    return tuple(out)


def matched(text: str, cfg: RunConfig) -> tuple[str, bool]:
    """The text as matching sees it after cleaning, with removed lines blanked rather than dropped, so line
    numbers in shared passages still point at the original text; and whether it has a body to match."""
    if not cfg.clean.enabled:
        return text, True
    lines = split_lines(text)
    result = clean_text(text, judge_prose=True)
    for removed in result.removed:
        lines[removed.line - 1] = ""
    return "\n".join(lines), result.has_prose


def masked(text: str, cfg: RunConfig) -> str:
    """``matched(text, cfg)``'s text."""
    return matched(text, cfg)[0]


_NAMES: dict[int, Label] = {NEAR: "near_duplicate", EXACT: "near_duplicate", A_IN_B: "excerpt_of",
                            B_IN_A: "excerpt_of", EDITED: "edited_copy"}


def compare_texts(a_text: str, b_text: str, cfg: RunConfig | None = None) -> Comparison:
    """Exact comparison of two texts with the same settings (and cleaning) ``dedup`` uses; without a corpus
    there is no corpus-level boilerplate evidence, only the per-document rules and the prose judgement. A text
    with no body is compared all the same, but labelled unrelated, as ``dedup`` never matches it."""
    cfg = cfg or RunConfig()
    # (as the readers hand plain text to dedup: HTML character references decoded)
    a_text, b_text = decode_entities(a_text, "a", []), decode_entities(b_text, "b", [])
    (a_text, body_a), (b_text, body_b) = matched(a_text, cfg), matched(b_text, cfg)
    sets = shingle_sets([a_text, b_text], cfg.shingle)
    left, right = np.array([0]), np.array([1])
    inter = _kernels.intersection_sizes(sets.values, sets.offsets[:-1], sets.offsets[1:], left, right)
    sizes = sets.sizes()
    same = np.array([bool(sets.exact[0] == sets.exact[1]) and sizes[0] > 0])
    jaccard, cab, cba, label = label_scores(sizes[:1], sizes[1:], inter, same, cfg.verify)
    texts = [a_text, b_text]
    edge = align_edges(EdgeTable(left, right, jaccard, cab, cba, label),
                       lambda docs: ordered_shingles([texts[i] for i in docs.tolist()], cfg.shingle), sizes, cfg,
                       keep_unrelated=True)
    code = int(edge.label[0]) if body_a and body_b else -1
    name: Label = _NAMES.get(code, "unrelated")
    excerpt: Literal["a", "b"] | None = "a" if code == A_IN_B else "b" if code == B_IN_A else None
    return Comparison(
        jaccard=round(float(jaccard[0]), 4), containment_a_in_b=round(float(cab[0]), 4),
        containment_b_in_a=round(float(cba[0]), 4), cover_a=round(float(edge.cover_ab[0]), 4),
        cover_b=round(float(edge.cover_ba[0]), 4), longest_passage=int(edge.longest[0]), label=name,
        exact=code == EXACT, excerpt=excerpt, shingles_a=int(sizes[0]), shingles_b=int(sizes[1]),
        shared_passages=shared_passages(a_text, b_text, cfg), has_body_a=body_a, has_body_b=body_b,
    )
