"""`awm repro run mar`: the two-mode toy, diffusion head against MSE head (seconds)."""
from __future__ import annotations

from reproductions.harness import card as cards

from . import presets, toy


def run(ctx) -> dict:
    preset = getattr(presets, ctx.scale)
    diff = toy.train("diffusion", preset, ctx.seed, ctx.run_dir / "diffusion", ctx.resume)
    mse = toy.train("mse", preset, ctx.seed, ctx.run_dir / "mse", ctx.resume)
    measured = toy.evaluate(diff, mse, preset, ctx.seed)
    # the gate, for a toy without frames: the MSE head must use its condition (its prediction is
    # far closer to the true midpoint than the unconditional mean token is)
    gate = cards.context_gate(measured["toy_mse_mid_dist"], toy.unconditional_mid_dist(ctx.seed),
                              max_ratio=0.2)
    return {"protocol": {"world": "two-mode conditional toy (mar/toy.py)", "samples":
                         preset["eval_samples"], "steps": preset["steps"],
                         "sampling_steps": preset["sample_steps"],
                         "temperatures": list(preset["temperatures"]), "near_radius": toy.NEAR,
                         "seed": ctx.seed},
            "gate": gate, "metrics": measured, "curves": {},
            "claims": cards.judge(ctx.card, ctx.scale, measured, gate["passed"]), "figures": []}
