"""Corpus-level evidence: lines repeated across many documents of one source."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.clean.boilerplate import SOURCE_BOILERPLATE_MAX_CHARS, clean_text
from copydesk.clean.corpus import SourceLineStats, batch_line_keys, normalise_for_counting
from copydesk.config import CleanConfig
from copydesk.errors import ConfigError

PROMO = "Download the Alder Post app for breaking harbour news"


_WORDS = "amber basalt cedar dune eel fjord gull heron inlet jetty kelp lagoon mussel nets otter pier".split()


def _word(i: int) -> str:
    """A word per number that is not made of digits (digits are masked when counting)."""
    return "-".join(_WORDS[int(d)] for d in str(i))


def story(i: int, *extra: str) -> str:
    """A document whose body lines are unique to ``i``, plus shared ``extra`` lines."""
    body = [
        f"The {_word(i)} report covers the north quay and the ferry that serves it.",
        f"Officials quoted in the {_word(i)} report disagree about what the storm cost the fishing fleet.",
    ]
    return "\n\n".join([*body[:1], *extra, *body[1:]])


def test_line_in_min_docs_of_a_source_is_flagged_for_that_source_only() -> None:
    stats = SourceLineStats(min_docs=3)
    for i in range(3):
        stats.observe("alderpost.example", story(i, PROMO))
    stats.observe("kestrelbay.example", story(99, PROMO))
    assert stats.is_boilerplate("alderpost.example", PROMO)
    assert not stats.is_boilerplate("kestrelbay.example", PROMO)
    assert not stats.is_boilerplate("unknown.example", PROMO)
    assert stats.count("alderpost.example", PROMO) == 3
    assert stats.count("kestrelbay.example", PROMO) == 1


def test_below_min_docs_is_not_flagged() -> None:
    stats = SourceLineStats(min_docs=3)
    for i in range(2):
        stats.observe("alderpost.example", story(i, PROMO))
    assert not stats.is_boilerplate("alderpost.example", PROMO)


def test_unique_body_lines_are_not_flagged() -> None:
    stats = SourceLineStats(min_docs=2)
    docs = [story(i, PROMO) for i in range(10)]
    for text in docs:
        stats.observe("alderpost.example", text)
    for text in docs:
        for line in text.split("\n"):
            if line and line != PROMO:
                assert not stats.is_boilerplate("alderpost.example", line), line


def test_each_line_counts_once_per_document() -> None:
    stats = SourceLineStats(min_docs=2)
    stats.observe("alderpost.example", "\n".join([PROMO] * 5))
    assert stats.count("alderpost.example", PROMO) == 1
    assert not stats.is_boilerplate("alderpost.example", PROMO)


def test_normalisation_ignores_case_spacing_bullets_and_digits() -> None:
    assert normalise_for_counting("  \u2022 Updated  3 hours ago") == normalise_for_counting(
        "UPDATED 17 hours ago"
    )
    stats = SourceLineStats(min_docs=3)
    stats.observe("s", "Updated 3 hours ago")
    stats.observe("s", "updated   12 hours ago")
    stats.observe("s", "\u2022 UPDATED 1 hours ago")
    assert stats.is_boilerplate("s", "Updated 5 hours ago")
    assert not stats.is_boilerplate("s", "")
    assert not stats.is_boilerplate("s", "   ")


def test_checker_matches_is_boilerplate_and_feeds_clean_text() -> None:
    stats = SourceLineStats(min_docs=3)
    docs = [story(i, PROMO) for i in range(4)]
    for text in docs:
        stats.observe("alderpost.example", text)
    check = stats.checker("alderpost.example")
    for line in docs[0].split("\n"):
        assert check(line) == stats.is_boilerplate("alderpost.example", line)
    result = clean_text(docs[0], is_source_boilerplate=check)
    assert [(r.text, r.rule) for r in result.removed] == [(PROMO, "source_boilerplate")]
    assert PROMO not in result.text
    other = clean_text(docs[0], is_source_boilerplate=stats.checker("kestrelbay.example"))
    assert other.removed == ()


def test_counts_do_not_depend_on_document_order() -> None:
    docs = [("a", story(i, PROMO)) for i in range(5)] + [
        ("b", story(i, "Harbour radio on 96.2 FM")) for i in range(5)
    ]
    forward, backward = SourceLineStats(min_docs=2), SourceLineStats(min_docs=2)
    for source, text in docs:
        forward.observe(source, text)
    for source, text in reversed(docs):
        backward.observe(source, text)
    for source, text in docs:
        for line in text.split("\n"):
            assert forward.count(source, line) == backward.count(source, line)


def test_pruning_keeps_memory_bounded_and_keeps_repeated_lines() -> None:
    limit = 40
    stats = SourceLineStats(min_docs=3, max_tracked_lines=limit)
    for i in range(200):
        stats.observe("alderpost.example", story(i, PROMO))
        assert stats.tracked_lines <= limit
    assert stats.prunes > 0
    assert stats.documents == 200
    # the repeated line survives every prune (a count-1 key is what gets dropped) and is still flagged
    assert stats.is_boilerplate("alderpost.example", PROMO)
    assert stats.count("alderpost.example", PROMO) == 200
    # a line seen once before the last prune has been forgotten (the documented approximation)
    assert stats.count("alderpost.example", story(0).split("\n")[0]) == 0


def test_keys_computed_in_batches_count_as_observe_does_through_prunes() -> None:
    # the first pass computes keys a batch at a time (in worker processes) and counts them in input order:
    # the table, its prunes and every verdict must be the same as observing each text
    docs = [("alderpost.example", story(i, PROMO)) for i in range(60)] + [
        ("harbor.example", story(i, "Harbour radio on 96.2 FM")) for i in range(60)
    ]
    docs = docs[::2] + docs[1::2]  # interleave the sources
    observed = SourceLineStats(min_docs=3, max_tracked_lines=40)
    for source, text in docs:
        observed.observe(source, text)
    batched = SourceLineStats(min_docs=3, max_tracked_lines=40)
    for at in range(0, len(docs), 7):
        chunk = docs[at : at + 7]
        values, sizes = batch_line_keys([t for _, t in chunk], [s for s, _ in chunk])
        assert len(sizes) == len(chunk)
        keys, start = values.tolist(), 0
        for size in sizes:
            batched.observe_keys(keys[start : start + size])
            start += size
    assert observed.prunes > 0 and batched.prunes == observed.prunes
    assert batched.documents == observed.documents == len(docs)
    assert batched.freeze() == observed.freeze()
    assert batched.is_boilerplate("harbor.example", "Harbour radio on 96.2 FM")


def test_pruning_raises_the_threshold_when_singletons_are_not_enough() -> None:
    stats = SourceLineStats(min_docs=2, max_tracked_lines=8)
    lines = [f"Shared footer line {chr(65 + i)}" for i in range(12)]
    text = "\n".join(lines)
    stats.observe("s", text)  # 12 keys > 8: all have count 1 and are dropped
    assert stats.tracked_lines == 0
    for _ in range(2):
        stats.observe("s", "\n".join(lines[:6]))
    assert stats.tracked_lines == 6
    assert stats.is_boilerplate("s", lines[0])


def test_checker_reads_counts_after_a_prune() -> None:
    stats = SourceLineStats(min_docs=2, max_tracked_lines=10)
    check = stats.checker("s")
    for i in range(30):
        stats.observe("s", f"{PROMO}\nunique line {chr(65 + i % 26)}{chr(97 + i // 26)}")
    assert stats.prunes > 0
    assert check(PROMO)


def test_validation_and_config() -> None:
    with pytest.raises(ConfigError, match="min_docs"):
        SourceLineStats(min_docs=0)
    with pytest.raises(ConfigError, match="max_tracked_lines"):
        SourceLineStats(max_tracked_lines=0)
    stats = SourceLineStats.from_config(CleanConfig(min_source_docs=5, max_tracked_lines=1000))
    assert (stats.min_docs, stats.max_tracked_lines) == (5, 1000)


def test_freeze_keeps_only_verdicts_and_pickles_compactly() -> None:
    stats = SourceLineStats(min_docs=3)
    for i in range(4):
        stats.observe("alderpost.example", story(i, PROMO))
    frozen = stats.freeze()
    assert len(frozen) == 1  # only the promo reached min_docs
    assert frozen.is_boilerplate("alderpost.example", PROMO)
    assert not frozen.is_boilerplate("kestrelbay.example", PROMO)
    check = frozen.checker("alderpost.example")
    for line in story(0, PROMO).split("\n"):
        assert check(line) == stats.is_boilerplate("alderpost.example", line)

    data = pickle.dumps(frozen)
    assert len(data) < 200
    restored = pickle.loads(data)
    assert restored == frozen
    assert restored.checker("alderpost.example")(PROMO)
    assert pickle.dumps(restored) == data  # deterministic bytes


def test_only_lines_that_corpus_evidence_may_remove_are_counted() -> None:
    # a line longer than SOURCE_BOILERPLATE_MAX_CHARS is never removed on corpus evidence, so it is not counted;
    # what counts is the length once leading bullets and trailing spaces are stripped, as clean_text measures it
    long_line = "The harbour board meets on the first Monday of each month. " * 6
    assert len(long_line.strip()) > SOURCE_BOILERPLATE_MAX_CHARS
    padded = "\u2022 " * 200 + "Subscribe to the harbour bulletin"
    assert len(padded) > SOURCE_BOILERPLATE_MAX_CHARS
    stats = SourceLineStats(min_docs=2)
    for _ in range(3):
        stats.observe("alder", f"{long_line}\n{padded}")
    assert stats.count("alder", long_line) == 0
    assert not stats.is_boilerplate("alder", long_line)
    assert stats.is_boilerplate("alder", padded)
    assert stats.freeze().is_boilerplate("alder", padded)


class _DictCounts:
    """The counting rules written plainly (a dict, each doc in turn): what the compiled table must match."""

    def __init__(self, min_docs: int, max_tracked: int) -> None:
        self.min_docs, self.max_tracked = min_docs, max_tracked
        self.counts: dict[int, int] = {}
        self.prunes = self.docs = 0

    def observe_keys(self, keys: list[int]) -> None:
        for key in keys:
            self.counts[key] = self.counts.get(key, 0) + 1
        self.docs += 1
        if len(self.counts) > self.max_tracked:
            threshold = 1
            while len(self.counts) > self.max_tracked * 3 // 4:
                self.counts = {k: n for k, n in self.counts.items() if n > threshold}
                threshold += 1
            self.prunes += 1


@settings(max_examples=60, deadline=None)
@given(
    docs=st.lists(
        st.sets(st.one_of(st.integers(0, 40), st.integers(0, 2**64 - 1)), max_size=30).map(sorted),
        max_size=60,
    ),
    max_tracked=st.integers(1, 80),
    batch=st.integers(1, 9),
)
def test_the_compiled_table_counts_and_prunes_exactly_as_a_dict(
    docs: list[list[int]], max_tracked: int, batch: int
) -> None:
    """Any keys (0 and 2**64 - 1 included, many shared), any limit (prunes of every depth), docs larger than the
    table's first size, counted doc by doc or a batch at a time."""
    import numpy as np

    docs = docs + [list(range(5000))]  # one doc that outgrows the smallest table
    plain = _DictCounts(2, max_tracked)
    for keys in docs:
        plain.observe_keys(keys)
    one_by_one = SourceLineStats(min_docs=2, max_tracked_lines=max_tracked)
    batched = SourceLineStats(min_docs=2, max_tracked_lines=max_tracked)
    for keys in docs:
        one_by_one.observe_keys(keys)
    for at in range(0, len(docs), batch):
        part = docs[at : at + batch]
        values = np.array([k for keys in part for k in keys], dtype=np.uint64)
        batched.observe_batch(values, np.array([len(keys) for keys in part], dtype=np.int64))
    for stats in (one_by_one, batched):
        assert (stats.tracked_lines, stats.prunes, stats.documents) == (len(plain.counts), plain.prunes, len(docs))
        seen = sorted({k for keys in docs for k in keys})
        assert [stats._count_of(k) for k in seen] == [plain.counts.get(k, 0) for k in seen]
        assert stats.freeze()._keys == frozenset(k for k, n in plain.counts.items() if n >= 2)


