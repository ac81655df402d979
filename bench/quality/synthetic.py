"""Pair precision / recall of ``copydesk dedup`` on the seeded synthetic syndication corpus (bench/generate.py).

A true pair counts as found when both docs land in the same cluster. Precision is measured on the pairs
copydesk asserts (every member with its canonical doc): a pair is right when both docs tell the same story.
"Related" truth pairs (two excerpts of one story) are neither required nor wrong.

    python bench/quality/synthetic.py --docs 10000 --seed 1            # writes bench/out/quality-synthetic.md
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import copydesk

HERE = Path(__file__).resolve().parent


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("copydesk_bench_generate", HERE.parent / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def make_corpus(docs: int, seed: int, out: Path) -> Path:
    gen = load_generator()
    gen.generate(gen.GenConfig(docs=docs, seed=seed), out)
    return out


def score(corpus: Path, decisions: list[copydesk.Decision]) -> dict[str, Any]:
    """Recall per kind, precision of asserted pairs, and the confusion of true role vs decided role."""
    by_id = {d.doc_id: d for d in decisions}
    stories = {r["id"]: r for r in map(json.loads, (corpus / "stories.jsonl").read_text().splitlines())}
    wanted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for line in (corpus / "truth.jsonl").read_text().splitlines():
        t = json.loads(line)
        if t["kind"] == "related":
            continue
        wanted[t["kind"]] += 1
        a, b = by_id[t["a"]], by_id[t["b"]]
        if a.cluster_id is not None and a.cluster_id == b.cluster_id:
            found[t["kind"]] += 1
    asserted = [(d.doc_id, d.canonical_id) for d in decisions if d.role.value in ("near_duplicate", "excerpt_of", "edited_copy")]
    right = sum(1 for a, b in asserted if b is not None and stories[a]["story"] == stories[b]["story"])
    return {
        "recall": {k: found[k] / wanted[k] for k in sorted(wanted) if wanted[k]},
        "pairs": {k: wanted[k] for k in sorted(wanted)},
        "precision": right / len(asserted) if asserted else 1.0,
        "asserted_pairs": len(asserted),
        "confusion": Counter((stories[d.doc_id]["role"], d.role.value) for d in decisions),
    }


def run(corpus: Path, **config: Any) -> tuple[dict[str, Any], float]:
    cfg = copydesk.RunConfig(**config)
    start = time.perf_counter()
    result = copydesk.dedup(copydesk.read_inputs([corpus / "docs.jsonl"], cfg.read), cfg)
    return score(corpus, result.decisions), time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("bench/out"))
    ap.add_argument("--out", type=Path, default=Path("bench/out/quality-synthetic.md"))
    args = ap.parse_args()
    corpus = args.work / f"quality-{args.docs}-{args.seed}"
    if not (corpus / "docs.jsonl").exists():
        make_corpus(args.docs, args.seed, corpus)
    rows = []
    for name, config in (("copydesk (clean)", {}),
                         ("copydesk --no-clean", {"clean": copydesk.CleanConfig(enabled=False)})):
        s, seconds = run(corpus, **config)
        rows.append(f"| {name} | {s['precision']:.4f} | {s['recall'].get('near', 0):.4f} | "
                    f"{s['recall'].get('excerpt', 0):.4f} | {s['asserted_pairs']} | {seconds:.1f} |")
    table = "\n".join([
        f"Command: `python bench/quality/synthetic.py --docs {args.docs} --seed {args.seed}`",
        f"Corpus: {args.docs} docs, seed {args.seed}; true pairs {s['pairs']}",
        "",
        "| system | precision | near recall | excerpt recall | asserted pairs | seconds |",
        "|---|--:|--:|--:|--:|--:|",
        *rows,
    ])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table + "\n", encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
