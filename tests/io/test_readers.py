from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.config import ReadConfig
from copydesk.errors import InputError
from copydesk.io.readers import (
    JsonlChunk,
    parse_jsonl_chunk,
    parsed,
    read_inputs,
    read_inputs_deferred,
    read_jsonl_chunks,
)
from copydesk.types import Document, Reason, Rejected

CFG = ReadConfig()


def test_folder_ids_are_relative_paths_and_subfolder_is_source(tmp_path: Path) -> None:
    (tmp_path / "site-a").mkdir()
    (tmp_path / "site-a" / "b.txt").write_text("second", encoding="utf-8")
    (tmp_path / "a.txt").write_text("first", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("skip me", encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"\x00")
    docs = list(read_inputs([tmp_path], CFG))
    assert [(d.id, d.source) for d in docs if isinstance(d, Document)] == [("a.txt", None), ("site-a/b.txt", "site-a")]


def test_invalid_utf8_is_repaired_with_a_warning_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"line one\nline \xff two\n")
    (doc,) = read_inputs([path], CFG)
    assert isinstance(doc, Document)
    assert "\ufffd" in doc.text and "line one" in doc.text
    assert f"{path}: invalid UTF-8 at line 2" in doc.warnings[0]


def test_lone_surrogate_escapes_are_replaced_with_a_warning(tmp_path: Path) -> None:
    # JSON may escape half of a UTF-16 pair; Python decodes it to a lone surrogate, which no output can hold
    path = tmp_path / "docs.jsonl"
    path.write_text(
        '{"id": "a", "text": "Cut here \\ud83d and there", "title": "T\\udc00", "tags": ["x\\ud800"]}\n'
        '{"id": "b", "text": "A real pair \\ud83d\\ude00 stays"}\n',
        encoding="utf-8",
    )
    first, second = read_inputs([path], CFG)
    assert isinstance(first, Document) and isinstance(second, Document)
    assert first.text == "Cut here \ufffd and there" and first.title == "T\ufffd"
    assert first.meta["tags"] == '["x\ufffd"]'
    assert first.warnings == (f"{path}:1: 3 lone surrogate escape(s) replaced with U+FFFD",)
    assert second.text == "A real pair \U0001f600 stays" and second.warnings == ()
    for doc in (first, second):
        doc.text.encode("utf-8")  # what every writer does


def test_jsonl_fields_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "hello", "url": "https://x.example/a", "date": "2021-01-01", "lang": "en"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "text": 42}),
        "",
        json.dumps({"text": "no id here"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read_inputs([path], CFG))
    assert len(items) == 6  # the blank line is not a record
    first = items[0]
    assert isinstance(first, Document)
    assert (first.id, first.url, first.date, dict(first.meta)) == ("a", "https://x.example/a", "2021-01-01", {"lang": "en"})
    reasons = [(i.origin, i.reason) for i in items[1:5] if isinstance(i, Rejected)]
    assert reasons == [
        (f"{path}:2", Reason.MALFORMED_RECORD), (f"{path}:3", Reason.MALFORMED_RECORD),
        (f"{path}:4", Reason.MISSING_FIELD), (f"{path}:5", Reason.MALFORMED_RECORD),
    ]
    last = items[5]
    assert isinstance(last, Document) and last.id == f"{path}:7" and "no 'id' field" in last.warnings[0]


def test_custom_fields_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"doc_key": 7, "body": "text here"}) + "\n")
    (doc,) = read_inputs([path], ReadConfig(id_field="doc_key", text_field="body"))
    assert isinstance(doc, Document) and doc.id == "7" and doc.text == "text here"


def test_parquet_streams_rows(tmp_path: Path) -> None:
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["alpha", None], "source": ["s", "s"]}), path)
    items = list(read_inputs([path], CFG))
    assert isinstance(items[0], Document) and items[0].source == "s"
    assert isinstance(items[1], Rejected) and items[1].reason is Reason.MISSING_FIELD
    assert items[1].origin == f"{path}:2"


