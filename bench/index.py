#!/usr/bin/env python3
"""The incremental index (issue 19): batches added one by one against one ``dedup`` of everything, and peers.

    python bench/index.py --corpus /tmp/speed/c10k --batches 10 --queries 300 --kills 20 --out bench/out/index

What it measures, each through the ``copydesk`` command a user runs (one process per command, as a daily crawl
runs; peak RSS of each process from ``wait4``), on the corpus's ``docs.jsonl`` split into ``--batches`` files:

* **one run**: ``copydesk dedup docs.jsonl --out`` (seconds, docs/s, peak RSS);
* **the batches**: ``copydesk index add --db F batch_k.jsonl --out`` one after another, in the default mode
  (stable canonicals) and with ``--recanonicalize``; each batch's seconds and peak RSS, the sum against the one
  run (the issue's target: add throughput >= 80% of dedup's), the file's size per doc (after the last writer
  closed it, so that the write-ahead log is folded in), and opening it (``copydesk.Index`` + ``stats()``);
* **equivalence**: each doc's (role, canonical) from ``index export`` against the one run, co-cluster pairs
  (every two docs in one cluster) recall and precision, and every difference sorted into kinds, with examples;
* **queries** (library, warm, in this process): ``Index.query`` of one doc at a time, ``--queries`` docs of the
  corpus under new ids (so each finds its original), p50 / p99; and the same docs as one batch, docs/s;
* **faults**: ``--kills`` runs of the last ``index add`` killed (SIGKILL) at random instants of its clean
  duration, each on a copy of the index before that batch; then ``index check`` must pass and the index must
  hold the batch wholly or not at all, and the same ``add`` again must complete it;
* **peers**: datasketch's ``MinHashLSH`` (128 permutations, word 5-grams of the raw text, threshold 0.5): in
  memory, and with Redis storage where ``redis-server`` is installed (started on 127.0.0.1 for the run): insert
  docs/s, query p50 / p99, and what each keeps per doc. datasketch keeps no shingles, so it cannot verify a
  candidate or tell an excerpt; its rows are speed only.

Results go to ``--out`` as ``index.json`` and ``index.md``. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np
from _common import PeakRss, command_line, machine_info, markdown_table

COPYDESK = [sys.executable, "-c", "from copydesk.cli.main import main; main()"]


def run_measured(args: list[str], quiet: bool = True) -> tuple[float, int, int]:
    """(seconds, peak RSS bytes, exit status) of one command, its RSS from ``wait4`` (that process only)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 3):  # (3: some inputs had problems, which the outputs account for)
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, int(usage.ru_maxrss) * 1024, proc.returncode


