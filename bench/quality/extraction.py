#!/usr/bin/env python3
"""HTML body-extraction quality: trafilatura settings vs copydesk's ``extract_html`` (+ line cleaning).

Table 1, the article-extraction benchmark (scrapinghub, 121 of its 181 pages): precision / recall / F1 of
word 4-gram shingles of the predicted vs gold article body, per page, averaged over pages (the metric of the
benchmark's ``evaluate.py``, re-implemented here and checked against that file on every prediction set).
Table 2 (optional, ``--te-data``), trafilatura's own evaluation corpus (990 pages): "must appear" / "must not
appear" segments tested as whitespace-normalised substrings, counts summed over the corpus.

Run from the repository root (needs the ``[html]`` extra):

    python bench/quality/extraction.py --data ../shared/data/article-extraction-benchmark \\
        --out bench/quality/EXTRACTION.md

Not collected by pytest. Reads the data where it lies; nothing is copied into the repository.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import importlib.util
import json
import logging
import os
import platform
import random
import re
import shlex
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
try:
    import copydesk  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO / "src"))

from copydesk.io.html import _extract_page, _import_trafilatura, decode_html, extract_html

sys.path.insert(0, str(REPO / "bench"))  # the shared bench helpers
from _common import git_state  # noqa: E402

DEFAULT_AEB = REPO.parent / "shared" / "data" / "article-extraction-benchmark"
DEFAULT_TE = REPO.parent / "shared" / "data" / "trafilatura-eval"
N_BOOTSTRAP = 1000
BOOTSTRAP_SEED = 0

Extractor = Callable[[bytes], str]


# ----------------------------------------------------------------------------------------------------------
# Metric 1: word 4-gram shingle matching (article-extraction-benchmark), our own implementation

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of word n-grams; like the benchmark, a text shorter than n words is one (short) shingle."""
    tokens = _TOKEN_RE.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(gold: str, pred: str) -> tuple[float, float, float]:
    """(tp, fp, fn) over shingle multisets, normalised to sum to 1 so that every page weighs the same."""
    g, p = shingles(gold), shingles(pred)
    tp = float(sum((g & p).values()))
    fp = float(sum((p - g).values()))
    fn = float(sum((g - p).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total > 0 else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def _page_scores(counts: Sequence[tuple[float, float, float]]) -> list[tuple[float | None, float | None]]:
    """Per page (precision or None without a prediction, recall or None without gold text)."""
    return [
        (_precision(*c) if c[0] + c[1] > 0 else None, _recall(*c) if c[0] + c[2] > 0 else None)
        for c in counts
    ]


def _prf_of(scores: Sequence[tuple[float | None, float | None]]) -> tuple[float, float, float]:
    p = statistics.mean(s[0] for s in scores if s[0] is not None)
    r = statistics.mean(s[1] for s in scores if s[1] is not None)
    return p, r, 2 * p * r / (p + r)


def prf(counts: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Mean precision (pages with a prediction), mean recall (pages with gold text), F1 of the two means."""
    return _prf_of(_page_scores(counts))


def bootstrap_std(
    counts: Sequence[tuple[float, float, float]],
    baseline: Sequence[tuple[float, float, float]] | None = None,
) -> tuple[float, float]:
    """Bootstrap std of F1 (pages resampled, seeded) and, against ``baseline``, of the paired F1 difference."""
    rng = random.Random(BOOTSTRAP_SEED)
    ours = _page_scores(counts)
    theirs = _page_scores(baseline) if baseline is not None else None
    n = len(ours)
    f1s: list[float] = []
    diffs: list[float] = []
    for _ in range(N_BOOTSTRAP):
        idx = [rng.randrange(n) for _ in range(n)]
        f1 = _prf_of([ours[i] for i in idx])[2]
        f1s.append(f1)
        if theirs is not None:
            diffs.append(f1 - _prf_of([theirs[i] for i in idx])[2])
    return statistics.stdev(f1s), (statistics.stdev(diffs) if diffs else 0.0)


# ----------------------------------------------------------------------------------------------------------
# Metric 2: with/without segments (trafilatura-eval, tests/eval_common.py upstream)

_WS_RE = re.compile(r"\s+")


def _norm_ws(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, item: Mapping[str, Any], result: str | None) -> None:
        text = _norm_ws(result) if result is not None else None
        tp = sum(1 for w in item["with"] if text is not None and _norm_ws(w) in text)
        fp = sum(1 for w in item["without"] if text is not None and _norm_ws(w) in text)
        self.tp += tp
        self.fp += fp
        self.fn += len(item["with"]) - tp
        self.tn += len(item["without"]) - fp

    def scores(self) -> tuple[float, float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        total = self.tp + self.fp + self.fn + self.tn
        acc = (self.tp + self.tn) / total if total else 0.0
        denom = 2 * self.tp + self.fp + self.fn
        return p, r, acc, (2 * self.tp / denom if denom else 0.0)


# ----------------------------------------------------------------------------------------------------------
# Systems


def _load_clean_text() -> tuple[Callable[[str], Any] | None, str]:
    """copydesk's line cleaner, if it can be imported (it is optional for this benchmark)."""
    try:
        from copydesk.clean.boilerplate import clean_text
    except Exception as exc:  # noqa: BLE001 - any failure just drops the row, with the reason shown
        return None, f"{type(exc).__name__}: {exc}"
    return clean_text, ""


def systems(clean_text: Callable[[str], Any] | None, *, ablations: bool) -> dict[str, Extractor]:
    trafilatura = _import_trafilatura()

    def traf(**kw: Any) -> Extractor:
        def run(html: bytes) -> str:
            return trafilatura.extract(html, **kw) or ""

        return run

    out: dict[str, Extractor] = {
        "trafilatura, library defaults (comments kept)": traf(),
        "trafilatura include_comments=False (as the benchmark runs it)": traf(include_comments=False),
        "trafilatura favor_precision": traf(include_comments=False, favor_precision=True),
        "trafilatura favor_recall": traf(include_comments=False, favor_recall=True),
    }
    if ablations:

        def variant(**kw: Any) -> Extractor:
            return lambda html: _extract_page(trafilatura, decode_html(html), None, **kw).text

        out["ablation: copydesk, favor_precision only"] = variant(recall_retry=False, drop_title_line=False)
        out["ablation: copydesk, + recall retry"] = variant(drop_title_line=False)
        out["ablation: copydesk, balanced + retry + title"] = variant(favor="balanced")
    out["copydesk extract_html"] = lambda html: extract_html(html).text
    if clean_text is not None:
        clean = clean_text
        out["copydesk extract_html + clean_text"] = lambda html: clean(extract_html(html).text).text
    return out


BASELINE = "trafilatura include_comments=False (as the benchmark runs it)"


# ----------------------------------------------------------------------------------------------------------
# Runs


@dataclass
class Row:
    name: str
    p: float
    r: float
    f1: float
    f1_std: float
    diff_std: float
    n: int
    seconds: float
    extra: str = ""


def _timed(fn: Extractor, pages: Mapping[str, bytes]) -> tuple[dict[str, str], float, int]:
    preds: dict[str, str] = {}
    crashes = 0
    try:  # warm-up outside the clock: lazy imports and first-call caches inside the libraries
        fn(next(iter(pages.values())))
    except Exception:  # the timed loop below reports it
        logging.getLogger(__name__).debug("warm-up failed", exc_info=True)
    start = time.perf_counter()
    for key, html in pages.items():
        try:
            preds[key] = fn(html)
        except Exception:  # a crash scores as an empty prediction, as upstream does
            logging.getLogger(__name__).exception("%s crashed", key)
            preds[key] = ""
            crashes += 1
    return preds, time.perf_counter() - start, crashes


def _load_reference(data: Path) -> ModuleType | None:
    spec = importlib.util.spec_from_file_location("aeb_evaluate", data / "evaluate.py")
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_aeb(data: Path, sysmap: Mapping[str, Extractor], dump: Path | None) -> tuple[list[Row], list[str]]:
    gold: dict[str, dict[str, str]] = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {key: gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes()) for key in sorted(gold)}
    reference = _load_reference(data)
    checks: list[str] = []
    all_counts: dict[str, list[tuple[float, float, float]]] = {}
    rows: list[Row] = []
    for name, fn in sysmap.items():
        preds, seconds, crashes = _timed(fn, pages)
        counts = [page_counts(gold[k].get("articleBody", ""), preds[k]) for k in pages]
        all_counts[name] = counts
        p, r, f1 = prf(counts)
        if reference is not None:
            ref = reference.evaluate(gold, {k: {"articleBody": v} for k, v in preds.items()}, 0)
            ref_counts = [
                reference.string_shingle_matching(true=gold[k]["articleBody"], pred=preds[k]) for k in pages
            ]
            same = all(a == b for a, b in zip(counts, ref_counts, strict=True))
            delta = max(abs(p - ref["precision"]), abs(r - ref["recall"]), abs(f1 - ref["f1"]))
            line = (
                f"{name}: ours P/R/F1 {p:.6f}/{r:.6f}/{f1:.6f}, evaluate.py "
                f"{ref['precision']:.6f}/{ref['recall']:.6f}/{ref['f1']:.6f}; max |diff| {delta:.1e}; "
                f"per-page (tp,fp,fn) identical: {same}"
            )
            print("  check", line, flush=True)
            checks.append(line)
            if delta > 1e-12 or not same:
                raise SystemExit(f"scorer mismatch with evaluate.py for {name}")
        extra = f"{crashes} crashed" if crashes else ""
        rows.append(Row(name, p, r, f1, 0.0, 0.0, len(pages), seconds, extra))
        print(f"  AEB {name:62s} P={p:.4f} R={r:.4f} F1={f1:.4f} {seconds:6.1f}s", flush=True)
        if dump is not None:
            dump.mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"\W+", "_", name).strip("_")[:60]
            payload = {"version": "", "output": {k: {"articleBody": v} for k, v in preds.items()}}
            (dump / f"{slug}.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    for row in rows:  # once the baseline's counts are known, whatever the order of the systems
        baseline = all_counts[BASELINE] if row.name != BASELINE else None
        row.f1_std, row.diff_std = bootstrap_std(all_counts[row.name], baseline)
    if reference is None:
        checks.append("evaluate.py could not be imported: no cross-check")
    return rows, checks


def _load_te(data: Path) -> tuple[dict[str, dict[str, Any]], dict[str, bytes]]:
    evaldata: dict[str, dict[str, Any]] = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    pages: dict[str, bytes] = {}
    for url, item in evaldata.items():
        for sub in ("cache", "eval"):  # upstream looks in cache/ first
            path = data / sub / f"{item['file']}.gz"
            if path.is_file():
                pages[url] = gzip.decompress(path.read_bytes())
                break
        else:
            raise SystemExit(f"{data}: missing HTML for {url} ({item['file']})")
    return evaldata, pages


def run_te(
    evaldata: Mapping[str, Mapping[str, Any]], pages: Mapping[str, bytes], sysmap: Mapping[str, Extractor]
) -> list[tuple[str, Confusion, float, int]]:
    out = []
    for name, fn in sysmap.items():
        preds, seconds, crashes = _timed(fn, pages)
        cm = Confusion()
        for url, item in evaldata.items():
            cm.add(item, preds[url])
        p, r, acc, f1 = cm.scores()
        print(f"  TE  {name:62s} P={p:.4f} R={r:.4f} Acc={acc:.4f} F1={f1:.4f} {seconds:6.1f}s", flush=True)
        out.append((name, cm, seconds, crashes))
    return out


METADATA_FIELDS = ("title", "author", "date")


def _norm_meta(value: str | None) -> str:
    return _norm_ws(value or "").casefold()


def run_te_metadata(
    evaldata: Mapping[str, Mapping[str, Any]], pages: Mapping[str, bytes]
) -> dict[str, tuple[int, int, int, int]]:
    """Per gold field: (exact matches, pages with a gold value, left empty, pages whose gold value is empty)."""
    counts = {name: [0, 0, 0, 0] for name in METADATA_FIELDS}
    for url, item in evaldata.items():
        page = extract_html(pages[url], url=url)
        for name in METADATA_FIELDS:
            gold = item.get(name)
            if isinstance(gold, list):  # several authors
                gold = "; ".join(gold)
            if gold is None:
                continue
            ours = getattr(page, name)
            c = counts[name]
            if gold.strip():
                c[0] += _norm_meta(ours) == _norm_meta(gold)
                c[1] += 1
            else:
                c[2] += not ours
                c[3] += 1
    for name, (hit, n, empty, n_empty) in counts.items():
        print(f"  TE  metadata {name}: exact {hit}/{n}, left empty {empty}/{n_empty}", flush=True)
    return {name: (c[0], c[1], c[2], c[3]) for name, c in counts.items()}


# ----------------------------------------------------------------------------------------------------------
# Report


def _versions() -> str:
    names = ("trafilatura", "lxml", "justext", "htmldate", "charset-normalizer", "warcio", "copydesk")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _git_rev() -> str:
    state = git_state(REPO, untracked=False)
    if state is None:
        return "unknown"
    head, changed = state
    return head + (" (with uncommitted changes)" if changed else "")


def render(
    aeb: list[Row],
    checks: list[str],
    te: list[tuple[str, Confusion, float, int]] | None,
    te_meta: Mapping[str, tuple[int, int, int, int]] | None,
    clean_note: str,
    command: str,
) -> str:
    base = next(row for row in aeb if row.name == BASELINE)
    lines = [
        "# HTML body extraction quality",
        "",
        "Generated by `bench/quality/extraction.py`; do not edit by hand. Command (from the repository root):",
        "",
        f"    {command}",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}.  ",
        f"Libraries: {_versions()}.  ",
        f"copydesk commit: {_git_rev()}.",
        "",
        f"## Article-extraction benchmark ({base.n} pages)",
        "",
        "Word 4-gram shingle precision / recall per page, averaged over pages, F1 of the two means (the metric of",
        "the benchmark's `evaluate.py`). ± is the bootstrap standard deviation of F1 (1000 resamples of the pages,",
        'seed 0); "vs baseline" is the F1 difference to trafilatura as the benchmark runs it, with the standard',
        "deviation of the paired bootstrap difference. Time is wall-clock for all pages, one process, after one",
        "warm-up page; it is noisy when the machine is shared.",
        "",
        "| system | precision | recall | F1 | vs baseline | pages | time (s) | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in aeb:
        diff = "baseline" if row.name == BASELINE else f"{row.f1 - base.f1:+.4f} ± {row.diff_std:.4f}"
        lines.append(
            f"| {row.name} | {row.p:.4f} | {row.r:.4f} | {row.f1:.4f} ± {row.f1_std:.4f} | {diff} | {row.n} "
            f"| {row.seconds:.1f} | {row.extra} |"
        )
    if clean_note:
        lines += [
            "",
            f"`copydesk extract_html + clean_text` not scored: the cleaner did not import ({clean_note}).",
        ]
    lines += [
        "",
        "Published F1 on all 181 pages (benchmark README): trafilatura 2.0.0 0.958, rs_trafilatura 0.970,",
        "readability.js 0.947. 60 pages are held back from this copy, so these numbers are not directly comparable.",
        "",
        "Scorer cross-check: every prediction set above was also scored by the benchmark's own `evaluate.py`",
        "(imported from the data folder); the run stops if the two disagree.",
        "",
    ]
    lines += [f"- {line}" for line in checks]
    if te is not None:
        lines += [
            "",
            "## trafilatura evaluation corpus (990 pages, trafilatura's home ground)",
            "",
            "Whitespace-normalised substring tests of 2951 must-appear and 2966 must-not-appear segments, counts",
            "summed over the corpus (metric of `tests/eval_common.py` upstream); a crash counts as empty output.",
            "trafilatura settings as upstream's gate: `include_comments=False, include_tables=True`.",
            "",
            "| system | precision | recall | accuracy | F1 | time (s) | note |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for name, cm, seconds, crashes in te:
            p, r, acc, f1 = cm.scores()
            note = f"{crashes} crashed" if crashes else ""
            lines.append(f"| {name} | {p:.4f} | {r:.4f} | {acc:.4f} | {f1:.4f} | {seconds:.1f} | {note} |")
        lines += [
            "",
            "Published (trafilatura docs, 2.2.0, 990 pages): trafilatura standard F1 0.924 (P 0.906, R 0.943).",
            "copydesk's times include metadata extraction (title, date, author; htmldate's date search is most of",
            "it), which the trafilatura rows, calling `extract()` without metadata, do not do.",
        ]
    if te_meta is not None:
        lines += [
            "",
            "### Metadata returned by `extract_html` on the same corpus",
            "",
            "Gold title/author/date of the corpus; exact match after whitespace collapsing and case folding. A page",
            "whose gold value is empty counts as right when `extract_html` also returns nothing.",
            "",
            "| field | exact match (gold given) | left empty (gold empty) |",
            "|---|---:|---:|",
        ]
        for name, (hit, n, empty, n_empty) in te_meta.items():
            exact = f"{hit}/{n} = {hit / n:.3f}" if n else "-"
            blank = f"{empty}/{n_empty} = {empty / n_empty:.3f}" if n_empty else "-"
            lines.append(f"| {name} | {exact} | {blank} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_AEB, help="article-extraction-benchmark folder")
    parser.add_argument("--out", type=Path, default=None, help="write the markdown report here")
    parser.add_argument(
        "--te-data", type=Path, default=DEFAULT_TE, help="trafilatura-eval folder (second table)"
    )
    parser.add_argument("--skip-te", action="store_true", help="skip the trafilatura-eval table")
    parser.add_argument("--no-ablations", action="store_true", help="score only the headline systems")
    parser.add_argument(
        "--dump",
        type=Path,
        default=None,
        help="write each system's predictions here, in "
        "the benchmark's output/*.json format (evaluate.py can then be run on them)",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.ERROR)  # trafilatura warns about every odd page
    if not (args.data / "ground-truth.json").is_file():
        parser.error(f"{args.data}: no ground-truth.json (see bench/quality/README.md for the data)")
    clean_text, clean_note = _load_clean_text()
    if clean_text is None:
        print(f"note: copydesk.clean.boilerplate.clean_text not importable ({clean_note}); row skipped")
    sysmap = systems(clean_text, ablations=not args.no_ablations)

    print(f"article-extraction-benchmark: {args.data}", flush=True)
    aeb, checks = run_aeb(args.data, sysmap, args.dump)
    te = None
    te_meta = None
    if not args.skip_te:
        if (args.te_data / "evaldata.json").is_file():
            print(f"trafilatura-eval: {args.te_data}", flush=True)
            te_systems = {k: v for k, v in sysmap.items() if not k.startswith("trafilatura, library")}
            evaldata, te_pages = _load_te(args.te_data)
            te = run_te(evaldata, te_pages, te_systems)
            te_meta = run_te_metadata(evaldata, te_pages)
        else:
            print(f"note: {args.te_data} has no evaldata.json; second table skipped")
    command = "python " + shlex.join(
        [
            os.path.relpath(sys.argv[0]) if argv is None else "bench/quality/extraction.py",
            *(argv or sys.argv[1:]),
        ]
    )
    report = render(aeb, checks, te, te_meta, clean_note, command)
    if args.out is not None:
        args.out.write_text(report, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
