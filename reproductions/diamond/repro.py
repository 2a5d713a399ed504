"""DIAMOND and GameNGen on an action-conditioned world: train, measure, judge.

``run(ctx)`` (the runner's entry point) runs the DIAMOND study: the same next-frame U-Net
trained with EDM and with DDPM (epsilon prediction), compared in the few-step regime, plus
controllability. ``run(ctx, study="gamengen")`` (called by reproductions/gamengen/repro.py)
runs the GameNGen study: the EDM model trained with and without context-noise augmentation.
Trained models are cached in-process by (preset, kind, seed), so the two studies and the
claim tests share the plain EDM model.
"""
from __future__ import annotations

import json

import numpy as np
import torch

from reproductions.harness import card as cards
from reproductions.harness import metrics
from reproductions.harness.figures import rollout_strip
from reproductions.harness.game import Start
from reproductions.harness.train import TrainConfig, train

from .method import (ContextNoise, EDMConfig, corrupt_context, ddpm_loss, ddpm_sample,
                     ddpm_scheduler, edm_loss, edm_sample, noise_bucket, training_sigma)
from .model import NetConfig, NextFrameUNet
from .presets import PRESETS

KINDS = ("edm", "ddpm", "edm-ctxnoise")   # the models the studies compare
_TRAINED: dict[str, torch.nn.Module] = {}


def make_world(preset: dict):
    if preset["world"] == "game":
        from reproductions.harness.game import GameConfig, PaddleGame
        return PaddleGame(GameConfig(**preset["world_args"]))
    from reproductions.harness.atari import AtariWorld
    return AtariWorld(**preset["world_args"])


def to_model(frames) -> torch.Tensor:
    """[0, 1] numpy frames -> [-1, 1] float tensor."""
    return torch.as_tensor(np.asarray(frames), dtype=torch.float32) * 2 - 1


def to_pixels(x: torch.Tensor) -> np.ndarray:
    return ((x.detach().float().cpu().clamp(-1, 1) + 1) / 2).numpy()


# ---- training -----------------------------------------------------------------------------------

def build_net(preset: dict, world, kind: str) -> NextFrameUNet:
    buckets = ContextNoise().buckets if kind == "edm-ctxnoise" else 0
    return NextFrameUNet(NetConfig(channels=world.channels, context=preset["context"],
                                   n_actions=world.n_actions, noise_buckets=buckets,
                                   **preset["net"]))


def batch_fn(frames: torch.Tensor, actions: torch.Tensor, k: int, batch: int, seed: int,
             kind: str):
    """The training batch of a step: random windows of k+1 frames, every draw seeded by
    (seed, step), noise included, so the loss is a pure function of the batch."""
    n, length = frames.shape[:2]
    scheduler = ddpm_scheduler() if kind == "ddpm" else None

    def fn(step: int) -> dict:
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        idx = torch.randint(0, n, (batch, 1), generator=g)
        t0 = torch.randint(0, length - k, (batch, 1), generator=g)
        win = t0 + torch.arange(k + 1)
        clip = frames[idx, win]                              # (B, k+1, C, H, W)
        out = {"context": clip[:, :k], "target": clip[:, k], "actions": actions[idx, win[:, :k]]}
        if kind == "edm-ctxnoise":
            out["context"], out["bucket"] = corrupt_context(out["context"], ContextNoise(), g)
        if kind == "ddpm":
            out["timesteps"] = torch.randint(0, scheduler.config.num_train_timesteps, (batch,),
                                             generator=g)
        else:
            out["sigma"] = training_sigma(batch, g)
        out["noise"] = torch.randn(out["target"].shape, generator=g)
        return out

    return fn


def loss_fn(kind: str):
    scheduler = ddpm_scheduler() if kind == "ddpm" else None

    def fn(net, b: dict):
        if kind == "ddpm":
            return ddpm_loss(net, b["target"], b["context"], b["actions"], b["timesteps"],
                             b["noise"], scheduler)
        return edm_loss(net, b["target"], b["context"], b["actions"], b["sigma"], b["noise"],
                        b.get("bucket"))

    return fn


