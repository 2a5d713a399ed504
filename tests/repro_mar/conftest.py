"""Test settings for the MAR and NOVA reproductions: GPU skipping, a fixed thread count, and the
session fixtures that train the shared models once (seed 0)."""
import pytest
import torch

from reproductions.harness.card import load_card
from reproductions.harness.runner import ROOT, import_module

MAR = ROOT / "reproductions" / "mar"
NOVA = ROOT / "reproductions" / "nova"


def pytest_collection_modifyitems(config, items):
    if not torch.cuda.is_available():
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(pytest.mark.skip(reason="needs CUDA (full-scale claim)"))


def _card_threads(folder) -> int:
    """The thread count the card's smoke records were made with: a fixed count keeps CPU results
    reproducible (MAR's toy: 1; NOVA: 2)."""
    return load_card(folder / "card.yaml")[0].seeds.cpu_threads


@pytest.fixture(autouse=True)
def _mar_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(_card_threads(MAR))
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def mar_toy():
    """Metrics of the toy at smoke scale, seed 0 (both heads trained once)."""
    torch.set_num_threads(_card_threads(MAR))
    toy, presets = import_module(MAR, "toy"), import_module(MAR, "presets")
    diff = toy.train("diffusion", presets.smoke, 0)
    mse = toy.train("mse", presets.smoke, 0)
    return toy.evaluate(diff, mse, presets.smoke, 0)


@pytest.fixture(scope="session")
def nova_smoke():
    """(metrics, gate) of the whole pipeline at smoke scale, seed 0 (the minutes of this suite)."""
    torch.set_num_threads(_card_threads(NOVA))
    repro, presets, experiment = (import_module(NOVA, n) for n in ("repro", "presets", "experiment"))
    ae, models = repro.train_all(presets.smoke, 0)
    measured, _, gate, _ = experiment.measure(ae, models, presets.smoke, 0, repro.MAX_GATE_RATIO)
    return measured, gate
