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
from contextlib import nullcontext
from pathlib import Path

import torch

from . import method
from reproductions.harness.train import TrainConfig, load_trained, train

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


def _load(preset, state, device):
    net = StreamingTransformer(config(preset)).to(device)
    net.load_state_dict(state)
    return net.eval()


def _adam(params, lr):
    return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), weight_decay=0.0)


def _step(opt, loss, params, clip=1.0):
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, clip)
    opt.step()


def _fit(net, loss_fn, batch_fn, preset, iters, lr, seed, run_dir, device, resume):
    """Train with the harness loop (EMA, checkpoints, exact resume) unless ``run_dir`` already
    holds the finished stage; returns the EMA model in eval mode."""
    if run_dir is not None and resume:
        done = load_trained(copy.deepcopy(net), run_dir, iters, device)
        if done is not None:
            return done
    cfg = TrainConfig(steps=iters, lr=lr, seed=seed, log_every=100, ckpt_every=max(iters // 4, 1),
                      ema_decay=preset["ema_decay"], progress=preset.get("progress", False))
    return train(net, loss_fn, batch_fn, cfg, run_dir, resume=resume, device=device).ema


def train_teacher(preset, sample_data, device, seed, run_dir=None, resume=False):
    """Flow matching over whole clips, one noise level per clip (a full-sequence model)."""
    def batch_fn(step):
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        x0 = sample_data(preset["batch"], g)
        return {"x0": x0, "noise": torch.randn(x0.shape, generator=g),
                "t": torch.rand(len(x0), 1, generator=g).expand(x0.shape[:2]).contiguous()}

    def loss_fn(net, b):
        return method.flow_matching_loss(net, b["x0"], b["noise"], b["t"], causal=False)

    torch.manual_seed(seed)
    net = StreamingTransformer(config(preset))
    return _fit(net, loss_fn, batch_fn, preset, preset["teacher_iters"], preset["lr"], seed,
                run_dir, device, resume)


def ode_pairs(preset, teacher, device, seed, path=None):
    """(K+1, N, F, P, D): the teacher's Euler trajectories at the student's K times, and the
    sample (CausVid's ODE pairs)."""
    def build():
        g = torch.Generator().manual_seed(seed + 2)
        shape = (preset["ode_pairs"], preset["frames"], preset["tokens_per_frame"], preset["token_dim"])
        noise = torch.randn(shape, generator=g).to(device)
        keep = method.student_indices(preset["teacher_steps"], preset["student_steps"])
        chunks = [method.teacher_sample(teacher, n, preset["teacher_steps"], keep)[1]
                  for n in noise.split(1024)]
        return torch.cat(chunks, dim=1)
    return _cached(path, build, device)


def train_ode_init(preset, teacher, pairs, device, seed, run_dir=None, resume=False):
    """The block-causal student, initialised from the teacher's weights, regresses the teacher's
    samples from points of its trajectories (each block at its own step)."""
    times = method.student_times(preset["teacher_steps"], preset["student_steps"]).to(device)
    k, n_blocks = len(times), preset["frames"] // preset["frames_per_block"]
    by_sample = pairs.transpose(0, 1)       # (N, K+1, ...): the batch dimension first, for DDP

    def batch_fn(step):
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        idx = torch.randint(by_sample.shape[0], (preset["batch"],), generator=g)
        return {"traj": by_sample[idx.to(by_sample.device)],
                "steps": torch.randint(k + 1, (preset["batch"], n_blocks), generator=g)}

    def loss_fn(net, b):
        return method.ode_regression_loss(net, b["traj"].transpose(0, 1), times, b["steps"])

    net = copy.deepcopy(teacher)
    return _fit(net, loss_fn, batch_fn, preset, preset["ode_iters"], preset["lr"] / 2, seed + 3,
                run_dir, device, resume)


def training_clip(mode, generator, pairs, times, preset, g, device):
    """The generator's clip for one DMD update in the given mode (graph through exit steps)."""
    b, fpb = preset["batch"], preset["frames_per_block"]
    k, n_blocks = len(times), preset["frames"] // fpb
    shape = (k, b, preset["frames"], preset["tokens_per_frame"], preset["token_dim"])
    noise = torch.randn(shape, generator=g).to(device)
    steps = torch.randint(k, (n_blocks,), generator=g)
    if mode == "sf":
        # Self Forcing draws one exit step per rollout, shared by all its blocks (Algorithm 1
        # samples s once before the loop over frames); the baselines keep one level per block
        return method.rollout(generator, noise, times, exit_steps=steps[:1].expand(n_blocks))
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
    """DMD fine-tune of ``student`` in the given mode; ``critic_steps`` fake-score updates per
    generator update (two time-scale, as in DMD2). Inputs are copied, never altered."""
    times = method.student_times(preset["teacher_steps"], preset["student_steps"]).to(device)
    lo, hi = preset["dmd_t_range"]

    def build():
        torch.manual_seed(seed + 5)
        gen = copy.deepcopy(student).train().requires_grad_(True)
        fake = copy.deepcopy(teacher).train().requires_grad_(True)
        real = copy.deepcopy(teacher).eval().requires_grad_(False)
        opt_g, opt_f = _adam(gen.parameters(), preset["dmd_lr"]), _adam(fake.parameters(), preset["fake_lr"])
        g = torch.Generator().manual_seed(seed + 6)   # the same stream of randomness in every mode

        def noise_like(x):
            return torch.randn(x.shape, generator=g).to(device)

        def noise_level(n):
            return lo + (hi - lo) * torch.rand(n, generator=g).to(device)

        amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()
        for it in range(preset["dmd_iters"]):
            for _ in range(preset["critic_steps"]):
                with amp:
                    with torch.no_grad():
                        x0 = training_clip(mode, gen, pairs, times, preset, g, device)
                    t = noise_level(len(x0))[:, None].expand(x0.shape[:2])
                    loss_f = method.flow_matching_loss(fake, x0.float(), noise_like(x0), t, causal=False)
                _step(opt_f, loss_f, list(fake.parameters()))
            with amp:
                x0 = training_clip(mode, gen, pairs, times, preset, g, device)
                loss_g = method.dmd_generator_loss(x0.float(), real, fake, noise_level(len(x0)),
                                                   noise_like(x0))
            _step(opt_g, loss_g, list(gen.parameters()))
            if log and it % 50 == 0:
                log(f"dmd-{mode}", it, loss_f.item())
        return gen.state_dict()
    return _load(preset, _cached(path, build, device), device)
