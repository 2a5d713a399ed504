"""Smoke-scale claims of the CausVid and Self Forcing cards (CPU, 2 threads, seed 0).

One session fixture trains the whole pipeline once (teacher, ODE initialisation, three DMD
fine-tunes) and every claim of both cards is judged on its measurements by the harness's
``judge``, so each threshold lives only in a card. Each test demands the verdict the card records
for its claim (``expected``: "holds" unless the card says plainly that the claim does not hold at
this scale), so the day a recorded failure starts to hold the test fails until the card is
updated, and demands numbers inside the band of the card's seed records.
"""
from pathlib import Path

import pytest
import torch

from reproductions.harness import runner
from reproductions.harness.card import load_card
from reproductions.harness.runner import import_module

FOLDER = Path(__file__).resolve().parents[2] / "reproductions" / "causvid-self-forcing"
ROOT = FOLDER.parents[1]
FOLDERS = {"self-forcing": "causvid-self-forcing", "causvid": "causvid"}
CARD = load_card(FOLDER / "card.yaml", ROOT)[0]


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    torch.set_num_threads(2)
    card = CARD
    tmp = tmp_path_factory.mktemp("causvid-self-forcing")
    ctx = runner.RunContext(folder=FOLDER, card=card, scale="smoke", seed=0, resume=False,
                            run_dir=tmp / "runs", results_dir=tmp / "results", tag="smoke")
    out = import_module(FOLDER, "repro").pipeline(ctx, log=lambda *_: None)
    assert (tmp / "results" / out["figures"][0]).is_file()
    return out


pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("causvid-self-forcing")]


def verdict(paper: str, claim_id: str, run: dict) -> dict:
    """The claim judged by its card, with the bands of the card's seed records."""
    return runner.judge_run(ROOT / "reproductions" / FOLDERS[paper], claim_id, run["metrics"],
                            run["gate"]["passed"])


def test_context_use_gate(smoke_run):
    assert smoke_run["gate"]["passed"], smoke_run["gate"]["measured"]


def test_causvid_student_near_teacher(smoke_run):
    claim = verdict("causvid", "few-step-student-near-teacher", smoke_run)
    assert claim["verdict"] == claim["expected"] and not claim["outside_band"], claim


def test_causvid_ode_init_beats_naive_few_step(smoke_run):
    claim = verdict("causvid", "ode-init-beats-naive-few-step", smoke_run)
    assert claim["verdict"] == claim["expected"] and not claim["outside_band"], claim


def test_causvid_dmd_improves_on_ode_init(smoke_run):
    claim = verdict("causvid", "dmd-improves-on-ode-init", smoke_run)
    assert claim["verdict"] == claim["expected"] and not claim["outside_band"], claim


def test_self_forcing_degrades_less(smoke_run):
    claim = verdict("self-forcing", "self-forcing-degrades-less", smoke_run)
    assert claim["verdict"] == claim["expected"] and not claim["outside_band"], claim


def test_self_forcing_clip_quality(smoke_run):
    claim = verdict("self-forcing", "self-forcing-clip-quality", smoke_run)
    assert claim["verdict"] == claim["expected"] and not claim["outside_band"], claim


def test_self_forcing_dmd_improves_on_ode_init(smoke_run):
    claim = verdict("self-forcing", "self-forcing-improves-on-ode-init", smoke_run)
    assert claim["verdict"] == claim["expected"] and not claim["outside_band"], claim


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="full scale needs CUDA")
def test_full_scale_claims(tmp_path):
    """Bouncing balls at full scale. Reuses the checkpoints that `awm repro run self-forcing
    --scale full` left in the reproduction's runs/full (tools/gpu_check_causvid.sh runs it
    first); trains them when absent."""
    ctx = runner.RunContext(folder=FOLDER, card=CARD, scale="full", seed=0,
                            resume=True, run_dir=FOLDER / "runs" / "full", results_dir=tmp_path,
                            tag="full")
    run = import_module(FOLDER, "repro").pipeline(ctx, log=lambda *_: None)
    for paper, claim_id in [("self-forcing", "self-forcing-degrades-less-full"),
                            ("causvid", "few-step-student-near-teacher-full")]:
        claim = verdict(paper, claim_id, run)
        assert claim["verdict"] == claim["expected"] and not claim["outside_band"], claim
