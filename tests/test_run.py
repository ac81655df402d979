"""Writing a run's outputs: the helper process that writes deduplicated.jsonl changes no byte."""

from __future__ import annotations

import pickle
import shutil
from concurrent.futures import Future
from pathlib import Path

import pytest

from copydesk import run
from copydesk.config import RunConfig
from copydesk.executor import Workers
from copydesk.io.readers import read_inputs
from copydesk.pipeline import RunResult, dedup
from copydesk.run import write_outputs


def _result(tmp_path: Path, data_dir: Path) -> RunResult:
    """The seed pair and two summit texts (a near copy and another article): clusters with a canonical doc."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in [*(data_dir / "seeds").glob("*.txt"), data_dir / "summit" / "near_copy_of_001.txt",
                 data_dir / "summit" / "other_summit_article.txt"]:
        shutil.copy(path, corpus / path.name)
    cfg = RunConfig()
    return dedup(read_inputs([corpus], cfg.read), cfg)


def test_kept_texts_pickle_and_read_the_same_texts(tmp_path: Path, data_dir: Path) -> None:
    result = _result(tmp_path, data_dir)
    assert result.kept is not None
    copy = pickle.loads(pickle.dumps(result.kept))
    assert list(copy) == list(result.kept_texts())
    assert any(row["role"] == "canonical" for row in copy)
    assert copy.near_members  # a canonical with a near copy: its text goes through cross-copy cleaning


def test_a_helper_process_writes_the_same_deduplicated_file(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the row floor lowered, a helper process writes deduplicated.jsonl while the main process writes the
    rest: every file has the bytes of the one-process write, and progress ends at the same row count. A run
    asked to stay in one process (``workers=1``) starts no helper."""
    result = _result(tmp_path, data_dir)
    monkeypatch.setattr(run, "usable_cpus", lambda: 2)
    real = run._kept_texts_in_helper
    helpers: dict[str, bool] = {}
    heard: dict[str, list[tuple[str, int, int | None]]] = {}
    for name, floor, workers in (("inline", 10**9, 0), ("helper", 1, 0), ("helper-w2", 1, 2), ("one-process", 1, 1)):
        monkeypatch.setattr(run, "HELPER_MIN_KEPT_ROWS", floor)

        def spy(*args: object, name: str = name) -> Future[int] | None:
            future = real(*args)  # type: ignore[arg-type]
            helpers[name] = future is not None
            return future

        monkeypatch.setattr(run, "_kept_texts_in_helper", spy)
        calls: list[tuple[str, int, int | None]] = []
        write_outputs(result, tmp_path / name, RunConfig(workers=workers), lambda *c, calls=calls: calls.append(c))
        heard[name] = [c for c in calls if c[0] == "write deduplicated.jsonl"]
    assert helpers == {"inline": False, "helper": True, "helper-w2": True, "one-process": False}
    for name in ("decisions.jsonl", "clusters.jsonl", "deduplicated.jsonl", "cleaning.jsonl", "summary.json"):
        data = (tmp_path / "inline" / name).read_bytes()
        for other in ("helper", "helper-w2", "one-process"):
            assert (tmp_path / other / name).read_bytes() == data, (other, name)
    rows = len((tmp_path / "inline" / "deduplicated.jsonl").read_text(encoding="utf-8").splitlines())
    assert rows > 0
    assert all(calls[-1] == ("write deduplicated.jsonl", rows, None) for calls in heard.values())


