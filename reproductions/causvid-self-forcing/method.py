"""CausVid and Self Forcing as small functions: noise schedule, teacher sampler, ODE pairs,
ODE regression, the streaming rollout (inference and training), and the DMD losses.

Conventions (rectified flow, as in the Wan models both papers distil): ``x_t = (1-t) x0 + t n``
with t in [0, 1]; networks predict the velocity ``v = n - x0``, so ``x0 = x_t - t v``.
Clips are ``(B, F, P, D)``; ``t`` is per frame ``(B, F)``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .model import KVCache, StreamingTransformer


# --- schedule -------------------------------------------------------------------------------

def add_noise(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """x_t = (1 - t) x0 + t noise; t is (B, F) or broadcastable to it."""
    t = t[..., None, None]
    return (1 - t) * x0 + t * noise


def x0_from_velocity(xt: torch.Tensor, v: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return xt - t[..., None, None] * v


def teacher_grid(steps: int) -> torch.Tensor:
    """Noise levels 1 = t_0 > t_1 > ... > t_steps = 0 of the teacher's Euler sampler."""
    return torch.linspace(1.0, 0.0, steps + 1)


def student_indices(teacher_steps: int, student_steps: int) -> list[int]:
    """Indices into the teacher grid where the few-step student starts each step; chosen on the
    grid so teacher trajectories provide exact inputs (CausVid, Sec. 3.3)."""
    idx = torch.linspace(0, teacher_steps, student_steps + 1).round().long()[:-1]
    return idx.tolist()


def student_times(teacher_steps: int, student_steps: int) -> torch.Tensor:
    return teacher_grid(teacher_steps)[student_indices(teacher_steps, student_steps)]


# --- losses ---------------------------------------------------------------------------------

def flow_matching_loss(model, x0, noise, t, causal: bool) -> torch.Tensor:
    """Denoising loss of the teacher and of the fake score: || v(x_t, t) - (noise - x0) ||^2."""
    v = model(add_noise(x0, noise, t), t, causal=causal)
    return F.mse_loss(v, noise - x0)


def ode_regression_loss(student, trajectory: torch.Tensor, times: torch.Tensor,
                        steps: torch.Tensor) -> torch.Tensor:
    """CausVid's ODE initialisation (Sec. 3.3): every block gets its own point of the teacher's
    trajectory (``steps[b]`` indexes ``trajectory``; the last index is the clean end point, used
    as clean context) and the block-causal student regresses the end point from it.

    trajectory: (K+1, B, F, P, D) teacher states at ``times`` (K,) followed by the sample.
    steps: (B, n_blocks) integers in [0, K]."""
    k, fpb = len(times), student.cfg.frames_per_block
    frame_steps = steps.repeat_interleave(fpb, dim=1)                       # (B, F)
    t = torch.cat([times, times.new_zeros(1)])[frame_steps]
    x = trajectory.gather(0, frame_steps[None, :, :, None, None].expand(1, *trajectory.shape[1:]))[0]
    pred = x0_from_velocity(x, student(x, t, causal=True), t)
    per_frame = ((pred - trajectory[-1]) ** 2).mean(dim=(2, 3))
    noisy = (frame_steps < k).float()
    return (per_frame * noisy).sum() / noisy.sum().clamp(min=1)


def dmd_loss(x0_gen: torch.Tensor, real_x0: torch.Tensor, fake_x0: torch.Tensor) -> torch.Tensor:
    """Distribution matching (DMD, Yin et al. 2024, Eq. 7, with the per-sample normalisation of
    DMD2): the gradient on the generator's sample is (fake - real) / mean|x0_gen - real|.
    Written as a regression to a detached target so that d loss / d x0_gen equals that gradient
    divided by the number of elements."""
    dims = tuple(range(1, x0_gen.dim()))
    weight = (x0_gen - real_x0).abs().mean(dim=dims, keepdim=True).clamp(min=1e-6)
    grad = (fake_x0 - real_x0) / weight
    target = (x0_gen - grad).detach()
    return 0.5 * F.mse_loss(x0_gen, target)


