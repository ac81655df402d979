"""Provenance: who a document credits as the origin of its text.

Why: a copy of a story usually says where it came from ("This article originally appeared on ...",
"CLICK HERE FOR FULL ARTICLE ON ...", a wire dateline "(AP) —", a byline naming the outlet). These credits
explain syndication edges between clusters' members and help pick the canonical copy, so they are read from
the *original* text (the cleaner removes several of these lines) and reported with their line numbers and
the exact evidence.

What counts as a credit (patterns are general, case-insensitive where the shape allows):

* ``originally_appeared``: "This article originally appeared on X[: ...]", "originally published on/by/in X".
* ``full_article_link``: "click here for (the) full article on X", "read the full story at X",
  "continue reading on X".
* ``byline``: a short line "By X" whose name part looks like a person or organisation; a comma splits
  "By Jane Roe, Harbor Gazette" into two credits, and role words ("Staff Writer") are dropped.
* ``source_line``: "Source: X", "Courtesy of X", "via X" on a short line.
* ``wire``: a wire dateline "CITY (AP) —" / "LONDON, Jan 5 (Reuters) -", a sign-off "— AFP" at a line end, or
  a news agency named in a credit line (byline, source line, copyright, "... contributed to this report").
* ``url_host``: the document URL's host without ``www.``; ``source_field``: the input's source field.

Names keep their original spelling, except on a shouted (all-capitals) line, where they are title-cased
with short acronyms kept ("CLICK HERE ... ON DAILY PLANET NEWS" -> "Daily Planet News"). Credits are
deduplicated on (kind, case-folded name) and keep the order in which they appear.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal
from urllib.parse import urlsplit

from .clean.boilerplate import MAY_CREDIT, byline_name, plain_ascii_spacing, split_lines
from .memo import MISSING, BoundedMemo

__all__ = ["Credit", "CreditKind", "LineCreditMemo", "extract_credits", "url_host"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

CreditKind = Literal[
    "originally_appeared", "byline", "source_line", "wire", "full_article_link", "url_host", "source_field"
]


@dataclass(frozen=True, slots=True)
class Credit:
    """A party credited by a document: ``kind`` of evidence, ``name``, 1-based ``line`` and the ``evidence``.

    ``line`` is None for credits derived from fields (``url_host``, ``source_field``).
    """

    kind: CreditKind
    name: str
    line: int | None
    evidence: str

    def __reduce__(self) -> tuple[type[Credit], tuple[CreditKind, str, int | None, str]]:
        """Pickle as a constructor call (credits travel back from worker processes): compiled by mypyc, a
        frozen dataclass cannot be rebuilt by assigning its fields."""
        return Credit, (self.kind, self.name, self.line, self.evidence)


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)

_THIS_ARTICLE = (
    r"(?:(?:a|an)\s+(?:\w+\s+)?version\s+of\s+)?this\s+(?:article|story|post|piece|report|column|content"
    r"|interview|essay|op-ed|commentary)\b"
)
# anchored at the line start: "The study, first published in a journal, ..." is a sentence, not a credit
_ORIGINALLY: Final = re.compile(
    rf"(?i)^\W*(?:{_THIS_ARTICLE}\s+(?:was\s+|has\s+been\s+|is\s+)?)?(?:originally|first|previously)\s+"
    r"(?:appeared|published|posted|ran)\s+(?:on|in|at|by|with)\s+(?P<name>.+)"
    rf"|^\W*{_THIS_ARTICLE}.{{0,40}}?\b(?:appeared|published|ran|posted|republished|reprinted|syndicated)\s+"
    r"(?:on|in|at|by|with|from)\s+(?P<name2>.+)"
)
_FULL_LINK: Final = re.compile(
    r"(?i)\b(?:click|tap)\s+here\s+(?:for|to\s+(?:read|see|view))\s+(?:the\s+)?(?:full|whole|complete|entire"
    r"|original|rest\s+of\s+the)\s+(?:article|story|report|post|piece)\s+(?:on|at|from|in)\s+(?P<name>.+)"
    r"|\b(?:read|see|view)\s+(?:the\s+)?(?:full|whole|complete|entire|original|rest\s+of\s+the)\s+"
    r"(?:article|story|report|post|piece)\s+(?:on|at|from)\s+(?P<name2>.+)"
    r"|^\W*(?:continue|keep)\s+reading\s+(?:on|at)\s+(?P<name3>.+)"
)
_SOURCE_LINE: Final = re.compile(
    r"(?i)^\W*(?:(?:source|sources|credit|credits)\s*:|courtesy(?:\s+of)?\s*:?)\s*(?P<name>\S.*?)\)?$"
)
_VIA_LINE: Final = re.compile(r"(?i)^\W*via\s*:?\s+(?P<name>\S.*?)\)?$")
# "CITY (AP) —", "LONDON, Jan 5 (Reuters) -", "(CNN) —": the text before the parenthesis is an upper-case
# place name, optionally followed by a date, so "Rep. Jane Roe (D) - ..." is not a dateline.
_DATELINE: Final = re.compile(
    rf"^[^()a-z]{{0,60}}?(?:,\s*(?i:{_MONTH})\s*\d{{1,2}}(?:,\s*\d{{4}})?)?\s*"
    r"\((?P<name>[A-Z][A-Za-z.&'\u2019-]+(?: [A-Z][A-Za-z.&'\u2019-]+){0,3})\)\s*[-\u2013\u2014]{1,2}\s"
)
_AGENCY: Final = re.compile(
    r"\b(?P<name>AP|AFP|UPI|DPA|dpa|EFE|ANSA|PTI|IANS|AAP|TASS"
    r"|(?i:associated press|reuters|agence france[- ]presse|united press international"
    r"|bloomberg news|bloomberg|deutsche presse-agentur|xinhua|kyodo news|kyodo|pa media|press association"
    r"|canadian press"
    r"|australian associated press|yonhap|anadolu agency|press trust of india))\b"
)
# A text where _AGENCY matches holds one of its case-sensitive acronyms ("AP" also covers "AAP") or, once
# casefolded, a piece of one of its case-insensitive names. No piece holds an "i": "\u0130" and "\u0131" match
# "i" case-insensitively but do not casefold to it (the other such letters, "\u017f" and "\u212a", casefold to
# "s" and "k"). Both patterns are case-sensitive literals, which the regex engine scans for quickly.
_AGENCY_ACRONYM_HINT: Final = re.compile(r"AP|AFP|UPI|DPA|dpa|EFE|ANSA|PTI|IANS|TASS")
_AGENCY_NAME_HINT: Final = re.compile(r"press|reuters|bloomberg|nhua|kyodo|pa med|yonhap|anadolu")
_SIGN_OFF: Final = re.compile(r"[-\u2013\u2014]\s*(?P<name>[A-Za-z][A-Za-z .]{1,40}?)\s*\)?\.?$")
_DATE_START: Final = re.compile(rf"(?i)(?:{_MONTH}\s*\d|\d|(?:mon|tues?|wed|thur?s?|fri|sat|sun)[a-z]*\b)")
# a "full article" link needs one of these words (plain substring tests on the casefolded line are much
# faster than a case-insensitive regex scan)
LINK_KEYWORDS: Final[tuple[str, ...]] = ("full", "whole", "entire", "original", "rest of", "reading")
# What every credit shape anchored at the line start (_ORIGINALLY, _COPYRIGHT, _SOURCE_LINE, _VIA_LINE, the
# "continue reading on" link, a byline after its bullets) opens with: a line that does not open with one of
# these words skips them all. Bullets are non-word characters, so ``\W*`` covers them.
#: (An opener ending in a space is that word and one whitespace character: "a " is the article "a".)
CREDIT_OPENERS: Final[tuple[str, ...]] = (
    "originally", "first", "previously", "this", "a ", "an ", "\u00a9", "(c)", "copyright", "source", "credit",
    "courtesy", "via", "continue", "keep", "written", "posted", "story", "words", "reporting", "text",
    "compiled", "edited", "published", "by", "author", "reporter",
)
_CREDIT_START_WORDS: Final = r"\W*(?:" + "|".join(
    re.escape(opener.rstrip()) + (r"\s" if opener.endswith(" ") else "") for opener in CREDIT_OPENERS
) + ")"
_CREDIT_START: Final = re.compile(_CREDIT_START_WORDS, re.IGNORECASE)
# The same on a lower-cased ASCII line: the same verdict (for ASCII text, ignoring case is lower-casing),
# several times faster, as the regex engine skips a case-sensitive alternative on its first character.
_CREDIT_START_ASCII_LOWER: Final = re.compile(_CREDIT_START_WORDS)
_CONTRIBUTED: Final = re.compile(r"(?i)\bcontributed\s+(?:to\s+)?(?:this|the)\s+(?:report|story|article)")
_COPYRIGHT: Final = re.compile(r"(?i)^\W*(?:©|\(c\)|copyright\b)")
_NAME_CUT: Final = re.compile(
    r"(?i)\s*(?::\s|\s\|\s?|\s[-\u2013\u2014]\s|\(|;|\.\s|,"
    rf"|\s+on\s+(?:{_MONTH}|\d|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)"
    r"|\s+at\s+\d|\s+in\s+\d{4}|\s+(?:updated|published|posted)\b)"
)
_ROLE_WORDS: Final = frozenset(
    (
        "staff writer writers reporter reporters correspondent correspondents editor editors contributor "
        "contributors columnist special to the for senior chief political business news team desk and "
        "contributing a an our"
    ).split()
)
_SMALL_WORDS: Final = frozenset(("on of the and for at in by to a an from with").split())

#: Canonical spelling of each news agency, by case-folded match.
_AGENCY_NAMES: Final = MappingProxyType(
    {
        "ap": "AP",
        "associated press": "Associated Press",
        "reuters": "Reuters",
        "afp": "AFP",
        "agence france-presse": "AFP",
        "agence france presse": "AFP",
        "upi": "UPI",
        "united press international": "UPI",
        "bloomberg": "Bloomberg",
        "bloomberg news": "Bloomberg",
        "dpa": "dpa",
        "deutsche presse-agentur": "dpa",
        "efe": "EFE",
        "ansa": "ANSA",
        "xinhua": "Xinhua",
        "kyodo": "Kyodo",
        "kyodo news": "Kyodo",
        "pa media": "PA Media",
        "press association": "PA Media",
        "canadian press": "The Canadian Press",
        "aap": "AAP",
        "australian associated press": "AAP",
        "yonhap": "Yonhap",
        "tass": "TASS",
        "anadolu agency": "Anadolu Agency",
        "pti": "PTI",
        "press trust of india": "PTI",
        "ians": "IANS",
    }
)

_MAX_NAME_WORDS: Final = 8
_LONG_LINE_CHARS: Final = 600  # longer lines are body text: whitespace is not collapsed for them
_MAX_CREDIT_LINE_WORDS: Final = 60
_LINK_LINE_WORDS: Final = 30
_SHORT_LINE_WORDS: Final = 12


def _display(name: str, shouted: bool) -> str:
    """Title-case a name from a shouted line, keeping short acronyms ("BBC NEWS" -> "BBC News")."""
    if not shouted:
        return name
    words = []
    for i, word in enumerate(name.split()):
        low = word.casefold()
        if low in _SMALL_WORDS and i > 0:
            words.append(low)
        elif len(word) <= 3 and word.isalpha() and low not in _SMALL_WORDS:
            words.append(word)
        else:
            words.append(word.capitalize())
    return " ".join(words)


#: A web host as a credited name ("originally appeared on wired.com"): lower case, yet a name.
_HOST_NAME: Final = re.compile(r"(?:www\.)?[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,24}")


def _clean_name(raw: str, shouted: bool) -> str | None:
    """Cut a credited name out of the text that follows a credit phrase, or None if it is not a name.

    The name ends at the first separator (": ", " | ", " - ", "(", ";", ". ", ",") or at a trailing date;
    it must contain a letter and have at most a few words, and a capital, a digit or the shape of a host name,
    else the match was a sentence, not a credit.
    """
    m = _NAME_CUT.search(raw)
    name = raw[: m.start()] if m is not None else raw
    name = name.strip(" \t.,:;!?\"'\u201c\u201d\u2018\u2019*\u2022[]")
    if not name or not any(ch.isalpha() for ch in name):
        return None
    if len(name.split()) > _MAX_NAME_WORDS:
        return None
    if not shouted and not any(ch.isupper() or ch.isdigit() for ch in name) and _HOST_NAME.fullmatch(name) is None:
        return None  # (a lower-case word is a sentence going on, but a host name such as wired.com is a name)
    if _DATE_START.match(name) is not None:
        return None
    return _display(name, shouted)


def _has_keyword(low: str) -> bool:
    for keyword in LINK_KEYWORDS:  # noqa: SIM110  (a plain loop beats any() over a generator here)
        if keyword in low:
            return True
    return False


def _agencies(text: str) -> list[str]:
    """The news agencies named in ``text``, in order (``_AGENCY`` scans slowly, so a cheap test goes first)."""
    if _AGENCY_ACRONYM_HINT.search(text) is None and _AGENCY_NAME_HINT.search(text.casefold()) is None:
        return []
    return [_AGENCY_NAMES[m.group("name").casefold()] for m in _AGENCY.finditer(text)]


def _byline_credits(line: str) -> list[str]:
    """Names credited by a byline line, split on commas, role words ("Staff Writer") dropped."""
    name = byline_name(line)
    if name is None:
        return []
    name = re.split(r"\s*(?:\||\u00b7|\u2022|\s[-\u2013\u2014]\s)\s*", name, maxsplit=1)[0]
    names: list[str] = []
    for part in name.split(","):
        part = part.strip(" .;:")
        words = part.casefold().split()
        if not words or all(w in _ROLE_WORDS for w in words):
            continue
        if words[0] in ("updated", "published", "posted") or not any(ch.isalpha() for ch in part):
            continue
        names.append(part)
    return names


def _collapsed(stripped: str, plain: bool) -> str:
    """The line with each whitespace run made one space (lines longer than ``_LONG_LINE_CHARS`` as they are).

    A stripped line without a double space and without whitespace but spaces has nothing to collapse, and is
    returned without the costly split and join. ``plain`` (:func:`plain_ascii_spacing` of the whole text)
    answers the second test for an ASCII line; any other line asks ``isprintable`` (False for every
    whitespace character but the ASCII space).
    """
    if len(stripped) > _LONG_LINE_CHARS or (
        "  " not in stripped and ((plain and stripped.isascii()) or stripped.isprintable())
    ):
        return stripped
    return " ".join(stripped.split())


def _sign_off(text: str) -> str | None:
    """The agency (canonical spelling) that signs ``text`` off ("... - AP"), else None."""
    # _SIGN_OFF opens with a dash: three memchr-speed tests spare the regex scan on most lines
    if "-" not in text and "\u2013" not in text and "\u2014" not in text:
        return None
    m = _SIGN_OFF.search(text)
    if m is None:
        return None
    return _AGENCY_NAMES.get(m.group("name").strip().casefold())


def _line_credits(stripped: str, plain: bool) -> list[tuple[CreditKind, str]]:
    """Every credit one line gives, in a fixed order of kinds.

    Long lines (body paragraphs) are only checked for a wire dateline at their start and an agency sign-off
    at their end; the credit phrases are looked for only on lines that contain one of their keywords, and
    the credit shapes anchored at the line start only on lines that ``_CREDIT_START`` lets through.
    """
    out: list[tuple[CreditKind, str]] = []
    text = _collapsed(stripped, plain)
    words = text.count(" ") + 1
    credit_line = False

    head = text[:160]
    m = _DATELINE.match(head) if "(" in head else None
    if m is not None:
        name = m.group("name")
        out.append(("wire", _AGENCY_NAMES.get(name.casefold(), name)))

    # one anchored match rules out every credit shape that must open the line (most lines open with none)
    start = False
    low: str | None = None  # text.casefold(), when computed
    if words <= _MAX_CREDIT_LINE_WORDS:
        if text.isascii():
            low = text.lower()  # casefold() for ASCII
            start = _CREDIT_START_ASCII_LOWER.match(low) is not None
        else:
            start = _CREDIT_START.match(text) is not None
    if not start and words > _LINK_LINE_WORDS:
        # a body paragraph: only an agency sign-off at its end can still credit anyone
        agency = _sign_off(text[-48:])
        if agency is not None:
            out.append(("wire", agency))
        return out

    shouted = text.isupper()  # every cased character is upper case: a shouted line
    if start:
        # anchored at the line start, so a body paragraph fails after a few characters
        m = _ORIGINALLY.match(text)
        if m is not None:
            name = _clean_name(m.group("name") or m.group("name2") or "", shouted)
            if name is not None:
                out.append(("originally_appeared", name))
                credit_line = True
        if _COPYRIGHT.match(text) is not None:
            credit_line = True
    if words <= _LINK_LINE_WORDS:
        # these phrases may sit anywhere in the line: look only on shorter lines that have a keyword
        if low is None:
            low = text.casefold()
        if _has_keyword(low):
            m = _FULL_LINK.search(text)
            if m is not None:
                name = _clean_name(m.group("name") or m.group("name2") or m.group("name3") or "", shouted)
                if name is not None:
                    out.append(("full_article_link", name))
                    credit_line = True
        if "contributed" in low and _CONTRIBUTED.search(text) is not None:
            credit_line = True

    if words <= _SHORT_LINE_WORDS:
        if start:
            for name in _byline_credits(text):
                out.append(("byline", _display(name, shouted)))
                credit_line = True
            m = _SOURCE_LINE.match(text) or (_VIA_LINE.match(text) if words <= 5 else None)
            if m is not None:
                name = _clean_name(m.group("name"), shouted)
                if name is not None:
                    out.append(("source_line", name))
                    credit_line = True
        if words <= 4 and not text.endswith((".", "!", "?")):
            credit_line = True  # a bare agency name or sign-off line
        if _sign_off(text) is not None:
            credit_line = True

    if credit_line:
        out.extend(("wire", agency) for agency in _agencies(text))
    elif words > _SHORT_LINE_WORDS:
        agency = _sign_off(text[-48:])
        if agency is not None:
            out.append(("wire", agency))
    return out


# A plain web address: its host is all of its authority (no user, port or brackets, already lower case), and it
# holds nothing urlsplit would remove or reject (whitespace, control or non-ASCII characters).
_PLAIN_URL: Final = re.compile(r"https?://([a-z0-9.-]+)(?:[/?#][!-~]*)?")


def url_host(url: str) -> str | None:
    """The URL's host without ``www.``: ``urlsplit(url.strip()).hostname``, read directly from a plain web
    address (about ten times faster; every document has a URL), else from ``urlsplit``."""
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None:
        return plain.group(1).removeprefix("www.")
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


class LineCreditMemo(BoundedMemo[list[tuple[CreditKind, str]]]):
    """The credits of short lines already read (see :mod:`copydesk.memo`). Long lines (mostly unique body
    paragraphs, which two cheap tests rule out) are not kept."""

    __slots__ = ()

    def line_credits(self, stripped: str, plain: bool) -> list[tuple[CreditKind, str]]:
        if len(stripped) > _MEMO_LINE_CHARS:
            return _line_credits(stripped, plain)
        found = self.lookup(stripped)
        if found is MISSING:
            return self.store(stripped, _line_credits(stripped, plain))
        return found  # type: ignore[return-value]


#: Lines longer than this (in characters) are read afresh each time rather than remembered.
_MEMO_LINE_CHARS: Final[int] = 200


def extract_credits(
    text: str, *, url: str | None = None, source: str | None = None, memo: LineCreditMemo | None = None,
    line_codes: Sequence[int] | None = None,
) -> tuple[Credit, ...]:
    """Every party the document credits, from its original text and its ``url`` / ``source`` fields.

    Deduplicated on (kind, case-folded name), in order of appearance (text lines first, then the URL host,
    then the source field). ``memo`` (optional) remembers the credits of short lines across calls.
    ``line_codes`` (optional): the text's line scan (:func:`copydesk.clean.linescan.scan_lines`); a line it
    measured without ``MAY_CREDIT`` credits no one (none of the credit shapes can match it), and is skipped.
    """
    credits: list[Credit] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: CreditKind, name: str, line: int | None, evidence: str) -> None:
        key = (kind, name.casefold())
        if key not in seen:
            seen.add(key)
            credits.append(Credit(kind=kind, name=name, line=line, evidence=evidence))

    plain = plain_ascii_spacing(text)
    read_line = _line_credits if memo is None else memo.line_credits
    for number, raw in enumerate(split_lines(text), start=1):
        if not raw or (line_codes is not None and line_codes[number - 1] >= 0
                       and not line_codes[number - 1] & MAY_CREDIT):
            continue
        stripped = raw.strip()
        if not stripped:
            continue
        for kind, name in read_line(stripped, plain):
            add(kind, name, number, stripped)

    if url:
        host = url_host(url)
        if host:
            add("url_host", host, None, url)
    if source and source.strip():
        add("source_field", source.strip(), None, source)
    return tuple(credits)
