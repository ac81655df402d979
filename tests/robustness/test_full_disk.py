"""Issue 17, class 7: a full disk is named, with what the run needs there, its partial files are removed, and
the command exits with an error rather than a traceback."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from copydesk.cli.main import app
from copydesk.sketch import spill


def test_a_short_write_of_a_spill_file_is_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy reports a short write ("N requested and M written") without an errno: it is raised as ENOSPC
    naming the file, which the command reports as a full disk."""

    class Short:
        def tofile(self, path: object) -> None:
            raise OSError("1257201 requested and 261632 written")

    monkeypatch.setattr(spill.np, "ascontiguousarray", lambda *a, **k: Short())
    with pytest.raises(OSError) as caught:
        spill.write_values(tmp_path / "batch-000001.u64", np.zeros(3, dtype=np.uint64))
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(tmp_path / "batch-000001.u64")


@pytest.mark.parametrize("where", ["tmp", "out"])
def test_the_full_disk_is_named_with_what_the_run_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        where: str) -> None:
    import copydesk.cli.main as cli

    out = tmp_path / "out"
    full_at = Path(tempfile.gettempdir()) / "copydesk-1-x" / "batch-000001.u64" if where == "tmp" else out / "x"

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(full_at))

    monkeypatch.setattr(cli, "dedup", full)
    doc = tmp_path / "doc.txt"
    doc.write_text("some words to read " * 100, encoding="utf-8")
    done = CliRunner().invoke(app, ["dedup", str(doc), "--out", str(out)])
    text = " ".join(done.output.split())
    assert done.exit_code == 1 and "Traceback" not in text, text
    if where == "tmp":
        assert "disk of the temporary folder" in text and "set TMPDIR" in text and "MiB free" in text, text
    else:
        assert "disk of --out" in text and "keeps the previous run's files" in text, text
