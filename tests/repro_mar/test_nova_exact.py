"""Exact tests of the pipeline's transformer, masking schedule and forking world."""
import math

import numpy as np
import pytest
import torch

from reproductions.harness.worlds import BallsConfig, BouncingBalls
from reproductions.harness.worlds_fork import ForkConfig, ForkingBalls

from reproductions.harness.runner import ROOT, import_module

method = import_module(ROOT / "reproductions" / "nova", "method")
model = import_module(ROOT / "reproductions" / "nova", "model")


def _transformer(seed=0):
    torch.manual_seed(seed)
    return model.FrameTransformer(token_dim=3, tokens_per_frame=4, max_frames=5, width=16,
                                  depth=2, heads=2).eval()


def test_two_stream_mask():
    m = model.two_stream_mask(3, [1, 2, 3], 2)
    assert m.shape == (12, 12)
    assert m[:6, :6].equal(torch.tensor([[1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0],
                                         [1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0],
                                         [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]], dtype=torch.bool))
    assert not m[:6, 6:].any()                       # clean tokens never see queries
    assert m[6:8, :6].tolist() == [[1, 1, 0, 0, 0, 0]] * 2   # query of frame 1 sees frame 0
    assert m[10:, :6].all()                           # query of frame 3 sees frames 0..2
    assert m[6:, 6:].equal(torch.block_diag(*[torch.ones(2, 2, dtype=torch.bool)] * 3))


def test_training_pass_equals_generation_pass():
    """The query of frame f in the all-frames training pass sees exactly what one-frame
    generation sees: clean frames 0..f-1 and its own partly known tokens."""
    net = _transformer()
    x = torch.randn(2, 5, 4, 3)
    known = torch.rand(2, 4, 4) < 0.4
    z = net(x[:, :-1], x[:, 1:], known, [1, 2, 3, 4])
    for f in range(1, 5):
        alone = net(x[:, :f], x[:, f:f + 1], known[:, f - 1:f], [f])
        torch.testing.assert_close(z[:, f - 1:f], alone, rtol=1e-5, atol=1e-5)


def test_block_causality_and_masked_tokens_are_ignored():
    net = _transformer()
    x = torch.randn(1, 5, 4, 3)
    known = torch.rand(1, 4, 4) < 0.5
    z = net(x[:, :-1], x[:, 1:], known, [1, 2, 3, 4])
    y = x.clone()
    y[:, 3] += 1.0                       # change frame 3 (its clean copy and its query)
    z2 = net(y[:, :-1], y[:, 1:], known, [1, 2, 3, 4])
    torch.testing.assert_close(z[:, :2], z2[:, :2])       # queries of frames 1, 2 unchanged
    assert not torch.allclose(z[:, 2:], z2[:, 2:])        # frames 3, 4 see it
    q = x[:, 1:].clone()
    q[~known] = 99.0                     # the value under a masked query token is never read
    torch.testing.assert_close(net(x[:, :-1], q, known, [1, 2, 3, 4]), z)


def test_decode_counts():
    assert method.decode_counts(16, 16) == [1] * 16       # raster AR: one token per pass
    assert method.decode_counts(16, 1) == [16]
    counts = method.decode_counts(16, 4)                   # MAR's cosine: few first, many last
    assert sum(counts) == 16 and len(counts) == 4
    assert counts == [16 - math.floor(16 * math.cos(math.pi / 8)),
                      math.floor(16 * math.cos(math.pi / 8)) - math.floor(16 * math.cos(math.pi / 4)),
                      math.floor(16 * math.cos(math.pi / 4)) - math.floor(16 * math.cos(3 * math.pi / 8)),
                      math.floor(16 * math.cos(3 * math.pi / 8))]
    for n, k in ((64, 8), (16, 12), (5, 5), (7, 3)):
        c = method.decode_counts(n, k)
        assert sum(c) == n and min(c) >= 1 and len(c) == k


def test_mask_ratios_and_masks():
    r = method.mask_ratios((20000,), torch.Generator().manual_seed(0))
    assert r.min() >= 0.0 and r.max() <= 1.0
    assert abs(r.mean().item() - 2 / math.pi) < 0.01        # E cos(pi u / 2) = 2 / pi
    assert abs((r < 0.5).float().mean().item() - 1 / 3) < 0.01   # P(u > 2/3) = 1/3
    m = method.random_masks(500, 3, 16, torch.Generator().manual_seed(1))
    assert m.shape == (500, 3, 16) and m.sum(-1).min() >= 1 and m.sum(-1).max() == 16