def test_huge_doc_is_truncated_with_warning(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    (doc,) = read_inputs([path], ReadConfig(max_doc_chars=100))
    assert isinstance(doc, Document) and len(doc.text) == 100 and "only the first 100" in doc.warnings[0]


def test_missing_and_unknown_inputs_fail_before_reading(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(read_inputs([tmp_path / "nope.jsonl"], CFG))
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"x")
    with pytest.raises(InputError, match="unknown input format"):
        list(read_inputs([odd], CFG))


def _messy_jsonl(path: Path) -> Path:
    """Good records with sources, and every kind of bad line the reader repairs or rejects."""
    lines = [json.dumps({"id": f"g{i}", "text": f"Story {i} body words here.", "source": "site.example"}).encode()
             for i in range(7)]
    lines[1] = b"{not json"
    lines[3] = json.dumps({"id": "s", "text": "Cut \\ud83d here"}).encode().replace(b"\\\\", b"\\")
    lines[4] = b'{"id": "u", "text": "bad \xff byte"}'
    lines.insert(5, b"")
    lines.append(json.dumps({"text": "no id here"}).encode())
    lines.append(json.dumps(["not", "an", "object"]).encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize("chunk_lines", [1, 3, 2048])
def test_deferred_chunks_parse_to_exactly_what_read_inputs_gives(tmp_path: Path, chunk_lines: int) -> None:
    path = _messy_jsonl(tmp_path / "docs.jsonl")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "page.txt").write_text("A plain text page.", encoding="utf-8")
    expected = list(read_inputs([path, tmp_path / "site"], CFG))
    chunks = list(read_jsonl_chunks(path, chunk_lines))
    assert [c.first_line for c in chunks] == list(range(1, 11, chunk_lines))[: len(chunks)]
    assert [item for c in chunks for item in parse_jsonl_chunk(c, CFG)] == expected[:-1]
    entries = list(read_inputs_deferred([path, tmp_path / "site"], CFG))
    assert any(isinstance(e, JsonlChunk) for e in entries) and isinstance(entries[-1], Document)
    assert list(parsed(entries, CFG)) == expected
    # the repairs were really exercised
    warned = [w for i in expected if isinstance(i, Document) for w in i.warnings]
    assert any("invalid UTF-8" in w for w in warned) and any("surrogate" in w for w in warned)
    assert sum(isinstance(i, Rejected) for i in expected) == 2


def test_a_chunk_reports_its_warnings_to_the_given_callback(tmp_path: Path) -> None:
    path = _messy_jsonl(tmp_path / "docs.jsonl")
    messages: list[str] = []
    (chunk,) = read_jsonl_chunks(path)
    items = parse_jsonl_chunk(chunk, CFG, messages.append)
    assert messages == [w for i in items if isinstance(i, Document) for w in i.warnings]
    assert len(messages) == 3  # surrogate, invalid UTF-8, missing id


# ----------------------------------------------------------------------------------------------------------
# chunks of plain files are byte ranges, read by whoever parses them


_RAW_VARIANTS = {
    "trailing line feed": b'{"id": "a"}\n\n{"id": "b"}\r\n' + b"x" * 300 + b"\n{}\n",
    "no trailing line feed": b'{"id": "a"}\n{"id": "b"}\n   \n{"id": "c", "text": "last"}',
    "one line": b'{"id": "only"}',
    "blank lines only": b"\n\n\n",
}


@pytest.mark.parametrize("variant", sorted(_RAW_VARIANTS))
@pytest.mark.parametrize(("chunk_lines", "chunk_bytes"), [(1, 1 << 20), (2, 1 << 20), (2048, 1 << 20), (2048, 16)])
def test_byte_range_chunks_hold_exactly_the_lines_of_the_file(
    tmp_path: Path, variant: str, chunk_lines: int, chunk_bytes: int
) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(_RAW_VARIANTS[variant])
    with path.open("rb") as handle:
        expected = list(handle)
    chunks = list(read_jsonl_chunks(path, chunk_lines, chunk_bytes))
    assert all(c.lines is None for c in chunks)  # ranges, not lines
    assert [line for c in chunks for line in c.read_lines()] == expected
    assert [len(c.read_lines()) for c in chunks] == [c.line_count for c in chunks]
    assert all(0 < c.line_count <= chunk_lines for c in chunks)
    # a chunk stops growing once it holds chunk_bytes: only its last line may take it past the bound
    assert all(c.length - len(c.read_lines()[-1]) < chunk_bytes for c in chunks)
    assert [c.first_line for c in chunks] == [1 + sum(c.line_count for c in chunks[:k]) for k in range(len(chunks))]
    assert [c.offset for c in chunks] == [sum(c.length for c in chunks[:k]) for k in range(len(chunks))]


def test_an_empty_file_has_no_chunks(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert list(read_jsonl_chunks(path)) == []
    assert list(read_inputs([path], CFG)) == []


def test_a_file_cut_across_read_blocks_gives_the_same_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines straddling the reader's block boundary are found whole (a tiny block size makes every line do so)."""
    path = _messy_jsonl(tmp_path / "docs.jsonl")
    expected = list(read_inputs([path], CFG))
    monkeypatch.setattr("copydesk.io.readers._READ_BLOCK", 7)
    assert list(read_inputs([path], CFG)) == expected
    assert [c.line_count for c in read_jsonl_chunks(path, 4)] == [4, 4, 2]


def test_compressed_chunks_carry_their_lines(tmp_path: Path) -> None:
    plain = _messy_jsonl(tmp_path / "docs.jsonl")
    packed = tmp_path / "docs.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    chunks = list(read_jsonl_chunks(packed, 3))
    assert all(c.lines is not None for c in chunks)
    assert [line for c in chunks for line in c.read_lines()] == plain.read_bytes().splitlines(keepends=True)
    items = [i for c in chunks for i in parse_jsonl_chunk(c, CFG)]
    assert [i.origin.rsplit(":", 1)[1] for i in items] == [i.origin.rsplit(":", 1)[1] for i in read_inputs([plain], CFG)]


def test_a_file_changed_after_it_was_cut_is_an_error_naming_file_and_lines(tmp_path: Path) -> None:
    """A second pass reads the bytes again: if they changed (same length or not), it says so instead of
    reading other records than the first pass counted."""
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b'{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n{"id": "c", "text": "three"}\n')
    first, second = read_jsonl_chunks(path, 2)
    path.write_bytes(path.read_bytes().replace(b"three", b"THREE"))
    assert len(first.read_lines()) == 2  # its bytes are unchanged
    with pytest.raises(InputError, match=r"docs\.jsonl: lines 3-3 changed"):
        second.read_lines()
    path.write_bytes(b'{"id": "a"}\n')
    with pytest.raises(InputError, match=r"lines 1-2 changed"):
        first.read_lines()


def test_a_named_pipe_is_read_once_into_line_chunks(tmp_path: Path) -> None:
    """A FIFO cannot be read again from an offset: its chunks carry their lines, and the items are those of a
    plain file with the same bytes."""
    import os
    import threading

    plain = _messy_jsonl(tmp_path / "docs.jsonl")
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(plain.read_bytes()))
    writer.start()
    chunks = list(read_jsonl_chunks(fifo, 4))
    writer.join()
    assert all(c.lines is not None for c in chunks)
    items = [i for c in chunks for i in parse_jsonl_chunk(c, CFG)]
    expected = list(read_inputs([plain], CFG))
    assert [repr(i).replace("pipe.jsonl", "docs.jsonl") for i in items] == [repr(i) for i in expected]


