"""Seeded generator of realistic news-syndication corpora, with ground truth.

    python bench/generate.py --docs 10000 --seed 1 --out bench/out/corpus-10k

Why synthetic: real crawls have no complete truth, so recall cannot be measured on them.
This corpus is built to look, to a shingle/MinHash pipeline, like a crawl of ~200 news
sites that republish each other:

- prose from a Zipfian vocabulary (English function words at the top ranks, then 50k
  synthetic words), sentences of 8-30 words, paragraphs of 2-5 sentences, 300-900 words;
- per-site boilerplate (nav line, byline template, cookie banner, newsletter box inside
  the body, "related stories" teasers, footer), so unrelated pages of one site share text
  that a naive Jaccard sees as overlap;
- stories re-published as near-copies (word substitutions, a sentence dropped or added,
  another site's wrapper, a credit line), excerpts (the first 25-50% of paragraphs plus a
  "Read the full story" line), and partial copies (paragraphs shuffled, or a middle chunk);
- "same-topic" sibling stories that share a topical vocabulary but not text: true
  negatives that catch methods matching on vocabulary rather than on passages.

Outputs (all JSON lines, written to temp names and renamed at the end):
- docs.jsonl    {"id", "text", "url", "source", "date"}
- truth.jsonl   {"a", "b", "kind"}: "near" between full copies; "excerpt" with a = the
                excerpt (or middle chunk), b = the full copy containing it; "related" for
                two partial copies of one story (neither required nor wrong)
- stories.jsonl {"id", "story", "role", "variant", "topic", "event", "source"}
- meta.json     parameters, counts, bytes, timings

Speed: words are drawn for a whole chunk of stories at once (numpy), each document is a
small array of "piece" ids (words, separators, boilerplate lines) and a chunk is turned
into bytes by one vectorised gather over a blob of JSON-escaped pieces. Memory is bounded
by the chunk size; copies of a story are kept in its chunk (docs are shuffled within it).
Determinism: every random draw comes from numpy Generators seeded with (seed, purpose,
chunk index), so a given seed and numpy version give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Stopwatch, fmt_bytes, machine_info

GENERATOR_VERSION: Final = 1

I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]

# Word flags: what follows a word. Capitalisation is derived (after a stop, or first word).
SPACE: Final = 0
COMMA: Final = 1
STOP: Final = 2  # ". "
PARA: Final = 3  # ".\n\n"  (paragraph end)

Role = Literal["original", "near", "excerpt", "partial", "single"]

_FUNCTION_WORDS_TEXT: Final = (
    "the of and to a in that is was he for it with as his on be at by i this had not are but from or "
    "have an they which one you were her all she there would their we him been has when who will more "
    "no if out so said what up its about into than them can only other new some could time these two "
    "may then do first any my now such like our over man me even most made after also did many before "
    "must through back years where much your way well down should because each just those people mr "
    "how too little state good very make world still own see men work long get here between both life "
    "being under never day same another know while last might us great old year off come since against "
    "go came right used take three"
)
FUNCTION_WORDS: Final = tuple(_FUNCTION_WORDS_TEXT.split())

SECTIONS: Final = (
    "World", "Politics", "Business", "Tech", "Science", "Health", "Sport", "Culture", "Opinion",
    "Local", "Weather", "Travel", "Food", "Video", "Podcasts", "Money", "Markets", "Climate",
    "Education", "Arts", "Books", "Music", "Film", "Style", "Lifestyle", "Property", "Motoring",
    "Crime", "Courts", "Environment",
)
OUTLET_NOUNS: Final = (
    "Times", "Herald", "Post", "Gazette", "Chronicle", "Tribune", "Observer", "Daily", "News",
    "Journal", "Courier", "Record", "Independent", "Ledger", "Sentinel", "Express", "Star",
    "Mirror", "Register", "Dispatch", "Wire", "Report", "Examiner", "Monitor",
)
TLDS: Final = (".com", ".com", ".com", ".co.uk", ".net", ".org", ".news", ".com.au", ".ca", ".ie")
MONTHS: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
ONSETS: Final = (
    "", "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
    "br", "cr", "dr", "gr", "pr", "tr", "st", "sh", "ch", "th", "pl", "cl", "fl", "sl", "sp", "sk",
)
NUCLEI: Final = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "io", "y")
CODAS: Final = ("", "", "", "n", "r", "s", "l", "t", "m", "nd", "rt", "st", "ck", "x", "sh")

COOKIE_TEMPLATES: Final = (
    ("We use cookies to improve your experience on {name}. By continuing to browse the site you "
     "agree to our use of cookies. Accept all | Manage preferences"),
    ("This site uses cookies and similar technologies to personalise content and ads and to "
     "analyse our traffic. Find out more in our cookie policy. OK"),
    ("{name} and our partners use cookies to store and access information on your device. "
     "Click accept to consent or manage your choices at any time."),
    ("Cookies help us deliver our services. By using {name} you agree to our use of cookies. "
     "Learn more | Got it"),
    ("Your privacy matters to us. We and our 342 partners process personal data such as "
     "browsing data. Accept | Reject | Settings"),
)
NEWSLETTER_TEMPLATES: Final = (
    ("Sign up for the {name} {letter} newsletter: the day's top stories delivered to your inbox "
     "every morning. Enter your email address. Subscribe"),
    ("Get our {letter} email. The best of {name} journalism, sent to you every weekday. Sign up "
     "now"),
    ("Newsletter: {letter}. Stay informed with the stories that matter, free to your inbox. By "
     "signing up you agree to our privacy policy."),
    ("Don't miss a thing. Subscribe to {letter} from {name} for breaking news alerts and "
     "analysis."),
)
LETTER_NAMES: Final = (
    "Morning Briefing", "Evening Edition", "Daily Digest", "First Thing", "The Week", "Headlines",
    "Daily Update", "Breaking", "Week in Review", "Today",
)
RELATED_HEADERS: Final = (
    "Related stories", "Read more", "More from {name}", "You may also like", "Related",
    "Most read", "Trending now",
)
TEASER_PREFIXES: Final = ("", "- ", "» ", "Related: ", "* ")
FOOTER_TEMPLATES: Final = (
    "© {year} {name}. All rights reserved.",
    ("Copyright © {year} {name} Media Group. All rights reserved. Reproduction without "
     "permission is prohibited."),
    "© {name} {year}. Registered in England and Wales. No. 908471.",
    "{name} is part of the {owner} network. © {year} {owner} Ltd.",
)
FOOTER_LINKS: Final = (
    "Privacy Policy", "Terms of Use", "Cookie Settings", "Contact Us", "Advertise", "About Us",
    "Careers", "Accessibility", "Corrections", "Site Map", "Help", "Do Not Sell My Information",
)
BYLINE_TEMPLATES: Final = (
    ("By ", "A", " | ", "D"),
    ("A", ", {name} | Published ", "D"),
    ("Posted ", "D", " by ", "A"),
    ("A", " - {name} Staff Writer - Updated ", "D"),
    ("Written by ", "A", "\n", "D"),
    ("D", " | ", "A"),
)
CREDIT_TEMPLATES: Final = (
    "This article originally appeared on {orig}.",
    "This story was first published by {orig} and is republished with permission.",
    "Originally published by {orig}.",
    "Source: {orig}",
    "This article was produced by {orig} and is reproduced here under licence.",
)
READMORE_TEMPLATES: Final = (
    "Read the full story at {orig}.",
    "Continue reading at {orig}",
    "Read more at {orig}.",
    "This is an excerpt. The full article is available from {orig}.",
)
NAV_PREFIXES: Final = ("", "Skip to main content ", "Menu ", "Search ")
NAV_SEPARATORS: Final = (" | ", " · ", " / ", "  ")
NAV_SUFFIXES: Final = ("", " | Search", " | Sign in | Subscribe", " | Newsletters | Log in")
DATE_FORMATS: Final = 4
DAYS: Final = 730  # story dates span 2023-01-01 .. 2024-12-31; copies may be 0-3 days later
BASE_DATE: Final = dt.date(2023, 1, 1)
TEASERS_PER_SOURCE: Final = 40
_RENDER_GROUP: Final = 256  # pages per vectorised gather


@dataclass(frozen=True)
class GenConfig:
    """All knobs of one corpus; written to meta.json so a corpus can be re-made exactly."""

    docs: int
    seed: int = 1
    vocab: int = 50_000
    zipf_s: float = 1.1
    sources: int = 200
    source_zipf_s: float = 1.0
    topics: int = 1_000
    topic_words: int = 200
    topic_share: float = 0.15
    sibling_topic_share: float = 0.35
    p_sibling: float = 0.15
    p_near: float = 0.30
    p_excerpt: float = 0.20
    p_partial: float = 0.06
    p_verbatim: float = 0.15
    sub_rate_min: float = 0.02  # share of words a near copy substitutes, drawn per copy
    sub_rate_max: float = 0.05
    chunk_stories: int = 1_000

    def __post_init__(self) -> None:
        if self.docs < 1:
            raise ValueError(f"docs must be >= 1, got {self.docs}")
        if self.vocab < 1_000:
            raise ValueError(f"vocab must be >= 1000, got {self.vocab}")
        if self.sources < 2:
            raise ValueError("need at least 2 sources so copies can move to another site")
        for name in ("topic_share", "sibling_topic_share", "p_sibling", "p_near", "p_excerpt",
                     "p_partial", "p_verbatim"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {v}")
        if not 0.0 <= self.sub_rate_min <= self.sub_rate_max <= 1.0:
            raise ValueError(f"need 0 <= sub_rate_min <= sub_rate_max <= 1, got {self.sub_rate_min}, "
                             f"{self.sub_rate_max}")
        if self.chunk_stories < 1:
            raise ValueError("chunk_stories must be >= 1")


def _rng(seed: int, *purpose: int) -> np.random.Generator:
    """One independent stream per (seed, purpose, chunk): chunks never share draws."""
    return np.random.default_rng([seed, *purpose])


def _json_escape(s: str) -> bytes:
    return json.dumps(s, ensure_ascii=False)[1:-1].encode("utf-8")


@dataclass
class _PieceBuilder:
    """Interns strings into a table; frozen into a JSON-escaped byte blob for rendering."""

    strings: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def add(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = len(self.strings)
            self.index[s] = i
            self.strings.append(s)
        return i

    def freeze(self) -> tuple[U8, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        encoded = [_json_escape(s) for s in self.strings]
        lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.zeros(len(encoded), dtype=np.int64)
        np.cumsum(lengths[:-1], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return blob, offsets, lengths


@dataclass(frozen=True)
class _Source:
    name: str
    domain: str
    sections: tuple[str, ...]
    nav: int  # piece id of the nav line (with its newline)
    byline: tuple[int | str, ...]  # piece ids, or "A"/"D" slots
    date_format: int
    authors: I32
    cookie: int  # piece id or -1
    cookie_top: bool
    newsletter: int  # piece id or -1
    related_header: int  # piece id or -1
    teaser_pieces: I32
    footer: I32  # piece ids
    credit: I32  # credit line naming each possible original source, indexed by source
    readmore: I32  # "read the full story at" naming each source


@dataclass(frozen=True)
class _World:
    """Everything fixed for a corpus: lexicon, samplers, sources, and the piece blob."""

    words: tuple[str, ...]  # lexicon by rank (lowercase)
    n_function: int
    word_table: I32  # quantised inverse CDF of the Zipf over ranks (uniform index -> rank)
    topic_vocab: I32  # [topics, topic_words] ranks
    topic_table: I32  # quantised inverse CDF of the Zipf inside a topic
    sources: tuple[_Source, ...]
    source_cdf: npt.NDArray[np.float64]
    date_pieces: I32  # [DATE_FORMATS, DAYS + 4]
    sep: I32  # piece ids of the word separators, indexed by flag; plus [4] = headline end
    space: int
    newline: int
    blob: U8
    offsets: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]

    @property
    def n_words(self) -> int:
        return len(self.words)

    def sample_words(self, rng: np.random.Generator, n: int) -> I32:
        return self.word_table[rng.integers(0, self.word_table.size, n)]


def _zipf_table(n: int, s: float, size: int) -> I32:
    """Inverse CDF on a uniform grid: sampling becomes one integer draw plus a gather.

    Ranks whose probability is below 1/size are slightly under-drawn; with size = 2**22
    that is only the far tail of a 50k vocabulary.
    """
    p = np.arange(1, n + 1, dtype=np.float64) ** -s
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    grid = (np.arange(size, dtype=np.float64) + 0.5) / size
    return np.minimum(np.searchsorted(cdf, grid), n - 1).astype(np.int32)


def _synthetic_words(rng: np.random.Generator, n: int, avoid: set[str]) -> list[str]:
    """Pronounceable unique words; shorter ones get the more frequent ranks (as in English)."""
    out: list[str] = []
    seen = set(avoid)
    while len(out) < n:
        m = (n - len(out)) * 2 + 1000
        nsyl = rng.choice(np.array([1, 2, 2, 3, 3, 3, 4]), m)
        on = rng.integers(0, len(ONSETS), (m, 4))
        nu = rng.integers(0, len(NUCLEI), (m, 4))
        co = rng.integers(0, len(CODAS), (m, 4))
        for i in range(m):
            w = "".join(ONSETS[on[i, j]] + NUCLEI[nu[i, j]] + CODAS[co[i, j]] for j in range(nsyl[i]))
            if len(w) >= 2 and w not in seen:
                seen.add(w)
                out.append(w)
                if len(out) == n:
                    break
    noisy = np.array([len(w) for w in out], dtype=np.float64) + rng.normal(0.0, 1.5, len(out))
    return [out[i] for i in np.argsort(noisy, kind="stable")]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _sentence(rng: np.random.Generator, words: Sequence[str], n: int, table: I32) -> str:
    ids = table[rng.integers(0, table.size, n)]
    return _cap(" ".join(words[i] for i in ids))


def _build_world(cfg: GenConfig) -> _World:
    rng = _rng(cfg.seed, 0)
    synth = _synthetic_words(rng, cfg.vocab, set(FUNCTION_WORDS))
    words = tuple(FUNCTION_WORDS) + tuple(synth)
    n = len(words)
    word_table = _zipf_table(n, cfg.zipf_s, 1 << 22)
    nf = len(FUNCTION_WORDS)
    topical_pool = np.arange(nf, min(n, nf + 20_000), dtype=np.int32)
    topic_vocab = np.stack([
        rng.choice(topical_pool, cfg.topic_words, replace=False) for _ in range(cfg.topics)
    ]).astype(np.int32)
    topic_table = _zipf_table(cfg.topic_words, 1.0, 1 << 16)

    pb = _PieceBuilder()
    # Word pieces first, so piece id == rank (lowercase) and rank + n (Capitalised).
    for w in words:
        pb.strings.append(w)
    for w in words:
        pb.strings.append(_cap(w))
    pb.index = {}
    sep = np.array([pb.add(" "), pb.add(", "), pb.add(". "), pb.add(".\n\n"), pb.add("\n\n")],
                   dtype=np.int32)
    newline = pb.add("\n")

    dates = [BASE_DATE + dt.timedelta(days=d) for d in range(DAYS + 4)]
    fmts = (
        lambda d: d.isoformat(),
        lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
        lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
        lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    )
    date_pieces = np.array([[pb.add(f(d)) for d in dates] for f in fmts], dtype=np.int32)

    # Mid-frequency capitalised synthetic words make plausible proper names.
    name_pool = synth[2_000:12_000]
    names: list[str] = []
    taken: set[str] = set()
    while len(names) < cfg.sources:
        w = _cap(name_pool[int(rng.integers(len(name_pool)))])
        style = int(rng.integers(3))
        noun = OUTLET_NOUNS[int(rng.integers(len(OUTLET_NOUNS)))]
        name = (f"The {w} {noun}", f"{w} {noun}", f"{w}{noun.lower()}")[style]
        if name not in taken:
            taken.add(name)
            names.append(name)
    domains = [
        "".join(ch for ch in nm.lower().removeprefix("the ") if ch.isalnum())
        + TLDS[int(rng.integers(len(TLDS)))]
        for nm in names
    ]
    credit_strings = [[t.format(orig=nm) for nm in names] for t in CREDIT_TEMPLATES]
    readmore_strings = [[t.format(orig=nm) for nm in names] for t in READMORE_TEMPLATES]

    sources: list[_Source] = []
    for si, (name, domain) in enumerate(zip(names, domains, strict=True)):
        secs = tuple(str(x) for x in rng.choice(np.array(SECTIONS), int(rng.integers(5, 10)), replace=False))
        nav = (NAV_PREFIXES[int(rng.integers(len(NAV_PREFIXES)))]
               + NAV_SEPARATORS[int(rng.integers(len(NAV_SEPARATORS)))].join(("Home",) + secs)
               + NAV_SUFFIXES[int(rng.integers(len(NAV_SUFFIXES)))] + "\n")
        tmpl = BYLINE_TEMPLATES[int(rng.integers(len(BYLINE_TEMPLATES)))]
        byline: list[int | str] = [x if x in ("A", "D") else pb.add(x.format(name=name)) for x in tmpl]
        byline.append(pb.add("\n\n"))
        n_auth = int(min(30, 2 + rng.zipf(1.6)))
        authors = np.array([
            pb.add(f"{_cap(name_pool[int(rng.integers(len(name_pool)))])} "
                   f"{_cap(name_pool[int(rng.integers(len(name_pool)))])}")
            for _ in range(n_auth)
        ], dtype=np.int32)
        cookie = -1
        if rng.random() < 0.7:
            cookie = pb.add(COOKIE_TEMPLATES[int(rng.integers(len(COOKIE_TEMPLATES)))].format(name=name) + "\n\n")
        newsletter = -1
        if rng.random() < 0.6:
            letter = LETTER_NAMES[int(rng.integers(len(LETTER_NAMES)))]
            t = NEWSLETTER_TEMPLATES[int(rng.integers(len(NEWSLETTER_TEMPLATES)))]
            newsletter = pb.add(t.format(name=name, letter=letter) + "\n\n")
        related = -1
        if rng.random() < 0.8:
            related = pb.add(RELATED_HEADERS[int(rng.integers(len(RELATED_HEADERS)))].format(name=name) + "\n")
        prefix = TEASER_PREFIXES[int(rng.integers(len(TEASER_PREFIXES)))]
        teasers = np.array([
            pb.add(prefix + _sentence(rng, words, int(rng.integers(6, 12)), word_table) + "\n")
            for _ in range(TEASERS_PER_SOURCE)
        ], dtype=np.int32)
        owner = _cap(name_pool[int(rng.integers(len(name_pool)))])
        year = 2023 + int(rng.integers(2))
        foot = FOOTER_TEMPLATES[int(rng.integers(len(FOOTER_TEMPLATES)))].format(name=name, year=year, owner=owner)
        links = " | ".join(str(x) for x in rng.choice(np.array(FOOTER_LINKS), int(rng.integers(3, 8)), replace=False))
        footer = np.array([pb.add("\n"), pb.add(foot + "\n"), pb.add(links + "\n")], dtype=np.int32)
        ct = int(rng.integers(len(CREDIT_TEMPLATES)))
        rt = int(rng.integers(len(READMORE_TEMPLATES)))
        credit = np.array([pb.add(s + "\n\n") for s in credit_strings[ct]], dtype=np.int32)
        readmore = np.array([pb.add(s + "\n\n") for s in readmore_strings[rt]], dtype=np.int32)
        sources.append(_Source(
            name=name, domain=domain, sections=secs, nav=pb.add(nav), byline=tuple(byline),
            date_format=int(rng.integers(DATE_FORMATS)), authors=authors, cookie=cookie,
            cookie_top=bool(rng.random() < 0.5), newsletter=newsletter, related_header=related,
            teaser_pieces=teasers, footer=footer, credit=credit, readmore=readmore,
        ))
        del si

    weights = np.arange(1, cfg.sources + 1, dtype=np.float64) ** -cfg.source_zipf_s
    weights = weights[rng.permutation(cfg.sources)]
    source_cdf = np.cumsum(weights) / weights.sum()
    blob, offsets, lengths = pb.freeze()
    return _World(
        words=words, n_function=nf, word_table=word_table, topic_vocab=topic_vocab,
        topic_table=topic_table, sources=tuple(sources), source_cdf=source_cdf,
        date_pieces=date_pieces, sep=sep, space=int(sep[0]), newline=newline,
        blob=blob, offsets=offsets, lengths=lengths,
    )


@dataclass(frozen=True)
class _Body:
    """A story's text as word ranks + what follows each word; the headline is separate."""

    head: I32
    words: I32
    flags: U8


