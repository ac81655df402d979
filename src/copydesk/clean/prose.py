"""Prose versus furniture, judged from each line's own shape, in any language, with no site key.

Why: the per-document rules catch furniture that names itself ("Share", "Subscribe", "Most Read"), and corpus
evidence catches what a known site repeats; neither helps when a page arrives as bare text with no source or
URL. Then section menus, lists of other stories' headlines, affiliate disclaimers and newsletter pitches stay,
and they both hide copies (a five-paragraph excerpt inside 24 lines of another page's furniture is only
57% contained in its full copy) and invent them (two pages of one site that kept only a headline and the same
legal notice). The story itself is running text: sentences made of the language's function words, one after
the other. Furniture is short labels, title-cased headlines, links and lone sentences standing among them.

How:
* A line is **prose** when it reads like a sentence: enough words, a share of stopwords (the most frequent
  words of 100 languages, from jusText's stoplists, carried in ``stopwords.txt``) and a sentence ending, or
  long enough to be a paragraph; a title-cased line (most words capitalised) is a headline, not prose. Scripts
  written without spaces count characters instead of words.
* Prose lines that follow each other, allowing short gaps (a subhead, a caption, an "Advertisement" label),
  form a **block**. The story is the largest block; other blocks are kept when they hold several prose lines
  and some of the story's words, or a fair share of them (a second part of the article after an embedded widget). A lone
  sentence among furniture (a newsletter pitch, a disclaimer, a comment) is furniture.
* Everything outside the kept blocks is furniture, except the headline-shaped line right before the first
  block (the story's headline, which copies share).
* A text with no block of at least ``MIN_PROSE_WORDS`` words, or whose blocks hold less than
  ``MIN_PROSE_SHARE`` of its words, has no prose body. With ``MIN_OTHER_WORDS`` words or more its story is a
  table or a list (scores, specifications; its few sentences are the page's notices): all its lines are kept.
  Labels and headlines do not count toward those words: a menu and a list of other stories are no table.
  With fewer it has **no body** at all, only a headline and some labels: it is never matched (shared
  furniture would invent copies), and the caller reports it as such.

Pure functions of the lines: the same verdicts for any corpus, batch or worker.
"""

from __future__ import annotations

import re
from enum import Enum
from importlib import resources
from typing import Final

from ..sketch.normalize import HOMOGLYPHS

__all__ = ["STOPWORDS", "Body", "furniture_lines", "is_label_or_headline", "is_prose_line", "is_title_cased"]


def _load_stopwords() -> frozenset[str]:
    """The stoplists' words, and each as line normalisation folds it (Cyrillic and Greek letters that read as
    Latin ones become them: Russian "с", "о", "а"), so running Russian or Greek keeps its stopwords."""
    text = resources.files(__package__).joinpath("stopwords.txt").read_text(encoding="utf-8")
    words = {w for w in text.split("\n") if w and not w.startswith("#")}
    table = {ord(k): v for k, v in HOMOGLYPHS.items()}
    return frozenset(words | {w.translate(table) for w in words})


#: Casefolded function words of 100 languages (see ``tools/make_stopwords.py``); read once, never changed.
STOPWORDS: Final[frozenset[str]] = _load_stopwords()

