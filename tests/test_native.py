"""The mypyc-compiled modules: same results as their source, and never a stale copy."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk._native import NATIVE_MODULES, PURE_ENV, compiled_modules, stale_extensions

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], pure: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != PURE_ENV}
    if pure:
        env[PURE_ENV] = "1"
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, check=True, cwd=ROOT)


def test_pure_python_switch_runs_every_compiled_module_from_source() -> None:
    code = "import copydesk._native as n, json; print(json.dumps(n.compiled_modules()))"
    assert json.loads(_run(["-c", code], pure=True).stdout) == []


def test_setup_compiles_the_modules_the_import_hook_knows() -> None:
    setup = (ROOT / "setup.py").read_text()
    for name in NATIVE_MODULES:
        assert f'"src/{name.replace(".", "/")}.py"' in setup, name


def test_an_extension_older_than_its_source_is_stale(tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    source = tmp_path / "clean" / "boilerplate.py"
    source.write_text("x = 1\n")
    extension = tmp_path / "clean" / f"boilerplate{importlib.machinery.EXTENSION_SUFFIXES[0]}"
    extension.write_bytes(b"")
    os.utime(source, (1_000_000, 1_000_000))
    os.utime(extension, (2_000_000, 2_000_000))
    assert stale_extensions(tmp_path) == []  # compiled after the last edit
    os.utime(source, (3_000_000, 3_000_000))
    assert stale_extensions(tmp_path) == ["copydesk.clean.boilerplate"]  # edited since: run the source


@pytest.mark.skipif(not compiled_modules(), reason="this install has no compiled modules (pure-Python build)")
def test_compiled_and_source_modules_give_byte_identical_outputs(tmp_path: Path) -> None:
    outputs = {}
    for pure in (False, True):
        out = tmp_path / ("pure" if pure else "compiled")
        _run(["-m", "copydesk.cli.main", "dedup", "examples/news", "--out", str(out), "--quiet"], pure=pure)
        outputs[pure] = out
    for name in ("decisions.jsonl", "clusters.jsonl", "summary.json", "deduplicated.jsonl", "cleaning.jsonl"):
        assert (outputs[False] / name).read_bytes() == (outputs[True] / name).read_bytes(), name
    versions = {pure: json.loads((out / "manifest.json").read_text())["versions"] for pure, out in outputs.items()}
    assert versions[True]["compiled_modules"] == "none"
    assert versions[False]["compiled_modules"] == ", ".join(compiled_modules())
