"""Issue 17, class 2: a reader of ``--out`` sees the complete previous run or the complete new one, never a
mix; a run stopped by SIGTERM or SIGHUP cleans up like Ctrl-C and exits with the usual status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import xxhash

import copydesk
from copydesk.run import write_outputs

COMMAND = Path(sys.executable).with_name("copydesk")
STORIES = [
    ("The harbor board voted on Tuesday to build a new seawall along the east side of the port, after a decade of "
     "floods that closed the fish market and damaged dozens of homes near the water."),
    ("A team of eleven students from Westfield High School will compete at the world robotics championship in "
     "Houston next month after their machine won the regional tournament over the weekend."),
]


def _corpus(path: Path, stories: list[str]) -> Path:
    rows = [{"id": f"d{k}-{c}", "text": s + (" Updated." if c else "")} for k, s in enumerate(stories) for c in (0, 1)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _run_into(corpus: Path, out: Path) -> dict[str, bytes]:
    cfg = copydesk.RunConfig()
    write_outputs(copydesk.dedup(copydesk.read_inputs([corpus], cfg.read), cfg), out, cfg)
    return {p.name: p.read_bytes() for p in out.iterdir()}


def _verified(out: Path) -> bool:
    """Every file the summary names has the size and checksum it gives."""
    files = json.loads((out / "summary.json").read_text(encoding="utf-8"))["files"]
    for name, seen in files.items():
        data = (out / name).read_bytes()
        if len(data) != seen["bytes"] or xxhash.xxh3_128_hexdigest(data) != seen["xxh3_128"]:
            return False
    return True


@pytest.mark.parametrize("crash_at", ["clusters.jsonl", "manifest.json", "summary.json"])
def test_a_run_killed_while_writing_leaves_the_previous_outputs_whole(tmp_path: Path, crash_at: str) -> None:
    """A complete run, then a second run on other docs killed (``os._exit``, as ``kill -9``) while writing one of
    its files: ``--out`` holds the first run's files, byte for byte, and its summary verifies them. The next
    run removes the staging folder the killed one left, and its outputs verify too."""
    out = tmp_path / "out"
    first = _run_into(_corpus(tmp_path / "a.jsonl", STORIES), out)
    assert _verified(out)
    other = _corpus(tmp_path / "b.jsonl", [s.replace("the", "a") for s in STORIES])
    script = textwrap.dedent(f"""
        import os, copydesk
        from copydesk import run
        from pathlib import Path
        for name in ("write_jsonl", "write_json"):
            real = getattr(run, name)
            def killing(path, *args, _real=real, **kwargs):
                if Path(path).name == {crash_at!r}:
                    os._exit(9)
                return _real(path, *args, **kwargs)
            setattr(run, name, killing)
        cfg = copydesk.RunConfig()
        result = copydesk.dedup(copydesk.read_inputs([Path({str(other)!r})], cfg.read), cfg)
        run.write_outputs(result, Path({str(out)!r}), cfg)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 9, done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert _verified(out)
    assert [p for p in tmp_path.iterdir() if "staging" in p.name]  # (what the killed run left beside --out)
    second = _run_into(other, out)
    assert second != first and _verified(out)
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]


def test_outputs_switch_in_whole_beside_files_that_are_not_copydesk_s(tmp_path: Path) -> None:
    """``--out`` holding a file of the user's: the outputs are renamed in one by one (summary last), the user's
    file stays, and an output the new run does not write (Parquet) is removed."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "decisions.parquet").write_bytes(b"old")
    _run_into(_corpus(tmp_path / "a.jsonl", STORIES), out)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (out / "decisions.parquet").exists() and _verified(out)


@pytest.mark.skipif(not COMMAND.exists() or not hasattr(os, "mkfifo"), reason="needs the installed command and mkfifo")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_clean_up_and_exit_with_the_usual_status(tmp_path: Path, sig: signal.Signals) -> None:
    """A run reading from a named pipe (so that it is surely in the middle of its work) gets the signal: it
    removes its temporary folder and its staging folder, leaves no process behind and exits 128 + signal."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    pipe = tmp_path / "in.jsonl"
    os.mkfifo(pipe)
    proc = subprocess.Popen([str(COMMAND), "dedup", str(pipe), "--out", str(tmp_path / "out"), "--quiet"],
                            env={**os.environ, "TMPDIR": str(temp)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with pipe.open("w", encoding="utf-8") as writer:
        writer.write(json.dumps({"id": "a", "text": STORIES[0]}) + "\n")
        writer.flush()
        deadline = time.monotonic() + 60
        while not any(temp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(temp.iterdir()), "the run never started its temporary folder"
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
    assert code == 128 + sig, proc.stderr.read() if proc.stderr else ""
    assert not list(temp.iterdir())
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]


def test_the_spill_of_a_run_killed_with_sigkill_is_removed_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run killed with SIGKILL cannot remove its temporary folder; the next run removes the run folders whose
    process is gone, and keeps those of running processes."""
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # (read TMPDIR again)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    stale = tmp_path / f"copydesk-{dead.stdout.strip()}-abcd1234"
    stale.mkdir()
    (stale / "batch-000001.u64").write_bytes(b"\0" * 64)
    running = tmp_path / f"copydesk-{os.getppid()}-efgh5678"
    running.mkdir()
    _run_into(_corpus(tmp_path / "a.jsonl", STORIES), tmp_path / "out")
    assert not stale.exists() and running.exists()


@pytest.mark.skipif(not COMMAND.exists(), reason="needs the installed command")
def test_no_process_of_a_run_outlives_the_command(tmp_path: Path) -> None:
    """With worker processes (``--workers 2``, over two batches of docs), nothing of the run is left once the
    command has exited: not a worker, nor the resource tracker that spawned workers start beside it (which
    would exit only after the command, an orphan for a moment)."""
    corpus = tmp_path / "docs.jsonl"
    rows = ({"id": f"d{k}", "text": f"{STORIES[k % 2]} Item {k} of the day's wire, filed at {k % 60} past."}
            for k in range(5000))
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    proc = subprocess.Popen([str(COMMAND), "dedup", str(corpus), "--out", str(tmp_path / "out"), "--quiet",
                             "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    with pytest.raises(ProcessLookupError):  # (the group is gone: no member is left, not even a zombie)
        os.killpg(proc.pid, 0)
