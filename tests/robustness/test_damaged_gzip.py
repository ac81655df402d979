"""Issue 17, class 8, for compressed JSONL: a ``.jsonl.gz`` member that fails its integrity check (deflate
data, CRC, length) yields no doc. gzip checks a member's CRC only at its end, after its lines were read, so
copydesk checks the file before it hands out a line: the members before the damage are read, and one
``unreadable`` row, naming the line where the damaged member starts, stands for the rest. A file cut off
inside its last member is no such damage: its whole lines before the cut were written as they read
(tests/io/test_readers.py), and so is a member cut inside its trailer."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import copydesk
from copydesk import Reason, Role


def _lines(first: int, count: int) -> bytes:
    return b"".join(
        json.dumps({"id": f"d{k}", "text": f"Story number {k} about the harbour seawall and its ferry."}).encode()
        + b"\n"
        for k in range(first, first + count)
    )


def _bad_crc(member: bytes) -> bytes:
    """The member with its CRC-32 (the trailer's first four bytes) changed: the data inflates, the check fails."""
    crc = bytearray(member[-8:-4])
    crc[0] ^= 0xFF
    return member[:-8] + bytes(crc) + member[-4:]


def _rows(path: Path) -> list[tuple[str, Role, Reason | None]]:
    cfg = copydesk.RunConfig()
    result = copydesk.dedup(copydesk.read_inputs([path], cfg.read), cfg)
    return [(d.doc_id, d.role, d.reason) for d in result.decisions], result


def _flipped_inside(member: bytes) -> bytes:
    """The member with one byte of its deflate stream changed: it fails to inflate or fails its CRC."""
    middle = bytearray(member)
    middle[len(member) // 2] ^= 0x55
    return bytes(middle)


@pytest.mark.parametrize("damage", ["crc", "deflate"])
def test_a_damaged_second_member_loses_its_lines_only(tmp_path: Path, damage: str) -> None:
    good, bad = gzip.compress(_lines(1, 3)), gzip.compress(_lines(4, 3))
    bad = _bad_crc(bad) if damage == "crc" else _flipped_inside(bad)
    path = tmp_path / "crawl.jsonl.gz"
    path.write_bytes(good + bad)
    rows, result = _rows(path)
    assert [r[0] for r in rows[:3]] == ["d1", "d2", "d3"]
    assert all(role is not Role.REJECTED for _, role, _ in rows[:3])
    assert [(role, reason) for _, role, reason in rows[3:]] == [(Role.REJECTED, Reason.UNREADABLE)], rows
    detail = result.decisions[3].detail
    assert f"{path}" in detail and "line 4" in detail and "integrity" in detail, detail
    assert not any(doc_id in {"d4", "d5", "d6"} for doc_id, _, _ in rows)


def test_a_single_member_with_a_bad_crc_yields_no_doc(tmp_path: Path) -> None:
    """One member (as ``gzip file.jsonl`` writes it): its lines all inflate, but none of them is vouched for."""
    path = tmp_path / "crawl.jsonl.gz"
    path.write_bytes(_bad_crc(gzip.compress(_lines(1, 5))))
    rows, result = _rows(path)
    assert [(role, reason) for _, role, reason in rows] == [(Role.REJECTED, Reason.UNREADABLE)], rows
    assert "integrity" in result.decisions[0].detail


def test_a_sound_file_of_many_members_and_trailing_zeros_reads_whole(tmp_path: Path) -> None:
    path = tmp_path / "crawl.jsonl.gz"
    path.write_bytes(gzip.compress(_lines(1, 2)) + gzip.compress(_lines(3, 2)) + b"\0" * 16)
    rows, _ = _rows(path)
    assert [r[0] for r in rows] == ["d1", "d2", "d3", "d4"]
    assert all(role is not Role.REJECTED for _, role, _ in rows)


def test_a_member_cut_inside_its_trailer_keeps_its_whole_lines(tmp_path: Path) -> None:
    """A crawl stopped while writing the last member's trailer: its lines inflated in full, nothing is wrong
    with them, so they are read, and one row says where the file broke off."""
    path = tmp_path / "crawl.jsonl.gz"
    path.write_bytes(gzip.compress(_lines(1, 3)) + gzip.compress(_lines(4, 3))[:-5])
    rows, result = _rows(path)
    assert [r[0] for r in rows[:6]] == [f"d{k}" for k in range(1, 7)]
    assert [(role, reason) for _, role, reason in rows[6:]] == [(Role.REJECTED, Reason.UNREADABLE)], rows
