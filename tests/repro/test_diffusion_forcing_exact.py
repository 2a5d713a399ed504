"""Diffusion Forcing: exact properties of the schedules, the network and the sampler."""
from pathlib import Path

import numpy as np
import pytest
import torch

from reproductions.harness.runner import import_module
from reproductions.harness.schedules import noise_table
from reproductions.harness.worlds import BallsConfig, BouncingBalls

FOLDER = Path(__file__).resolve().parents[2] / "reproductions" / "diffusion-forcing"
method = import_module(FOLDER, "method")
model = import_module(FOLDER, "model")


def random_net(seed=0, **kw):
    """An untrained network with a non-zero head (the real head starts at zero, which would
    make every output 0 and every equality below trivially true)."""
    torch.manual_seed(seed)
    net = model.CausalFrameNet(max_frames=8, num_levels=20, **kw)
    for p in net.head.parameters():
        torch.nn.init.normal_(p, std=0.2)
    return net.eval()


@pytest.mark.parametrize("schedule", ["full_sequence", "pyramid", "autoregressive"])
def test_scheduling_matrix_properties(schedule):
    frames, steps = 6, 5
    offset = method.SCHEDULE_OFFSETS[schedule](steps)
    m = method.scheduling_matrix(frames, steps, offset)
    assert m.shape == (steps + offset * (frames - 1) + 1, frames)
    assert (m[0] == steps).all() and (m[-1] == 0).all()
    assert (m[1:] <= m[:-1]).all()                       # never noisier on the next row
    assert ((m[:-1] - m[1:]) <= 1).all()                 # one step at a time
    assert (m[:, :-1] <= m[:, 1:]).all()                 # earlier frames are never noisier
    busy = ((m > 0) & (m < steps)).sum(1)                # frames mid-denoising per row
    if schedule == "full_sequence":
        assert (m == m[:, :1]).all()
    if schedule == "autoregressive":
        assert busy.max() == 1                           # one frame at a time
    if schedule == "pyramid":
        assert busy.max() > 1 and not (m == m[:, :1]).all()


def test_network_is_causal_in_time():
    net = random_net()
    x, k = torch.randn(2, 8, 1, 12, 12), torch.randint(0, 21, (2, 8))
    base = net(x, k)
    for t in range(7):
        x2, k2 = x.clone(), k.clone()
        x2[:, t + 1:] = torch.randn_like(x2[:, t + 1:])
        k2[:, t + 1:] = torch.randint(0, 21, k2[:, t + 1:].shape)
        out = net(x2, k2)
        assert torch.equal(out[:, :t + 1], base[:, :t + 1])
        assert not torch.allclose(out[:, t + 1], base[:, t + 1])  # and later frames do change


def test_network_reads_each_frames_noise_level():
    net = random_net()
    x, k = torch.randn(1, 4, 1, 12, 12), torch.tensor([[0, 5, 10, 20]])
    k2 = k.clone()
    k2[0, 2] = 11
    a, b = net(x, k), net(x, k2)
    assert torch.equal(a[:, :2], b[:, :2]) and not torch.allclose(a[:, 2], b[:, 2])


@pytest.mark.parametrize("k_stab", [0, 3])
def test_autoregressive_schedule_equals_sequential_next_frame_sampling(k_stab):
    net, table, steps = random_net(1), noise_table(20), 4
    g = torch.Generator().manual_seed(0)
    ctx = torch.rand(2, 2, 1, 12, 12, generator=g)
    noise = torch.randn(2, 5, 1, 12, 12, generator=g)
    whole = method.sample(net, ctx, noise, table, "autoregressive", steps, k_stab)
    hist = ctx
    for i in range(5):
        new = method.sample(net, hist, noise[:, i:i + 1], table, "autoregressive", steps, k_stab)
        hist = torch.cat([hist, new], 1)
    assert torch.allclose(whole, hist[:, 2:], atol=1e-5)
    assert whole.abs().max() > 0.1  # a real sample, not zeros
    other = method.sample(net, ctx, noise, table, "full_sequence", steps, k_stab)
    assert not torch.allclose(whole, other, atol=1e-3)  # the schedule matters


