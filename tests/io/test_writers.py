from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from copydesk.io.writers import write_parquet


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
