"""The causal network shared by Diffusion Forcing and its teacher-forcing baseline.

Per-frame 3x3 convolutions (with two coordinate channels, so position is easy to read) whose
features are modulated by each frame's own noise level (FiLM), interleaved with causal
self-attention across frames at every pixel: frame t reads frames <= t and nothing later
(Diffusion Forcing, Sec. 3: a causal model that carries each frame's own noise level).
It predicts v (the velocity of the diffusion, Salimans & Ho 2022) for every frame.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def level_embedding(k: torch.Tensor, num_levels: int, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer noise levels (B, T) -> (B, T, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=k.device) / half)
    ang = (k.float() / num_levels * 1000.0)[..., None] * freqs
    return torch.cat([ang.sin(), ang.cos()], -1)


class ConvBlock(nn.Module):
    """Two 3x3 convs on each frame, FiLM-conditioned on the frame's noise level; residual."""

    def __init__(self, width: int, emb: int):
        super().__init__()
        self.norm1, self.norm2 = nn.GroupNorm(8, width), nn.GroupNorm(8, width)
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.film = nn.Linear(emb, 2 * width)

    def forward(self, h, e):  # h (N, D, H, W), e (N, emb)
        scale, shift = self.film(e)[..., None, None].chunk(2, dim=1)
        y = self.conv1(F.silu(self.norm1(h)))
        y = self.norm2(y) * (1 + scale) + shift
        return h + self.conv2(F.silu(y))


class CausalFrameAttention(nn.Module):
    """Self-attention across frames at each pixel, causal in time, with a learned frame
    position embedding."""

    def __init__(self, width: int, heads: int, max_frames: int):
        super().__init__()
        self.heads = heads
        self.norm = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.pos = nn.Parameter(torch.zeros(max_frames, width))

    def forward(self, h, b, t):  # h (B*T, D, H, W)
        n, d, hh, ww = h.shape
        x = h.reshape(b, t, d, hh * ww).permute(0, 3, 1, 2).reshape(b * hh * ww, t, d)
        q, k, v = self.qkv(self.norm(x + self.pos[:t])).chunk(3, dim=-1)
        split = lambda z: z.reshape(z.shape[0], t, self.heads, d // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(split(q), split(k), split(v), is_causal=True)
        y = self.out(y.transpose(1, 2).reshape(-1, t, d))
        y = y.reshape(b, hh * ww, t, d).permute(0, 2, 3, 1).reshape(n, d, hh, ww)
        return h + y


class CausalFrameNet(nn.Module):
    def __init__(self, channels: int = 1, width: int = 32, depth: int = 3, heads: int = 2,
                 max_frames: int = 16, num_levels: int = 100, emb: int = 64, patch: int = 1):
        super().__init__()
        self.num_levels, self.emb_dim, self.max_frames = num_levels, emb, max_frames
        self.level_mlp = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))
        # patch > 1: a strided stem and a transposed-conv head (large frames, same design)
        self.inp = nn.Conv2d(channels + 2, width, 3 if patch == 1 else patch, stride=patch,
                             padding=1 if patch == 1 else 0)
        self.blocks = nn.ModuleList(ConvBlock(width, emb) for _ in range(depth))
        self.attns = nn.ModuleList(CausalFrameAttention(width, heads, max_frames)
                                   for _ in range(depth))
        self.head = nn.Sequential(nn.GroupNorm(8, width), nn.SiLU(),
                                  nn.Conv2d(width, channels, 3, padding=1) if patch == 1 else
                                  nn.ConvTranspose2d(width, channels, patch, stride=patch))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """x (B, T, C, H, W) frames at their noise levels k (B, T) -> v (B, T, C, H, W)."""
        b, t, c, h, w = x.shape
        if t > self.max_frames:
            raise ValueError(f"{t} frames > max_frames={self.max_frames}; roll out with a window")
        ys = torch.linspace(-1, 1, h, device=x.device, dtype=x.dtype)
        xs = torch.linspace(-1, 1, w, device=x.device, dtype=x.dtype)
        coords = torch.stack(torch.meshgrid(ys, xs, indexing="ij")).expand(b * t, 2, h, w)
        hid = self.inp(torch.cat([x.reshape(b * t, c, h, w), coords], 1))
        e = self.level_mlp(level_embedding(k, self.num_levels, self.emb_dim)).reshape(b * t, -1)
        for block, attn in zip(self.blocks, self.attns):
            hid = attn(block(hid, e), b, t)
        return self.head(hid).reshape(b, t, c, h, w)


def build(channels: int, frames: int, num_levels: int, width: int, depth: int, heads: int,
          patch: int) -> CausalFrameNet:
    return CausalFrameNet(channels, width, depth, heads, frames, num_levels, patch=patch)
