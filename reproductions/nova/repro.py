"""`awm repro run nova`: autoencoder, then the temporal transformer with a diffusion head and with
an MSE head, then the measurements the card's claims read (see experiment.py)."""
from __future__ import annotations

from reproductions.harness import card as cards

from . import experiment, presets

MAX_GATE_RATIO = 0.5  # the generated next frame's pixel error must be <= half the mean frame's


def protocol(preset: dict, seed: int) -> dict:
    return {"world": "forking balls (harness.worlds_fork), 1 ball, fork probability "
                     f"{preset['fork']}", "resolution": preset["size"],
            "tokens_per_frame": (preset["size"] // 4) ** 2, "clip_frames": preset["clip"],
            "samples": preset["eval_scenes"], "context_frames": preset["context"],
            "horizon": preset["fork_horizon"], "long_horizon": preset["long_horizon"],
            "masked_iterations": preset["iterations"], "diffusion_sampling_steps":
            preset["sample_steps"], "temperature": preset["temperature"], "train_steps": preset["steps"],
            "autoencoder_steps": preset["ae_steps"], "seed": seed}


def train_all(preset: dict, seed: int, run_dir=None, resume: bool = False):
    sub = (lambda name: run_dir / name) if run_dir is not None else (lambda name: None)
    ae = experiment.train_autoencoder(preset, seed, sub("autoencoder"), resume)
    models = {kind: experiment.train_pipeline(kind, ae, preset, seed, sub(kind), resume)
              for kind in ("diffusion", "mse")}
    return ae, models


def run(ctx) -> dict:
    preset = getattr(presets, ctx.scale)
    ae, models = train_all(preset, ctx.seed, ctx.run_dir, ctx.resume)
    measured, curves, gate, (scenes, rows) = experiment.measure(ae, models, preset, ctx.seed,
                                                                MAX_GATE_RATIO)
    fig = f"{ctx.tag}-rollout.png"
    experiment.figure(ctx.results_dir / fig, scenes, rows)
    return {"protocol": protocol(preset, ctx.seed), "gate": gate, "metrics": measured,
            "curves": curves, "claims": cards.judge(ctx.card, ctx.scale, measured, gate["passed"]),
            "figures": [fig]}
