"""Exact tests of the method: EDM preconditioning, the Karras schedule, the samplers, the
conditioning paths (actions, context-noise buckets), GameNGen's context corruption, and the
sharpness measure reported beside PSNR."""
import numpy as np
import pytest
import torch

from .conftest import load

method = load("method")
model = load("model")
repro = load("repro")


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


def test_ddpm_samplers_follow_the_official_baseline_and_recover_the_frame():
    """With a network that returns the exact noise of a known frame, every DDPM sampler ends on
    that frame; one step asks the network once, at t = T/2 (the official baseline), ancestral
    steps at the leading timesteps 666, 333, 0 and DDIM at the trailing 999, 666, 333."""
    sched = method.ddpm_scheduler()
    x0, ctx, act = batch(2)
    x0 = x0.clamp(-1, 1)
    asked = []

    def oracle(x, c_noise, context, actions, bucket):
        t = int(round(float((c_noise[0] + 1) / 2 * 1000)))
        asked.append(t)
        ab = sched.alphas_cumprod[t]
        return (x - ab.sqrt() * x0) / (1 - ab).sqrt()

    for sampler, steps, timesteps in (("ancestral", 1, [500]), ("ddim", 1, [500]),
                                      ("ancestral", 3, [666, 333, 0]),
                                      ("ddim", 3, [999, 666, 332])):
        asked.clear()
        g = torch.Generator().manual_seed(0)
        out = method.ddpm_sample(oracle, ctx, act, steps, g, sched, sampler=sampler)
        assert asked == timesteps, (sampler, steps)
        assert torch.allclose(out, x0, atol=1e-4), (sampler, steps)
    with pytest.raises(ValueError, match="sampler must be one of"):
        method.ddpm_sample(oracle, ctx, act, 3, g, sched, sampler="euler")


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


def test_sharpness_ratio_tells_blur_from_noise_where_psnr_prefers_blur():
    """The mean frame of the paddle game's scenes scores a higher PSNR against the true frames
    than sharp frames of other scenes do, and a sharpness ratio far below the truth's 1; noise
    scores above 1."""
    from reproductions.harness.game import GameConfig, PaddleGame
    frames = PaddleGame(GameConfig(size=24)).clips(16, 4, 0)[0]
    truth = frames[:8]
    wrong = frames[8:]                                   # sharp, other scenes
    blurred = np.broadcast_to(frames.mean(axis=0, keepdims=True), truth.shape)
    assert repro.sharpness_ratio(truth, truth) == pytest.approx(1.0)
    assert repro.mean_psnr(blurred, truth) > repro.mean_psnr(wrong, truth)
    assert repro.sharpness_ratio(blurred, truth) < 0.6
    assert 0.7 < repro.sharpness_ratio(wrong, truth) < 1.4
    noisy = truth + np.random.default_rng(0).normal(0, 0.2, truth.shape)
    assert repro.sharpness_ratio(noisy, truth) > 1.5
