"""The next-frame denoiser shared by DIAMOND and GameNGen: a small U-Net.

Input: the noisy next frame, with the last ``k`` frames stacked on the channels (DIAMOND Sec. 3,
"frame stacking"). Conditioning: the noise level, the last ``k`` actions and (GameNGen) the
bucket of the noise put on the context frames; they are embedded, summed into one vector and
fed to every residual block through adaptive group normalisation (DIAMOND Appendix: the
conditioning enters as the scale and shift of group norm). The output convolution starts at
zero, so an untrained network outputs zeros.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class NetConfig:
    channels: int = 1            # frame channels
    context: int = 4             # k past frames and k past actions
    n_actions: int = 3
    widths: tuple[int, ...] = (32, 64, 64)   # one level per entry; halving between levels
    cond_dim: int = 128
    noise_buckets: int = 0       # GameNGen context-noise buckets (0: no bucket embedding)


class FourierFeatures(nn.Module):
    """Fixed random Fourier features of a scalar (the noise level's c_noise)."""

    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer("freq", torch.randn(dim // 2, generator=torch.Generator().manual_seed(0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        angle = 2 * math.pi * x[:, None] * self.freq[None]
        return torch.cat([angle.cos(), angle.sin()], dim=1)


class AdaGroupNorm(nn.Module):
    """Group norm whose scale and shift are predicted from the conditioning vector."""

    def __init__(self, channels: int, cond_dim: int, groups: int = 8):
        super().__init__()
        self.norm = nn.GroupNorm(min(groups, channels), channels, affine=False)
        self.proj = nn.Linear(cond_dim, 2 * channels)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        scale, shift = self.proj(cond)[:, :, None, None].chunk(2, dim=1)
        return self.norm(x) * (1 + scale) + shift


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, cond_dim: int):
        super().__init__()
        self.norm1 = AdaGroupNorm(c_in, cond_dim)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.norm2 = AdaGroupNorm(c_out, cond_dim)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x, cond)))
        h = self.conv2(F.silu(self.norm2(h, cond)))
        return self.skip(x) + h


class NextFrameUNet(nn.Module):
    """F(noisy next frame, context frames, actions, c_noise[, context-noise bucket])."""

    def __init__(self, cfg: NetConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.cond_dim
        self.noise_emb = FourierFeatures(d)
        self.action_emb = nn.Embedding(cfg.n_actions, d // 4)
        self.action_proj = nn.Linear(cfg.context * (d // 4), d)
        self.bucket_emb = nn.Embedding(cfg.noise_buckets, d) if cfg.noise_buckets else None
        self.cond_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        w = cfg.widths
        self.stem = nn.Conv2d(cfg.channels * (cfg.context + 1), w[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.pool = nn.ModuleList()
        for i, width in enumerate(w):
            self.down.append(ResBlock(w[max(i - 1, 0)], width, d))
            if i < len(w) - 1:
                self.pool.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
        self.mid = ResBlock(w[-1], w[-1], d)
        self.up = nn.ModuleList()
        for i in reversed(range(len(w))):
            self.up.append(ResBlock(w[min(i + 1, len(w) - 1)] + w[i], w[i], d))
        self.out_norm = nn.GroupNorm(8, w[0])
        self.out = nn.Conv2d(w[0], cfg.channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def condition(self, c_noise: torch.Tensor, actions: torch.Tensor,
                  bucket: torch.Tensor | None) -> torch.Tensor:
        cond = self.noise_emb(c_noise) + self.action_proj(self.action_emb(actions).flatten(1))
        if self.bucket_emb is not None:
            cond = cond + self.bucket_emb(bucket if bucket is not None
                                          else torch.zeros_like(actions[:, 0]))
        return self.cond_mlp(cond)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor, context: torch.Tensor,
                actions: torch.Tensor, bucket: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, C, H, W); c_noise (B,); context (B, k, C, H, W); actions (B, k) int;
        bucket (B,) int or None (clean context)."""
        cond = self.condition(c_noise, actions, bucket)
        h = self.stem(torch.cat([x, context.flatten(1, 2)], dim=1))
        skips = []
        for i, block in enumerate(self.down):
            h = block(h, cond)
            skips.append(h)
            if i < len(self.pool):
                h = self.pool[i](h)
        h = self.mid(h, cond)
        for block in self.up:
            skip = skips.pop()
            if h.shape[-1] != skip.shape[-1]:
                h = F.interpolate(h, size=skip.shape[-2:], mode="nearest")
            h = block(torch.cat([h, skip], dim=1), cond)
        return self.out(F.silu(self.out_norm(h)))