#: Fewest words for a line to be a sentence (with a sentence ending), and for a paragraph without one.
SENTENCE_MIN_WORDS: Final[int] = 7
PARAGRAPH_MIN_WORDS: Final[int] = 16
#: Least share of stopwords among a prose line's words (running text in most languages has 30-50%; a
#: headline list, a menu or a tag cloud far less).
MIN_STOPWORD_SHARE: Final[float] = 0.15
#: A line whose words are mostly capitalised is a headline (German nouns alone stay well below this).
TITLE_CASE_SHARE: Final[float] = 0.7
#: Scripts without spaces: characters for a sentence with a sentence ending, and for a paragraph.
UNSPACED_SENTENCE_CHARS: Final[int] = 25
UNSPACED_PARAGRAPH_CHARS: Final[int] = 60
#: A gap inside a block: at most this many non-prose lines, of at most this many words in all.
GAP_MAX_LINES: Final[int] = 2
GAP_MAX_WORDS: Final[int] = 30
#: A block besides the largest is kept with at least this many prose lines and this share of the largest
#: block's words, or with this larger share alone.
SECOND_BLOCK_MIN_LINES: Final[int] = 2
SECOND_BLOCK_MIN_SHARE: Final[float] = 0.15
SECOND_BLOCK_SHARE: Final[float] = 0.5
#: A text whose largest block has fewer words than this has no prose body; nor has one whose largest block is
#: a lone line of fewer than ``LONE_LINE_MIN_WORDS`` that the text's other lines outweigh: one sentence among
#: furniture (a notice, a pitch) is no story, even where nothing else is prose.
MIN_PROSE_WORDS: Final[int] = 15
LONE_LINE_MIN_WORDS: Final[int] = 40
#: A text whose kept blocks hold less than this share of its words has no prose body either: its story is
#: a table or a list (scores, specifications), and the few sentences around it are the page's notices.
MIN_PROSE_SHARE: Final[float] = 0.2
#: A text with no prose body but this many words, not counting labels and headlines, is a table or a list,
#: matched on all its lines.
MIN_OTHER_WORDS: Final[int] = 50
LABEL_MAX_WORDS: Final[int] = 3
#: The headline kept before the first block: a line of this many words, not a sentence.
HEADLINE_WORDS: Final[tuple[int, int]] = (3, 30)

#: A headline glued to the dateline of its first sentence ("... fraud scheme in US NEW YORK: An Indian-origin
#: man has ..."): one item of a list of other stories, as a flattened teaser list prints it. (A dateline that
#: opens the line, "NEW DELHI: Their ...", is a story's first paragraph: the run of capitals must follow a
#: lower-case word.)
_GLUED_DATELINE: Final[re.Pattern[str]] = re.compile(r"[a-z] (?:[A-Z]{2,} )*[A-Z]{2,}: [A-Z]")

_STRIP: Final[str] = ".,;:!?\"'()[]{}\u201c\u201d\u201e\u00ab\u00bb\u2018\u2019\u2026-\u2013\u2014/*|#"
_SENTENCE_END: Final[str] = '.!?"\u201d\u00bb\u3002\uff01\uff1f\u061f\u0964'


def _unspaced(stripped: str, words: int) -> bool:
    """A line of a script written without spaces (Chinese, Japanese, Thai): few words for many characters."""
    return words <= 3 and len(stripped) >= UNSPACED_SENTENCE_CHARS and not stripped.isascii()


#: Words of a line that its shape is judged on (title case, share of stopwords): a headline, or a run of them
#: glued into one line, shows its shape in its first words as well as in all of them, and judging a long
#: paragraph on its first words only spares most of the work (most lines of a page are prose).
SHAPE_WORDS: Final[int] = 32


def is_title_cased(stripped: str) -> bool:
    """Most words capitalised, and enough of them: a headline ("15 Amazing Images of Stars From Hubble"), judged
    on the first ``SHAPE_WORDS`` words. (The scan stops once lower-case words are too many for any share of
    the rest: most lines are prose.)"""
    words = stripped.split(None, SHAPE_WORDS)[:SHAPE_WORDS]
    most_lower = (1.0 - TITLE_CASE_SHARE) * len(words)  # at least the cased words' share: a bound that is exact
    cased = upper = 0
    for w in words:
        first = w[:1]
        if first.isalpha() and first.lower() != first.upper():
            cased += 1
            if first.isupper():
                upper += 1
            elif cased - upper > most_lower:
                return False
    return cased >= 4 and upper >= TITLE_CASE_SHARE * cased


def is_label_or_headline(stripped: str, words: int) -> bool:
    """A menu label (a few words) or a headline: what a list of other stories or a site's menu is made of, so
    it does not make a text without prose a table or a list of its own."""
    return words <= LABEL_MAX_WORDS or is_title_cased(stripped)