def _draw_words(world: _World, rng: np.random.Generator, n: int, topics: I32, share: npt.NDArray[np.float64]) -> I32:
    """Zipf words, each replaced with prob `share` by a word of its story's topic."""
    out = world.sample_words(rng, n)
    mask = rng.random(n) < share
    k = int(mask.sum())
    if k:
        t = world.topic_table[rng.integers(0, world.topic_table.size, k)]
        out[mask] = world.topic_vocab[topics[mask], t]
    return out


def _make_bodies(world: _World, rng: np.random.Generator, topics: I32, share: npt.NDArray[np.float64]) -> list[_Body]:
    """Bodies for many stories in a few vectorised draws (the hot path of the generator)."""
    k = topics.size
    n_sent = rng.integers(18, 56, k)  # x 8-30 words each -> ~340-1000 words, mean ~700
    slen = rng.integers(8, 31, int(n_sent.sum()))
    sent_story = np.repeat(np.arange(k), n_sent)
    story_words = np.bincount(sent_story, weights=slen, minlength=k).astype(np.int64)
    total = int(story_words.sum())
    word_story = np.repeat(np.arange(k), story_words)
    words = _draw_words(world, rng, total, topics[word_story], share[word_story])
    flags = np.where(rng.random(total) < 0.06, COMMA, SPACE).astype(np.uint8)
    sent_end = np.cumsum(slen) - 1
    flags[sent_end] = STOP
    # Paragraph ends: a running 2-5 sentence rhythm, plus every story's last sentence.
    psize = rng.integers(2, 6, slen.size)
    pend = np.cumsum(psize) - 1
    pend = pend[pend < slen.size]
    flags[sent_end[pend]] = PARA
    flags[sent_end[np.cumsum(n_sent) - 1]] = PARA

    hlen = rng.integers(6, 13, k)
    head_story = np.repeat(np.arange(k), hlen)
    heads = _draw_words(world, rng, int(hlen.sum()), topics[head_story], np.minimum(1.0, share[head_story] * 2.5))

    w_split = np.cumsum(story_words)[:-1]
    h_split = np.cumsum(hlen)[:-1]
    return [
        _Body(head=h, words=w, flags=f)
        for h, w, f in zip(np.split(heads, h_split), np.split(words, w_split), np.split(flags, w_split), strict=True)
    ]


