"""Noise schedules and per-frame noising / denoising.

The schedule table comes from ``diffusers`` (its DDPM scheduler's ``alphas_cumprod``). Its
schedulers step one scalar timestep for a whole sample; Diffusion Forcing and its descendants
give every frame its own noise level, so the per-frame update (a DDIM step, eta = 0) is a few
lines of our own, pinned to ``diffusers.DDIMScheduler.step`` by a test.

Levels: ``table[0] = 1`` is the clean frame; ``table[k]`` for k = 1..K is diffusers' timestep
k - 1, so ``table[K]`` is (almost) pure noise. Tensors of levels have shape (B, T).
"""
from __future__ import annotations

import math

import torch


def _cosine_alphas_cumprod(num_levels: int) -> torch.Tensor:
    """The squaredcos_cap_v2 table exactly as diffusers builds it (float32 cumprod), used only
    where diffusers is not installed; a test asserts the two agree bit for bit."""
    def alpha_bar(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    betas = [min(1 - alpha_bar((i + 1) / num_levels) / alpha_bar(i / num_levels), 0.999)
             for i in range(num_levels)]
    return torch.cumprod(1.0 - torch.tensor(betas, dtype=torch.float32), dim=0)


def noise_table(num_levels: int = 100, beta_schedule: str = "squaredcos_cap_v2") -> torch.Tensor:
    """alpha_bar for levels 0..K (float32, shape K + 1), level 0 clean."""
    try:
        from diffusers import DDPMScheduler
        ac = DDPMScheduler(num_train_timesteps=num_levels,
                           beta_schedule=beta_schedule).alphas_cumprod.float()
    except ImportError:
        if beta_schedule != "squaredcos_cap_v2":
            raise
        ac = _cosine_alphas_cumprod(num_levels)
    return torch.cat([torch.ones(1), ac])


def _at(table: torch.Tensor, k: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """table[k] broadcast to ``like`` (B, T, C, H, W) from levels (B, T)."""
    a = table.to(like.device)[k]
    return a.reshape(a.shape + (1,) * (like.dim() - a.dim())).to(like.dtype)


def add_noise(x0, noise, table, k):
    a = _at(table, k, x0)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def v_target(x0, noise, table, k):
    a = _at(table, k, x0)
    return a.sqrt() * noise - (1 - a).sqrt() * x0


def x0_eps_from_v(x_k, v, table, k):
    """Clean-frame and noise estimates from a v-prediction."""
    a = _at(table, k, x_k)
    return a.sqrt() * x_k - (1 - a).sqrt() * v, (1 - a).sqrt() * x_k + a.sqrt() * v


def ddim_step(x_k, v, table, k, k_next):
    """One deterministic DDIM step per frame from level k to k_next (<= k); frames whose level
    does not change are returned unchanged."""
    x0, eps = x0_eps_from_v(x_k, v, table, k)
    a_next = _at(table, k_next, x_k)
    out = a_next.sqrt() * x0 + (1 - a_next).sqrt() * eps
    same = (k_next == k).reshape(k.shape + (1,) * (x_k.dim() - k.dim()))
    return torch.where(same, x_k, out)
