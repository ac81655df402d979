"""Run manifest pieces: a hash of the settings that change results, and the versions that produced them."""

from __future__ import annotations

import functools
import json
import platform
import unicodedata
from importlib.metadata import PackageNotFoundError, version

import xxhash

from ._native import compiled_modules
from .config import RunConfig


def config_hash(cfg: RunConfig) -> str:
    """Stable over runs and machines; batch size, workers and backend are excluded (they never change results)."""
    return xxhash.xxh64_hexdigest(json.dumps(cfg.matching_dict(), sort_keys=True, default=list).encode())


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    """(What a process runs does not change while it runs: read once, not in every run of an index's queries.)"""
    return tuple(_read_versions().items())


def versions() -> dict[str, str]:
    return dict(_versions())


def _read_versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "unicode": unicodedata.unidata_version}
    for package in ("copydesk", "numpy", "numba"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "unknown"
    out["compiled_modules"] = ", ".join(compiled_modules()) or "none"  # mypyc extensions in use (speed only)
    return out