def _paragraph_ends(flags: U8) -> npt.NDArray[np.intp]:
    return np.flatnonzero(flags == PARA)


def _near_copy(world: _World, cfg: GenConfig, rng: np.random.Generator, b: _Body, topic: int, share: float,
               verbatim: bool) -> _Body:
    """Small edits a re-publisher makes: word swaps (2-5%), a sentence dropped and/or added."""
    if verbatim:
        return b
    words = b.words.copy()
    flags = b.flags.copy()
    head = b.head.copy()
    rate = rng.uniform(cfg.sub_rate_min, cfg.sub_rate_max)
    m = rng.random(words.size) < rate
    words[m] = world.sample_words(rng, int(m.sum()))
    mh = rng.random(head.size) < rate * 2
    head[mh] = world.sample_words(rng, int(mh.sum()))
    if rng.random() < 0.5:  # drop one sentence (not the first)
        ends = np.flatnonzero(flags >= STOP)
        if ends.size > 3:
            j = int(rng.integers(1, ends.size))
            start, stop = int(ends[j - 1]) + 1, int(ends[j]) + 1
            was_para = flags[ends[j]] == PARA
            words = np.concatenate([words[:start], words[stop:]])
            flags = np.concatenate([flags[:start], flags[stop:]])
            if was_para:
                flags[start - 1] = PARA
    if rng.random() < 0.3:  # add one new sentence after some sentence end
        ends = np.flatnonzero(flags >= STOP)
        at = int(ends[int(rng.integers(ends.size))]) + 1
        n = int(rng.integers(8, 31))
        new_w = _draw_words(world, rng, n, np.full(n, topic, dtype=np.int32), np.full(n, share))
        new_f = np.zeros(n, dtype=np.uint8)
        new_f[-1] = STOP if at < words.size else PARA
        words = np.concatenate([words[:at], new_w, words[at:]])
        flags = np.concatenate([flags[:at], new_f, flags[at:]])
    return _Body(head=head, words=words, flags=flags)


