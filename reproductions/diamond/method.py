"""DIAMOND's diffusion objective and sampler, the DDPM variant, and GameNGen's context noise.

EDM (Karras et al. 2022, as used by DIAMOND Sec. 3 and Appendix): the denoiser is
D(x, sigma) = c_skip(sigma) x + c_out(sigma) F(c_in(sigma) x, c_noise(sigma)), trained with a
log-normal sigma on the target F should produce, and sampled with a few Euler steps on the
Karras sigma schedule. DDPM variant: the same network predicts the added noise (epsilon) for a
``diffusers`` DDPM schedule and is sampled as DIAMOND's official DDPM baseline is: one step from
t = T/2, several ancestral DDPM steps (or deterministic DDIM steps, for the comparison's curve).
GameNGen (Sec. 3.2.1): during training the context frames get Gaussian noise of a level drawn up
to a maximum, discretised into buckets whose embedding the network receives; at inference the
context is clean (bucket 0).

Frames are in [-1, 1] inside this module; conversions happen at the edges.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class EDMConfig:
    sigma_data: float = 0.5      # DIAMOND Appendix (EDM defaults)
    p_mean: float = -0.4         # log-normal training sigma: ln sigma ~ N(p_mean, p_std^2)
    p_std: float = 1.2
    sigma_min: float = 2e-3      # sampling schedule (DIAMOND: 2e-3, 5, rho 7)
    sigma_max: float = 5.0
    rho: float = 7.0


@dataclass(frozen=True)
class ContextNoise:
    """GameNGen's context-noise augmentation (their maximum 0.7 and 10 buckets by default)."""
    max_sigma: float = 0.7
    buckets: int = 10


def _col(v: torch.Tensor) -> torch.Tensor:
    return v.reshape(-1, 1, 1, 1)


# ---- EDM ---------------------------------------------------------------------------------------

def edm_coefficients(sigma: torch.Tensor, sigma_data: float):
    """(c_in, c_skip, c_out, c_noise) of EDM's preconditioning (Karras et al. 2022, Table 1)."""
    total = sigma ** 2 + sigma_data ** 2
    c_in = 1 / total.sqrt()
    c_skip = sigma_data ** 2 / total
    c_out = sigma * sigma_data / total.sqrt()
    c_noise = sigma.log() / 4
    return c_in, c_skip, c_out, c_noise


def edm_denoise(net, x_noisy, sigma, context, actions, bucket=None, cfg: EDMConfig = EDMConfig()):
    """D(x, sigma): the denoised next frame (sigma of shape (B,))."""
    c_in, c_skip, c_out, c_noise = edm_coefficients(sigma, cfg.sigma_data)
    out = net(_col(c_in) * x_noisy, c_noise, context, actions, bucket)
    return _col(c_skip) * x_noisy + _col(c_out) * out


def training_sigma(batch: int, generator: torch.Generator, cfg: EDMConfig = EDMConfig()):
    """EDM's log-normal training noise levels: ln sigma ~ N(p_mean, p_std^2)."""
    return (cfg.p_mean + cfg.p_std * torch.randn(batch, generator=generator)).exp()


def edm_loss(net, target, context, actions, sigma, noise, bucket=None,
             cfg: EDMConfig = EDMConfig()) -> torch.Tensor:
    """Mean squared error between F's output and the target that makes D exact (EDM's loss
    weighting folded in: lambda(sigma) c_out(sigma)^2 = 1). ``sigma`` (B,) and ``noise`` are
    drawn by the caller, so the loss is a pure function of the batch."""
    x_noisy = target + _col(sigma) * noise
    c_in, c_skip, c_out, c_noise = edm_coefficients(sigma, cfg.sigma_data)
    wanted = (target - _col(c_skip) * x_noisy) / _col(c_out)
    return F.mse_loss(net(_col(c_in) * x_noisy, c_noise, context, actions, bucket), wanted)


def karras_sigmas(steps: int, sigma_min: float, sigma_max: float, rho: float) -> torch.Tensor:
    """``steps`` noise levels from sigma_max down to sigma_min (Karras et al. Eq. 5), then 0."""
    if steps == 1:
        levels = torch.tensor([sigma_max], dtype=torch.float64)
    else:
        ramp = torch.linspace(0, 1, steps, dtype=torch.float64)
        lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
        levels = (hi + ramp * (lo - hi)) ** rho
    return torch.cat([levels, levels.new_zeros(1)]).float()


@torch.no_grad()
def edm_sample(net, context, actions, steps: int, generator: torch.Generator, bucket=None,
               cfg: EDMConfig = EDMConfig()) -> torch.Tensor:
    """The next frame by Euler steps on the Karras schedule (DIAMOND: 1-3 steps)."""
    sigmas = karras_sigmas(steps, cfg.sigma_min, cfg.sigma_max, cfg.rho).to(context.device)
    shape = (context.shape[0],) + context.shape[2:]
    x = torch.randn(shape, generator=generator).to(context) * sigmas[0]
    for s, s_next in zip(sigmas[:-1], sigmas[1:]):
        sigma = s.expand(shape[0])
        denoised = edm_denoise(net, x, sigma, context, actions, bucket, cfg)
        x = x + (x - denoised) / s * (s_next - s)
    return x


