"""Issue 17, class 3: every input that yields no text has its row, with why, counts as a problem, and the run
exits 1; no input file ends without a row."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

import copydesk
from copydesk import Reason, Role
from copydesk.cli.main import app

STORY = ("The harbor board voted on Tuesday to build a new seawall along the east side of the port, after a decade "
         "of floods that closed the fish market and damaged dozens of homes near the water.\n")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def _crawl(folder: Path, html: bool) -> Path:
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "blank.txt").write_text("  \n\n\t\n", encoding="utf-8")
    (folder / "picture.txt").write_bytes(PNG)
    (folder / "notes.warc").write_text("not a WARC file at all\n", encoding="utf-8")
    if html:
        (folder / "picture.html").write_bytes(PNG)
        (folder / "bare.html").write_text("<html><head><title>x</title></head><body></body></html>", encoding="utf-8")
    return folder


def test_inputs_without_text_are_rejected_with_their_reason_and_count_as_problems(tmp_path: Path) -> None:
    html = importlib.util.find_spec("trafilatura") is not None
    folder = _crawl(tmp_path / "crawl", html)
    cfg = copydesk.RunConfig()
    result = copydesk.dedup(copydesk.read_inputs([folder], cfg.read), cfg)
    rows = {Path(d.doc_id).name: d for d in result.decisions}
    assert set(rows) == {p.name for p in folder.iterdir()}  # every file has its row
    assert rows["story.txt"].role is Role.UNIQUE
    for name in ("empty.txt", "blank.txt"):
        assert rows[name].role is Role.REJECTED and rows[name].reason is Reason.EMPTY_TEXT, rows[name]
    assert rows["picture.txt"].reason is Reason.BINARY, rows["picture.txt"]
    assert rows["notes.warc"].role is Role.REJECTED and rows["notes.warc"].reason is Reason.UNREADABLE
    expected = 4
    if html:
        assert rows["picture.html"].reason is Reason.BINARY, rows["picture.html"]
        assert rows["bare.html"].reason is Reason.EMPTY_TEXT and "no main text" in rows["bare.html"].detail
        expected += 2
    assert result.summary["input_problems"] == expected, result.problems


def test_the_command_exits_1_when_an_input_yields_no_text(tmp_path: Path) -> None:
    """One good story and one empty file: the outputs are written, the empty file is named, status 1."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    done = CliRunner().invoke(app, ["dedup", str(folder), "--out", str(tmp_path / "out"), "--quiet"])
    assert done.exit_code == 1, done.output
    assert "empty.txt: empty text" in "".join(done.output.split("\n")), done.output  # (rich wraps at 80 columns)
    assert (tmp_path / "out" / "decisions.jsonl").read_text(encoding="utf-8").count("\n") == 2


@pytest.mark.parametrize("bom", [b"\xff\xfe", b"\xfe\xff"])
def test_nul_bytes_after_a_utf16_byte_order_mark_are_not_taken_for_binary(bom: bytes) -> None:
    from copydesk.io.readers import looks_binary

    assert looks_binary(PNG)
    assert not looks_binary(bom + "text".encode("utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"))
    assert not looks_binary(STORY.encode("utf-8"))
