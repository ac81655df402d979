"""Per-document boilerplate removal: line rules that strip page furniture before matching.

Why: crawled news pages carry navigation, bylines, share rows, cookie banners, widget errors, teasers for
other stories and footers around the story. Two copies of one story on different sites share the body but
not this furniture, and two different stories of one site share the furniture but not the body; both
distort shingle overlap, so the furniture goes before sketching. Only whole lines are removed, and every
removal is reported (line number, original text, rule) so a reader can see why text disappeared.

How:
* Each line is normalised once for matching (NFKC, casefold, curly apostrophes made straight, whitespace
  collapsed, leading bullets such as ``•·-*`` stripped) into a ``_Line`` with cheap features (word count,
  sentence ending, quote start, body-likeness). The original text is what is kept and reported.
* Pass 1 runs independent line rules (``_first_rule``) in the order of ``RULE_NAMES``; the first rule that
  fires names the removal. Then come two rules that need more than the line: ``repeated_line`` (the line
  equals the previous non-blank line, e.g. a caption printed twice: the first copy stays; a line repeated
  further apart is left alone, as lists and Q&As repeat content lines, and shingle sets gain nothing from a
  second copy anyway) and
  ``source_boilerplate`` (corpus-level evidence from :class:`copydesk.clean.corpus.SourceLineStats`, asked
  once per document and guarded by a length limit so a long body paragraph is never removed on that
  evidence alone).
* Pass 2 (``context_rules``) runs context rules over what pass 1 kept: ``navigation`` at the top
  (breadcrumbs that end with the headline, runs of section names, runs of short menu labels before the story
  begins), the continuation of ``related_block`` lists, inline ``teaser`` lines standing between body
  paragraphs, and the trailing ``footer`` zone after the last body paragraph (an author's bio, a company's
  "about" paragraph or a tag cloud at the end does not count as the last body paragraph, and goes too).

Rules that key on common words (cookies, share, subscribe, newsletter, click) apply only to short lines or to
a specific line shape, so ordinary body sentences that mention those words survive. Patterns are compiled
once into an immutable ``_Patterns`` value that is passed to every rule explicitly.

Speed: this runs on every line of every document, so the per-line work is kept small without changing any
result: most lines are long body paragraphs, which one anchored match of the union of the rules' start
shapes rules out; a short line is tokenised only if its first token could open a vocabulary rule; ASCII
lines of a text without tabs or other control whitespace skip ``str.isprintable``. Each shortcut only skips
tests that cannot succeed (see ``_first_rule``), and ``tests/clean`` check them against the plain rules.
A :class:`LineVerdicts` memo shared by the documents of a batch answers repeated short lines (a site's menu
and footer on every page) without running the rules again.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ..memo import MISSING, BoundedMemo
from ..sketch.normalize import HOMOGLYPHS
from .prose import HEADLINE_WORDS, LABEL_MAX_WORDS, Body, furniture_lines, is_label_or_headline, is_prose_line

__all__ = [
    "RULE_NAMES",
    "CleanResult",
    "LineVerdicts",
    "NormalisedLineCheck",
    "RemovedLine",
    "byline_name",
    "clean_text",
    "normalise_line",
    "plain_ascii_spacing",
    "split_lines",
    "split_normalised",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Every rule name :func:`clean_text` can report, in the order rules are tried.
RULE_NAMES: Final[tuple[str, ...]] = (
    "placeholder",
    "widget_error",
    "legal_footer",
    "cookie_banner",
    "credit",
    "advertisement",
    "timestamp",
    "byline",
    "share_row",
    "newsletter",
    "click_here",
    "related_block",
    "navigation",
    "repeated_line",
    "source_boilerplate",
    "teaser",
    "footer",
    "furniture",
)

#: Lines longer than this (in characters) are never removed on corpus evidence alone: a long paragraph that
#: recurs across a source's documents is more likely a story republished than boilerplate.
SOURCE_BOILERPLATE_MAX_CHARS: Final[int] = 300


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """One removed line: 1-based ``line`` number in the original text, its original ``text``, the ``rule``."""

    line: int
    text: str
    rule: str

    def __reduce__(self) -> tuple[type[RemovedLine], tuple[int, str, str]]:
        """Pickle as a constructor call: compiled by mypyc, a frozen dataclass cannot be rebuilt by assigning
        its fields."""
        return RemovedLine, (self.line, self.text, self.rule)


@dataclass(frozen=True, slots=True)
class CleanResult:
    """Cleaned text (kept lines, original text, paragraphs kept), the headline guess and every removal.

    ``has_prose`` is False for a text with no body (:mod:`copydesk.clean.prose`): only a headline and a few
    labels, which must never be matched. Its text is what the other rules kept, for the outputs."""

    text: str
    title: str | None
    removed: tuple[RemovedLine, ...]
    has_prose: bool = True

    def __reduce__(self) -> tuple[type[CleanResult], tuple[str, str | None, tuple[RemovedLine, ...], bool]]:
        """Pickle as a constructor call (see ``RemovedLine``)."""
        return CleanResult, (self.text, self.title, self.removed, self.has_prose)


# ----------------------------------------------------------------------------------------------------------
# normalisation and line features

#: The invisible format characters (Unicode category Cf) that web text carries: soft hyphen, zero-width space,
#: joiners, word joiner, BOM, the bidi marks, embeddings, overrides and isolates, and the invisible operators.
_INVISIBLE: Final[tuple[str, ...]] = (
    "\u00ad", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d",
    "\u202e", "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u2066", "\u2067", "\u2068", "\u2069",
    "\ufeff",
)
_HOMOGLYPH_TABLE: Final[dict[int, str]] = {ord(k): v for k, v in HOMOGLYPHS.items()}
#: The Greek and Cyrillic blocks, where every homoglyph lies: a line with none of their letters (nearly every
#: line, curly quotes and dashes included) skips the translation, a dict lookup per character (a search for
#: the class is about 10x cheaper).
_HOMOGLYPH_SCRIPTS: Final[re.Pattern[str]] = re.compile("[\u0370-\u052f]")
_BULLETS: Final[str] = "\u2022\u00b7*\u25aa\u25e6\u2023\u25cf\u25a0\u25a1\u25ba\u25b8-\u2013\u2014~ \t"
_SENTENCE_END: Final[str] = '.!?"\u201d\u3002\uff01\uff1f'  # with the ideographic full stop and full-width marks
_QUOTE_START: Final[str] = "\"\u201c\u201e\u00ab'\u2018\u2019"


def split_lines(text: str) -> list[str]:
    """Split on ``\\n`` only (dropping a trailing ``\\r``) so line numbers match what an editor shows.

    ``str.splitlines`` also splits on form feeds and Unicode line separators, which would shift the line
    numbers reported in :class:`RemovedLine` and in provenance credits.
    """
    if "\r" not in text:
        return text.split("\n")
    return [line.removesuffix("\r") for line in text.split("\n")]


def normalise_line(line: str) -> str:
    """The matching form of a line: NFKC, casefold, Latin homoglyphs folded, straight apostrophes, no invisible
    format characters, one space, no leading bullets."""
    if line.isascii():
        line = line.lower()  # the same as casefold for ASCII, and faster
    else:
        # str.replace, not str.translate or a regex substitution: both are several times slower
        line = unicodedata.normalize("NFKC", line).replace("\u2019", "'").replace("\u2018", "'").casefold()
        if _HOMOGLYPH_SCRIPTS.search(line) is not None:  # (as matching folds them: "thе" with a Cyrillic "е")
            line = line.translate(_HOMOGLYPH_TABLE)
    # Work only when there is something to do (str.split + join is the costly step): isprintable() is False
    # for every whitespace character but the ASCII space and for the invisible format characters.
    if not line.isprintable():
        for ch in _INVISIBLE:
            line = line.replace(ch, "")
        line = " ".join(line.split())
    elif "  " in line or line[:1] == " " or line[-1:] == " ":
        line = " ".join(line.split())
    return line.lstrip(_BULLETS)


#: ASCII whitespace but the space and the line feed: tab, vertical tab, form feed, carriage return and the
#: information separators U+001C-U+001F (which ``str.split`` also splits on).
_ASCII_CONTROL_SPACES: Final[tuple[str, ...]] = ("\t", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f")


def plain_ascii_spacing(text: str) -> bool:
    """True when ``text`` holds no ASCII whitespace but spaces and line feeds (no tab, CR, ...).

    Then an ASCII line of it is collapsed by ``" ".join(line.split())`` only where it has a doubled, leading
    or trailing space, which is cheaper to test than ``str.isprintable`` (a Unicode table lookup per
    character); one memchr-speed scan per character class answers for the whole text.
    """
    return not _contains_any(text, _ASCII_CONTROL_SPACES)


def strip_line(line: str) -> str:
    """The line without leading bullets and trailing whitespace: what the rules read and measure."""
    return line.lstrip(_BULLETS).rstrip()


def stripped_length(line: str) -> int:
    """Length of :func:`strip_line` of the line."""
    return len(strip_line(line))


def _longer_than(line: str, max_chars: int | None) -> bool:
    """Whether ``stripped_length(line)`` exceeds ``max_chars`` (never when it is None); most lines are
    settled by their raw length, which is never less."""
    return max_chars is not None and len(line) > max_chars and stripped_length(line) > max_chars


def split_normalised(text: str, max_chars: int | None = None) -> tuple[list[str], list[str]]:
    """:func:`split_lines` of ``text`` and :func:`normalise_line` of each line ("" for a blank one).

    With ``max_chars``, lines whose :func:`stripped_length` exceeds it get "" too, unnormalised: the corpus
    statistics count only lines that corpus evidence may remove (``SOURCE_BOILERPLATE_MAX_CHARS``), and
    normalising long body paragraphs there would be wasted work.

    Why: every line of every document is normalised (for cleaning and for the corpus statistics), and most
    are ASCII. For an ASCII line of a text with :func:`plain_ascii_spacing`, ``str.isprintable`` in
    :func:`normalise_line` only tells whether the line has doubled or edge spaces, which is tested directly
    (a non-whitespace control character makes :func:`normalise_line` collapse whitespace that is already
    single, which changes nothing). Other lines take :func:`normalise_line`.
    """
    lines = split_lines(text)
    if not plain_ascii_spacing(text if "\r" not in text else "\n".join(lines)):
        return lines, ["" if not line or _longer_than(line, max_chars) else normalise_line(line) for line in lines]
    norms: list[str] = []
    for line in lines:
        if not line or _longer_than(line, max_chars):
            norms.append("")
            continue
        if not line.isascii():
            norms.append(normalise_line(line))
            continue
        line = line.lower()
        if "  " in line or line[:1] == " " or line[-1:] == " ":
            line = " ".join(line.split())
        norms.append(line.lstrip(_BULLETS))
    return lines, norms


@dataclass(frozen=True, slots=True)
class NormalisedLineCheck:
    """A line test defined on :func:`normalise_line` output; called with a raw line, it normalises first.

    :func:`clean_text` recognises it and passes the normal form it has already computed, so corpus-level
    evidence costs one hash per line instead of a second normalisation. ``on_normalised_many``, when given,
    answers for many normal forms at once (what ``on_normalised`` answers for each, in order), so that
    :func:`clean_text` asks once per document instead of once per line.
    """

    on_normalised: Callable[[str], bool]
    on_normalised_many: Callable[[list[str]], list[bool]] | None = None

    def __call__(self, line: str) -> bool:
        return self.on_normalised(normalise_line(line))


class _Line:
    """Features of one non-blank line, computed once and shared by every rule.

    ``may_fire`` is False when the batch's line scan (:mod:`copydesk.clean.linescan`) found that no pass-1 rule
    can remove the line, so the rules are not asked; True when they must be."""

    __slots__ = ("_tokens", "body", "index", "may_fire", "norm", "quote", "raw", "stripped", "terminal", "words")

    def __init__(
        self, index: int, raw: str, stripped: str, norm: str, words: int, terminal: bool, quote: bool,
        may_fire: bool,
    ) -> None:
        self.index = index
        self.raw = raw
        self.stripped = stripped
        self.norm = norm
        self.words = words
        self.terminal = terminal
        self.quote = quote
        self.body = words >= 20 or (words >= 10 and terminal)
        self.may_fire = may_fire
        self._tokens: list[str] | None = None

    def tokens(self, p: _Patterns) -> list[str]:
        """Word tokens of the normalised line (punctuation dropped), computed on first use."""
        if self._tokens is None:
            self._tokens = p.tokens.findall(self.norm)
        return self._tokens


def _line_of(index: int, raw: str, norm: str) -> _Line:
    """The :class:`_Line` of ``raw``, measured here; ``norm`` is ``normalise_line(raw)``, non-empty."""
    stripped = strip_line(raw)
    last = stripped[-1:]
    # (a line of one apostrophe ends a sentence: ``"" in ".!?,"`` holds)
    terminal = bool(last) and (last in _SENTENCE_END or (last in "'\u2019" and stripped[-2:-1] in ".!?,"))
    quote = bool(stripped) and stripped[0] in _QUOTE_START
    return _Line(index, raw, stripped, norm, norm.count(" ") + 1, terminal, quote, True)


#: How :mod:`copydesk.clean.linescan` packs a measured line's shape into one integer: bit 0 ends a sentence,
#: bit 1 opens a quote, ``ASK_RULES`` a pass-1 rule may remove it, ``ASK_LONG_SHAPES`` one may if the line
#: opens with one of the rules' start shapes (``_Patterns.long_line_shapes``), ``MAY_CREDIT`` the line may
#: credit someone (:func:`copydesk.provenance.extract_credits` reads the others no further); then the length
#: of the bullet prefix (below ``BULLET_PREFIX_LIMIT``) from bit ``CODE_SHIFT_BULLET``, and the words from
#: ``CODE_SHIFT_WORDS``.
ASK_RULES: Final[int] = 4
ASK_LONG_SHAPES: Final[int] = 8
MAY_CREDIT: Final[int] = 16
CODE_SHIFT_BULLET: Final[int] = 5
CODE_SHIFT_WORDS: Final[int] = 24
BULLET_PREFIX_LIMIT: Final[int] = 1 << (CODE_SHIFT_WORDS - CODE_SHIFT_BULLET)


def _scanned_lines(raw_lines: list[str], codes: Sequence[int], p: _Patterns) -> list[_Line]:
    """The non-blank lines of a text from its line scan: a measured line (code > 0) is built from its code
    (its matching form is the line lower-cased after its bullets), the others (code -1) are measured here."""
    lines: list[_Line] = []
    for i, raw in enumerate(raw_lines):
        code = codes[i]
        if code > 0:
            bullet = (code >> CODE_SHIFT_BULLET) & (BULLET_PREFIX_LIMIT - 1)
            stripped = raw[bullet:] if bullet else raw
            norm = stripped.lower()
            ask = (code & ASK_RULES) != 0 or (
                (code & ASK_LONG_SHAPES) != 0 and p.long_line_shapes.match(norm) is not None
            )
            terminal, quote = (code & 1) != 0, (code & 2) != 0
            lines.append(_Line(i, raw, stripped, norm, code >> CODE_SHIFT_WORDS, terminal, quote, ask))
        elif code < 0 and raw:
            norm = normalise_line(raw)
            if norm:
                lines.append(_line_of(i, raw, norm))
    return lines


# ----------------------------------------------------------------------------------------------------------
# patterns


_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAYS = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?"
    r"|sun(?:day)?"
)
_DATE_TOKEN = (
    rf"(?:{_MONTHS}|{_DAYS}|\d++(?:st|nd|rd|th)?|\d{{1,2}}:\d{{2}}(?::\d{{2}})?|a\.m\.?|p\.m\.?|am|pm"
    r"|[ecmp][sd]?t|utc|gmt|bst|cet|cest|ist|jst|ago|just now|yesterday|today|hours?|hrs?|minutes?|mins?"
    r"|seconds?|secs?|days?|weeks?|months?|years?|an?|at|on|updated|published|posted|modified)"
)


@dataclass(frozen=True, slots=True)
class _Patterns:
    """Compiled patterns, built once (``_PATTERNS``) and passed to the rule predicates explicitly.

    They run on the normalised line (casefolded) with ``match``/``fullmatch``, i.e. anchored at the line
    start, so a long body line fails after a few characters; phrases that may sit anywhere in a line are
    plain substring tuples (``*_phrases``), which are much cheaper than an unanchored regex search.
    ``byline`` and ``teaser`` run on the original text because capitalisation tells names and headlines
    from sentences.
    """

    placeholder_phrases: tuple[str, ...]
    widget_error: re.Pattern[str]
    cookie_shape: re.Pattern[str]
    cookie_short: re.Pattern[str]
    credit: re.Pattern[str]
    continuation: re.Pattern[str]
    source_line: re.Pattern[str]
    advertisement: re.Pattern[str]
    legal_start: re.Pattern[str]
    legal_phrases: tuple[str, ...]
    legal_probes: tuple[str, ...]  # every legal phrase holds one of these: most lines hold none, and pass fast
    digit: re.Pattern[str]
    letter_or_time: re.Pattern[str]
    timestamp: re.Pattern[str]
    comment_counter: re.Pattern[str]
    byline: re.Pattern[str]
    newsletter: re.Pattern[str]
    newsletter_phrases: tuple[str, ...]
    click_here: re.Pattern[str]
    click_here_phrases: tuple[str, ...]
    related_header: re.Pattern[str]
    related_prefix: re.Pattern[str]
    breadcrumb_split: re.Pattern[str]
    tokens: re.Pattern[str]
    teaser: re.Pattern[str]
    author_bio: re.Pattern[str]
    punctuation: re.Pattern[str]
    breadcrumb_mark: re.Pattern[str]
    short_line_shapes: re.Pattern[str]
    long_line_shapes: re.Pattern[str]


def _compile_patterns() -> _Patterns:
    """Compile every pattern once; the result is immutable and passed to the predicates."""
    p = _compile_rule_patterns()
    unprobed = [ph for ph in p.legal_phrases if not any(probe in ph for probe in p.legal_probes)]
    if unprobed:  # (a phrase no probe finds would never be looked for)
        raise ValueError(f"legal phrases without a probe word: {unprobed}")

    def union(*patterns: re.Pattern[str]) -> re.Pattern[str]:
        # ``match`` of the union succeeds iff one of them matches at the start (``fullmatch`` implies it)
        return re.compile("|".join(f"(?:{pat.pattern})" for pat in patterns))

    long_shapes = (p.widget_error, p.legal_start, p.cookie_shape, p.credit)
    return dataclasses.replace(
        p,
        # every breadcrumb_split separator holds one of these (its core, without the spaces around "|")
        breadcrumb_mark=re.compile(r"[>\u203a\u00bb\u2192|]|::|\s/\s"),
        short_line_shapes=union(
            *long_shapes,
            p.source_line,
            p.advertisement,
            p.comment_counter,
            p.newsletter,
            p.click_here,
            p.related_header,
            p.related_prefix,
        ),
        long_line_shapes=union(*long_shapes),
    )


_NEVER: Final = re.compile(r"(?!)")


#: The credits that end an excerpt, the rest of the story being elsewhere ("CLICK HERE FOR FULL ARTICLE"): one
#: kind of ``credit`` line, and where the prose judgement ends a teaser.
_CONTINUATION: Final[str] = (
    r"click here (?:for|to (?:read|see|view)) (?:the )?"
    r"(?:full|whole|complete|entire|original|rest of the) (?:article|story|report|post|piece)"
    r"|(?:read|see|view) (?:the )?(?:full|whole|complete|entire|original|rest of the)"
    r" (?:article|story|report|post|piece) (?:on|at)\b"
    r"|(?:continue|keep) reading (?:on|at)\b"
)

#: The error texts of embedded widgets; ``widget_error`` is a line made of them (each once or more).
_WIDGET_ERRORS: Final[str] = (
    r"oops|whoops|something (?:went|has gone) wrong|an (?:unexpected )?error (?:has )?occurred"
    r"|(?:please )?try again(?: later)?|(?:please )?(?:refresh|reload) (?:the|this) page"
    r"|(?:please )?enable javascript(?: [a-z ]{1,60})?"
    r"|javascript is (?:disabled|required)(?: [a-z ]{1,60})?"
    r"|your browser does not support (?:the |this )?(?:video|audio|iframe)(?: tag| element| player)?"
    r"|this (?:video|content|media) is (?:not|no longer|currently not) available(?: [a-z ]{1,40})?"
    r"|(?:the )?(?:video|player|content) (?:could not|failed to|cannot) (?:be )?load(?:ed)?"
    r"|there was (?:an error|a problem)(?: [a-z ]{1,60})?|unable to load(?: [a-z ]{1,40})?|loading"
)

#: Words that every legal phrase holds one of (checked when the patterns are built).
_LEGAL_PROBES: Final[tuple[str, ...]] = (
    "reserved", "may not be", "trademarks", "copyright", "reproduced", "constitutes", "permission",
)


def _compile_rule_patterns() -> _Patterns:
    """The patterns of the line rules themselves (the shortcuts derived from them are added above)."""
    return _Patterns(
        breadcrumb_mark=_NEVER,
        short_line_shapes=_NEVER,
        long_line_shapes=_NEVER,
        placeholder_phrases=("lorem ipsum", "dolor sit amet", "adipiscing elit"),
        widget_error=re.compile(rf"(?:(?:{_WIDGET_ERRORS})[.!,\u2026]*\s*)+"),
        cookie_shape=re.compile(
            r"(?:this (?:web)?site|our (?:web)?site|this site|we(?: and our partners)?)"
            r" (?:uses?|stores?|is using) cookies\b"
            r"|by (?:continuing|using|browsing|clicking|choosing|selecting|visiting|accepting)\b.{0,80}\bcookies?\b"
            r"|(?:we|this site) (?:value|respect|care about) your privacy\b"
        ),
        cookie_short=re.compile(
            r".*?(?:\bcookies?\b.*"
            r"\b(?:accept|consent|settings|preferences|policy|manage|allow|reject|decline|got it)\b"
            r"|\b(?:accept|allow|reject|decline|manage)\b.*\bcookies?\b)"
        ),
        credit=re.compile(
            r"this (?:article|story|post|piece|report|column|content|interview|essay|op-ed|commentary)\b"
            r".{0,40}?\b(?:appeared|published|ran|posted|republished|reprinted|syndicated)\b"
            r"|(?:originally|first|previously) (?:appeared|published|posted|ran) (?:on|in|at|by)\b"
            rf"|{_CONTINUATION}"
            r"|(?:republished|reprinted) (?:with permission|from|courtesy)\b"
        ),
        continuation=re.compile(_CONTINUATION),
        source_line=re.compile(r"(?:source|sources|credit|credits) ?: ?\S|courtesy(?: of)? \S|via \S"),
        advertisement=re.compile(
            r"(?:advertisements?|advertising|advert|ads?|sponsored"
            r"|sponsored (?:content|posts?|links?|stories|by .{1,40})"
            r"|paid (?:content|post|partnership|for by .{1,40})|promoted(?: content| stories| by .{1,40})?"
            r"|partner content"
            r"|(?:story|article|content) continues (?:below|after)(?: (?:this )?(?:advertisement|ad))?"
            r"|continue reading (?:below|after (?:the )?(?:ad|advertisement))"
            r"|scroll (?:down )?to continue(?: with content| reading)?|skip (?:this )?(?:ad|advertisement)"
            r"|ad feedback|report (?:this )?ad|close ad|advertise with us"
            r"|(?:advertisement|ad) ?[-|:] ?.{0,40})[.:!]?"
        ),
        legal_start=re.compile(
            r"©|\(c\) ?\d{4}|copyright ?(?:©|\(c\)|\d{4})|this material may not be (?:published|reproduced)"
            r"|citation ?: .{0,300}?\bretrieved\b"
        ),
        legal_phrases=(
            "all rights reserved",
            "may not be published, broadcast, rewritten",
            "may not be republished, broadcast",
            "are registered trademarks of",
            "trademarks of their respective owners",
            "is subject to copyright",
            "no part may be reproduced",
            "use of this site constitutes",
            "constitutes acceptance of our",
            "may not be reproduced",
            "prior written permission of",
        ),
        legal_probes=_LEGAL_PROBES,
        digit=re.compile(r"\d"),
        letter_or_time=re.compile(r"[a-z]|\d:\d\d|\d{4}-\d\d-\d\d"),
        timestamp=re.compile(
            r"(?:(?:published|updated|posted|last updated|last modified|modified|first published|date)"
            rf"(?: on| at)?:? ?)?{_DATE_TOKEN}(?:[\s,./|:\u00b7\u2022-]+{_DATE_TOKEN})*\.?"
            r"|\d+ ?(?:min|minute)s? read"
        ),
        comment_counter=re.compile(
            r"(?:(?:\d+|no|one|zero) (?:comments?|replies|responses)|comments?(?: \(\d+\)| \d+)?"
            r"|leave a (?:comment|reply)|add (?:a |your )?comment|post a comment"
            r"|(?:view|show|read|see|load)(?: all)?(?: \d+)? comments|join the (?:conversation|discussion)"
            r"|comments? (?:are|is) closed|be the first to comment|comment on this (?:story|article))[.!:]?"
        ),
        byline=re.compile(
            r"(?i)(?:(?:written|posted|story|words|reporting|text|compiled|edited|published) )?"
            r"by:? +(?P<name>\S.*)"
            r"|(?:author|authors|byline|reporter|written by) *: *(?P<name2>\S.*)"
        ),
        newsletter=re.compile(
            r"(?:(?:our|the|free|daily|weekly|email|e-mail|morning|evening) )*"
            r"newsletters?(?: sign[- ]?up)?[.:!]?$"
            r"|(?:sign up|signup|subscribe|register|join|get|receive|don't miss|never miss"
            r"|stay (?:informed|updated|up to date|in the know)|want (?:more|the latest))\b.{0,120}?"
            r"\b(?:newsletters?|inbox|e-?mail updates|alerts|briefings?|digest|bulletin|(?:via|by) e-?mail)\b"
            r"|join \d[\d,]* other (?:subscribers|followers|readers)"
            r"|(?:enter |add )?your e-?mail(?: address)? (?:to|and|below to) (?:subscribe|sign up|get|receive)\b"
            r"|(?:enter )?(?:your )?e-?mail(?: address)?(?: here)?[.:]?$"
        ),
        newsletter_phrases=(
            "to your inbox",
            "thanks for signing up",
            "thank you for signing up",
            "thanks for subscribing",
            "thank you for subscribing",
            "by signing up, you agree",
            "by subscribing, you agree",
            "unsubscribe at any time",
        ),
        click_here=re.compile(
            r"(?:read|see|view|show|load) more(?:$|\s*[:\u00bb>\u203a.\u2026])"
            r"|(?:read|see) (?:the )?(?:full|whole|complete|entire) (?:story|article|report)\b"
            r"|continue reading\b"
        ),
        click_here_phrases=("click here", "tap here"),
        related_header=re.compile(
            r"(?:you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|you may have missed"
            r"|related(?: articles?| stories| posts| news| content| coverage| topics| links| reading)?"
            r"|more (?:from|on|in|about) [\w' &-]{1,40}|more (?:stories|news|headlines)"
            r"|most (?:read|popular|viewed|shared|commented)(?: stories| articles| news)?"
            r"|(?:read|up) next|recommended(?: for you| stories| articles| reading)?"
            r"|trending(?: now| stories)?|top stories|latest(?: news| stories| headlines| posts| articles)?"
            r"|editor'?s'? picks?|don't miss|also read|read also|see also|further reading"
            r"|popular(?: posts| stories| now)|what to read next|more like this|around the web"
            r"|from (?:our|the) partners?|in case you missed it|icymi|recent posts)[\s:.\u00bb>\u203a]*"
        ),
        related_prefix=re.compile(
            r"(?:related|read more|more|also read|read also|see also|also see|watch|watch now|listen|icymi"
            r"|recommended|must read|don't miss|trending|more coverage"
            r"|related (?:coverage|story|article|content)|more on this story|more from [a-z ]{1,30})"
            r" ?[:\u00bb>\u203a|] ?\S"
        ),
        # the lookahead (every separator starts with one of these) only makes the scan fast: each position
        # that cannot start a separator fails on one character test
        breadcrumb_split=re.compile(
            r"(?=[\s>\u203a\u00bb\u2192:])\s*(?:>|\u203a|\u00bb|\u2192|\s/\s|\s\|\s|::)\s*"
        ),
        tokens=re.compile(r"[^\W_]+(?:['.&-][^\W_]+)*"),
        teaser=re.compile(
            r"(?P<prefix>[^\s:.,!?\"\u201c]+(?: [^\s:.,!?\"\u201c]+){0,3}): (?P<rest>\S+(?: \S+){2,})"
        ),
        # "Jane Roe (@janeroe) is a senior writer at ...": a capitalised name, then a staff role; "Acme is a
        # global solutions provider ...": the company's "about" paragraph under a press release
        author_bio=re.compile(
            r"(?!(?:The|This|That|These|It|He|She|They|We|There)\s)"
            r"(?:[A-Z][\w.'\u2019&-]*\s){1,3}(?:\(@\w+\)\s)?(?:is|are) (?:an?|the) (?:[\w-]+\s){0,6}?"
            r"(?:writer|contributor|editor|reporter|journalist|correspondent|columnist|author|producer|host"
            r"|freelancer|blogger|provider|company|publisher|resource|platform|manufacturer|supplier"
            r"|developer|organi[sz]ation|network|agency|firm)s?\b"
        ),
        punctuation=re.compile(r"[.,;:!?\"\u201c\u201d()]"),
    )


_PATTERNS: Final = _compile_patterns()


def _phrases(phrases: tuple[str, ...]) -> str:
    return "|".join(re.escape(phrase) for phrase in phrases)


def prefilter_patterns() -> tuple[tuple[str, str, str], ...]:
    """What :mod:`copydesk.clean.linescan` looks for in a whole batch at once: for each group of the pass-1
    rules, its name, the pattern (the rules' own, as source) and where it must match on the matching form of
    a line ("start": at its start, as ``re.match``; "line": the whole line, as ``re.fullmatch``; "anywhere").

    Each group is a necessary condition of its rules (their gates in words are in ``linescan``): a line that
    none of them hits is a line no rule removes, so the rules need not be asked. ``vocabulary`` is the line
    made only of words the vocabulary rules accept (legal links, share rows, menus) and digits.
    """
    p = _PATTERNS
    words = sorted((w for w in _RULE_VOCAB if any(ch.isalnum() for ch in w)), key=lambda w: (-len(w), w))
    word = "(?:" + "|".join(re.escape(w) for w in words) + "|[0-9]+)"
    gap = "[^a-z0-9\\n]"
    return (
        ("placeholder", _phrases(p.placeholder_phrases), "anywhere"),
        ("legal_phrase", _phrases(p.legal_phrases), "anywhere"),
        # (a line of widget errors opens with one)
        ("widget_error", _WIDGET_ERRORS, "start"),
        ("legal_start", p.legal_start.pattern, "start"),
        ("cookie_shape", p.cookie_shape.pattern, "start"),
        ("cookie_word", "cookie", "anywhere"),
        ("credit", p.credit.pattern, "start"),
        ("source_line", p.source_line.pattern, "start"),
        ("advertisement", p.advertisement.pattern, "line"),
        ("timestamp", p.timestamp.pattern, "line"),
        ("comment_counter", p.comment_counter.pattern, "line"),
        # (what a byline opens with: the name may run on, and each character of it would be one more match)
        ("byline", p.byline.pattern.replace(r"\S.*)", r"\S)"), "start"),
        ("vocabulary", f"{gap}*{word}(?:{gap}+{word})*{gap}*", "line"),
        ("newsletter", p.newsletter.pattern, "start"),
        ("newsletter_phrase", _phrases(p.newsletter_phrases), "anywhere"),
        ("click_here", p.click_here.pattern, "start"),
        ("click_here_phrase", _phrases(p.click_here_phrases), "anywhere"),
        ("related_header", p.related_header.pattern, "line"),
        ("related_prefix", p.related_prefix.pattern, "start"),
        ("breadcrumb_mark", p.breadcrumb_mark.pattern, "anywhere"),
    )


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SHARE_VOCAB: Final = _words(
    "share shares shared sharing this article story page post on via with to the facebook twitter x email "
    "e-mail mail whatsapp linkedin pinterest reddit telegram tumblr messenger flipboard pocket print copy "
    "link url copied tweet sms text subscribe subscribed sign in up out log login logout register follow us "
    "save saved bookmark comment comments gift a friend friends or and more options close menu account my "
    "profile sign-in sign-up log-in"
)
_SHARE_CORE: Final = _words(
    "share shares facebook twitter whatsapp linkedin pinterest reddit telegram email e-mail tweet print "
    "subscribe sign log login register follow bookmark flipboard messenger sign-in sign-up log-in"
)
_LEGAL_VOCAB: Final = _words(
    "terms of use service services conditions privacy policy policies notice cookie cookies contact us about "
    "advertise careers accessibility sitemap site map disclaimer and & your choices do not sell my personal "
    "information info ad rss faq faqs help imprint impressum corrections legal statement ethics code "
    "the california rights data protection"
)
_LEGAL_CORE: Final = _words(
    "terms privacy sitemap disclaimer imprint impressum accessibility advertise careers legal"
)
_NAV_VOCAB: Final = _words(
    "home homepage news latest world local national international politics business economy markets money "
    "finance tech technology science health sports sport entertainment culture arts lifestyle life style "
    "travel food opinion opinions editorial editorials crime weather video videos photos gallery podcasts "
    "podcast live tv radio education environment climate obituaries obits classifieds jobs real estate autos "
    "cars music movies books fashion beauty games puzzles crosswords menu search subscribe login contact "
    "about more newsletters events magazine region regional community features blogs blog columns "
    "columnists letters the & and europe asia africa americas middle east us uk australia canada "
    "breaking top stories section sections topics"
)
_NAV_ROOTS: Final = _words("home homepage start main front")
_BYLINE_CONNECTORS: Final = _words(
    "and of the for in at de da del della di du van von der den le la staff writer writers reporter "
    "reporters correspondent editor editors contributor columnist special to from with updated published "
    "on ago hours hour minutes min read am pm a.m. p.m. news service by a an our additional reporting "
    "editing writing"
)
# a byline may open with these ("By a staff correspondent", "By our reporter")
_BYLINE_ARTICLES: Final = _words("a an our the")
_SPEECH_VERBS: Final = _words("said says told added asked wrote explained stated noted warned according")
_FIRST_PERSON: Final = _words("i i'm i've we we're we've my our us me")


# ----------------------------------------------------------------------------------------------------------
# line rules (pass 1)


def _count_phrases(text: str, phrases: tuple[str, ...]) -> int:
    """How many of ``phrases`` occur in ``text``."""
    count = 0
    for phrase in phrases:
        if phrase in text:
            count += 1
    return count


def _contains_any(text: str, phrases: tuple[str, ...]) -> bool:
    """Substring test; a plain loop, as any() over a generator costs more than the tests themselves."""
    for phrase in phrases:
        if phrase in text:
            return True
    return False


def _byline_name(stripped: str, p: _Patterns) -> str | None:
    """The name part of a byline-shaped line ("By Jane Roe and Ann Poe, Staff Writer"), else None.

    Every word of the name must be capitalised (or a digit) except connectors ("and", "of", "staff"), so a
    sentence such as "By Friday the market had fallen." is not a byline.
    """
    m = p.byline.match(stripped)
    if m is None:
        return None
    name = m.group("name") or m.group("name2") or ""
    first = True
    for raw_tok in name.split():
        tok = raw_tok.strip(",.;:|()[]\u00b7\u2022-\u2013\u2014")
        if not tok:
            continue
        if first and not tok[0].isupper() and tok.casefold() not in _BYLINE_ARTICLES:
            return None
        first = False
        if not (tok[0].isupper() or tok[0].isdigit() or tok.casefold() in _BYLINE_CONNECTORS):
            return None
    return None if first else name.strip()


def byline_name(line: str) -> str | None:
    """The credited name of a short byline line ("by Jane Roe" -> "Jane Roe"), or None if it is not one."""
    stripped = strip_line(line)
    if not stripped or stripped.count(" ") >= 12:
        return None
    return _byline_name(" ".join(stripped.split()), _PATTERNS)


#: Every word a vocabulary rule accepts (a share row may also hold counts: any digit token).
_RULE_VOCAB: Final = _LEGAL_VOCAB | _SHARE_VOCAB | _NAV_VOCAB


def _vocab_lead(norm: str, p: _Patterns) -> bool:
    """Whether the first token of ``norm`` could open a vocabulary line (legal links, share row, menu)."""
    m = p.tokens.search(norm)
    return m is not None and (m.group() in _RULE_VOCAB or m.group().isdigit())


def _is_legal_links(toks: list[str]) -> bool:
    """A row of legal links ("Terms of Use | Privacy Policy"): legal words only, one of them a core one."""
    return bool(toks) and all(t in _LEGAL_VOCAB for t in toks) and any(t in _LEGAL_CORE for t in toks)


def _is_share_row(toks: list[str]) -> bool:
    """A share / subscribe / sign-in row: share words (and counts) only, one of them a core one."""
    return (
        bool(toks)
        and all(t in _SHARE_VOCAB or t.isdigit() for t in toks)
        and any(t in _SHARE_CORE for t in toks)
    )


def _is_breadcrumb(norm: str, p: _Patterns) -> bool:
    """ "Home > World > Europe": at least three short parts between separators, or two after a root word."""
    parts = p.breadcrumb_split.split(norm)
    return (
        len(parts) >= 2
        and (len(parts) >= 3 or parts[0] in _NAV_ROOTS)
        and all(0 < len(part.split()) <= 3 for part in parts)
    )


#: Longest line (in words) that the short-line rules (advertisement ... navigation) apply to; longer lines
#: are body paragraphs for pass 1, where only placeholder, widget_error, legal_footer, cookie_banner and
#: credit can fire.
_SHORT_RULES_MAX_WORDS: Final[int] = 25
#: Longest line (in words) that any rule but placeholder applies to: the limit of legal_footer (a line that
#: opens like a notice, "© 2019 ... All rights reserved. Use of this site constitutes ...", is one up to
#: this length) and of cookie_banner (a whole consent text in one line).
_ANY_RULE_MAX_WORDS: Final[int] = 120
#: Longest line (in words) that a legal phrase anywhere in it marks as a notice ("... are registered
#: trademarks of ..."); body paragraphs are longer, and the scan is kept off them.
_LEGAL_PHRASE_MAX_WORDS: Final[int] = 60
#: A longer line is a legal notice when it holds two legal phrases or more ("may not be reproduced ... without
#: the prior written permission of ...; use of this site constitutes acceptance of our ..."): a sentence of a
#: story may quote one such phrase, hardly two. (Up to ``_ANY_RULE_MAX_WORDS``, as every rule.)
#: Longest line (in words) that a vocabulary rule applies to (legal links 15, share rows 12, navigation 20).
_VOCAB_RULES_MAX_WORDS: Final[int] = 20


def _first_rule(ln: _Line, p: _Patterns) -> str | None:
    """The pass-1 line rule that removes ``ln``: the first that fires, in the order of ``RULE_NAMES``.

    Each rule applies only up to a line length in words, so a body paragraph costs a few comparisons. The
    rules are written out in one function rather than as one predicate each because this runs on every line
    of every document, where per-rule calls cost more than the tests. Two shortcuts keep it cheap, each
    exact (it only skips tests that cannot succeed):

    * ``shaped``: one anchored match of the union of every start shape the rules look for
      (``_Patterns.short_line_shapes``, or ``long_line_shapes`` for lines of more than 25 words) tells
      whether any of them can match; most lines have none, and their per-rule matches are skipped.
    * ``vocab_lead``: the vocabulary rules (legal links, share rows, navigation runs) need every token of
      the line in a word list, so a line whose first token is in none of them is never tokenised.
    """
    norm = ln.norm
    words = ln.words
    # placeholder: template filler (lorem ipsum) is never story text
    if _contains_any(norm, p.placeholder_phrases):
        return "placeholder"
    if words > _ANY_RULE_MAX_WORDS:
        return None
    short = words <= _SHORT_RULES_MAX_WORDS
    shaped = (p.short_line_shapes if short else p.long_line_shapes).match(norm) is not None
    if not _contains_any(norm, p.legal_probes):
        legal_phrase = False
    elif words <= _LEGAL_PHRASE_MAX_WORDS:
        legal_phrase = _contains_any(norm, p.legal_phrases)
    else:  # (at most _ANY_RULE_MAX_WORDS here)
        legal_phrase = _count_phrases(norm, p.legal_phrases) >= 2
    if not shaped and not short and not legal_phrase:
        return None
    vocab_lead = words <= _VOCAB_RULES_MAX_WORDS and _vocab_lead(norm, p)
    # widget_error: error text of embedded widgets ("Oops! ... try again later"), whole or split over lines
    if shaped and words <= 30 and p.widget_error.fullmatch(norm) is not None:
        return "widget_error"
    # legal_footer: copyright notices and rows of legal links ("Terms of Use | Privacy Policy")
    if legal_phrase or (shaped and p.legal_start.match(norm) is not None):
        return "legal_footer"
    if vocab_lead and words <= 15 and not ln.terminal and _is_legal_links(ln.tokens(p)):
        return "legal_footer"
    # cookie_banner: a consent banner's opening shape, or a very short line about cookies
    if (shaped and p.cookie_shape.match(norm) is not None) or (
        words <= 10 and "cookie" in norm and p.cookie_short.match(norm) is not None
    ):
        return "cookie_banner"
    # credit: syndication notes ("This article originally appeared on ..."); provenance reads the raw text
    if (
        shaped
        and words <= 60
        and (p.credit.match(norm) is not None or (words <= 8 and p.source_line.match(norm) is not None))
    ):
        return "credit"
    if not short:
        return None
    # advertisement: ad slot markers ("Advertisement", "Story continues below advertisement", "Sponsored")
    if shaped and words <= 10 and p.advertisement.fullmatch(norm) is not None:
        return "advertisement"
    # timestamp: only a date, time or "N min read"; bare digit groups ("02-751-1500") are phone numbers or
    # scores, not dates, unless shaped as an ISO date
    if (
        words <= 16
        and p.digit.search(norm) is not None
        and p.timestamp.fullmatch(norm) is not None
        and p.letter_or_time.search(norm) is not None
    ):
        return "timestamp"
    if words <= 12:
        # byline: "By Jane Roe, Staff Writer", and comment counters ("12 Comments", "Leave a comment")
        if shaped and p.comment_counter.fullmatch(norm) is not None:
            return "byline"
        if _byline_name(ln.stripped, p) is not None:
            return "byline"
        # share_row: share / subscribe / sign-in rows, short lines made only of such words
        if vocab_lead and _is_share_row(ln.tokens(p)):
            return "share_row"
    # newsletter: a sign-up call or a bare "Newsletter" header (a quote that mentions one survives)
    if not ln.quote and (
        (shaped and p.newsletter.match(norm) is not None) or _contains_any(norm, p.newsletter_phrases)
    ):
        return "newsletter"
    # click_here: link text ("Click here ...", "Read more") on short lines; a sentence about clicking survives
    if words <= 15 and (
        (shaped and p.click_here.match(norm) is not None) or _contains_any(norm, p.click_here_phrases)
    ):
        return "click_here"
    # related_block: headers of related-story lists ("You may also like", "Most read"), "Related: headline"
    if shaped and (
        (words <= 8 and p.related_header.fullmatch(norm) is not None)
        or p.related_prefix.match(norm) is not None
    ):
        return "related_block"
    # navigation: menus and breadcrumbs anywhere ("Home > World > Europe", a run of section names)
    if words <= 20 and not ln.terminal:
        if p.breadcrumb_mark.search(norm) is not None and _is_breadcrumb(norm, p):
            return "navigation"
        if vocab_lead and words >= 3:
            toks = ln.tokens(p)
            if toks and all(t in _NAV_VOCAB for t in toks):
                return "navigation"
    return None


# ----------------------------------------------------------------------------------------------------------
# context rules (pass 2)

_TOP_ZONE_LINES: Final[int] = 8
_TEASER_MAX_WORDS: Final[int] = 25
_RELATED_ITEM_MAX_WORDS: Final[int] = 20
_FOOTER_MAX_WORDS: Final[int] = 6
_MENU_ITEM_MAX_WORDS: Final[int] = 3
_MENU_ITEM_MAX_CHARS: Final[int] = 30
_MENU_RUN_MIN_LINES: Final[int] = 4
# the story has begun at a sentence of this many words (a standfirst, a question): no menu after it
_MENU_SENTENCE_WORDS: Final[int] = 4
_TAG_CLOUD_MIN_WORDS: Final[int] = 40
# footer labels are bare words; digits and list punctuation mark content (tour dates, prices, results)
_FOOTER_CONTENT_CHARS: Final[frozenset[str]] = frozenset("0123456789,:;@()$%\u20ac\u00a3/")


def _top_zone(kept: Sequence[_Line]) -> list[_Line]:
    """The kept lines before the first body paragraph (at most a few): where headlines and menus live."""
    zone: list[_Line] = []
    for ln in kept:
        if ln.body or len(zone) >= _TOP_ZONE_LINES:
            break
        zone.append(ln)
    return zone


def _navigation_at_top(zone: Sequence[_Line], p: _Patterns) -> set[int]:
    """Breadcrumbs glued to the headline ("Home News Crime <headline>"), section labels and menus at the top.

    A breadcrumb that ends with a later top line (the headline) and starts with a navigation word is a
    breadcrumb whatever its separators (often lost when a page is flattened to text).
    """
    hits: set[int] = set()
    for i, ln in enumerate(zone):
        if ln.words > 40 or ln.quote:
            continue
        for later in zone[i + 1 :]:
            if later.words >= 3 and ln.norm != later.norm and ln.norm.endswith(" " + later.norm):
                prefix = ln.norm[: -len(later.norm)].split()
                if len(prefix) <= 6 and prefix[0] in _NAV_VOCAB:
                    hits.add(ln.index)
                    break
        if ln.index in hits or ln.terminal or not 2 <= ln.words <= 20:
            continue
        # never the last headline-sized line before the body: that is the headline
        if not any(later.words >= 3 for later in zone[i + 1 :]):
            continue
        # a section label "Region | Series" (short parts between separators)
        parts = p.breadcrumb_split.split(ln.norm)
        if len(parts) >= 2 and all(0 < len(part.split()) <= 3 for part in parts):
            hits.add(ln.index)
            continue
        # a mostly-section-name run
        toks = ln.tokens(p)
        if (
            len(toks) >= 3
            and toks[0] in _NAV_VOCAB
            and sum(t in _NAV_VOCAB for t in toks) >= 0.75 * len(toks)
        ):
            hits.add(ln.index)
    return hits


def _related_continuation(lines: Sequence[_Line], removed: dict[int, str], p: _Patterns) -> set[int]:
    """After a related-list header, the short headline-like lines that follow belong to the list.

    The list ends at the first kept line that reads like text: long, a full sentence, or a quote. Only
    headers after the first body paragraph open a list: at the top of a page a label such as "Latest news"
    is usually followed by the story's own headline.
    """
    hits: set[int] = set()
    in_block = False
    seen_body = False
    for ln in lines:
        rule = removed.get(ln.index)
        if rule is None and ln.body:
            seen_body = True
        if rule == "related_block" and seen_body and p.related_header.fullmatch(ln.norm) is not None:
            in_block = True
            continue
        if rule is not None or not in_block:
            continue
        if (
            ln.words <= _RELATED_ITEM_MAX_WORDS
            and not ln.quote
            and not (ln.terminal and ln.stripped[-1] != "?")
        ):
            hits.add(ln.index)
        else:
            in_block = False
    return hits


def _is_teaser_shape(ln: _Line, p: _Patterns) -> bool:
    """A "Topic: Headline" line: short, a capitalised topic of 1-4 words, then a capitalised headline.

    Speech ("He said: ..."), interview turns ("Q: ...") and first-person lines are not teasers.
    """
    if not 3 <= ln.words <= _TEASER_MAX_WORDS or ln.quote or ": " not in ln.stripped:
        return False
    m = p.teaser.fullmatch(" ".join(ln.stripped.split()))
    if m is None:
        return False
    prefix, rest = m.group("prefix"), m.group("rest")
    if len(prefix) < 2 or prefix == "Q&A" or not (prefix[0].isupper() or prefix[0].isdigit()):
        return False
    if rest.count(" ") < 3 or (" " not in prefix and ln.terminal):
        return False  # too short for a headline, or a transcript turn ("Name: what they said.")
    if not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "'\u2018"):
        return False
    if any(w in _SPEECH_VERBS for w in prefix.casefold().split()):
        return False
    # acronyms such as "US" are not the pronoun "us"
    rest_words = {
        w.strip(",.;:!?'\u2018\u2019").casefold().replace("\u2019", "'")
        for w in rest.split()
        if len(w) == 1 or not w.isupper()
    }
    return not (rest_words & _FIRST_PERSON or "said" in rest_words or "told" in rest_words)


def _teasers(kept: Sequence[_Line], p: _Patterns) -> set[int]:
    """Inline teasers for other stories: a "Topic: Headline" line standing between longer body paragraphs."""
    hits: set[int] = set()
    for i in range(1, len(kept) - 1):
        ln = kept[i]
        before, after = kept[i - 1], kept[i + 1]
        if (
            before.body
            and after.body
            and before.words > ln.words
            and after.words > ln.words
            and _is_teaser_shape(ln, p)
        ):
            hits.add(ln.index)
    return hits


def _menu_runs_at_top(kept: Sequence[_Line]) -> set[int]:
    """Before the story begins, runs of menu labels ("Topics", "Week's top", "Astronomy & Space").

    A run is at least ``_MENU_RUN_MIN_LINES`` consecutive kept lines of at most ``_MENU_ITEM_MAX_WORDS``
    words and ``_MENU_ITEM_MAX_CHARS`` characters (scripts without spaces have one "word" per line), none a
    sentence or a quote: a flattened menu. A headline is longer, and a short line or two (a dateline, a
    section label) is not a run. The story begins at the first body paragraph or the first sentence-shaped
    line; a short list after that (features, results) is the story's. The line right before the body stays
    when it could be a short headline. Nothing is removed from a text with neither: a list is all it has.
    """
    hits: set[int] = set()
    run: list[_Line] = []
    for ln in kept:
        if ln.body or (ln.terminal and ln.words >= _MENU_SENTENCE_WORDS):
            if run and run[-1].words >= _MENU_ITEM_MAX_WORDS:
                run.pop()  # right before the body: perhaps a short headline
            if len(run) >= _MENU_RUN_MIN_LINES:
                hits.update(r.index for r in run)
            return hits
        if (
            ln.words <= _MENU_ITEM_MAX_WORDS
            and len(ln.stripped) <= _MENU_ITEM_MAX_CHARS
            and not ln.terminal
            and not ln.quote
        ):
            run.append(ln)
            continue
        if len(run) >= _MENU_RUN_MIN_LINES:
            hits.update(r.index for r in run)
        run = []
    return set()


def _trailing_furniture(ln: _Line, p: _Patterns) -> bool:
    """A sentence-sized line that is page furniture when it follows the story: an author's bio ("Jane Roe is
    a reporter at ...") or a tag cloud (many words with no punctuation at all)."""
    if ln.words >= _TAG_CLOUD_MIN_WORDS and p.punctuation.search(ln.norm) is None:
        return True
    return ln.words <= _ANY_RULE_MAX_WORDS and p.author_bio.match(ln.stripped) is not None


def _footer(kept: Sequence[_Line], p: _Patterns) -> set[int]:
    """Past the last body paragraph, short bare labels (site names, sections, staff names) are footer.

    Lines with digits or list punctuation (dates, prices, "Team (Group A): ...") are a trailing list that
    belongs to the story, so they stay, as do sentences and quotes. An author's bio or a tag cloud after the
    story is sentence-sized, yet it does not end the story: such lines at the end are footer too, and the
    short labels above them are in the footer zone.
    """
    last_body = next(
        (i for i in range(len(kept) - 1, -1, -1) if kept[i].body and not _trailing_furniture(kept[i], p)), -1
    )
    if last_body < 0:
        return set()
    return {
        ln.index
        for ln in kept[last_body + 1 :]
        if (
            ln.words <= _FOOTER_MAX_WORDS
            and not ln.terminal
            and not ln.quote
            and _FOOTER_CONTENT_CHARS.isdisjoint(ln.norm)
        )
        or _trailing_furniture(ln, p)
    }


def context_rules(lines: Sequence[_Line], removed: dict[int, str], p: _Patterns) -> list[_Line]:
    """Pass 2: the context rules over the lines pass 1 kept, adding to ``removed``; returns the lines kept."""
    kept = [ln for ln in lines if ln.index not in removed]
    zone = _top_zone(kept)
    for idx in _navigation_at_top(zone, p) | _menu_runs_at_top(kept):
        removed[idx] = "navigation"
    for idx in _related_continuation(lines, removed, p):
        removed[idx] = "related_block"
    kept = [ln for ln in kept if ln.index not in removed]
    for idx in _teasers(kept, p):
        removed[idx] = "teaser"
    kept = [ln for ln in kept if ln.index not in removed]
    for idx in _footer(kept, p):
        removed[idx] = "footer"
    return [ln for ln in kept if ln.index not in removed]


#: Fewest words of a prose line before a "Read the full story" credit for the credit to end the story there.
TEASER_MIN_WORDS: Final[int] = 30
#: A "Read the full story" credit with more than this many times the prose words after it than before it
#: heads the story instead of ending it: the site printed it under the headline block (whose standfirst or
#: caption can be a long sentence), above the excerpt. A site's "about" paragraphs under a teaser are a few
#: times the teaser at most; an excerpt under a headline block is many times its standfirst.
CREDIT_HEADS_STORY_RATIO: Final[int] = 4


def _prose_rule(kept: Sequence[_Line], removed: dict[int, str], story_end: int | None = None) -> bool:
    """Pass 3: what lies outside the text's prose blocks is ``furniture`` (see :mod:`copydesk.clean.prose`).
    ``story_end`` (optional) is the line of a credit that ends an excerpt ("Read the full story at X"): when
    a paragraph of prose (``TEASER_MIN_WORDS`` words or more) comes before it, the story ends there and whatever
    follows is the page's (a company's "about" paragraphs can outweigh a one-paragraph teaser), and a teaser
    of one sentence is a story all the same; unless the prose after it is more than
    ``CREDIT_HEADS_STORY_RATIO`` times the prose before it, as when the credit sits under a headline block
    whose standfirst is a long sentence, above the excerpt.
    Returns False when the text has no body to match at all (a headline and a few labels); True for a text
    that has nothing left, which is rejected as empty instead."""
    if not kept:
        return True
    prose = [is_prose_line(ln.stripped, ln.norm, ln.words) for ln in kept]
    cut = len(kept)
    if story_end is not None:
        before = sum(1 for ln in kept if ln.index < story_end)
        # (a paragraph of the story before the credit, not only the standfirst or a caption: some sites print
        # the credit under the headline block, above the excerpt, and what follows it then far outweighs it)
        before_words = sum(ln.words for ln, is_prose in zip(kept[:before], prose, strict=False) if is_prose)
        after_words = sum(ln.words for ln, is_prose in zip(kept[before:], prose[before:], strict=True) if is_prose)
        if (
            any(is_prose and ln.words >= TEASER_MIN_WORDS for ln, is_prose in zip(kept[:before], prose, strict=False))
            and after_words <= CREDIT_HEADS_STORY_RATIO * before_words
        ):
            cut = before
    headline_ok = [
        not ln.terminal and HEADLINE_WORDS[0] <= ln.words <= HEADLINE_WORDS[1] for ln in kept[:cut]
    ]
    # (a prose line is no headline: only its words can make it a label)
    listed = [ln.words <= LABEL_MAX_WORDS if is_prose else is_label_or_headline(ln.stripped, ln.words)
              for ln, is_prose in zip(kept[:cut], prose, strict=False)]
    furniture, body = furniture_lines(prose[:cut], [ln.words for ln in kept[:cut]], headline_ok, listed,
                                      teaser=cut < len(kept))
    for k in [*furniture, *range(cut, len(kept))]:
        removed[kept[k].index] = "furniture"
    return body is not Body.NONE


def _find_title(kept: Sequence[_Line]) -> str | None:
    """The first kept line near the top that reads like a headline (3-30 words, not a body paragraph)."""
    for ln in _top_zone(kept):
        if 3 <= ln.words <= 30 and len(ln.stripped) <= 300:
            return ln.stripped
    return None


def _source_verdicts(lines: list[_Line], check: Callable[[str], bool]) -> list[bool]:
    """The corpus check's verdict on each line: on the normal forms at once when the check allows it."""
    if isinstance(check, NormalisedLineCheck):
        if check.on_normalised_many is not None:
            return check.on_normalised_many([ln.norm for ln in lines])
        return [check.on_normalised(ln.norm) for ln in lines]
    return [check(ln.raw) for ln in lines]


# ----------------------------------------------------------------------------------------------------------
# entry point


class LineVerdicts(BoundedMemo[str | None]):
    """Pass-1 verdicts of short lines already judged (see :mod:`copydesk.memo`). Long lines are not kept:
    they are mostly unique body paragraphs that one anchored match already rules out."""

    __slots__ = ()

    def first_rule(self, ln: _Line, p: _Patterns) -> str | None:
        if ln.words > _SHORT_RULES_MAX_WORDS:
            return _first_rule(ln, p)
        rule = self.lookup(ln.raw)
        if rule is MISSING:
            return self.store(ln.raw, _first_rule(ln, p))
        return rule  # type: ignore[return-value]


def clean_text(
    text: str,
    *,
    is_source_boilerplate: Callable[[str], bool] | None = None,
    verdicts: LineVerdicts | None = None,
    judge_prose: bool = False,
    line_codes: Sequence[int] | None = None,
) -> CleanResult:
    """Remove boilerplate lines from one document's text; report the headline guess and every removal.

    ``is_source_boilerplate`` (from :meth:`SourceLineStats.checker`) flags lines repeated across many
    documents of this document's source; such lines go with rule ``source_boilerplate`` unless longer than
    ``SOURCE_BOILERPLATE_MAX_CHARS``. Kept lines keep their original text; blank-line paragraph breaks survive
    (collapsed to one blank line). ``verdicts`` (optional) remembers line verdicts across calls.

    ``judge_prose``: also remove what lies outside the text's prose blocks (rule ``furniture``, see
    :mod:`copydesk.clean.prose`), and tell a text with no body at all (``has_prose``). For texts with no corpus
    evidence (no site key): where a site is known, the lines its pages repeat are its furniture, which spares the
    short lines of the story (a closing "He declined to comment.") that a judgement of shape alone takes too.

    ``line_codes`` (optional): the text's line codes from :func:`copydesk.clean.linescan.scan_lines`, which
    measured most lines already and found which ones a rule may remove; the result is the same without them.
    """
    p = _PATTERNS
    # a blank line, or one of only bullets / rules such as "***", normalises to "": a paragraph break
    if line_codes is None:
        raw_lines, norms = split_normalised(text)
        lines = [
            _line_of(i, raw, norm) for i, (raw, norm) in enumerate(zip(raw_lines, norms, strict=True)) if norm
        ]
    else:
        raw_lines = split_lines(text)
        if len(line_codes) != len(raw_lines):
            raise ValueError(f"{len(line_codes)} line codes for a text of {len(raw_lines)} lines")
        lines = _scanned_lines(raw_lines, line_codes, p)
    removed: dict[int, str] = {}

    # pass 1: independent line rules, then repeats; corpus evidence for what is left, asked at once below
    unruled: list[_Line] = []
    prev_norm = ""
    judge = _first_rule if verdicts is None else verdicts.first_rule
    for ln in lines:
        rule = judge(ln, p) if ln.may_fire else None
        if rule is not None:
            removed[ln.index] = rule
        elif ln.norm == prev_norm:
            removed[ln.index] = "repeated_line"
        elif is_source_boilerplate is not None and len(ln.stripped) <= SOURCE_BOILERPLATE_MAX_CHARS:
            # (the corpus statistics count only such lines: see split_normalised's max_chars)
            unruled.append(ln)
        prev_norm = ln.norm
    if unruled and is_source_boilerplate is not None:
        for ln, verdict in zip(unruled, _source_verdicts(unruled, is_source_boilerplate), strict=True):
            if verdict:
                removed[ln.index] = "source_boilerplate"

    kept = context_rules(lines, removed, p)
    has_prose = True
    if judge_prose:
        story_end = next((ln.index for ln in lines if removed.get(ln.index) == "credit"
                          and p.continuation.match(ln.norm) is not None), None)
        has_prose = _prose_rule(kept, removed, story_end)
        kept = [ln for ln in kept if ln.index not in removed]

    # kept lines in order; a blank line (or one of only bullets / rules such as "***") between two kept
    # lines becomes one paragraph break: there is one where the kept lines' distance in the text exceeds
    # their distance among the content lines
    out: list[str] = []
    prev_index = prev_pos = -1
    for pos, ln in enumerate(lines):
        if ln.index in removed:
            continue
        if out and ln.index - prev_index != pos - prev_pos:
            out.append("")
        out.append(ln.raw)
        prev_index, prev_pos = ln.index, pos

    removals = tuple(
        RemovedLine(line=i + 1, text=raw_lines[i], rule=rule) for i, rule in sorted(removed.items())
    )
    return CleanResult(text="\n".join(out), title=_find_title(kept), removed=removals, has_prose=has_prose)
