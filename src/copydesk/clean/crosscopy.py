"""Cross-copy evidence: once copies of a story are linked, the lines they share are body, and short
boilerplate-shaped lines that only one copy has are its wrapper.

Per-document rules cannot know that "Most popular on Site X" or a one-off promo line is not the story; the
other copies can. Only *full* copies (near duplicates) are used as evidence: an excerpt covers just the start
of the story, so a line missing from it says nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..sketch.normalize import normalize_for_matching

#: A line with more words than this is never removed on cross-copy evidence: long lines are body text even
#: when one copy edited them.
MAX_WORDS = 14


def _boilerplate_shaped(line: str, normalised: str) -> bool:
    words = normalised.count(" ") + 1 if normalised else 0
    if words == 0 or words > MAX_WORDS:
        return False
    stripped = line.rstrip()
    return not stripped.endswith((".", "!", "?", '"', "\u201d", ":"))


def cross_copy_clean(text: str, other_copies: Sequence[str]) -> tuple[str, list[str]]:
    """Drop the short, boilerplate-shaped lines of ``text`` that no other full copy contains.

    Returns the new text (paragraph breaks kept) and the removed lines.
    """
    if not other_copies:
        return text, []
    others = [" " + normalize_for_matching(t) + " " for t in other_copies]
    kept: list[str] = []
    removed: list[str] = []
    for line in text.split("\n"):
        norm = normalize_for_matching(line)
        if norm and _boilerplate_shaped(line, norm) and not any(f" {norm} " in o for o in others):
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
