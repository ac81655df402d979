"""GPU backend against the CPU backend in one run: text sketched per second, and ``dedup`` end to end.

Run on a machine with a CUDA device and the ``[gpu]`` extra (``pip install -e '.[gpu]'``):

    python bench/gpu.py --corpus bench/out/corpus-100k --limit 100000 --out bench/out/gpu.md

Sketching = NFKC-fold and tokenise, word 5-gram shingle sets, exact-copy hashes, 128-lane one-permutation
MinHash; both backends get the same texts in the same batches and must return identical arrays (checked here
on every run). The GPU figure includes host encoding and the copies to and from the device. Kernels are
compiled in a warm-up call first, as a long run pays that once. ``dedup`` end to end is
``copydesk.pipeline.dedup`` on the same docs with ``backend="numpy"`` and ``backend="gpu"``; its decisions
must match.

With ``NUMBA_ENABLE_CUDASIM=1`` the script runs on numba's CUDA simulator (use a few dozen docs): that checks
the script, not speed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from copydesk.backends import gpu
from copydesk.config import MinHashConfig, RunConfig, ShingleConfig
from copydesk.pipeline import dedup
from copydesk.sketch.minhash import signatures
from copydesk.sketch.shingle import shingle_sets
from copydesk.types import Document


def load(corpus: Path, limit: int) -> list[dict[str, str]]:
    docs = []
    with open(corpus / "docs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if len(docs) >= limit:
                break
            docs.append(json.loads(line))
    return docs


def batches(texts: list[str], size: int) -> list[list[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


def sketch_cpu(parts: list[list[str]]) -> list[tuple[np.ndarray, ...]]:
    out = []
    for part in parts:
        sets = shingle_sets(part, ShingleConfig())
        out.append((sets.values, sets.offsets, sets.exact, signatures(sets, MinHashConfig())))
    return out


def sketch_gpu(parts: list[list[str]]) -> list[tuple[np.ndarray, ...]]:
    out = []
    for part in parts:
        sets, sigs = gpu.sketch(part, ShingleConfig(), MinHashConfig())
        out.append((sets.values, sets.offsets, sets.exact, sigs))
    return out


def best_of(repeat: int, fn, *args):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def run_dedup(docs: list[dict[str, str]], backend: str) -> tuple[float, list[tuple[str, str]]]:
    start = time.perf_counter()
    result = dedup(
        (Document(id=d["id"], text=d["text"], url=d.get("url"), source=d.get("source")) for d in docs),
        RunConfig(backend=backend),  # type: ignore[arg-type]
    )
    seconds = time.perf_counter() - start
    return seconds, [(d.doc_id, d.role) for d in result.decisions]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="folder written by bench/generate.py")
    ap.add_argument("--limit", type=int, default=100_000)
    ap.add_argument("--batch-size", type=int, default=20_000, help="docs per sketch call on either backend")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-dedup", action="store_true", help="sketching only")
    ap.add_argument("--out", type=Path, default=Path("bench/out/gpu.md"))
    args = ap.parse_args(argv)

    reason = gpu.gpu_unavailable_reason()
    if reason is not None:
        print(f"no GPU backend here: {reason}", file=sys.stderr)
        return 2
    docs = load(args.corpus, args.limit)
    texts = [d["text"] for d in docs]
    mb = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) / 1e6
    parts = batches(texts, args.batch_size)
    gpu.sketch(texts[:64], ShingleConfig(), MinHashConfig())  # compile the kernels
    cpu_s, cpu_out = best_of(args.repeat, sketch_cpu, parts)
    gpu_s, gpu_out = best_of(args.repeat, sketch_gpu, parts)
    identical = all(
        all(np.array_equal(a, b) for a, b in zip(c, g, strict=True)) for c, g in zip(cpu_out, gpu_out, strict=True)
    )
    rows = [
        ("CPU sketch (numba, this machine's threads)", cpu_s, len(texts) / cpu_s, mb / cpu_s),
        ("GPU sketch (numba-cuda, copies included)", gpu_s, len(texts) / gpu_s, mb / gpu_s),
    ]
    facts: dict[str, object] = {"docs": len(texts), "mb": round(mb, 1), "identical_sketches": identical}
    if not args.no_dedup:
        run_dedup(docs[:200], "gpu")  # warm both paths
        cpu_e2e, cpu_roles = run_dedup(docs, "numpy")
        gpu_e2e, gpu_roles = run_dedup(docs, "gpu")
        facts["identical_decisions"] = cpu_roles == gpu_roles
        rows += [
            ("dedup end to end, backend numpy", cpu_e2e, len(texts) / cpu_e2e, mb / cpu_e2e),
            ("dedup end to end, backend gpu", gpu_e2e, len(texts) / gpu_e2e, mb / gpu_e2e),
        ]
    from numba import cuda

    try:
        raw = cuda.get_current_device().name
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
    except AttributeError:  # the simulator has no device to name
        name = "numba CUDA simulator"
    lines = [
        f"# GPU vs CPU backend ({len(texts):,} docs, {mb:.1f} MB, device {name})", "",
        f"Command: `python bench/gpu.py {' '.join(argv if argv is not None else sys.argv[1:])}`", "",
        "| what | seconds | docs/s | MB/s |", "|---|--:|--:|--:|",
        *[f"| {label} | {s:.3f} | {d:,.0f} | {m:,.1f} |" for label, s, d, m in rows], "",
        *[f"- {k}: {v}" for k, v in facts.items()],
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({"rows": rows, **facts}, indent=1), encoding="utf-8")
    print("\n".join(lines))
    return 0 if identical and facts.get("identical_decisions", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
