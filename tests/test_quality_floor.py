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


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("copydesk_bench_synthetic", BENCH)
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
