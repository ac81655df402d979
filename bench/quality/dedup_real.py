#!/usr/bin/env python3
"""Dedup quality on real text: copies of real articles wrapped in real page boilerplate.

Labelled news-copy data cannot be fetched here, so the labelled set is built from the article-extraction
benchmark (121 real news/blog pages with gold article bodies):

1. Each page's visible text is split into lines (stdlib ``html.parser``; script/style/noscript/template/svg/
   iframe and ``<head>`` dropped; block-level elements and ``<br>`` end a line; whitespace collapsed). The
   lines before the gold body are the page's *top* boilerplate, the lines after it its *bottom* boilerplate
   (share rows, related links, comments, footer). A line that repeats 5+ words of the page's own gold body is
   never boilerplate. The top is split at the page's last ``<h1>`` before the body: before it the site's
   *navigation*, from it on the story's *headline block* (headline, standfirst, byline, date, caption).
2. A seeded corpus. Every article gets an original doc: its gold body wrapped in the real boilerplate lines of
   *another* page (up to 15 top and 25 bottom lines). About 40% of the articles also get 1-2 near copies (2-4%
   of the words substituted, one sentence dropped or added, another site's wrapper, in 60% a credit line "This
   article originally appeared on <site>"), about 35% get 1-2 excerpts (the first 30-50% of the paragraphs,
   another site's wrapper, "Read the full story at <site>"); the rest are single. Besides, about 15% of the
   English-prose stories (a share of English function words) with at least 6 paragraphs, of any group, get one
   *edited copy*, as a wire story's later update reads (``LABELLING.md``'s EDITED: the same narration, but
   rewritten, updated or merged with other material): a new lead (the first 3-4 words of the old lead's first
   sentence, then the rest of a sentence from another story and maybe one more), 1-2 paragraphs dropped from
   the middle, one paragraph moved, 1-2 paragraphs of other stories merged in at the end or in the middle, and
   1-2% of the kept words substituted; it must keep at least half of the original's paragraphs verbatim-ish
   (checked on the result). Other stories lend the new text because the corpus has no second version of any
   story; each lends at most one sentence or one paragraph, and an edited copy joined to a lender's doc counts
   as a false positive. Another site's wrapper, in 30% the near copies' credit line. The edited copies come
   from their own seeded generator and are slotted into the shuffled docs, so every other draw, and the other
   docs' order, is what it was without them. A doc's ``source`` is the host of the page its wrapper came from.
   Three wrapper modes:

   * ``site`` (headline): the wrapper page's navigation and bottom lines around the story's *own* headline
     block, as a real site prints any story (and as copies of one story share its headline);
   * ``page`` (the literal variant): the wrapper page's whole top, its own headline block included, so
     unrelated stories on one wrapper also share another story's headline, standfirst and caption;
   * ``heavy`` (heavy furniture): site mode with short excerpts in much furniture, so that an excerpt doc's
     furniture lines far outnumber its copied paragraphs. Originals and near copies are site mode's very docs
     (and the truth is site mode's); each excerpt is the first 2-5 paragraphs of the story (a story with no
     more paragraphs than drawn keeps all but one, at least one) inside 20-30 lines of another page's
     furniture (its navigation before the headline block and its bottom lines, split in the page's own
     proportion), with the story's headline block and the credit line as in site mode. The site-mode
     wrapper stays unless its page has too few such lines (nor goes to the host of any doc of the story, the
     edited copy's included). These draws come from a second seeded generator, so site mode's draws stay as
     they are. Edited copies are site mode's docs too.

   Same-site pairs are built in: the 24 hosts with two benchmark pages lend their two (different but
   overlapping) real wrappers to unrelated stories, every wrapper serves 1-3 docs, and 15 pairs of unrelated
   originals get the very same wrapper on purpose. Shared furniture must never join them.
3. copydesk's ``dedup`` runs on the corpus with cleaning on and off, and on the bare bodies (no wrapper at
   all: what the edits alone cost). Predicted pairs are scored against the truth: precision over all pairs,
   recall per required kind, *near* (original and near copies among themselves), *excerpt* (an excerpt vs a
   full copy) and *edited* (the edited copy vs the original or a near copy; target 0.90); two excerpts of one
   story, or an excerpt and the edited copy (a rewritten lead leaves an excerpt of the lead little to share),
   are correct if joined but not required. ``compare_texts`` gives the exact Jaccard / containment of every
   truth pair and every same-site pair with and without cleaning, and its numbers (Jaccard, containments,
   covers, longest passage, passages, label) for every missed edited pair, in every mode and seed.
4. Input modes (``--modes``, default all): ``site``, ``page`` and ``heavy`` are JSONL with ``source`` and ``url``;
   ``bare-text`` (site mode's docs) and ``heavy-bare-text`` (heavy mode's) are a flat folder of ``<doc id>.txt``
   files with no source and no URL, as a user points ``copydesk dedup FOLDER`` at scraped text (a sub-folder
   would become the source, so there is none). copydesk names such a doc by its file name; ``.txt`` is
   stripped to match the truth. Every mode gets copydesk's same-cluster row (default settings) and the
   peers' rows; ``site`` and ``page`` also the cleaning-off and other rows, ``site`` the diagnosis; and
   every mode its same-cluster scores at every seed, with the roles copydesk gives the edited copies.
5. Baselines: Jaccard-threshold dedup (word 5-gram shingles of the raw text, no cleaning) at 0.5 and 0.8,
   exact (site mode), and on the same shingles with datasketch when it is importable (here or in
   ``--baseline-python``): ``MinHashLSH`` at 0.5 and 0.8, and ``MinHashLSHEnsemble`` (containment LSH,
   threshold 0.7, 16 partitions): every doc is indexed with its shingle count and queried, and a pair is
   predicted when the MinHash estimate of the query's containment in the candidate passes 0.7 (an excerpt
   is found by querying with the excerpt).

Run from the repository root (about 2 minutes on 2 cores: every mode at 5 seeds):

    python bench/quality/dedup_real.py --data ../shared/data/article-extraction-benchmark \\
        --out bench/quality/DEDUP_REAL.md [--modes site,bare-text] \\
        [--baseline-python /path/to/venv-with-datasketch/bin/python]

Besides the report, stdout gets one line per mode and seed scored, for other scripts to parse, e.g.
``summary mode=bare-text seed=1 docs=251 pairs=167 precision=1.0000 near_recall=0.9744 excerpt_recall=0.9808
false_positives=0 same_site_joined=0 edited_recall=0.8182`` (``edited_recall`` last, so that the older keys keep
their place); :func:`score_mode` returns the same numbers for one mode and seed (a few seconds: a test can
call it).

Each corpus (``docs.jsonl``; for the bare-text modes also the ``txt/`` folder copydesk reads), its truth
(``truth.jsonl``) and per-line labels (``lines.jsonl``) go to ``bench/out/dedup-real/seed-<seed>/<mode>/``
(gitignored). Not collected by pytest; nothing is copied into the repository.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import itertools
import json
import math
import os
import platform
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
try:
    import copydesk
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO / "src"))
    import copydesk

sys.path.insert(0, str(REPO / "bench"))  # the shared bench helpers
from _common import git_state  # noqa: E402

DEFAULT_DATA = Path("../shared/data/article-extraction-benchmark")
DEFAULT_CORPUS_DIR = Path("bench/out/dedup-real")

# corpus shape
MAX_TOP = 15  # top lines of a doc: navigation + headline block
MAX_HEAD = 6  # of which at most this many are the headline block (site mode)
MAX_BOTTOM = 25
NEAR_SHARE = 0.40
EXCERPT_SHARE = 0.35
SAME_WRAPPER_PAIRS = 15
MIN_WORDS_NEAR = 60  # a story shorter than this gets no near copy (a 5-word shingle set of ~55 breaks on 1 edit)
MIN_WORDS_EXCERPT = 150  # an excerpt of 30-50% of it still has >= 45 words
HEAVY_PARAGRAPHS = (2, 5)  # heavy mode: an excerpt is the story's first 2-5 paragraphs ...
HEAVY_FURNITURE = (20, 30)  # ... inside 20-30 furniture lines of another page
EDITED_SHARE = 0.15  # of the stories with >= EDITED_MIN_PARAGRAPHS paragraphs get one edited copy
EDITED_MIN_PARAGRAPHS = 6  # a new lead, 1-2 dropped and 1 moved paragraph still leave half of the story
EDITED_RATE = (0.01, 0.02)  # word substitutions of an edited copy (a rewrite, on top of the paragraph edits)
EDITED_CREDIT = 0.30  # share of the edited copies with a credit line
EDITED_MIN_KEPT = 0.5  # an edited copy keeps at least this share of the original's paragraphs verbatim-ish
MERGED_WORDS = (15, 80)  # a paragraph merged in from another story: prose, but one paragraph's worth
#: English prose: at least this share of a story's words are these function words (a scores table, a list of
#: names or another language falls below). An edited copy is made of such a story with such stories' text, as
#: a story's update does not switch language.
ENGLISH_SHARE = 0.15
ENGLISH_WORDS = frozenset({
    "the", "and", "of", "to", "a", "in", "is", "that", "for", "on", "with", "was", "it", "as", "at", "by", "you",
    "your", "he", "she", "they", "we", "are", "be", "has", "have", "from", "this",
})

# mode -> (wrapper mode of the corpus, input format copydesk reads)
MODES: dict[str, tuple[str, str]] = {
    "site": ("site", "jsonl"),
    "page": ("page", "jsonl"),
    "bare-text": ("site", "txt"),
    "heavy": ("heavy", "jsonl"),
    "heavy-bare-text": ("heavy", "txt"),
}
TEXT_FOLDER_MODES = tuple(m for m, (_, input_format) in MODES.items() if input_format == "txt")
INPUT_NAMES = {"jsonl": "JSONL with source and URL", "txt": "a flat folder of .txt files, no source, no URL"}
ENSEMBLE_THRESHOLD = 0.7

# targets from the issue
TARGET_PRECISION = 0.99
TARGET_NEAR = 0.98
TARGET_EXCERPT = 0.97
TARGET_EDITED = 0.90

#: truth kinds that recall is scored on (the others, excerpt vs excerpt and excerpt vs edited copy of one story,
#: count as correct when joined but are not required: an excerpt of the lead shares little with a copy whose
#: lead was rewritten, and two excerpts may share only their first paragraph)
REQUIRED_KINDS = ("near", "excerpt", "edited")
OPTIONAL_KINDS = ("same_story", "edited_excerpt", "excerpt_no_prose")

#: an excerpt whose copied paragraphs hold fewer running words than this (words of paragraphs that are sentences:
#: at least ``SENTENCE_MIN_WORDS`` words ending with sentence punctuation, or ``RUN_ON_MIN_WORDS``) is scored apart, as
#: ``excerpt_no_prose``: the first paragraphs of some stories are a box score's result lines, a fact check's
#: "Claim" label or title lines, and the issue asks that a page with no prose body is never matched (furniture
#: that such a page shares would invent copies). ``copydesk`` must then say ``no_prose_body``; the tables count
#: how many it joined anyway, and recall is scored on the excerpts that carry running text.
EXCERPT_MIN_RUNNING_WORDS = 15
SENTENCE_MIN_WORDS = 6
RUN_ON_MIN_WORDS = 20  # a paragraph this long is running text even with no closing punctuation
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002\u061f\uff01\uff1f][\"'\u201d\u2019)\]\u00bb]*\s*$")

ADDED_SENTENCES = (
    "The company did not immediately respond to a request for comment.",
    "Officials said more details would be released later this week.",
    "The story has been updated with additional information.",
    "Representatives declined to comment further on the matter when reached on Tuesday.",
    "Reporting was contributed by staff writers at the regional desk.",
    "It was not immediately clear how many people would be affected by the change.",
    "Analysts expect the situation to remain unchanged for the next several months.",
    "A spokesperson said the organisation would review the findings carefully.",
)

WRAPPER_LABELS = ("top", "bottom")  # the furniture lines; "head" is the story's own headline block


# ----------------------------------------------------------------------------------------------------------
# HTML -> visible lines (stdlib only, so the repository's own venv runs this)

_BLOCK = frozenset(
    ["address", "article", "aside", "blockquote", "body", "br", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul", "option", "select", "caption", "legend", "menu"]
)
_SKIP = frozenset(["script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas", "math"])
_VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"])


class _Lines(HTMLParser):
    """Visible text as lines; ``h1[i]`` tells whether line i came from inside an ``<h1>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.h1: list[bool] = []
        self.buf: list[str] = []
        self.skip_stack: list[str] = []
        self.in_h1 = 0
        self.buf_h1 = False

    def _flush(self) -> None:
        text = " ".join("".join(self.buf).split())
        if text:
            self.lines.append(text)
            self.h1.append(self.buf_h1)
        self.buf = []
        self.buf_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID and tag not in _BLOCK:
            return
        if tag in _SKIP:
            self.skip_stack.append(tag)
            return
        if not self.skip_stack and tag in _BLOCK:
            self._flush()
        if tag == "h1" and not self.skip_stack:
            self.in_h1 += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skip_stack and tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag in self.skip_stack:  # tolerate bad nesting: pop back to the matching skipped tag
                while self.skip_stack and self.skip_stack.pop() != tag:
                    pass
            return
        if not self.skip_stack and tag in _BLOCK:
            self._flush()
        if tag == "h1" and self.in_h1 > 0 and not self.skip_stack:
            self.in_h1 -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip_stack:
            self.buf.append(data)
            if self.in_h1 and data.strip():
                self.buf_h1 = True

    def close(self) -> None:
        super().close()
        self._flush()