# ---- DDPM (epsilon prediction) ---------------------------------------------------------------

def ddpm_scheduler():
    """The schedule of the DDPM variant: ``diffusers``' defaults (1000 linear-beta steps, the
    predicted clean frame clipped to [-1, 1] at every sampling step, as in Ho et al. 2020).
    Without the clipping a small epsilon network's slight shrinkage of its output is amplified
    by 1/sqrt(alpha_bar) at high noise and rollouts blow up even with 50 steps."""
    from diffusers import DDPMScheduler
    return DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear",
                         prediction_type="epsilon", clip_sample=True)


def ddpm_c_noise(timesteps: torch.Tensor) -> torch.Tensor:
    """The scalar the network's noise embedding sees for a DDPM timestep (same range as EDM's)."""
    return timesteps.float() / 1000 * 2 - 1


def ddpm_loss(net, target, context, actions, timesteps, noise, scheduler,
              bucket=None) -> torch.Tensor:
    """Epsilon prediction at the given timesteps (drawn by the caller)."""
    x_t = scheduler.add_noise(target, noise, timesteps)
    return F.mse_loss(net(x_t, ddpm_c_noise(timesteps).to(target), context, actions, bucket),
                      noise)


DDPM_SAMPLERS = ("ancestral", "ddim")


@torch.no_grad()
def ddpm_sample(net, context, actions, steps: int, generator: torch.Generator, scheduler,
                bucket=None, sampler: str = "ancestral") -> torch.Tensor:
    """The next frame from the DDPM model, sampled as DIAMOND's official DDPM baseline does.

    One step: a single clean-frame estimate from pure noise at t = T/2, x0 = (x - sqrt(1 -
    alpha_bar) eps) / sqrt(alpha_bar), clipped to [-1, 1]. Asked at t = T an epsilon network
    learns the identity (DIAMOND Sec. 5.1), so a one-step sample from there is noise; the official
    code found T/2 the best single step. More steps: ``sampler="ancestral"`` takes the official
    code's DDPM ancestral steps (diffusers DDPMScheduler, its default leading spacing: 666, 333, 0
    for 3 steps); ``sampler="ddim"`` takes deterministic DDIM steps (trailing spacing)."""
    if sampler not in DDPM_SAMPLERS:
        raise ValueError(f"sampler must be one of {DDPM_SAMPLERS}, not {sampler!r}")
    shape = (context.shape[0],) + context.shape[2:]
    x = torch.randn(shape, generator=generator).to(context)
    if steps == 1:
        t = scheduler.config.num_train_timesteps // 2
        eps = net(x, ddpm_c_noise(torch.full((shape[0],), t)).to(context), context, actions, bucket)
        alpha_bar = scheduler.alphas_cumprod[t].to(context)
        return ((x - (1 - alpha_bar).sqrt() * eps) / alpha_bar.sqrt()).clamp(-1, 1)
    if sampler == "ddim":
        from diffusers import DDIMScheduler
        steps_from = DDIMScheduler.from_config(scheduler.config, timestep_spacing="trailing",
                                               set_alpha_to_one=True)
    else:
        from diffusers import DDPMScheduler
        steps_from = DDPMScheduler.from_config(scheduler.config)
    steps_from.set_timesteps(steps)
    for t in steps_from.timesteps:
        eps = net(x, ddpm_c_noise(t.expand(shape[0])).to(context), context, actions, bucket)
        if sampler == "ddim":
            x = steps_from.step(eps, t, x, eta=0.0).prev_sample
        else:
            x = steps_from.step(eps, t, x, generator=generator).prev_sample
    return x


# ---- GameNGen: noisy context during training ------------------------------------------------

def corrupt_context(context: torch.Tensor, aug: ContextNoise, generator: torch.Generator):
    """Context frames with Gaussian noise of a per-sample level u * max_sigma (u uniform), and
    the level's bucket floor(u * buckets) for the network's embedding."""
    b = context.shape[0]
    u = torch.rand(b, generator=generator)
    bucket = torch.clamp((u * aug.buckets).long(), max=aug.buckets - 1)
    sigma = (u * aug.max_sigma).to(context)
    noise = torch.randn(context.shape, generator=generator).to(context)
    return context + sigma.reshape(-1, 1, 1, 1, 1) * noise, bucket.to(context.device)


def noise_bucket(sigma: float, aug: ContextNoise) -> int:
    """The bucket a known context-noise level falls in (for evaluation on noisy context)."""
    return min(int(math.floor(sigma / aug.max_sigma * aug.buckets)), aug.buckets - 1)