def test_the_runs_own_workers_write_the_deduplicated_file_when_open(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose processes are still open (``dedup(..., workers=)`` then ``write_outputs(..., workers=)``, as the
    CLI does) has one of them write deduplicated.jsonl at any size (no process to start), with the same bytes; a
    closed or never-started pool falls back to the usual choice."""
    cfg = RunConfig(workers=2)
    sent: list[str] = []
    with Workers() as pool:
        pool.start(2)
        real_submit = pool.submit

        def submit(fn: object, *args: object) -> object:
            sent.append(getattr(fn, "__name__", "?"))
            return real_submit(fn, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(pool, "submit", submit)
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        for path in (data_dir / "seeds").glob("*.txt"):
            shutil.copy(path, corpus / path.name)
        result = dedup(read_inputs([corpus], cfg.read), cfg, workers=pool)
        assert pool.pooled  # (the run leaves the caller's processes open)
        write_outputs(result, tmp_path / "warm", cfg, workers=pool)
    assert sent == ["write_jsonl"]
    assert not pool.pooled
    alone = dedup(read_inputs([corpus], cfg.read), RunConfig(workers=1))
    write_outputs(alone, tmp_path / "alone", RunConfig(workers=1), workers=pool)  # (closed: written here)
    for name in ("decisions.jsonl", "clusters.jsonl", "deduplicated.jsonl", "cleaning.jsonl"):
        assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name
    assert (tmp_path / "warm" / "deduplicated.jsonl").read_bytes().count(b"\n") >= 1


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc (Linux)")
def test_reading_the_kept_texts_leaves_no_file_open(tmp_path: Path, data_dir: Path) -> None:
    """A library process may run many jobs: iterating the deduplicated rows, to the end or not, closes the text
    files it opened."""
    import os

    result = _result(tmp_path, data_dir)
    assert result.kept is not None
    before = len(os.listdir("/proc/self/fd"))
    rows = list(result.kept_texts())
    assert rows and len(os.listdir("/proc/self/fd")) == before
    partial = result.kept_texts()
    next(partial)
    assert len(os.listdir("/proc/self/fd")) > before  # a file is open while the rows are being read
    partial.close()
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_reused_work_dir_leaves_an_earlier_runs_audit_as_written(tmp_path: Path, data_dir: Path) -> None:
    """cleaning.jsonl may be a hard link to the run's audit spill: the next run in the same work_dir must write a
    new file, not truncate that one."""
    cfg = RunConfig()
    work = tmp_path / "work"
    work.mkdir()
    first = dedup(read_inputs(sorted((data_dir / "seeds").glob("*.txt")), cfg.read), cfg, work_dir=work)
    write_outputs(first, tmp_path / "out1", cfg)
    audit = (tmp_path / "out1" / "cleaning.jsonl").read_bytes()
    assert audit.count(b"\n") == 2
    other = tmp_path / "other.txt"
    other.write_text("Home > News\nA short unrelated note about tides and harbour walls.\n", encoding="utf-8")
    second = dedup(read_inputs([other], cfg.read), cfg, work_dir=work)
    write_outputs(second, tmp_path / "out2", cfg)
    assert (tmp_path / "out1" / "cleaning.jsonl").read_bytes() == audit
    assert (tmp_path / "out2" / "cleaning.jsonl").read_bytes().count(b"\n") == 1


def test_ready_out_dir_makes_the_folder_or_says_why_it_cannot(tmp_path: Path) -> None:
    from copydesk.errors import OutputError
    from copydesk.run import ready_out_dir

    made = ready_out_dir(tmp_path / "a" / "b")
    assert made.is_dir() and list(made.iterdir()) == []  # (the write check leaves nothing behind)
    a_file = tmp_path / "results.jsonl"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        ready_out_dir(a_file)
    with pytest.raises(OutputError, match="cannot make this folder"):
        ready_out_dir(a_file / "under")


def test_documents_built_in_python_with_lone_surrogates_still_get_every_output(tmp_path: Path) -> None:
    """The readers repair lone surrogates; a Document built in Python may carry them anywhere. The run used to
    fail at its very end, writing decisions.jsonl; every output now holds them as JSON escapes (Parquet, which
    must be UTF-8, as U+FFFD)."""
    import dataclasses
    import json

    import pyarrow.parquet as pq

    from copydesk.types import Document

    body = ("A lone \ud800 surrogate sits in this story about the harbour wall and the vote on its repair.\n"
            "The council met on Monday and agreed to pay for the work from next year's budget.\nAdvertisement\n")
    docs = [Document(id="a\udc80", text=body, title="Half \udc00 a pair"),
            Document(id="b", text=body + "One more closing line.", url="https://x.example/\ud83d", source="s\ud83d")]
    cfg = dataclasses.replace(RunConfig(), output_formats=("jsonl", "parquet"))
    out = tmp_path / "out"

    write_outputs(dedup(iter(docs), cfg), out, cfg)

    decisions = [json.loads(line) for line in (out / "decisions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(d["id"], d["role"]) for d in decisions] == [("a\udc80", "near_duplicate"), ("b", "canonical")]
    assert decisions[0]["title"] == "Half \udc00 a pair" and decisions[1]["source"] == "s\ud83d"
    (kept,) = [json.loads(line) for line in (out / "deduplicated.jsonl").read_text(encoding="utf-8").splitlines()]
    assert "A lone \ud800 surrogate" in kept["text"]
    audit = [json.loads(line) for line in (out / "cleaning.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [a["id"] for a in audit] == ["a\udc80", "b"]
    assert pq.read_table(out / "decisions.parquet").column("id").to_pylist() == ["a\ufffd", "b"]


def test_a_run_without_parquet_removes_an_earlier_runs_parquet_copies(tmp_path: Path, data_dir: Path) -> None:
    """Else decisions.parquet of the earlier run sat beside the new decisions.jsonl, looking current."""
    import dataclasses

    out = tmp_path / "out"
    result = _result(tmp_path, data_dir)
    with_parquet = dataclasses.replace(RunConfig(), output_formats=("jsonl", "parquet"))
    write_outputs(result, out, with_parquet)
    assert (out / "decisions.parquet").exists() and (out / "clusters.parquet").exists()
    (out / "notes.parquet").write_bytes(b"the user's own file")

    written = write_outputs(result, out, RunConfig())

    assert not (out / "decisions.parquet").exists() and not (out / "clusters.parquet").exists()
    assert (out / "notes.parquet").read_bytes() == b"the user's own file"
    assert sorted(p.name for p in out.iterdir()) == sorted([*(p.name for p in written), "notes.parquet"])


def test_a_file_name_that_is_not_utf8_gets_its_rows(tmp_path: Path) -> None:
    """Python decodes such a name with lone surrogates; the cluster id's hash could not encode it, and the run
    failed after all its work."""
    import json
    import os

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "A story about a cafe that opened on the main street this week, with music every night."
    try:
        (corpus / os.fsdecode(b"caf\xe9.txt")).write_text(text, encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system only takes UTF-8 names")
    (corpus / "ok.txt").write_text(text, encoding="utf-8")
    cfg = RunConfig()

    write_outputs(dedup(read_inputs([corpus], cfg.read), cfg), tmp_path / "out", cfg)

    rows = [json.loads(line) for line in (tmp_path / "out" / "decisions.jsonl").read_text("utf-8").splitlines()]
    assert [(r["id"], r["role"]) for r in rows] == [("caf\udce9.txt", "canonical"), ("ok.txt", "near_duplicate")]
    assert os.fsencode(rows[0]["id"]) == b"caf\xe9.txt"  # the name, byte for byte
