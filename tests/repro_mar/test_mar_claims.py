"""The claims of the MAR and NOVA cards, judged by the harness's one judge on freshly trained
models (seed 0). The cards hold the thresholds and the verdict each claim is recorded with; a
test fails when a run's verdict differs from the card's, in either direction, or when its numbers
leave the band of the card's seed records."""
import pytest

from reproductions.harness.runner import ROOT, judge_run

pytestmark = pytest.mark.slow   # every claim test trains models (the gpu one is skipped on CPU)

MAR = ROOT / "reproductions" / "mar"
NOVA = ROOT / "reproductions" / "nova"


@pytest.mark.xdist_group("mar")
def test_diffusion_head_is_multimodal(mar_toy):
    result = judge_run(MAR, "diffusion-head-is-multimodal", mar_toy, True)
    assert result["verdict"] == result["expected"] and not result["outside_band"], result


@pytest.mark.xdist_group("mar")
def test_temperature_lowers_spread(mar_toy):
    result = judge_run(MAR, "temperature-lowers-spread", mar_toy, True)
    assert result["verdict"] == result["expected"] and not result["outside_band"], result


@pytest.mark.xdist_group("nova")
def test_autoencoder_reconstructs(nova_smoke):
    measured, gate = nova_smoke
    result = judge_run(NOVA, "autoencoder-reconstructs", measured, gate["passed"])
    assert result["verdict"] == result["expected"] and not result["outside_band"], (result, gate)


@pytest.mark.xdist_group("nova")
def test_diffusion_pipeline_sharp_and_multimodal(nova_smoke):
    measured, gate = nova_smoke
    assert gate["passed"], gate
    result = judge_run(NOVA, "diffusion-pipeline-sharp-and-multimodal", measured,
                         gate["passed"])
    assert result["verdict"] == result["expected"] and not result["outside_band"], result


@pytest.mark.xdist_group("nova")
def test_masked_matches_raster(nova_smoke):
    measured, gate = nova_smoke
    result = judge_run(NOVA, "masked-matches-raster", measured, gate["passed"])
    assert result["verdict"] == result["expected"] and not result["outside_band"], result


@pytest.mark.xdist_group("nova")
def test_per_context_coverage(nova_smoke):
    measured, gate = nova_smoke
    result = judge_run(NOVA, "per-context-coverage", measured, gate["passed"])
    assert result["verdict"] == result["expected"] and not result["outside_band"], result


@pytest.mark.gpu
def test_full_scale_pipeline():
    """Full scale runs through the runner, so the one training also writes results/full.json."""
    from reproductions.harness.runner import run_one
    record = run_one(NOVA, "full", seed=0)
    assert record["gate"]["passed"], record["gate"]
    result = judge_run(NOVA, "full-scale-pipeline", record["metrics"], True)
    assert result["verdict"] == result["expected"] and not result["outside_band"], result
