"""Diffusion Forcing (Chen et al., NeurIPS 2024, arXiv 2407.01392): training and sampling.

Training (Sec. 3.1, Alg. 1): every frame of a clip gets its own, independent noise level; the
causal network denoises all frames at once. The teacher-forcing baseline trains the same
network with clean context and only one (next) frame noised.

Sampling (Sec. 3.2, Alg. 2): a scheduling matrix M[r, t] gives the noise level of frame t at
sampling row r; each row is one network call followed by a per-frame DDIM step to the next
row's levels. One function builds the three schedules of the paper from an "uncertainty
offset": 0 = full-sequence diffusion (every frame at the same level), 1 = pyramid, S =
autoregressive (a frame is fully denoised before the next starts).
Stabilisation (Sec. 3.3): a finished frame is shown to the network as if slightly noisy, at
level ``k_stab``, and the network is told so.
The loss is weighted by the official recipe's fused min-SNR (``fused_min_snr_weight``).
"""
from __future__ import annotations

import numpy as np
import torch

from reproductions.harness.schedules import add_noise, ddim_step, v_target, x0_eps_from_v
from reproductions.harness.worlds import step_rng

SCHEDULE_OFFSETS = {"full_sequence": lambda steps: 0, "pyramid": lambda steps: 1,
                    "autoregressive": lambda steps: steps}


# ---- training -------------------------------------------------------------------------------

def make_batch(world, method: str, batch: int, frames: int, num_levels: int, seed: int,
               step: int, size: int | None = None, device=None) -> dict:
    """The global batch of one step; every random draw is a function of (seed, step).
    With a CUDA ``device`` the frames are rendered and the noise drawn there."""
    device = torch.device(device or "cpu")
    x0 = world.simulate(batch, frames, step_rng(seed, step), size=size, device=device)[0]
    g = torch.Generator(device).manual_seed(
        int(np.random.SeedSequence([seed, step, 1]).generate_state(1)[0]))
    noise = torch.randn(x0.shape, generator=g, device=device)
    if method == "df":  # independent level per frame, 0 (clean) included; no loss on clean frames
        k = torch.randint(0, num_levels + 1, (batch, frames), generator=g, device=device)
        mask = (k > 0).float()
    elif method == "tf":  # clean context, one frame noised, loss on it alone
        target = torch.randint(0, frames, (batch,), generator=g, device=device)
        level = torch.randint(1, num_levels + 1, (batch,), generator=g, device=device)
        pos = torch.arange(frames, device=device)[None]
        k = torch.where(pos == target[:, None], level[:, None],
                        torch.where(pos < target[:, None], 0, num_levels))
        mask = (pos == target[:, None]).float()
    else:
        raise ValueError(f"method must be 'df' or 'tf', not {method!r}")
    return {"x0": x0, "noise": noise, "k": k, "mask": mask}


def fused_min_snr_weight(table, k, snr_clip: float = 5.0, decay: float = 0.8):
    """The loss weight per frame (B, T) of the official video recipe (``use_snr`` and
    ``use_cum_snr``, v-objective): min-SNR-5 weighting where a frame's SNR is fused with a
    running, decaying average of the clipped SNR of the frames before it, so a frame whose past
    is clean counts as less noisy than its own level says (much of it is known from the past).
    ``decay`` 0.8 is the DMLab configuration's per-frame value. The weight of v-prediction is
    clip(fused SNR) / (fused SNR + 1); for the first frame it is plain min-SNR."""
    a = table.to(k.device)[k].double()
    snr = a / (1 - a).clamp(min=1e-12)  # level 0 (clean): effectively infinite
    unit = snr.clamp(max=snr_clip) / snr_clip            # clipped SNR in [0, 1]
    past = torch.zeros_like(unit)                         # decaying average of frames < t
    for t in range(1, k.shape[1]):
        past[:, t] = unit[:, 0] if t == 1 else decay * past[:, t - 1] + (1 - decay) * unit[:, t - 1]
    keep = 1 - decay * past                               # how much the past leaves unknown
    fused_clipped = (1 - keep * (1 - unit)) * snr_clip
    fused = (1 - keep * (1 - snr / snr_clip)) * snr_clip
    return (fused_clipped / (fused + 1)).float()


def loss_fn(table):
    """Fused-min-SNR-weighted v-prediction MSE on the frames that carry a loss, normalised by a
    constant (the number of elements) so that ranks of a DDP run average to the
    single-process loss exactly. Both methods use the same weighting."""
    def loss(net, batch):
        x0, noise, k, mask = batch["x0"], batch["noise"], batch["k"], batch["mask"]
        v = net(add_noise(x0, noise, table, k), k)
        err = (v.float() - v_target(x0, noise, table, k)) ** 2
        w = mask * fused_min_snr_weight(table, k)
        return (err * w[..., None, None, None]).mean()
    return loss


