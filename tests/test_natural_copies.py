"""Natural copies among real pages: copydesk joins the labelled copies, and nothing labelled NOT.

The pipeline and the scoring are those of ``bench/quality/natural.py`` (imported: one implementation):
every page of ``../shared/data`` (relative to the repository root) extracted with ``extract_html``,
``dedup`` over the bare texts, and the pairs of ``bench/quality/natural_labels.tsv`` (labelled by reading)
checked against the clusters. Skipped when the data folder or trafilatura is missing.

Extracted texts are cached in pytest's cache folder (``.pytest_cache``; entries keyed by page hash and
extractor fingerprint, first copied from ``bench/out/natural/`` when the bench script has run), or in a
temporary folder when the cache plugin is off. A cold run extracts ~1,150 pages: about 40-55 s on 2 idle
cores; a warm one takes a few seconds.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"  # ../shared/data relative to the repository root
BENCH = REPO / "bench" / "quality"

pytestmark = [pytest.mark.slow, pytest.mark.html]


def _skip_reason() -> str | None:
    folders = ("article-extraction-benchmark", "trafilatura-eval")
    if not all((DATA / folder).is_dir() for folder in folders):
        return f"real pages not found: {DATA} (needs {' and '.join(f + '/' for f in folders)})"
    if importlib.util.find_spec("trafilatura") is None:
        return "trafilatura is not installed (the [html] extra)"
    return None


@pytest.fixture(scope="module")
def natural(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)
    sys.path.insert(0, str(BENCH))  # kept while the pipeline runs: the extraction workers import it by name
    try:
        import natural as bench

        cache = getattr(request.config, "cache", None)
        if cache is not None:
            cache_dir = Path(cache.mkdir("natural-copies"))
            seed = bench.DEFAULT_CACHE / "texts.jsonl"  # the bench script's cache: same format and keys
            if not (cache_dir / "texts.jsonl").exists() and seed.exists():
                shutil.copyfile(seed, cache_dir / "texts.jsonl")  # entries are re-checked before use
        else:
            cache_dir = tmp_path_factory.mktemp("natural")
        run = bench.run_pipeline(DATA, cache_dir, log=lambda *args: None)
    finally:
        sys.path.remove(str(BENCH))
    return bench, run


def _describe(bench: Any, run: Any, keys: list[tuple[str, str]]) -> str:
    lines = []
    for a, b in keys:
        label = run.labels.get((a, b))
        roles = " / ".join(
            "?" if d is None else f"{d.role.value} J={d.jaccard} c={d.containment}"
            for d in (run.outcome.decisions.get(a), run.outcome.decisions.get(b))
        )
        pair = bench.copydesk.compare_texts(run.texts[a], run.texts[b])
        lines.append(
            f"{a} | {b}: {label.label if label else 'no label'}; {roles}; compare_texts J={pair.jaccard} "
            f"a_in_b={pair.containment_a_in_b} b_in_a={pair.containment_b_in_a}"
            + (f"; {label.note}" if label else "")
        )
    return "\n".join(lines)


def test_labels_name_pages_of_the_corpus(natural: tuple[Any, Any]) -> None:
    bench, run = natural
    assert run.labels, "bench/quality/natural_labels.tsv holds no labels"
    missing = sorted({doc for key in run.labels for doc in key} - set(run.texts))
    assert not missing, f"labelled pages not in the corpus: {missing}"


def test_no_pair_labelled_not_is_joined(natural: tuple[Any, Any]) -> None:
    bench, run = natural
    wrong = run.result.false_positives
    assert not wrong, f"{len(wrong)} pair(s) labelled NOT are in one cluster:\n" + _describe(
        bench, run, wrong
    )


def test_every_copy_pair_is_joined(natural: tuple[Any, Any]) -> None:
    bench, run = natural
    missed = run.result.misses
    assert not missed, f"{len(missed)} pair(s) labelled COPY/EDITED are not in one cluster:\n" + _describe(
        bench, run, missed
    )


def test_every_joined_pair_is_labelled(natural: tuple[Any, Any]) -> None:
    bench, run = natural
    todo = run.result.unlabelled_joined
    assert not todo, (
        f"{len(todo)} joined pair(s) have no label: read both texts and add them to "
        "bench/quality/natural_labels.tsv (`bench/quality/natural.py --review FILE` dumps them):\n"
        + _describe(bench, run, todo)
    )