def split(docs: Path, parts: int, folder: Path) -> list[Path]:
    """``docs`` (JSONL) cut into ``parts`` files of consecutive lines (a crawl's days, in order)."""
    with docs.open("rb") as handle:
        total = sum(1 for _ in handle)
    size = -(-total // parts)
    paths = [folder / f"batch_{k:02d}.jsonl" for k in range(parts)]
    with docs.open("rb") as handle:
        for path in paths:
            with path.open("wb") as out:
                for _ in range(size):
                    line = handle.readline()
                    if not line:
                        break
                    out.write(line)
    return [p for p in paths if p.stat().st_size]


def decisions_of(path: Path) -> dict[str, tuple[str, str | None]]:
    out = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            out[row["id"]] = (row["role"], row["canonical_id"])
    return out


def clusters_of(decisions: dict[str, tuple[str, str | None]]) -> dict[str, frozenset[str]]:
    """Each doc's cluster (itself alone when it has none)."""
    groups: dict[str, set[str]] = collections.defaultdict(set)
    for doc, (_, canonical) in decisions.items():
        if canonical is not None:
            groups[canonical] |= {doc, canonical}
    out = {doc: frozenset([doc]) for doc in decisions}
    for members in groups.values():
        frozen = frozenset(members)
        for doc in members:
            out[doc] = frozen
    return out


def pair_count(clusters: dict[str, frozenset[str]]) -> int:
    return sum(len(c) * (len(c) - 1) // 2 for c in set(clusters.values()))


def arrival(batches: list[Path]) -> dict[str, int]:
    """Each doc id's batch."""
    out = {}
    for k, path in enumerate(batches):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                out[str(json.loads(line)["id"])] = k
    return out


def why(doc: str, one: dict[str, tuple[str, str | None]], index: dict[str, tuple[str, str | None]],
        came: dict[str, int]) -> str:
    """Why a doc's decision differs, from the order the docs came in."""
    if doc not in index:
        return "rejected (the index holds no rejected doc)" if one[doc][0] == "rejected" else "not in the index"
    first = one[doc][1] or doc  # its cluster's canonical doc in one run
    kept = (index.get(doc) or ("", None))[1] or doc  # ... and in the index
    if first == kept:
        return ("same canonical doc, another role: its batch was cleaned with the line counts known then (one "
                "run counts every doc's lines first)")
    if came.get(first, 0) > came.get(kept, 0):
        return "one run's canonical doc came in a later batch than the index's (stable canonicals)"
    if came.get(first, 0) > came.get(doc, 0):
        return "one run's canonical doc came in a later batch than this doc"
    return "not from the order of arrival"


def compare(one: dict[str, tuple[str, str | None]], index: dict[str, tuple[str, str | None]],
            came: dict[str, int] | None = None) -> dict[str, Any]:
    """Co-cluster pairs recall and precision of the index against one run, and the docs that differ, by kind
    (and, given each doc's batch, why)."""
    a, b = clusters_of(one), clusters_of(index)
    shared = sum(len(ca & b[doc]) - 1 for doc, ca in a.items() if doc in b) // 2
    pairs_one, pairs_index = pair_count(a), pair_count(b)
    kinds: dict[str, list[str]] = collections.defaultdict(list)
    for doc in sorted(one):
        if one[doc] == index.get(doc):
            continue
        if doc not in index:
            kinds["missing from the index"].append(doc)
        elif a[doc] == b[doc]:
            kinds["same cluster, another canonical doc or role"].append(doc)
        elif a[doc] > b[doc]:
            kinds["in a smaller cluster (the index keeps apart what one run joins)"].append(doc)
        elif a[doc] < b[doc]:
            kinds["in a larger cluster (the index joins what one run keeps apart)"].append(doc)
        else:
            kinds["in another cluster"].append(doc)
    return {
        "docs": len(one), "differ": sum(len(v) for v in kinds.values()),
        "pairs_one_run": pairs_one, "pairs_index": pairs_index,
        "pairs_recall": round(shared / pairs_one, 4) if pairs_one else 1.0,
        "pairs_precision": round(shared / pairs_index, 4) if pairs_index else 1.0,
        "kinds": {k: {"docs": len(v), "why": dict(collections.Counter(why(d, one, index, came or {}) for d in v)),
                      "examples": [{"id": d, "one_run": one[d], "index": index.get(d)} for d in v[:3]]}
                  for k, v in kinds.items()},
    }


def add_batches(batches: list[Path], db: Path, out: Path, workers: int, recanonicalize: bool) -> dict[str, Any]:
    rows = []
    for k, batch in enumerate(batches):
        args = [*COPYDESK, "index", "add", "--db", str(db), str(batch), "--out", str(out / f"b{k:02d}"),
                "--workers", str(workers), "--quiet"]
        if recanonicalize:
            args.append("--recanonicalize")
        seconds, rss, _ = run_measured(args)
        rows.append({"batch": k, "seconds": round(seconds, 3), "peak_rss_bytes": rss})
    run_measured([*COPYDESK, "index", "export", "--db", str(db), "--out", str(out / "export")])
    return {"batches": rows, "seconds": round(sum(r["seconds"] for r in rows), 3),
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in rows), "bytes": db.stat().st_size}


def open_seconds(db: Path, probe: Path) -> dict[str, float]:
    """Seconds to open the index in a new process (``Index(path)``: its settings checked), to query one doc
    right after (the first query reads the vocabulary and warms numba's kernels), and ``stats()`` (which counts
    every doc's role: a scan of the docs table)."""
    code = ("import time, sys, dataclasses; from pathlib import Path; from copydesk.index import Index, config_of_index\n"
            "from copydesk.io.readers import read_inputs\n"
            "cfg = config_of_index(sys.argv[1])\n"
            "doc = dataclasses.replace(next(iter(read_inputs([Path(sys.argv[2])], cfg.read))), id='open:probe')\n"
            "t0 = time.perf_counter(); ix = Index(sys.argv[1], cfg, readonly=True); t1 = time.perf_counter()\n"
            "ix.query(iter([doc])); t2 = time.perf_counter(); ix.stats(); t3 = time.perf_counter()\n"
            "print(t1 - t0, t2 - t1, t3 - t2)")
    got = subprocess.run([sys.executable, "-c", code, str(db), str(probe)], check=True, capture_output=True,
                         text=True)
    opened, first_query, stats = (float(x) for x in got.stdout.split())
    return {"open_s": round(opened, 4), "first_query_s": round(first_query, 3), "stats_s": round(stats, 3)}


def query_latency(db: Path, docs_path: Path, queries: int, batch: int) -> dict[str, Any]:
    from copydesk.index import Index, config_of_index
    from copydesk.io.readers import read_inputs

    cfg = config_of_index(db)
    docs = []
    for doc in read_inputs([docs_path], cfg.read):
        docs.append(dataclasses.replace(doc, id=f"query:{doc.id}"))
        if len(docs) >= max(queries + 5, batch):
            break
    with Index(db, cfg, readonly=True) as index:
        for doc in docs[:5]:  # warm: the vocabulary, numba's kernels, SQLite's page cache
            index.query(iter([doc]))
        seconds = []
        matched = 0
        for doc in docs[5 : 5 + queries]:
            start = time.perf_counter()
            run = index.query(iter([doc]))
            seconds.append(time.perf_counter() - start)
            matched += run.result.decisions[0].role.value != "unique"
        with PeakRss() as peak:
            start = time.perf_counter()
            index.query(iter(docs[:batch]))
            batch_seconds = time.perf_counter() - start
    ms = np.array(seconds) * 1e3
    return {"queries": len(seconds), "matched": matched, "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2), "batch_docs": min(batch, len(docs)),
            "batch_seconds": round(batch_seconds, 3), "batch_peak_rss_delta_bytes": peak.delta_bytes}


def faults(before: Path, batch: Path, kills: int, workers: int, work: Path, seed: int) -> dict[str, Any]:
    """Kill the last batch's ``add`` at random instants; check what the index holds, then complete it."""
    from copydesk.index import Index

    def docs_in(db: Path) -> int:
        with Index(db, readonly=True) as index:
            return int(index.stats()["docs"])

    def check(db: Path) -> list[str]:
        with Index(db, readonly=True) as index:
            return index.check()

    with batch.open("rb") as handle:
        batch_docs = sum(1 for _ in handle)
    base = docs_in(before)
    db = work / "fault.db"
    args = [*COPYDESK, "index", "add", "--db", str(db), str(batch), "--workers", str(workers), "--quiet"]
    shutil.copy(before, db)
    clean, _, _ = run_measured(args)
    rng = random.Random(seed)
    rows = []
    for k in range(kills):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(before, db)
        at = rng.uniform(0.0, clean)
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(at)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        problems = check(db)
        held = docs_in(db)
        whole_or_nothing = held in (base, base + batch_docs)
        run_measured(args)
        completed = docs_in(db) == base + batch_docs and check(db) == []
        rows.append({"kill_at_s": round(at, 3), "check": problems, "docs_after_kill": held - base,
                     "whole_or_nothing": whole_or_nothing, "rerun_completes": completed})
    return {"clean_seconds": round(clean, 3), "batch_docs": batch_docs, "kills": rows,
            "all_passed": all(not r["check"] and r["whole_or_nothing"] and r["rerun_completes"] for r in rows),
            "killed_before_commit": sum(r["docs_after_kill"] == 0 for r in rows)}


def raw_texts(docs: Path, limit: int) -> list[tuple[str, str]]:
    out = []
    with docs.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            out.append((str(row["id"]), str(row.get("text") or "")))
            if len(out) >= limit:
                break
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def datasketch_rows(docs: Path, limit: int, queries: int) -> list[dict[str, Any]]:
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return [{"peer": "datasketch", "note": "not installed (pip install -e '.[bench]')"}]
    texts = raw_texts(docs, limit)

    def minhash(text: str) -> Any:
        words = text.lower().split()
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))])
        return m

    start = time.perf_counter()
    hashes = [minhash(t) for _, t in texts]
    sketch_seconds = time.perf_counter() - start
    rows = []
    storages: list[tuple[str, dict[str, Any] | None]] = [("in memory", None)]
    server = None
    if shutil.which("redis-server"):
        try:
            import redis  # noqa: F401

            port = free_port()
            server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                       "--appendonly", "no"], stdout=subprocess.DEVNULL)
            time.sleep(0.5)
            storages.append(("Redis", {"type": "redis", "redis": {"host": "127.0.0.1", "port": port}}))
        except ImportError:
            rows.append({"peer": "datasketch + Redis", "note": "redis (Python) not installed"})
    else:
        rows.append({"peer": "datasketch + Redis", "note": "redis-server not installed (apt-get install redis-server)"})
    try:
        for name, storage in storages:
            lsh = MinHashLSH(threshold=0.5, num_perm=128, **({"storage_config": storage} if storage else {}))
            with PeakRss() as peak:
                start = time.perf_counter()
                if storage is None:
                    for (doc_id, _), m in zip(texts, hashes, strict=True):
                        lsh.insert(doc_id, m)
                else:
                    with lsh.insertion_session() as session:
                        for (doc_id, _), m in zip(texts, hashes, strict=True):
                            session.insert(doc_id, m)
                insert_seconds = time.perf_counter() - start
            ms = []
            for m in hashes[:queries]:
                start = time.perf_counter()
                lsh.query(m)
                ms.append((time.perf_counter() - start) * 1e3)
            rows.append({"peer": f"datasketch MinHashLSH ({name})", "docs": len(texts),
                         "sketch_docs_per_s": round(len(texts) / sketch_seconds),
                         "insert_docs_per_s": round(len(texts) / insert_seconds),
                         "query_p50_ms": round(float(np.percentile(ms, 50)), 3),
                         "query_p99_ms": round(float(np.percentile(ms, 99)), 3),
                         "rss_delta_bytes_per_doc": round(peak.delta_bytes / len(texts)) if storage is None else None})
    finally:
        if server is not None:
            server.terminate()
            server.wait()
    return rows