def test_counts_seen_before_give_the_verdicts_one_pass_over_everything_gives() -> None:
    """An index's stored counts (``table``) under a new batch's own (``freeze(base=)``): the batch's lines get
    the verdicts of one pass over the old docs and the batch together, and the merged table is that pass's."""
    from copydesk.prior import merged_line_counts

    old = [("alderpost.example", story(i, PROMO if i % 2 else "Subscribe to the Alder Post")) for i in range(5)]
    new = [("alderpost.example", story(10 + i, PROMO)) for i in range(1)]
    new += [("alderpost.example", story(20, "Subscribe to the Alder Post")), ("kestrel.example", story(21, PROMO))]
    before, batch, everything = SourceLineStats(min_docs=3), SourceLineStats(min_docs=3), SourceLineStats(min_docs=3)
    for source, text in old:
        before.observe(source, text)
        everything.observe(source, text)
    for source, text in new:
        batch.observe(source, text)
        everything.observe(source, text)
    layered = batch.freeze(base=before.table())
    whole = everything.freeze()
    for source, text in new:
        for line in text.split("\n"):
            if line.strip():
                assert layered.is_boilerplate(source, line) == whole.is_boilerplate(source, line), line
    assert layered.is_boilerplate("alderpost.example", PROMO)  # 2 old + 1 new
    assert not batch.freeze().is_boilerplate("alderpost.example", PROMO)  # (the batch alone: 1)
    keys, counts = merged_line_counts(before.table(), batch.table(), most=1000)
    want_keys, want_counts = everything.table()
    assert keys.tolist() == want_keys.tolist() and counts.tolist() == want_counts.tolist()
    kept, _ = merged_line_counts(before.table(), batch.table(), most=4)  # past the bound: the rarest go
    assert 0 < len(kept) <= 3 and set(kept.tolist()) <= set(want_keys.tolist())
