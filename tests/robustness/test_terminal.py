"""Issue 17, classes 4 and 6: every warning reaches the terminal, and nothing from the input breaks it.

Run through the installed ``copydesk`` command (the console script beside this Python), as a user runs it: the
warnings of the library only reach a terminal when the command installs a handler for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = Path(sys.executable).with_name("copydesk")

pytestmark = pytest.mark.skipif(not COMMAND.exists(), reason=f"no installed copydesk command beside {sys.executable}")

STORY = ("The harbor board voted on Tuesday to build a new seawall along the east side of the port, after a decade "
         "of floods that closed the fish market and damaged dozens of homes near the water.\n")


def _copydesk(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "1000"}  # (no line wrapping inside the names looked for)
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, timeout=300, check=False, env=env)


def _crawl(folder: Path) -> Path:
    folder.mkdir()
    (folder / "[bold]first.txt").write_text(STORY * 3, encoding="utf-8")
    (folder / "[x] second.txt").write_text(STORY * 3, encoding="utf-8")
    return folder


def test_ids_and_paths_holding_markup_are_printed_as_they_are(tmp_path: Path) -> None:
    """File names and JSONL ids that rich would read as markup ("[bold]", "[x]", a closing "[/x]") are printed
    literally in the summary and in the list of files written, and the run ends normally."""
    crawl = _crawl(tmp_path / "crawl [dim]")
    done = _copydesk("dedup", str(crawl), "--out", str(tmp_path / "out [red]"))
    assert done.returncode == 0, done.stderr
    assert "[bold]first.txt" in done.stdout and "[x] second.txt" in done.stdout, done.stdout
    assert "out [red]" in done.stdout
    records = tmp_path / "docs.jsonl"
    records.write_text("".join(json.dumps({"id": i, "text": STORY * 3}) + "\n" for i in ("[/x]", "[bold]b[/bold]")),
                       encoding="utf-8")
    done = _copydesk("dedup", str(records), "--out", str(tmp_path / "out-jsonl"))
    assert done.returncode == 0, done.stderr
    assert "[/x]" in done.stdout and "[bold]b[/bold]" in done.stdout, done.stdout


def test_a_skipped_folder_is_reported_on_the_terminal_unless_quiet(tmp_path: Path) -> None:
    """A folder that holds an earlier run's outputs is skipped with a warning: the installed command prints
    it (it used to vanish: the library only holds a NullHandler); ``--quiet`` mutes it."""
    crawl = _crawl(tmp_path / "crawl")
    first = _copydesk("dedup", str(crawl), "--out", str(crawl / "old [run]"), "--quiet")
    assert first.returncode == 0, first.stderr
    loud = _copydesk("dedup", str(crawl), "--out", str(tmp_path / "out"))
    assert loud.returncode == 0, loud.stderr
    assert "warning:" in loud.stderr and "old [run]" in loud.stderr and "skipped" in loud.stderr, loud.stderr
    quiet = _copydesk("dedup", str(crawl), "--out", str(tmp_path / "out2"), "--quiet")
    assert quiet.returncode == 0 and "warning" not in quiet.stderr, quiet.stderr


def test_compare_prints_paths_and_passages_holding_markup_as_they_are(tmp_path: Path) -> None:
    a = tmp_path / "[green]a.txt"
    b = tmp_path / "b [red].txt"
    a.write_text("[bold]" + STORY * 2, encoding="utf-8")
    b.write_text("[bold]" + STORY * 2, encoding="utf-8")
    done = _copydesk("compare", str(a), str(b))
    assert done.returncode == 0, done.stderr
    assert "[green]a.txt" in done.stdout and "b [red].txt" in done.stdout, done.stdout
