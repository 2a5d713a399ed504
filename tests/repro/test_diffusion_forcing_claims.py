"""Diffusion Forcing's claims, judged by the card through the runner.

The smoke models are trained once per session (CPU, 2 threads, seed 0) by running the
reproduction exactly as `awm repro run diffusion-forcing --scale smoke` does, into a temporary
folder; every claim test reads the same record. Thresholds live in the card only.
"""
from pathlib import Path

import pytest
import torch

from reproductions.harness import runner
from reproductions.harness.card import load_card

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "reproductions" / "diffusion-forcing"
# the tests that read the smoke run: one worker, one training
SMOKE = pytest.mark.xdist_group("diffusion-forcing")


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("df-smoke")
    torch.set_num_threads(2)
    record = runner.run_one(FOLDER, "smoke", seed=0, run_dir=base / "runs",
                            results_dir=base / "results")
    return record, base / "results"


@pytest.fixture(scope="session")
def smoke_record(smoke_run):
    return smoke_run[0]


@pytest.fixture(scope="session")
def full_record():
    # GPU only: trains (or resumes from runs/full/) and writes results/full.json, the record
    # to commit, exactly as `awm repro run diffusion-forcing --scale full --resume`
    return runner.run_one(FOLDER, "full", seed=0, resume=True)


def test_card_is_valid_and_every_claim_has_its_test():
    card, findings = load_card(FOLDER / "card.yaml", ROOT)
    assert findings == [] and card.paper == "diffusion-forcing"
    assert {c.scale for c in card.claims} == {"smoke", "full"}
    assert runner.check(FOLDER, ROOT) == []


@pytest.mark.slow
@SMOKE
def test_smoke_run_writes_record_and_pictures(smoke_run):
    smoke_record, results = smoke_run
    assert smoke_record["scale"] == "smoke" and smoke_record["protocol"]["horizon"] == 64
    assert len(smoke_record["curves"]["df_survival"]) == 64
    assert smoke_record["metrics"]["df_params"] == smoke_record["metrics"]["tf_params"]
    for fig in smoke_record["figures"]:
        assert (results / fig).stat().st_size > 1000


@pytest.mark.slow
@SMOKE
def test_context_use_gate(smoke_record):
    """Both models reconstruct a frame from pure noise far better with their context than the
    mean frame does; otherwise every verdict below is 'not learned'."""
    assert smoke_record["gate"]["passed"], smoke_record["gate"]


CARD, _ = load_card(FOLDER / "card.yaml", ROOT)


def assert_as_recorded(record, claim_id):
    """The run gives the verdict the card records, with numbers inside the seeds' bands."""
    got = runner.judge_run(FOLDER, claim_id, record["metrics"], record["gate"]["passed"])
    assert got["verdict"] == got["expected"] and not got["outside_band"], got


@pytest.mark.slow
@SMOKE
@pytest.mark.parametrize("claim_id", [c.id for c in CARD.claims_at("smoke")])
def test_smoke_claim(smoke_record, claim_id):
    assert_as_recorded(smoke_record, claim_id)


@pytest.mark.gpu
@pytest.mark.parametrize("claim_id", [c.id for c in CARD.claims_at("full")])
def test_full_claim(full_record, claim_id):
    assert_as_recorded(full_record, claim_id)
