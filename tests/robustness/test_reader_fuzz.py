"""Issue 17: a bounded property-based fuzz of every reader. Whatever bytes a file holds (random bytes, a valid
file cut anywhere, random nesting), reading and running never raises: the file gets its rows (documents, or
``rejected`` rows saying why), and the run accounts for every one."""

from __future__ import annotations

import gzip
import importlib.util
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import copydesk
from copydesk import Role

STORY = ("The harbor board voted on Tuesday to build a new seawall along the east side of the port, after a decade "
         "of floods that closed the fish market and damaged dozens of homes near the water.")
VALID = {
    "doc.txt": (STORY + "\n").encode(),
    "docs.jsonl": "".join(json.dumps({"id": f"r{k}", "text": STORY}) + "\n" for k in range(3)).encode(),
    "docs.jsonl.gz": gzip.compress("".join(json.dumps({"id": f"r{k}", "text": STORY}) + "\n"
                                           for k in range(3)).encode()),
    "page.html": f"<html><head><title>T</title></head><body><article><p>{STORY}</p></article></body></html>".encode(),
}
HTML = importlib.util.find_spec("trafilatura") is not None
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _parquet() -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"id": ["p0", "p1"], "text": [STORY, STORY + " Updated."]}), sink)
    return sink.getvalue()


VALID["docs.parquet"] = _parquet()
if HTML:
    VALID["crawl.warc"] = (
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\nWARC-Target-URI: http://x.org/a\r\n"
        b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n"
    ) % (len(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + VALID["page.html"]),
         b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + VALID["page.html"])


def _rows(name: str, data: bytes) -> list[copydesk.Decision]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        cfg = copydesk.RunConfig()
        result = copydesk.dedup(copydesk.read_inputs([path], cfg.read), cfg)
        assert result.summary["input_docs"] == len(result.decisions)
        return result.decisions


def _names() -> list[str]:
    return [n for n in VALID if HTML or not n.endswith((".html", ".warc"))]


@FUZZ
@given(name=st.sampled_from(_names()), data=st.binary(max_size=600))
def test_random_bytes_under_any_reader_s_name_never_raise(name: str, data: bytes) -> None:
    for row in _rows(name, data):
        assert row.role is Role.REJECTED or row.role is Role.UNIQUE or row.cluster_id is not None


@FUZZ
@given(name=st.sampled_from(_names()), cut=st.integers(min_value=0, max_value=10_000))
def test_a_valid_file_cut_anywhere_never_raises_and_keeps_a_row(name: str, cut: int) -> None:
    data = VALID[name]
    rows = _rows(name, data[: cut % (len(data) + 1)])
    # (a container cut to nothing, or to its complete first records only, may hold no record at all)
    assert rows or name.endswith((".jsonl", ".jsonl.gz", ".parquet", ".warc")), (name, cut)


@FUZZ
@given(depth=st.integers(min_value=1, max_value=5000), kind=st.sampled_from(["[", "{\"k\":"]))
def test_random_nesting_in_a_record_is_read_or_rejected(depth: int, kind: str) -> None:
    close = "]" if kind == "[" else "}"
    value = kind * depth + ("0" if kind != "[" else "") + close * depth
    line = '{"id": "n", "text": "' + STORY + '", "extra": ' + value + "}\n"
    (row,) = _rows("docs.jsonl", line.encode())
    assert row.role in (Role.UNIQUE, Role.REJECTED)


@pytest.mark.parametrize("name", _names())
def test_the_valid_files_are_read(name: str) -> None:
    assert all(row.role is not Role.REJECTED for row in _rows(name, VALID[name]))
