"""Issue 17, class 5: input that would exhaust the stack or the memory is rejected with the limit named, and
the run goes on with everything else."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
from pathlib import Path

import pytest

import copydesk
from copydesk import Reason, Role

STORY = ("The harbor board voted on Tuesday to build a new seawall along the east side of the port, after a decade "
         "of floods that closed the fish market and damaged dozens of homes near the water.")


def _run(paths: list[Path], read: copydesk.ReadConfig | None = None) -> copydesk.RunResult:
    cfg = copydesk.RunConfig(read=read or copydesk.ReadConfig())
    return copydesk.dedup(copydesk.read_inputs(paths, cfg.read), cfg)


@pytest.mark.parametrize("depth", [990, 3000, 100_000])
def test_a_record_nested_thousands_of_levels_deep_is_one_malformed_row(tmp_path: Path, depth: int) -> None:
    """The record would raise RecursionError in the JSON parser (or in the walks over a record): it is
    rejected as malformed, naming the nesting, and the records around it are read."""
    path = tmp_path / "docs.jsonl"
    deep = '{"id": "deep", "text": "x", "extra": ' + "[" * depth + "]" * depth + "}"
    path.write_text("\n".join([json.dumps({"id": "a", "text": STORY}), deep, json.dumps({"id": "b", "text": STORY})])
                    + "\n", encoding="utf-8")
    result = _run([path])
    rows = [(d.doc_id, d.role, d.reason) for d in result.decisions]
    assert len(rows) == 3 and rows[1][1:] == (Role.REJECTED, Reason.MALFORMED_RECORD), rows
    assert "nested too deep" in result.decisions[1].detail
    assert rows[0][1] is not Role.REJECTED and rows[2][1] is not Role.REJECTED


@pytest.mark.skipif(importlib.util.find_spec("trafilatura") is None, reason="needs the [html] extra")
def test_an_html_gzip_bomb_stops_at_the_page_limit(tmp_path: Path) -> None:
    """A 20 KB .html.gz that unpacks to 20 MB, with a page limit of 1 MB: rejected with the limit named, after
    reading at most the limit; a page under the limit is read."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "bomb.html.gz").write_bytes(gzip.compress(b"<html><body><p>" + b"a " * (10 << 20) + b"</p></body></html>"))
    (folder / "page.html.gz").write_bytes(gzip.compress(f"<html><body><p>{STORY}</p></body></html>".encode()))
    assert (folder / "bomb.html.gz").stat().st_size < 100_000
    result = _run([folder], copydesk.ReadConfig(max_html_bytes=1 << 20))
    rows = {Path(d.doc_id).name: d for d in result.decisions}
    assert rows["bomb.html.gz"].reason is Reason.UNREADABLE and "max_html_bytes" in rows["bomb.html.gz"].detail
    assert rows["page.html.gz"].role is not Role.REJECTED, rows["page.html.gz"]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs a device file (/dev/null)")
def test_a_link_to_a_device_gets_a_row_saying_so_in_a_folder_and_as_an_input(tmp_path: Path) -> None:
    """A symlink to a device under a text name is not read (a link to /dev/zero would be read forever): one
    ``unreadable`` row naming what it is, whether it is met in a folder or named as an input."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "device.txt").symlink_to("/dev/null")
    for paths in ([folder], [folder / "device.txt"]):
        result = _run(paths)
        rows = {Path(d.doc_id).name: d for d in result.decisions}
        assert rows["device.txt"].reason is Reason.UNREADABLE and "a device" in rows["device.txt"].detail, rows
    assert len(_run([folder]).decisions) == 2


def test_a_compressed_jsonl_line_over_the_record_limit_is_one_row_and_is_never_held(tmp_path: Path) -> None:
    """A 50 KB .jsonl.gz whose second line unpacks to 4 MB, with a record limit of 1 MB: that line is one
    ``malformed_record`` row naming the limit, read past in pieces; the lines around it are read, in order."""
    path = tmp_path / "docs.jsonl.gz"
    huge = json.dumps({"id": "huge", "text": "word " * (800_000)})
    rows = [json.dumps({"id": "a", "text": STORY}), huge, json.dumps({"id": "b", "text": STORY})]
    path.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode()))
    assert path.stat().st_size < 100_000
    result = _run([path], copydesk.ReadConfig(max_record_bytes=1 << 20))
    got = [(d.doc_id, d.role) for d in result.decisions]
    assert [g[0] for g in got] == ["a", f"{path}:2", "b"], got
    assert got[1][1] is Role.REJECTED and "max_record_bytes" in result.decisions[1].detail
    # exactly at the limit, a line is read
    exact = tmp_path / "exact.jsonl.gz"
    line = json.dumps({"id": "x", "text": STORY})
    exact.write_bytes(gzip.compress((line + "\n").encode()))
    (row,) = _run([exact], copydesk.ReadConfig(max_record_bytes=len(line.encode()))).decisions
    assert row.role is not Role.REJECTED, row


@pytest.mark.parametrize(("words", "last"), [(400_000, False), (1_800_000, False), (400_000, True)])
def test_a_huge_line_of_a_plain_jsonl_file_is_one_row_and_never_held(tmp_path: Path, words: int, last: bool) -> None:
    """The same limit for a plain file, whose chunks are byte ranges: a line past it is one
    ``malformed_record`` row naming the limit and its size, and the lines around it are read: a line within
    one read block, one of several blocks (read past, never held), and one that ends the file without a
    line feed."""
    path = tmp_path / "docs.jsonl"
    huge = json.dumps({"id": "huge", "text": "word " * words})
    rows = [json.dumps({"id": "a", "text": STORY}), huge, json.dumps({"id": "b", "text": STORY})]
    if last:
        rows = [rows[0], rows[2], rows[1]]
    path.write_text("\n".join(rows) + ("" if last else "\n"), encoding="utf-8")
    result = _run([path], copydesk.ReadConfig(max_record_bytes=1 << 20))
    got = [(d.doc_id, d.role) for d in result.decisions]
    expected = ["a", "b", f"{path}:3"] if last else ["a", f"{path}:2", "b"]
    assert [g[0] for g in got] == expected, got
    (row,) = [d for d in result.decisions if d.role is Role.REJECTED]
    assert row.reason is Reason.MALFORMED_RECORD and "max_record_bytes" in row.detail
    assert f"a record of {len(huge):,} bytes" in row.detail, row.detail
    # exactly at the limit, a line is read
    line = json.dumps({"id": "x", "text": STORY})
    exact = tmp_path / "exact.jsonl"
    exact.write_text(line + "\n", encoding="utf-8")
    (one,) = _run([exact], copydesk.ReadConfig(max_record_bytes=len(line.encode()))).decisions
    assert one.role is not Role.REJECTED, one
