"""Shared fixtures for the catalog tests: the fixture catalogs and a fixed 'today'."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """tests/catalog/fixtures: one folder per case, each a small repository root."""
    return HERE / "fixtures"


@pytest.fixture(scope="session")
def today() -> dt.date:
    """Fixture records are dated up to 2024-09, one deliberately 2025-07."""
    return dt.date(2025, 6, 15)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return HERE.parents[1]


@pytest.fixture
def good_root(tmp_path: Path, fixtures_dir: Path) -> Path:
    """A writable copy of the valid fixture catalog (4 papers, one reproduction card)."""
    root = tmp_path / "repo"
    shutil.copytree(fixtures_dir / "good", root)
    return root
