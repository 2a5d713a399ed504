"""Measurements: distance to the data per block and per clip, and the context-use gate."""
from __future__ import annotations

import torch

from . import method
from .sliced import sliced_wasserstein


def blocks(clips: torch.Tensor, frames_per_block: int) -> list[torch.Tensor]:
    """(N, F, P, D) -> list of (N, frames_per_block*P*D) rows, one per block."""
    n, f = clips.shape[:2]
    return [clips[:, s:s + frames_per_block].reshape(n, -1) for s in range(0, f, frames_per_block)]


def block_distances(clips, reference, frames_per_block, projections, seed=0) -> list[float]:
    """Sliced Wasserstein distance of every generated block to the blocks of fresh data.
    The worlds are stationary, so every block is compared with the same reference block set
    (the reference's first block): a rollout longer than the data is measured the same way."""
    ref = blocks(reference, frames_per_block)[0]
    return [sliced_wasserstein(b, ref, projections, seed) for b in blocks(clips, frames_per_block)]


def clip_distance(clips, reference, projections, seed=0) -> float:
    return sliced_wasserstein(clips.reshape(len(clips), -1), reference.reshape(len(reference), -1),
                              projections, seed)


@torch.no_grad()
def context_use(student, data: torch.Tensor, times: torch.Tensor, generator: torch.Generator):
    """Error of the student's one-step x0 prediction of every block after the first, from pure
    noise, with the true clean blocks before it in the cache; and the error of the context-free
    baseline (the mean block of the data). Returns (err_with_context, err_without_context)."""
    fpb = student.cfg.frames_per_block
    n, f = data.shape[:2]
    cache, errs = student.new_cache(), []
    for s in range(0, f, fpb):
        x = data[:, s:s + fpb]
        if s > 0:
            noise = torch.randn(x.shape, generator=generator).to(x)
            t = times[0].to(x).expand(n, fpb)
            pred = method.x0_from_velocity(noise, student(noise, t, cache=cache), t)
            errs.append(((pred - x) ** 2).mean().item())
        student(x, torch.zeros(n, fpb).to(x), cache=cache, write=True)
    mean_block = data.mean(dim=0, keepdim=True)
    baseline = ((data[:, fpb:] - mean_block[:, fpb:]) ** 2).mean().item()
    return sum(errs) / len(errs), baseline
