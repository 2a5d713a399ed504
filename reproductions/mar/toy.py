"""MAR's premise on a toy (Sec. 3.1: a per-token distribution needs a loss that can represent
it): a conditional target with two modes. Given a condition c in [-1, 1]^2, the token is
x = m(c) +- d(c) (a fair coin) plus a little noise; the two modes are one unit apart and their
midpoint m(c) is never a sample. A small MLP stands in for the transformer and maps c to the
head's condition vector; the diffusion head and the MSE head (same size) are trained on it."""
from __future__ import annotations

import math

import torch
from torch import nn

from reproductions.harness.train import TrainConfig, train as harness_train

from . import method
from .model import DiffusionHead, MSEHead

NEAR = 0.15  # a sample is "near a mode" within this distance (modes are 1.0 apart)


def two_mode_batch(n: int, generator: torch.Generator, spread: float = 0.03):
    """Conditions (n, 2), tokens (n, 2), midpoints (n, 2) and half-offsets (n, 2)."""
    c = torch.rand(n, 2, generator=generator) * 2 - 1
    mid = 0.5 * c
    angle = math.pi * c[:, 0] + 0.5 * math.pi * c[:, 1]
    half = 0.5 * torch.stack([angle.cos(), angle.sin()], dim=-1)
    sign = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)[:, None]
    x = mid + sign * half + spread * torch.randn(n, 2, generator=generator)
    return c, x, mid, half


class Conditioner(nn.Module):
    """Stands in for the transformer: c -> the head's condition vector z."""

    def __init__(self, cond_dim: int = 64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, cond_dim), nn.SiLU(), nn.Linear(cond_dim, cond_dim),
                                 nn.SiLU(), nn.Linear(cond_dim, cond_dim))

    def forward(self, c):
        return self.net(c)


class ToyModel(nn.Module):
    """Conditioner + head; ``kind`` is "diffusion" or "mse" (heads of the same size)."""

    def __init__(self, kind: str, preset: dict):
        super().__init__()
        self.kind = kind
        self.cond = Conditioner(preset["cond_dim"])
        head = DiffusionHead if kind == "diffusion" else MSEHead
        self.head = head(2, preset["cond_dim"], width=preset["width"], depth=preset["depth"])


def batch_fn(preset: dict, seed: int):
    """The harness's batch function: every draw is a function of (seed, step)."""
    def make(step: int) -> dict:
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        c, x, _, _ = two_mode_batch(preset["batch"], g)
        t, eps = method.draw_noise(len(x), 2, preset["draws"], g)
        return {"c": c, "x": x, "t": t, "eps": eps}
    return make


def loss_fn(abar: torch.Tensor):
    def loss(model: ToyModel, batch: dict) -> torch.Tensor:
        z = model.cond(batch["c"])
        if model.kind == "diffusion":
            return method.diffusion_loss(model.head, batch["x"], z, abar, batch["t"], batch["eps"])
        return method.mse_loss(model.head, batch["x"], z)
    return loss


def train(kind: str, preset: dict, seed: int, run_dir=None, resume: bool = False) -> ToyModel:
    """Train one toy model with the harness loop; returns the EMA model on the CPU."""
    torch.manual_seed(seed)
    cfg = TrainConfig(steps=preset["steps"], lr=preset["lr"], warmup=50,
                      ema_decay=preset["ema_decay"], seed=seed, progress=False,
                      ckpt_every=max(preset["steps"] // 4, 1))
    state = harness_train(ToyModel(kind, preset), loss_fn(method.alphas_cumprod()),
                          batch_fn(preset, seed), cfg, run_dir, resume)
    return state.ema.cpu()


def mode_stats(samples: torch.Tensor, mid: torch.Tensor, half: torch.Tensor) -> dict:
    """Where samples fall: share near a mode, share of the '+' mode among those, RMS distance to
    the nearest mode, mean distance to the midpoint (all in units of the mode separation, 1)."""
    d_plus = (samples - (mid + half)).norm(dim=-1)
    d_minus = (samples - (mid - half)).norm(dim=-1)
    nearest = torch.minimum(d_plus, d_minus)
    near = nearest < NEAR
    return {"near_mode": near.float().mean().item(),
            "plus_share": (near & (d_plus < d_minus)).float().sum().item() / max(int(near.sum()), 1),
            "mode_rms": nearest.pow(2).mean().sqrt().item(),
            "mid_dist": (samples - mid).norm(dim=-1).mean().item()}


@torch.no_grad()
def evaluate(diff, mse, preset: dict, seed: int) -> dict:
    """The toy's metrics for both heads (diffusion at each temperature of the preset)."""
    g = torch.Generator().manual_seed(seed + 1000)
    c, _, mid, half = two_mode_batch(preset["eval_samples"], g)
    abar = method.alphas_cumprod()
    out = {}
    for tau in preset["temperatures"]:
        xs = method.sample(diff.head, diff.cond(c), abar, preset["sample_steps"], tau, g)
        for k, v in mode_stats(xs, mid, half).items():
            out[f"toy_diff_{k}_t{tau:g}".replace(".", "")] = v
    for k, v in mode_stats(mse.head(mse.cond(c)), mid, half).items():
        out[f"toy_mse_{k}"] = v
    return out


def unconditional_mid_dist(seed: int, n: int = 2000) -> float:
    """Mean distance from the true midpoints to the best constant guess (the mean token): what a
    head that ignores its condition would score on ``mid_dist``."""
    c, x, mid, _ = two_mode_batch(n, torch.Generator().manual_seed(seed + 2000))
    return (mid - x.mean(0)).norm(dim=-1).mean().item()