def markdown(result: dict[str, Any]) -> str:
    one = result["one_run"]
    lines = ["# The incremental index against one run", "", f"`{result['command']}`", "",
             (f"Corpus: `{result['corpus']}`, {result['docs']} docs in {result['batches']} batches, "
             f"`--workers {result['workers']}`."), ""]
    rows = [["one `dedup` of all", f"{one['seconds']:.2f}", round(result["docs"] / one["seconds"]), "-",
             f"{one['peak_rss_bytes'] / 2**20:.0f}", "-"]]
    for mode, got in result["modes"].items():
        rows.append([f"`index add` x {result['batches']} ({mode})", f"{got['seconds']:.2f}",
                     round(result["docs"] / got["seconds"]), f"{one['seconds'] / got['seconds']:.2f}x",
                     f"{got['peak_rss_bytes'] / 2**20:.0f}", f"{got['bytes'] / result['docs'] / 1024:.2f}"])
    lines += [markdown_table(["", "seconds", "docs/s", "throughput vs dedup", "peak RSS MiB", "KiB per doc"], rows),
              "", (f"Opening the index in a new process: `Index(path)` {result['open']['open_s'] * 1e3:.1f} ms, then "
                   f"a first query {result['open']['first_query_s']:.2f} s (reads the vocabulary, warms numba), "
                   f"`stats()` {result['open']['stats_s']:.2f} s (counts every doc's role)."), ""]
    for mode, got in result["modes"].items():
        eq = got["equivalence"]
        lines += [(f"**{mode}**: per batch seconds {[b['seconds'] for b in got['batches']]}; "
                  f"{eq['differ']} of {eq['docs']} docs differ from one run; co-cluster pairs recall "
                  f"{eq['pairs_recall']}, precision {eq['pairs_precision']}."), ""]
        for kind, info in eq["kinds"].items():
            lines.append(f"- {kind}: {info['docs']}; why: {info['why']}; for example {info['examples'][:2]}")
        lines.append("")
    q = result["queries"]
    lines += [(f"**Queries** (library, warm): one doc at a time p50 {q['p50_ms']} ms, p99 {q['p99_ms']} ms "
              f"({q['queries']} queries, {q['matched']} found their original); {q['batch_docs']} docs as one "
              f"batch in {q['batch_seconds']} s ({round(q['batch_docs'] / q['batch_seconds'])} docs/s)."), ""]
    f = result.get("faults")
    if f:
        lines += [(f"**Faults**: {len(f['kills'])} kills (SIGKILL) of a {f['batch_docs']}-doc `index add` "
                  f"({f['clean_seconds']} s clean), {f['killed_before_commit']} before its commit: all passed "
                  f"(check clean, whole or nothing, rerun completes): **{f['all_passed']}**."), ""]
    peers = [p for p in result.get("peers", []) if "docs" in p]
    if peers:
        lines += [markdown_table(["peer", "docs", "sketch docs/s", "insert docs/s", "query p50 ms", "query p99 ms"],
                                 [[p["peer"], p["docs"], p["sketch_docs_per_s"], p["insert_docs_per_s"],
                                   p["query_p50_ms"], p["query_p99_ms"]] for p in peers]), ""]
    lines += [f"- {p['peer']}: {p['note']}" for p in result.get("peers", []) if "note" in p]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder with docs.jsonl (bench/generate.py)")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--query-batch", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--modes", default="default,recanonicalize")
    parser.add_argument("--peer-docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "index")
    args = parser.parse_args()
    docs_path = args.corpus / "docs.jsonl"
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="copydesk-index-bench-"))
    try:
        batches = split(docs_path, args.batches, work)
        came = arrival(batches)
        docs = len(came)
        seconds, rss, _ = run_measured([*COPYDESK, "dedup", str(docs_path), "--out", str(work / "one"),
                                        "--workers", str(args.workers), "--quiet"])
        one = decisions_of(work / "one" / "decisions.jsonl")
        result: dict[str, Any] = {
            "command": command_line(), "corpus": str(args.corpus), "docs": docs, "batches": len(batches),
            "workers": args.workers, "machine": machine_info(["numpy", "datasketch"]),
            "one_run": {"seconds": round(seconds, 3), "peak_rss_bytes": rss}, "modes": {}}
        for mode in args.modes.split(","):
            db = work / f"{mode}.db"
            got = add_batches(batches, db, work / mode, args.workers, mode == "recanonicalize")
            print(mode, "batches", json.dumps(got), flush=True)
            got["equivalence"] = compare(one, decisions_of(work / mode / "export" / "decisions.jsonl"), came)
            result["modes"][mode] = got
            print(mode, json.dumps({k: v for k, v in got.items() if k != "batches"})[:600], flush=True)
        first = work / f"{args.modes.split(',')[0]}.db"
        result["open"] = open_seconds(first, docs_path)
        result["queries"] = query_latency(first, docs_path, args.queries, args.query_batch)
        print("queries", result["queries"], flush=True)
        if args.kills and len(batches) > 1:
            before = work / "before.db"
            for k, batch in enumerate(batches[:-1]):
                run_measured([*COPYDESK, "index", "add", "--db", str(before), str(batch), "--workers",
                              str(args.workers), "--quiet"])
            result["faults"] = faults(before, batches[-1], args.kills, args.workers, work, args.seed)
            print("faults", result["faults"]["all_passed"], flush=True)
        result["peers"] = datasketch_rows(docs_path, args.peer_docs, args.queries) if args.peer_docs else []
        (args.out / "index.json").write_text(json.dumps(result, indent=1))
        (args.out / "index.md").write_text(markdown(result))
        print(markdown(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
