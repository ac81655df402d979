"""Pinned quality floors on the seeded synthetic syndication corpus (bench/generate.py), checked in CI.

The corpus has near copies with 2-5% of words substituted and other sites' wrappers, excerpts of the first
25-50% of paragraphs, shuffled/partial copies, same-topic sibling articles and shared site boilerplate.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "quality" / "synthetic.py"


def _load(path: Path = BENCH, name: str = "copydesk_bench_synthetic") -> Any:
    """A bench script imported as a module (the bench folder is no package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    bench = _load()
    return bench, bench.make_corpus(3000, 7, tmp_path_factory.mktemp("synthetic"))


def test_floors_with_cleaning(corpus: tuple[Any, Path]) -> None:
    bench, path = corpus
    scores, _ = bench.run(path)
    assert scores["precision"] >= 0.99
    assert scores["recall"]["near"] >= 0.95
    assert scores["recall"]["excerpt"] >= 0.97


def test_batch_size_and_workers_do_not_change_quality_results(corpus: tuple[Any, Path]) -> None:
    bench, path = corpus
    base, _ = bench.run(path)
    other, _ = bench.run(path, batch_size=97, workers=2)
    assert base == other


# ---------------------------------------------------------------------------------------------------------------
# real article bodies in real page furniture (bench/quality/dedup_real.py), with and without site metadata

REAL = Path(__file__).resolve().parents[1] / "bench" / "quality" / "dedup_real.py"
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "article-extraction-benchmark"

#: mode -> (precision, near recall, excerpt recall, edited recall) that seeds 1-3 must each reach. The issue's
#: targets are 0.99 / 0.98 / 0.97 / 0.90 in every mode as means over seeds, and the means reach them
#: (bench/quality/DEDUP_REAL.md); a single seed's 50-odd excerpts can fall one pair under, so these floors pin
#: what each of the three seeds reaches, to catch a regression. Excerpt recall is over the excerpts that carry
#: running text (the bench's ``EXCERPT_MIN_RUNNING_WORDS``).
REAL_FLOORS: dict[str, tuple[float, float, float, float]] = {
    "site": (0.99, 0.99, 0.97, 0.94),
    "heavy": (0.99, 0.99, 0.97, 0.94),
    "page": (0.99, 0.97, 0.96, 0.94),
    "bare-text": (0.99, 0.97, 0.97, 0.90),
    "heavy-bare-text": (0.99, 0.97, 0.96, 0.90),
}


@pytest.mark.slow
@pytest.mark.parametrize("mode", sorted(REAL_FLOORS))
def test_floors_on_real_pages_with_and_without_site_metadata(mode: str, tmp_path: Path) -> None:
    if not REAL_DATA.is_dir():
        pytest.skip(f"{REAL_DATA} is missing: the real pages live in ../shared/data beside the repository")
    bench = _load(REAL, "copydesk_bench_dedup_real")
    precision, near, excerpt, edited = REAL_FLOORS[mode]
    for seed in (1, 2, 3):
        got = bench.score_mode(mode, seed, data=REAL_DATA, corpus_dir=tmp_path)
        assert got["precision"] >= precision, (mode, seed, got)
        assert got["near_recall"] >= near, (mode, seed, got)
        assert got["excerpt_recall"] >= excerpt, (mode, seed, got)
        assert got["edited_recall"] >= edited, (mode, seed, got)


def test_the_bench_sets_apart_only_excerpts_without_running_text() -> None:
    """The real-text bench scores excerpts with no running text apart (``excerpt_no_prose``); the test that
    decides it must keep a short teaser paragraph or one long unpunctuated paragraph in excerpt recall."""
    bench = _load(REAL, "copydesk_bench_dedup_real")
    box_score = ["GIRLS BASKETBALL", "Palm Bay d. Rockledge 70-44"]
    fact_check = ["Claim", "Former U.S. ambassador to Ukraine Marie Yovanovitch has a net worth of $17 million.", "Rating"]
    teaser = ["Officials said on Tuesday that the bridge would reopen to traffic next month after repairs."]
    run_on = [" ".join(["word"] * 30)]
    assert bench.running_words(box_score) < bench.EXCERPT_MIN_RUNNING_WORDS
    assert bench.running_words(fact_check) < bench.EXCERPT_MIN_RUNNING_WORDS
    assert bench.running_words(teaser) >= bench.EXCERPT_MIN_RUNNING_WORDS
    assert bench.running_words(run_on) >= bench.EXCERPT_MIN_RUNNING_WORDS
