"""Exact tests of MAR's head, loss and sampler (formulas pinned, not trained)."""
import pytest
import torch

from reproductions.harness.runner import ROOT, import_module

method = import_module(ROOT / "reproductions" / "mar", "method")
model = import_module(ROOT / "reproductions" / "mar", "model")


def test_schedule_and_timesteps_match_diffusers():
    diffusers = pytest.importorskip("diffusers")
    s = diffusers.DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2")
    assert torch.equal(method.alphas_cumprod(), s.alphas_cumprod.float())
    s.set_timesteps(50)
    assert method.sampling_timesteps(1000, 50) == s.timesteps.tolist()


def test_ddpm_step_at_temperature_one_equals_diffusers():
    diffusers = pytest.importorskip("diffusers")
    s = diffusers.DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2",
                                clip_sample=False)
    s.set_timesteps(20)
    abar = method.alphas_cumprod()
    times = method.sampling_timesteps(1000, 20)
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(1))
    for i, t in enumerate(times):
        eps = torch.randn(6, 4, generator=torch.Generator().manual_seed(100 + i))
        ref = s.step(eps, t, x, generator=torch.Generator().manual_seed(i)).prev_sample
        noise = torch.randn(6, 4, generator=torch.Generator().manual_seed(i))
        prev_t = times[i + 1] if i + 1 < len(times) else -1
        ours = method.ddpm_step(x, eps, t, prev_t, abar, noise, temperature=1.0)
        torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-6)
        x = ref


def test_temperature_scales_only_the_step_noise():
    abar = method.alphas_cumprod()
    x, eps, noise = torch.randn(3, 5, 2).unbind(0)
    mean = method.ddpm_step(x, eps, 500, 480, abar, noise, temperature=0.0)
    full = method.ddpm_step(x, eps, 500, 480, abar, noise, temperature=1.0)
    half = method.ddpm_step(x, eps, 500, 480, abar, noise, temperature=0.5)
    torch.testing.assert_close(half - mean, 0.5 * (full - mean))
    assert torch.equal(method.ddpm_step(x, eps, 0, -1, abar, noise, 1.0),
                       method.ddpm_step(x, eps, 0, -1, abar, 2 * noise, 1.0))  # none at t = 0


def test_zero_temperature_sampling_follows_the_posterior_means():
    head = model.DiffusionHead(2, 8, width=16, depth=1)
    torch.nn.init.normal_(head.out.weight)  # a non-trivial head
    z, abar = torch.randn(4, 8), method.alphas_cumprod()
    got = method.sample(head, z, abar, 10, 0.0, torch.Generator().manual_seed(3))
    x = torch.randn(4, 2, generator=torch.Generator().manual_seed(3))
    times = method.sampling_timesteps(1000, 10)
    with torch.no_grad():
        for i, t in enumerate(times):
            eps = head(x, torch.full((4,), t), z)
            x = method.ddpm_step(x, eps, t, times[i + 1] if i + 1 < 10 else -1, abar,
                                 torch.zeros_like(x))
    torch.testing.assert_close(got, x)
    hot = method.sample(head, z, abar, 10, 1.0, torch.Generator().manual_seed(3))
    assert not torch.allclose(got, hot)


def test_diffusion_loss_averages_independent_draws():
    head = model.DiffusionHead(3, 5, width=16, depth=2)
    torch.nn.init.normal_(head.out.weight)
    abar = method.alphas_cumprod()
    x, z = torch.randn(7, 3), torch.randn(7, 5)
    t, eps = method.draw_noise(7, 3, 4, torch.Generator().manual_seed(0))
    assert t.shape == (4, 7) and eps.shape == (4, 7, 3) and len(set(t.flatten().tolist())) > 7
    total = method.diffusion_loss(head, x, z, abar, t, eps)
    parts = [method.diffusion_loss(head, x, z, abar, t[i:i + 1], eps[i:i + 1]) for i in range(4)]
    torch.testing.assert_close(total, torch.stack(parts).mean())
    a = abar[t[0]][:, None]  # one draw by hand
    by_hand = ((head(a.sqrt() * x + (1 - a).sqrt() * eps[0], t[0], z) - eps[0]) ** 2).mean()
    torch.testing.assert_close(parts[0], by_hand)


def test_heads_start_at_zero_and_have_equal_size():
    diff, mse = model.DiffusionHead(4, 8, 32, 3), model.MSEHead(4, 8, 32, 3)
    assert sum(p.numel() for p in diff.parameters()) == sum(p.numel() for p in mse.parameters())
    z = torch.randn(5, 8)
    assert torch.equal(diff(torch.randn(5, 4), torch.arange(5), z), torch.zeros(5, 4))
    assert torch.equal(mse(z), torch.zeros(5, 4))
    block = model.AdaLNBlock(32)
    h = torch.randn(5, 32)
    assert torch.equal(block(h, torch.randn(5, 32)), h)  # zero-initialised gate: identity


def test_head_treats_tokens_independently():
    head = model.DiffusionHead(2, 4, 16, 2)
    for p in head.parameters():
        torch.nn.init.normal_(p, std=0.3)
    x, t, z = torch.randn(6, 2), torch.randint(0, 1000, (6,)), torch.randn(6, 4)
    full = head(x, t, z)
    torch.testing.assert_close(full[2:3], head(x[2:3], t[2:3], z[2:3]))
