"""Measurements: distance to the data per block and per clip, the per-block slope, paired
intervals of the differences between students, and the context-use gate."""
from __future__ import annotations

import numpy as np
import torch

from . import method
from .sliced import directions, quantiles, sliced_wasserstein, sorted_projections, sw_sorted


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


def slope(per_block) -> float:
    """Least-squares slope of the per-block distances against the block index (distance per
    block): how fast a rollout moves away from the data, read from every block rather than from
    the first and the last."""
    return float(np.polyfit(np.arange(len(per_block)), np.asarray(per_block, float), 1)[0])


def paired_groups(long_clips: dict, clips: dict, reference, frames_per_block: int,
                  projections: int, groups: int) -> dict[str, dict]:
    """name -> {"slope": (G,), "sw": (G,)} measured on ``groups`` disjoint groups of the samples,
    the same groups for every model: sample i of every student starts from the same noise, so
    the differences between students are paired. ``slope`` reads the long rollouts' blocks,
    ``sw`` the clips of the training length, both against the whole fixed reference, on the
    directions block_distances and clip_distance use. A group's distance carries the
    small-sample bias of a sliced Wasserstein estimate, the same for every model, so the paired
    differences are what to read (a batch-means interval; a bootstrap of the whole set would
    cost a full sort per block, model and resample)."""
    frames = next(iter(clips.values())).shape[1]
    parts = torch.arange(len(reference)).chunk(groups)
    size = len(parts[0])
    ref_block = blocks(reference, frames_per_block)[0]
    ref_clip = reference[:, :frames].reshape(len(reference), -1)
    block_dirs = directions(ref_block.shape[1], projections)
    clip_dirs = directions(ref_clip.shape[1], projections)
    ref_b = quantiles(sorted_projections(ref_block, block_dirs), size)
    ref_c = quantiles(sorted_projections(ref_clip, clip_dirs), size)
    out = {name: {"slope": [], "sw": []} for name in clips}
    for part in parts:
        for name in clips:
            per_block = [sw_sorted(sorted_projections(b[part], block_dirs), ref_b)
                         for b in blocks(long_clips[name], frames_per_block)]
            out[name]["slope"].append(slope(per_block))
            out[name]["sw"].append(sw_sorted(sorted_projections(clips[name][part], clip_dirs),
                                             ref_c))
    return {name: {k: np.array(v) for k, v in d.items()} for name, d in out.items()}


def interval(differences: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean of paired per-group ``differences``."""
    from scipy import stats
    d = np.asarray(differences, float)
    half = stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean() - half), float(d.mean() + half)


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
