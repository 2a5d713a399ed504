"""Shared fixtures of the DIAMOND / GameNGen tests: the reproduction's modules imported the way
the runner imports them, a fixed thread count, and the result records of whole runs, shared by
the claim tests (the plain EDM model is trained once per process and reused by both studies)."""
from pathlib import Path

import pytest
import torch

from reproductions.harness import runner

ROOT = Path(__file__).resolve().parents[2]
DIAMOND = ROOT / "reproductions" / "diamond"
GAMENGEN = ROOT / "reproductions" / "gamengen"


def load(name: str):
    return runner.import_module(DIAMOND, name)


@pytest.fixture(autouse=True)
def _threads():
    torch.set_num_threads(2)


@pytest.fixture(scope="session")
def smoke_records(tmp_path_factory):
    """{"diamond": record, "gamengen": record} of smoke runs (seed 0) written to a tmp folder."""
    torch.set_num_threads(2)
    out = tmp_path_factory.mktemp("diamond-smoke")
    return {name: runner.run_one(folder, "smoke", seed=0, results_dir=out / name)
            for name, folder in (("diamond", DIAMOND), ("gamengen", GAMENGEN))}


@pytest.fixture(scope="session")
def full_records():
    """Full-scale runs on the GPU; they write the committed records in results/."""
    return {name: runner.run_one(folder, "full", seed=0)
            for name, folder in (("diamond", DIAMOND), ("gamengen", GAMENGEN))}
