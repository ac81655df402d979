"""Shared passages of a pair (``copydesk.passages.align_pairs``) on hand-written news text.

Shingles are those ``dedup`` uses (``ordered_shingles`` with the default ``ShingleConfig``), and the passage
settings are the defaults of ``VerifyConfig``, so each case shows what ``dedup`` sees on such a pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.config import RunConfig
from copydesk.passages import PassageTable, align_pairs
from copydesk.sketch.shingle import ordered_shingles
from passage_fixtures import SEAWALL, SEAWALL_HEADLINE, article

CFG = RunConfig()


def align(texts: Sequence[str], pairs: Sequence[tuple[int, int]]) -> PassageTable:
    """``align_pairs`` on ``texts`` for the given (left, right) pairs, with the run's default settings."""
    values, offsets = ordered_shingles(list(texts), CFG.shingle)
    v = CFG.verify
    left = np.array([p[0] for p in pairs], dtype=np.int64)
    right = np.array([p[1] for p in pairs], dtype=np.int64)
    return align_pairs(values, offsets, left, right, CFG.shingle.size, v.passage_max_gap, v.passage_min_words,
                       v.excerpt_min_passage)


def words_of(text: str) -> int:
    """Words of ``text`` as the passages count them (shingles + size - 1)."""
    _, offsets = ordered_shingles([text], CFG.shingle)
    n = int(offsets[1] - offsets[0])
    return n + CFG.shingle.size - 1 if n else 0


FULL = article(SEAWALL_HEADLINE, SEAWALL)


def test_identical_docs_cover_each_other_completely() -> None:
    """A doc and its exact copy share one passage covering every word of both."""
    t = align([FULL, FULL], [(0, 1)])
    assert t.cover_a[0] == 1.0 and t.cover_b[0] == 1.0
    assert t.count[0] == 1
    assert t.longest[0] == words_of(FULL)
    assert t.passages(0) == [(0, words_of(FULL), 0, words_of(FULL))]


def test_an_excerpt_of_the_first_three_paragraphs() -> None:
    """The headline and first three of eight paragraphs: the excerpt is covered entirely, the full copy in the
    share of its words the excerpt holds (about 3/8), as one passage at the start of both docs."""
    excerpt = article(SEAWALL_HEADLINE, SEAWALL[:3])
    t = align([excerpt, FULL], [(0, 1)])
    assert t.cover_a[0] == 1.0
    expected = words_of(excerpt) / words_of(FULL)
    assert abs(expected - 0.375) < 0.03  # the fixture is what the case says
    assert abs(float(t.cover_b[0]) - expected) < 1e-9
    assert t.count[0] == 1
    assert t.passages(0) == [(0, words_of(excerpt), 0, words_of(excerpt))]
    assert t.first_a[0] == 0 and t.first_b[0] == 0


def test_moved_paragraphs_still_cover_both_docs() -> None:
    """The same eight paragraphs in another order (a copy whose editor moved them): every paragraph is a
    shared run, so both docs are covered in full, whatever the order."""
    order = (0, 4, 1, 7, 2, 6, 3, 5)
    moved = article(SEAWALL_HEADLINE, [SEAWALL[k] for k in order])
    t = align([moved, FULL], [(0, 1)])
    assert t.cover_a[0] >= 0.99 and t.cover_b[0] >= 0.99
    assert t.longest[0] >= min(len(p.split()) for p in SEAWALL)


def _every_nth_word_changed(text: str, n: int) -> str:
    words = text.split(" ")
    return " ".join(f"{w}x" if (k + 1) % n == 0 else w for k, w in enumerate(words))


def test_a_copy_with_a_word_changed_every_30_words_is_one_passage() -> None:
    """A copy edited lightly throughout (one word in every 30 changed) still shares one passage with the
    original: the gaps a changed word leaves are shorter than ``passage_max_gap``; only the changed words are
    outside it."""
    edited = _every_nth_word_changed(FULL, 30)
    assert edited != FULL
    t = align([edited, FULL], [(0, 1)])
    assert t.count[0] == 1
    assert t.cover_a[0] >= 0.93 and t.cover_b[0] >= 0.93
    assert t.longest[0] >= 0.95 * words_of(FULL)