def _excerpt(rng: np.random.Generator, b: _Body) -> _Body:
    """The first 25-50% of paragraphs (at least one), headline kept."""
    pends = _paragraph_ends(b.flags)
    k = max(1, round(rng.uniform(0.25, 0.5) * pends.size))
    cut = int(pends[k - 1]) + 1
    return _Body(head=b.head, words=b.words[:cut], flags=b.flags[:cut])


def _partial(rng: np.random.Generator, b: _Body) -> tuple[_Body, Literal["shuffled", "middle"]]:
    """Either every paragraph in another order, or a contiguous middle run of paragraphs."""
    pends = _paragraph_ends(b.flags)
    starts = np.concatenate([[0], pends[:-1] + 1])
    npara = pends.size
    if npara >= 4 and rng.random() < 0.5:
        n = max(1, round(rng.uniform(0.3, 0.6) * npara))
        i = int(rng.integers(1, npara - n + 1))
        lo, hi = int(starts[i]), int(pends[i + n - 1]) + 1
        return _Body(head=b.head, words=b.words[lo:hi], flags=b.flags[lo:hi]), "middle"
    order = rng.permutation(npara)
    idx = np.concatenate([np.arange(starts[j], pends[j] + 1) for j in order])
    return _Body(head=b.head, words=b.words[idx], flags=b.flags[idx]), "shuffled"


