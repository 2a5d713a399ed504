"""One test per claim of the DIAMOND and GameNGen cards, judged by the card's own comparison
(harness.card.judge) on the measured numbers of a whole run."""
from pathlib import Path

import pytest
import torch

from reproductions.harness import runner

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {paper: ROOT / "reproductions" / paper for paper in ("diamond", "gamengen")}


def assert_holds(record: dict, claim_id: str) -> None:
    """The gate passes and the run gives the verdict the card records ("holds" unless the card
    says plainly that the claim does not hold at this scale), with numbers inside the bands of
    the card's seed records."""
    assert record["gate"]["passed"], record["gate"]
    c = runner.judge_run(FOLDERS[record["paper"]], claim_id, record["metrics"], True)
    assert c["verdict"] == c["expected"] and not c["outside_band"], c


@pytest.mark.slow
@pytest.mark.xdist_group("diamond")
def test_context_gate_and_baselines(smoke_records):
    """Both studies pass the context-use gate and report the trivial baselines."""
    for record in smoke_records.values():
        assert record["gate"]["passed"], record["gate"]
        for name in ("copy_last_onestep_psnr", "copy_last_rollout_psnr", "mean_frame_psnr"):
            assert name in record["metrics"]


@pytest.mark.slow
@pytest.mark.xdist_group("diamond")
def test_action_controllable(smoke_records):
    assert_holds(smoke_records["diamond"], "action-controllable")


@pytest.mark.slow
@pytest.mark.xdist_group("diamond")
def test_edm_few_steps_stable(smoke_records):
    assert_holds(smoke_records["diamond"], "edm-few-steps-stable")


@pytest.mark.slow
@pytest.mark.xdist_group("diamond")
def test_ddpm_baseline_not_broken(smoke_records):
    assert_holds(smoke_records["diamond"], "ddpm-baseline-not-broken")


@pytest.mark.slow
@pytest.mark.xdist_group("diamond")
def test_edm_rollouts_sharp(smoke_records):
    assert_holds(smoke_records["diamond"], "edm-rollouts-sharp")


@pytest.mark.slow
@pytest.mark.xdist_group("diamond")
def test_robust_to_noisy_context(smoke_records):
    assert_holds(smoke_records["gamengen"], "robust-to-noisy-context")


@pytest.mark.slow
@pytest.mark.xdist_group("diamond")
def test_equal_clean_quality(smoke_records):
    assert_holds(smoke_records["gamengen"], "equal-clean-quality")


@pytest.mark.slow
@pytest.mark.xdist_group("diamond")
def test_stable_long_rollouts_smoke(smoke_records):
    assert_holds(smoke_records["gamengen"], "stable-long-rollouts-smoke")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="full scale needs CUDA")
def test_full_scale_claims(full_records):
    """Breakout at 64x64: every full-scale claim of both cards."""
    assert_holds(full_records["diamond"], "atari-controllable")
    assert_holds(full_records["diamond"], "atari-edm-beats-copy")
    assert_holds(full_records["gamengen"], "stable-long-rollouts")
