"""Which copy of the compiled modules runs: the C extensions mypyc built from them, or their Python source.

``setup.py`` compiles the per-line rule modules (``NATIVE_MODULES``) with mypyc when it can; an extension sits
beside its ``.py`` file and Python's import system prefers it. Two cases must still run the source:

* ``COPYDESK_PURE_PYTHON=1`` in the environment (to compare the two, or to debug the rules);
* an extension built from other source than the ``.py`` file holds now (``setup.py`` records the sha256 of
  what it compiled in ``_native_build.json``): after an edit, a ``git pull`` or a checkout of another commit,
  the extension still holds the old code, and running it would silently ignore the change. The source runs
  instead (slower, with a warning) until ``pip install -e .`` compiles it again.

Either way all of them run as source together, never a mix: a compiled class cannot be subclassed by
interpreted code (``LineCreditMemo`` and ``LineVerdicts`` subclass ``BoundedMemo``). :func:`use_source_if_needed`
installs an import hook that loads them from their ``.py`` files; ``copydesk/__init__.py`` calls it before
anything imports them.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Final

log = logging.getLogger(__name__)

#: Module names that setup.py compiles (keep in step with ``NATIVE_MODULES`` there).
NATIVE_MODULES: Final[tuple[str, ...]] = (
    "copydesk.memo",
    "copydesk.clean.boilerplate",
    "copydesk.clean.prose",
    "copydesk.clean.corpus",
    "copydesk.provenance",
    "copydesk.syndication",
    "copydesk.cluster",
)
PURE_ENV: Final[str] = "COPYDESK_PURE_PYTHON"
#: Written by setup.py beside this file: the sha256 of each compiled module's source.
BUILD_RECORD: Final[str] = "_native_build.json"
_PACKAGE_ROOT: Final[Path] = Path(__file__).resolve().parent


def _source_path(name: str, root: Path = _PACKAGE_ROOT) -> Path:
    return root.joinpath(*name.split(".")[1:]).with_suffix(".py")


def _extension_paths(name: str, root: Path = _PACKAGE_ROOT) -> list[Path]:
    source = _source_path(name, root)
    candidates = [source.with_name(source.stem + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES]
    return [path for path in candidates if path.exists()]


def _recorded_sources(root: Path) -> dict[str, str]:
    """Module name -> sha256 of the source each extension was compiled from (``setup.py`` writes it)."""
    try:
        recorded = json.loads((root / BUILD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


#: The key under which ``setup.py`` records why mypyc rejected the modules (then nothing was compiled).
FAILURE_KEY: Final[str] = "_build_failed"


def build_failure(root: Path = _PACKAGE_ROOT) -> str | None:
    """Why the last build compiled nothing although mypyc ran (a type error in the package), or None."""
    reason = _recorded_sources(root).get(FAILURE_KEY)
    return str(reason) if reason is not None else None


def stale_extensions(root: Path = _PACKAGE_ROOT) -> list[str]:
    """Modules (under the package folder ``root``) with an extension built from other source than their
    ``.py`` file holds now, or from unrecorded source. Hashes rather than file times: an install from a wheel
    writes both files at once, in either order."""
    recorded = _recorded_sources(root)
    built = [name for name in NATIVE_MODULES if _extension_paths(name, root) and _source_path(name, root).exists()]
    if len(built) < len(NATIVE_MODULES):  # an incomplete build: the modules run compiled together or not at all
        return built
    return [
        name for name in built
        if recorded.get(name) != hashlib.sha256(_source_path(name, root).read_bytes()).hexdigest()
    ]


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' ``.py`` files ahead of the path finder (which would take the extension)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in NATIVE_MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, _source_path(fullname))


def use_source_if_needed() -> str | None:
    """Run the compiled modules from source when asked to or when an extension is stale; returns why, or None
    when the extensions (if any) run."""
    if any(isinstance(finder, _SourceFinder) for finder in sys.meta_path):
        return "already"
    if os.environ.get(PURE_ENV):
        reason = f"{PURE_ENV} is set"
    else:
        stale = stale_extensions()
        if not stale:
            return None
        reason = f"compiled copies built from other source: {', '.join(stale)}"
        log.warning("copydesk: running the Python source (%s); `pip install -e .` compiles it again", reason)
    sys.meta_path.insert(0, _SourceFinder())
    return reason


def compiled_modules() -> list[str]:
    """The modules of ``NATIVE_MODULES`` that run as C extensions in this process (imports them)."""
    out = []
    for name in NATIVE_MODULES:
        module = importlib.import_module(name)
        if not str(getattr(module, "__file__", "")).endswith(".py"):
            out.append(name)
    return out
