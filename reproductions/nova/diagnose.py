"""Where the pipeline loses the fork: a diagnosis of trained checkpoints, not a claim.

The claim diffusion-pipeline-sharp-and-multimodal reads whole rollouts. This module isolates the
first generated frame after a wall hit, where the world's answer is exactly 50 / 50, and asks two
questions of the same checkpoints (`awm repro diagnose nova`):

1. frame level: from the true context, how often does a generated next frame take the reversal
   ('flip') branch? (per temperature, masked random order and raster order; for the MSE head, on
   which side its single prediction lies) And, sampling the same context several times, how
   often do the samples take both branches?
2. token level: for the token where the two branches differ most, before any token of the frame is
   known (MAR's first pass), how do the head's samples split between the two branches' tokens?
   This separates the head's mixture weight from the decoding of a whole frame.

``steps`` continues the pipelines' training from their checkpoints (the learning rate is constant
after warm-up, so a continued run is the same as a longer one): that is how the README measures
whether more training closes the gap.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import experiment, method, presets


def _temperatures(model, preset: dict) -> list[float]:
    """The preset's temperature and plain sampling (tau = 1) for the diffusion head; the MSE head
    has no temperature."""
    return sorted({preset["temperature"], 1.0}) if model.kind == "diffusion" else [1.0]


def _key(model, order: str, tau: float) -> str:
    return f"{model.kind}_{order}" + (f"_t{tau:g}" if model.kind == "diffusion" else "")


def frame_level(model, ae, scenes: dict, preset: dict, seed: int) -> dict:
    """Share of generated next frames on the flip side (true: the world's fork probability)."""
    n = (preset["size"] // 4) ** 2
    runs = {"masked": dict(iterations=preset["iterations"], order="random"),
            "raster": dict(iterations=n, order="raster")}
    out = {}
    for name, how in runs.items():
        for tau in _temperatures(model, preset):
            frames = experiment.generate(model, ae, scenes["context"], 1, preset, seed,
                                         temperature=tau, **how)[:, 0]
            side = experiment.flip_side(frames, scenes)
            key = _key(model, name, tau)
            out[f"{key}_one_ball"] = float(np.isfinite(side).mean())
            out[f"{key}_flip_share"] = float(np.nanmean(side))
    return out


def coverage(model, ae, scenes: dict, preset: dict, seed: int, samples: int = 8) -> dict:
    """experiment.coverage at each temperature (the share of contexts whose samples take both
    branches)."""
    return {f"{_key(model, 'masked', tau)}_both_branches_{samples}_samples":
            experiment.coverage(model, ae, scenes, preset, seed, tau, samples)
            for tau in _temperatures(model, preset)}


@torch.no_grad()
def token_level(model, ae, scenes: dict, preset: dict, seed: int, samples: int = 64) -> dict:
    """For the token where the branches differ most, the share of the head's samples nearer the
    flip branch's token, from the first pass of a frame (no token known)."""
    dev = next(model.parameters()).device
    tok = lambda x: ae.tokens(torch.from_numpy(x).to(dev))           # noqa: E731
    ctx, keep, flip = tok(scenes["context"]), tok(scenes["keep_frame"]), tok(scenes["flip_frame"])
    s, n, d = keep.shape
    j = (keep - flip).norm(dim=-1).argmax(-1)
    rows = torch.arange(s, device=dev)
    z = model.transformer(ctx, torch.zeros_like(keep)[:, None],
                          torch.zeros(s, 1, n, dtype=torch.bool, device=dev), [ctx.shape[1]])
    z = z[:, 0][rows, j].repeat_interleave(samples, 0)
    a, b = keep[rows, j][:, None], flip[rows, j][:, None]
    g = torch.Generator(device=dev).manual_seed(seed + 99)
    out = {"token_gap": float((a - b).norm(dim=-1).mean())}
    for tau in sorted({preset["temperature"], 1.0}):
        x = method.mar.sample(model.head, z, method.mar.alphas_cumprod(), preset["sample_steps"],
                              tau, g).reshape(s, samples, d)
        da, db = (x - a).norm(dim=-1), (x - b).norm(dim=-1)
        out[f"token_t{tau:g}_flip_share"] = float((db < da).float().mean())
        out[f"token_t{tau:g}_near_a_branch"] = float(
            (torch.minimum(da, db) < 0.5 * (a - b).norm(dim=-1)).float().mean())
    return out


def diagnose(run_dir: Path, scale: str = "smoke", seed: int = 0, steps: int | None = None,
             kinds=("diffusion", "mse")) -> dict:
    """Load (or resume, or train) the checkpoints under ``run_dir`` as `awm repro run nova
    --resume` does, optionally continued to ``steps``, and measure both levels."""
    preset = dict(getattr(presets, scale), **({"steps": steps} if steps else {}))
    ae = experiment.train_autoencoder(preset, seed, run_dir / "autoencoder", resume=True)
    scenes = experiment.first_fork_scenes(preset, seed)
    out = {"scenes": len(scenes["context"]), "steps": preset["steps"]}
    for kind in kinds:
        model = experiment.train_pipeline(kind, ae, preset, seed, run_dir / kind, resume=True)
        out.update(frame_level(model, ae, scenes, preset, seed))
        out.update(coverage(model, ae, scenes, preset, seed))
        if kind == "diffusion":
            out.update(token_level(model, ae, scenes, preset, seed))
    return out
