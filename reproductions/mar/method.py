"""MAR's Diffusion Loss and its sampler (arXiv 2406.11838, Sec. 3.2, 4.1; Appendix B).

Loss (Eq. 2): for a token x with condition z, draw a timestep t and noise eps, form
x_t = sqrt(abar_t) x + sqrt(1 - abar_t) eps and regress eps_theta(x_t | t, z) onto eps. MAR draws
t and eps several times per token for each transformer pass (``draws``; its code uses 4), which
cuts the loss's variance at the price of running only the small head more often.

Schedule: the cosine table ("squaredcos_cap_v2") of ``diffusers``' DDPM scheduler with 1000
training steps, as MAR uses; sampling walks a respaced subset of the timesteps ("leading" spacing,
as ``DDPMScheduler.set_timesteps``) with the DDPM posterior and its fixed small variance.

Temperature (Sec. 3.2, Sampler): the noise added at every reverse step is scaled by
tau, so tau < 1 concentrates samples (less diversity, higher fidelity); tau = 1 is plain DDPM.
``ddpm_step`` at tau = 1 is pinned to ``diffusers.DDPMScheduler.step`` by a test.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from reproductions.harness.schedules import noise_table

TRAIN_STEPS = 1000


def alphas_cumprod(train_steps: int = TRAIN_STEPS) -> torch.Tensor:
    """abar_t for t = 0..train_steps-1 (diffusers' table; the harness prepends the clean level)."""
    return noise_table(train_steps, "squaredcos_cap_v2")[1:]


def sampling_timesteps(train_steps: int, steps: int) -> list[int]:
    """Descending timesteps of a respaced sampler, as ``DDPMScheduler.set_timesteps`` (leading)."""
    stride = train_steps // steps
    return [i * stride for i in reversed(range(steps))]


def draw_noise(n: int, dim: int, draws: int, generator: torch.Generator | None = None,
               train_steps: int = TRAIN_STEPS, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Timesteps (draws, n) and noise (draws, n, dim) for ``draws`` noisings of n tokens."""
    t = torch.randint(0, train_steps, (draws, n), generator=generator)
    eps = torch.randn((draws, n, dim), generator=generator)
    return t.to(device), eps.to(device)


def diffusion_loss(head, target: torch.Tensor, z: torch.Tensor, abar: torch.Tensor,
                   t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Mean Diffusion Loss over tokens ``target`` (N, D) with conditions ``z`` (N, C), one term
    per noising: ``t`` (draws, N) and ``eps`` (draws, N, D). The transformer ran once; only the
    small head runs ``draws`` times."""
    draws = t.shape[0]
    x = target.repeat(draws, 1)
    a = abar.to(x.device)[t.reshape(-1)][:, None]
    e = eps.reshape(-1, eps.shape[-1]).to(x.dtype)
    x_t = a.sqrt() * x + (1 - a).sqrt() * e
    return F.mse_loss(head(x_t, t.reshape(-1), z.repeat(draws, 1)), e)


def mse_loss(head, target: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """The regression baseline's loss: the head predicts the token itself."""
    return F.mse_loss(head(z), target)


def ddpm_step(x_t: torch.Tensor, eps: torch.Tensor, t: int, prev_t: int, abar: torch.Tensor,
              noise: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """One reverse step x_t -> x_{prev_t}: posterior mean from the predicted clean token plus
    temperature * sqrt(fixed small variance) * noise (no noise at the last step, t = 0)."""
    a_t = abar[t]
    a_prev = abar[prev_t] if prev_t >= 0 else torch.ones((), dtype=abar.dtype)
    alpha, beta = a_t / a_prev, 1 - a_t / a_prev
    x0 = (x_t - (1 - a_t).sqrt() * eps) / a_t.sqrt()
    mean = (a_prev.sqrt() * beta / (1 - a_t)) * x0 + (alpha.sqrt() * (1 - a_prev) / (1 - a_t)) * x_t
    if t == 0:
        return mean
    variance = ((1 - a_prev) / (1 - a_t) * beta).clamp(min=1e-20)
    return mean + temperature * variance.sqrt() * noise


@torch.no_grad()
def sample(head, z: torch.Tensor, abar: torch.Tensor, steps: int = 50, temperature: float = 1.0,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Tokens (N, D) drawn from the head given conditions ``z`` (N, C). The start noise is not
    scaled by the temperature (MAR scales only the per-step noise)."""
    abar = abar.to(z.device)
    shape = (len(z), head.token_dim)
    x = torch.randn(shape, generator=generator, device=z.device)
    times = sampling_timesteps(len(abar), steps)
    for i, t in enumerate(times):
        prev_t = times[i + 1] if i + 1 < len(times) else -1
        eps = head(x, torch.full((len(z),), t, device=z.device, dtype=torch.long), z)
        noise = torch.randn(shape, generator=generator, device=z.device)
        x = ddpm_step(x, eps, t, prev_t, abar, noise, temperature)
    return x
