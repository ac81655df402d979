"""The batch line scan (Hyperscan + numba) gives exactly what the line rules and credits give without it.

The rules of :mod:`copydesk.clean.boilerplate` measured and judged one line at a time are the reference. For
every line of random texts (built from rule keywords, whitespace and case-folding traps), of real pages
(the seeds, ``../shared/data`` and the bundled fixtures) and of the synthetic bench corpus, the scan must
measure the line as the reference does, must never say "no rule can fire" of a line that a rule removes nor
"credits no one" of a line that credits someone; and ``clean_text`` and ``extract_credits`` with the scan
must return the same results as without it. Without Hyperscan, the scan is
absent (simulated here) and cleaning gives the same outputs.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fast_paths import _FRAGMENTS, _fixture_texts, texts_strategy

from copydesk import RunConfig, dedup, read_inputs, write_outputs
from copydesk import provenance as pv
from copydesk.clean import boilerplate as bp
from copydesk.clean import linescan

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"

needs_hyperscan = pytest.mark.skipif(linescan.line_scanner() is None, reason="hyperscan is not installed")


def _check_lines(texts: list[str]) -> None:
    """Each line's code against the reference measure, rules and credits (``linescan.scan_misses``)."""
    assert linescan.scan_lines(texts) is not None
    assert linescan.scan_misses(texts) == []


def _check_clean(texts: list[str]) -> None:
    """``clean_text`` with the scan's codes is ``clean_text`` without them, in every mode it has."""
    scan = linescan.scan_lines(texts)
    assert scan is not None
    memo_ref, memo_scan = bp.LineVerdicts(), bp.LineVerdicts()
    for i, text in enumerate(texts):
        codes = scan.text(i)
        for judge_prose in (False, True):
            assert bp.clean_text(text, line_codes=codes, judge_prose=judge_prose) == bp.clean_text(
                text, judge_prose=judge_prose
            )
        assert bp.clean_text(text, verdicts=memo_scan, line_codes=codes) == bp.clean_text(text, verdicts=memo_ref)
        assert pv.extract_credits(text, line_codes=codes) == pv.extract_credits(text)
        repeated = bp.NormalisedLineCheck(lambda norm: len(norm) % 3 == 0)  # some corpus evidence
        assert bp.clean_text(text, is_source_boilerplate=repeated, line_codes=codes) == bp.clean_text(
            text, is_source_boilerplate=repeated
        )


# ----------------------------------------------------------------------------------------------------------
# random texts

_SCAN_FRAGMENTS = (
    *_FRAGMENTS,
    # the gates of the scan: word counts on both sides of each limit, runs of spaces, bullets, apostrophes
    "one two three four five six seven eight nine ten ", "word " * 5, "word " * 11, "word " * 24,
    "word " * 26, "word " * 59, "word " * 61, "word " * 119, "word " * 121, "'", ".'", "?'", "x'", "  ",
    "- ", "--", "* * ", "~ ", " ", "Home", "Privacy", "|", "::", " / ", ">", "e-mail", "sign-in", "12",
    "Terms of Use", "cookie", "Cookies", "ADVERTISEMENT", "Lorem Ipsum", "ALL RIGHTS RESERVED", "Oops!",
    "Loading...", "By", "by:", "\u00bb", "\ud800",
    # the credit shapes: datelines, sign-offs, openers after non-word runs, keywords, bare agency names
    "(AP) - ", "(Reuters) ", "- AP", " -AP.", "- Agence France-Presse)", "-- Reuters", "=" * 30, "(", "(c) ",
    "a ", "An ", "Keep ", "full ", "The whole story ", "reading ", "contributed ", "Jane Roe contributed.",
    "AP", "AFP", "Xinhua", "Bloomberg News", "word " * 29, "word " * 31, "x" * 170,
)
_scan_lines_strategy = st.lists(st.sampled_from(_SCAN_FRAGMENTS), min_size=0, max_size=12).map("".join)
_scan_texts_strategy = st.lists(_scan_lines_strategy, min_size=0, max_size=14).map("\n".join)