def test_batches_deterministic_and_noise_levels_per_method():
    world = BouncingBalls(BallsConfig(size=12, jitter=0.1))
    df = method.make_batch(world, "df", 64, 8, 20, seed=3, step=7)
    again = method.make_batch(world, "df", 64, 8, 20, seed=3, step=7)
    assert all(torch.equal(df[k], again[k]) for k in df)
    assert not torch.equal(df["x0"], method.make_batch(world, "df", 64, 8, 20, 3, 8)["x0"])
    k = df["k"]
    assert k.min() == 0 and k.max() == 20 and len(torch.unique(k[:, 0])) > 10
    assert (k != k[:, :1]).any(dim=1).float().mean() > 0.9   # levels differ within a clip
    assert torch.equal(df["mask"], (k > 0).float())
    tf = method.make_batch(world, "tf", 64, 8, 20, seed=3, step=7)
    assert (tf["mask"].sum(1) == 1).all()                    # one noised frame per clip
    target = tf["mask"].argmax(1)
    for b in range(64):
        t = int(target[b])
        assert (tf["k"][b, :t] == 0).all() and tf["k"][b, t] >= 1 and (tf["k"][b, t + 1:] == 20).all()


def test_stabilisation_shows_every_finished_frame_scaled_to_its_level():
    table, k_stab = noise_table(20), 3
    x = torch.rand(2, 4, 1, 5, 5)
    k = torch.tensor([[0, 0, 7, 20], [0, 0, 0, 12]])
    shown, ks = method._present(x, k, table, k_stab)
    done = k == 0
    assert torch.equal(ks, torch.where(done, k_stab, k))          # true context included
    s = float(table[k_stab].sqrt())
    assert torch.allclose(shown[done], x[done] * s) and torch.equal(shown[~done], x[~done])
    assert method._present(x, k, table, 0) == (x, k)


def test_fused_min_snr_weight_follows_the_official_recipe():
    table = noise_table(20)
    snr = table / (1 - table).clamp(min=1e-12)
    plain = lambda j: float(min(snr[j], 5.0) / (snr[j] + 1))   # min-SNR-5, v-objective
    w = method.fused_min_snr_weight(table, torch.tensor([[9, 9], [20, 9], [0, 9]]))
    assert abs(float(w[0, 0]) - plain(9)) < 1e-6                   # first frame: plain min-SNR
    assert abs(float(w[1, 1]) - plain(9)) < 0.02                   # pure-noise past: ~ plain
    # a clean past: the running average is 1, so 1 - decay of the frame is left unknown
    keep, s = 1 - 0.8, float(snr[9])
    want = (1 - keep * (1 - min(s, 5) / 5)) * 5 / ((1 - keep * (1 - s / 5)) * 5 + 1)
    assert abs(float(w[2, 1]) - want) < 1e-6 and float(w[2, 1]) > float(w[1, 1])
    assert (w > 0).all() and torch.isfinite(w).all()


def test_loss_is_the_weighted_masked_v_mse():
    table = noise_table(20)
    world = BouncingBalls(BallsConfig(size=12))
    batch = method.make_batch(world, "df", 4, 8, 20, 0, 0)
    net = random_net()
    got = method.loss_fn(table)(net, batch)
    from reproductions.harness.schedules import add_noise, v_target
    v = net(add_noise(batch["x0"], batch["noise"], table, batch["k"]), batch["k"])
    err = (v - v_target(batch["x0"], batch["noise"], table, batch["k"])) ** 2
    weight = method.fused_min_snr_weight(table, batch["k"])
    want = (err.mean(dim=(2, 3, 4)) * batch["mask"] * weight).mean()
    assert torch.allclose(got, want, atol=1e-7)


def test_context_errors_use_mean_frame_baseline():
    table = noise_table(20)
    frames = torch.from_numpy(BouncingBalls(BallsConfig(size=12)).simulate(
        16, 8, np.random.default_rng(0))[0])
    e_ctx, e_mean = method.context_errors(random_net(), frames, table, 0)
    mean = frames.mean(dim=(0, 1))
    assert np.isclose(e_mean, float(((mean - frames[:, -1]) ** 2).mean()), rtol=1e-5)
    assert e_ctx > 0
