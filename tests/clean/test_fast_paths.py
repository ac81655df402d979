"""The fast paths of cleaning, corpus counting and credits give exactly what the plain rules give.

The plain rules below are the straightforward versions the fast code replaced (one predicate per rule, one
normalisation per line, one regex scan per line); they are the specification. Each fast path is compared
with them on texts built from rule keywords, awkward whitespace, case-folding traps and non-ASCII letters,
and on the bundled fixtures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk import provenance as pv
from copydesk.clean import boilerplate as bp
from copydesk.clean.corpus import SourceLineStats, _line_key, _norm_key, _norm_keys, _text_keys

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "tests" / "data").rglob("*.txt")) + sorted((ROOT / "examples").rglob("*.txt"))

# ----------------------------------------------------------------------------------------------------------
# texts that reach every rule and every shortcut

# fmt: off
_FRAGMENTS = (
    # rule and credit keywords
    "By Ana Ruiz", "by ", "BY ", "Written by ", "Author: ", "This article originally appeared on ",
    "this story was first published by ", "A version of this story ", "Originally published in ",
    "CLICK HERE FOR FULL ARTICLE ON ", "Read the full story at ", "Continue reading on ", "Source: ",
    "Courtesy of ", "via ", "(AP) \u2014 ", "LONDON, Jan 5 (Reuters) - ", " - AP", " \u2014 AFP", "Reuters",
    "Associated Press", "the Canadian Press", "dpa", " contributed to this report", "\u00a9 2024 ",
    "(c) 2023 ", "Copyright ", "All rights reserved", "Advertisement", "Sponsored", "Story continues below",
    "Share", " Facebook Twitter Email", "Sign up", " for our newsletter", "Newsletter", " to your inbox",
    "Thanks for signing up", "Click here", "Read more", "Read more: ", "Related: ", "Most read",
    "You may also like", "Home > World > Europe", " | ", " / ", " :: ", "Menu Home News Sport Weather",
    "Terms of Use | Privacy Policy", "Contact us", "We use cookies", " cookies", "Accept cookies",
    "Oops! Something went wrong. ", "Please try again later.", "Loading", "lorem ipsum", "Updated ",
    "Published 13 Sep 2023", "12:30 pm", "2024-01-14", "3 min read", "12 Comments", "Leave a comment",
    "Harbour: ", "Council approves repairs to the breakwater after the storm", "\u201cWe said so,\u201d she said.",
    "Q: ", "us ", "said ", "I ", "Topic: Headline Is Here Now",
    # what the start shapes of the rules and credits open with
    "Watch: ", "Listen | ", "Must read: ", "ICYMI: ", "More from the harbour: ", "Up next", "Editor's picks",
    "Don't miss", "Around the web", "Trending now", "Recommended for you", "Text by ", "Words by ",
    "Story by ", "Reporting by ", "Compiled by ", "Edited by ", "Published by ", "Posted by ", "Reporter: ",
    "Credit: ", "Credits: ", "Sources: ", "Keep reading at ", "Previously published on ",
    "First appeared in ", "An earlier version of this article ", "was published ", "Oops", "Whoops",
    "Enable JavaScript", "Your browser does not support the video tag", "Paid content", "Promoted by ",
    "Partner content", "Ad feedback", "Scroll to continue", "No comments", "Join the conversation",
    "Subscribe to ", "Get our ", "Enter your email", "Load more", "See the full report",
    "By continuing to use this site you agree to our use of cookies", "Our site uses cookies",
    "We value your privacy", "This material may not be published", "Log in", "Print", "Sitemap",
    "Citation: ", " retrieved ", " are registered trademarks of ", "Unsubscribe at any time",
    "Use of this site constitutes acceptance of our User Agreement. ",
    # body text, long and short
    "The council voted on Tuesday to spend four million repairing the north breakwater, ",
    "which was cracked by a winter storm that flooded the fish market. ", "He said. ", "Why? ",
    # whitespace (spaces three times: the most common separator) and controls
    " ", " ", " ", "  ", "\t", "\r", "\u00a0", "\u2003", "\u200b", "\x0c", "\x1f", "\x01", "\u2028", "\u0085",
    # bullets and dashes
    "\u2022 ", "* ", "- ", "\u2013", "\u2014", "~", "\u00b7 ", "***",
    # case folding and compatibility traps
    "\u0130", "\u0131", "\u017f", "\u212a", "\ufb01", "\u00df", "\uff21\uff30", "\u2019", "\u2018", "\u0301",
    "\u2474", "TEXT", "Story", "\u00ab", "'", '"', "\u201c", "0", "7", "2024", "\u0663",
)
# fmt: on


def _line_text(parts: list[str]) -> str:
    return "".join(parts)


lines_strategy = st.lists(st.sampled_from(_FRAGMENTS), min_size=0, max_size=14).map(_line_text)
texts_strategy = st.lists(lines_strategy, min_size=0, max_size=18).map("\n".join)


def _fixture_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in FIXTURES]


# ----------------------------------------------------------------------------------------------------------
# the plain rules (the specification of boilerplate pass 1 and of clean_text)

_PLAIN_BREADCRUMB_SPLIT = re.compile(r"\s*(?:>|\u203a|\u00bb|\u2192|\s/\s|\s\|\s|::)\s*")


def _plain_tokens(ln: bp._Line) -> list[str]:
    return bp._PATTERNS.tokens.findall(ln.norm)


def _plain_rule(ln: bp._Line) -> str | None:
    """The pass-1 rules as one predicate each, tried in order."""
    p = bp._PATTERNS
    norm, words = ln.norm, ln.words

    def legal() -> bool:
        if p.legal_start.match(norm) is not None or (words <= 60 and bp._contains_any(norm, p.legal_phrases)):
            return True
        if words > 60 and sum(phrase in norm for phrase in p.legal_phrases) >= 2:  # a long legal notice
            return True
        if words > 15 or ln.terminal:
            return False
        toks = _plain_tokens(ln)
        return (
            bool(toks) and all(t in bp._LEGAL_VOCAB for t in toks) and any(t in bp._LEGAL_CORE for t in toks)
        )

    def cookie() -> bool:
        if p.cookie_shape.match(norm) is not None:
            return True
        return words <= 10 and "cookie" in norm and p.cookie_short.match(norm) is not None

    def credit() -> bool:
        if words <= 60 and p.credit.match(norm) is not None:
            return True
        return words <= 8 and p.source_line.match(norm) is not None

    def timestamp() -> bool:
        if p.digit.search(norm) is None or p.timestamp.fullmatch(norm) is None:
            return False
        return p.letter_or_time.search(norm) is not None

    def byline() -> bool:
        return p.comment_counter.fullmatch(norm) is not None or bp._byline_name(ln.stripped, p) is not None

    def share() -> bool:
        toks = _plain_tokens(ln)
        return (
            bool(toks)
            and all(t in bp._SHARE_VOCAB or t.isdigit() for t in toks)
            and any(t in bp._SHARE_CORE for t in toks)
        )

    def newsletter() -> bool:
        if ln.quote:
            return False
        return p.newsletter.match(norm) is not None or bp._contains_any(norm, p.newsletter_phrases)

    def click() -> bool:
        return p.click_here.match(norm) is not None or bp._contains_any(norm, p.click_here_phrases)

    def related() -> bool:
        if words <= 8 and p.related_header.fullmatch(norm) is not None:
            return True
        return p.related_prefix.match(norm) is not None

    def navigation() -> bool:
        if ln.terminal:
            return False
        parts = _PLAIN_BREADCRUMB_SPLIT.split(norm)
        if (
            len(parts) >= 2
            and (len(parts) >= 3 or parts[0] in bp._NAV_ROOTS)
            and all(0 < len(part.split()) <= 3 for part in parts)
        ):
            return True
        if words < 3:
            return False
        toks = _plain_tokens(ln)
        return bool(toks) and all(t in bp._NAV_VOCAB for t in toks)

    rules: tuple[tuple[str, int, Callable[[], bool]], ...] = (
        ("placeholder", 1 << 30, lambda: bp._contains_any(norm, p.placeholder_phrases)),
        ("widget_error", 30, lambda: p.widget_error.fullmatch(norm) is not None),
        ("legal_footer", 120, legal),
        ("cookie_banner", 120, cookie),
        ("credit", 60, credit),
        ("advertisement", 10, lambda: p.advertisement.fullmatch(norm) is not None),
        ("timestamp", 16, timestamp),
        ("byline", 12, byline),
        ("share_row", 12, share),
        ("newsletter", 25, newsletter),
        ("click_here", 15, click),
        ("related_block", 25, related),
        ("navigation", 20, navigation),
    )
    for name, max_words, predicate in rules:
        if words <= max_words and predicate():
            return name
    return None


def _plain_clean(text: str, check: Callable[[str], bool] | None = None) -> bp.CleanResult:
    """clean_text as first written: one normalisation per line, the plain rules, a line-by-line output."""
    p = bp._PATTERNS
    raw_lines = [line.removesuffix("\r") for line in text.split("\n")]
    lines = [
        ln
        for ln in (bp._line_of(i, raw, bp.normalise_line(raw)) for i, raw in enumerate(raw_lines) if raw.strip())
        if ln.norm
    ]
    content = {ln.index for ln in lines}
    removed: dict[int, str] = {}
    prev_norm = ""
    for ln in lines:
        rule = _plain_rule(ln)
        if rule is not None:
            removed[ln.index] = rule
        elif ln.norm == prev_norm:
            removed[ln.index] = "repeated_line"
        elif check is not None and len(ln.stripped) <= bp.SOURCE_BOILERPLATE_MAX_CHARS and check(ln.raw):
            removed[ln.index] = "source_boilerplate"
        prev_norm = ln.norm
    kept = bp.context_rules(lines, removed, p)  # pass 2 has no fast path: shared with clean_text
    out: list[str] = []
    pending_break = False
    for i, raw in enumerate(raw_lines):
        if i not in content:
            pending_break = bool(out)
            continue
        if i in removed:
            continue
        if pending_break:
            out.append("")
            pending_break = False
        out.append(raw)
    removals = tuple(
        bp.RemovedLine(line=i + 1, text=raw_lines[i], rule=rule) for i, rule in sorted(removed.items())
    )
    return bp.CleanResult(text="\n".join(out), title=bp._find_title(kept), removed=removals)


# ----------------------------------------------------------------------------------------------------------
# boilerplate


@settings(max_examples=400, deadline=None)
@given(lines_strategy)
def test_first_rule_is_the_plain_rules(line: str) -> None:
    norm = bp.normalise_line(line)
    if norm:
        ln = bp._line_of(0, line, norm)
        assert bp._first_rule(ln, bp._PATTERNS) == _plain_rule(ln)


@settings(max_examples=150, deadline=None)
@given(texts_strategy)
def test_clean_text_is_the_plain_clean(text: str) -> None:
    assert bp.clean_text(text) == _plain_clean(text)


def test_clean_text_is_the_plain_clean_on_fixtures() -> None:
    for text in _fixture_texts():
        assert bp.clean_text(text) == _plain_clean(text)


@settings(max_examples=300, deadline=None)
@given(texts_strategy)
def test_split_normalised_is_normalise_line_per_line(text: str) -> None:
    lines, norms = bp.split_normalised(text)
    assert lines == bp.split_lines(text)
    assert norms == [bp.normalise_line(line) for line in lines]


@settings(max_examples=300, deadline=None)
@given(lines_strategy)
def test_breadcrumb_split_and_mark_keep_their_meaning(line: str) -> None:
    norm = bp.normalise_line(line)
    assert bp._PATTERNS.breadcrumb_split.split(norm) == _PLAIN_BREADCRUMB_SPLIT.split(norm)
    if bp._PATTERNS.breadcrumb_mark.search(norm) is None:
        assert len(_PLAIN_BREADCRUMB_SPLIT.split(norm)) == 1


# ----------------------------------------------------------------------------------------------------------
# corpus evidence


def _docs_of(texts: list[str]) -> list[tuple[str, str]]:
    return [(("alpha", "beta")[i % 2], text) for i, text in enumerate(texts)]


@settings(max_examples=100, deadline=None)
@given(st.lists(texts_strategy, min_size=1, max_size=6))
def test_line_keys_and_checkers_are_the_per_line_ones(texts: list[str]) -> None:
    stats = SourceLineStats(min_docs=2)
    docs = _docs_of(texts + texts)  # every line seen at least twice per source
    for source, text in docs:
        assert _text_keys(7, text) == {
            k
            for line in bp.split_lines(text)
            if bp.stripped_length(line) <= bp.SOURCE_BOILERPLATE_MAX_CHARS and (k := _line_key(7, line)) is not None
        }
        stats.observe(source, text)
    frozen = stats.freeze()
    for source, text in docs:
        norms = bp.split_normalised(text)[1]
        assert _norm_keys(7, norms) == [_norm_key(7, norm) for norm in norms]
        for checker in (stats.checker(source), frozen.checker(source)):
            assert checker.on_normalised_many is not None
            assert checker.on_normalised_many(norms) == [checker.on_normalised(norm) for norm in norms]
            # the batched check and a plain one-argument check clean alike
            assert bp.clean_text(text, is_source_boilerplate=checker) == _plain_clean(text, checker)


# ----------------------------------------------------------------------------------------------------------
# credits: the plain per-line extraction


def _plain_line_credits(stripped: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    text = stripped if len(stripped) > pv._LONG_LINE_CHARS else " ".join(stripped.split())
    words = text.count(" ") + 1
    shouted = text.isupper()
    credit_line = False
    head = text[:160]
    m = pv._DATELINE.match(head) if "(" in head else None
    if m is not None:
        out.append(("wire", pv._AGENCY_NAMES.get(m.group("name").casefold(), m.group("name"))))
    if words <= pv._MAX_CREDIT_LINE_WORDS:
        m = pv._ORIGINALLY.match(text)
        if m is not None:
            name = pv._clean_name(m.group("name") or m.group("name2") or "", shouted)
            if name is not None:
                out.append(("originally_appeared", name))
                credit_line = True
        if pv._COPYRIGHT.match(text) is not None:
            credit_line = True
    if words <= pv._LINK_LINE_WORDS:
        low = text.casefold()
        if pv._has_keyword(low):
            m = pv._FULL_LINK.search(text)
            if m is not None:
                name = pv._clean_name(m.group("name") or m.group("name2") or m.group("name3") or "", shouted)
                if name is not None:
                    out.append(("full_article_link", name))
                    credit_line = True
        if "contributed" in low and pv._CONTRIBUTED.search(text) is not None:
            credit_line = True
    if words <= pv._SHORT_LINE_WORDS:
        for name in pv._byline_credits(text):
            out.append(("byline", pv._display(name, shouted)))
            credit_line = True
        m = pv._SOURCE_LINE.match(text) or (pv._VIA_LINE.match(text) if words <= 5 else None)
        if m is not None:
            name = pv._clean_name(m.group("name"), shouted)
            if name is not None:
                out.append(("source_line", name))
                credit_line = True
        if words <= 4 and not text.endswith((".", "!", "?")):
            credit_line = True
        m = pv._SIGN_OFF.search(text)
        if m is not None and m.group("name").strip().casefold() in pv._AGENCY_NAMES:
            credit_line = True
    if credit_line:
        out.extend(("wire", pv._AGENCY_NAMES[m.group("name").casefold()]) for m in pv._AGENCY.finditer(text))
    elif words > pv._SHORT_LINE_WORDS:
        m = pv._SIGN_OFF.search(text[-48:])
        if m is not None and m.group("name").strip().casefold() in pv._AGENCY_NAMES:
            out.append(("wire", pv._AGENCY_NAMES[m.group("name").strip().casefold()]))
    return out


def _plain_credits(text: str) -> list[tuple[str, str, int]]:
    found: list[tuple[str, str, int]] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(bp.split_lines(text), start=1):
        stripped = raw.strip()
        if stripped:
            for kind, name in _plain_line_credits(stripped):
                if (kind, name.casefold()) not in seen:
                    seen.add((kind, name.casefold()))
                    found.append((kind, name, number))
    return found


def _credits(text: str) -> list[tuple[str, str, int]]:
    return [(c.kind, c.name, c.line) for c in pv.extract_credits(text) if c.line is not None]


@settings(max_examples=400, deadline=None)
@given(texts_strategy)
def test_extract_credits_is_the_plain_extraction(text: str) -> None:
    assert _credits(text) == _plain_credits(text)


def test_extract_credits_is_the_plain_extraction_on_fixtures() -> None:
    for text in _fixture_texts():
        assert _credits(text) == _plain_credits(text)


@settings(max_examples=300, deadline=None)
@given(lines_strategy)
def test_credit_shortcuts_never_skip_a_match(line: str) -> None:
    text = " ".join(line.split())
    if pv._AGENCY.search(text) is not None:  # the agency hints are necessary conditions
        assert (
            pv._AGENCY_ACRONYM_HINT.search(text) is not None
            or pv._AGENCY_NAME_HINT.search(text.casefold()) is not None
        )
    if text.isascii():  # the lower-cased gate is the case-insensitive one on ASCII
        assert (pv._CREDIT_START_ASCII_LOWER.match(text.lower()) is None) == (
            pv._CREDIT_START.match(text) is None
        )


# ----------------------------------------------------------------------------------------------------------
# per-batch memos: remembering a line's verdict or credits never changes a result


@settings(max_examples=150, deadline=None)
@given(st.lists(texts_strategy, min_size=1, max_size=6), st.integers(min_value=1, max_value=8))
def test_line_verdicts_shared_across_texts_change_nothing(texts: list[str], max_entries: int) -> None:
    # a tiny bound also exercises the memo starting afresh when full
    verdicts = bp.LineVerdicts(max_entries=max_entries)
    memo = pv.LineCreditMemo(max_entries=max_entries)
    for text in texts + texts:  # the second round answers from the memos
        assert bp.clean_text(text, verdicts=verdicts) == bp.clean_text(text)
        assert pv.extract_credits(text, memo=memo) == pv.extract_credits(text)


def test_line_verdicts_on_fixtures() -> None:
    verdicts = bp.LineVerdicts()
    memo = pv.LineCreditMemo()
    texts = _fixture_texts()
    for text in texts + texts:
        assert bp.clean_text(text, verdicts=verdicts) == _plain_clean(text)
        assert pv.extract_credits(text, memo=memo) == pv.extract_credits(text)
