from __future__ import annotations

from copydesk.clean.crosscopy import cross_copy_clean

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
