"""The streaming network shared by the teacher and every student: a small DiT-style transformer
over frame tokens, with block-causal attention and a key/value cache.

A clip is a tensor ``(batch, frames, tokens_per_frame, token_dim)``. Frames are grouped into
blocks of ``frames_per_block``; under block-causal attention a token attends to every token of
its own block and of all earlier blocks (CausVid, Sec. 3.1). The same weights run

* bidirectionally (``causal=False``): the many-step teacher;
* as one block-causal pass over a whole clip: training with teacher/diffusion forcing;
* incrementally, one block at a time, reading earlier blocks from a :class:`KVCache`.

Positions along time use rotary embeddings on the frame index. Keys enter the cache already
rotated, so attention depends only on frame *offsets*: a rolling cache that drops its oldest
blocks keeps every offset inside the range seen in training (Self Forcing, Sec. 3.4).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class StreamConfig:
    token_dim: int               # features per token: 2 for a 2-D point, C*p*p for an image patch
    tokens_per_frame: int = 1
    frames_per_block: int = 4
    dim: int = 64
    depth: int = 3
    heads: int = 4
    mlp_ratio: int = 4

    def __post_init__(self):
        if self.dim % (2 * self.heads):
            raise ValueError(f"dim={self.dim} must be a multiple of 2*heads={2 * self.heads}")


class KVCache:
    """Keys and values of the blocks written so far, per layer.

    ``window_frames`` bounds the cache (a rolling cache): when a write would exceed it, the
    oldest frames are dropped. ``next_frame`` is the absolute frame index of the next write; it
    keeps counting after eviction so rotary positions stay consistent.
    """

    def __init__(self, depth: int, tokens_per_frame: int, window_frames: int | None = None):
        self.k: list[torch.Tensor | None] = [None] * depth
        self.v: list[torch.Tensor | None] = [None] * depth
        self.tokens_per_frame = tokens_per_frame
        self.window_frames = window_frames
        self.next_frame = 0

    def __len__(self) -> int:
        """Number of cached frames."""
        return 0 if self.k[0] is None else self.k[0].shape[2] // self.tokens_per_frame

    def read(self, layer: int):
        return self.k[layer], self.v[layer]

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None:
        if self.k[layer] is not None:
            k = torch.cat([self.k[layer], k], dim=2)
            v = torch.cat([self.v[layer], v], dim=2)
        if self.window_frames is not None:
            keep = self.window_frames * self.tokens_per_frame
            k, v = k[:, :, -keep:], v[:, :, -keep:]
        self.k[layer], self.v[layer] = k, v


def rotary(x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Rotate pairs of channels of ``x`` (B, H, N, Dh) by angles proportional to ``positions`` (N,)."""
    half = x.shape[-1] // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=x.device, dtype=torch.float32) / half)
    angles = positions.to(torch.float32)[:, None] * freqs[None, :]
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def noise_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of the noise level t in [0, 1] (scaled by 1000 like a timestep)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = 1000.0 * t.to(torch.float32)[..., None] * freqs
    return torch.cat([args.cos(), args.sin()], dim=-1)


def block_causal_mask(n_frames: int, frames_per_block: int, tokens_per_frame: int,
                      n_cached_frames: int = 0, device=None) -> torch.Tensor:
    """Boolean (queries, keys) mask, True = may attend. Queries are the new frames; keys are the
    cached frames (always visible) followed by the new frames (visible up to the query's block)."""
    block = torch.arange(n_frames, device=device) // frames_per_block
    new = block[None, :] <= block[:, None]
    cached = torch.ones(n_frames, n_cached_frames, dtype=torch.bool, device=device)
    mask = torch.cat([cached, new], dim=1)
    return mask.repeat_interleave(tokens_per_frame, 0).repeat_interleave(tokens_per_frame, 1)


