from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.clean.crosscopy import MAX_WORDS, _holds_line, cross_copy_clean

BODY = [
    "The council voted on Tuesday to extend the ferry service through the winter months.",
    "“We heard from hundreds of residents,” the mayor said after the vote.",
]


def test_lines_only_one_copy_has_and_shaped_like_boilerplate_go() -> None:
    canonical = "\n\n".join(["Most popular on the Tribune", *BODY, "Weekend edition extras"])
    other = "\n\n".join(["Posted in Local", *BODY, "Share this story"])
    text, removed = cross_copy_clean(canonical, [other])
    assert removed == ["Most popular on the Tribune", "Weekend edition extras"]
    assert text == "\n\n".join(BODY)


def test_shared_and_sentence_lines_stay() -> None:
    subhead = "Winter timetable"
    canonical = "\n\n".join([BODY[0], subhead, BODY[1], "The vote passed 7-2."])
    other = "\n\n".join([BODY[0], subhead, BODY[1]])
    text, removed = cross_copy_clean(canonical, [other])
    assert removed == []  # the subhead is shared; the short unshared line is a sentence
    assert text == canonical


def test_without_other_copies_nothing_changes() -> None:
    assert cross_copy_clean("Short line\nAnother", []) == ("Short line\nAnother", [])


def _reference(text: str, other_copies: list[str]) -> tuple[str, list[str]]:
    """The rule written plainly: tokenise every line and every copy, test each short unpunctuated line."""
    from copydesk.sketch.shingle import token_stream

    if not other_copies:
        return text, []
    lines = text.split("\n")
    values, offsets = token_stream(lines)
    o_values, o_offsets = token_stream(other_copies)
    others = [o_values[o_offsets[i] : o_offsets[i + 1]].tobytes() for i in range(len(other_copies))]
    kept, removed = [], []
    for i, line in enumerate(lines):
        words = int(offsets[i + 1] - offsets[i])
        shaped = 0 < words <= MAX_WORDS and not line.rstrip().endswith((".", "!", "?", '"', "\u201d", ":"))
        if shaped and not any(values[offsets[i] : offsets[i + 1]].tobytes() in o for o in others):
            removed.append(line)
            continue
        kept.append(line)
    out: list[str] = []
    for line in kept:
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out), removed


_WORDS = ["ferry", "council", "vote", "Most", "popular", "Share", "story", "winter", "***", "—", "“Yes”"]
_LINE = st.lists(st.sampled_from(_WORDS), max_size=18).map(" ".join).flatmap(
    lambda body: st.sampled_from(["", ".", ":", "?", "  ", " »"]).map(lambda end: body + end)
)


@given(st.lists(_LINE, max_size=12), st.lists(st.lists(_LINE, max_size=8).map("\n".join), max_size=3))
@settings(max_examples=300, deadline=None)
def test_matches_the_plain_rule(lines: list[str], others: list[str]) -> None:
    text = "\n".join(lines)
    assert cross_copy_clean(text, others) == _reference(text, others)


_PIECES = ["ferry", "ferry news", "news", " ", "\t", "\r", "\u00a0", "\n", "x"]


@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join),
       st.lists(st.sampled_from(_PIECES), min_size=1, max_size=4).map("".join))
@settings(max_examples=500, deadline=None)
def test_holds_line_is_membership_among_the_stripped_lines(text: str, line: str) -> None:
    """The substring search that spares tokenising answers exactly "is this one of the text's lines, up to
    whitespace at its ends", also where the line occurs inside longer lines first."""
    stripped = line.replace("\n", " ").strip()
    if stripped:
        assert _holds_line(text, stripped) == (stripped in {x.strip() for x in text.split("\n")})
