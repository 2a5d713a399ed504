"""Exact tests of the method: EDM preconditioning, the Karras schedule, the samplers, the
conditioning paths (actions, context-noise buckets) and GameNGen's context corruption."""
import numpy as np
import pytest
import torch

from .conftest import load

method = load("method")
model = load("model")


def net(buckets=0, seed=0):
    torch.manual_seed(seed)
    n = model.NextFrameUNet(model.NetConfig(widths=(16, 16), cond_dim=32, noise_buckets=buckets))
    torch.nn.init.normal_(n.out.weight, std=0.1)   # the output starts at zero: make it live
    return n.eval()


def batch(b=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, 1, 12, 12, generator=g), torch.randn(b, 4, 1, 12, 12, generator=g),
            torch.randint(0, 3, (b, 4), generator=g))


def test_edm_coefficients_identities():
    sd = 0.5
    sigma = torch.tensor([1e-3, 0.1, 0.5, 1.0, 5.0], dtype=torch.float64)
    c_in, c_skip, c_out, c_noise = method.edm_coefficients(sigma, sd)
    assert torch.allclose(c_in ** 2 * (sigma ** 2 + sd ** 2), torch.ones_like(sigma))
    # the training target has unit variance for data of std sigma_data (Karras et al. Eq. 8)
    target_var = (sd ** 2 * (1 - c_skip) ** 2 + c_skip ** 2 * sigma ** 2) / c_out ** 2
    assert torch.allclose(target_var, torch.ones_like(sigma))
    assert torch.allclose(c_noise, sigma.log() / 4)
    assert c_skip[2] == pytest.approx(0.5) and c_out[2] == pytest.approx(0.5 / 2 ** 0.5)


def test_denoiser_returns_its_input_as_sigma_goes_to_zero():
    f = net()
    x, ctx, act = batch()
    errors = []
    with torch.no_grad():
        for s in (1e-1, 1e-2, 1e-3, 1e-5):
            out = method.edm_denoise(f, x, torch.full((3,), s), ctx, act)
            errors.append(float((out - x).abs().max()))
    assert errors[-1] < 1e-4
    assert all(a > b for a, b in zip(errors, errors[1:]))


def test_karras_sigmas_end_points_and_order():
    s = method.karras_sigmas(10, 2e-3, 5.0, 7.0)
    assert len(s) == 11 and s[-1] == 0
    assert s[0].item() == pytest.approx(5.0) and s[-2].item() == pytest.approx(2e-3, rel=1e-5)
    assert torch.all(s[:-1] > s[1:])
    one = method.karras_sigmas(1, 2e-3, 5.0, 7.0)
    assert one.tolist() == [5.0, 0.0]


def test_one_euler_step_is_one_denoiser_call_from_sigma_max():
    f = net()
    _, ctx, act = batch()
    sample = method.edm_sample(f, ctx, act, 1, torch.Generator().manual_seed(7))
    noise = torch.randn((3, 1, 12, 12), generator=torch.Generator().manual_seed(7)) * 5.0
    with torch.no_grad():
        direct = method.edm_denoise(f, noise, torch.full((3,), 5.0), ctx, act)
    assert torch.allclose(sample, direct, atol=1e-5)


def test_action_conditioning_reaches_the_network():
    f = net()
    x, ctx, act = batch()
    c = torch.zeros(3)
    with torch.no_grad():
        base = f(x, c, ctx, act)
        other = act.clone()
        other[:, -1] = (other[:, -1] + 1) % 3
        changed = f(x, c, ctx, other)
        same = f(x, c, ctx, act.clone())
    assert torch.equal(base, same)
    assert (base - changed).abs().amax(dim=(1, 2, 3)).min() > 1e-4


def test_bucket_reaches_the_network_and_none_means_bucket_zero():
    f = net(buckets=10)
    x, ctx, act = batch()
    c = torch.zeros(3)
    with torch.no_grad():
        zero = f(x, c, ctx, act, torch.zeros(3, dtype=torch.long))
        none = f(x, c, ctx, act, None)
        five = f(x, c, ctx, act, torch.full((3,), 5))
    assert torch.equal(zero, none)
    assert (zero - five).abs().max() > 1e-4


def test_corrupt_context_levels_and_buckets():
    aug = method.ContextNoise(max_sigma=0.7, buckets=10)
    ctx = torch.zeros(2000, 1, 1, 4, 4)
    noisy, bucket = method.corrupt_context(ctx, aug, torch.Generator().manual_seed(0))
    sigma = noisy.flatten(1).std(1)
    assert bucket.min() == 0 and bucket.max() == 9
    # the bucket is the discretised level: noise std grows with the bucket, up to 0.7
    means = [float(sigma[bucket == b].mean()) for b in range(10)]
    assert all(a < b for a, b in zip(means, means[1:])) and means[-1] < 0.7
    assert method.noise_bucket(0.0, aug) == 0 and method.noise_bucket(0.3, aug) == 4
    assert method.noise_bucket(0.7, aug) == 9


def test_ddpm_few_step_sampler_starts_from_pure_noise():
    """Trailing spacing: a 1-step DDIM sample starts at the last training timestep, so a
    network that predicts the exact noise recovers the frame."""
    sched = method.ddpm_scheduler()
    from diffusers import DDIMScheduler
    ddim = DDIMScheduler.from_config(sched.config, timestep_spacing="trailing")
    ddim.set_timesteps(1)
    assert ddim.timesteps.tolist() == [999]
    ddim.set_timesteps(3)
    assert ddim.timesteps[0] == 999


def test_losses_are_pure_functions_of_the_batch_and_train():
    f = net()
    x, ctx, act = batch(8)
    g = torch.Generator().manual_seed(1)
    sigma, noise = method.training_sigma(8, g), torch.randn(x.shape, generator=g)
    a = method.edm_loss(f, x, ctx, act, sigma, noise)
    b = method.edm_loss(f, x, ctx, act, sigma, noise)
    assert torch.equal(a, b) and torch.isfinite(a)
    sched = method.ddpm_scheduler()
    t = torch.randint(0, 1000, (8,), generator=g)
    assert torch.isfinite(method.ddpm_loss(f, x, ctx, act, t, noise, sched))