TEMPLATE = (
    "{team} defeated {opp} {score} on {day} night at {venue}, improving to {record} on the season. {player} "
    "scored twice in the {half} half, and goalkeeper {keeper} made {saves} saves to preserve the win. Coach "
    "{coach} said afterward that the team had worked all week on {focus}. {team} will host {next} on "
    "{nextday} at {time} in a game that could decide the {league} title."
)
FILLS = (
    {"team": "Riverside", "opp": "Oak Valley", "score": "3-1", "day": "Friday", "venue": "Memorial Field",
     "record": "9-2-1", "player": "Maya Chen", "half": "second", "keeper": "Ellie Ford", "saves": "seven",
     "coach": "Dan Petrosky", "focus": "defending corner kicks", "next": "Westfield", "nextday": "Tuesday",
     "time": "6 p.m.", "league": "Metro East"},
    {"team": "Lakeside", "opp": "North Harbor", "score": "2-0", "day": "Wednesday", "venue": "Carver Stadium",
     "record": "6-5", "player": "Jonas Alvarez", "half": "first", "keeper": "Sam Okoye", "saves": "four",
     "coach": "Rita Vance", "focus": "passing out of pressure", "next": "Cedar Hills", "nextday": "Saturday",
     "time": "noon", "league": "Bay Conference"},
)


def test_a_template_filled_with_other_names_has_no_passage() -> None:
    """Two game reports from one template (a sports desk's stock phrasing, other teams, players and numbers):
    they share many short phrases, yet no run of shared shingles spans ``passage_min_words`` words, so there
    is no passage and nothing is covered."""
    a, b = TEMPLATE.format(**FILLS[0]), TEMPLATE.format(**FILLS[1])
    values, offsets = ordered_shingles([a, b], CFG.shingle)
    shared = np.isin(values[offsets[0]:offsets[1]], values[offsets[1]:offsets[2]]).sum()
    assert shared >= 10  # they do share stock phrases
    t = align([a, b], [(0, 1)])
    assert t.count[0] == 0 and t.longest[0] == 0
    assert t.cover_a[0] == 0.0 and t.cover_b[0] == 0.0
    assert t.passages(0) == []
    assert t.first_a[0] == -1 and t.first_b[0] == -1


def _uncovered_runs(text: str, other: str, span: tuple[int, int]) -> int:
    """The longest run of words inside ``span`` of ``text`` that no shingle shared with ``other`` covers."""
    values, offsets = ordered_shingles([text, other], CFG.shingle)
    mine, theirs = values[offsets[0]:offsets[1]], values[offsets[1]:offsets[2]]
    shared = np.isin(mine, theirs)
    size = CFG.shingle.size
    covered = np.zeros(mine.shape[0] + size - 1, dtype=bool)
    for i in np.flatnonzero(shared).tolist():
        covered[i : i + size] = True
    longest = run = 0
    for w in range(span[0], span[1]):
        run = 0 if covered[w] else run + 1
        longest = max(longest, run)
    return longest


INSERTED = (
    "The harbor district was first settled in the 1790s, and many of its brick warehouses date from the "
    "years when Port Ellison shipped lumber and granite to Boston and New York. Several of them now house "
    "restaurants and galleries whose owners say their insurance premiums have tripled since the last big "
    "storm."
)


def test_a_paragraph_inserted_by_a_copy_is_inside_no_passage() -> None:
    """A copy that inserts one new paragraph of background into the middle of the story shares two passages
    with the original, one each side of it; no passage span, in either doc, holds the inserted paragraph (more
    than ``passage_max_gap`` words that the other doc lacks)."""
    copy = article(SEAWALL_HEADLINE, [*SEAWALL[:4], INSERTED, *SEAWALL[4:]])
    t = align([copy, FULL], [(0, 1)])
    gaps = [(_uncovered_runs(copy, FULL, (a0, a1)), _uncovered_runs(FULL, copy, (b0, b1)))
            for a0, a1, b0, b1 in t.passages(0)]
    assert all(ga <= CFG.verify.passage_max_gap and gb <= CFG.verify.passage_max_gap for ga, gb in gaps), gaps
    assert t.count[0] == 2


# ----------------------------------------------------------------------------------------------------------
# laws

VOCAB = ["the", "council", "voted", "to", "build", "a", "wall", "on", "tuesday", "said", "mayor", "city",
         "flood", "of", "harbor", "and"]

token_lists = st.lists(st.sampled_from(VOCAB), min_size=8, max_size=120)


@st.composite
def related_pair(draw: st.DrawFn) -> tuple[str, str]:
    """Two random word sequences, the second built from slices of the first (in any order) and random words,
    so that pairs share passages of all lengths, moved runs included."""
    a = draw(token_lists)
    b: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        lo = draw(st.integers(0, len(a) - 1))
        hi = draw(st.integers(lo, len(a)))
        b.extend(a[lo:hi])
        b.extend(draw(st.lists(st.sampled_from(VOCAB), max_size=6)))
    if len(b) < 8:
        b.extend(draw(st.lists(st.sampled_from(VOCAB), min_size=8 - len(b), max_size=12)))
    return " ".join(a), " ".join(b)