#: JSON lines on which orjson and the standard parser part ways, each with what ``json.loads`` makes of it.
_PARSER_EDGES = [
    b'{"id": 12345678901234567890123, "text": "an id beyond 64 bits stays an exact integer"}',
    b'{"id": "n", "text": "a float field", "score": 0.1, "meta": {"deep": [1, 2.5]}}',
    b'{"id": "nan", "text": "NaN is not JSON, yet Python reads it", "score": NaN}',
    b'{"id": "big", "text": "overflow", "score": 1e400}',
    b'{"id": "s", "text": "half a pair \\ud83d here"}',
    b'{"id": "pair", "text": "a whole pair \\ud83d\\ude00 here"}',
    b'{"id": "dup", "text": "first", "id": "second id wins"}',
    b'{"id": "ctl", "text": "a raw \x01 control character"}',
    b'\xef\xbb\xbf{"id": "bom", "text": "a byte order mark"}',
    b'{"id": "u", "text": "caf\xc3\xa9 \xe2\x80\xa8 separator"}',
    b'{"id": "bad", "text": "bad \xff byte"}',
]


@pytest.mark.parametrize("raw", _PARSER_EDGES)
def test_the_fast_parser_gives_the_standard_parsers_record_or_steps_aside(raw: bytes) -> None:
    from copydesk.io.readers import _NOT_FAST, _fast_record

    fast = _fast_record(raw)
    try:
        expected = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        assert fast is _NOT_FAST  # only the standard path may report or repair the line
        return
    if fast is not _NOT_FAST:
        assert repr(fast) == repr(expected)  # repr: NaN != NaN, and 1 == 1.0 would hide a type change