def dmd_generator_loss(x0_gen, real_score, fake_score, t, noise):
    """Noise the generated clips to per-sample level t (B,), ask both scores for x0, DMD loss.
    (Our worlds are unconditional, so CausVid's classifier-free guidance of the real score has
    no counterpart here.)"""
    tt = t[:, None].expand(x0_gen.shape[:2])
    xt = add_noise(x0_gen, noise, tt)
    with torch.no_grad():
        real_x0 = x0_from_velocity(xt, real_score(xt, tt, causal=False), tt)
        fake_x0 = x0_from_velocity(xt, fake_score(xt, tt, causal=False), tt)
    return dmd_loss(x0_gen, real_x0, fake_x0)


# --- samplers -------------------------------------------------------------------------------

@torch.no_grad()
def teacher_sample(model, noise: torch.Tensor, steps: int, keep_times: list[int] | None = None):
    """Euler ODE sampler over the whole clip (bidirectional). Returns the sample, and with
    ``keep_times`` (grid indices) the states there: (len(keep_times)+1, B, F, P, D), the last
    entry being the sample (the ODE pairs of CausVid)."""
    grid = teacher_grid(steps).to(noise)
    x, kept = noise, []
    for i in range(steps):
        if keep_times is not None and i in keep_times:
            kept.append(x)
        t = grid[i].expand(noise.shape[:2])
        v = model(x, t, causal=False)
        x = x + (grid[i + 1] - grid[i]) * v
    if keep_times is None:
        return x
    return x, torch.stack(kept + [x])


def rollout(model: StreamingTransformer, noise: torch.Tensor, times: torch.Tensor, *,
            exit_steps: torch.Tensor | None = None, start: torch.Tensor | None = None,
            start_steps: torch.Tensor | None = None, context: torch.Tensor | None = None,
            context_t: torch.Tensor | None = None, window_frames: int | None = None,
            cache: KVCache | None = None):
    """Block-by-block few-step generation with a KV cache: inference, and the training rollouts
    of Self Forcing and of the teacher-/diffusion-forcing baselines.

    noise: (K, B, F, P, D) – noise[0] starts every block, noise[j] re-noises to times[j].
    Block b runs steps start_steps[b] .. exit_steps[b] (defaults 0 .. K-1), starting from
    ``start`` (a trajectory point) when given, else from noise[0]. Only the forward of the exit
    step keeps a graph (Self Forcing, Sec. 3.2, gradient truncation); the others run without.
    After a block, one forward at the context's noise level writes its keys and values: by
    default t = 0 on the block's own output (the clean cache write; Self Forcing), else
    ``context`` at ``context_t`` (B, F) (teacher forcing: clean data; diffusion forcing: noisy).
    A given ``cache`` continues a stream (and is left holding it); else a fresh one is used.
    Returns the clip of exit predictions (B, F, P, D)."""
    k, b, f = len(times), noise.shape[1], noise.shape[2]
    fpb = model.cfg.frames_per_block
    n_blocks = f // fpb
    exit_steps = torch.full((n_blocks,), k - 1) if exit_steps is None else exit_steps
    start_steps = torch.zeros(n_blocks, dtype=torch.long) if start_steps is None else start_steps
    cache = model.new_cache(window_frames) if cache is None else cache
    outputs = []
    for blk in range(n_blocks):
        sl = slice(blk * fpb, (blk + 1) * fpb)
        x = (noise[0] if start is None else start)[:, sl]
        first, last = int(start_steps[blk]), int(exit_steps[blk])
        for j in range(first, last + 1):
            t = times[j].to(x).expand(b, fpb)
            with torch.set_grad_enabled(torch.is_grad_enabled() and j == last):
                x0 = x0_from_velocity(x, model(x, t, cache=cache), t)
            if j < last:
                x = add_noise(x0, noise[j + 1][:, sl], times[j + 1].to(x).expand(b, fpb))
        outputs.append(x0)
        with torch.no_grad():
            if context is None:
                model(x0.detach(), torch.zeros(b, fpb).to(x0), cache=cache, write=True)
            else:
                model(context[:, sl], context_t[:, sl], cache=cache, write=True)
    return torch.cat(outputs, dim=1)


@torch.no_grad()
def generate(model, noise, times, window_frames=None, cache=None):
    """Streaming inference: every block runs all K steps; own outputs are written clean."""
    return rollout(model, noise, times, window_frames=window_frames, cache=cache)
