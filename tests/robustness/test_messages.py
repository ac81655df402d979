"""Issue 17, class 9: each small gap gets a message that says what was found and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import copydesk
from copydesk.cli.main import app

STORY = ("The harbor board voted on Tuesday to build a new seawall along the east side of the port, after a decade "
         "of floods that closed the fish market and damaged dozens of homes near the water.")


def _invoke(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, " ".join(done.output.split())  # (rich wraps long lines)


def test_an_empty_out_is_refused_rather_than_writing_into_the_current_folder(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    code, output = _invoke("dedup", str(story), "--out", "")
    assert code == 2 and "--out is empty" in output, output


def test_input_files_without_documents_are_told_apart_from_no_readable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    code, output = _invoke("dedup", str(empty), "--out", str(tmp_path / "out"))
    assert code == 1 and "holds files copydesk reads, but no document in them" in output, output
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "notes.doc").write_text("x", encoding="utf-8")
    code, output = _invoke("dedup", str(folder), "--out", str(tmp_path / "out2"))
    assert code == 1 and "is a file copydesk reads" in output, output


def test_compare_on_a_file_of_several_records_says_so(tmp_path: Path) -> None:
    records = tmp_path / "two.jsonl"
    records.write_text("".join(json.dumps({"id": k, "text": STORY}) + "\n" for k in "ab"), encoding="utf-8")
    single = tmp_path / "one.txt"
    single.write_text(STORY, encoding="utf-8")
    code, output = _invoke("compare", str(records), str(single))
    assert code == 2 and "holds 2 documents" in output and "use dedup" in output, output


@pytest.mark.parametrize(("fields", "named"), [({"id": "x", "text": None}, "text"), ({"id": 7, "text": ""}, "id")])
def test_a_document_without_a_string_text_or_id_names_itself(fields: dict[str, object], named: str) -> None:
    with pytest.raises(TypeError, match=f"Document\\(id=.*\\): {named} must be a str"):
        copydesk.Document(**fields)  # type: ignore[arg-type]
