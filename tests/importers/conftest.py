"""Fixtures of the importer tests; the fakes themselves live in importer_fakes.py."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from importer_fakes import RECORDED, REPO


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A minimal checkout: the taxonomy and one record (Diffusion Forcing)."""
    (tmp_path / "catalog").mkdir()
    (tmp_path / "papers").mkdir()
    shutil.copy(REPO / "catalog" / "taxonomy.yaml", tmp_path / "catalog" / "taxonomy.yaml")
    (tmp_path / "papers" / "diffusion-forcing.yaml").write_text(
        (RECORDED / "diffusion-forcing.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path