def trained(preset: dict, world, kind: str, seed: int, run_dir=None, resume: bool = False,
            progress: bool = True) -> torch.nn.Module:
    """The EMA model of ``kind`` trained on ``world`` with ``preset`` (cached in-process)."""
    key = json.dumps([preset, kind, seed], sort_keys=True, default=str)
    if key not in _TRAINED:
        frames, actions = world.clips(preset["data"]["clips"], preset["data"]["length"], seed)
        t = preset["train"]
        fn = batch_fn(to_model(frames), torch.as_tensor(actions), preset["context"], t["batch"],
                      seed, kind)
        cfg = TrainConfig(steps=t["steps"], lr=t["lr"], warmup=t["warmup"],
                          ema_decay=t["ema_decay"], ckpt_every=max(500, t["steps"] // 4),
                          seed=seed, progress=progress)
        torch.manual_seed(seed)
        net = build_net(preset, world, kind)
        state = train(net, loss_fn(kind), fn, cfg, None if run_dir is None else run_dir / kind,
                      resume=resume)
        _TRAINED[key] = state.ema.eval()
    return _TRAINED[key]


# ---- sampling and rollouts -----------------------------------------------------------------------

def predictor(net, kind: str, steps: int, seed: int, bucket: int | None = None,
              sampler: str = "ancestral"):
    """next(context (B, k, C, H, W), actions (B, k)) -> next frame, all in [-1, 1]. ``sampler``
    picks the DDPM model's multi-step sampler (method.ddpm_sample); EDM has one."""
    g = torch.Generator().manual_seed(seed)
    scheduler = ddpm_scheduler() if kind == "ddpm" else None
    device = next(net.parameters()).device

    def fn(context, actions):
        context, actions = context.to(device), actions.to(device)
        b = None if bucket is None else torch.full((len(context),), bucket, device=device)
        if kind == "ddpm":
            x = ddpm_sample(net, context, actions, steps, g, scheduler, b, sampler)
        else:
            x = edm_sample(net, context, actions, steps, g, b, EDMConfig())
        return x.clamp(-1, 1).float().cpu()

    return fn


def context_actions(start, actions: np.ndarray) -> torch.Tensor:
    """All actions a rollout sees: the start's first k-1, then the replayed ones."""
    return torch.as_tensor(np.concatenate([start.actions[:, :-1], actions], 1))


@torch.no_grad()
def stream(next_frame, start, actions: np.ndarray):
    """Yield the generated frames (N, C, H, W) in [-1, 1] one step at a time, replaying
    ``actions`` (N, H) from ``start`` (the play loop of a world model)."""
    k = start.frames.shape[1]
    acts = context_actions(start, actions)
    frames = list(to_model(start.frames).unbind(1))
    for h in range(actions.shape[1]):
        frames.append(next_frame(torch.stack(frames[-k:], 1), acts[:, h:h + k]))
        yield frames[-1]


def rollout(next_frame, start, actions: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Autoregressive rollout replaying ``actions`` (N, H) from ``start``: (N, H, C, H, W)."""
    out = []
    for lo in range(0, len(actions), chunk):
        part = Start(start.frames[lo:lo + chunk], start.actions[lo:lo + chunk], None)
        out.append(torch.stack(list(stream(next_frame, part, actions[lo:lo + chunk])), 1))
    return to_pixels(torch.cat(out))


@torch.no_grad()
def one_step(next_frame, start, actions: np.ndarray, truth: np.ndarray,
             context_sigma: float = 0.0, seed: int = 0) -> np.ndarray:
    """Teacher-forced next frames at every horizon (true context, optionally noised with
    ``context_sigma`` in [-1, 1] units): (N, H, C, H, W)."""
    k = start.frames.shape[1]
    n, horizon = actions.shape
    acts = context_actions(start, actions)
    seq = to_model(np.concatenate([start.frames, truth], 1))     # (N, k + H, ...)
    ctx = torch.stack([seq[:, h:h + k] for h in range(horizon)], 1).flatten(0, 1)
    act = torch.stack([acts[:, h:h + k] for h in range(horizon)], 1).flatten(0, 1)
    if context_sigma > 0:
        g = torch.Generator().manual_seed(seed)
        ctx = ctx + context_sigma * torch.randn(ctx.shape, generator=g)
    preds = [next_frame(ctx[i:i + 512], act[i:i + 512]) for i in range(0, len(ctx), 512)]
    return to_pixels(torch.cat(preds)).reshape(truth.shape)


# ---- measuring -----------------------------------------------------------------------------------

PSNR_CAP = 60.0   # dB: identical frames (a still Atari screen copied) would give infinity


def capped_psnr(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return np.minimum(metrics.psnr(pred, truth), PSNR_CAP)


def mean_psnr(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean(capped_psnr(pred, truth)))


def psnr_curve(pred: np.ndarray, truth: np.ndarray) -> list[float]:
    return metrics.by_horizon(capped_psnr(pred, truth))


def gradient_energy(frames: np.ndarray) -> np.ndarray:
    """Mean squared difference between neighbouring pixels, along H and W, of (..., C, H, W)
    frames -> (...): the high-frequency content that PSNR does not reward."""
    f = np.asarray(frames, np.float64)
    return (np.diff(f, axis=-2) ** 2).mean(axis=(-3, -2, -1)) + \
        (np.diff(f, axis=-1) ** 2).mean(axis=(-3, -2, -1))


def sharpness_ratio(pred: np.ndarray, truth: np.ndarray) -> float:
    """Gradient energy of the predicted frames over that of the true ones, over the whole set:
    1 is as sharp as the truth, below 1 blurred (a mean of plausible futures, which PSNR
    favours), above 1 noisier. A reference-based check that needs no downloaded weights (LPIPS
    does); a candidate for the harness's metrics."""
    return float(gradient_energy(np.clip(pred, 0, 1)).sum() / gradient_energy(truth).sum())


def evaluation_set(preset: dict, world, seed: int):
    e = preset["eval"]
    start = world.start(e["starts"], preset["context"], seed + 1000)
    actions = world.actions(e["starts"], e["horizon"], seed + 1000)
    truth, paddle = world.follow(start, actions)
    mean_frame = world.clips(preset["data"]["clips"], preset["data"]["length"], seed)[0] \
        .mean(axis=(0, 1))
    return start, actions, truth, paddle, mean_frame


def teacher_forced_copy(start, truth: np.ndarray) -> np.ndarray:
    """Each true next frame predicted by the frame before it (copying the last context frame)."""
    return np.concatenate([start.frames[:, -1:], truth[:, :-1]], 1)


def baselines(start, truth: np.ndarray, mean_frame: np.ndarray) -> dict:
    """Trivial predictors every pixel metric is reported beside."""
    prev = teacher_forced_copy(start, truth)
    copy_last = np.repeat(start.frames[:, -1:], truth.shape[1], 1)        # rollout copy
    mean = np.broadcast_to(mean_frame, truth.shape)
    return {"copy_last_onestep_psnr": mean_psnr(prev, truth),
            "copy_last_rollout_psnr": mean_psnr(copy_last, truth),
            "copy_last_onestep_sharpness": sharpness_ratio(prev, truth),
            "mean_frame_psnr": mean_psnr(mean, truth),
            "mean_frame_mse": float(np.mean((mean - truth) ** 2))}


GATE_REFERENCES = ("mean_frame", "copy_last")


def gate(predictions: dict, truth, reference: np.ndarray, max_ratio: float) -> dict:
    """Context-use gate: each model's next frames, sampled from pure noise with the true
    context (``predictions``: name -> teacher-forced one-step frames), must be far closer to
    the truth than the ``reference`` frames are. The paddle game's reference is the mean frame
    (the context-free baseline). On Atari the mean frame is already close (most of a Breakout
    screen never changes), so there the reference is copying the last frame: a model passes
    only by predicting what moves."""
    err_wo = float(np.mean((reference - truth) ** 2))
    results = {name: cards.context_gate(float(np.mean((pred - truth) ** 2)), err_wo, max_ratio)
               for name, pred in predictions.items()}
    worst = max(results.values(), key=lambda r: r["measured"]["ratio"])
    return {"passed": all(r["passed"] for r in results.values()),
            "measured": {**worst["measured"],
                         "per_model_ratio": {n: r["measured"]["ratio"] for n, r in results.items()}}}


def gate_reference(preset: dict, start, truth: np.ndarray, mean_frame: np.ndarray) -> np.ndarray:
    name = preset["gate_reference"]
    if name not in GATE_REFERENCES:
        raise ValueError(f"gate_reference must be one of {GATE_REFERENCES}, not {name!r}")
    if name == "copy_last":
        return teacher_forced_copy(start, truth)
    return np.broadcast_to(mean_frame, truth.shape)


def controllability(next_frame, world, start, horizon: int) -> tuple[dict, dict]:
    """Always-left and always-right from the same starts: generated paddle vs ground truth."""
    n = len(start.frames)
    out, frames = {}, {}
    for name in ("left", "right"):
        acts = np.full((n, horizon), world.moves[name])
        truth, paddle = world.follow(start, acts)
        gen = rollout(next_frame, start, acts)
        out[name] = (paddle, world.paddle_x(gen))
        frames[name] = (truth, gen)
    (true_l, gen_l), (true_r, gen_r) = out["left"], out["right"]
    m = {"ctrl_gap_true": float(np.mean(true_r[:, -1] - true_l[:, -1])),
         "ctrl_gap_gen": float(np.nanmean(gen_r[:, -1] - gen_l[:, -1])),
         "ctrl_paddle_err": float(np.nanmean(np.abs(np.concatenate([gen_l - true_l,
                                                                     gen_r - true_r])))),
         "ctrl_paddle_missing": float(np.mean(np.isnan(np.concatenate([gen_l, gen_r]))))}
    return m, frames


# ---- the two studies -------------------------------------------------------------------------------

def samplers(preset: dict) -> list[tuple[str, str, int, str]]:
    """(name, model, steps, DDPM sampler) of every sampler the DIAMOND study measures: EDM with
    few Euler steps; DDPM with the same few steps and many, as the official baseline samples it
    (one step from T/2, ancestral steps), and with deterministic DDIM steps (the DDPM curve)."""
    few, many = preset["steps_few"], preset["steps_many"]
    out = [(f"edm{n}", "edm", n, "ancestral") for n in few]
    out += [(f"ddpm{n}", "ddpm", n, "ancestral") for n in few + [many]]
    out += [(f"ddim{n}", "ddpm", n, "ddim") for n in few + [many] if n > 1]
    return out


def diamond_study(nets, world, preset, seed, start, actions, truth, paddle, measured, curves,
                  rows) -> dict:
    """EDM and DDPM with few and many steps (PSNR and sharpness), and controllability; returns
    the gate's inputs."""
    few, many = preset["steps_few"], preset["steps_many"]
    one = {}
    for name, kind, steps, sampler in samplers(preset):
        fn = predictor(nets[kind], kind, steps, seed, sampler=sampler)
        one[name] = one_step(fn, start, actions, truth)
        measured[f"{name}_onestep_psnr"] = mean_psnr(one[name], truth)
        measured[f"{name}_onestep_sharpness"] = sharpness_ratio(one[name], truth)
        gen = rollout(fn, start, actions)
        measured[f"{name}_rollout_psnr"] = mean_psnr(gen, truth)
        measured[f"{name}_rollout_sharpness"] = sharpness_ratio(gen, truth)
        curves[f"{name}_rollout_psnr"] = psnr_curve(gen, truth)
        measured[f"{name}_replay_paddle_err"] = float(np.nanmean(np.abs(world.paddle_x(gen) - paddle)))
        rows.append((name, gen[0]))
    ctrl, frames = controllability(predictor(nets["edm"], "edm", max(few), seed), world, start,
                                   preset["eval"]["ctrl_horizon"])
    measured.update(ctrl)
    for side in ("left", "right"):
        rows += [(f"truth-{side}", frames[side][0][0]), (f"edm-{side}", frames[side][1][0])]
    # each model gated with its default sampler, EDM with DIAMOND's 3 steps; the DDPM model with
    # the better of its two many-step samplers (the gate asks whether the model uses its context)
    ddpm_best = min((f"ddpm{many}", f"ddim{many}"), key=lambda n: np.mean((one[n] - truth) ** 2))
    return {"edm": one[f"edm{max(few)}"], "ddpm": one[ddpm_best]}


def gamengen_study(nets, world, preset, seed, start, actions, truth, paddle, measured, curves,
                   rows) -> dict:
    """The plain and the context-noise model: clean, noisy-context, rollouts."""
    steps, sigma = max(preset["steps_few"]), preset["eval"]["noisy_sigma"]
    one = {}
    for kind, name in (("edm", "plain"), ("edm-ctxnoise", "aug")):
        fn = predictor(nets[kind], kind, steps, seed)
        one[kind] = one_step(fn, start, actions, truth)
        measured[f"{name}_onestep_psnr"] = mean_psnr(one[kind], truth)
        measured[f"{name}_noisyctx_psnr"] = mean_psnr(
            one_step(fn, start, actions, truth, sigma, seed), truth)
        gen = rollout(fn, start, actions)
        curve = psnr_curve(gen, truth)
        measured[f"{name}_rollout_psnr"] = mean_psnr(gen, truth)
        measured[f"{name}_rollout_late_psnr"] = float(np.mean(curve[len(curve) // 2:]))
        curves[f"{name}_rollout_psnr"] = curve
        rows.append((name, gen[0]))
    # the augmented model told the context's noise level through its bucket (reported only)
    told = predictor(nets["edm-ctxnoise"], "edm-ctxnoise", steps, seed,
                     bucket=noise_bucket(sigma, ContextNoise()))
    measured["aug_noisyctx_told_psnr"] = mean_psnr(
        one_step(told, start, actions, truth, sigma, seed), truth)
    return one


STUDIES = {"diamond": (("edm", "ddpm"), diamond_study),
           "gamengen": (("edm", "edm-ctxnoise"), gamengen_study)}


def run(ctx, study: str = "diamond") -> dict:
    torch.manual_seed(ctx.seed)
    preset = PRESETS[ctx.scale]
    world = make_world(preset)
    e = preset["eval"]
    kinds, measure = STUDIES[study]
    nets = {k: trained(preset, world, k, ctx.seed, ctx.run_dir, ctx.resume) for k in kinds}
    start, actions, truth, paddle, mean_frame = evaluation_set(preset, world, ctx.seed)
    measured = baselines(start, truth, mean_frame)
    curves, rows = {}, [("truth", truth[0])]
    one = measure(nets, world, preset, ctx.seed, start, actions, truth, paddle, measured, curves,
                  rows)
    g = gate(one, truth, gate_reference(preset, start, truth, mean_frame),
             preset["gate_max_ratio"])
    figure = f"{ctx.tag}-rollout.png"
    rollout_strip(ctx.results_dir / figure, rows, zoom=4 if truth.shape[-1] < 48 else 1)
    protocol = {"world": preset["world"], **preset["world_args"],
                "context_frames": preset["context"], "eval_starts": e["starts"],
                "horizon": e["horizon"], "ctrl_horizon": e["ctrl_horizon"],
                "train_steps": preset["train"]["steps"], "batch": preset["train"]["batch"],
                "sampler_steps": {"few": preset["steps_few"], "many": preset["steps_many"]},
                "parameters": metrics.parameter_count(nets["edm"]),
                "study": study, "psnr_cap_db": PSNR_CAP, "rows": [r[0] for r in rows]}
    if study == "diamond":
        protocol["samplers"] = [list(x) for x in samplers(preset)]
    return {"protocol": protocol, "gate": g, "metrics": measured, "curves": curves,
            "claims": cards.judge(ctx.card, ctx.scale, measured, g["passed"]),
            "figures": [figure]}