@dataclass(frozen=True)
class _DocSpec:
    story: int  # global story number
    role: Role
    variant: str
    body: _Body
    source: int
    day: int
    credit: int  # piece id of a credit / read-more line, or -1
    credit_top: bool
    topic: int
    event: int


def _render_pieces(world: _World, d: _DocSpec, rng_vals: npt.NDArray[np.float64]) -> I32:
    """Piece ids of one page: wrapper of its site around the story body.

    `rng_vals` are 6 pre-drawn uniforms (author, teasers x3, newsletter slot, spare), drawn
    per chunk so the per-document Python work stays a handful of numpy calls.
    """
    src = world.sources[d.source]
    n_word = world.n_words
    # Body: word piece (Capitalised after a stop) interleaved with its separator.
    w, f = d.body.words, d.body.flags
    cap = np.empty(w.size, dtype=bool)
    cap[0] = True
    cap[1:] = f[:-1] >= STOP
    body = np.empty(2 * w.size, dtype=np.int32)
    body[0::2] = w + n_word * cap
    body[1::2] = world.sep[f]
    h = d.body.head
    head = np.empty(2 * h.size, dtype=np.int32)
    head[0::2] = h + n_word * ((h >= world.n_function) | (np.arange(h.size) == 0))
    head[1::2] = world.space
    head[-1] = world.sep[4]

    author = int(src.authors[int(rng_vals[0] * src.authors.size)])
    date = int(world.date_pieces[src.date_format, d.day])
    byline = [author if x == "A" else date if x == "D" else int(x) for x in src.byline]

    parts: list[npt.NDArray[np.int32] | list[int]] = [[src.nav]]
    if src.cookie >= 0 and src.cookie_top:
        parts.append([src.cookie])
    parts.append(head)
    parts.append(byline)
    if d.credit >= 0 and d.credit_top:
        parts.append([d.credit])
    pends = np.flatnonzero(f == PARA)
    if src.newsletter >= 0 and pends.size >= 3:
        j = 1 + int(rng_vals[4] * min(3, pends.size - 2))  # after paragraph 2..4
        cut = 2 * (int(pends[j]) + 1)
        parts += [body[:cut], [src.newsletter], body[cut:]]
    else:
        parts.append(body)
    if d.credit >= 0 and not d.credit_top:
        parts.append([d.credit])
    if src.related_header >= 0:
        t = src.teaser_pieces
        parts.append([src.related_header] + [int(t[int(rng_vals[i] * t.size)]) for i in (1, 2, 3)])
    parts.append(src.footer)
    if src.cookie >= 0 and not src.cookie_top:
        parts.append([world.newline, src.cookie])
    return np.concatenate([np.asarray(p, dtype=np.int32) for p in parts])


