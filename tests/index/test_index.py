"""The persistent index: batches added one after another against one run over all of them, reruns, settings,
crash safety (kill -9 in the middle of ``add``), concurrent readers, removal, export and the CLI."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from copydesk import ConfigError, RunConfig, ShingleConfig, dedup
from copydesk.index import Index, config_of_index
from copydesk.index.store import IndexError_
from copydesk.io.readers import read_inputs, read_inputs_deferred
from copydesk.types import Reason, Role

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "news.jsonl"


def _docs(path: Path, limit: int | None = None) -> list:
    return list(read_inputs([path], RunConfig().read))[:limit]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--docs", "1200", "--seed", "5",
                    "--out", str(out)], check=True, capture_output=True)
    return out / "docs.jsonl"


def _added(db: Path, docs: list, parts: int, **options: object) -> dict[str, tuple[str, str | None]]:
    """Each doc's (role, canonical id) after adding ``docs`` in ``parts`` batches, changes applied."""
    got: dict[str, tuple[str, str | None]] = {}
    with Index(db, **options) as index:  # type: ignore[arg-type]
        size = -(-len(docs) // parts)
        for lo in range(0, len(docs), size):
            run = index.add(iter(docs[lo : lo + size]))
            got.update((d.doc_id, (d.role.value, d.canonical_id)) for d in run.result.decisions)
            got.update((c["id"], (c["after"]["role"], c["after"]["canonical_id"])) for c in run.changes)
        assert index.check() == []
    return got


def _co_cluster_pairs(decisions: dict[str, tuple[str, str | None]]) -> set[tuple[str, str]]:
    groups: dict[str, set[str]] = collections.defaultdict(set)
    for doc, (_, canonical) in decisions.items():
        if canonical is not None:
            groups[canonical] |= {doc, canonical}
    return {(a, b) for g in groups.values() for a in g for b in g if a < b}


def test_the_example_added_in_three_batches_gets_the_decisions_of_one_run(tmp_path: Path) -> None:
    docs = _docs(EXAMPLE)
    want = {d.doc_id: (d.role.value, d.canonical_id) for d in dedup(iter(docs), RunConfig()).decisions}
    assert any(role == "excerpt_of" for role, _ in want.values())
    assert _added(tmp_path / "a.db", docs[::-1], 3) == want  # (the excerpt and copies first, the original last)
    assert _added(tmp_path / "b.db", docs, 3) == want


def test_one_batch_into_an_empty_index_is_the_run_itself(tmp_path: Path, generated: Path) -> None:
    docs = _docs(generated, 600)
    want = {d.doc_id: (d.role.value, d.canonical_id) for d in dedup(iter(docs), RunConfig()).decisions}
    assert _added(tmp_path / "x.db", docs, 1) == want


def test_batches_cluster_as_one_run_does(tmp_path: Path, generated: Path) -> None:
    """With --recanonicalize, the same clusters (every pair of docs in one cluster) as one run over all;
    by default old canonical docs stay canonical, which may only keep docs apart, never join unrelated ones."""
    docs = _docs(generated)
    want = {d.doc_id: (d.role.value, d.canonical_id) for d in dedup(iter(docs), RunConfig()).decisions}
    pairs = _co_cluster_pairs(want)
    assert len(pairs) > 500
    again = _co_cluster_pairs(_added(tmp_path / "re.db", docs, 4, recanonicalize=True))
    assert again == pairs
    stable = _co_cluster_pairs(_added(tmp_path / "stable.db", docs, 4))
    assert len(stable - pairs) <= 0.01 * len(stable)
    assert len(stable & pairs) >= 0.7 * len(pairs)


def test_a_copy_of_an_old_doc_names_it_and_an_old_canonical_stays(tmp_path: Path) -> None:
    docs = {d.id: d for d in _docs(EXAMPLE)}
    original, syndicated = "harborview-herald/port-strike", "valley-post/port-strike-syndicated"
    with Index(tmp_path / "i.db") as index:
        first = index.add(iter([docs[syndicated]]))
        assert first.result.decisions[0].role is Role.UNIQUE
        second = index.add(iter([docs[original]]))
        decision = second.result.decisions[0]
        # the old unique doc is now in a cluster with the new one, and says so in the changes
        assert {decision.role, decision.canonical_id} & {Role.NEAR_DUPLICATE, Role.CANONICAL}
        assert [c["id"] for c in second.changes] == [syndicated]
        brief = index.add(iter([docs["coastline-daily/port-strike-brief"]])).result.decisions[0]
        assert brief.role is Role.EXCERPT_OF
        stats = index.stats()
    assert brief.canonical_id in (original, syndicated)
    assert stats["docs"] == 3 and stats["clusters"] == 1 and stats["batches"] == 3


def test_rerunning_a_batch_changes_nothing(tmp_path: Path) -> None:
    docs = _docs(EXAMPLE)
    with Index(tmp_path / "i.db") as index:
        index.add(iter(docs))
        before = index.stats()
        again = index.add(iter(docs))
        after = index.stats()
    assert {d.reason for d in again.result.decisions} == {Reason.ALREADY_INDEXED}
    assert again.changes == [] and again.result.problems == [] and again.batch is None
    assert after == before
    sizes = ("batches", "bytes_on_disk", "bytes_of_log", "bytes_per_doc")
    assert {k: v for k, v in after.items() if k not in sizes} == {k: v for k, v in before.items() if k not in sizes}


def test_other_settings_are_refused_naming_the_difference(tmp_path: Path) -> None:
    with Index(tmp_path / "i.db") as index:
        index.add(iter(_docs(EXAMPLE)))
    other = RunConfig(shingle=ShingleConfig(size=4))
    with pytest.raises(ConfigError, match=r"shingle\.size: 5 in the index, 4 now"):
        Index(tmp_path / "i.db", other)
    assert config_of_index(tmp_path / "i.db").shingle.size == 5


def test_a_file_that_is_no_index_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(IndexError_, match="not a copydesk index"):
        Index(path)


def test_a_query_writes_nothing(tmp_path: Path) -> None:
    docs = _docs(EXAMPLE)
    with Index(tmp_path / "i.db") as index:
        index.add(iter(docs[:3]))
        run = index.query(iter(docs[3:]))
        assert run.batch is None and index.stats()["docs"] == 3
        assert len(run.result.decisions) == 3


def test_readers_go_on_while_a_writer_adds_and_a_second_writer_is_told(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    with Index(db) as index:
        index.add(iter(_docs(EXAMPLE)[:3]))
    writer = Index(db)
    writer.store.begin_write()  # (a writer in the middle of a batch)
    try:
        with Index(db, readonly=True) as reader:
            assert reader.stats()["docs"] == 3
        with pytest.raises(IndexError_, match="another `index add` is writing"):
            Index(db, timeout=0.2).store.begin_write()
    finally:
        writer.store.rollback()
        writer.close()


def test_remove_and_prune_keep_clusters_consistent(tmp_path: Path) -> None:
    docs = _docs(EXAMPLE)
    with Index(tmp_path / "i.db") as index:
        index.add(iter(docs))
        canonical = next(c["canonical_id"] for c in _rows(index, tmp_path / "x"))
        report = index.remove([canonical, "no-such-id"])
        assert report == {"removed": 1, "not_found": 1, "members_made_unique": 2}
        assert index.check() == []
        assert index.stats()["clusters"] == 0
        assert index.prune("2100-01-01")["removed"] >= 1  # (every dated doc)
        assert index.check() == []


def _rows(index: Index, out: Path) -> list[dict]:
    index.export(out)
    return [json.loads(line) for line in (out / "clusters.jsonl").read_text().splitlines()]


def test_export_writes_what_one_run_writes(tmp_path: Path) -> None:
    docs = _docs(EXAMPLE)
    result = dedup(iter(docs), RunConfig())
    with Index(tmp_path / "i.db") as index:
        for doc in docs:
            index.add(iter([doc]))
        index.export(tmp_path / "out")
    rows = [json.loads(line) for line in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
    assert sorted((r["id"], r["role"], r["canonical_id"]) for r in rows) == \
        sorted((d.doc_id, d.role.value, d.canonical_id) for d in result.decisions)
    clusters = [json.loads(line) for line in (tmp_path / "out" / "clusters.jsonl").read_text().splitlines()]
    assert [(c["canonical_id"], sorted(m["id"] for m in c["members"])) for c in clusters] == \
        [(c.canonical, sorted(c.members)) for c in result.clusters]


_KILLED_ADD = """
import sys
from pathlib import Path
from copydesk import RunConfig
from copydesk.index import Index
from copydesk.io.readers import read_inputs
docs = list(read_inputs([Path(sys.argv[2])], RunConfig().read))
with Index(sys.argv[1]) as index:
    index.add(iter(docs[:300]))
    print("first", flush=True)
    index.add(iter(docs[300:]))
print("done", flush=True)
"""


@pytest.mark.slow
def test_kill_9_in_the_middle_of_add_leaves_each_batch_whole_or_absent(tmp_path: Path, generated: Path) -> None:
    rng = random.Random(11)
    script = tmp_path / "add.py"
    script.write_text(_KILLED_ADD)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for attempt in range(3):
        db = tmp_path / f"k{attempt}.db"
        process = subprocess.Popen([sys.executable, str(script), str(db), str(generated)], stdout=subprocess.PIPE,
                                   env=env, text=True)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "first"
        time.sleep(rng.uniform(0.0, 1.5))  # (somewhere in the second batch: matching, or storing it)
        process.send_signal(signal.SIGKILL)
        process.wait()
        with Index(db) as index:
            assert index.check() == []
            docs = index.stats()["docs"]
            assert docs in (300, 1200)
            index.add(iter(_docs(generated)))  # the rerun completes it
            assert index.stats()["docs"] == 1200 and index.check() == []
        with sqlite3.connect(db) as con:
            assert con.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM docs").fetchone() == (1200, 1200)


def test_the_cli_adds_day_by_day_and_dedup_db_is_its_short_form(tmp_path: Path) -> None:
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    (tmp_path / "day1.jsonl").write_text("".join(lines[:3]))
    (tmp_path / "day2.jsonl").write_text("".join(lines[3:]))
    db = tmp_path / "crawl.db"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "copydesk.cli.main", *args], check=False, capture_output=True, text=True,
                              cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})

    assert cli("index", "add", "day1.jsonl", "--db", str(db), "-q").returncode == 0
    assert cli("dedup", "day2.jsonl", "--db", str(db), "--out", "o2", "-q").returncode == 0
    assert (tmp_path / "o2" / "changes.jsonl").exists()
    assert len((tmp_path / "o2" / "decisions.jsonl").read_text().splitlines()) == 3
    stats = json.loads(cli("index", "stats", "--db", str(db)).stdout)
    assert stats["docs"] == 6 and stats["batches"] == 2
    assert cli("index", "check", "--db", str(db)).returncode == 0
    refused = cli("dedup", "day2.jsonl", "--db", str(db), "--shingle-size", "4", "--out", "o3", "-q")
    assert refused.returncode == 2 and "shingle.size" in refused.stderr
    assert cli("index", "query", "day2.jsonl", "--db", str(tmp_path / "none.db")).returncode == 2


