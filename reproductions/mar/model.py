"""The per-token heads of MAR (arXiv 2406.11838, Sec. 3.2 and 4.1).

``DiffusionHead`` is the small denoiser behind the Diffusion Loss: an MLP of residual blocks whose
layer norms are modulated (shift, scale, gate) by the sum of a timestep embedding and the
condition vector ``z`` that the transformer produced for this token (adaptive layer norm, as in
DiT). ``MSEHead`` is the baseline the paper argues against: the very same network, given a zero
input at a fixed timestep, regressing the token directly, so the two differ only in the loss.
"""
from __future__ import annotations

import math

import torch
from torch import nn


def timestep_features(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal features (N, dim) of integer or fractional timesteps (N,)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.cos(), args.sin()], dim=-1)


class AdaLNBlock(nn.Module):
    """x + gate * MLP(LN(x) * (1 + scale) + shift), with (shift, scale, gate) from the condition."""

    def __init__(self, width: int):
        super().__init__()
        self.norm = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 3 * width))
        nn.init.zeros_(self.modulation[-1].weight)  # each block starts as the identity
        nn.init.zeros_(self.modulation[-1].bias)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale, gate = self.modulation(c).chunk(3, dim=-1)
        return x + gate * self.mlp(self.norm(x) * (1 + scale) + shift)


class DiffusionHead(nn.Module):
    """eps-prediction eps_theta(x_t | t, z) for tokens of ``token_dim`` given conditions of
    ``cond_dim`` (one row per token: the head never sees other tokens)."""

    def __init__(self, token_dim: int, cond_dim: int, width: int = 128, depth: int = 3,
                 time_features: int = 64):
        super().__init__()
        self.token_dim, self.time_features = token_dim, time_features
        self.input = nn.Linear(token_dim, width)
        self.time = nn.Sequential(nn.Linear(time_features, width), nn.SiLU(),
                                  nn.Linear(width, width))
        self.cond = nn.Linear(cond_dim, width)
        self.blocks = nn.ModuleList(AdaLNBlock(width) for _ in range(depth))
        self.final_norm = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.final_modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 2 * width))
        self.out = nn.Linear(width, token_dim)
        for layer in (self.final_modulation[-1], self.out):  # output starts at zero
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        c = self.time(timestep_features(t, self.time_features)) + self.cond(z)
        h = self.input(x_t)
        for block in self.blocks:
            h = block(h, c)
        shift, scale = self.final_modulation(c).chunk(2, dim=-1)
        return self.out(self.final_norm(h) * (1 + scale) + shift)


class MSEHead(nn.Module):
    """The regression baseline: a ``DiffusionHead`` of the same size evaluated at x_t = 0, t = 0,
    whose output is the token itself (trained with mean squared error)."""

    def __init__(self, token_dim: int, cond_dim: int, width: int = 128, depth: int = 3,
                 time_features: int = 64):
        super().__init__()
        self.net = DiffusionHead(token_dim, cond_dim, width, depth, time_features)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        zeros = z.new_zeros(len(z), self.net.token_dim)
        return self.net(zeros, torch.zeros(len(z), device=z.device, dtype=torch.long), z)
