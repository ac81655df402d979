from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def pytest_report_header() -> str:
    from copydesk._native import compiled_modules

    return f"copydesk compiled modules: {', '.join(compiled_modules()) or 'none (pure Python)'}"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def seed_paths() -> tuple[Path, Path]:
    """The real seed pair: 000 is a regional site's excerpt of 001, a full syndicated copy."""
    excerpt = next((DATA / "seeds").glob("000_*.txt"))
    full = next((DATA / "seeds").glob("001_*.txt"))
    return excerpt, full