def test_a_batch_whose_outputs_fail_is_not_stored(tmp_path: Path) -> None:
    docs = _docs(EXAMPLE)
    with Index(tmp_path / "i.db") as index:
        index.add(iter(docs[:3]))

        def full_disk(run: object) -> None:
            raise OSError(28, "No space left on device")

        with pytest.raises(OSError, match="No space"):
            index.add(iter(docs[3:]), before_commit=full_disk)
        assert index.stats()["docs"] == 3 and index.stats()["batches"] == 1
        assert index.add(iter(docs[3:])).batch == 2  # the same add, run again, completes
        assert index.stats()["docs"] == 6 and index.check() == []


def test_a_fuller_copy_joins_an_old_canonical_excerpt_which_stays_canonical(tmp_path: Path, data_dir: Path) -> None:
    """The real seed pair, in two days: the regional excerpt (000) and a copy of it first, then the full
    syndicated copy (001) and a near copy of that. One run over both days makes the full copy canonical and the
    excerpts its excerpts; the index keeps the old canonical excerpt canonical and takes the full copies into
    its cluster as ``fuller_copy`` (same cluster, stable canonical); ``--recanonicalize`` gives the one run's
    decisions."""
    from copydesk import Document

    excerpt = next((data_dir / "seeds").glob("000_*.txt")).read_text(encoding="utf-8")
    full = next((data_dir / "seeds").glob("001_*.txt")).read_text(encoding="utf-8")
    near_full = (data_dir / "summit" / "near_copy_of_001.txt").read_text(encoding="utf-8")
    day1 = [Document("regional/excerpt", excerpt, source="regional.example"),
            Document("mirror/excerpt", excerpt + "\nShare this story\n", source="mirror.example")]
    day2 = [Document("wire/full", full, source="wire.example"),
            Document("aggregator/full", near_full, source="aggregator.example")]
    one_run = {d.doc_id: (d.role.value, d.canonical_id) for d in dedup(iter(day1 + day2), RunConfig()).decisions}
    full_canonical = one_run["wire/full"][1]
    assert full_canonical in ("wire/full", "aggregator/full")
    assert one_run["regional/excerpt"] == ("excerpt_of", full_canonical)
    stable = _added(tmp_path / "stable.db", day1 + day2, 2)
    canonical = stable["regional/excerpt"][1]
    assert canonical in ("regional/excerpt", "mirror/excerpt") and stable[canonical] == ("canonical", canonical)
    assert stable["wire/full"] == ("fuller_copy", canonical)
    assert stable["aggregator/full"] == ("fuller_copy", canonical)
    assert _co_cluster_pairs(stable) == _co_cluster_pairs(one_run)
    with Index(tmp_path / "stable.db") as index:
        row = next(r for r in index.store.decisions() if r["id"] == "wire/full")
        assert row["reason_code"] == "holds_canonical" and "--recanonicalize" in row["reason"]
        exported = _rows(index, tmp_path / "export")
        everyone = {"regional/excerpt", "mirror/excerpt", "wire/full", "aggregator/full"}
        assert [sorted(m["id"] for m in c["members"]) for c in exported] == [sorted(everyone - {canonical})]
    assert _added(tmp_path / "re.db", day1 + day2, 2, recanonicalize=True) == one_run