@settings(max_examples=200, deadline=None)
@given(related_pair())
def test_swapping_the_docs_mirrors_the_result_exactly(pair: tuple[str, str]) -> None:
    """``align_pairs`` on (b, a) is the mirror of (a, b): covers, first passages, word counts and reach swap
    sides, every passage span swaps its two halves, and the longest passage and the count are the same."""
    a, b = pair
    t = align([a, b], [(0, 1), (1, 0)])
    assert float(t.cover_a[0]) == float(t.cover_b[1]) and float(t.cover_b[0]) == float(t.cover_a[1])
    assert int(t.first_a[0]) == int(t.first_b[1]) and int(t.first_b[0]) == int(t.first_a[1])
    assert int(t.words_a[0]) == int(t.words_b[1]) and int(t.words_b[0]) == int(t.words_a[1])
    assert t.reach[0].tolist() == [*t.reach[1].tolist()[2:], *t.reach[1].tolist()[:2]]
    assert int(t.longest[0]) == int(t.longest[1]) and int(t.count[0]) == int(t.count[1])
    assert t.passages(0) == [(b0, b1, a0, a1) for a0, a1, b0, b1 in t.passages(1)]


@settings(max_examples=200, deadline=None)
@given(related_pair())
def test_passage_spans_lie_within_both_docs(pair: tuple[str, str]) -> None:
    """Every passage is a non-empty word span inside each doc; covers are shares in [0, 1] and the longest
    passage is no longer than the larger doc."""
    a, b = pair
    t = align([a, b], [(0, 1)])
    wa, wb = int(t.words_a[0]), int(t.words_b[0])
    assert wa == words_of(a) and wb == words_of(b)
    for a0, a1, b0, b1 in t.passages(0):
        assert 0 <= a0 < a1 <= wa
        assert 0 <= b0 < b1 <= wb
    assert 0.0 <= float(t.cover_a[0]) <= 1.0 and 0.0 <= float(t.cover_b[0]) <= 1.0
    assert 0 <= int(t.longest[0]) <= max(wa, wb)
    # (count tells the long passages, excerpt_min_passage words or more in the doc they were found from)
    assert int(t.count[0]) <= len(t.passages(0))
    assert int(t.count[0]) <= sum(
        1 for a0, a1, b0, b1 in t.passages(0) if max(a1 - a0, b1 - b0) >= CFG.verify.excerpt_min_passage
    )


def test_lazy_alignment_leaves_labelled_edges_for_later_and_fills_them_as_eager_alignment_does() -> None:
    """``align_edges(lazy=True)`` aligns only the pairs the set scores left unrelated; a labelled pair keeps its
    label and no passages until ``fill_passages`` gives it the very columns eager alignment gives."""
    import dataclasses

    from copydesk.passages import align_edges, aligned, fill_passages
    from copydesk.sketch.shingle import shingle_sets
    from copydesk.verify import UNRELATED, EdgeTable, label_scores

    other = article("Council Approves New Budget", [
        "The county council approved a budget on Tuesday that adds two librarians and repaves Mill Road.",
        "Members debated the parking fees for an hour before the vote, which passed six to one.",
    ])
    texts = [FULL, article(SEAWALL_HEADLINE, SEAWALL[:3]), other]
    sets = shingle_sets(texts, CFG.shingle)
    left, right = np.array([0, 0]), np.array([1, 2])
    inter = np.array([np.intersect1d(sets.row(0), sets.row(j)).size for j in (1, 2)])
    sizes = sets.sizes()
    same = np.zeros(2, dtype=bool)
    jaccard, cab, cba, label = label_scores(sizes[left], sizes[right], inter, same, CFG.verify)
    table = EdgeTable(left, right, jaccard, cab, cba, label)
    assert label[0] != UNRELATED and label[1] == UNRELATED  # the excerpt pair is labelled by its set scores

    def shingles_of(docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return ordered_shingles([texts[i] for i in docs.tolist()], CFG.shingle)

    eager = align_edges(table, shingles_of, sizes, CFG, keep_unrelated=True)
    lazy = align_edges(table, shingles_of, sizes, CFG, keep_unrelated=True, lazy=True)
    assert lazy.label.tolist() == eager.label.tolist()
    assert aligned(lazy).tolist() == [False, True]
    filled = fill_passages(lazy, np.array([0]), shingles_of, sizes, CFG)
    for field in dataclasses.fields(EdgeTable):
        assert np.array_equal(getattr(filled, field.name), getattr(eager, field.name)), field.name
