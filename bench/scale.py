"""Scaling run: ``copydesk dedup`` on generated corpora of growing size, one fresh process each, with per-stage
docs/s and MB/s, peak RSS (from the kernel's accounting of the child process) and a linearity check.

    python bench/scale.py --sizes 10000 100000 1000000 --workers 1     # writes bench/out/scale.md (+ .json)

Corpora come from ``bench/generate.py`` (``bench/out/corpus-<n>``, generated when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = {10_000: "corpus-10k", 100_000: "corpus-100k", 1_000_000: "corpus-1m"}


def corpus_for(n: int, out: Path) -> Path:
    path = out / NAMES.get(n, f"corpus-{n}")
    if not (path / "docs.jsonl").exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--docs", str(n), "--seed", "1",
                        "--out", str(path)], check=True)
    return path


def run_once(corpus: Path, workers: int, extra: list[str]) -> dict[str, object]:
    out = corpus / f"dedup-w{workers}"
    exe = Path(sys.executable).with_name("copydesk")
    command = [str(exe), "dedup", str(corpus / "docs.jsonl"), "--out", str(out), "--quiet",
               "--workers", str(workers), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr)
    manifest = json.loads((out / "manifest.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    return {
        "docs": summary["input_docs"], "mb": summary["text_bytes"] / 1e6, "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb": after.ru_maxrss / 1024, "stages": manifest["seconds"],
        "batch_steps": manifest.get("batch_step_seconds", {}), "command": " ".join(command),
        "clusters": summary["clusters"], "roles": summary["roles"],
    }


def table(rows: list[dict[str, object]]) -> str:
    lines = ["| docs | MB | wall s | docs/s | MB/s | peak RSS MB | time / linear from smallest |",
             "|--:|--:|--:|--:|--:|--:|--:|"]
    base = rows[0]
    for r in rows:
        docs, mb, wall = float(r["docs"]), float(r["mb"]), float(r["wall_s"])  # type: ignore[arg-type]
        linear = float(base["wall_s"]) * docs / float(base["docs"])  # type: ignore[arg-type]
        lines.append(f"| {int(docs):,} | {mb:,.0f} | {wall:,.1f} | {docs / wall:,.0f} | {mb / wall:,.1f} | "
                     f"{float(r['peak_rss_mb']):,.0f} | {wall / linear:.2f}x |")  # type: ignore[arg-type]
    lines += ["", "Per stage (seconds; docs/s in brackets):", ""]
    stages = list(rows[-1]["stages"])  # type: ignore[arg-type]
    lines.append("| docs | " + " | ".join(stages) + " |")
    lines.append("|--:|" + "--:|" * len(stages))
    for r in rows:
        docs = float(r["docs"])  # type: ignore[arg-type]
        cells = []
        for s in stages:
            sec = float(r["stages"].get(s, 0.0))  # type: ignore[union-attr]
            cells.append(f"{sec:,.1f} ({docs / sec:,.0f})" if sec > 0 else "-")
        lines.append(f"| {int(docs):,} | " + " | ".join(cells) + " |")
    steps = rows[-1]["batch_steps"]
    if steps:
        lines += ["", f"Inside the clean+sketch stage at {int(float(rows[-1]['docs'])):,} docs (CPU seconds "  # type: ignore[arg-type]
                  f"summed over batches): " + ", ".join(f"{k} {v:,.1f}" for k, v in steps.items())]  # type: ignore[union-attr]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-clean", action="store_true")
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scale.md")
    args = ap.parse_args()
    extra = ["--no-clean"] if args.no_clean else []
    rows = [run_once(corpus_for(n, args.data), args.workers, extra) for n in args.sizes]
    header = [
        f"Command: `python bench/scale.py --sizes {' '.join(map(str, args.sizes))} --workers {args.workers}"
        + (" --no-clean`" if args.no_clean else "`"),
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "",
    ]
    text = "\n".join(header) + table(rows) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
