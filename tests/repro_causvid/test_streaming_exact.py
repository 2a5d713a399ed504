"""Exact tests of the streaming stack: the KV cache, the clean cache write, causality, the rolling
cache, and the Self Forcing training rollout (issue 7, "Exact tests")."""
from pathlib import Path

import pytest
import torch

from reproductions.harness.runner import import_module

FOLDER = Path(__file__).resolve().parents[2] / "reproductions" / "causvid-self-forcing"
model_mod = import_module(FOLDER, "model")
method = import_module(FOLDER, "method")


def make(tokens_per_frame=1, token_dim=2, frames_per_block=4, seed=0):
    torch.manual_seed(seed)
    net = model_mod.StreamingTransformer(model_mod.StreamConfig(
        token_dim=token_dim, tokens_per_frame=tokens_per_frame, frames_per_block=frames_per_block,
        dim=32, depth=2, heads=2))
    # Zero-initialised output and modulation layers would make every test trivially pass.
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return net.eval()


def clip(net, batch=3, blocks=4, seed=1):
    g = torch.Generator().manual_seed(seed)
    cfg = net.cfg
    return torch.randn(batch, blocks * cfg.frames_per_block, cfg.tokens_per_frame, cfg.token_dim,
                       generator=g)


@pytest.mark.parametrize("tokens_per_frame,token_dim", [(1, 2), (4, 12)])
def test_cached_incremental_pass_equals_full_block_causal_pass(tokens_per_frame, token_dim):
    net = make(tokens_per_frame, token_dim)
    x = clip(net)
    t = torch.rand(x.shape[0], x.shape[1])
    with torch.no_grad():
        full = net(x, t, causal=True)
        cache, parts = net.new_cache(), []
        for s in range(0, x.shape[1], net.cfg.frames_per_block):
            sl = slice(s, s + net.cfg.frames_per_block)
            parts.append(net(x[:, sl], t[:, sl], cache=cache, write=True))
    err = (torch.cat(parts, 1) - full).abs().max().item()
    assert err <= 1e-5, err
    # and the bidirectional pass really differs (the mask matters)
    assert (net(x, t, causal=False) - full).abs().max().item() > 1e-3


def test_later_blocks_never_change_earlier_outputs():
    net = make()
    x = clip(net)
    t = torch.rand(x.shape[0], x.shape[1])
    y = x.clone()
    y[:, 8:] += torch.randn_like(y[:, 8:])   # blocks 2 and 3 change
    with torch.no_grad():
        a, b = net(x, t), net(y, t)
    assert torch.equal(a[:, :8], b[:, :8])
    assert (a[:, 8:] - b[:, 8:]).abs().max() > 1e-3
    # the same holds for streamed sampling: a longer stream starts with the shorter one
    times = method.student_times(50, 4)
    noise = torch.randn(4, 2, 16, 1, 2, generator=torch.Generator().manual_seed(3))
    long_ = method.generate(net, noise, times)
    short = method.generate(net, noise[:, :, :8], times)
    assert torch.equal(long_[:, :8], short)


def test_clean_cache_write_equals_recomputing_the_prefix():
    net = make(tokens_per_frame=4, token_dim=12)
    times = method.student_times(50, 4)
    noise = torch.randn(4, 2, 12, 4, 12, generator=torch.Generator().manual_seed(4))
    streamed = net.new_cache()
    out = method.generate(net, noise, times, cache=streamed)
    recomputed = net.new_cache()
    with torch.no_grad():
        net(out, torch.zeros(out.shape[:2]), cache=recomputed, write=True)
    assert streamed.next_frame == recomputed.next_frame == 12
    for layer in range(net.cfg.depth):
        for a, b in zip(streamed.read(layer), recomputed.read(layer)):
            assert (a - b).abs().max().item() <= 1e-5
    # and a next block generated from either cache is the same
    nxt = torch.randn(4, 2, 4, 4, 12, generator=torch.Generator().manual_seed(5))
    a = method.generate(net, nxt, times, cache=streamed)
    b = method.generate(net, nxt, times, cache=recomputed)
    assert (a - b).abs().max().item() <= 1e-5