def test_a_batch_that_repeats_indexed_docs_counts_their_lines_once(tmp_path: Path, generated: Path) -> None:
    """Docs already in the index are skipped, and so are their lines in the source line counts: adding day 1
    and then days 1 and 2 together stores the counts that days 1 and 2 one after the other store."""
    docs = _docs(generated, 400)
    with Index(tmp_path / "again.db") as again, Index(tmp_path / "apart.db") as apart:
        again.add(iter(docs[:200]))
        mixed = again.add(iter(docs))
        apart.add(iter(docs[:200]))
        apart.add(iter(docs[200:]))
        assert sum(d.reason is Reason.ALREADY_INDEXED for d in mixed.result.decisions) == 200
        got, want = again.store.line_counts(), apart.store.line_counts()
        assert got is not None and want is not None and got[0].shape[0] > 100
        assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()
    # the same through JSONL chunks read where they are keyed (as `index add` reads files)
    lines = generated.read_text(encoding="utf-8").splitlines(keepends=True)[:400]
    (tmp_path / "day1.jsonl").write_text("".join(lines[:200]), encoding="utf-8")
    (tmp_path / "both.jsonl").write_text("".join(lines), encoding="utf-8")
    cfg = RunConfig()
    with Index(tmp_path / "chunks.db") as chunks:
        chunks.add(read_inputs_deferred([tmp_path / "day1.jsonl"], cfg.read))
        chunks.add(read_inputs_deferred([tmp_path / "both.jsonl"], cfg.read))
        got = chunks.store.line_counts()
        assert got is not None and got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()