def is_prose_line(stripped: str, norm: str, words: int) -> bool:
    """Whether one line reads like running text. ``stripped`` is the line without bullets or trailing space,
    ``norm`` its casefolded matching form, ``words`` the number of words of ``norm``."""
    terminal = stripped[-1:] in _SENTENCE_END or (stripped[-1:] in "'\u2019)" and stripped[-2:-1] in ".!?")
    if _unspaced(stripped, words):
        return len(stripped) >= UNSPACED_PARAGRAPH_CHARS or terminal
    if words < SENTENCE_MIN_WORDS or (words < PARAGRAPH_MIN_WORDS and not terminal):
        return False
    tokens = norm.split(None, SHAPE_WORDS)[:SHAPE_WORDS]  # (the share among its first words)
    needed = MIN_STOPWORD_SHARE * len(tokens)
    stop = 0
    for token in tokens:  # (stops as soon as there are enough: running text has two or three times as many)
        if token.strip(_STRIP) in STOPWORDS:
            stop += 1
            if stop >= needed:
                break
    if stop < needed:
        return False
    return _GLUED_DATELINE.search(stripped, 0, 200) is None and not is_title_cased(stripped)


class Body(Enum):
    """What a text's body is made of, which decides how it is matched."""

    PROSE = "prose"  # running text: matched on its prose blocks, the rest is furniture
    OTHER = "other"  # a table or a list (scores, specifications, a recipe): matched on all its lines
    NONE = "none"  # a headline and a few labels: nothing to match, and shared furniture must not make it a copy


def furniture_lines(prose: list[bool], words: list[int], headline_ok: list[bool],
                    listed: list[bool], teaser: bool = False) -> tuple[list[int], Body]:
    """Positions (into the given lists, one entry per content line in order) of the lines that are furniture,
    and what the body is. ``prose[k]``: line k is prose (``is_prose_line``); ``words[k]`` its words;
    ``headline_ok[k]``: it may be the headline kept before the story; ``listed[k]``: it is a label or a headline
    (``is_label_or_headline``). Lines are returned only for a prose body.
    A text has none when its largest block has fewer than ``MIN_PROSE_WORDS`` words (or is a lone line of fewer
    than ``LONE_LINE_MIN_WORDS`` that the other lines outweigh) or its kept blocks hold less than ``MIN_PROSE_SHARE`` of its words; then its
    body is another kind of text when it has at least ``MIN_OTHER_WORDS`` words besides labels and headlines,
    else there is none. ``teaser``: the lines are a story cut short by its page ("Read the full story at X"
    follows them), so one sentence is enough, however much furniture stands around it."""
    n = len(prose)
    total = sum(words)
    unlisted = sum(w for w, is_listed in zip(words, listed, strict=True) if not is_listed)
    other = Body.OTHER if unlisted >= MIN_OTHER_WORDS else Body.NONE
    blocks: list[tuple[int, int, int, int]] = []  # (first line, last line, prose lines, prose words)
    start = last = -1
    lines_in = words_in = gap_lines = gap_words = 0
    for k in range(n):
        if prose[k]:
            if start < 0:
                start = k
            last = k
            lines_in += 1
            words_in += words[k]
            gap_lines = gap_words = 0
            continue
        if start < 0:
            continue
        gap_lines += 1
        gap_words += words[k]
        if gap_lines > GAP_MAX_LINES or gap_words > GAP_MAX_WORDS:
            blocks.append((start, last, lines_in, words_in))
            start = last = -1
            lines_in = words_in = gap_lines = gap_words = 0
    if start >= 0:
        blocks.append((start, last, lines_in, words_in))
    largest = max((b[3] for b in blocks), default=0)
    # (a text that is one sentence, perhaps under a headline, is a brief: only a lone sentence that the page's
    # other lines outweigh is no story)
    lone = all(lines_in == 1 for _, _, lines_in, words_in in blocks if words_in == largest)
    outweighed = total - largest > largest
    if largest < MIN_PROSE_WORDS or (lone and outweighed and largest < LONE_LINE_MIN_WORDS and not teaser):
        return [], other
    keep = [False] * n
    first_kept = -1
    kept_words = 0
    for first, end, lines_in, words_in in blocks:
        if (
            words_in == largest
            or (lines_in >= SECOND_BLOCK_MIN_LINES and words_in >= SECOND_BLOCK_MIN_SHARE * largest)
            or words_in >= SECOND_BLOCK_SHARE * largest
        ):
            for k in range(first, end + 1):
                keep[k] = True
            kept_words += words_in
            if first_kept < 0:
                first_kept = first
    if kept_words < MIN_PROSE_SHARE * total:
        return [], other
    if first_kept > 0 and headline_ok[first_kept - 1]:
        keep[first_kept - 1] = True
    return [k for k in range(n) if not keep[k]], Body.PROSE
