"""Build hook: compile the per-line rule modules to C with mypyc when it is available.

Why: boilerplate rules, credits and line statistics run Python code on every line of every document and set the
pace of a run; mypyc compiles these modules, unchanged, to C extensions (cleaning about 1.7x faster on the bench
corpus, same results). The pure-Python modules remain the reference and the fallback: set
``COPYDESK_PURE_PYTHON=1``, or build where mypyc is missing or fails, and the package installs without
extensions. Every other setting is in ``pyproject.toml``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import setup

#: The modules compiled, as paths relative to this file. They only import each other, the standard library and
#: pure-Python modules of the package; a class compiled here is only subclassed by classes compiled here too.
NATIVE_MODULES = [
    "src/copydesk/memo.py",
    "src/copydesk/clean/boilerplate.py",
    "src/copydesk/clean/prose.py",
    "src/copydesk/clean/corpus.py",
    "src/copydesk/provenance.py",
    "src/copydesk/syndication.py",
    "src/copydesk/cluster.py",
]


#: What the compiled modules were built from (module name -> sha256 of its source), read by copydesk._native:
#: an extension whose source has changed since is never used.
BUILD_RECORD = "src/copydesk/_native_build.json"


def record_sources() -> None:
    hashes = {
        path.removeprefix("src/").removesuffix(".py").replace("/", "."): hashlib.sha256(Path(path).read_bytes()).hexdigest()
        for path in NATIVE_MODULES
    }
    Path(BUILD_RECORD).write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")


#: The key under which BUILD_RECORD holds why mypyc rejected the modules (a type error in this package's code,
#: which the test suite reports: see tests/test_native.py). A missing mypyc or C compiler is not recorded.
FAILURE_KEY = "_build_failed"


def record_failure(reason: str) -> None:
    Path(BUILD_RECORD).write_text(json.dumps({FAILURE_KEY: reason}, indent=1) + "\n", encoding="utf-8")


def native_extensions() -> list[object]:
    if os.environ.get("COPYDESK_PURE_PYTHON"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("copydesk: mypyc is not available; installing the pure-Python modules", file=sys.stderr)
        return []
    # the build environment lacks numpy and numba, so modules the compiled ones import are seen untyped there:
    # the strict project settings would reject that, though only these modules' own types matter to mypyc
    relaxed = [
        "--allow-untyped-decorators", "--allow-untyped-calls", "--allow-subclassing-any", "--no-warn-return-any",
        "--no-warn-unused-ignores",
    ]
    try:
        extensions = list(mypycify([*relaxed, *NATIVE_MODULES], opt_level="3"))
    except (Exception, SystemExit) as exc:  # noqa: BLE001  (mypy exits on a type error: install pure instead)
        print(f"copydesk: mypyc could not compile ({exc!r}); installing the pure-Python modules", file=sys.stderr)
        record_failure(f"mypyc could not compile ({exc!r}); the build log shows the type errors")
        return []
    for extension in extensions:
        extension.optional = True  # type: ignore[attr-defined]  # no C compiler: install without it
    record_sources()
    return extensions


setup(ext_modules=native_extensions())
