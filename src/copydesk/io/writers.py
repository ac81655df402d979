"""Atomic output writers: each file is written to a temporary name beside it and renamed into place, so a
crashed run never leaves a half-written file that looks complete."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..types import Cluster, Decision


def _atomic_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


#: One encoder for every row: ``json.dumps(row, ensure_ascii=False)`` builds a new one per call. Rows are plain
#: trees of dicts, lists and scalars, so the circular-reference check (a dict lookup per container) is skipped.
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)
#: Rows encoded before one write: fewer, larger writes than one per row.
_ROWS_PER_WRITE = 512


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write one JSON object per line (keys in given order, UTF-8, as ``json.dumps(row, ensure_ascii=False)``
    writes it). Returns the number of rows."""
    tmp = _atomic_path(path)
    encode = _ROW_ENCODER.encode
    count = 0
    chunk: list[str] = []
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            chunk.append(encode(row))
            count += 1
            if len(chunk) >= _ROWS_PER_WRITE:
                handle.write("\n".join(chunk) + "\n")
                chunk.clear()
        if chunk:
            handle.write("\n".join(chunk) + "\n")
    os.replace(tmp, path)
    return count


def write_lines(path: Path, lines: Iterable[str]) -> int:
    """Write pre-serialised JSON lines atomically; returns the count."""
    tmp = _atomic_path(path)
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
            count += 1
    os.replace(tmp, path)
    return count


def copy_atomically(source: Path, path: Path) -> None:
    """Copy a finished file to ``path`` (through a temporary name beside it, like every writer here)."""
    tmp = _atomic_path(path)
    shutil.copyfile(source, tmp)
    os.replace(tmp, path)


def write_json(path: Path, value: Mapping[str, Any]) -> None:
    tmp = _atomic_path(path)
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


#: Column types of the Parquet outputs; any other column is a string. Nested values are JSON strings.
PARQUET_TYPES = {
    "jaccard": "float64", "containment": "float64", "weakest_score": "float64",
    "removed_lines": "int64", "size": "int64",
}


def write_parquet(path: Path, rows: Iterable[dict[str, Any]], batch_rows: int = 50_000) -> int:
    """Write rows in record batches (bounded memory) under a fixed schema taken from the first row's keys and
    ``PARQUET_TYPES``, so a batch whose column happens to be all null still gets the right type."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = _atomic_path(path)
    writer: Any = None
    count = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer
        if writer is None:
            keys = list(batch[0]) if batch else []
            schema = pa.schema([(k, pa.type_for_alias(PARQUET_TYPES.get(k, "string"))) for k in keys])
            writer = pq.ParquetWriter(tmp, schema)
        flat = [
            {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in row.items()}
            for row in batch
        ]
        writer.write_table(pa.Table.from_pylist(flat, schema=writer.schema))
        batch.clear()

    for row in rows:
        batch.append(row)
        count += 1
        if len(batch) >= batch_rows:
            flush()
    if batch or writer is None:
        flush()
    writer.close()
    os.replace(tmp, path)
    return count


def decision_row(d: Decision) -> dict[str, Any]:
    """The ``decisions.jsonl`` schema (documented in the README); keys in a fixed order."""
    return {
        "id": d.doc_id, "origin": d.origin, "cluster_id": d.cluster_id, "role": d.role.value,
        "canonical_id": d.canonical_id, "jaccard": d.jaccard, "containment": d.containment,
        "reason_code": d.reason.value, "reason": d.detail, "source": d.source, "url": d.url, "date": d.date,
        "title": d.title, "credits": [{"kind": k, "name": n} for k, n in d.credits],
        "removed_lines": d.removed_lines, "warnings": list(d.warnings),
    }


def cluster_row(c: Cluster) -> dict[str, Any]:
    """The ``clusters.jsonl`` schema: the canonical doc, why it won, each member's edge to it, the weakest link."""
    return {
        "cluster_id": c.id, "canonical_id": c.canonical, "size": c.size, "canonical_reason": c.canonical_reason,
        "members": [
            {"id": e.a, "role": role.value, "jaccard": e.jaccard, "containment": e.contain_ab,
             "canonical_in_member": e.contain_ba}
            for e, role in zip(c.edges, c.roles, strict=True)
        ],
        "weakest_member": c.weakest_member, "weakest_score": c.weakest_score, "weakest_metric": c.weakest_metric,
        "syndication": [
            {"doc": e.doc, "doc_source": e.doc_source, "credits": e.credited, "kind": e.kind,
             "credited_doc": e.credited_doc, "evidence": e.evidence}
            for e in c.syndication
        ],
    }
