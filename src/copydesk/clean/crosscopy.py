"""Cross-copy evidence: once copies of a story are linked, the lines they share are body, and short
boilerplate-shaped lines that only one copy has are its wrapper.

Per-document rules cannot know that "Most popular on Site X" or a one-off promo line is not the story; the
other copies can. Only *full* copies (near duplicates) are used as evidence: an excerpt covers just the start
of the story, so a line missing from it says nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..sketch.shingle import token_stream

#: A line with more words than this is never removed on cross-copy evidence: long lines are body text even
#: when one copy edited them.
MAX_WORDS = 14


def _boilerplate_shaped(line: str, words: int) -> bool:
    if words == 0 or words > MAX_WORDS:
        return False
    return not line.rstrip().endswith((".", "!", "?", '"', "\u201d", ":"))


def cross_copy_clean(text: str, other_copies: Sequence[str]) -> tuple[str, list[str]]:
    """Drop the short, boilerplate-shaped lines of ``text`` that no other full copy contains.

    A line is "contained" when its token sequence occurs in another copy's token sequence (compared as
    64-bit token hashes, so matching ignores case, punctuation and spacing exactly as dedup does). Returns the
    new text (paragraph breaks kept) and the removed lines.
    """
    if not other_copies:
        return text, []
    lines = text.split("\n")
    values, offsets = token_stream(lines)
    other_values, other_offsets = token_stream(list(other_copies))
    others = [other_values[other_offsets[i] : other_offsets[i + 1]].tobytes() for i in range(len(other_copies))]
    kept: list[str] = []
    removed: list[str] = []
    for i, line in enumerate(lines):
        words = int(offsets[i + 1] - offsets[i])
        if _boilerplate_shaped(line, words):
            needle = values[offsets[i] : offsets[i + 1]].tobytes()
            if not any(needle in other for other in others):
                removed.append(line)
                continue
        kept.append(line)
    out: list[str] = []
    for line in kept:  # collapse the blank lines a removal may leave doubled
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out), removed