# ---- sampling -------------------------------------------------------------------------------

def scheduling_matrix(frames: int, steps: int, offset: int) -> torch.Tensor:
    """M[r, t] in 0..steps (steps = pure noise), rows r = 0..steps + offset*(frames-1).

    Row 0 is all noise, the last row all clean, levels never rise along a column, and an
    earlier frame is never noisier than a later one."""
    r = torch.arange(steps + offset * (frames - 1) + 1)[:, None]
    t = torch.arange(frames)[None]
    return (steps - r + offset * t).clamp(0, steps)


def to_levels(m: torch.Tensor, steps: int, num_levels: int) -> torch.Tensor:
    return torch.round(m.float() * num_levels / steps).long()


def _present(x, k, table, k_stab):
    """What the network sees: every finished frame (level 0), true context and generated
    frames alike, is labelled k_stab and scaled as a frame at that level with no noise added,
    as the official deterministic (DDIM) sampler does."""
    if k_stab == 0:
        return x, k
    done = k == 0
    ks = torch.where(done, torch.full_like(k, k_stab), k)
    scale = torch.where(done, table.to(x.device)[k_stab].sqrt(), torch.ones((), device=x.device))
    return x * scale.reshape(scale.shape + (1,) * (x.dim() - 2)).to(x.dtype), ks


@torch.no_grad()
def sample(net, context, noise, table, schedule: str, steps: int, k_stab: int = 0):
    """Generate ``noise.shape[1]`` frames after ``context`` (B, c, C, H, W) following the named
    scheduling matrix; ``noise`` is the new frames' initial noise. With ``k_stab`` > 0 the
    network sees every finished frame as if at level k_stab (stabilisation, Sec. 3.3).
    Returns the new frames (B, n, C, H, W)."""
    b, c = context.shape[:2]
    n, K = noise.shape[1], len(table) - 1
    levels = to_levels(scheduling_matrix(n, steps, SCHEDULE_OFFSETS[schedule](steps)), steps, K)
    levels = levels.to(noise.device)
    x = torch.cat([context, noise], 1)
    zeros = torch.zeros(b, c, dtype=torch.long, device=x.device)
    for r in range(len(levels) - 1):
        k = torch.cat([zeros, levels[r].expand(b, n)], 1)
        k_next = torch.cat([zeros, levels[r + 1].expand(b, n)], 1)
        x_in, k_in = _present(x, k, table, k_stab)
        v = net(x_in, k_in).float()
        x = ddim_step(x, v, table, k, k_next)  # finished frames keep their level: unchanged
    return x[:, c:]


def rollout(net, context, n_new: int, window: int, table, steps: int, seed: int,
            k_stab: int = 0):
    """Autoregressive rollout past the training length, one frame at a time, each sampled from
    the last ``window - 1`` frames (real context first, then generated ones). A generator:
    it yields each new frame (B, 1, C, H, W) as it is made; noise is drawn per frame from
    ``seed``, so the rollout is reproducible."""
    g = torch.Generator().manual_seed(seed)
    hist = context
    one = (context.shape[0], 1) + tuple(context.shape[2:])
    for _ in range(n_new):
        noise = torch.randn(one, generator=g).to(context.device)
        new = sample(net, hist[:, -(window - 1):], noise, table, "autoregressive", steps, k_stab)
        hist = torch.cat([hist, new], 1)
        yield new


# ---- the context-use gate ---------------------------------------------------------------------

@torch.no_grad()
def context_errors(net, clips, table, seed: int, context_level: int = 0) -> tuple[float, float]:
    """(error with context, error without): the last frame of each clip is reconstructed from
    pure noise (level K) with the true frames before it as context, shown at
    ``context_level`` (0: clean), against the context-free best guess, the mean frame."""
    K = len(table) - 1
    b, t = clips.shape[:2]
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(clips.shape, generator=g).to(clips.device)
    k = torch.full((b, t), context_level, dtype=torch.long, device=clips.device)
    k[:, -1] = K
    x = add_noise(clips, noise, table, k)
    v = net(x, k).float()
    x0 = x0_eps_from_v(x, v, table, k)[0][:, -1]
    target = clips[:, -1]
    mean_frame = clips.mean(dim=(0, 1), keepdim=True)[:, 0]
    return float(((x0 - target) ** 2).mean()), float(((mean_frame - target) ** 2).mean())
