"""Results, compute and open: what catalog.json, the README and the comparisons make of them."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from catalog.checks import run_checks
from catalog.loader import load_catalog
from catalog.render import render_all

VALID = ("complete.yaml", "derived.yaml")  # the knowledge fixture's records that pass


@pytest.fixture
def knowledge_root(tmp_path: Path, fixtures_dir: Path) -> Path:
    """The good fixture catalog plus the two valid knowledge records."""
    root = tmp_path / "repo"
    shutil.copytree(fixtures_dir / "good", root)
    for name in VALID:
        shutil.copy2(fixtures_dir / "knowledge" / "papers" / name, root / "papers" / name)
    return root


def test_catalog_json_carries_results_compute_open_and_the_vocabulary(knowledge_root, repo_root,
                                                                       today):
    catalog = load_catalog(knowledge_root)
    assert run_checks(catalog, today) == []
    data = json.loads(render_all(catalog)["catalog.json"])
    schema = json.loads((repo_root / "catalog" / "catalog.schema.json").read_text())
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert data["schema_version"] == 2
    paper = {p["key"]: p for p in data["papers"]}["complete"]
    assert paper["results"][0] == {
        "benchmark": "vbench-total", "value": 84.31, "source": "fixture, Table 1",
        "setting": {"resolution": "832x480", "frames": 81, "steps": 4, "prompts": "extended",
                    "dataset": None, "seeds": 5, "note": None}}
    assert paper["compute"]["throughput"] == {"fps": 17.0, "hardware": "1x H100",
                                              "resolution": "832x480", "note": None,
                                              "source": "fixture, Table 1"}
    assert paper["open"]["licence"] == "Apache-2.0"
    alpha = {p["key"]: p for p in data["papers"]}["alpha"]
    assert (alpha["results"], alpha["compute"], alpha["open"]) == ([], None, None)
    vocabulary = {b["key"]: b for b in data["benchmarks"]}
    assert vocabulary["vbench-total"]["results"] == 1
    assert vocabulary["fvd-ucf101"]["results"] == 1
    assert vocabulary["psnr"]["results"] == 0
    assert vocabulary["vbench-total"]["url"].startswith("https://")
