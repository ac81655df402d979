"""Issue 17, class 8: what fails an integrity check is rejected, never matched as if whole. A WARC cut inside
a response yields the responses before it and one ``unreadable`` row from the cut on: the half page is no doc
(it would match its full copy as an excerpt)."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pytest

import copydesk
from copydesk import Reason, Role

pytestmark = pytest.mark.skipif(importlib.util.find_spec("warcio") is None or
                                importlib.util.find_spec("trafilatura") is None, reason="needs the [html] extra")

PARAGRAPHS = [
    ("The harbor board voted on Tuesday to build a new seawall along the east side of the port, after a decade of "
     "floods that closed the fish market and damaged dozens of homes near the water."),
    ("Engineers said construction would begin next spring and take about three years, with the first section "
     "protecting the market and the ferry terminal before the storm season."),
    ("Residents who spoke at the meeting mostly supported the plan, though several asked the board to keep the "
     "public walkway along the water open while the work goes on."),
]


def _response(k: int, url: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"<html><head><title>Seawall {k}</title></head><body><article>{body}</article></body></html>".encode()
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:0000-{k}>\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Date: 2024-05-0{k + 1}T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


@pytest.mark.parametrize("compressed", [False, True])
def test_a_warc_cut_inside_a_response_yields_no_half_page(tmp_path: Path, compressed: bool) -> None:
    first = _response(0, "http://a.example/seawall")
    second = _response(1, "http://b.example/seawall")
    if compressed:  # (one gzip member per record, as crawlers write them)
        first, second = gzip.compress(first), gzip.compress(second)
    cut = tmp_path / ("crawl.warc.gz" if compressed else "crawl.warc")
    cut.write_bytes(first + second[: len(second) * 2 // 3])
    cfg = copydesk.RunConfig()
    result = copydesk.dedup(copydesk.read_inputs([cut], cfg.read), cfg)
    rows = [(d.role, d.reason) for d in result.decisions]
    assert rows[0][0] is Role.UNIQUE, result.decisions  # the whole first page, read; no copy of it anywhere
    assert rows[1:] == [(Role.REJECTED, Reason.UNREADABLE)], result.decisions
    assert "cut short" in result.decisions[1].detail or "damaged" in result.decisions[1].detail


def test_a_content_length_past_the_end_of_the_file_yields_no_swallowing_page(tmp_path: Path) -> None:
    """A record whose Content-Length claims more bytes than the file holds would swallow the records after it
    into one bogus page: the page is rejected (``unreadable``, naming the file and the response), and the
    responses before it stay."""
    third = _response(2, "http://c.example/seawall")
    second = _response(1, "http://b.example/seawall")
    declared = int(second.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    second = second.replace(f"Content-Length: {declared}".encode(), f"Content-Length: {declared + 10 * len(third)}".encode())
    path = tmp_path / "crawl.warc"
    path.write_bytes(_response(0, "http://a.example/seawall") + second + third)
    cfg = copydesk.RunConfig()
    result = copydesk.dedup(copydesk.read_inputs([path], cfg.read), cfg)
    rows = [(d.role, d.reason) for d in result.decisions]
    assert rows[0][0] is Role.UNIQUE and rows[1:] == [(Role.REJECTED, Reason.UNREADABLE)], result.decisions
    detail = result.decisions[1].detail
    assert str(path) in detail and "Content-Length" in detail and "0000-1" in detail, detail


@pytest.mark.parametrize("length", [b"abc", b"-5", b"10"])
def test_a_bad_content_length_is_one_row_with_a_message(tmp_path: Path, length: bytes) -> None:
    """A Content-Length that is no number, negative or too short leaves the reader lost in the file: one
    ``unreadable`` row names the file and what warcio found, and no traceback ends the run."""
    first = _response(0, "http://a.example/seawall")
    declared = first.split(b"Content-Length: ")[1].split(b"\r\n")[0]
    path = tmp_path / "crawl.warc"
    path.write_bytes(first.replace(b"Content-Length: " + declared, b"Content-Length: " + length))
    (tmp_path / "next.txt").write_text(PARAGRAPHS[0], encoding="utf-8")
    cfg = copydesk.RunConfig()
    result = copydesk.dedup(copydesk.read_inputs([path, tmp_path / "next.txt"], cfg.read), cfg)
    (bad,) = [d for d in result.decisions if d.role is Role.REJECTED]
    assert bad.reason is Reason.UNREADABLE and str(path) in bad.detail and "WARC" in bad.detail, bad
    assert len(result.decisions) == 2  # (the next input is read)
