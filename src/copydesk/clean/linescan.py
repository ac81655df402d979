"""One pass over a batch's lines: each line's shape, and whether a rule may remove it or it may credit anyone.

Why: the line rules of :mod:`copydesk.clean.boilerplate` run on every line of every document, and most lines
are body paragraphs that no rule removes; asking each rule of each such line in Python costs more than all
the rest of cleaning. Here the whole batch is one UTF-8 buffer: a numba kernel measures every line (length
in words, sentence end, quote start, leading bullets, digits); Hyperscan (a compiled multi-pattern engine)
looks for every rule's pattern at once, the phrases that may sit anywhere in the whole buffer and the rest in
the batch's distinct short lines (without their bullets); and the hits and shapes become one verdict per line:
"no rule can fire" for most, "ask the rules" for the others. :func:`copydesk.clean.boilerplate.clean_text`
then runs the rules only on those, with the shape it is given instead of measuring each line again. The same
pass marks the lines that may credit someone (a dateline's "(", an opener word such as "By" or "Originally",
a "full article" keyword, a bare agency name, a sign-off dash near the end), and
:func:`copydesk.provenance.extract_credits` reads only those.

Exactness: the patterns are the rules' own (:func:`copydesk.clean.boilerplate.prefilter_patterns`), compiled
with Hyperscan's prefilter flag, which may report more matches than the pattern has but never fewer; a line
is said to need no rule only when each rule's own gate (its pattern, its length in words) fails. Lines whose
matching form is not the line itself lower-cased (non-ASCII letters, tabs or other control characters, runs of
spaces, trailing spaces) are left to the rules whole (code ``REFERENCE``). ``tests/clean/test_linescan.py``
checks every line of random and real texts against the rules and the credits.

Where Hyperscan has no wheel for a platform, :func:`scan_lines` returns None and cleaning runs the rules on
every line (and credits read every line), with the same results (a one-line notice says so, once per process).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from numba import njit

from .. import provenance
from ..provenance import CREDIT_OPENERS, LINK_KEYWORDS
from ..runtime import write_cache
from . import boilerplate
from .boilerplate import (
    ASK_LONG_SHAPES,
    ASK_RULES,
    BULLET_PREFIX_LIMIT,
    CODE_SHIFT_BULLET,
    CODE_SHIFT_WORDS,
    MAY_CREDIT,
    prefilter_patterns,
)

__all__ = ["REFERENCE", "LineScan", "LineScanner", "line_scanner", "scan_lines", "scan_misses"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: The code of a line that the rules must measure and judge themselves (see the module docstring).
REFERENCE: Final[int] = -1

# The rule groups of prefilter_patterns, in this order (their gates in words are in _short_rule_may_fire).
_GROUPS: Final[tuple[str, ...]] = (
    "placeholder", "legal_phrase", "widget_error", "legal_start", "cookie_shape", "cookie_word", "credit",
    "source_line", "advertisement", "timestamp", "comment_counter", "byline", "vocabulary", "newsletter",
    "newsletter_phrase", "click_here", "click_here_phrase", "related_header", "related_prefix",
    "breadcrumb_mark",
)
#: The phrases a credit may hold anywhere (``provenance._line_credits``: a "full article" link's keywords and
#: "contributed"), looked for with the rules' phrases; their bits follow the rules' groups.
_CREDIT_GROUPS: Final[tuple[tuple[str, str, str], ...]] = (
    ("credit_keyword", "|".join(re.escape(k) for k in LINK_KEYWORDS), "anywhere"),
    ("contributed", "contributed", "anywhere"),
)
_BIT: Final[dict[str, int]] = {
    name: 1 << i for i, name in enumerate((*_GROUPS, *(name for name, _, _ in _CREDIT_GROUPS)))
}


def _hyperscan_source(pattern: str) -> str:
    """A Python ``re`` pattern as Hyperscan reads it, matching at least what it matches on ASCII text: named
    groups as plain groups, possessive ``++`` as greedy ``+``, long bounded repeats (``{0,120}``) unbounded
    (Hyperscan compiles a counted repeat into as many states, which takes seconds), no inline ``(?i)`` (all
    are caseless), and each non-ASCII character as its UTF-8 bytes: one unit outside a class (so that a
    quantifier after it applies to all of it), members of the class inside one. Those never match the ASCII
    lines scanned, as the character never matches them in Python."""
    pattern = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), pattern)
    pattern = re.sub(r"\(\?P<\w+>", "(?:", pattern)
    pattern = re.sub(r"\{(\d+),\d{2,}\}", r"{\1,}", pattern)
    pattern = pattern.replace("++", "+").removeprefix("(?i)")
    out: list[str] = []
    in_class = escaped = False
    for k, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class and pattern[k - 1] != "[" and pattern[k - 2 : k] != "[^":
            in_class = False
        if ord(ch) < 128:
            out.append(ch)
            continue
        units = "".join(f"\\x{byte:02x}" for byte in ch.encode("utf-8"))
        out.append(units if in_class else f"(?:{units})")
    return "".join(out)


#: Groups whose phrases may sit anywhere in a line of any length; the others matter only on short lines.
_ANYWHERE_GROUPS: Final[frozenset[str]] = frozenset(("placeholder", "legal_phrase"))
#: Longest line (in words) where a group other than those can hit (``boilerplate._SHORT_RULES_MAX_WORDS``).
_SHORT_LINE_WORDS: Final[int] = 25


@dataclass(frozen=True, slots=True)
class LineScanner:
    """The rules' patterns compiled into two Hyperscan databases; build it with :func:`line_scanner`.

    ``phrases`` (the groups found anywhere in a line) scans the whole batch; ``short_lines`` (the rest, most
    anchored at the line start) scans only the short lines, gathered into one buffer: they are a sixth of
    the text, and an anchored pattern costs Hyperscan as much per byte of a body paragraph as of a menu."""

    phrases: Any  # hyperscan.Database
    short_lines: Any
    # a database scans with one scratch space, which two scans at once must not share (threads of one process)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def hits(self, database: Any, buffer: bytes) -> tuple[np.ndarray, np.ndarray]:
        """(group bit, end offset) of every match of ``database`` (one of this scanner's) in ``buffer``."""
        bits: list[int] = []
        ends: list[int] = []

        def on_match(group: int, start: int, end: int, flags: int, context: object) -> None:
            bits.append(group)
            ends.append(end)

        with self.lock:
            database.scan(buffer, match_event_handler=on_match)
        return np.asarray(bits, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def _compile(hyperscan: Any, groups: list[tuple[str, str, str]]) -> Any:
    """One block-mode database of ``groups`` (each reporting its group bit), read from the cache beside this
    module's bytecode when an earlier process compiled the same patterns (see ``_cache_path``)."""
    expressions = []
    for _, pattern, where in groups:
        source = _hyperscan_source(pattern)
        if where == "start":
            source = rf"^(?:{source})"
        elif where == "line":
            source = rf"^(?:{source})$"
        expressions.append(source.encode("ascii"))
    ids = [_BIT[name] for name, _, _ in groups]
    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_PREFILTER
    path = _cache_path(hyperscan, expressions, ids, flags)
    try:
        loaded = hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
        loaded.scratch = hyperscan.Scratch(loaded)  # (a loaded database comes without one)
        return loaded
    except (OSError, hyperscan.error):
        pass
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=[flags] * len(expressions))
    write_cache(path, lambda out: out.write(hyperscan.dumpb(database)))
    return database


def _cache_path(hyperscan: Any, expressions: list[bytes], ids: list[int], flags: int) -> Path:
    """Where a compiled database is kept: ``__pycache__`` beside this module, named by a digest of the
    patterns, their ids and flags and the Hyperscan version. Compiling takes about half a second, and every
    process (spawned workers too) needs the databases; a cached one loads in under a millisecond. A cache
    that cannot be read is compiled again, one that cannot be written (a read-only install) is skipped."""
    digest = hashlib.sha256()
    digest.update(str(getattr(hyperscan, "__version__", "")).encode())
    digest.update(repr((ids, flags)).encode())
    for expression in expressions:
        digest.update(expression + b"\0")
    return Path(__file__).resolve().parent / "__pycache__" / f"linescan-{digest.hexdigest()[:24]}.hs"


@functools.cache
def line_scanner() -> LineScanner | None:
    """The rules' patterns compiled for Hyperscan, or None (with a one-line notice) where the ``hyperscan``
    wheel is not installed. Built once per process: like a compiled regex, it never changes."""
    try:
        import hyperscan  # (optional at run time: a platform may have no wheel)
    except ImportError:
        logger.warning("hyperscan is not installed: the line rules run on every line (same results, slower)")
        return None
    table = list(prefilter_patterns())
    if tuple(name for name, _, _ in table) != _GROUPS:
        raise ValueError(f"prefilter groups changed: {[name for name, _, _ in table]}")
    scanner = LineScanner(
        phrases=_compile(hyperscan, [g for g in table if g[0] in _ANYWHERE_GROUPS] + list(_CREDIT_GROUPS)),
        short_lines=_compile(hyperscan, [g for g in table if g[0] not in _ANYWHERE_GROUPS]),
    )
    missed = _missed_canaries(scanner)
    if missed:
        logger.warning("hyperscan %s misses rule lines (%s): the line rules run on every line (same results, "
                       "slower)", getattr(hyperscan, "__version__", "?"), "; ".join(missed[:3]))
        return None
    return scanner


#: Lines each of which a pass-1 rule removes or that credit someone, in the order that once made Hyperscan
#: 0.9.1 drop matches (a long line, then "Load more": see ``_hyperscan_source``), one or more per group.
_CANARIES: Final[tuple[str, ...]] = (
    "Trudeau arrives in Washington with trade on his mind", "By a staff correspondent",
    "Sign up for our morning briefing", "By Ana RuizBy Ana RuizBy Ana RuizBy Ana RuizBy Ana Ruiz", " Load more",
    "Oops! Something went wrong.", "Lorem ipsum dolor sit amet", "All rights reserved", "(c) 2024 Acme",
    "We use cookies", "Accept cookies", "This article originally appeared on USA TODAY", "Source: Reuters",
    "Advertisement", "Updated 12:30 pm", "12 Comments", "Home | News | Sport", "Thanks for signing up",
    "Click here", "Read more: the harbour", "You may also like", "Related: Council votes", "Home > World",
    "CLICK HERE FOR FULL ARTICLE ON YAHOO NEWS", "LONDON (Reuters) - Shares fell.", "Jane Roe contributed.",
    "The council met on Tuesday. - AP",
)


def _missed_canaries(scanner: LineScanner) -> list[str]:
    """The canary lines the scan gets wrong (see :func:`scan_misses`): none on a sound engine. Checked once per
    process (about a millisecond) so that a Hyperscan build that drops matches costs speed, not results."""
    return scan_misses(["\n".join(_CANARIES)], scanner)


def scan_misses(texts: Sequence[str], scanner: LineScanner | None = None) -> list[str]:
    """Every line of ``texts`` that the scan gets wrong against the rules themselves, each with what is wrong:
    a measured line whose shape is not the one the rules measure, a blank one that is not blank to them, a line
    a pass-1 rule removes but no rule is asked about, or a line that credits someone but is not marked. The
    answer of a sound scan is empty; the tests and the canary check at load ask it."""
    scan = scan_lines(texts, scanner)
    if scan is None:
        return []
    patterns = boilerplate._PATTERNS  # (the rules themselves, as clean_text and extract_credits ask them)
    misses: list[str] = []
    for i, text in enumerate(texts):
        raw_lines = boilerplate.split_lines(text)
        codes = scan.text(i)
        if len(codes) != len(raw_lines):
            misses.append(f"text {i}: {len(codes)} codes for {len(raw_lines)} lines")
            continue
        plain = boilerplate.plain_ascii_spacing(text)
        for j, (raw, code) in enumerate(zip(raw_lines, codes, strict=True)):
            if code == REFERENCE:
                continue
            norm = boilerplate.normalise_line(raw)
            credits_someone = bool(raw.strip()) and bool(provenance._line_credits(raw.strip(), plain))
            if code == 0:
                if norm or credits_someone:
                    misses.append(f"{raw!r}: coded blank")
                continue
            if credits_someone and not code & MAY_CREDIT:
                misses.append(f"{raw!r}: credits someone, not marked")
            if not norm:
                misses.append(f"{raw!r}: blank to the rules, coded {code}")
                continue
            reference = boilerplate._line_of(j, raw, norm)
            scanned = boilerplate._scanned_lines([raw], [code], patterns)[0]
            shape = (scanned.stripped, scanned.norm, scanned.words, scanned.terminal, scanned.quote, scanned.body)
            if shape != (reference.stripped, reference.norm, reference.words, reference.terminal, reference.quote,
                         reference.body):
                misses.append(f"{raw!r}: shape {shape}")
            rule = boilerplate._first_rule(reference, patterns)
            if rule is not None and not scanned.may_fire:
                misses.append(f"{raw!r}: removed by {rule}, no rule asked")
    return misses


@dataclass(frozen=True, slots=True)
class LineScan:
    """One code per line of each text of a batch (lines as :func:`copydesk.clean.boilerplate.split_lines`
    cuts them): ``REFERENCE`` (-1), 0 for a blank line (nothing but spaces and bullets), else the line's
    shape packed as :func:`copydesk.clean.boilerplate.clean_text` reads it."""

    codes: list[int]
    offsets: list[int]  # text i's lines are codes[offsets[i]:offsets[i + 1]]

    def text(self, i: int) -> list[int]:
        return self.codes[self.offsets[i] : self.offsets[i + 1]]


#: Most characters scanned as one buffer: a batch holding more (huge docs) is scanned in parts, as Hyperscan
#: scans at most 4 GiB at once (a character is up to 4 bytes) and the buffer is a copy of the texts.
SCAN_PART_CHARS: Final[int] = 1 << 28


def scan_lines(texts: Sequence[str], scanner: LineScanner | None = None) -> LineScan | None:
    """The :class:`LineScan` of ``texts``; None where Hyperscan is not installed (see :func:`line_scanner`)."""
    scanner = scanner if scanner is not None else line_scanner()
    if scanner is None:
        return None
    offsets = [0]
    for text in texts:
        offsets.append(offsets[-1] + text.count("\n") + 1)
    codes: list[int] = []
    part: list[str] = []
    held = 0
    for text in texts:
        if part and held + len(text) > SCAN_PART_CHARS:
            codes.extend(_scan_codes(part, scanner))
            part, held = [], 0
        part.append(text)
        held += len(text)
    if part:
        codes.extend(_scan_codes(part, scanner))
    if len(codes) != offsets[-1]:
        raise AssertionError(f"line count {len(codes)} != {offsets[-1]}")
    return LineScan(codes=codes, offsets=offsets)


def _scan_codes(texts: list[str], scanner: LineScanner) -> list[int]:
    """The line codes of ``texts`` (one buffer): every line of every text, in order."""
    if len(texts) == 1 and len(texts[0]) > SCAN_PART_CHARS:  # (one text past the limit: the rules measure it)
        return [REFERENCE] * (texts[0].count("\n") + 1)
    # (a lone surrogate is written as UTF-8 would write it: non-ASCII bytes, so its line is left to the rules)
    buffer = "\n".join(texts).encode("utf-8", "surrogatepass")
    data = np.frombuffer(buffer, dtype=np.uint8)
    starts = _line_starts(data)
    words, shape = _measure(data, starts, _OPENER_BYTES, _OPENER_LENGTHS, _OPENER_FIRST)
    masks = _masks(*scanner.hits(scanner.phrases, buffer), starts)
    bullets = (shape >> CODE_SHIFT_BULLET) & (BULLET_PREFIX_LIMIT - 1)
    slot_of, slot_starts, short_buffer = _gather_short(data, starts, words, bullets, _SHORT_LINE_WORDS)
    if short_buffer.size:
        slot_masks = _masks(*scanner.hits(scanner.short_lines, short_buffer.tobytes()), slot_starts)
        short = slot_of >= 0
        masks[short] |= slot_masks[slot_of[short]]
    codes: list[int] = _line_codes(words, shape, masks).tolist()
    return codes


def _masks(bits: np.ndarray, ends: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per line of a buffer (``starts`` as ``_line_starts`` gives them), the OR of the group bits of the hits
    whose last byte it holds (a match that runs on past a line break marks the later line too, which only
    asks the rules once more than needed)."""
    masks = np.zeros(starts.shape[0] - 1, dtype=np.int64)
    if ends.size:
        np.bitwise_or.at(masks, np.searchsorted(starts, ends - 1, side="right") - 1, bits)
    return masks


@njit(cache=True, nogil=True)
def _line_starts(buffer: np.ndarray) -> np.ndarray:
    """Offsets where each line starts, and one past the end (as if the buffer ended with a line break)."""
    n = 1
    for byte in buffer:
        if byte == 10:
            n += 1
    starts = np.empty(n + 1, dtype=np.int64)
    starts[0] = 0
    k = 1
    for i in range(buffer.shape[0]):
        if buffer[i] == 10:
            starts[k] = i + 1
            k += 1
    starts[n] = buffer.shape[0] + 1
    return starts


# the bits of a measured line's shape (``_measure``) that are not in its code: a digit, and at most 30 words
# once stripped (where a credit keyword counts)
_DIGIT = np.int64(1) << 40
_CREDIT_KEYWORD_WORDS = np.int64(1) << 41


def _openers() -> tuple[np.ndarray, np.ndarray]:
    """The credit openers that start with a letter, as rows of bytes and their lengths (the others, "(c)" and
    "\u00a9", hold a "(" or are not ASCII: ``_measure`` covers them otherwise)."""
    words = [o.encode("ascii") for o in CREDIT_OPENERS if o.isascii() and o[0].isalpha()]
    rows = np.zeros((len(words), max(map(len, words))), dtype=np.uint8)
    for k, word in enumerate(words):
        rows[k, : len(word)] = np.frombuffer(word, dtype=np.uint8)
    return rows, np.asarray([len(w) for w in words], dtype=np.int64)


def _opener_first_bytes(rows: np.ndarray) -> np.ndarray:
    """Which bytes an opener can start with, in either case (a line whose first word starts otherwise is
    compared with none of them)."""
    first = np.zeros(256, dtype=np.bool_)
    for byte in set(rows[:, 0].tolist()):
        first[byte] = first[byte - 32] = True  # (the openers are lower case letters)
    return first


_OPENER_BYTES, _OPENER_LENGTHS = _openers()
_OPENER_FIRST = _opener_first_bytes(_OPENER_BYTES)


@njit(cache=True, nogil=True)
def _word_byte(byte: int) -> bool:
    return (48 <= byte <= 57) or (65 <= byte <= 90) or (97 <= byte <= 122) or byte == 95


@njit(cache=True, nogil=True)
def _may_credit(buffer: np.ndarray, s: int, e: int, spaces: int, paren: bool, dash: bool, openers: np.ndarray,
                lengths: np.ndarray, opener_first: np.ndarray) -> tuple[bool, bool]:
    """Whether ``provenance._line_credits`` can find a credit in the measured line ``buffer[s:e]``, from what
    needs no pattern, and whether it is short enough (30 words) for a credit keyword to count. The line it
    reads is the line stripped of its leading spaces (no other whitespace here). A credit needs one of: a "("
    in its first 160 characters (a dateline; also "(c)"), an opener word after the non-word characters it
    starts with (at most 60 words), at most 4 words not ending a sentence (a bare agency name), or a dash
    near its end followed only by letters, spaces, dots and ")" (an agency's sign-off, "- AP"). ``paren`` and
    ``dash``: whether the line holds a "(" or a "-" at all (most lines hold neither, and skip those scans)."""
    t = s
    while t < e and buffer[t] == 32:
        t += 1
    words = spaces - (t - s) + 1
    if paren:
        for i in range(t, min(e, t + 160)):
            if buffer[i] == 40:
                return True, words <= 30
    if words <= 4 and not (buffer[e - 1] == 46 or buffer[e - 1] == 33 or buffer[e - 1] == 63):
        return True, True
    k = e - 1 if dash else t - 1
    while k >= max(t, e - 60):
        byte = buffer[k]
        if (65 <= byte <= 90) or (97 <= byte <= 122) or byte == 32 or byte == 46 or byte == 41:
            k -= 1
            continue
        if byte == 45:
            return True, words <= 30
        break
    if words > 60:
        return False, False
    i = t
    while i < e and not _word_byte(buffer[i]):
        if buffer[i] == 40:  # ("(c)" after a long run of non-word characters)
            return True, words <= 30
        i += 1
    if i < e and not opener_first[buffer[i]]:
        return False, words <= 30
    for row in range(openers.shape[0]):
        length = lengths[row]
        if i + length > e:
            continue
        same = True
        for k in range(length):
            byte = buffer[i + k]
            if 65 <= byte <= 90:
                byte += 32
            if byte != openers[row, k]:
                same = False
                break
        if same:
            return True, words <= 30
    return False, words <= 30


@njit(cache=True, nogil=True)
def _measure(buffer: np.ndarray, starts: np.ndarray, openers: np.ndarray, lengths: np.ndarray,
             opener_first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Words and shape of each line measured here: one whose matching form is the line lower-cased after its
    bullets (printable ASCII only, no two spaces in a row, no space at its end). ``words`` is -1 for other
    lines, 0 for a blank one (nothing but bullets); ``shape`` packs the bullet prefix and flags as the code
    does, plus ``_DIGIT``.

    The shape is ``boilerplate._line_of``'s for such a line: words are the spaces after the bullets plus one,
    it ends a sentence on ``. ! ? "`` (or on ``'`` after ``. ! ? ,`` or alone), and opens a quote on ``" '``.
    """
    n = starts.shape[0] - 1
    words = np.empty(n, dtype=np.int64)
    shape = np.zeros(n, dtype=np.int64)
    for j in range(n):
        s = starts[j]
        e = starts[j + 1] - 1
        # branch-free over the bytes (the compiler vectorises it: several times faster than stopping early)
        count = np.int64(1)
        digit = np.uint8(0)
        bad = np.uint8(0)
        previous_space = np.uint8(0)
        paren = np.uint8(0)
        dash = np.uint8(0)
        for i in range(s, e):
            byte = buffer[i]
            space = np.uint8(byte == 32)
            count += space
            bad |= previous_space & space  # two spaces in a row
            previous_space = space
            bad |= np.uint8(np.uint8(byte - 32) > 94)  # not printable ASCII
            digit |= np.uint8(np.uint8(byte - 48) < 10)
            paren |= np.uint8(byte == 40)
            dash |= np.uint8(byte == 45)
        if bad or (e > s and buffer[e - 1] == 32):
            words[j] = -1
            continue
        spaces = int(count) - 1
        b = s
        while b < e and (buffer[b] == 42 or buffer[b] == 45 or buffer[b] == 126 or buffer[b] == 32):
            if buffer[b] == 32:
                count -= 1
            b += 1
        if b == e:
            words[j] = 0
            continue
        if b - s >= _BULLET_PREFIX_LIMIT:
            words[j] = -1
            continue
        words[j] = count
        last = buffer[e - 1]
        terminal = last == 46 or last == 33 or last == 63 or last == 34
        if last == 39:
            before = buffer[e - 2] if e - b >= 2 else 46
            terminal = before == 46 or before == 33 or before == 63 or before == 44
        quote = buffer[b] == 34 or buffer[b] == 39
        credit, keyword_counts = _may_credit(buffer, s, e, spaces, paren != 0, dash != 0, openers, lengths,
                                             opener_first)
        shape[j] = (
            (_MAY_CREDIT if credit else np.int64(0))
            | (_CREDIT_KEYWORD_WORDS if keyword_counts else np.int64(0))
            | (np.int64(b - s) << _CODE_SHIFT_BULLET)
            | (np.int64(2) if quote else np.int64(0))
            | (np.int64(1) if terminal else np.int64(0))
            | (_DIGIT if digit else np.int64(0))
        )
    return words, shape


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@njit(cache=True, nogil=True)
def _same_bytes(buffer: np.ndarray, a: int, b: int, length: int) -> bool:
    for k in range(length):
        if buffer[a + k] != buffer[b + k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _gather_short(buffer: np.ndarray, starts: np.ndarray, words: np.ndarray, bullets: np.ndarray, max_words: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct measured lines of 1 to ``max_words`` words without their bullets (``bullets``: the prefix
    lengths), copied once each into one buffer, each ending in a line break: for each line its slot (-1 for
    other lines), for each slot its start in the buffer, and the buffer. Each gathered line is its matching
    form but for case, so the patterns anchor at ``^`` alone. A site's menus and footers repeat on every
    page: a batch's short lines are about a third distinct, and only those need scanning."""
    n = words.shape[0]
    capacity = 64
    while capacity < 2 * n:
        capacity *= 2
    table = np.full(capacity, -1, dtype=np.int64)  # a slot's first line, by hash
    slot_of = np.full(n, -1, dtype=np.int64)
    firsts = np.empty(n, dtype=np.int64)
    slots = 0
    size = 0
    for j in range(n):
        if not 1 <= words[j] <= max_words:
            continue
        s = starts[j] + bullets[j]
        length = starts[j + 1] - 1 - s
        h = _FNV_OFFSET  # FNV-1a of the line's bytes: only a table slot, every hit is compared byte for byte
        for i in range(s, s + length):
            h = (h ^ np.uint64(buffer[i])) * _FNV_PRIME
        at = np.int64(h & np.uint64(capacity - 1))
        while True:
            slot = table[at]
            if slot < 0:
                table[at] = slots
                firsts[slots] = j
                slot_of[j] = slots
                slots += 1
                size += length + 1
                break
            first = firsts[slot]
            first_start = starts[first] + bullets[first]
            if starts[first + 1] - 1 - first_start == length and _same_bytes(buffer, first_start, s, length):
                slot_of[j] = slot
                break
            at = (at + 1) & (capacity - 1)
    slot_starts = np.empty(slots + 1, dtype=np.int64)
    out = np.empty(size, dtype=np.uint8)
    position = 0
    for slot in range(slots):
        first = firsts[slot]
        first_start = starts[first] + bullets[first]
        length = starts[first + 1] - 1 - first_start
        slot_starts[slot] = position
        out[position : position + length] = buffer[first_start : first_start + length]
        out[position + length] = 10
        position += length + 1
    slot_starts[slots] = position + 1
    return slot_of, slot_starts, out


# group bits, as numba constants
_PLACEHOLDER = _BIT["placeholder"]
_LEGAL_PHRASE = _BIT["legal_phrase"]
_WIDGET_ERROR = _BIT["widget_error"]
_LEGAL_START = _BIT["legal_start"]
_COOKIE_SHAPE = _BIT["cookie_shape"]
_COOKIE_WORD = _BIT["cookie_word"]
_CREDIT = _BIT["credit"]
_SOURCE_LINE = _BIT["source_line"]
_ADVERTISEMENT = _BIT["advertisement"]
_TIMESTAMP = _BIT["timestamp"]
_COMMENT_COUNTER = _BIT["comment_counter"]
_BYLINE = _BIT["byline"]
_VOCABULARY = _BIT["vocabulary"]
_NEWSLETTER = _BIT["newsletter"] | _BIT["newsletter_phrase"]
_CLICK_HERE = _BIT["click_here"] | _BIT["click_here_phrase"]
_RELATED_HEADER = _BIT["related_header"]
_RELATED_PREFIX = _BIT["related_prefix"]
_BREADCRUMB_MARK = _BIT["breadcrumb_mark"]
_CREDIT_PHRASES = _BIT["credit_keyword"] | _BIT["contributed"]

# The code layout and the rules' word limits (boilerplate's constants) written out here: numba bakes the
# globals a kernel reads into its cache, which is keyed on this file alone, so a change there without this file
# would leave kernels on the old values. Checked at import: a change there fails here until this file follows.
_CODE_SHIFT_BULLET = 5
_CODE_SHIFT_WORDS = 24
_BULLET_PREFIX_LIMIT = 1 << 19
_ASK_RULES = np.int64(4)
_ASK_LONG_SHAPES = np.int64(8)
_MAY_CREDIT = np.int64(16)
_ANY_RULE_WORDS = 120  # (boilerplate._ANY_RULE_MAX_WORDS: a longer line is removed as placeholder only)
if (CODE_SHIFT_BULLET, CODE_SHIFT_WORDS, BULLET_PREFIX_LIMIT, ASK_RULES, ASK_LONG_SHAPES, MAY_CREDIT,
        boilerplate._SHORT_RULES_MAX_WORDS, boilerplate._ANY_RULE_MAX_WORDS) != (
    _CODE_SHIFT_BULLET, _CODE_SHIFT_WORDS, _BULLET_PREFIX_LIMIT, int(_ASK_RULES), int(_ASK_LONG_SHAPES),
    int(_MAY_CREDIT), _SHORT_LINE_WORDS, _ANY_RULE_WORDS,
):
    raise ImportError("copydesk.clean.boilerplate's line codes or word limits changed: update clean.linescan")


@njit(cache=True, nogil=True)
def _short_rule_may_fire(mask: int, words: int, terminal: bool, quote: bool, digit: bool) -> bool:
    """Whether a pass-1 rule can remove a line of at most 25 words with these hits and this shape: each
    rule's gate as in ``boilerplate._first_rule`` (the same limits in words), its pattern a hit bit."""
    if mask & _PLACEHOLDER or mask & _LEGAL_PHRASE or mask & _LEGAL_START or mask & _COOKIE_SHAPE:
        return True
    if words <= 30 and mask & _WIDGET_ERROR:
        return True
    if words <= 10 and (mask & _COOKIE_WORD or mask & _ADVERTISEMENT):
        return True
    if mask & _CREDIT or (words <= 8 and mask & _SOURCE_LINE):
        return True
    if words <= 16 and digit and mask & _TIMESTAMP:
        return True
    if words <= 12 and (mask & _COMMENT_COUNTER or mask & _BYLINE):
        return True
    if words <= 20 and mask & _VOCABULARY:
        return True
    if not quote and mask & _NEWSLETTER:
        return True
    if words <= 15 and mask & _CLICK_HERE:
        return True
    if (words <= 8 and mask & _RELATED_HEADER) or mask & _RELATED_PREFIX:
        return True
    return words <= 20 and not terminal and (mask & _BREADCRUMB_MARK) != 0


@njit(cache=True, nogil=True)
def _line_codes(words: np.ndarray, shape: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """One code per line (see :class:`LineScan`): the measured shape with what the rules must be asked.

    A line of more than 25 words can only be removed by placeholder (a phrase anywhere), legal_footer (a
    legal phrase anywhere, up to 120 words) or a rule whose pattern opens the line (``_first_rule``'s
    ``long_line_shapes``), which ``clean_text`` tries on the few long lines with no phrase (one anchored
    match) before asking the rules: scanning every body paragraph for them costs more."""
    codes = np.empty(words.shape[0], dtype=np.int64)
    for j in range(words.shape[0]):
        w = words[j]
        if w <= 0:
            codes[j] = w
            continue
        mask = masks[j]
        code = (shape[j] & ~(_DIGIT | _CREDIT_KEYWORD_WORDS)) | (np.int64(w) << _CODE_SHIFT_WORDS)
        if shape[j] & _CREDIT_KEYWORD_WORDS and mask & _CREDIT_PHRASES:
            code |= _MAY_CREDIT
        if w <= _SHORT_LINE_WORDS:
            if _short_rule_may_fire(mask, w, (shape[j] & 1) != 0, (shape[j] & 2) != 0, (shape[j] & _DIGIT) != 0):
                code |= _ASK_RULES
        elif mask & _PLACEHOLDER or (w <= _ANY_RULE_WORDS and mask & _LEGAL_PHRASE):
            code |= _ASK_RULES
        elif w <= _ANY_RULE_WORDS:
            code |= _ASK_LONG_SHAPES
        codes[j] = code
    return codes