class Layer(nn.Module):
    def __init__(self, cfg: StreamConfig):
        super().__init__()
        d = cfg.dim
        self.heads = cfg.heads
        self.norm1 = nn.LayerNorm(d, elementwise_affine=False)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, elementwise_affine=False)
        self.mlp = nn.Sequential(nn.Linear(d, cfg.mlp_ratio * d), nn.GELU(), nn.Linear(cfg.mlp_ratio * d, d))
        # adaLN-single (PixArt-alpha): a per-layer table added to one shared modulation
        self.table = nn.Parameter(torch.zeros(6, d))

    def forward(self, x, modulation, positions, mask, cache: KVCache | None, index: int, write: bool):
        b, n, d = x.shape
        shift1, scale1, gate1, shift2, scale2, gate2 = (modulation + self.table).unbind(dim=-2)
        h = self.norm1(x) * (1 + scale1) + shift1
        q, k, v = self.qkv(h).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k = rotary(q, positions), rotary(k, positions)
        keys, values = k, v
        if cache is not None:
            old_k, old_v = cache.read(index)
            if old_k is not None:
                keys, values = torch.cat([old_k, k], dim=2), torch.cat([old_v, v], dim=2)
            if write:
                cache.write(index, k, v)
        a = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask)
        x = x + gate1 * self.proj(a.transpose(1, 2).reshape(b, n, d))
        h = self.norm2(x) * (1 + scale2) + shift2
        return x + gate2 * self.mlp(h)


class StreamingTransformer(nn.Module):
    """Predicts the flow velocity ``noise - x0`` of every token from the noisy clip and the
    per-frame noise levels ``t`` (B, F). See the module docstring for the attention modes."""

    def __init__(self, cfg: StreamConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.dim
        self.inp = nn.Linear(cfg.token_dim, d)
        self.space = nn.Parameter(torch.randn(cfg.tokens_per_frame, d) * 0.02)
        self.noise_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
        nn.init.zeros_(self.modulation[1].weight)
        nn.init.zeros_(self.modulation[1].bias)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(d, elementwise_affine=False)
        self.final_modulation = nn.Linear(d, 2 * d)
        self.out = nn.Linear(d, cfg.token_dim)
        for lin in (self.final_modulation, self.out):
            nn.init.zeros_(lin.weight)
            nn.init.zeros_(lin.bias)

    def new_cache(self, window_frames: int | None = None) -> KVCache:
        return KVCache(self.cfg.depth, self.cfg.tokens_per_frame, window_frames)

    def forward(self, x: torch.Tensor, t: torch.Tensor, *, causal: bool = True,
                cache: KVCache | None = None, write: bool = False) -> torch.Tensor:
        """x: (B, F, P, token_dim) frames that follow the cache's contents; t: (B, F).

        With ``write`` the keys/values of these frames are appended to ``cache`` (call it with
        t = 0 on the clean frames for the clean cache write of CausVid / Self Forcing)."""
        cfg = self.cfg
        b, f, p, _ = x.shape
        if p != cfg.tokens_per_frame:
            raise ValueError(f"expected {cfg.tokens_per_frame} tokens per frame, got {p}")
        start = cache.next_frame if cache is not None else 0
        n_cached = len(cache) if cache is not None else 0
        if cache is not None and f % cfg.frames_per_block:
            raise ValueError(f"incremental calls take whole blocks of {cfg.frames_per_block} frames")
        h = self.inp(x) + self.space
        # noise conditioning per frame, broadcast over the frame's tokens
        cond = self.noise_mlp(noise_embedding(t, cfg.dim))                          # (B, F, d)
        modulation = self.modulation(cond).view(b, f, 1, 6, cfg.dim).expand(b, f, p, 6, cfg.dim)
        modulation = modulation.reshape(b, f * p, 6, cfg.dim)
        cond = cond[:, :, None, :].expand(b, f, p, cfg.dim).reshape(b, f * p, cfg.dim)
        h = h.reshape(b, f * p, cfg.dim)
        positions = torch.arange(start, start + f, device=x.device).repeat_interleave(p)
        if not causal:
            if cache is not None:
                raise ValueError("the bidirectional mode does not use a cache")
            mask = None
        elif f <= cfg.frames_per_block and f % cfg.frames_per_block == 0:
            mask = None   # one whole block sees all of itself and the whole cache: no mask needed
        else:
            mask = block_causal_mask(f, cfg.frames_per_block, p, n_cached, x.device)
        for i, layer in enumerate(self.layers):
            h = layer(h, modulation, positions, mask, cache, i, write)
        if cache is not None and write:
            cache.next_frame = start + f
        shift, scale = self.final_modulation(cond).chunk(2, dim=-1)
        h = self.norm(h) * (1 + scale) + shift
        return self.out(h).reshape(b, f, p, cfg.token_dim)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