def _gather_bytes(world: _World, pieces: I32) -> tuple[bytes, npt.NDArray[np.int64]]:
    """Concatenate the bytes of many pieces with one vectorised gather; returns piece ends.

    The byte index into the blob is a running sum of +1 steps, with a jump at each piece
    start (scatter + cumsum), in int32 since the blob is small: cheaper than the
    repeat + arange formulation, which touches three times the memory.
    """
    plen = world.lengths[pieces]
    ends = np.cumsum(plen)
    total = int(ends[-1]) if ends.size else 0
    starts = ends - plen
    off = world.offsets[pieces]
    step = np.ones(total, dtype=np.int32)
    jump = np.empty(off.size, dtype=np.int64)
    jump[0] = off[0]
    jump[1:] = off[1:] - (off[:-1] + plen[:-1] - 1)
    keep = plen > 0  # empty pieces would overwrite the jump of the next one
    step[starts[keep]] = jump[keep] if keep.all() else _jumps_skipping_empty(off, plen, keep)
    idx = np.cumsum(step, dtype=np.int32)
    return world.blob[idx].tobytes(), ends


def _jumps_skipping_empty(off: npt.NDArray[np.int64], plen: npt.NDArray[np.int64],
                          keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    o, n = off[keep], plen[keep]
    jump = np.empty(o.size, dtype=np.int64)
    jump[0] = o[0]
    jump[1:] = o[1:] - (o[:-1] + n[:-1] - 1)
    return jump


@dataclass
class _Counts:
    docs: int = 0
    stories: int = 0
    text_bytes: int = 0
    file_bytes: int = 0
    roles: dict[str, int] = field(default_factory=dict)
    pairs: dict[str, int] = field(default_factory=dict)


def _chunk(world: _World, cfg: GenConfig, chunk_no: int, story_base: int, doc_base: int,
           docs_left: int, id_width: int, counts: _Counts) -> tuple[bytes, bytes, bytes, int, int]:
    """Generate one chunk of stories and their copies; returns the three files' bytes."""
    rng = _rng(cfg.seed, 1, chunk_no)
    k = cfg.chunk_stories
    # Topics; a "sibling" story shares the previous story's topic (same event, other text).
    sib = rng.random(k) < cfg.p_sibling
    sib[0] = False
    root = np.maximum.accumulate(np.where(sib, 0, np.arange(k)))
    topics = rng.integers(0, cfg.topics, k).astype(np.int32)[root]
    group_size = np.bincount(root, minlength=k)[root]
    share = np.where(group_size > 1, cfg.sibling_topic_share, cfg.topic_share)
    event = story_base + root

    n_near = np.where(rng.random(k) < cfg.p_near, rng.integers(1, 6, k), 0)
    n_exc = np.where(rng.random(k) < cfg.p_excerpt, rng.integers(1, 4, k), 0)
    n_part = (rng.random(k) < cfg.p_partial).astype(np.int64)
    per_story = 1 + n_near + n_exc + n_part
    cum = np.cumsum(per_story)
    if cum[-1] > docs_left:  # last chunk: keep whole stories, trim the copies of the last
        m = int(np.searchsorted(cum, docs_left, side="left"))
        k = m + 1
        extra = docs_left - (int(cum[m - 1]) if m > 0 else 0) - 1
        n_near, n_exc, n_part = n_near[:k].copy(), n_exc[:k].copy(), n_part[:k].copy()
        n_near[m] = min(int(n_near[m]), extra)
        extra -= int(n_near[m])
        n_exc[m] = min(int(n_exc[m]), extra)
        extra -= int(n_exc[m])
        n_part[m] = min(int(n_part[m]), extra)
        topics, share, event = topics[:k], share[:k], event[:k]

    bodies = _make_bodies(world, rng, topics, share)
    home = np.minimum(np.searchsorted(world.source_cdf, rng.random(k)), cfg.sources - 1)
    day = rng.integers(0, DAYS, k)

    def other_source(s: int) -> int:
        o = min(int(np.searchsorted(world.source_cdf, rng.random())), cfg.sources - 1)
        return o if o != s else (o + 1 + int(rng.integers(cfg.sources - 1))) % cfg.sources

    specs: list[_DocSpec] = []
    story_docs: list[tuple[int, int, int]] = []  # (first spec index, n full, n part) per story
    for i in range(k):
        s0, sid, b = int(home[i]), story_base + i, bodies[i]
        t, sh, ev = int(topics[i]), float(share[i]), int(event[i])
        first = len(specs)
        copies = int(n_near[i] + n_exc[i] + n_part[i])
        full: list[_DocSpec] = [_DocSpec(sid, "original" if copies else "single", "", b, s0, int(day[i]), -1,
                                         False, t, ev)]
        part: list[_DocSpec] = []
        for _ in range(int(n_near[i])):
            s = other_source(s0)
            verbatim = bool(rng.random() < cfg.p_verbatim)
            r = rng.random()
            credit = int(world.sources[s].credit[s0]) if r < 0.8 else -1
            full.append(_DocSpec(sid, "near", "verbatim" if verbatim else "edited",
                                 _near_copy(world, cfg, rng, b, t, sh, verbatim), s,
                                 int(day[i] + rng.integers(0, 4)), credit, r < 0.25, t, ev))
        for _ in range(int(n_exc[i])):
            s = other_source(s0)
            part.append(_DocSpec(sid, "excerpt", "", _excerpt(rng, b), s, int(day[i] + rng.integers(0, 4)),
                                 int(world.sources[s].readmore[s0]), False, t, ev))
        for _ in range(int(n_part[i])):
            s = other_source(s0)
            pb, variant = _partial(rng, b)
            spec = _DocSpec(sid, "partial", variant, pb, s, int(day[i] + rng.integers(0, 4)),
                            int(world.sources[s].credit[s0]), bool(rng.random() < 0.5), t, ev)
            (full if variant == "shuffled" else part).append(spec)
        specs += full + part
        story_docs.append((first, len(full), len(part)))

    n = len(specs)
    order = rng.permutation(n)  # output position -> spec index
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    ids = [f"d{doc_base + int(r):0{id_width}d}" for r in rank]
    vals = rng.random((n, 6))
    url_nums = rng.integers(100_000, 99_999_999, n)

    # Render in groups of a few hundred pages: the gather's temporaries stay a few MB,
    # so the allocator reuses them instead of faulting in fresh pages every chunk.
    texts: list[bytes] = []
    for g in range(0, n, _RENDER_GROUP):
        group = order[g:g + _RENDER_GROUP]
        piece_arrays = [_render_pieces(world, specs[j], vals[j]) for j in group]
        sizes = np.fromiter((p.size for p in piece_arrays), dtype=np.int64, count=len(piece_arrays))
        blob, ends = _gather_bytes(world, np.concatenate(piece_arrays))
        doc_end = ends[np.cumsum(sizes) - 1].tolist()
        texts += [blob[a:b] for a, b in zip([0] + doc_end[:-1], doc_end, strict=True)]

    doc_lines: list[bytes] = []
    story_lines: list[bytes] = []
    for pos, j in enumerate(order):
        d = specs[j]
        src = world.sources[d.source]
        date = (BASE_DATE + dt.timedelta(days=d.day)).isoformat()
        slug = "-".join(world.words[w] for w in d.body.head[:6])
        sec = src.sections[int(vals[j, 5] * len(src.sections))].lower()
        url = f"https://www.{src.domain}/{sec}/{date[:4]}/{date[5:7]}/{slug}-{int(url_nums[j])}"
        did = ids[j]
        doc_lines.append(b'{"id":"%s","text":"%s","url":"%s","source":"%s","date":"%s"}\n' % (
            did.encode(), texts[pos], url.encode(), src.domain.encode(), date.encode()))
        story_lines.append(
            b'{"id":"%s","story":"s%0*d","role":"%s","variant":"%s","topic":%d,"event":"e%0*d","source":"%s"}\n'
            % (did.encode(), id_width, d.story, d.role.encode(), d.variant.encode(), d.topic, id_width, d.event,
               src.domain.encode()))
        counts.roles[d.role] = counts.roles.get(d.role, 0) + 1

    truth: list[tuple[str, str, str]] = []
    for first, nf, npart in story_docs:
        full_ids = [ids[first + x] for x in range(nf)]
        part_ids = [ids[first + nf + x] for x in range(npart)]
        for x in range(nf):
            for y in range(x + 1, nf):
                a, c = sorted((full_ids[x], full_ids[y]))
                truth.append((a, c, "near"))
        for p in part_ids:
            truth += [(p, fid, "excerpt") for fid in full_ids]
        for x in range(npart):
            for y in range(x + 1, npart):
                a, c = sorted((part_ids[x], part_ids[y]))
                truth.append((a, c, "related"))
    truth.sort()
    truth_lines = [b'{"a":"%s","b":"%s","kind":"%s"}\n' % (a.encode(), c.encode(), kd.encode())
                   for a, c, kd in truth]
    for _, _, kd in truth:
        counts.pairs[kd] = counts.pairs.get(kd, 0) + 1

    counts.docs += n
    counts.stories += k
    counts.text_bytes += sum(len(t) for t in texts)
    return b"".join(doc_lines), b"".join(truth_lines), b"".join(story_lines), n, k


def generate(cfg: GenConfig, out: Path) -> dict[str, object]:
    """Write docs/truth/stories jsonl + meta.json under `out`; returns the meta dict.

    Files are written under temporary names and renamed into place only when complete,
    so an interrupted run never leaves a corpus that looks whole.
    """
    out.mkdir(parents=True, exist_ok=True)
    names = ("docs.jsonl", "truth.jsonl", "stories.jsonl")
    tmp = [out / f".{nm}.tmp" for nm in names]
    id_width = max(7, len(str(cfg.docs - 1)))
    counts = _Counts()
    timings: dict[str, float] = {}
    with Stopwatch() as total:
        with Stopwatch() as sw:
            world = _build_world(cfg)
        timings["world_s"] = sw.seconds
        files = [open(p, "wb", buffering=1 << 22) for p in tmp]  # noqa: SIM115
        try:
            chunk_no, story_base = 0, 0
            while counts.docs < cfg.docs:
                docs_b, truth_b, stories_b, n, k = _chunk(
                    world, cfg, chunk_no, story_base, counts.docs, cfg.docs - counts.docs, id_width, counts)
                files[0].write(docs_b)
                files[1].write(truth_b)
                files[2].write(stories_b)
                counts.file_bytes += len(docs_b)
                chunk_no += 1
                story_base += k
                del n
        finally:
            for fh in files:
                fh.close()
        for p, nm in zip(tmp, names, strict=True):
            os.replace(p, out / nm)
    timings["total_s"] = total.seconds
    meta: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "config": asdict(cfg),
        "numpy": np.__version__,
        "docs": counts.docs,
        "stories": counts.stories,
        "roles": dict(sorted(counts.roles.items())),
        "pairs": dict(sorted(counts.pairs.items())),
        "text_bytes": counts.text_bytes,
        "docs_jsonl_bytes": counts.file_bytes,
        "avg_text_bytes": round(counts.text_bytes / max(1, counts.docs), 1),
        "seconds": {k: round(v, 3) for k, v in timings.items()},
        "docs_per_s": round(counts.docs / timings["total_s"], 1),
        "mb_per_s": round(counts.file_bytes / 1e6 / timings["total_s"], 2),
        "machine": machine_info(("numpy",)),
    }
    tmp_meta = out / ".meta.json.tmp"
    tmp_meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp_meta, out / "meta.json")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--docs", type=int, required=True, help="number of documents (e.g. 10000, 100000, 1000000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="output folder (created)")
    ap.add_argument("--sources", type=int, default=GenConfig.sources)
    ap.add_argument("--vocab", type=int, default=GenConfig.vocab, help="synthetic words besides function words")
    ap.add_argument("--sub-rate", default=f"{GenConfig.sub_rate_min},{GenConfig.sub_rate_max}",
                    help="LO,HI share of words a near copy substitutes (uniform per copy); each "
                         "substituted word breaks 5 shingles, so 0.02-0.05 already gives Jaccard ~0.5-0.6")
    ap.add_argument("--p-verbatim", type=float, default=GenConfig.p_verbatim,
                    help="share of near copies that keep the text verbatim (only the wrapper changes)")
    ap.add_argument("--chunk-stories", type=int, default=GenConfig.chunk_stories,
                    help="stories generated per vectorised chunk (bounds memory)")
    args = ap.parse_args(argv)
    try:
        lo, hi = (float(x) for x in args.sub_rate.split(","))
    except ValueError:
        ap.error(f"--sub-rate wants LO,HI (e.g. 0.02,0.05), got {args.sub_rate!r}")
    cfg = GenConfig(docs=args.docs, seed=args.seed, sources=args.sources, vocab=args.vocab,
                    sub_rate_min=lo, sub_rate_max=hi, p_verbatim=args.p_verbatim,
                    chunk_stories=args.chunk_stories)
    meta = generate(cfg, args.out)
    secs = meta["seconds"]
    assert isinstance(secs, dict)
    print(f"wrote {meta['docs']:,} docs ({fmt_bytes(float(str(meta['docs_jsonl_bytes'])))}, "
          f"avg text {meta['avg_text_bytes']} B) in {secs['total_s']:.1f} s: "
          f"{meta['docs_per_s']:,} docs/s, {meta['mb_per_s']} MB/s -> {args.out}")
    print(f"roles: {meta['roles']}  pairs: {meta['pairs']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