@needs_hyperscan
@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_scan_texts_strategy, texts_strategy), min_size=1, max_size=4))
def test_every_line_is_measured_as_the_rules_do_and_no_removal_is_missed(texts: list[str]) -> None:
    _check_lines(texts)


@needs_hyperscan
@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_scan_texts_strategy, texts_strategy), min_size=1, max_size=3))
def test_clean_text_with_the_scan_is_clean_text_without(texts: list[str]) -> None:
    _check_clean(texts)


# ----------------------------------------------------------------------------------------------------------
# real texts


def _seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted((SHARED / "seeds").glob("*.txt"))]


def _page_texts(limit: int = 80) -> Iterator[str]:
    """Real pages of ``../shared/data``: the HTML as it is, and its text between the tags, line by line."""
    pages = sorted((SHARED / "data").rglob("*.gz"))[:limit]
    for path in pages:
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        yield html
        yield "\n".join(line.strip() for line in re.split(r"<[^>]*>", html) if line.strip())


@needs_hyperscan
def test_real_pages_and_fixtures() -> None:
    texts = [*_seed_texts(), *_fixture_texts(), *_page_texts()]
    assert len(texts) > 10
    _check_lines(texts)
    _check_clean(texts)


@pytest.fixture(scope="module")
def bench_texts(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("bench")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--docs", "400", "--seed", "3",
                    "--out", str(out)], check=True, capture_output=True)
    with open(out / "docs.jsonl", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


@needs_hyperscan
def test_bench_corpus(bench_texts: list[str]) -> None:
    _check_lines(bench_texts)
    _check_clean(bench_texts)
    # most lines are measured by the scan, and most of those need no rule (what the scan is for)
    codes = linescan.scan_lines(bench_texts).codes  # type: ignore[union-attr]
    measured = [c for c in codes if c > 0]
    assert len(measured) > 0.8 * sum(1 for c in codes if c != 0)
    assert sum(1 for c in measured if c & bp.ASK_RULES) < 0.5 * len(measured)


# ----------------------------------------------------------------------------------------------------------
# edges


@needs_hyperscan
def test_lines_are_cut_as_split_lines_cuts_them() -> None:
    texts = ["", "a\r\nb\r\n", "\n\n", "caf\u00e9\nx", "lone \ud800 surrogate\nBy Jane Roe", "last"]
    scan = linescan.scan_lines(texts)
    assert scan is not None
    assert [len(scan.text(i)) for i in range(len(texts))] == [len(bp.split_lines(t)) for t in texts]
    assert scan.text(1)[:2] == [linescan.REFERENCE, linescan.REFERENCE]  # ("\r" ends them)
    assert scan.text(4)[1] & bp.ASK_RULES  # a byline
    assert linescan.scan_lines([]) == linescan.LineScan(codes=[], offsets=[0])


@needs_hyperscan
def test_a_database_cache_that_cannot_be_read_is_compiled_again(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    monkeypatch.setattr(linescan, "__file__", str(tmp_path / "linescan.py"))
    linescan.line_scanner.cache_clear()
    try:
        fresh = linescan.line_scanner()
        caches = sorted((tmp_path / "__pycache__").glob("linescan-*.hs"))
        assert len(caches) == 2
        for cache in caches:
            cache.write_bytes(b"not a database")
        linescan.line_scanner.cache_clear()
        rebuilt = linescan.line_scanner()
        texts = _seed_texts() + ["By Jane Roe\nAll rights reserved\nHome | News | Sport"]
        assert linescan.scan_lines(texts, rebuilt) == linescan.scan_lines(texts, fresh)
    finally:
        linescan.line_scanner.cache_clear()


# ----------------------------------------------------------------------------------------------------------
# without Hyperscan


@pytest.fixture
def no_hyperscan(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As on a platform with no Hyperscan wheel: its import fails."""
    monkeypatch.setitem(sys.modules, "hyperscan", None)
    linescan.line_scanner.cache_clear()
    yield
    linescan.line_scanner.cache_clear()


@pytest.mark.usefixtures("no_hyperscan")
def test_without_hyperscan_there_is_no_scan_and_a_notice(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="copydesk.clean.linescan"):
        assert linescan.scan_lines(["By Jane Roe"]) is None
        assert linescan.scan_lines(["By Jane Roe"]) is None
    notices = [r for r in caplog.records if "hyperscan is not installed" in r.getMessage()]
    assert len(notices) == 1  # once per process


def _dedup_outputs(corpus: Path, out: Path) -> dict[str, str]:
    cfg = RunConfig(workers=1)
    write_outputs(dedup(read_inputs([corpus], cfg.read), cfg), out, cfg)
    return {name: (out / name).read_text(encoding="utf-8") for name in ("decisions.jsonl", "clusters.jsonl")}


@needs_hyperscan
def test_dedup_gives_the_same_outputs_with_and_without_hyperscan(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = ROOT / "examples" / "news.jsonl"
    with_scan = _dedup_outputs(corpus, tmp_path / "with")
    monkeypatch.setitem(sys.modules, "hyperscan", None)
    linescan.line_scanner.cache_clear()
    try:
        without = _dedup_outputs(corpus, tmp_path / "without")
    finally:
        linescan.line_scanner.cache_clear()
    assert with_scan == without


@needs_hyperscan
def test_an_engine_that_drops_matches_is_not_used(monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """As with a Hyperscan build that loses matches: the canary lines catch it, and the rules run everywhere."""
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    monkeypatch.setattr(linescan.LineScanner, "hits", lambda self, database, buffer: empty)
    linescan.line_scanner.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="copydesk.clean.linescan"):
            assert linescan.line_scanner() is None
        assert any("misses rule lines" in r.getMessage() for r in caplog.records)
        # what it misses, named line by line (the check the tests above rely on)
        blind = linescan.LineScanner(phrases=None, short_lines=None)
        misses = linescan.scan_misses(["Prose here.\nAll rights reserved\nRead the full story at Wired.com"],
                                      blind)
        assert "'All rights reserved': removed by legal_footer, no rule asked" in misses
        assert any(m.startswith("'Read the full story at Wired.com': credits someone") for m in misses)
        assert not any(m.startswith("'Prose here.'") for m in misses)
    finally:
        linescan.line_scanner.cache_clear()
    monkeypatch.undo()
    assert linescan.line_scanner() is not None  # (the real engine passes)


@needs_hyperscan
def test_scans_from_several_threads_give_the_same_codes(bench_texts: list[str]) -> None:
    """One scanner per process, shared by the threads of a library user running batches side by side."""
    from concurrent.futures import ThreadPoolExecutor

    batches = [bench_texts[i : i + 50] for i in range(0, len(bench_texts), 50)]
    alone = [linescan.scan_lines(batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(linescan.scan_lines, batches * 3))
    assert together == alone * 3


@needs_hyperscan
def test_a_batch_past_the_part_limit_is_scanned_in_parts(bench_texts: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    whole = linescan.scan_lines(bench_texts)
    monkeypatch.setattr(linescan, "SCAN_PART_CHARS", 5_000)  # a few docs a part, some docs alone past it
    assert max(len(t) for t in bench_texts) > 5_000
    parts = linescan.scan_lines(bench_texts)
    assert parts is not None and whole is not None
    assert parts.offsets == whole.offsets
    assert all(p == w or p == linescan.REFERENCE for p, w in zip(parts.codes, whole.codes, strict=True))
    for i, text in enumerate(bench_texts):  # a text alone past the limit is left to the rules, whole
        if len(text) > 5_000:
            assert set(parts.text(i)) == {linescan.REFERENCE}
        else:
            assert parts.text(i) == whole.text(i)
    _check_clean(bench_texts[:40])