def test_a_doc_with_no_prose_body_is_held_too(tmp_path: Path) -> None:
    """A doc filed with no prose body (never matched, so it has no sketches) is still in the index: in its
    export, and known to a rerun (``already_indexed``)."""
    from copydesk import Document

    docs = _docs(EXAMPLE) + [Document("brief/weather", "A note on harbour tides, filed before the page.")]
    with Index(tmp_path / "i.db") as index:
        first = index.add(iter(docs))
        row = next(d for d in first.result.decisions if d.doc_id == "brief/weather")
        assert row.reason is Reason.NO_PROSE_BODY
        assert index.stats()["docs"] == len(docs) and index.check() == []
        index.export(tmp_path / "out")
        exported = [json.loads(line)["id"] for line in (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()]
        assert sorted(exported) == sorted(d.id for d in docs)
        again = index.add(iter(docs[-1:]))
        assert [d.reason for d in again.result.decisions] == [Reason.ALREADY_INDEXED] and again.batch is None


def test_an_index_with_cleaning_off_adds_and_matches(tmp_path: Path) -> None:
    from copydesk import CleanConfig

    cfg = dataclasses.replace(RunConfig(), clean=CleanConfig(enabled=False))
    docs = _docs(EXAMPLE)
    want = {d.doc_id: (d.role.value, d.canonical_id) for d in dedup(iter(docs), cfg).decisions}
    with Index(tmp_path / "raw.db", cfg) as index:
        got: dict[str, tuple[str, str | None]] = {}
        for lo in range(0, len(docs), 2):
            run = index.add(iter(docs[lo : lo + 2]))
            got.update((d.doc_id, (d.role.value, d.canonical_id)) for d in run.result.decisions)
            got.update((c["id"], (c["after"]["role"], c["after"]["canonical_id"])) for c in run.changes)
        assert index.check() == [] and index.store.line_counts() is None
    assert _co_cluster_pairs(got) == _co_cluster_pairs(want)


def test_worker_processes_store_what_one_process_stores(tmp_path: Path, generated: Path) -> None:
    from copydesk.executor import Workers

    docs = _docs(generated, 300)
    cfg = RunConfig(workers=2)
    with Index(tmp_path / "one.db", cfg) as index:
        index.add(iter(docs))
    with Workers() as pool, Index(tmp_path / "two.db", cfg) as index:
        pool.start(2)
        index.add(iter(docs), workers=pool)
        assert pool.pooled  # (the store's tokens were made in the workers too)
    rows = {}
    for name in ("one", "two"):
        con = sqlite3.connect(tmp_path / f"{name}.db")
        rows[name] = con.execute("SELECT id, tokens, prints, role, canonical FROM docs ORDER BY n").fetchall()
        con.close()
    assert rows["one"] == rows["two"] and len(rows["one"]) == 300


class _Hits:
    """A store that answers the index's lookups with given hits (old doc numbers) and loads empty docs."""

    def __init__(self, bands: list[int], prints: dict[int, int], fingerprints_of: dict[int, int]) -> None:
        self.bands, self.prints, self.fingerprints_of = bands, prints, fingerprints_of

    def lookup(self, table: str, keys: np.ndarray, owners: np.ndarray, max_postings: int) -> np.ndarray:
        rows = [(0, n) for n in self.bands] if table == "bands" else \
            [(0, n) for n, shared in self.prints.items() for _ in range(shared)]
        return np.array(rows, dtype=np.int64).reshape(-1, 2)

    def exact_matches(self, exact: np.ndarray) -> np.ndarray:
        return np.empty((0, 2), dtype=np.int64)

    def related(self, docs: list[int]) -> dict:
        from copydesk.index.store import Related

        return {n: Related("unique", None) for n in docs}

    def fingerprint_counts(self, docs: np.ndarray) -> np.ndarray:
        return np.array([self.fingerprints_of.get(n, 40) for n in docs.tolist()], dtype=np.int64)

    def numbers(self, ids: list[str]) -> dict[str, int]:
        return {}

    def load(self, docs: list[int]) -> list:
        from copydesk.index.store import StoredDoc

        info = {"origin": "x", "url": None, "source": None, "date": None, "title": None, "chars": 0, "warnings": [],
                "utf8_bytes": 0, "credits": [], "removed_lines": 0, "notes": []}
        return [StoredDoc(n, f"old{n}", info, b"", 0, "unique", None) for n in docs]


def test_an_old_doc_is_loaded_only_for_a_pair_the_run_would_take() -> None:
    from copydesk.index import _StorePrior
    from copydesk.index.tokens import Vocabulary

    cfg = RunConfig()
    # old 1: one band key; old 2: one fingerprint of 40 (a stock line); old 3: one of a short doc's 10;
    # old 4: 30 fingerprints of 40 (an excerpt)
    store = _Hits(bands=[1], prints={2: 1, 3: 1, 4: 30}, fingerprints_of={3: 10})
    prior = _StorePrior(store, cfg, Vocabulary.of(np.empty(0, dtype=np.uint64)),  # type: ignore[arg-type]
                        line_counts=lambda: None)
    sigs = np.zeros((1, cfg.minhash.num_perm), dtype=np.uint64)
    prints = (np.arange(40, dtype=np.uint64), np.array([0, 40], dtype=np.int64))
    old = prior.related(sigs, prints, np.array([7], dtype=np.uint64))
    assert sorted(prior.loaded) == ["old1", "old3", "old4"]
    assert len(old.infos) == 3

