from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from copydesk.cli.main import app

runner = CliRunner()


def test_compare_seed_pair_json(seed_paths: tuple[Path, Path]) -> None:
    excerpt, full = seed_paths
    result = runner.invoke(app, ["compare", str(excerpt), str(full), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["label"] == "excerpt_of"
    assert data["excerpt"] == "a"
    assert data["containment_a_in_b"] >= 0.8
    assert data["jaccard"] < 0.5  # why Jaccard-threshold tools miss it
    assert any("MEXICO CITY" in p["text"] for p in data["shared_passages"])
    swapped = json.loads(runner.invoke(app, ["compare", str(full), str(excerpt), "--json"]).output)
    assert swapped["excerpt"] == "b"


def test_compare_readable_output(seed_paths: tuple[Path, Path]) -> None:
    excerpt, full = seed_paths
    result = runner.invoke(app, ["compare", str(excerpt), str(full)])
    assert result.exit_code == 0
    assert "is an excerpt of" in result.output


def test_dedup_writes_outputs_and_parquet(tmp_path: Path, seed_paths: tuple[Path, Path]) -> None:
    folder = seed_paths[0].parent
    out = tmp_path / "out"
    result = runner.invoke(app, ["dedup", str(folder), "--out", str(out), "--format", "parquet", "--quiet"])
    assert result.exit_code == 0, result.output
    for name in ("decisions.jsonl", "clusters.jsonl", "summary.json", "decisions.parquet", "clusters.parquet"):
        assert (out / name).exists(), name
    import pyarrow.parquet as pq

    assert pq.read_table(out / "decisions.parquet").num_rows == 2


def test_dedup_exits_non_zero_on_input_problems_but_writes_everything(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": "a", "text": "fine text here"}\n{oops\n', encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["dedup", str(path), "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert f"{path}:2" in result.output
    assert len((out / "decisions.jsonl").read_text().splitlines()) == 2


def test_a_damaged_gzip_file_costs_only_its_unreadable_part(tmp_path: Path) -> None:
    """Before, a corrupt .gz stopped the run with a traceback, and a truncated one with a bare "Aborted." (click
    reads an EOFError as end of input): every other file was lost."""
    import gzip

    records = "".join(json.dumps({"id": f"d{i}", "text": f"story {i} " + "words " * 60}) + "\n" for i in range(300))
    data = gzip.compress(records.encode())
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a-cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "in" / "b-bad.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00 no deflate data")
    (tmp_path / "in" / "c.txt").write_text("A last file that must still be read and decided.", encoding="utf-8")
    out = tmp_path / "out"

    result = runner.invoke(app, ["dedup", str(tmp_path / "in"), "--out", str(out), "--quiet"])

    assert result.exit_code == 1, result.output  # input problems: reported, everything written
    rows = [json.loads(line) for line in (out / "decisions.jsonl").read_text().splitlines()]
    unreadable = [r for r in rows if r["reason_code"] == "unreadable"]
    assert [r["origin"] for r in unreadable][1:] == [str(tmp_path / "in" / "b-bad.jsonl.gz")]
    cut_at = int(unreadable[0]["origin"].rsplit(":", 1)[1])
    assert [r["id"] for r in rows[: cut_at - 1]] == [f"d{i}" for i in range(cut_at - 1)]
    assert rows[-1]["id"] == "c.txt" and rows[-1]["role"] == "unique"
    assert len(rows) == cut_at - 1 + 2 + 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rejected_by_reason"] == {"unreadable": 2}


def test_an_out_path_that_is_a_file_fails_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The outputs are written after the whole run: a wrong --out must not cost the run first."""
    import copydesk.cli.main as cli

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started")

    monkeypatch.setattr(cli, "dedup", no_run)
    (tmp_path / "doc.txt").write_text("some words to read", encoding="utf-8")
    a_file = tmp_path / "decisions.jsonl"
    a_file.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["dedup", str(tmp_path / "doc.txt"), "--out", str(a_file)])
    assert result.exit_code == 2
    assert "exists and is not a folder" in result.output


def test_a_full_disk_is_reported_with_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import copydesk.cli.main as cli

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/copydesk-x/batch-000001.u64")

    monkeypatch.setattr(cli, "dedup", full)
    (tmp_path / "doc.txt").write_text("some words to read", encoding="utf-8")
    result = runner.invoke(app, ["dedup", str(tmp_path / "doc.txt"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1  # (as for an input problem: the run stopped, nothing was lost)
    assert "no space left on the disk" in result.output and "TMPDIR" in result.output


def test_inputs_without_a_single_document_exit_non_zero(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.json").write_text("{}", encoding="utf-8")  # not a kind copydesk reads
    result = runner.invoke(app, ["dedup", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1
    assert "no input documents" in result.output and ".jsonl" in result.output
    assert (tmp_path / "out" / "decisions.jsonl").read_text() == ""  # the (empty) outputs are still written


def test_prefer_source_may_name_a_url_host(tmp_path: Path, seed_paths: tuple[Path, Path]) -> None:
    text = seed_paths[1].read_text(encoding="utf-8")
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": text, "url": u}) + "\n" for i, u in [
        ("a", "https://www.yahoo.com/news/x"), ("b", "https://www.usatoday.com/story/x")]), encoding="utf-8")
    # (the text says "This article originally appeared on USA TODAY": with the default policy the credited
    # original is canonical whatever the preference; --canonical-policy complete leaves credits out)
    for preferred, policy, canonical in [("usatoday.com", "complete", "b"), ("yahoo.com", "complete", "a"),
                                         ("yahoo.com", "credited", "b")]:
        out = tmp_path / f"{preferred}-{policy}"
        result = runner.invoke(app, ["dedup", str(path), "--out", str(out), "--prefer-source", preferred,
                                     "--canonical-policy", policy, "--quiet"])
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in (out / "decisions.jsonl").read_text().splitlines()]
        assert [r["id"] for r in rows if r["role"] == "canonical"] == [canonical]
        assert [r["reason_code"] for r in rows if r["role"] == "canonical"] == [
            "credited_original" if policy == "credited" else "preferred_source"]


def test_bad_option_values_fail_with_a_hint(tmp_path: Path, seed_paths: tuple[Path, Path]) -> None:
    result = runner.invoke(app, ["dedup", str(seed_paths[0]), "--out", str(tmp_path), "--near-threshold", "1.5"])
    assert result.exit_code == 2
    assert "near_jaccard must be in [0, 1]" in result.output
    result = runner.invoke(app, ["dedup", str(seed_paths[0]), "--out", str(tmp_path), "--bands", "30"])
    assert result.exit_code == 2 and "multiple of bands" in result.output


def test_every_command_has_help() -> None:
    for command in ("dedup", "compare", "clean"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and len(result.output) > 200


def test_clean_json_reports_rules_original_line_numbers_and_credits(seed_paths: tuple[Path, Path]) -> None:
    excerpt, full = seed_paths
    result = runner.invoke(app, ["clean", str(excerpt), str(full), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in rows] == [excerpt.name, full.name]
    original = excerpt.read_text(encoding="utf-8").split("\n")
    for removed in rows[0]["removed"]:
        assert original[removed["line"] - 1] == removed["text"]
        assert removed["rule"]
    assert "MEXICO CITY" in rows[0]["text"] and "Lorem ipsum" not in rows[0]["text"]
    assert {"Yucatan Times", "Yahoo News"} <= {c["name"] for c in rows[0]["credits"]}
    assert "USA TODAY" in {c["name"] for c in rows[1]["credits"]}
    assert rows[0]["title"] == "Guns and drugs on agenda for Joe Biden, Mexico’s AMLO"
