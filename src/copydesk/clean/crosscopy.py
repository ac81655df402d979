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


#: How a line that reads as a sentence (or introduces one) ends; such lines are never removed here.
_SENTENCE_ENDS = (".", "!", "?", '"', "\u201d", ":")


def _maybe_boilerplate(line: str) -> bool:
    """A non-blank line that does not end like a sentence: boilerplate-shaped if it is short enough in tokens."""
    end = line.rstrip()
    return bool(end) and not end.endswith(_SENTENCE_ENDS)


def _holds_line(text: str, stripped: str) -> bool:
    """Whether a line of ``text`` is ``stripped`` up to whitespace at its ends (``stripped`` is non-empty, has no
    line break and no whitespace at its ends). A substring search, not a split of ``text`` into lines."""
    at = text.find(stripped)
    while at >= 0:
        end = at + len(stripped)
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", end)
        if not text[line_start:at].strip() and not text[end : len(text) if line_end < 0 else line_end].strip():
            return True
        at = text.find(stripped, at + 1)
    return False


def _held_by_another(stripped: str, other_copies: Sequence[str]) -> bool:
    """Whether another copy holds the line ``stripped`` whole (see ``_holds_line``)."""
    return any(_holds_line(other, stripped) for other in other_copies)


def cross_copy_clean(text: str, other_copies: Sequence[str]) -> tuple[str, list[str]]:
    """Drop the short, boilerplate-shaped lines of ``text`` that no other full copy contains.

    A line is "contained" when its token sequence occurs in another copy's token sequence (compared as
    64-bit token hashes, so matching ignores case, punctuation and spacing exactly as dedup does). Returns the
    new text (paragraph breaks kept) and the removed lines.

    Only the lines that do not end like a sentence are candidates. A candidate that another copy holds as a whole
    line (up to spaces at its ends) stays without tokenising anything: tokens never span a line break, so its
    tokens are a run of that copy's tokens. The others are tokenised together with the other copies in one call
    (the tokeniser treats each text on its own). Most canonical texts have no candidate left after the first
    test (two in three on the bench corpus) and need no tokens at all.
    """
    if not other_copies:
        return text, []
    lines = text.split("\n")
    maybe = [
        i for i, line in enumerate(lines)
        if _maybe_boilerplate(line) and not _held_by_another(line.strip(), other_copies)
    ]
    gone: set[int] = set()
    if maybe:
        values, offsets = token_stream([lines[i] for i in maybe] + list(other_copies))
        bounds = offsets.tolist()
        first_other = len(maybe)
        others = [
            values[bounds[first_other + j] : bounds[first_other + j + 1]].tobytes() for j in range(len(other_copies))
        ]
        for at, i in enumerate(maybe):
            start, end = bounds[at], bounds[at + 1]
            if 0 < end - start <= MAX_WORDS:
                needle = values[start:end].tobytes()
                if not any(needle in other for other in others):
                    gone.add(i)
    removed = [lines[i] for i in sorted(gone)]
    out: list[str] = []
    for i, line in enumerate(lines):  # collapse the blank lines a removal may leave doubled
        if i in gone or (not line.strip() and (not out or not out[-1].strip())):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out), removed
