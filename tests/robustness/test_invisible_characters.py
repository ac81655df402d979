"""Issue 17, class 1: invisible characters, homoglyphs and HTML character references must not hide a copy.

CMSs and hyphenation plugins put soft hyphens and zero-width characters inside words; scrapers leave
``&#8217;`` and ``&amp;`` in plain text; spam and some scrapers slip Cyrillic letters into Latin words. A reader
sees the same article; matching must too, whatever the input format, and a copy printed with character
references is no better a canonical copy than its clean twin."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import copydesk
from copydesk import Reason, Role
from passage_fixtures import SEAWALL, SEAWALL_HEADLINE

STORY = "\n\n".join([SEAWALL_HEADLINE, *SEAWALL]) + "\n"
#: Unicode format characters (category Cf) that web text carries inside words.
INVISIBLE = ("\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f")


def _in_every_word(text: str, char: str) -> str:
    """``char`` inside every word of four letters or more (after its second letter), as a hyphenation plugin
    puts soft hyphens."""
    return " ".join(w[:2] + char + w[2:] if len(w) >= 4 and w.isalpha() else w for w in text.split(" "))


def _run(folder: Path) -> copydesk.RunResult:
    cfg = copydesk.RunConfig()
    return copydesk.dedup(copydesk.read_inputs([folder], cfg.read), cfg)


def _roles(result: copydesk.RunResult) -> dict[str, copydesk.Decision]:
    return {d.doc_id: d for d in result.decisions}


def test_every_format_character_inside_every_word_still_matches_in_text_and_jsonl(tmp_path: Path) -> None:
    """One copy per invisible character, each with that character inside every word, beside the clean story:
    as text files and as JSONL records, all are one cluster of exact copies (the characters vanish in
    matching; the texts themselves are kept as they were)."""
    texts = {"clean": STORY, **{f"cf-{ord(c):04x}": _in_every_word(STORY, c) for c in INVISIBLE}}
    folder = tmp_path / "txt"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()), encoding="utf-8")
    for result in (_run(folder), _run(jsonl)):
        assert len(result.clusters) == 1, result.summary
        cluster = result.clusters[0]
        assert len(cluster.members) == len(texts) - 1
        assert all(role is Role.NEAR_DUPLICATE for role in cluster.roles)
        assert all(d.reason is Reason.EXACT_COPY for d in result.decisions if d.role is Role.NEAR_DUPLICATE)


def test_a_copy_with_cyrillic_homoglyphs_in_latin_words_matches() -> None:
    """A Cyrillic "а", "е", "о", "р", "с" slipped into Latin words reads the same: the copy is an exact copy for
    matching. Russian text keeps its own words (each letter folds to a different Latin one)."""
    swap = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"})
    rng = random.Random(7)
    words = [w.translate(swap) if rng.random() < 0.3 else w for w in STORY.split(" ")]
    pair = copydesk.compare_texts(STORY, " ".join(words))
    assert pair.label == "near_duplicate" and pair.exact, pair
    russian = copydesk.compare_texts("Городской совет утвердил строительство дамбы в порту.",
                                     "Городской совет отклонил строительство моста в порту.")
    assert russian.jaccard < 0.5, russian


def test_html_character_references_in_plain_text_match_and_lose_the_canonical_choice(tmp_path: Path) -> None:
    """A copy printed with ``&#8217;``, ``&#8220;``, ``&amp;`` and ``&nbsp;`` where its twin has the
    characters: they are exact copies, the twin is canonical (the copy was read with a repair), and the copy's
    decision records the repair. Its id sorts first, so only the repair count can decide."""
    clean = STORY.replace("Port Ellison", "Port Ellison & Co.\u00a0harbor")
    encoded = (clean.replace("\u2019", "&#8217;").replace("\u201c", "&#8220;").replace("&", "&amp;", 1)
               .replace("\u00a0", "&nbsp;"))
    assert encoded.count("&") >= 2 and encoded != clean
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "a-encoded.txt").write_text(encoded, encoding="utf-8")
    (folder / "b-clean.txt").write_text(clean, encoding="utf-8")
    result = _run(folder)
    roles = _roles(result)
    assert roles["b-clean.txt"].role is Role.CANONICAL, roles
    assert roles["b-clean.txt"].reason is Reason.FEWEST_REPAIRS, roles["b-clean.txt"]
    assert roles["a-encoded.txt"].reason is Reason.EXACT_COPY
    assert any("HTML character reference" in w for w in roles["a-encoded.txt"].warnings)
    assert result.summary["input_problems"] == 0  # (a note, not a problem of the input: the run exits 0)
    # a reference that stands for a line break or for no character stays as it is
    text = copydesk.read_inputs
    line_break = folder / "c-breaks.txt"
    line_break.write_text("one&#10;two &#0; three &bogus; four\n", encoding="utf-8")
    (doc,) = [d for d in text([line_break], copydesk.RunConfig().read) if isinstance(d, copydesk.Document)]
    assert doc.text == "one&#10;two &#0; three &bogus; four\n"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(INVISIBLE)), min_size=1, max_size=60))
def test_random_invisible_characters_anywhere_inside_words_never_hide_the_copy(
    inserts: list[tuple[int, str]],
) -> None:
    """Format characters inserted at random places of the story (inside words, between them, at its ends) leave
    the copy exact for matching."""
    text = list(STORY)
    for at, char in sorted(inserts, reverse=True):
        text.insert(at % (len(text) + 1), char)
    pair = copydesk.compare_texts(STORY, "".join(text))
    assert pair.label == "near_duplicate" and pair.exact, pair
