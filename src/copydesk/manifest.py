"""Run manifest pieces: a hash of the settings that change results, and the versions that produced them."""

from __future__ import annotations

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


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "unicode": unicodedata.unidata_version}
    for package in ("copydesk", "numpy", "numba"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "unknown"
    out["compiled_modules"] = ", ".join(compiled_modules()) or "none"  # mypyc extensions in use (speed only)
    return out
