"""The three stages, each with a declared input and output checkpoint (cached in ``run_dir``):

    data ──teacher──▶ teacher.pt ──ODE pairs + regression──▶ ode.pt ──DMD (tf|df|sf)──▶ dmd-<mode>.pt

* teacher: bidirectional flow-matching model, sampled with 50 Euler steps;
* ode: the 4-step block-causal student initialised from the teacher's weights and regressed on
  the teacher's ODE trajectories (CausVid, Sec. 3.3);
* dmd-<mode>: distribution matching distillation from the ODE student, the frozen teacher as
  real score and a fake score trained online (CausVid, Sec. 3.2). The mode is what the
  generator sees while training: ``df`` (diffusion forcing: noisy teacher trajectories as
  context, CausVid's recipe), ``tf`` (teacher forcing: clean teacher samples as context) or
  ``sf`` (Self Forcing: its own rollout with the KV cache). Loss, optimiser and iterations are
  identical across modes.
"""
from __future__ import annotations

import copy
from pathlib import Path

import torch

from . import method
from .model import StreamConfig, StreamingTransformer


def config(preset: dict) -> StreamConfig:
    return StreamConfig(token_dim=preset["token_dim"], tokens_per_frame=preset["tokens_per_frame"],
                        frames_per_block=preset["frames_per_block"], dim=preset["dim"],
                        depth=preset["depth"], heads=preset["heads"], mlp_ratio=preset["mlp_ratio"])


def _cached(path: Path | None, build, device):
    """Load a stage's output from ``path`` when present, else build and save it."""
    if path is not None and path.is_file():
        return torch.load(path, map_location=device, weights_only=True)
    out = build()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(out, tmp)
        tmp.replace(path)
    return out


def _adam(params, lr):
    return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), weight_decay=0.0)


def _step(opt, loss, params, clip=1.0):
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, clip)
    opt.step()


def train_teacher(preset, sample_data, device, seed, path=None, log=None):
    """Flow matching over whole clips, one noise level per clip (a full-sequence model)."""
    def build():
        torch.manual_seed(seed)
        net = StreamingTransformer(config(preset)).to(device)
        opt = _adam(net.parameters(), preset["lr"])
        g = torch.Generator().manual_seed(seed + 1)
        for it in range(preset["teacher_iters"]):
            x0 = sample_data(preset["batch"], g).to(device)
            t = torch.rand(len(x0), 1, generator=g).to(device).expand(x0.shape[:2])
            loss = method.flow_matching_loss(net, x0, torch.randn(x0.shape, generator=g).to(device),
                                             t, causal=False)
            _step(opt, loss, list(net.parameters()))
            if log and it % 200 == 0:
                log("teacher", it, loss.item())
        return net.state_dict()
    return _load(preset, _cached(path, build, device), device)


def _load(preset, state, device):
    net = StreamingTransformer(config(preset)).to(device)
    net.load_state_dict(state)
    return net.eval()


def ode_pairs(preset, teacher, device, seed):
    """(K+1, N, F, P, D): the teacher's Euler trajectories at the student's K times, and the
    sample (CausVid's ODE pairs)."""
    g = torch.Generator().manual_seed(seed + 2)
    shape = (preset["ode_pairs"], preset["frames"], preset["tokens_per_frame"], preset["token_dim"])
    noise = torch.randn(shape, generator=g).to(device)
    keep = method.student_indices(preset["teacher_steps"], preset["student_steps"])
    chunks = [method.teacher_sample(teacher, n, preset["teacher_steps"], keep)[1]
              for n in noise.split(1024)]
    return torch.cat(chunks, dim=1)


def train_ode_init(preset, teacher, pairs, device, seed, path=None, log=None):
    times = method.student_times(preset["teacher_steps"], preset["student_steps"]).to(device)
    k, n_blocks = len(times), preset["frames"] // preset["frames_per_block"]

    def build():
        torch.manual_seed(seed + 3)
        net = copy.deepcopy(teacher).train()
        opt = _adam(net.parameters(), preset["lr"] / 2)
        g = torch.Generator().manual_seed(seed + 4)
        for it in range(preset["ode_iters"]):
            idx = torch.randint(pairs.shape[1], (preset["batch"],), generator=g).to(device)
            steps = torch.randint(k + 1, (preset["batch"], n_blocks), generator=g).to(device)
            loss = method.ode_regression_loss(net, pairs[:, idx], times, steps)
            _step(opt, loss, list(net.parameters()))
            if log and it % 200 == 0:
                log("ode", it, loss.item())
        return net.state_dict()
    return _load(preset, _cached(path, build, device), device)


def training_clip(mode, generator, pairs, times, preset, g, device):
    """The generator's clip for one DMD update in the given mode (graph through exit steps)."""
    b, fpb = preset["batch"], preset["frames_per_block"]
    k, n_blocks = len(times), preset["frames"] // fpb
    shape = (k, b, preset["frames"], preset["tokens_per_frame"], preset["token_dim"])
    noise = torch.randn(shape, generator=g).to(device)
    steps = torch.randint(k, (n_blocks,), generator=g)
    if mode == "sf":
        return method.rollout(generator, noise, times, exit_steps=steps)
    traj = pairs[:, torch.randint(pairs.shape[1], (b,), generator=g).to(device)]
    frame_steps = steps.repeat_interleave(fpb).to(device)
    start = traj[frame_steps, :, torch.arange(len(frame_steps), device=device)].transpose(0, 1)
    if mode == "tf":
        context, context_t = traj[-1], torch.zeros(b, len(frame_steps), device=device)
    elif mode == "df":
        context, context_t = start, times[frame_steps].expand(b, -1)
    else:
        raise ValueError(f"mode must be sf, tf or df, not {mode!r}")
    return method.rollout(generator, noise, times, exit_steps=steps, start=start,
                          start_steps=steps, context=context, context_t=context_t)


def train_dmd(preset, mode, student, teacher, pairs, device, seed, path=None, log=None):
    times = method.student_times(preset["teacher_steps"], preset["student_steps"]).to(device)
    lo, hi = preset["dmd_t_range"]

    def build():
        torch.manual_seed(seed + 5)
        gen = copy.deepcopy(student).train()
        fake = copy.deepcopy(teacher).train()
        real = teacher.eval().requires_grad_(False)
        opt_g, opt_f = _adam(gen.parameters(), preset["dmd_lr"]), _adam(fake.parameters(), preset["fake_lr"])
        g = torch.Generator().manual_seed(seed + 6)   # same stream of randomness for every mode

        def noise_level(n):
            return lo + (hi - lo) * torch.rand(n, generator=g).to(device)

        for it in range(preset["dmd_iters"]):
            for _ in range(preset["critic_steps"]):
                with torch.no_grad():
                    x0 = training_clip(mode, gen, pairs, times, preset, g, device)
                t = noise_level(len(x0))[:, None].expand(x0.shape[:2])
                loss_f = method.flow_matching_loss(fake, x0, torch.randn(x0.shape, generator=g).to(device),
                                                   t, causal=False)
                _step(opt_f, loss_f, list(fake.parameters()))
            x0 = training_clip(mode, gen, pairs, times, preset, g, device)
            loss_g = method.dmd_generator_loss(x0, real, fake, noise_level(len(x0)),
                                               torch.randn(x0.shape, generator=g).to(device))
            _step(opt_g, loss_g, list(gen.parameters()))
            if log and it % 50 == 0:
                log(f"dmd-{mode}", it, loss_f.item())
        return gen.state_dict()
    return _load(preset, _cached(path, build, device), device)