def test_records_the_fast_parser_cannot_read_exactly_still_come_through(tmp_path: Path) -> None:
    path = tmp_path / "edges.jsonl"
    path.write_bytes(b"\n".join(_PARSER_EDGES) + b"\n")
    items = list(read_inputs([path], CFG))
    assert len(items) == len(_PARSER_EDGES)
    by_origin = {i.origin.rsplit(":", 1)[1]: i for i in items}
    assert by_origin["1"].id == "12345678901234567890123"  # not 1.2345678901234568e+22
    assert isinstance(by_origin["2"], Document) and by_origin["2"].meta["score"] == "0.1"
    assert by_origin["3"].meta["score"] == "nan"
    assert by_origin["5"].text == "half a pair \ufffd here" and "surrogate" in by_origin["5"].warnings[0]
    assert by_origin["6"].text == "a whole pair \U0001f600 here"
    assert by_origin["7"].id == "second id wins"
    assert isinstance(by_origin["8"], Rejected) and isinstance(by_origin["9"], Rejected)
    assert "invalid UTF-8" in by_origin["11"].warnings[0]


def test_invalid_json_message_names_the_column(tmp_path: Path) -> None:
    """json's own message ends in a dangling "at" and keeps the position apart; the reader puts both together."""
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b'{"id": "a", "text": "tab\there"}\n{"id": "b", "text": }\n')
    details = [item.detail for item in read_inputs([path], CFG) if isinstance(item, Rejected)]
    assert details == [
        f"{path}:1: invalid JSON at column 25: Invalid control character",
        f"{path}:2: invalid JSON at column 21: Expecting value",
    ]


def _whole_lines_before_the_cut(path: Path) -> int:
    """How many lines gzip itself gives of a damaged file before it fails (the reader must keep exactly these)."""
    count = 0
    with pytest.raises((EOFError, OSError)), gzip.open(path, "rb") as handle:
        for _ in handle:
            count += 1
    return count


