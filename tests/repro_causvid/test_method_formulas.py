"""Formula-pinning tests of the small pure functions of method.py and sliced.py."""
import math
from pathlib import Path

import pytest
import torch

from reproductions.harness.runner import import_module

FOLDER = Path(__file__).resolve().parents[2] / "reproductions" / "causvid-self-forcing"
method = import_module(FOLDER, "method")
sliced = import_module(FOLDER, "sliced")
worlds = import_module(FOLDER, "worlds")


def test_noise_and_x0_are_inverse_under_the_velocity_target():
    g = torch.Generator().manual_seed(0)
    x0, n = torch.randn(3, 8, 2, 5, generator=g), torch.randn(3, 8, 2, 5, generator=g)
    t = torch.rand(3, 8, generator=g)
    xt = method.add_noise(x0, n, t)
    assert torch.allclose(xt, (1 - t)[..., None, None] * x0 + t[..., None, None] * n)
    assert torch.allclose(method.x0_from_velocity(xt, n - x0, t), x0, atol=1e-6)


def test_student_times_lie_on_the_teacher_grid():
    assert method.student_indices(50, 4) == [0, 12, 25, 38]
    assert torch.allclose(method.student_times(50, 4), torch.tensor([1.0, 0.76, 0.5, 0.24]))
    grid = method.teacher_grid(50)
    assert grid[0] == 1 and grid[-1] == 0 and len(grid) == 51


def test_dmd_loss_gradient_is_the_normalised_score_difference():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4, 8, 1, 2, generator=g, requires_grad=True)
    real, fake = torch.randn(4, 8, 1, 2, generator=g), torch.randn(4, 8, 1, 2, generator=g)
    method.dmd_loss(x, real, fake).backward()
    weight = (x.detach() - real).abs().mean(dim=(1, 2, 3), keepdim=True)
    expected = (fake - real) / weight / x.numel()
    assert torch.allclose(x.grad, expected, atol=1e-7)


class Velocity(torch.nn.Module):
    """Stub network: the exact flow velocity towards a single point c (v = (x - c) / t)."""

    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x, t, causal=True, cache=None, write=False):
        return (x - self.c) / t.clamp(min=1e-6)[..., None, None]


def test_dmd_generator_loss_vanishes_when_fake_equals_real_and_points_to_the_real_mode():
    c = torch.ones(1, 1, 1, 2)
    x = torch.randn(2, 4, 1, 2, requires_grad=True)
    t, n = torch.tensor([0.3, 0.7]), torch.randn(2, 4, 1, 2)
    method.dmd_generator_loss(x, Velocity(c), Velocity(c), t, n).backward()
    assert torch.count_nonzero(x.grad) == 0
    # fake score: a point mass at 0 (where the generator is); real score: a point mass at c.
    # Both predict their point exactly, so the gradient is (0 - c) / mean|0 - c| / numel.
    x = torch.zeros(2, 4, 1, 2, requires_grad=True)
    method.dmd_generator_loss(x, Velocity(c), Velocity(0 * c), t, n).backward()
    assert torch.allclose(x.grad, torch.full_like(x, -1 / x.numel()), atol=1e-6)


def test_teacher_sampler_reaches_the_point_mass_exactly():
    c = torch.tensor([0.5, -2.0]).view(1, 1, 1, 2)
    noise = torch.randn(3, 8, 1, 2, generator=torch.Generator().manual_seed(2))
    sample, traj = method.teacher_sample(Velocity(c), noise, 50, keep_times=[0, 25])
    assert torch.allclose(sample, c.expand_as(sample), atol=1e-5)
    assert torch.equal(traj[0], noise) and torch.equal(traj[-1], sample)
    assert torch.allclose(traj[1], 0.5 * noise + 0.5 * c, atol=1e-5)   # straight line at t=0.5


def test_ode_regression_loss_averages_only_noisy_blocks():
    class Zero(torch.nn.Module):
        cfg = type("cfg", (), {"frames_per_block": 2})

        def forward(self, x, t, causal=True):
            return torch.zeros_like(x)   # x0 prediction = the input itself

    g = torch.Generator().manual_seed(3)
    traj = torch.randn(3, 5, 4, 1, 2, generator=g)        # K = 2 times + the sample
    steps = torch.tensor([[0, 2]] * 5)                      # block 0 from t0, block 1 clean
    loss = method.ode_regression_loss(Zero(), traj, torch.tensor([1.0, 0.5]), steps)
    expected = ((traj[0, :, :2] - traj[2, :, :2]) ** 2).mean()
    assert torch.allclose(loss, expected)


def test_sliced_wasserstein_pins_translation_and_identity():
    g = torch.Generator().manual_seed(4)
    a = torch.randn(1000, 8, generator=g)
    assert sliced.sliced_wasserstein(a, a) == 0.0
    shift = torch.tensor([1.0, -1.0, 0.5, 0, 0, 0, 0, 2.0])
    sw = sliced.sliced_wasserstein(a, a + shift, projections=4096)
    assert sw == pytest.approx(shift.norm().item() / math.sqrt(8), rel=0.05)
    # unequal sample counts go through matched quantiles
    b = torch.randn(700, 8, generator=g)
    assert 0 < sliced.sliced_wasserstein(a, b) < 0.15


def test_world_is_bimodal_and_stationary():
    clips = worlds.circling_points(4000, 16, torch.Generator().manual_seed(5), noise=0.0)
    xy = clips[:, :, 0]
    cross = xy[:, :-1, 0] * xy[:, 1:, 1] - xy[:, :-1, 1] * xy[:, 1:, 0]   # sign = direction
    direction = torch.sign(cross.mean(dim=1))
    assert (torch.sign(cross) == direction[:, None]).all()
    assert abs((direction > 0).float().mean().item() - 0.5) < 0.03
    early, late = clips[:, :4].reshape(4000, -1), clips[:, 12:].reshape(4000, -1)
    assert sliced.sliced_wasserstein(early, late) < 0.05


def test_slope_and_paired_intervals_separate_a_drifting_student_from_a_stable_one():
    """A student whose blocks spread out with time has a larger per-block slope than one that
    stays on the data; the paired interval of the difference lies above zero, and that of two
    students drawn alike straddles it."""
    evaluate = import_module(FOLDER, "evaluate")
    assert evaluate.slope([0.1, 0.3, 0.5, 0.7]) == pytest.approx(0.2)
    g = torch.Generator().manual_seed(0)
    reference = torch.randn(512, 16, 1, 2, generator=g)
    grow = 1 + 0.05 * torch.arange(16).reshape(1, 16, 1, 1)
    stable = torch.randn(512, 16, 1, 2, generator=g)
    alike = torch.randn(512, 16, 1, 2, generator=g)
    drifting = torch.randn(512, 16, 1, 2, generator=g) * grow
    long = {"sf": stable, "tf": drifting, "df": alike}
    parts = evaluate.paired_groups(long, {k: v[:, :8] for k, v in long.items()}, reference, 4,
                                   64, groups=8)
    assert all(len(parts[k]["slope"]) == 8 for k in long)
    lo, hi = evaluate.interval(parts["tf"]["slope"] - parts["sf"]["slope"])
    assert 0 < lo < hi
    lo, hi = evaluate.interval(parts["df"]["slope"] - parts["sf"]["slope"])
    assert lo < 0 < hi
    lo, _ = evaluate.interval(parts["tf"]["sw"] - parts["sf"]["sw"])
    assert lo > 0
