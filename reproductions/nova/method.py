"""Training objective and sampler of the pipeline: NOVA's frame-by-frame, set-by-set generation
(arXiv 2412.14169, Sec. 3) with MAR's masking (arXiv 2406.11838, Sec. 3.4 and 4.2).

Training: every frame after the first is a query; a fraction r of its tokens is masked, with r
drawn from MaskGIT's cosine distribution (see ``mask_ratios`` for why not MAR's r >= 0.7), the
masked set chosen at random;
the loss (Diffusion Loss, or MSE for the baseline) is taken on the masked tokens only.
Generation of one frame: ``iterations`` transformer passes; after pass i the share of tokens still
masked is cos(pi/2 * (i + 1) / iterations) (MAR's cosine schedule), at least one token is decided
per pass, and the tokens are decided in a random order (``order="random"``) or in raster order.
Raster order with one token per pass (iterations = tokens per frame) is the plain autoregressive
special case.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from reproductions.harness.runner import ROOT, import_module

mar = import_module(ROOT / "reproductions" / "mar", "method")
mar_model = import_module(ROOT / "reproductions" / "mar", "model")

def mask_ratios(shape, generator: torch.Generator) -> torch.Tensor:
    """Share of a frame's tokens to mask in training: cos(pi/2 * u), u ~ U(0, 1) (MaskGIT's
    cosine distribution). MAR draws r >= 0.7 from a truncated normal, which suits its cosine
    decoding; here the raster special case also decides frames with a single masked token left,
    so training covers every ratio a decoding schedule visits."""
    return torch.cos(math.pi / 2 * torch.rand(shape, generator=generator))


def random_masks(batch: int, frames: int, tokens: int, generator: torch.Generator) -> torch.Tensor:
    """(batch, frames, tokens) bool, True = masked (to predict): max(1, ceil(r * tokens)) random
    tokens per frame."""
    counts = torch.ceil(mask_ratios((batch, frames), generator) * tokens).clamp(min=1)
    ranks = torch.rand(batch, frames, tokens, generator=generator).argsort(-1).argsort(-1)
    return ranks < counts[..., None]


def decode_counts(tokens: int, iterations: int) -> list[int]:
    """How many tokens each pass decides: MAR's cosine schedule, at least one per pass, all of
    them by the last pass. ``decode_counts(n, n)`` is [1] * n (one token per pass)."""
    masked, out = tokens, []
    for i in range(iterations):
        left = 0 if i == iterations - 1 else \
            max(1, min(masked - 1, math.floor(tokens * math.cos(math.pi / 2 * (i + 1) / iterations))))
        out.append(masked - left)
        masked = left
    return out


class Pipeline(nn.Module):
    """Temporal transformer + per-token head; ``kind`` = "diffusion" or "mse"."""

    def __init__(self, kind: str, token_dim: int, tokens_per_frame: int, max_frames: int,
                 preset: dict):
        super().__init__()
        from .model import FrameTransformer
        self.kind = kind
        self.transformer = FrameTransformer(token_dim, tokens_per_frame, max_frames,
                                            preset["width"], preset["depth"], preset["heads"])
        head = mar_model.DiffusionHead if kind == "diffusion" else mar_model.MSEHead
        self.head = head(token_dim, preset["width"], width=preset["head_width"],
                         depth=preset["head_depth"])


def loss(model: Pipeline, batch: dict, abar: torch.Tensor) -> torch.Tensor:
    """batch: tokens (B, T, N, D), masked (B, T-1, N) for frames 1..T-1, and for the diffusion
    head t (B, draws, T-1, N) and eps (B, draws, T-1, N, D) (batch first, so the harness can
    shard it)."""
    x = batch["tokens"]
    t_frames = x.shape[1]
    masked = batch["masked"]
    z = model.transformer(x[:, :-1], x[:, 1:], ~masked, list(range(1, t_frames)))
    target, cond = x[:, 1:][masked], z[masked]
    if model.kind == "mse":
        return mar.mse_loss(model.head, target, cond)
    return mar.diffusion_loss(model.head, target, cond, abar, batch["t"].transpose(0, 1)[:, masked],
                              batch["eps"].transpose(0, 1)[:, masked])


@torch.no_grad()
def generate_frame(model: Pipeline, context: torch.Tensor, iterations: int, order: str,
                   abar: torch.Tensor, sample_steps: int, temperature: float,
                   generator: torch.Generator) -> torch.Tensor:
    """Tokens (B, N, D) of the frame after ``context`` (B, Tc, N, D), decided set by set."""
    b, tc, n, d = context.shape
    tokens = context.new_zeros(b, 1, n, d)
    known = torch.zeros(b, 1, n, dtype=torch.bool, device=context.device)
    if order == "raster":
        ranking = torch.arange(n, device=context.device).expand(b, n)
    else:
        ranking = torch.rand(b, n, generator=generator, device=generator.device).argsort(-1) \
            .to(context.device)
    done = 0
    for count in decode_counts(n, iterations):
        z = model.transformer(context, tokens, known, [tc])[:, 0]          # (B, N, W)
        pick = ranking[:, done:done + count]                                 # (B, count)
        zc = z.gather(1, pick[..., None].expand(-1, -1, z.shape[-1])).reshape(b * count, -1)
        if model.kind == "mse":
            new = model.head(zc)
        else:
            new = mar.sample(model.head, zc, abar, sample_steps, temperature, generator)
        tokens[:, 0].scatter_(1, pick[..., None].expand(-1, -1, d), new.reshape(b, count, d))
        known[:, 0].scatter_(1, pick, True)
        done += count
    return tokens[:, 0]


@torch.no_grad()
def rollout(model: Pipeline, context: torch.Tensor, horizon: int, *, iterations: int,
            order: str = "random", abar: torch.Tensor, sample_steps: int = 30,
            temperature: float = 1.0, generator: torch.Generator) -> torch.Tensor:
    """``horizon`` generated token frames (B, horizon, N, D) after ``context`` (B, Tc, N, D); the
    model sees at most its last ``max_frames - 1`` frames (a sliding window)."""
    window = model.transformer.max_frames - 1
    frames = list(context.unbind(1))
    for _ in range(horizon):
        ctx = torch.stack(frames[-window:], dim=1)
        frames.append(generate_frame(model, ctx, iterations, order, abar, sample_steps,
                                     temperature, generator))
    return torch.stack(frames[context.shape[1]:], dim=1)
