"""The mypyc-compiled modules: same results as their source, and never a stale copy."""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from copydesk._native import (
    BUILD_RECORD, FAILURE_KEY, NATIVE_MODULES, PURE_ENV, build_failure, compiled_modules, stale_extensions,
)

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
    assert f'FAILURE_KEY = "{FAILURE_KEY}"' in setup  # the key setup.py writes is the one read here


def _fake_build(root: Path, names: tuple[str, ...]) -> dict[str, Path]:
    sources = {}
    for name in names:
        source = root.joinpath(*name.split(".")[1:]).with_suffix(".py")
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"# {name}\n")
        source.with_name(source.stem + importlib.machinery.EXTENSION_SUFFIXES[0]).write_bytes(b"")
        sources[name] = source
    return sources


def test_an_extension_built_from_other_source_is_stale(tmp_path: Path) -> None:
    sources = _fake_build(tmp_path, NATIVE_MODULES)
    assert stale_extensions(tmp_path) == list(NATIVE_MODULES)  # no build record: never trusted
    record = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in sources.items()}
    (tmp_path / BUILD_RECORD).write_text(json.dumps(record))
    assert stale_extensions(tmp_path) == []  # compiled from what the files hold
    boilerplate = sources["copydesk.clean.boilerplate"]
    os.utime(boilerplate, (1, 1))  # file times do not matter (a wheel install writes both at once)
    assert stale_extensions(tmp_path) == []
    boilerplate.write_text("x = 2\n")  # edited since: run the source
    assert stale_extensions(tmp_path) == ["copydesk.clean.boilerplate"]


def test_an_incomplete_build_is_never_used(tmp_path: Path) -> None:
    sources = _fake_build(tmp_path, NATIVE_MODULES[:2])
    record = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in sources.items()}
    (tmp_path / BUILD_RECORD).write_text(json.dumps(record))
    assert stale_extensions(tmp_path) == list(NATIVE_MODULES[:2])


def test_the_build_did_not_fall_back_for_a_type_error() -> None:
    """mypyc type-checks the compiled modules and what they import; a type error there makes setup.py install
    pure Python, which would only show as a skipped comparison below. A missing mypyc or C compiler is fine."""
    assert build_failure() is None, build_failure()


def test_a_recorded_failure_is_reported(tmp_path: Path) -> None:
    assert build_failure(tmp_path) is None
    (tmp_path / BUILD_RECORD).write_text(json.dumps({FAILURE_KEY: "mypyc could not compile (SystemExit(1))"}))
    assert build_failure(tmp_path) == "mypyc could not compile (SystemExit(1))"
    assert stale_extensions(tmp_path) == []  # nothing was built, so nothing is stale


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
