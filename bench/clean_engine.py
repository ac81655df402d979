"""The per-line rule engine alone: ``clean_text`` and ``extract_credits`` with and without the batch line scan.

    python bench/clean_engine.py --corpus bench/out/corpus-10k --repeat 3

Runs over the texts of ``docs.jsonl`` in batches as ``dedup`` does (2,048 texts, one ``LineVerdicts`` and one
``LineCreditMemo`` memo per batch, garbage collections as in ``dedup``), in this process, and reports the best of ``--repeat`` runs: seconds and MB/s
of UTF-8 text for the scan alone (``copydesk.clean.linescan.scan_lines``), ``clean_text`` with the rules on
every line (the engine without Hyperscan) and with the scan's codes (scan included), and ``extract_credits``
without and with the codes (scan not included: ``dedup`` scans once for both). The results with and without the
scan must be the same for every text; the script checks it on every run. Issue 18's target for the rule engine
is 100 MB/s per core; pin the process to one core (``taskset -c 1``) for per-core figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from copydesk.clean.boilerplate import CleanResult, LineVerdicts, clean_text
from copydesk.clean.linescan import LineScan, scan_lines
from copydesk.provenance import Credit, LineCreditMemo, extract_credits
from copydesk.runtime import fewer_collections

BATCH = 2048


def _best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        with fewer_collections():  # (as dedup runs its batches)
            result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--corpus", type=Path, required=True, help="folder written by bench/generate.py")
    ap.add_argument("--limit", type=int, default=10_000, help="use the first N docs")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    texts: list[str] = []
    with open(args.corpus / "docs.jsonl", encoding="utf-8") as handle:
        for line in handle:
            texts.append(json.loads(line)["text"])
            if len(texts) >= args.limit:
                break
    megabytes = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) / 1e6
    batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    if scan_lines(texts[:1]) is None:
        print("hyperscan is not installed: nothing to compare", file=sys.stderr)
        return 1

    def scans() -> list[LineScan]:
        return [scan for batch in batches if (scan := scan_lines(batch)) is not None]

    def clean(with_scan: bool) -> list[CleanResult]:
        out: list[CleanResult] = []
        for batch in batches:
            memo = LineVerdicts()
            scan = scan_lines(batch) if with_scan else None
            out.extend(clean_text(t, verdicts=memo, line_codes=None if scan is None else scan.text(i))
                       for i, t in enumerate(batch))
        return out

    scanned = scans()

    def credits(with_codes: bool) -> list[tuple[Credit, ...]]:
        out: list[tuple[Credit, ...]] = []
        for batch, scan in zip(batches, scanned, strict=True):
            memo = LineCreditMemo()
            out.extend(extract_credits(t, memo=memo, line_codes=scan.text(i) if with_codes else None)
                       for i, t in enumerate(batch))
        return out

    seconds, _ = _best(scans, args.repeat)
    rows: list[tuple[str, float]] = [("scan_lines (the scan alone)", seconds)]
    # (each step without the scan, then with it: the two must give the same results)
    steps: tuple[tuple[str, str, Callable[[bool], object]], ...] = (
        ("clean_text, rules on every line", "clean_text with the scan (scan included)", clean),
        ("extract_credits, every line", "extract_credits with the codes", credits),
    )
    for without_name, with_name, step in steps:
        seconds, reference = _best(lambda: step(False), args.repeat)  # noqa: B023  (called at once)
        rows.append((without_name, seconds))
        seconds, fast = _best(lambda: step(True), args.repeat)  # noqa: B023
        rows.append((with_name, seconds))
        if fast != reference:
            raise SystemExit(f"{with_name}: results differ from {without_name}")

    print(f"{len(texts):,} texts, {megabytes:.1f} MB, best of {args.repeat}; results identical with and without")
    print("| step | seconds | MB/s |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {megabytes / seconds:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