def test_truncated_gzip_keeps_the_lines_before_the_cut_and_one_row_for_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "crawl.jsonl.gz"
    records = [json.dumps({"id": f"d{i}", "text": f"story {i} " + "words " * 40}) for i in range(400)]
    data = gzip.compress(("\n".join(records) + "\n").encode())
    path.write_bytes(data[: len(data) // 2])  # a crawl stopped mid-write
    kept = _whole_lines_before_the_cut(path)
    assert 0 < kept < 400

    items = list(read_inputs([path], CFG))

    docs = [item for item in items if isinstance(item, Document)]
    assert [d.id for d in docs] == [f"d{i}" for i in range(kept)]
    assert items[: len(docs)] == docs and len(items) == kept + 1
    cut = items[-1]
    assert isinstance(cut, Rejected) and cut.reason is Reason.UNREADABLE
    assert cut.origin == cut.id == f"{path}:{kept + 1}"
    assert cut.detail.startswith(f"{path}: cannot read from line {kept + 1} on: Compressed file ended")


def test_corrupt_gzip_is_one_unreadable_row_and_the_next_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00 not deflate data at all")
    (tmp_path / "b.txt").write_text("the next file still counts", encoding="utf-8")

    first, second = read_inputs([tmp_path], CFG)

    assert isinstance(first, Rejected) and first.reason is Reason.UNREADABLE
    assert first.origin == str(tmp_path / "a.jsonl.gz")
    assert first.detail.startswith(f"{tmp_path / 'a.jsonl.gz'}: cannot read: ")
    assert isinstance(second, Document) and second.id == "b.txt"


def test_damaged_parquet_row_group_costs_only_its_own_rows(tmp_path: Path) -> None:
    path = tmp_path / "docs.parquet"
    table = pa.table({"id": [f"d{i}" for i in range(300)], "text": [f"text {i} " + "word " * 50 for i in range(300)]})
    pq.write_table(table, path, row_group_size=100, compression="snappy", use_dictionary=False)
    column = pq.ParquetFile(path).metadata.row_group(1).column(1)  # the text of rows 101-200
    data = bytearray(path.read_bytes())
    start, end = column.data_page_offset + 30, column.data_page_offset + column.total_compressed_size - 5
    data[start:end] = b"\x07" * (end - start)
    path.write_bytes(bytes(data))

    items = list(read_inputs([path], CFG))

    assert [item.id for item in items] == [*(f"d{i}" for i in range(100)), f"{path}:101",
                                            *(f"d{i}" for i in range(200, 300))]
    cut = items[100]
    assert isinstance(cut, Rejected) and cut.reason is Reason.UNREADABLE and cut.origin == f"{path}:101"
    assert cut.detail.startswith(f"{path}: cannot read rows 101-200: ") and "\n" not in cut.detail
    assert items[101].origin == f"{path}:201"  # the rows after the damaged group keep their numbers


def test_the_outputs_of_an_earlier_run_inside_an_input_folder_are_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``copydesk dedup crawl -o crawl/dedup`` run twice: the second run must not take the first one's
    decisions and deduplicated texts for documents."""
    from copydesk.config import RunConfig
    from copydesk.pipeline import dedup
    from copydesk.run import write_outputs

    crawl = tmp_path / "crawl"
    (crawl / "site").mkdir(parents=True)
    (crawl / "site" / "a.txt").write_text("The harbour wall will be rebuilt next year, the council said.", "utf-8")
    (crawl / "site" / "b.txt").write_text("A different story about the ferry timetable for the summer.", "utf-8")
    cfg = RunConfig()
    write_outputs(dedup(read_inputs([crawl], cfg.read), cfg), crawl / "dedup", cfg)
    assert (crawl / "dedup" / "deduplicated.jsonl").read_text().count("\n") == 2  # texts that would be read
    (crawl / "notes").mkdir()  # a decisions.jsonl of someone else's: read as any JSONL
    (crawl / "notes" / "decisions.jsonl").write_text('{"id": "n1", "text": "meeting notes"}\n', "utf-8")

    with caplog.at_level("WARNING", logger="copydesk.io.readers"):
        ids = [item.id for item in read_inputs([crawl], cfg.read)]

    assert ids == ["n1", "site/a.txt", "site/b.txt"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{crawl / 'dedup'}: skipped, it holds the outputs of an earlier copydesk run"
    ]
    given = [item.id for item in read_inputs([crawl / "dedup"], cfg.read)]  # named as the input: read
    assert "site/a.txt" in given


def test_parquet_typed_values_become_plain_strings(tmp_path: Path) -> None:
    """A timestamp column used to become the date '"2024-10-12 08:00:00+00:00"', quotes included, which no date
    parser reads (and the policy ranked the doc as undated); dates, bytes and decimals in meta were quoted too."""
    import datetime
    import decimal

    from copydesk.dates import date_key

    path = tmp_path / "docs.parquet"
    table = pa.table({
        "id": [1, 2], "text": ["first text", "second text"],
        "date": pa.array([datetime.datetime(2024, 10, 12, 8, tzinfo=datetime.UTC), None], pa.timestamp("us", "UTC")),
        "day": [datetime.date(2024, 10, 12), datetime.date(2024, 10, 13)],
        "price": pa.array([decimal.Decimal("1.50"), None]), "raw": [b"caf\xc3\xa9", b"\xff"],
        "tags": [[datetime.date(2024, 1, 1)], []],
    })
    pq.write_table(table, path)

    first, second = read_inputs([path], CFG)

    assert isinstance(first, Document) and isinstance(second, Document)
    assert (first.id, first.date, second.date) == ("1", "2024-10-12T08:00:00+00:00", None)
    assert date_key(first.date) == datetime.datetime(2024, 10, 12, 8, tzinfo=datetime.UTC).timestamp()
    assert dict(first.meta) == {"day": "2024-10-12", "price": "1.50", "raw": "caf\u00e9", "tags": '["2024-01-01"]'}
    assert dict(second.meta) == {"day": "2024-10-13", "raw": "\ufffd", "tags": "[]"}


def test_a_binary_text_column_is_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": [b"caf\xc3\xa9 au lait", b"bad \xff byte"]}), path)
    first, second = read_inputs([path], CFG)
    assert isinstance(first, Document) and (first.text, first.warnings) == ("caf\u00e9 au lait", ())
    assert isinstance(second, Document) and second.text == "bad \ufffd byte"
    assert second.warnings == (f"{path}:2: invalid UTF-8 at line 1 (byte 4); 1 byte run(s) replaced with U+FFFD",)


def test_a_missing_text_field_names_the_fields_that_hold_text(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    rows = [{"id": "a", "summary": "short", "content": "the whole story, much longer", "url": "https://x.example/a"},
            {"id": "b", "text": None}, {"id": "c", "n": 1}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    details = [item.detail for item in read_inputs([path], CFG) if isinstance(item, Rejected)]
    assert details == [
        f"{path}:1: no 'text' field (text fields it has: summary, content; try --text-field content)",
        f"{path}:2: field 'text' is null",
        f"{path}:3: no 'text' field",
    ]


def test_a_byte_order_mark_at_the_start_of_a_jsonl_file_is_not_part_of_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "first"}\r\n{"id": "b", "text": "second \xef\xbb\xbf kept"}\r\n')
    for chunk_lines in (1, 2):  # (the mark is the file's, not each chunk's)
        items = [i for c in read_jsonl_chunks(path, chunk_lines) if isinstance(c, JsonlChunk)
                 for i in parse_jsonl_chunk(c, CFG)]
        assert [(i.id, i.text) for i in items if isinstance(i, Document)] == [("a", "first"), ("b", "second \ufeff kept")]


_NAME = st.text(alphabet="aAb-._0", min_size=1, max_size=4).filter(lambda n: n not in (".", ".."))


@st.composite
def _trees(draw: st.DrawFn) -> list[tuple[str, ...]]:
    """Relative paths of files (the last part) in nested folders, with names that sort awkwardly."""
    paths = draw(st.lists(st.lists(_NAME, min_size=1, max_size=3), min_size=0, max_size=12))
    suffixes = draw(st.lists(st.sampled_from([".txt", ".jsonl", ".bin", ""]), min_size=len(paths),
                             max_size=len(paths)))
    return [(*parts[:-1], parts[-1] + suffix) for parts, suffix in zip(paths, suffixes, strict=True)]


@settings(max_examples=60, deadline=None)
@given(_trees(), st.booleans())
def test_the_folder_walk_gives_the_order_of_sorted_rglob(tree: list[tuple[str, ...]], links: bool) -> None:
    """The walk lists one directory at a time (it used to sort every path of the tree first) and must give the
    very order and the very files of the old ``sorted(rglob)`` filter."""
    import os
    import tempfile

    from copydesk.io.readers import _kind, sorted_files

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "in"
        root.mkdir()
        for parts in tree:
            path = root.joinpath(*parts)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x", encoding="utf-8")
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                continue  # (a name drawn both as a file and as a folder)
        if links and tree:
            (root / "link-to-dir").symlink_to(root, target_is_directory=True)  # not followed
            first = next((p for p in root.rglob("*") if p.is_file()), None)
            if first is not None:
                os.symlink(first, root / "link-to-file.txt")  # followed
        expected = sorted(
            p for p in root.rglob("*")
            if p.is_file() and _kind(p) is not None and not any(x.startswith(".") for x in p.relative_to(root).parts)
        )
        assert list(sorted_files(root)) == expected