def visible_lines(html: str) -> tuple[list[str], list[bool]]:
    parser = _Lines()
    parser.feed(html)
    parser.close()
    return parser.lines, parser.h1


_WORD = re.compile(r"\w+", re.UNICODE)


def norm_words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


# ----------------------------------------------------------------------------------------------------------
# pages -> stories + wrappers


@dataclass
class Page:
    id: str
    url: str
    host: str
    paragraphs: list[str]
    words: int
    top: list[str] = field(default_factory=list)  # all boilerplate lines before the body
    head_at: int = 0  # index in ``top`` where the headline block starts
    bottom: list[str] = field(default_factory=list)  # all boilerplate lines after the body
    lines: int = 0
    body_found: bool = True

    @property
    def site(self) -> str:
        return self.host.removeprefix("www.")

    def nav(self, limit: int) -> list[str]:
        """The site's navigation: the top lines before the headline block (page top, then the lines nearest the
        headline), at most ``limit``."""
        nav = self.top[: self.head_at]
        if len(nav) <= limit:
            return nav
        first = (limit * 2 + 2) // 3
        return nav[:first] + nav[len(nav) - (limit - first):]

    def head(self) -> list[str]:
        """The story's own headline block (from its ``<h1>`` to the body), at most ``MAX_HEAD`` lines."""
        head = self.top[self.head_at:]
        return head if len(head) <= MAX_HEAD else head[:3] + head[-(MAX_HEAD - 3):]

    def whole_top(self) -> list[str]:
        """The page's whole top (navigation and its own headline block), at most ``MAX_TOP`` lines."""
        return self.top if len(self.top) <= MAX_TOP else self.top[:8] + self.top[-(MAX_TOP - 8):]

    def bottom_lines(self, limit: int = MAX_BOTTOM) -> list[str]:
        """Just after the body (share, related) and the page end (footer), at most ``limit`` lines (2/5 of
        them from just after the body)."""
        b = self.bottom
        first = limit * 2 // 5
        return b if len(b) <= limit else b[:first] + b[len(b) - (limit - first):]

    @property
    def furniture(self) -> int:
        """How many furniture lines the page can lend in heavy mode (navigation and bottom)."""
        return self.head_at + len(self.bottom)


def load_pages(data: Path) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages: list[Page] = []
    for pid in sorted(truth):
        body = truth[pid]["articleBody"]
        url = truth[pid]["url"]
        paragraphs = [" ".join(p.split()) for p in body.split("\n") if p.strip()]
        page = Page(pid, url, (urlsplit(url).hostname or "unknown").lower(), paragraphs, len(body.split()))
        raw = gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes()).decode("utf-8", "replace")
        lines, h1 = visible_lines(raw)
        page.lines = len(lines)
        gold = " " + " ".join(norm_words(body)) + " "
        strong = []  # the line repeats >= 5 words of the gold body: body text (or a pull quote), never furniture
        for line in lines:
            w = norm_words(line)
            strong.append(len(w) >= 5 and (" " + " ".join(w) + " ") in gold)
        idx = [i for i, s in enumerate(strong) if s]
        if not idx:
            page.body_found = False
            pages.append(page)
            continue
        first, last = idx[0], idx[-1]
        top = [(ln, f) for ln, s, f in zip(lines[:first], strong[:first], h1[:first]) if not s and norm_words(ln)]
        page.top = [ln for ln, _ in top]
        h1_at = [i for i, (_, f) in enumerate(top) if f]
        page.head_at = h1_at[-1] if h1_at else max(0, len(top) - 3)
        page.bottom = [ln for ln, s in zip(lines[last + 1:], strong[last + 1:]) if not s and norm_words(ln)]
        pages.append(page)
    return pages


# ----------------------------------------------------------------------------------------------------------
# corpus


@dataclass
class Doc:
    id: str
    article: int
    kind: str  # orig | near | excerpt | edited
    wrapper: int  # index of the page whose furniture wraps it
    source: str
    url: str
    lines: list[tuple[str, str]]  # (label, text); label: top | head | credit | body | bottom

    @property
    def text(self) -> str:
        return "\n".join(t for _, t in self.lines)


_SENT = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"(])")


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENT.split(paragraph) if s.strip()]


def edit_words(paragraphs: list[str], rate: float, vocab: Sequence[str], rng: random.Random) -> list[str]:
    """Substitute ``rate`` of the words (at distinct positions) with other words of the story."""
    tokens = [p.split(" ") for p in paragraphs]
    slots = [(i, j) for i, t in enumerate(tokens) for j in range(len(t))]
    for i, j in rng.sample(slots, max(1, round(rate * len(slots)))):
        old = tokens[i][j]
        new = rng.choice(vocab)
        while new.casefold() == old.casefold():
            new = rng.choice(vocab)
        tokens[i][j] = new
    return [" ".join(t) for t in tokens]


def drop_or_add_sentence(paragraphs: list[str], rng: random.Random) -> list[str]:
    paras = list(paragraphs)
    multi = [i for i, p in enumerate(paras) if len(sentences(p)) >= 2]
    if rng.random() < 0.5 and (multi or len(paras) >= 3):
        if multi:
            i = rng.choice(multi)
            sents = sentences(paras[i])
            del sents[rng.randrange(len(sents))]
            paras[i] = " ".join(sents)
        else:
            del paras[rng.randrange(len(paras))]
        return paras
    i = rng.randrange(len(paras))
    paras[i] = paras[i] + " " + rng.choice(ADDED_SENTENCES)
    return paras


def excerpt_paragraphs(paragraphs: list[str], share: float) -> list[str]:
    """The first ``share`` of the paragraphs (of the sentences when there are fewer than 3 paragraphs)."""
    if len(paragraphs) >= 3:
        return paragraphs[: max(1, round(share * len(paragraphs)))]
    n = max(1, round(share * sum(len(sentences(p)) for p in paragraphs)))
    out: list[str] = []
    count = 0
    for p in paragraphs:
        take = sentences(p)[: max(0, n - count)]
        if take:
            out.append(" ".join(take))
        count += len(take)
        if count >= n:
            break
    return out


@dataclass(frozen=True)
class Edit:
    """How one edited copy was made: the report's corpus facts, and which other stories lent it text (a pair of
    the edited copy and a doc of such a story is unrelated in the truth, so joining it is a false positive)."""

    story: int
    lead_from: tuple[int, ...]  # the stories whose sentences make the new lead
    dropped: tuple[int, ...]  # indices of the original's paragraphs dropped from the middle
    moved: int  # index of the original's paragraph moved elsewhere
    merged: tuple[int, ...]  # the stories one paragraph each was merged in from
    rate: float  # share of the kept paragraphs' words substituted
    kept: float  # share of the original's paragraphs that the copy keeps verbatim-ish (:func:`verbatim_share`)
    words: int  # words of the edited body
    paragraphs: int  # paragraphs of the original

    @property
    def lenders(self) -> tuple[int, ...]:
        return tuple(sorted({*self.lead_from, *self.merged}))