def test_generate_frame_raster_decides_tokens_in_order():
    """Raster order with one token per pass: pass i sees exactly tokens 0..i-1 as known."""
    torch.manual_seed(0)
    pipe = method.Pipeline("mse", 3, 4, 5, dict(width=16, depth=1, heads=2, head_width=16,
                                                head_depth=1)).eval()
    seen = []
    forward = pipe.transformer.forward

    def spy(context, query, known, frames):
        seen.append(known[0, 0].tolist())
        return forward(context, query, known, frames)

    pipe.transformer.forward = spy
    method.generate_frame(pipe, torch.randn(1, 2, 4, 3), 4, "raster", None, 1, 1.0,
                          torch.Generator().manual_seed(0))
    assert seen == [[False] * 4, [True, False, False, False], [True, True, False, False],
                    [True, True, True, False]]


def test_forking_world_branches_and_proportion():
    cfg = dict(size=16, radius=(2.0, 2.0), speed=(math.sqrt(2),) * 2, max_speed=1.5)
    world = ForkingBalls(ForkConfig(**cfg, fork=0.5))
    rng = np.random.default_rng(0)
    s0 = world.initial_state(400, rng)
    assert np.allclose(np.abs(s0.vel), 1.0)                       # diagonal motion
    _, keep, _ = world.with_(fork=0.0).simulate(400, 30, rng, state=s0)
    plain = BouncingBalls(BallsConfig(**cfg))                      # fork 0 = ordinary reflection
    _, ref, _ = plain.simulate(400, 30, rng, state=s0)
    np.testing.assert_allclose(keep, ref)
    s, rng, turned = s0, np.random.default_rng(1), []
    for _ in range(30):            # at a single-wall hit, the tangential velocity reverses w.p. .5
        hits = world.wall_hits(s)[:, 0]
        nxt = world.step(s, rng)
        single = hits.sum(-1) == 1
        tangential = np.where(hits[:, 0], 1, 0)       # the axis that did not hit
        before = s.vel[np.arange(400), 0, tangential]
        after = nxt.vel[np.arange(400), 0, tangential]
        turned += list((np.sign(before) != np.sign(after))[single])
        s = nxt
    assert len(turned) > 1000 and abs(np.mean(turned) - 0.5) < 0.05
    with pytest.raises(ValueError, match="fork must be"):
        ForkConfig(fork=1.5)
    with pytest.raises(ValueError, match="jitter and gravity"):
        ForkConfig(jitter=0.1)


def test_first_fork_scenes_fork_at_the_first_generated_frame():
    """The first-fork scenes (of the coverage claim and the diagnosis) share their context between both branches and differ from the next
    frame on; its side classifier reads a ball drawn at either branch's position correctly."""
    experiment = import_module(ROOT / "reproductions" / "nova", "experiment")
    presets = import_module(ROOT / "reproductions" / "nova", "presets")
    preset = presets.smoke
    scenes = experiment.first_fork_scenes(preset, seed=0, count=64)
    assert len(scenes["context"]) == 64
    gap = np.linalg.norm(scenes["keep_pos"] - scenes["flip_pos"], axis=-1)
    assert (gap >= 1.5).all()
    assert not np.allclose(scenes["keep_frame"], scenes["flip_frame"])
    world = experiment.make_world(preset)
    r = np.full((64, 1), preset["radius"])
    white = np.ones((64, 1, 1), np.float32)
    at_flip = world.render(scenes["flip_pos"][:, None], r, white)
    at_keep = world.render(scenes["keep_pos"][:, None], r, white)
    assert (experiment.flip_side(at_flip, scenes) == 1.0).all()
    assert (experiment.flip_side(at_keep, scenes) == 0.0).all()
    assert np.isnan(experiment.flip_side(np.zeros_like(at_keep), scenes)).all()


def test_awm_repro_diagnose_names_a_reproduction_without_one(capsys):
    from tools.awm import main
    assert main(["repro", "diagnose", "mar"]) == 2
    assert "ships no diagnose.py" in capsys.readouterr().err
