"""The session fixtures of the MAR and NOVA tests: the shared models, trained once (seed 0)."""
import pytest

from reproductions.harness.runner import ROOT, import_module

MAR = ROOT / "reproductions" / "mar"
NOVA = ROOT / "reproductions" / "nova"


@pytest.fixture(scope="session")
def mar_toy():
    """Metrics of the toy at smoke scale, seed 0 (both heads trained once)."""
    toy, presets = import_module(MAR, "toy"), import_module(MAR, "presets")
    diff = toy.train("diffusion", presets.smoke, 0)
    mse = toy.train("mse", presets.smoke, 0)
    return toy.evaluate(diff, mse, presets.smoke, 0)


@pytest.fixture(scope="session")
def nova_smoke():
    """(metrics, gate) of the whole pipeline at smoke scale, seed 0 (the minutes of this suite)."""
    repro, presets, experiment = (import_module(NOVA, n) for n in ("repro", "presets", "experiment"))
    ae, models = repro.train_all(presets.smoke, 0)
    measured, _, gate, _ = experiment.measure(ae, models, presets.smoke, 0, repro.MAX_GATE_RATIO)
    return measured, gate