def test_rolling_cache_stays_bounded_and_matches_inside_its_window():
    net = make()
    times = method.student_times(50, 4)
    window = 8
    noise = torch.randn(4, 2, 64, 1, 2, generator=torch.Generator().manual_seed(6))
    cache, sizes = net.new_cache(window_frames=window), []
    for s in range(0, 64, 4):
        method.generate(net, noise[:, :, s:s + 4], times, cache=cache)
        sizes.append(len(cache))
        assert cache.k[0].shape[2] == len(cache) * net.cfg.tokens_per_frame
    assert max(sizes) == window and sizes[-1] == window
    assert cache.next_frame == 64
    rolled = method.generate(net, noise, times, window_frames=window)
    unbounded = method.generate(net, noise, times)
    # identical while the whole past fits in the window, different once it is evicted
    assert torch.equal(rolled[:, :12], unbounded[:, :12])
    assert (rolled[:, 12:] - unbounded[:, 12:]).abs().max() > 1e-6
    assert torch.isfinite(rolled).all()


def test_training_rollout_without_grad_reproduces_inference_bit_for_bit():
    net = make().train()
    times = method.student_times(50, 4)
    noise = torch.randn(4, 3, 16, 1, 2, generator=torch.Generator().manual_seed(7))
    inference = method.generate(net, noise, times)
    with torch.no_grad():
        rolled = method.rollout(net, noise, times, exit_steps=torch.full((4,), 3))
    with_grad = method.rollout(net, noise, times, exit_steps=torch.full((4,), 3))
    assert torch.equal(rolled, inference)
    assert with_grad.requires_grad and torch.equal(with_grad.detach(), inference)
    exits = torch.tensor([2, 0, 3, 1])
    with torch.no_grad():
        a = method.rollout(net, noise, times, exit_steps=exits)
    b = method.rollout(net, noise, times, exit_steps=exits)
    assert torch.equal(a, b.detach())
    assert not torch.equal(a, inference)


def test_gradients_flow_only_through_the_chosen_exit_step():
    net = make().train()
    times = method.student_times(50, 4)
    noise = torch.randn(4, 2, 16, 1, 2, generator=torch.Generator().manual_seed(8))
    exits = torch.tensor([1, 3, 0, 2])
    graph_calls = []

    def record(module, args, kwargs):
        if torch.is_grad_enabled():
            cache = kwargs["cache"]
            snapshot = [(k.clone(), v.clone()) if k is not None else (None, None)
                        for k, v in zip(cache.k, cache.v)]
            graph_calls.append((args[0].clone(), args[1].clone(), snapshot, cache.next_frame))

    handle = net.register_forward_pre_hook(record, with_kwargs=True)
    out = method.rollout(net, noise, times, exit_steps=exits)
    handle.remove()
    # one forward with a graph per block, at the exit step's noise level, never a cache write
    assert len(graph_calls) == 4
    for blk, (_, t, _, _) in enumerate(graph_calls):
        assert torch.allclose(t, times[exits[blk]].expand_as(t))
    weights = torch.randn_like(out)
    grads = torch.autograd.grad((out * weights).sum(), list(net.parameters()))
    # Recompute each block from its recorded exit input and (detached) cache: same gradient.
    total = 0
    for blk, (x, t, snapshot, start) in enumerate(graph_calls):
        cache = net.new_cache()
        cache.k, cache.v = [k for k, _ in snapshot], [v for _, v in snapshot]
        cache.next_frame = start
        x0 = method.x0_from_velocity(x, net(x, t, cache=cache), t)
        total = total + (x0 * weights[:, blk * 4:(blk + 1) * 4]).sum()
    again = torch.autograd.grad(total, list(net.parameters()))
    for g1, g2 in zip(grads, again):
        assert torch.allclose(g1, g2, atol=1e-6, rtol=1e-5)
