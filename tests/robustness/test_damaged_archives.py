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