def same_paragraph(original: str, other: str) -> bool:
    """``other`` is ``original`` verbatim-ish: as many words, at most 10% of them (at least 1) substituted in
    place, as :func:`edit_words` does."""
    a, b = original.split(" "), other.split(" ")
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) <= max(1, len(a) // 10)


def verbatim_share(original: Sequence[str], edited: Sequence[str]) -> float:
    """The share of the original's paragraphs found verbatim-ish in the edited copy, checked on the result (not
    on the recipe's bookkeeping), so a recipe change that leaves too little of the story fails loudly."""
    return sum(1 for p in original if any(same_paragraph(p, q) for q in edited)) / len(original)


def english_prose(page: Page) -> bool:
    words = norm_words(" ".join(page.paragraphs))
    return bool(words) and sum(w in ENGLISH_WORDS for w in words) / len(words) >= ENGLISH_SHARE


def prose_sentences(pages: list[Page], story: int, lo: int, hi: int) -> list[str]:
    """Sentences of ``lo``-``hi`` words from a story's paragraphs after its first (its lead is the part most
    likely to be quoted by a copy of that story's own)."""
    return [s for p in pages[story].paragraphs[1:] for s in sentences(p) if lo <= len(s.split()) <= hi]


def edited_body(pages: list[Page], a: int, vocab: Sequence[str], rng: random.Random) -> tuple[list[str], Edit]:
    """An edited copy of story ``a``, as a wire story's later update reads: a rewritten lead (the first 3-4
    words of the old lead's first sentence, the rest of the sentence and maybe one more taken from other
    stories: text that is new to this story), 1-2 paragraphs dropped from the middle, one moved, 1-2 paragraphs
    of other stories merged in (at the end or in the middle), and 1-2% of the kept words substituted. Other
    stories lend text because the corpus has no second version of any story; each lends one sentence or one
    paragraph at most, below the several sentences of narration that would make a pair a copy; all of them are
    English prose, as the story is (:func:`english_prose`)."""
    paras = pages[a].paragraphs
    n = len(paras)
    others = [i for i, p in enumerate(pages) if i != a and len(p.paragraphs) >= 2 and english_prose(p)]

    def sentence_from(lo: int, hi: int, used: set[int]) -> tuple[int, str]:
        while True:
            d = rng.choice(others)
            found = prose_sentences(pages, d, lo, hi) if d not in used else []
            if found:
                used.add(d)
                return d, rng.choice(found)

    used: set[int] = set()
    first = sentences(paras[0])[0].split(" ")
    _, tail = sentence_from(10, 40, used)
    lead = " ".join(first[: rng.randint(3, 4)] + tail.split(" ")[3:])
    if rng.random() < 0.5:
        lead += " " + sentence_from(8, 40, used)[1]
    lead_from = tuple(sorted(used))

    dropped = tuple(sorted(rng.sample(range(1, n - 1), 1 if n < 8 else rng.randint(1, 2))))
    keep = [i for i in range(1, n) if i not in dropped]
    rate = rng.uniform(*EDITED_RATE)
    body = dict(zip(keep, edit_words([paras[i] for i in keep], rate, vocab, rng), strict=True))
    j = rng.randrange(len(keep))
    moved = keep.pop(j)
    keep.insert(rng.choice([p for p in range(len(keep) + 1) if abs(p - j) >= 2]), moved)
    out = [body[i] for i in keep]
    merged: list[int] = []
    for _ in range(rng.randint(1, 2)):
        while True:
            d = rng.choice(others)
            found = [p for p in pages[d].paragraphs[1:] if MERGED_WORDS[0] <= len(p.split()) <= MERGED_WORDS[1]]
            if d not in used and found:
                break
        used.add(d)
        merged.append(d)
        out.insert(len(out) if rng.random() < 0.5 else rng.randrange(1, len(out)), rng.choice(found))
    out.insert(0, lead)
    kept = verbatim_share(paras, out)
    if kept < EDITED_MIN_KEPT:
        raise AssertionError(f"edited copy of story {a} keeps {kept:.0%} of its paragraphs, under {EDITED_MIN_KEPT:.0%}")
    return out, Edit(a, lead_from, dropped, moved, tuple(merged), rate, kept, sum(len(p.split()) for p in out), n)


@dataclass
class Corpus:
    mode: str
    docs: list[Doc]
    # a, b, kind: near | excerpt | edited (the edited copy vs the original or a near copy) | same_story (excerpt vs
    # excerpt, optional) | edited_excerpt (the edited copy vs an excerpt, optional)
    truth: list[dict[str, str]]
    groups: dict[int, str]  # article -> near | excerpt | single
    same_wrapper: list[tuple[int, int]]
    edits: dict[str, Edit] = field(default_factory=dict)  # edited copy's id -> how it was made


def build_corpus(pages: list[Page], seed: int, mode: str) -> Corpus:
    """Deterministic for (pages, seed); every wrapper mode draws the same stories, edits and wrappers (heavy
    mode then redoes the excerpts). The edited copies are drawn last from their own generator and slotted into
    the shuffled docs, so every other draw, and the docs' order, is what it was before edited copies existed."""
    rng = random.Random(seed)
    edited_rng = random.Random(f"edited-{seed}")
    n = len(pages)
    usable = [i for i, p in enumerate(pages) if p.body_found and (p.top or p.bottom)]
    vocab_all = sorted({w for p in pages for para in p.paragraphs for w in para.split(" ") if w.isalpha() and len(w) > 2})
    order = list(range(n))
    rng.shuffle(order)
    n_near, n_exc = round(NEAR_SHARE * n), round(EXCERPT_SHARE * n)
    groups: dict[int, str] = {}
    for a in order:
        words = pages[a].words
        near_left = n_near - sum(1 for g in groups.values() if g == "near")
        exc_left = n_exc - sum(1 for g in groups.values() if g == "excerpt")
        if near_left > 0 and words >= MIN_WORDS_NEAR and (exc_left <= 0 or words < MIN_WORDS_EXCERPT or rng.random() < 0.55):
            groups[a] = "near"
        elif exc_left > 0 and words >= MIN_WORDS_EXCERPT:
            groups[a] = "excerpt"
        else:
            groups[a] = "single"
    # originals: a seeded derangement over the usable wrappers (never the story's own page)
    wrappers = list(usable)
    while True:
        rng.shuffle(wrappers)
        perm = {a: wrappers[k % len(wrappers)] for k, a in enumerate(range(n))}
        if all(perm[a] != a for a in range(n)):
            break
    # unrelated originals on the very same wrapper
    singles = [a for a in sorted(groups) if groups[a] != "excerpt"]
    rng.shuffle(singles)
    same_wrapper: list[tuple[int, int]] = []
    for k in range(SAME_WRAPPER_PAIRS):
        a, b = singles[2 * k], singles[2 * k + 1]
        if perm[a] == b:
            a, b = b, a
        if perm[a] == b:
            continue
        perm[b] = perm[a]
        same_wrapper.append((a, b))

    docs: list[Doc] = []
    truth: list[dict[str, str]] = []

    def new_doc(a: int, kind: str, k: int, w: int, body: list[str], credit: str | None,
                r: random.Random = rng, into: list[Doc] = docs) -> Doc:
        page, story = pages[w], pages[a]
        credit_top = r.random() < 0.3
        if mode == "page":
            lines = [("top", t) for t in page.whole_top()]
        else:
            head = story.head()
            lines = [("top", t) for t in page.nav(MAX_TOP - len(head))] + [("head", t) for t in head]
        if credit and credit_top:
            lines.append(("credit", credit))
        lines += [("body", p) for p in body]
        if credit and not credit_top:
            lines.append(("credit", credit))
        lines += [("bottom", t) for t in page.bottom_lines()]
        did = f"a{a:03d}-{kind}{k}"
        d = Doc(did, a, kind, w, page.site, f"https://{page.host}/story/{did}", lines)
        into.append(d)
        return d

    def other_wrapper(story: int, used_hosts: set[str], r: random.Random = rng) -> int:
        w = r.choice([w for w in usable if pages[w].host not in used_hosts and w != story])
        used_hosts.add(pages[w].host)
        return w

    story_docs: dict[int, list[Doc]] = {}
    story_hosts: dict[int, set[str]] = {}
    vocabs: dict[int, list[str]] = {}
    for a in range(n):
        story = pages[a]
        vocab = sorted({w for para in story.paragraphs for w in para.split(" ") if w.isalpha() and len(w) > 2})
        vocab = vocab if len(vocab) >= 20 else vocab_all
        vocabs[a] = vocab
        orig = new_doc(a, "orig", 0, perm[a], story.paragraphs, None)
        members = story_docs[a] = [orig]
        used_hosts = story_hosts[a] = {pages[perm[a]].host, story.host}
        site = orig.source

        if groups[a] == "near":
            for k in range(1, 1 + (1 if rng.random() < 0.6 else 2)):
                body = drop_or_add_sentence(edit_words(story.paragraphs, rng.uniform(0.02, 0.04), vocab, rng), rng)
                credit = f"This article originally appeared on {site}" if rng.random() < 0.6 else None
                members.append(new_doc(a, "near", k, other_wrapper(a, used_hosts), body, credit))
        elif groups[a] == "excerpt":
            for k in range(1, 1 + (1 if rng.random() < 0.75 else 2)):
                body = excerpt_paragraphs(story.paragraphs, rng.uniform(0.30, 0.50))
                members.append(new_doc(a, "excerpt", k, other_wrapper(a, used_hosts), body, f"Read the full story at {site}"))
        for x, y in itertools.combinations(members, 2):
            if x.kind == "excerpt" and y.kind == "excerpt":
                kind = "same_story"
            elif "excerpt" in (x.kind, y.kind):
                kind = "excerpt"
            else:
                kind = "near"
            truth.append({"a": x.id, "b": y.id, "kind": kind})

    # edited copies: their own generator, so that nothing above moves
    eligible = [a for a in range(n) if len(pages[a].paragraphs) >= EDITED_MIN_PARAGRAPHS and english_prose(pages[a])]
    edited_docs: list[Doc] = []
    edits: dict[str, Edit] = {}
    for a in sorted(edited_rng.sample(eligible, round(EDITED_SHARE * len(eligible)))):
        body, edit = edited_body(pages, a, vocabs[a], edited_rng)
        credit = (f"This article originally appeared on {story_docs[a][0].source}"
                  if edited_rng.random() < EDITED_CREDIT else None)
        e = new_doc(a, "edited", 1, other_wrapper(a, story_hosts[a], edited_rng), body, credit, edited_rng, edited_docs)
        edits[e.id] = edit
        for m in story_docs[a]:
            truth.append({"a": m.id, "b": e.id, "kind": "edited_excerpt" if m.kind == "excerpt" else "edited"})

    if mode == "heavy":
        heavy_rng = random.Random(f"heavy-{seed}")
        hosts: dict[int, set[str]] = defaultdict(set)
        for d in [*docs, *edited_docs]:  # a moved excerpt must not land on the edited copy's host either
            hosts[d.article] |= {pages[d.wrapper].host, pages[d.article].host}
        docs = [heavy_excerpt(pages, usable, d, hosts[d.article], heavy_rng) if d.kind == "excerpt" else d for d in docs]
    rng.shuffle(docs)
    for e in edited_docs:
        docs.insert(edited_rng.randrange(len(docs) + 1), e)
    by_id = {d.id: d for d in docs}
    for t in truth:
        if t["kind"] == "excerpt":
            excerpt = by_id[t["a"]] if by_id[t["a"]].kind == "excerpt" else by_id[t["b"]]
            if running_words([p for lab, p in excerpt.lines if lab == "body"]) < EXCERPT_MIN_RUNNING_WORDS:
                t["kind"] = "excerpt_no_prose"
    return Corpus(mode, docs, truth, groups, same_wrapper, edits)


def running_words(paragraphs: Sequence[str]) -> int:
    """Words in the paragraphs that are sentences (see ``EXCERPT_MIN_RUNNING_WORDS``): the bench's own test,
    independent of copydesk's prose judge."""
    return sum(n for p in paragraphs
               if (n := len(p.split())) >= RUN_ON_MIN_WORDS or (n >= SENTENCE_MIN_WORDS and _SENTENCE_END.search(p)))


def heavy_excerpt(pages: list[Page], usable: list[int], doc: Doc, used_hosts: set[str], rng: random.Random) -> Doc:
    """Heavy mode's version of a site-mode excerpt: the story's first 2-5 paragraphs in 20-30 furniture lines.

    The site-mode wrapper stays when its page has that many furniture lines; else another page with enough,
    on a host no doc of the story uses, lends them (``used_hosts`` gets it). Navigation and bottom lines are
    taken in the page's own proportion, so a page with little navigation is not padded with it."""
    story = pages[doc.article]
    k = rng.randint(*HEAVY_PARAGRAPHS)
    body = story.paragraphs[:k] if len(story.paragraphs) > k else story.paragraphs[: max(1, len(story.paragraphs) - 1)]
    n_furniture = rng.randint(*HEAVY_FURNITURE)
    w = doc.wrapper
    if pages[w].furniture < n_furniture:
        w = rng.choice([u for u in usable if pages[u].furniture >= n_furniture and pages[u].host not in used_hosts
                        and u != doc.article])
        used_hosts.add(pages[w].host)
    page = pages[w]
    n_top = min(page.head_at, max(n_furniture - len(page.bottom), round(n_furniture * page.head_at / page.furniture)))
    first_body = next(i for i, (lab, _) in enumerate(doc.lines) if lab == "body")
    before = [(lab, t) for lab, t in doc.lines[:first_body] if lab != "top"]  # the headline block, a credit line
    after = [(lab, t) for lab, t in doc.lines[first_body:] if lab == "credit"]
    lines = ([("top", t) for t in page.nav(n_top)] + before + [("body", p) for p in body] + after
             + [("bottom", t) for t in page.bottom_lines(n_furniture - n_top)])
    return Doc(doc.id, doc.article, doc.kind, w, page.site, f"https://{page.host}/story/{doc.id}", lines)


def write_corpus(corpus: Corpus, out: Path, bare: bool = False) -> Path:
    """JSONL docs (+ truth and per-line labels); ``bare``: the body lines only, no wrapper, no credit."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / ("bodies.jsonl" if bare else "docs.jsonl")
    with path.open("w", encoding="utf-8") as f:
        for d in corpus.docs:
            text = "\n".join(t for lab, t in d.lines if lab == "body") if bare else d.text
            f.write(json.dumps({"id": d.id, "text": text, "source": d.source, "url": d.url}, ensure_ascii=False) + "\n")
    if not bare:
        with (out / "truth.jsonl").open("w", encoding="utf-8") as f:
            for t in corpus.truth:
                f.write(json.dumps(t) + "\n")
        with (out / "lines.jsonl").open("w", encoding="utf-8") as f:
            for d in corpus.docs:
                f.write(json.dumps({"id": d.id, "wrapper_page": d.wrapper, "labels": [lab for lab, _ in d.lines]}) + "\n")
    return path


def write_text_folder(corpus: Corpus, folder: Path) -> Path:
    """The docs as ``<doc id>.txt`` files in one flat folder (no source, no URL), emptied of an earlier run's
    files first: ids differ between seeds, and copydesk reads every file there."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    for d in corpus.docs:
        (folder / f"{d.id}.txt").write_text(d.text + "\n", encoding="utf-8")
    return folder


# ----------------------------------------------------------------------------------------------------------
# scoring


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


@dataclass
class Scored:
    name: str
    predicted: set[tuple[str, str]]
    precision: float
    recall: dict[str, float]
    found: dict[str, int]
    false_pos: list[tuple[str, str]]
    missed: dict[str, list[tuple[str, str]]]
    headline: bool = False


def truth_sets(corpus: Corpus) -> dict[str, set[tuple[str, str]]]:
    by_kind: dict[str, set[tuple[str, str]]] = {k: set() for k in (*REQUIRED_KINDS, *OPTIONAL_KINDS)}
    for t in corpus.truth:
        by_kind[t["kind"]].add(pair(t["a"], t["b"]))
    return by_kind


def score_pairs(name: str, predicted: set[tuple[str, str]], corpus: Corpus, headline: bool = False) -> Scored:
    """Precision over all predicted pairs (the optional pairs of one story, excerpt vs excerpt or vs the edited
    copy, count as correct); recall per kind (``REQUIRED_KINDS`` are the ones with targets)."""
    by_kind = truth_sets(corpus)
    allowed = set().union(*by_kind.values())
    fps = sorted(p for p in predicted if p not in allowed)
    return Scored(
        name=name, predicted=predicted,
        precision=(len(predicted) - len(fps)) / len(predicted) if predicted else float("nan"),
        recall={k: len(v & predicted) / len(v) if v else float("nan") for k, v in by_kind.items()},
        found={k: len(v & predicted) for k, v in by_kind.items()},
        false_pos=fps, missed={k: sorted(by_kind[k] - predicted) for k in REQUIRED_KINDS}, headline=headline,
    )


def truth_id(doc_id: str) -> str:
    """The corpus id of a copydesk doc id: a doc read from a text folder is named by its file name."""
    return doc_id.removesuffix(".txt")


def copydesk_pairs(decisions: Sequence[Any]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(every pair of docs in one cluster, every member -> canonical pair), in corpus ids."""
    clusters: dict[str, list[str]] = defaultdict(list)
    star: set[tuple[str, str]] = set()
    for d in decisions:
        if d.cluster_id is not None:
            clusters[d.cluster_id].append(truth_id(d.doc_id))
            if d.canonical_id is not None and d.canonical_id != d.doc_id:
                star.add(pair(truth_id(d.doc_id), truth_id(d.canonical_id)))
    same = {pair(x, y) for members in clusters.values() for x, y in itertools.combinations(members, 2)}
    return same, star


def run_copydesk(path: Path, cfg: copydesk.RunConfig) -> tuple[copydesk.RunResult, float]:
    t0 = time.perf_counter()
    result = copydesk.dedup(copydesk.read_inputs([path], cfg.read), cfg)
    return result, time.perf_counter() - t0


def removed_by_doc(result: copydesk.RunResult) -> dict[str, dict[int, str]]:
    """doc id -> {1-based line: rule} from the run's cleaning audit."""
    out: dict[str, dict[int, str]] = {}
    for row in result.audit_rows():
        r = json.loads(row)
        out[truth_id(r["id"])] = {x["line"]: x["rule"] for x in r["removed"]}
    return out


@dataclass
class Cmp:
    jaccard: float
    cab: float
    cba: float
    label: str
    sa: int
    sb: int

    @property
    def small_in_big(self) -> float:
        """Containment of the doc with fewer shingles in the other (the excerpt's, for an excerpt pair)."""
        return self.cab if self.sa <= self.sb else self.cba

    @property
    def max_contain(self) -> float:
        return max(self.cab, self.cba)


def compare(a: str, b: str, cfg: copydesk.RunConfig) -> Cmp:
    c = copydesk.compare_texts(a, b, cfg)
    return Cmp(c.jaccard, c.containment_a_in_b, c.containment_b_in_a, c.label, c.shingles_a, c.shingles_b)


# ----------------------------------------------------------------------------------------------------------
# baselines: a Jaccard threshold on word 5-gram shingles of the raw text


def shingle_set(text: str, n: int = 5) -> set[str]:
    w = norm_words(text)
    return {" ".join(w[i:i + n]) for i in range(max(1, len(w) - n + 1))} if w else set()


def exact_jaccard_pairs(texts: dict[str, str], thresholds: Sequence[float]) -> dict[float, set[tuple[str, str]]]:
    sets = {k: shingle_set(v) for k, v in texts.items()}
    out: dict[float, set[tuple[str, str]]] = {t: set() for t in thresholds}
    for x, y in itertools.combinations(sorted(sets), 2):
        inter = len(sets[x] & sets[y])
        if inter:
            j = inter / (len(sets[x]) + len(sets[y]) - inter)
            for t in thresholds:
                if j >= t:
                    out[t].add(pair(x, y))
    return out


def containment_estimate(q: Any, q_size: int, x: Any, x_size: int) -> float:
    """|Q ∩ X| / |Q| from the MinHash Jaccard estimate and the two set sizes (inclusion-exclusion)."""
    j = float(q.jaccard(x))
    return j * (q_size + x_size) / (1 + j) / q_size


def datasketch_pairs(texts: dict[str, str], thresholds: Sequence[float], seed: int) -> dict[str, set[tuple[str, str]]]:
    """Row name -> predicted pairs: ``MinHashLSH`` at each Jaccard threshold, and ``MinHashLSHEnsemble`` with its
    candidates kept when the query's estimated containment in them passes ``ENSEMBLE_THRESHOLD``."""
    from datasketch import MinHash, MinHashLSH, MinHashLSHEnsemble

    sizes: dict[str, int] = {}
    sketches: dict[str, Any] = {}
    for k in sorted(texts):
        shingles = sorted(shingle_set(texts[k]))
        if not shingles:  # the ensemble cannot index an empty set; no shingles, no pairs
            continue
        m = MinHash(num_perm=128, seed=seed)
        m.update_batch([s.encode("utf-8") for s in shingles])
        sketches[k], sizes[k] = m, len(shingles)
    out: dict[str, set[tuple[str, str]]] = {}
    for t in thresholds:
        lsh = MinHashLSH(threshold=t, num_perm=128)
        for k, m in sketches.items():
            lsh.insert(k, m)
        out[f"MinHashLSH threshold {t}"] = {pair(k, o) for k, m in sketches.items() for o in lsh.query(m) if o != k}
    ensemble = MinHashLSHEnsemble(threshold=ENSEMBLE_THRESHOLD, num_perm=128, num_part=16)
    ensemble.index([(k, m, sizes[k]) for k, m in sketches.items()])
    out[f"MinHashLSHEnsemble containment {ENSEMBLE_THRESHOLD}"] = {
        pair(k, o) for k, m in sketches.items() for o in ensemble.query(m, sizes[k])
        if o != k and containment_estimate(m, sizes[k], sketches[o], sizes[o]) >= ENSEMBLE_THRESHOLD
    }
    return out


def baseline_only(corpus_path: Path, seed: int) -> None:
    """``--baseline-only PATH``: print the datasketch pairs as JSON (run by an interpreter that has datasketch)."""
    import datasketch

    texts = {}
    with corpus_path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            texts[r["id"]] = r["text"]
    res = datasketch_pairs(texts, (0.5, 0.8), seed)
    print(json.dumps({"version": datasketch.__version__, "pairs": {name: sorted(map(list, p)) for name, p in res.items()}}))


def file_peer_rows(corpus: Corpus, path: Path, peer_python: str | None) -> tuple[list[Scored], str]:
    """datatrove's and text-dedup's rows, computed by ``peer_python`` (their pins clash with copydesk's: rich<14)."""
    if not peer_python:
        return [], ""
    out = subprocess.run([peer_python, str(REPO / "bench" / "peers.py"), "--pairs-of", str(path)],
                         check=True, capture_output=True, text=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    rows = [score_pairs(name, {pair(*p) for p in ps}, corpus) for name, ps in got["pairs"].items()]
    return rows, f"datatrove and text-dedup rows computed by `{peer_python}` (`bench/peers.py` says how each is run)."


def peer_rows(corpus: Corpus, path: Path, seed: int, baseline_python: str | None,
              peer_python: str | None = None) -> tuple[list[Scored], str]:
    """The datasketch rows on the corpus at ``path`` (JSONL; the texts of every input format), then datatrove's and
    text-dedup's when ``peer_python`` is given, and a note."""
    more, more_note = file_peer_rows(corpus, path, peer_python)
    rows, note = _datasketch_rows(corpus, path, seed, baseline_python)
    return rows + more, " ".join(n for n in (note, more_note) if n)


def _datasketch_rows(corpus: Corpus, path: Path, seed: int, baseline_python: str | None) -> tuple[list[Scored], str]:
    note = ""
    try:
        import datasketch

        ds, version = datasketch_pairs({d.id: d.text for d in corpus.docs}, (0.5, 0.8), seed), datasketch.__version__
    except ImportError:
        if not baseline_python:
            return [], "datasketch is not importable here and no `--baseline-python` was given: datasketch rows skipped."
        out = subprocess.run(
            [baseline_python, str(Path(__file__).resolve()), "--baseline-only", str(path), "--seed", str(seed)],
            check=True, capture_output=True, text=True,
        ).stdout
        got = json.loads(out)
        ds = {name: {pair(*p) for p in ps} for name, ps in got["pairs"].items()}
        version = got["version"]
        note = f"datasketch rows computed by `{baseline_python}` (datasketch is not a copydesk dependency)."
    return [score_pairs(f"datasketch {version} {name}", pairs, corpus) for name, pairs in ds.items()], note


def baseline_rows(corpus: Corpus, path: Path, args: argparse.Namespace) -> tuple[list[Scored], str]:
    """Site mode's baselines: exact Jaccard thresholds, then the datasketch rows."""
    exact = exact_jaccard_pairs({d.id: d.text for d in corpus.docs}, (0.5, 0.8))
    rows = [score_pairs(f"exact Jaccard ≥ {t} (raw text)", exact[t], corpus) for t in (0.5, 0.8)]
    peers, note = peer_rows(corpus, path, args.seed, args.baseline_python, args.peer_python)
    return rows + peers, note


# ----------------------------------------------------------------------------------------------------------
# one evaluation (one wrapper mode)

ON = copydesk.RunConfig()
OFF = copydesk.RunConfig(clean=copydesk.CleanConfig(enabled=False))
ON_TWO = copydesk.RunConfig(clean=copydesk.CleanConfig(min_source_docs=2))
COPY_LABELS = ("near_duplicate", "excerpt_of")
#: the compare_texts labels that make an edge dedup clusters on (an edited_copy edge joins a cluster too)
JOIN_LABELS = (*COPY_LABELS, "edited_copy")


def same_site_pairs(corpus: Corpus) -> dict[tuple[str, str], str]:
    """Unrelated doc pairs on one wrapper host -> how: on the identical wrapper, or the host's other page. The
    host is known to the truth in every input format, even where copydesk gets no source."""
    same_site: dict[tuple[str, str], str] = {}
    by_source: dict[str, list[Doc]] = defaultdict(list)
    for d in corpus.docs:
        by_source[d.source].append(d)
    for members in by_source.values():
        for x, y in itertools.combinations(members, 2):
            if x.article != y.article:
                same_site[pair(x.id, y.id)] = "identical wrapper" if x.wrapper == y.wrapper else "same host, other page"
    return same_site


def same_site_joined(same_site: dict[tuple[str, str], str], pred: set[tuple[str, str]]) -> tuple[int, int]:
    c = Counter(kind for p, kind in same_site.items() if p in pred)
    return c["identical wrapper"], c["same host, other page"]


@dataclass
class ModeRun:
    """One mode at one seed: its corpus and copydesk's default run on it in the mode's input format."""

    mode: str
    seed: int
    corpus: Corpus
    path: Path  # docs.jsonl: what the peers read, and copydesk too unless the mode reads a text folder
    result: copydesk.RunResult
    seconds: float
    row: Scored  # same-cluster pairs
    same_site: dict[tuple[str, str], str]

    def summary(self) -> dict[str, Any]:
        """The numbers of the stdout ``summary`` line and of :func:`score_mode`."""
        return {
            "mode": self.mode, "seed": self.seed, "docs": len(self.corpus.docs), "pairs": len(self.row.predicted),
            "precision": self.row.precision, "near_recall": self.row.recall["near"],
            "excerpt_recall": self.row.recall["excerpt"], "false_positives": len(self.row.false_pos),
            "same_site_joined": sum(same_site_joined(self.same_site, self.row.predicted)),
            "edited_recall": self.row.recall["edited"],
        }


def summary_line(summary: dict[str, Any]) -> str:
    """``summary key=value ...``: one line per mode and seed on stdout, for other scripts to parse."""
    return "summary " + " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in summary.items())


def mode_dir(corpus_dir: Path, seed: int, mode: str) -> Path:
    return corpus_dir / f"seed-{seed}" / mode


def run_mode(pages: list[Page], seed: int, mode: str, out_dir: Path) -> ModeRun:
    wrapper, input_format = MODES[mode]
    corpus = build_corpus(pages, seed, wrapper)
    path = write_corpus(corpus, out_dir)
    result, seconds = run_copydesk(write_text_folder(corpus, out_dir / "txt") if input_format == "txt" else path, ON)
    row = score_pairs("copydesk, cleaning on: same cluster", copydesk_pairs(result.decisions)[0], corpus, headline=True)
    return ModeRun(mode, seed, corpus, path, result, seconds, row, same_site_pairs(corpus))


@functools.lru_cache(maxsize=2)
def cached_pages(data: Path) -> list[Page]:
    """Parsing the 121 pages takes most of a one-mode run: parse them once per process."""
    return load_pages(data)


def score_mode(mode: str, seed: int, data: Path = REPO / DEFAULT_DATA,
               corpus_dir: Path = REPO / DEFAULT_CORPUS_DIR) -> dict[str, Any]:
    """copydesk's same-cluster scores on one mode's corpus at one seed (a few seconds), as in the report and
    its ``summary`` line: mode, seed, docs, pairs, precision, near_recall, excerpt_recall, false_positives,
    same_site_joined, edited_recall (appended last, so the earlier keys keep their place). A test can pin
    floors on it."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    return run_mode(cached_pages(data.resolve()), seed, mode, mode_dir(corpus_dir, seed, mode)).summary()


@dataclass
class Evaluation:
    """The site or page mode's full set of copydesk runs, for the detailed sections."""

    base: ModeRun
    res_off: copydesk.RunResult
    res_bare: copydesk.RunResult
    seconds: dict[str, float]
    rows: list[Scored]
    removed: dict[str, dict[int, str]]
    bare_same: set[tuple[str, str]]

    @property
    def corpus(self) -> Corpus:
        return self.base.corpus

    @property
    def res_on(self) -> copydesk.RunResult:
        return self.base.result

    @property
    def same_site(self) -> dict[tuple[str, str], str]:
        return self.base.same_site


def evaluate(pages: list[Page], seed: int, mode: str, out_dir: Path) -> Evaluation:
    base = run_mode(pages, seed, mode, out_dir)
    corpus, path = base.corpus, base.path
    bare_path = write_corpus(corpus, out_dir, bare=True)
    res_off, s_off = run_copydesk(path, OFF)
    res_bare, s_bare = run_copydesk(bare_path, OFF)
    res_two, _ = run_copydesk(path, ON_TWO)
    same_off, star_off = copydesk_pairs(res_off.decisions)
    same_bare, _ = copydesk_pairs(res_bare.decisions)
    rows = [
        base.row,
        score_pairs("copydesk, cleaning on: member→canonical", copydesk_pairs(base.result.decisions)[1], corpus),
        score_pairs("copydesk, cleaning off: same cluster", same_off, corpus, headline=True),
        score_pairs("copydesk, cleaning off: member→canonical", star_off, corpus),
        score_pairs("copydesk on the bare bodies (no wrapper; edits only)", same_bare, corpus),
        score_pairs("copydesk, cleaning on, `min_source_docs=2`: same cluster", copydesk_pairs(res_two.decisions)[0], corpus),
    ]
    return Evaluation(base, res_off, res_bare, {"on": base.seconds, "off": s_off, "bare": s_bare}, rows,
                      removed_by_doc(base.result), same_bare)


def matched_text(ev: Evaluation, doc: Doc, *, drop_wrapper: bool = False, keep_body: bool = False) -> str:
    """The doc as the cleaning-on run matched it (removed lines blanked). ``drop_wrapper``: blank every
    furniture line too (perfect furniture removal); ``keep_body``: restore body lines the cleaner removed."""
    gone = ev.removed.get(doc.id, {})
    out = []
    for i, (lab, t) in enumerate(doc.lines, start=1):
        if drop_wrapper and lab in WRAPPER_LABELS or i in gone and not (keep_body and lab == "body"):
            out.append("")
        else:
            out.append(t)
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------------------
# report


def fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.{digits}f}"


def med(xs: Iterable[float]) -> float:
    xs = list(xs)
    return statistics.median(xs) if xs else float("nan")


def mark(value: float, target: float) -> str:
    return "" if math.isnan(value) else (" ✓" if value >= target else " ✗")


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.machine()}"


def results_table(run: ModeRun, rows: Sequence[Scored], w: Any) -> None:
    kinds = Counter(t["kind"] for t in run.corpus.truth)
    w("| system | pairs | precision | near recall | excerpt recall | edited recall | optional pairs joined: exc–exc / exc–edited / exc. with no running text | false pos. | same-site pairs joined (identical wrapper / other page of the host) |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ident, other = same_site_joined(run.same_site, r.predicted)
        h = r.headline
        w(f"| {r.name} | {len(r.predicted)} | {fmt(r.precision)}{mark(r.precision, TARGET_PRECISION) if h else ''} "
          f"| {fmt(r.recall['near'])}{mark(r.recall['near'], TARGET_NEAR) if h else ''} ({r.found['near']}/{kinds['near']}) "
          f"| {fmt(r.recall['excerpt'])}{mark(r.recall['excerpt'], TARGET_EXCERPT) if h else ''} ({r.found['excerpt']}/{kinds['excerpt']}) "
          f"| {fmt(r.recall['edited'])}{mark(r.recall['edited'], TARGET_EDITED) if h else ''} ({r.found['edited']}/{kinds['edited']}) "
          f"| {r.found['same_story']}/{kinds['same_story']} / {r.found['edited_excerpt']}/{kinds['edited_excerpt']} "
          f"/ {r.found['excerpt_no_prose']}/{kinds['excerpt_no_prose']} "
          f"| {len(r.false_pos)} | {ident} / {other} |")


def classify_missed(ev: Evaluation, a: str, b: str, depth: int = 0) -> tuple[str, Cmp, Cmp, Cmp]:
    """Why a truth pair is not in one cluster (cleaning on): (cause, as matched, furniture blanked, bare bodies).

    In order: *edits* (the bare-bodies run does not join the pair either, and the bare bodies do not verify);
    *clustering* (the pair verifies on the texts as matched, yet the docs sit under different canonicals);
    *via the original* (two copies of one story whose own scores are low after two independent edits: they meet
    only through the original, and that link failed: its cause follows); *furniture* (it verifies once the
    furniture lines the cleaner kept are blanked); *body removed* (it verifies once the body lines the cleaner
    removed are restored too); *other*.
    """
    docs = {d.id: d for d in ev.corpus.docs}
    da, db = docs[a], docs[b]
    bodies = compare(body_text(da), body_text(db), OFF)
    matched = compare(matched_text(ev, da), matched_text(ev, db), OFF)
    no_furn = compare(matched_text(ev, da, drop_wrapper=True), matched_text(ev, db, drop_wrapper=True), OFF)
    if pair(a, b) not in ev.bare_same and bodies.label not in JOIN_LABELS:
        return "edits", matched, no_furn, bodies
    if matched.label in JOIN_LABELS:
        return "clustering", matched, no_furn, bodies
    if da.kind != "orig" and db.kind != "orig" and depth == 0:
        orig = f"a{da.article:03d}-orig0"
        same_on = copydesk_pairs(ev.res_on.decisions)[0]
        for x in (a, b):
            if pair(x, orig) not in same_on:
                return f"via the original → {classify_missed(ev, x, orig, 1)[0]} (`{x}`)", matched, no_furn, bodies
    if no_furn.label in JOIN_LABELS:
        return "furniture", matched, no_furn, bodies
    fixed = compare(matched_text(ev, da, drop_wrapper=True, keep_body=True),
                    matched_text(ev, db, drop_wrapper=True, keep_body=True), OFF)
    cause = "body removed" if fixed.label in JOIN_LABELS else "other (headline block or credit lines differ)"
    return cause, matched, no_furn, bodies


def body_text(doc: Doc) -> str:
    return "\n".join(t for lab, t in doc.lines if lab == "body")


def scores(r: Scored) -> str:
    """P / near / excerpt / edited of one row, for the per-seed tables."""
    return " / ".join([fmt(r.precision), *(fmt(r.recall[k]) for k in REQUIRED_KINDS)])


def mean_scores(rows: Sequence[Scored]) -> str:
    return " / ".join(fmt(statistics.mean(r.precision if k == "p" else r.recall[k] for r in rows))
                      for k in ("p", *REQUIRED_KINDS))


def kept_furniture(ev: Evaluation, doc: Doc) -> list[str]:
    gone = ev.removed.get(doc.id, {})
    return [t for i, (lab, t) in enumerate(doc.lines, start=1) if lab in WRAPPER_LABELS and i not in gone]


def sentence_shaped(line: str) -> bool:
    """Roughly copydesk's own test for a body paragraph (>= 20 words, or >= 10 ending a sentence)."""
    n = len(norm_words(line))
    return n >= 20 or (n >= 10 and line.rstrip().endswith((".", "!", "?", '"', "\u201d")))


def anchor_counterfactual(ev: Evaluation) -> dict[str, Any]:
    """Docs whose kept bottom furniture holds a sentence-shaped line, and how many more bottom furniture lines
    the per-document cleaner removes when those lines are blanked (``clean_text``, no corpus evidence)."""
    from copydesk.clean.boilerplate import clean_text  # internal: a diagnosis only

    docs = gaining = more = anchor_lines = 0
    examples: list[str] = []
    for d in ev.corpus.docs:
        gone = ev.removed.get(d.id, {})
        anchors = {i for i, (lab, t) in enumerate(d.lines, start=1)
                   if lab == "bottom" and i not in gone and sentence_shaped(t)}
        if not anchors:
            continue
        docs += 1
        anchor_lines += len(anchors)
        if len(examples) < 4:
            examples.append(d.lines[min(anchors) - 1][1])

        def removed_bottom(lines: list[tuple[str, str]], blank: set[int]) -> int:
            text = "\n".join("" if i in blank else t for i, (_, t) in enumerate(lines, start=1))
            lost = {r.line for r in clean_text(text).removed}
            return sum(1 for i, (lab, _) in enumerate(lines, start=1) if lab == "bottom" and i in lost and i not in blank)

        gain = removed_bottom(d.lines, anchors) - removed_bottom(d.lines, set())
        if gain > 0:
            gaining += 1
            more += gain
    return {"docs": docs, "anchor_lines": anchor_lines, "more_removed": more, "docs_gaining": gaining, "examples": examples}


def code_state() -> str:
    """Which copydesk ran: this checkout's ``src/`` (its commit and uncommitted files), or else the folder it was
    imported from (a ``git archive`` of a commit on ``PYTHONPATH`` measures that commit while others edit the tree)."""
    src = Path(copydesk.__file__).resolve().parents[1]
    if src != (REPO / "src").resolve():
        return f"`{src}` (not this checkout's `src/`)"
    state = git_state(REPO, "src")
    if state is None:
        return "unknown (not a git checkout)"
    head, changed = state
    return f"`{head}`" + (f" with uncommitted changes in {', '.join(f'`{c}`' for c in changed)}" if changed else " (clean)")


def shown(path: Path) -> Path:
    """A path as the report shows it: relative to the repository when inside it."""
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


def corpus_section(pages: list[Page], corpus: Corpus, heavy: Corpus | None, w: Any) -> None:
    """The facts of site mode's corpus (every mode's originals and near copies), and of heavy mode's excerpts."""
    kinds = Counter(t["kind"] for t in corpus.truth)
    hosts = Counter(p.host for p in pages)
    gcount = Counter(corpus.groups.values())
    dkinds = Counter(d.kind for d in corpus.docs)
    same_site = same_site_pairs(corpus)
    site_kinds = Counter(same_site.values())
    furn_words = sum(len(t.split()) for d in corpus.docs for lab, t in d.lines if lab in WRAPPER_LABELS)
    all_words = sum(len(d.text.split()) for d in corpus.docs)
    w("\n## Corpus\n")
    w(f"- {len(pages)} pages from {len(hosts)} hosts ({sum(1 for v in hosts.values() if v > 1)} hosts with 2 pages). "
      f"Visible lines per page (html.parser): median {statistics.median(p.lines for p in pages):.0f}; furniture lines "
      f"before the body median {statistics.median(len(p.top) for p in pages):.0f}, after it "
      f"{statistics.median(len(p.bottom) for p in pages):.0f}; headline block found at an `<h1>` on "
      f"{sum(1 for p in pages if p.head_at < len(p.top) and p.top)} pages.")
    edits = list(corpus.edits.values())
    eligible = sum(1 for p in pages if len(p.paragraphs) >= EDITED_MIN_PARAGRAPHS and english_prose(p))
    egroups = Counter(corpus.groups[e.story] for e in edits)
    w(f"- stories: {gcount['near']} with near copies, {gcount['excerpt']} with excerpts, {gcount['single']} single "
      f"(near copies only for bodies of >= {MIN_WORDS_NEAR} words, excerpts >= {MIN_WORDS_EXCERPT}); besides, {len(edits)} "
      f"stories ({egroups['near']} with near copies, {egroups['excerpt']} with excerpts, {egroups['single']} single) have an "
      f"edited copy: {EDITED_SHARE:.0%} of the {eligible} English-prose stories with >= {EDITED_MIN_PARAGRAPHS} paragraphs.")
    w(f"- {len(corpus.docs)} docs: {dkinds['orig']} originals, {dkinds['near']} near copies, {dkinds['excerpt']} excerpts, "
      f"{dkinds['edited']} edited copies, "
      f"from {len({d.source for d in corpus.docs})} sources (wrapper hosts); a doc has on average "
      f"{statistics.mean(len(d.lines) for d in corpus.docs):.0f} lines of which "
      f"{statistics.mean(sum(1 for lab, _ in d.lines if lab in WRAPPER_LABELS) for d in corpus.docs):.0f} are furniture "
      f"({furn_words / all_words:.0%} of all words).")
    w(f"- truth pairs: **{kinds['near']} near**, **{kinds['excerpt']} excerpt** (an excerpt vs a full copy), "
      f"**{kinds['edited']} edited** (the edited copy vs the original or a near copy); correct if joined, not required: "
      f"{kinds['same_story']} excerpt-vs-excerpt of one story, {kinds['edited_excerpt']} excerpt-vs-edited copy, "
      f"{kinds['excerpt_no_prose']} excerpt vs a full copy where the excerpt's paragraphs hold under "
      f"{EXCERPT_MIN_RUNNING_WORDS} words of running text (a score line, a label, title lines: copydesk should say "
      "`no_prose_body`, see `EXCERPT_MIN_RUNNING_WORDS`).")
    if edits:
        docs = {d.id: d for d in corpus.docs}
        bare = [compare(body_text(docs[f"a{e.story:03d}-orig0"]), body_text(docs[eid]), OFF)
                for eid, e in corpus.edits.items()]
        credited = sum(1 for eid in corpus.edits for lab, _ in docs[eid].lines if lab == "credit")
        w(f"- edited copies: of stories with a median {med(e.paragraphs for e in edits):.0f} paragraphs "
          f"({med(e.words for e in edits):.0f} words edited); a new lead ({sum(len(e.lead_from) == 2 for e in edits)} with "
          f"a second lent sentence), {sum(len(e.dropped) for e in edits)} paragraphs dropped from the middle in all, one "
          f"paragraph moved in each, {sum(len(e.merged) for e in edits)} paragraphs of other stories merged in, "
          f"{med(e.rate for e in edits):.1%} of the kept words substituted; each keeps a median {med(e.kept for e in edits):.0%} "
          f"(least {min(e.kept for e in edits):.0%}) of the original's paragraphs verbatim-ish; {credited} with a credit line. "
          f"Bare bodies vs the original: Jaccard median {med(c.jaccard for c in bare):.3f} (range {min(c.jaccard for c in bare):.3f}"
          f"-{max(c.jaccard for c in bare):.3f}), `compare_texts` labels "
          + ", ".join(f"{k} {v}" for k, v in Counter(c.label for c in bare).most_common()) + ".")
    w(f"- unrelated same-site doc pairs (same `source`, different stories): {len(same_site)}: "
      f"{site_kinds['identical wrapper']} on the identical wrapper, {site_kinds['same host, other page']} on the furniture "
      f"of the host's other page ({len(corpus.same_wrapper)} pairs of unrelated originals were put on one wrapper on purpose).")

    if heavy is None:
        return

    def excerpt_facts(c: Corpus) -> tuple[float, float, float, float]:
        exc = [d for d in c.docs if d.kind == "excerpt"]
        furn = sum(len(t.split()) for d in exc for lab, t in d.lines if lab in WRAPPER_LABELS)
        return (statistics.median(sum(1 for lab, _ in d.lines if lab == "body") for d in exc),
                statistics.median(len(body_text(d).split()) for d in exc),
                statistics.median(sum(1 for lab, _ in d.lines if lab in WRAPPER_LABELS) for d in exc),
                furn / sum(len(d.text.split()) for d in exc))

    hp, hw, hf, hs = excerpt_facts(heavy)
    sp, sw, sf, ss = excerpt_facts(corpus)
    site_wrapper = {d.id: d.wrapper for d in corpus.docs}
    moved = sum(1 for d in heavy.docs if d.wrapper != site_wrapper[d.id])
    w(f"- heavy furniture: the same originals and near copies; an excerpt doc has a median {hp:.0f} body paragraphs "
      f"({hw:.0f} words) in {hf:.0f} furniture lines, furniture {hs:.0%} of the excerpt docs' words (site mode: {sp:.0f} "
      f"paragraphs, {sw:.0f} words, {sf:.0f} furniture lines, {ss:.0%}); "
      f"{moved} excerpts moved to another page, as theirs had too few furniture lines.")


def site_results(ev: Evaluation, base: list[Scored], base_note: str, seed_evals: list[tuple[int, Evaluation]],
                 w: Any) -> None:
    w("\n## Results (site mode: each story keeps its own headline block)\n")
    w("Headline rows (✓/✗ against the issue's targets: precision >= "
      f"{TARGET_PRECISION}, near recall >= {TARGET_NEAR}, excerpt recall >= {TARGET_EXCERPT}, edited recall >= "
      f"{TARGET_EDITED}) score **same-cluster pairs**: every pair of docs in one copydesk cluster is a predicted pair. "
      "Precision = predicted pairs that are true near/excerpt/edited pairs, or optional pairs of one story (two excerpts, "
      "or an excerpt and the edited copy) / all predicted pairs. Recall per kind = true pairs of that kind inside one "
      "cluster. *member→canonical* rows predict only each member's own edge to its canonical doc (two copies of "
      "which neither is canonical are not such a pair, so recall is lower by construction). *bare bodies* runs copydesk on "
      "the same docs with no furniture at all: what the edits alone cost. The baselines predict every pair over the "
      "threshold on the raw text (no cleaning, no clustering).\n")
    results_table(ev.base, [*ev.rows, *base], w)
    if base_note:
        w(f"\n{base_note}")
    for label, res, sec in (("on", ev.res_on, ev.seconds["on"]), ("off", ev.res_off, ev.seconds["off"])):
        s = res.summary
        w(f"\nCleaning {label}: " + ", ".join(f"{k} {v}" for k, v in s["roles"].items())
          + f"; {s['clusters']} clusters, {s['candidate_pairs']} candidate pairs, {s['verified_edges']} verified edges; "
          f"{sec:.2f} s.")

    if len(seed_evals) > 1:
        w("\n### Other seeds (site mode)\n")
        w("Each seed draws other story groups, edits and wrappers. P / near / excerpt / edited = precision and recall per "
          "kind of same-cluster pairs; same-site = unrelated same-site pairs joined.\n")
        w("| seed | docs | near / excerpt / edited pairs | cleaning on: P / near / excerpt / edited | same-site | cleaning off: P / near / excerpt / edited | `min_source_docs=2`: P / near / excerpt / edited |")
        w("|---:|---:|---:|---:|---:|---:|---:|")
        for sd, o in seed_evals:
            k2 = Counter(t["kind"] for t in o.corpus.truth)
            r_on, r_off, r_two = o.rows[0], o.rows[2], o.rows[5]
            w(f"| {sd} | {len(o.corpus.docs)} | {' / '.join(str(k2[k]) for k in REQUIRED_KINDS)} | {scores(r_on)} "
              f"| {sum(same_site_joined(o.same_site, r_on.predicted))} | {scores(r_off)} | {scores(r_two)} |")
        allev = [o for _, o in seed_evals]
        w(f"| mean | {statistics.mean(len(o.corpus.docs) for o in allev):.0f} | | **{mean_scores([o.rows[0] for o in allev])}** "
          f"| {statistics.mean(sum(same_site_joined(o.same_site, o.rows[0].predicted)) for o in allev):.1f} "
          f"| {mean_scores([o.rows[2] for o in allev])} | {mean_scores([o.rows[5] for o in allev])} |")


def page_results(ev_page: Evaluation, peers: list[Scored], note: str, w: Any) -> None:
    w("\n## Page mode (the literal variant: the wrapper page's own headline block is kept too)\n")
    w("The same stories, edits and wrapper draws, but each doc's top is the wrapper page's whole top, so unrelated stories "
      "on one wrapper also share *another* story's headline, standfirst and photo caption (prose no per-document rule "
      "can tell from body text), and copies of one story no longer share their headline.\n")
    results_table(ev_page.base, [*(r for r in ev_page.rows if "member" not in r.name), *peers], w)
    if note:
        w(f"\n{note}")


MODE_SECTIONS = {
    "bare-text": ("Bare-text mode (site mode's docs as a folder of `.txt` files)",
                  ("Site mode's docs, the very same text, as `<doc id>.txt` files in one flat folder: no source, no "
                   "URL, as `copydesk dedup FOLDER` reads scraped text. The peers read the same text as in site mode, "
                   "so their rows are site mode's.")),
    "heavy": ("Heavy-furniture mode (JSONL with source and URL)",
              ("Site mode's originals and near copies; each excerpt is the story's first 2-5 paragraphs inside 20-30 "
               "lines of another page's furniture (navigation and bottom), the story's headline block and the credit "
               "line as in site mode, so an excerpt doc's furniture lines far outnumber its copied paragraphs.")),
    "heavy-bare-text": ("Heavy-furniture mode, bare text",
                        "Heavy mode's docs as a flat folder of `.txt` files (no source, no URL)."),
}


def mode_section(run: ModeRun, peers: list[Scored], note: str, w: Any) -> None:
    title, text = MODE_SECTIONS[run.mode]
    w(f"\n## {title}\n")
    w(text + " Same-site pairs are those the truth knows (one wrapper host), whether or not copydesk sees a source.\n")
    results_table(run, [run.row, *peers], w)
    if note:
        w(f"\n{note}")
    s = run.result.summary
    w(f"\ncopydesk: {s['clusters']} clusters, {s['candidate_pairs']} candidate pairs, {s['verified_edges']} verified "
      f"edges; {run.seconds:.2f} s.")


def modes_table(runs: Sequence[ModeRun], w: Any) -> None:
    """copydesk's same-cluster row for every mode run, side by side."""
    w("| mode | input | docs | pairs | precision | near recall | excerpt recall | edited recall | false pos. | same-site pairs joined |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        s = r.summary()
        kinds = Counter(t["kind"] for t in r.corpus.truth)
        w(f"| `{r.mode}` | {INPUT_NAMES[MODES[r.mode][1]]} | {s['docs']} | {s['pairs']} "
          f"| {fmt(s['precision'])}{mark(s['precision'], TARGET_PRECISION)} "
          f"| {fmt(s['near_recall'])}{mark(s['near_recall'], TARGET_NEAR)} ({r.row.found['near']}/{kinds['near']}) "
          f"| {fmt(s['excerpt_recall'])}{mark(s['excerpt_recall'], TARGET_EXCERPT)} ({r.row.found['excerpt']}/{kinds['excerpt']}) "
          f"| {fmt(s['edited_recall'])}{mark(s['edited_recall'], TARGET_EDITED)} ({r.row.found['edited']}/{kinds['edited']}) "
          f"| {s['false_positives']} | {s['same_site_joined']} |")


def roles(run: ModeRun, kind: str = "edited") -> Counter[str]:
    """The roles copydesk's decisions give the docs of one kind (edited_copy, near_duplicate, ...)."""
    ids = {d.id for d in run.corpus.docs if d.kind == kind}
    return Counter(d.role.value for d in run.result.decisions if truth_id(d.doc_id) in ids)


def lender_joins(run: ModeRun) -> list[tuple[str, str]]:
    """Predicted pairs of an edited copy and a doc of a story that lent it a sentence or a paragraph: false
    positives that the merged material caused (they are in the row's false positives too)."""
    lent = {eid: set(e.lenders) for eid, e in run.corpus.edits.items()}
    article = {d.id: d.article for d in run.corpus.docs}
    return sorted((a, b) for a, b in run.row.predicted
                  if article[b] in lent.get(a, ()) or article[a] in lent.get(b, ()))


def fmt_roles(c: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in c.most_common()) or "none"


def seed_table(seed_runs: dict[str, list[ModeRun]], w: Any) -> None:
    """Per mode and seed, copydesk's same-cluster P / near / excerpt / edited (the modes share a seed's truth)
    and what copydesk made of the edited copies."""
    first = next(iter(seed_runs.values()))
    w(f"\n## Per mode and seed (seeds {first[0].seed}-{first[-1].seed})\n")
    w("Each seed draws other story groups, edits and wrappers; the modes share a seed's truth (heavy mode redoes the "
      "excerpts). P / near / excerpt / edited = precision and recall per kind of same-cluster pairs; same-site = unrelated "
      "same-site pairs joined; *edited copies' roles* = the role copydesk's decision gives each edited copy; *lender "
      "pairs* = an edited copy joined to a doc of a story that lent it a sentence or a paragraph (false positives).\n")
    w("| mode | seed | docs | near / excerpt / edited pairs | P / near / excerpt / edited | false pos. | same-site "
      "| edited copies' roles | lender pairs |")
    w("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for mode, runs in seed_runs.items():
        for r in runs:
            k = Counter(t["kind"] for t in r.corpus.truth)
            w(f"| `{mode}` | {r.seed} | {len(r.corpus.docs)} | {' / '.join(str(k[x]) for x in REQUIRED_KINDS)} "
              f"| {scores(r.row)} | {len(r.row.false_pos)} | {sum(same_site_joined(r.same_site, r.row.predicted))} "
              f"| {fmt_roles(roles(r))} | {len(lender_joins(r))} |")
        w(f"| `{mode}` | mean | {statistics.mean(len(r.corpus.docs) for r in runs):.0f} | | **{mean_scores([r.row for r in runs])}** "
          f"| {statistics.mean(len(r.row.false_pos) for r in runs):.1f} "
          f"| {statistics.mean(sum(same_site_joined(r.same_site, r.row.predicted)) for r in runs):.1f} "
          f"| {fmt_roles(sum((roles(r) for r in runs), Counter()))} | {sum(len(lender_joins(r)) for r in runs)} |")


def no_prose_section(seed_runs: dict[str, list[ModeRun]], w: Any) -> None:
    """Every excerpt scored apart for lack of running text (``EXCERPT_MIN_RUNNING_WORDS``): what it holds and
    what copydesk made of it, so that the rule that sets them apart stays visible."""
    w("\n## Excerpts with no running text (every mode and seed)\n")
    w(f"An excerpt whose copied paragraphs hold under {EXCERPT_MIN_RUNNING_WORDS} words in sentences (paragraphs of "
      f">= {SENTENCE_MIN_WORDS} words that end with sentence punctuation, or of >= {RUN_ON_MIN_WORDS} words) is not scored in excerpt recall: the issue "
      "asks that a page with no prose body is never matched, as shared furniture would then invent copies. Such an "
      "excerpt is a correct pair when joined (with site metadata the corpus rules strip the furniture and the "
      "story's own lines still match); without, copydesk should say `no_prose_body`.\n")
    w("| mode | seed | excerpt | its paragraphs (words) | joined to the full copy | copydesk's decision |")
    w("|---|---:|---|---|---|---|")
    n = 0
    for mode, runs in seed_runs.items():
        for r in runs:
            docs = {d.id: d for d in r.corpus.docs}
            decisions = {truth_id(d.doc_id): d for d in r.result.decisions}
            for t in r.corpus.truth:
                if t["kind"] != "excerpt_no_prose":
                    continue
                n += 1
                ex = t["a"] if docs[t["a"]].kind == "excerpt" else t["b"]
                paras = "; ".join(f"{p[:40]}{'…' if len(p) > 40 else ''} ({len(p.split())})"
                                  for lab, p in docs[ex].lines if lab == "body")
                joined = "yes" if pair(t["a"], t["b"]) in r.row.predicted else "no"
                d = decisions[ex]
                w(f"| `{mode}` | {r.seed} | `{ex}` | {paras.replace('|', '/')} | {joined} | {d.role.value} ({d.reason}) |")
    if n == 0:
        w("| (none) | | | | | |")


def edited_section(seed_runs: dict[str, list[ModeRun]], w: Any) -> None:
    """Every edited pair copydesk does not join, in every mode and seed run, with ``compare_texts``'s numbers."""
    w("\n## Missed edited pairs (every mode and seed)\n")
    w("A truth pair of kind *edited* (the edited copy vs the original or a near copy of the story) that is not in one "
      "cluster. The numbers are `copydesk.compare_texts` with default settings on the two docs' texts as copydesk read "
      "them (per-document cleaning; dedup also has corpus evidence): Jaccard, containment a in b and b in a, cover a / b "
      "(the share of each doc's words inside shared passages), the longest passage in words, the number of shared "
      "passages, and the label; *bare* = the label on the bare bodies (no furniture). Roles are copydesk's decisions "
      "in that run. The edited copy is b.\n")
    rows: list[str] = []
    for mode, runs in seed_runs.items():
        for r in runs:
            docs = {d.id: d for d in r.corpus.docs}
            dec = {truth_id(d.doc_id): d for d in r.result.decisions}
            for a, b in r.row.missed["edited"]:
                if docs[a].kind == "edited":
                    a, b = b, a
                c = copydesk.compare_texts(docs[a].text, docs[b].text, ON)
                bare = copydesk.compare_texts(body_text(docs[a]), body_text(docs[b]), ON)
                e = r.corpus.edits[b]
                rows.append(
                    f"| `{mode}` | {r.seed} | `{a}` | `{b}` | {dec[a].role.value} | {dec[b].role.value} "
                    f"| {c.jaccard:.3f} | {c.containment_a_in_b:.3f} | {c.containment_b_in_a:.3f} | {c.cover_a:.3f} "
                    f"| {c.cover_b:.3f} | {c.longest_passage} | {len(c.shared_passages)} | {c.label} | {bare.label} "
                    f"| {e.kept:.0%} of {e.paragraphs} |")
    if not rows:
        w("None.")
        return
    w("| mode | seed | a | b (edited) | a's role | b's role | J | a in b | b in a | cover a | cover b | longest | passages "
      "| label | bare | b keeps of the original's paragraphs |")
    w("|---|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|")
    for row in rows:
        w(row)


def site_details(ev: Evaluation, out_dir: Path, w: Any) -> None:
    """Site mode's exact scores, line-by-line cleaning, diagnosis of every missed pair, and false positives."""
    corpus = ev.corpus
    docs = {d.id: d for d in corpus.docs}
    head = ev.rows[0]
    # ---- compare_texts
    w("\n## Exact scores (`copydesk.compare_texts`), with and without cleaning\n")
    w("Medians over the pairs. `compare_texts` has no corpus, so its cleaning is the per-document rules only (dedup also "
      "drops lines seen in >= 3 docs of one source). containment = the share of the smaller doc's shingles found in the "
      "other (for an excerpt pair: the excerpt's). *bare bodies* = the same pair with no furniture at all. The last column "
      "counts the pairs `compare_texts` labels as the truth kind (near_duplicate / excerpt_of / edited_copy; for the "
      "optional kinds any of the three; for unrelated pairs: labelled as any of the three, which should be 0).\n")
    w("| pairs | n | Jaccard raw | Jaccard cleaned | Jaccard bare bodies | containment raw | containment cleaned | containment bare bodies | labelled: raw / cleaned / bare |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    want = {"near": ("near_duplicate",), "excerpt": ("excerpt_of",), "edited": ("edited_copy",),
            "same_story": JOIN_LABELS, "edited_excerpt": JOIN_LABELS, "excerpt_no_prose": JOIN_LABELS}
    body = {d.id: "\n".join(t for lab, t in d.lines if lab == "body") for d in corpus.docs}
    texts = {d.id: d.text for d in corpus.docs}
    truth_cmp: dict[str, list[tuple[Cmp, Cmp, Cmp]]] = defaultdict(list)
    for t in corpus.truth:
        a, b = t["a"], t["b"]
        truth_cmp[t["kind"]].append((compare(texts[a], texts[b], OFF), compare(texts[a], texts[b], ON),
                                     compare(body[a], body[b], OFF)))
    with (out_dir / "pair_scores.jsonl").open("w", encoding="utf-8") as f:
        for k in (*REQUIRED_KINDS, *OPTIONAL_KINDS):
            pairs_k = [t for t in corpus.truth if t["kind"] == k]
            for t, (raw, cln, bare) in zip(pairs_k, truth_cmp[k], strict=True):
                f.write(json.dumps({**t, **{f"{name}_{field}": getattr(c, field) for name, c in
                                            (("raw", raw), ("cleaned", cln), ("bare", bare))
                                            for field in ("jaccard", "cab", "cba", "label")}}) + "\n")
    for k in (*REQUIRED_KINDS, *OPTIONAL_KINDS):
        rows = truth_cmp[k]
        counts = " / ".join(str(sum(1 for r in rows if r[i].label in want[k])) for i in range(3))
        w(f"| {k} | {len(rows)} | " + " | ".join(fmt(med(r[i].jaccard for r in rows)) for i in range(3)) + " | "
          + " | ".join(fmt(med(r[i].small_in_big for r in rows)) for i in range(3)) + f" | {counts} |")
    site_cmp: dict[str, list[tuple[Cmp, Cmp]]] = defaultdict(list)
    for (a, b), kind in sorted(ev.same_site.items()):
        site_cmp[kind].append((compare(texts[a], texts[b], OFF), compare(texts[a], texts[b], ON)))
    for kind, rows2 in sorted(site_cmp.items()):
        w(f"| unrelated, {kind} | {len(rows2)} | {fmt(med(r[0].jaccard for r in rows2))} (max {fmt(max(r[0].jaccard for r in rows2))}) "
          f"| {fmt(med(r[1].jaccard for r in rows2))} (max {fmt(max(r[1].jaccard for r in rows2))}) | — "
          f"| {fmt(med(r[0].max_contain for r in rows2))} (max {fmt(max(r[0].max_contain for r in rows2))}) "
          f"| {fmt(med(r[1].max_contain for r in rows2))} (max {fmt(max(r[1].max_contain for r in rows2))}) | — "
          f"| {sum(1 for r in rows2 if r[0].label in JOIN_LABELS)} / {sum(1 for r in rows2 if r[1].label in JOIN_LABELS)} / — |")
    w(f"\nFor unrelated pairs the containment columns give the larger direction. Every truth pair's scores: "
      f"`{shown(out_dir / 'pair_scores.jsonl')}`.")

    # ---- line-level cleaning
    w("\n## Cleaning, line by line (the dedup run with cleaning on, corpus evidence included)\n")
    stats: Counter[tuple[str, bool]] = Counter()
    survived: dict[str, Counter[str]] = {"top": Counter(), "bottom": Counter()}
    body_removed: list[tuple[str, int, str, str]] = []
    for d in corpus.docs:
        gone = ev.removed.get(d.id, {})
        for i, (lab, line) in enumerate(d.lines, start=1):
            stats[(lab, i in gone)] += 1
            if lab in survived and i not in gone:
                survived[lab][line] += 1
            if lab == "body" and i in gone:
                body_removed.append((d.id, i, gone[i], line))

    def share(lab: str) -> str:
        n = stats[(lab, True)] + stats[(lab, False)]
        return f"{stats[(lab, True)]}/{n} ({stats[(lab, True)] / n:.1%})" if n else "0/0"

    w(f"- removed: navigation/top furniture {share('top')}, bottom furniture {share('bottom')}, credit lines "
      f"{share('credit')}; the story's headline block {share('head')}; **body lines {share('body')}**.")
    w("- removals by rule: " + ", ".join(f"{k} {v}" for k, v in ev.res_on.summary.get("removed_lines_by_rule", {}).items()))
    for lab, what in (("top", "top (navigation)"), ("bottom", "bottom")):
        w(f"- most frequent surviving {what} furniture lines (docs that kept them): "
          + "; ".join(f"{n}× `{t[:70]}`" for t, n in survived[lab].most_common(12)))
    if body_removed:
        w(f"- body lines removed ({len(body_removed)}; first 15): "
          + "; ".join(f"`{did}`:{i} {rule} `{t[:60]}`" for did, i, rule, t in body_removed[:15]))
    top_kept = [t for t, n in survived["top"].items() for _ in range(n)]
    short_top = sum(1 for t in top_kept if len(norm_words(t)) <= 3)
    w(f"- shape of the surviving top furniture: {short_top} of {len(top_kept)} kept lines have <= 3 words (menu items: "
      "`Home`, `News`, `Search`, ...), in runs right above the headline.")
    anchors = anchor_counterfactual(ev)
    w(f"- bottom: in {anchors['docs']} docs a kept furniture line after the body is *sentence-shaped* (>= 20 words, or "
      ">= 10 words ending in . ! ? or a quote: what the per-document cleaner takes for a body paragraph), e.g. "
      + "; ".join(f"`{t[:70]}`" for t in anchors["examples"])
      + f". Blanking just those {anchors['anchor_lines']} lines, the per-document cleaner alone (no corpus evidence) removes "
      f"{anchors['more_removed']} more bottom furniture lines in {anchors['docs_gaining']} of those docs: the short lines "
      "above such a line are not in the trailing footer zone.")

    # ---- diagnosis
    w("\n## Diagnosis (site mode, cleaning on)\n")
    missed = [(k, p) for k in REQUIRED_KINDS for p in head.missed[k]]
    dec = {d.doc_id: d for d in ev.res_on.decisions}
    classified = [(k, a, b, *classify_missed(ev, a, b)) for k, (a, b) in missed]
    causes = Counter((k, cause.split(" (")[0]) for k, _a, _b, cause, *_ in classified)
    w(f"{len(missed)} truth pairs are not in one cluster. Cause, the first that applies: *edits*: the bare-bodies run "
      "misses the pair too and the bare bodies do not verify; *clustering*: the pair verifies on the texts as this run "
      "matched them, yet the docs sit under different canonicals; *via the original*: two copies that meet only through "
      "their original (two independent edits leave them below the thresholds) and that link failed, for the cause given; "
      "*furniture*: it verifies once the furniture lines the cleaner kept are blanked; *body removed*: once the body lines "
      "the cleaner removed are restored too.\n")
    w("| kind | cause | pairs |")
    w("|---|---|---:|")
    for (k, cause), n in sorted(causes.items(), key=lambda x: (REQUIRED_KINDS.index(x[0][0]), -x[1], x[0][1])):
        w(f"| {k} | {cause} | {n} |")
    w("\nEvery missed pair. J/ca/cb on the texts as matched (ca = share of a's shingles in b); *no furniture* = the same "
      "with every furniture line blanked; *bare* = bodies only. Kept furniture = furniture lines the cleaner left in a / b.\n")
    w("| kind | a | b | a → canonical | b → canonical | J | ca | cb | J / ca / cb no furniture | J / contain. bare | kept furniture lines a / b | furniture share of shingles a / b | cause |")
    w("|---|---|---|---|---|---:|---:|---:|---|---|---:|---:|---|")
    for k, a, b, cause, m, nf, bare in classified:
        da, db = dec[a], dec[b]
        w(f"| {k} | `{a}` | `{b}` | {da.role.value} → `{da.canonical_id}` | {db.role.value} → `{db.canonical_id}` "
          f"| {m.jaccard:.3f} | {m.cab:.3f} | {m.cba:.3f} | {nf.jaccard:.3f} / {nf.cab:.3f} / {nf.cba:.3f} "
          f"| {bare.jaccard:.3f} / {bare.small_in_big:.3f} | {len(kept_furniture(ev, docs[a]))} / {len(kept_furniture(ev, docs[b]))} "
          f"| {1 - nf.sa / max(m.sa, 1):.0%} / {1 - nf.sb / max(m.sb, 1):.0%} | {cause} |")

    w(f"\n### False positives ({len(head.false_pos)})\n")
    if not head.false_pos:
        w("None.")
    else:
        star = copydesk_pairs(ev.res_on.decisions)[1]
        w("| a | b | same site? | own edge? | J | ca | cb (as matched) | furniture lines both kept | longest shared passages |")
        w("|---|---|---|---|---:|---:|---:|---|---|")
        for a, b in head.false_pos:
            c = copydesk.compare_texts(matched_text(ev, docs[a]), matched_text(ev, docs[b]), OFF)
            shared = sorted(set(kept_furniture(ev, docs[a])) & set(kept_furniture(ev, docs[b])))
            passages = sorted(c.shared_passages, key=lambda p: -p.words)[:2]
            pas = "; ".join(f"{p.words} words: `{' / '.join(p.text.splitlines())[:90]}`" for p in passages)
            w(f"| `{a}` | `{b}` | {ev.same_site.get((a, b), 'no')} | {'yes' if (a, b) in star else 'no, via the canonical'} "
              f"| {c.jaccard:.3f} | {c.containment_a_in_b:.3f} | {c.containment_b_in_a:.3f} | {len(shared)}: "
              + "; ".join(f"`{t[:40]}`" for t in shared[:8]).replace("|", "/") + f" | {pas.replace('|', '/')} |")


def run(args: argparse.Namespace, argv: list[str]) -> int:
    t_start = time.perf_counter()
    pages = cached_pages(args.data.resolve())
    t_pages = time.perf_counter() - t_start
    corpus_dir = args.corpus_dir if args.corpus_dir.is_absolute() else REPO / args.corpus_dir
    seeds = range(args.seed, args.seed + 1 + args.extra_seeds)
    full = {m: evaluate(pages, args.seed, m, mode_dir(corpus_dir, args.seed, m)) for m in ("site", "page") if m in args.modes}
    runs = {m: full[m].base if m in full else run_mode(pages, args.seed, m, mode_dir(corpus_dir, args.seed, m))
            for m in args.modes}
    site_evals: list[tuple[int, Evaluation]] = []
    if "site" in full:
        site_evals = [(args.seed, full["site"]), *((sd, evaluate(pages, sd, "site", mode_dir(corpus_dir, sd, "site")))
                                                   for sd in seeds[1:])]
    seed_runs: dict[str, list[ModeRun]] = {}  # every mode at every seed (site mode's are its full evaluations')
    for m, first in runs.items():
        extra = ([o.base for _, o in site_evals[1:]] if m == "site"
                 else [run_mode(pages, sd, m, mode_dir(corpus_dir, sd, m)) for sd in seeds[1:]])
        seed_runs[m] = [first, *extra]
    peers = {m: peer_rows(r.corpus, r.path, args.seed, args.baseline_python, args.peer_python)
             for m, r in runs.items() if m != "site"}
    base, base_note = baseline_rows(full["site"].corpus, full["site"].base.path, args) if "site" in full else ([], "")

    L: list[str] = []
    w = L.append
    w("# Dedup quality on real text (article-extraction benchmark pages)\n")
    w("Written by `bench/quality/dedup_real.py` (its docstring says how the corpus is built): copies of 121 real "
      "articles wrapped in the real boilerplate lines of real news pages, labelled by construction.\n")
    env = "".join(f"{k}={shlex.quote(os.environ[k])} " for k in ("PYTHONPATH", "COPYDESK_PURE_PYTHON") if os.environ.get(k))
    w("```bash\n" + env + " ".join(shlex.quote(x) for x in [sys.executable, *argv]) + "\n```\n")
    w(f"- machine: {machine()}; copydesk {copydesk.__version__} at {code_state()}; seed {args.seed}")
    w(f"- modes: {', '.join(f'`{m}`' for m in runs)}; corpus, truth and line labels: "
      f"`{shown(mode_dir(corpus_dir, args.seed, '<mode>'))}/` (gitignored)")

    heavy = next((r.corpus for r in runs.values() if r.corpus.mode == "heavy"), None)
    corpus_section(pages, runs["site"].corpus if "site" in runs else build_corpus(pages, args.seed, "site"), heavy, w)

    w(f"\n## Every mode (seed {args.seed}): copydesk with default settings, same-cluster pairs\n")
    w("✓/✗ against the issue's targets (precision >= "
      f"{TARGET_PRECISION}, near recall >= {TARGET_NEAR}, excerpt recall >= {TARGET_EXCERPT}, edited recall >= "
      f"{TARGET_EDITED}). Each mode's section below has the peers' rows on the same docs; every mode at every seed, with "
      "the roles copydesk gives the edited copies, is in *Per mode and seed*.\n")
    modes_table(list(runs.values()), w)

    if "site" in full:
        site_results(full["site"], base, base_note, site_evals, w)
    if "page" in full:
        page_results(full["page"], *peers["page"], w)
    for m in MODE_SECTIONS:
        if m in runs:
            mode_section(runs[m], *peers[m], w)
    if seed_runs and args.extra_seeds:
        seed_table(seed_runs, w)
        no_prose_section(seed_runs, w)
    edited_section(seed_runs, w)
    if "site" in full:
        site_details(full["site"], mode_dir(corpus_dir, args.seed, "site"), w)

    w("\n## Notes\n")
    w("- Ids are `a<story>-<kind><n>` (`orig0` the original, `near<n>`, `excerpt<n>`, `edited1`): readable in the report; copydesk "
      "uses ids only as its last canonical tie-break (in the text-folder modes it sees them as `<id>.txt`).")
    w("- Near copies substitute 2-4% of the words, scattered (each substitution breaks up to 5 shingles), so even the bare "
      "bodies of an original and its copy have a median Jaccard near 0.7, and two independently edited copies of one "
      "story near 0.5: see the *bare bodies* row and the *edits* cause above.")
    w("- Edited copies are scored on the join only, not on the label: an edited copy of a long story keeps most of its "
      "paragraphs word for word, so copydesk may well call it a near_duplicate (see *edited copies' roles*); the short "
      "stories (6-10 paragraphs), where the new lead, the dropped and the merged paragraphs weigh most, are the hard ones.")
    w("- Wrappers are real lines used verbatim; each serves 1-3 docs, so corpus evidence (a line in >= 3 docs of one "
      "source) applies only to some, as in a small crawl.")
    w("- The data folder holds 121 of the benchmark's 181 pages; nothing here names a site or is tuned to these pages.")
    total = time.perf_counter() - t_start
    w(f"- time: {total:.1f} s in all (pages {t_pages:.1f} s; dedup, cleaning on: "
      + ", ".join(f"{m} {r.seconds:.2f} s" for m, r in runs.items())
      + (f"; site mode cleaning off {full['site'].seconds['off']:.2f} s, bare bodies {full['site'].seconds['bare']:.2f} s"
         if "site" in full else "") + ").")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(L) + "\n", encoding="utf-8")
    print(f"wrote {args.out} in {total:.1f} s")
    for r in [*(full["site"].rows if "site" in full else []), *base]:
        print(f"  {r.name:58s} pairs {len(r.predicted):4d}  P {fmt(r.precision)}  near {fmt(r.recall['near'])}  "
              f"excerpt {fmt(r.recall['excerpt'])}  edited {fmt(r.recall['edited'])}  fp {len(r.false_pos)}")
    scored = {(mr.mode, mr.seed): mr for mr in [*runs.values(), *(o.base for _, o in site_evals),
                                                *(mr for mrs in seed_runs.values() for mr in mrs)]}
    for mr in scored.values():
        print(summary_line(mr.summary()))
    return 0


def parse_modes(value: str) -> list[str]:
    """``--modes site,bare-text``: the named modes, in the report's order."""
    names = {m.strip() for m in value.split(",") if m.strip()}
    unknown = sorted(names - set(MODES))
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown mode(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(MODES)}")
    return [m for m in MODES if m in names]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Dedup quality on real text (see the module docstring).")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="article-extraction-benchmark folder")
    ap.add_argument("--out", type=Path, default=Path("bench/quality/DEDUP_REAL.md"), help="report (Markdown)")
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR, help="where the corpora and truth go")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--modes", type=parse_modes, default=list(MODES),
                    help=f"comma-separated corpus modes to run and report (default all: {','.join(MODES)})")
    ap.add_argument("--extra-seeds", type=int, default=4,
                    help="also score the site and text-folder modes on the corpora of this many more seeds")
    ap.add_argument("--baseline-python", default=None,
                    help="an interpreter with datasketch, for the datasketch rows (default: this one, if it has it)")
    ap.add_argument("--peer-python", default=None,
                    help="an interpreter with datatrove and text-dedup, for their rows (bench/README.md says how to "
                         "make its venv)")
    ap.add_argument("--baseline-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.baseline_only is not None:
        baseline_only(args.baseline_only, args.seed)
        return 0
    return run(args, list(sys.argv if argv is None else ["bench/quality/dedup_real.py", *argv]))


if __name__ == "__main__":
    sys.exit(main())
