from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from copydesk.io.writers import copy_atomically, encode_row, write_jsonl, write_parquet


def test_parquet_schema_is_fixed_across_batches(tmp_path: Path) -> None:
    rows = [{"id": "a", "jaccard": None, "warnings": []}, {"id": "b", "jaccard": 0.5, "warnings": ["w"]},
            {"id": "c", "jaccard": None, "warnings": []}]
    path = tmp_path / "out.parquet"
    assert write_parquet(path, iter(rows), batch_rows=1) == 3
    table = pq.read_table(path)
    assert str(table.schema.field("jaccard").type) == "double"
    assert table.column("jaccard").to_pylist() == [None, 0.5, None]
    assert table.column("warnings").to_pylist() == ["[]", '["w"]', "[]"]


def test_empty_parquet_still_written(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    assert write_parquet(path, iter([])) == 0
    assert pq.read_table(path).num_rows == 0


_ROWS = [
    {"id": "d1", "jaccard": 0.5574, "containment": 1.0, "score": 0.0001, "none": None, "flag": True,
     "credits": [{"kind": "byline", "name": "Jos\u00e9 \u201cPepe\u201d Ruiz"}], "warnings": []},
    {"text": 'quotes " and \\ backslashes, \n\t\r\b\f and \x01\x1f\x7f \u2028 \U0001f600 controls'},
    {"id": 12345678901234567890123, "nested": {"a": [1, -2, 3.25]}},  # orjson refuses this integer
    {1: "a key that is not a string"},  # and this key
]


@pytest.mark.parametrize("row", _ROWS)
def test_a_row_is_encoded_as_the_standard_compact_json(row: dict[object, object]) -> None:
    expected = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert encode_row(row) == expected


def test_a_lone_surrogate_is_written_as_its_json_escape(tmp_path: Path) -> None:
    """No UTF-8 file holds a lone surrogate; failing on one lost a whole run at its last step. Its JSON escape
    keeps the line valid JSON that reads back to the same string."""
    row = {"id": "a\udc80", "text": "half \ud800 a pair, a whole \U0001f600 one, \u00e9", "removed_lines": 1}
    encoded = encode_row(row)
    assert encoded == b'{"id":"a\\udc80","text":"half \\ud800 a pair, a whole \xf0\x9f\x98\x80 one, \xc3\xa9","removed_lines":1}'
    assert json.loads(encoded) == row
    path = tmp_path / "rows.parquet"
    write_parquet(path, iter([row, {"id": "b", "text": "plain", "removed_lines": 2}]))
    assert pq.read_table(path).to_pylist() == [  # Parquet strings are UTF-8: the surrogate becomes U+FFFD
        {"id": "a\ufffd", "text": "half \ufffd a pair, a whole \U0001f600 one, \u00e9", "removed_lines": 1},
        {"id": "b", "text": "plain", "removed_lines": 2},
    ]


def test_jsonl_rows_come_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    rows = [{"n": i, "text": f"row {i}"} for i in range(1200)] + _ROWS[:3]  # past one buffered write
    assert write_jsonl(path, iter(rows)) == len(rows)
    data = path.read_bytes()
    assert data.endswith(b"}\n") and data.count(b"\n") == len(rows)
    assert [json.loads(line) for line in data.splitlines()] == rows
    assert write_jsonl(path, iter([])) == 0 and path.read_bytes() == b""


def test_a_copied_file_is_linked_when_it_can_be_and_copied_when_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "audit.jsonl"
    source.write_text('{"id":"a"}\n', encoding="utf-8")
    copy_atomically(source, tmp_path / "linked.jsonl")
    assert (tmp_path / "linked.jsonl").read_bytes() == source.read_bytes()
    assert (tmp_path / "linked.jsonl").stat().st_ino == source.stat().st_ino
    copy_atomically(source, tmp_path / "linked.jsonl")  # again (a result written twice): no temporary left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.jsonl", "linked.jsonl"]

    def no_links(src: object, dst: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr("copydesk.io.writers.os.link", no_links)
    copy_atomically(source, tmp_path / "copied.jsonl")
    assert (tmp_path / "copied.jsonl").read_bytes() == source.read_bytes()
    assert (tmp_path / "copied.jsonl").stat().st_ino != source.stat().st_ino


def test_write_json_keeps_a_lone_surrogate_as_its_escape(tmp_path: Path) -> None:
    from copydesk.io.writers import write_json

    write_json(tmp_path / "manifest.json", {"prefer_sources": ["caf\udce9"], "plain": "caf\u00e9"})
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8")) == {
        "prefer_sources": ["caf\udce9"], "plain": "caf\u00e9",
    }
