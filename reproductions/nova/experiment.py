"""The stages of the reproduction and its measurements, shared by ``repro.run`` and the tests.

Stage 1 trains the autoencoder on frames of the forking world; stage 2 trains the temporal
transformer with a diffusion head and, as the baseline, with an MSE head of the same size, both on
the frozen autoencoder's tokens. Each stage has its own run directory (checkpoint, log, exact
resume through the harness loop). Measurements decode generated tokens to pixels and read them
with the harness's blob metrics against the simulator's two possible futures.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from reproductions.harness import metrics
from reproductions.harness.train import TrainConfig, train
from reproductions.harness.worlds import step_rng
from reproductions.harness.worlds_fork import ForkConfig, ForkingBalls

from . import method
from .model import Autoencoder


def _device(module) -> torch.device:
    return next(module.parameters()).device


def make_world(preset: dict) -> ForkingBalls:
    r, v = preset["radius"], preset["speed"]
    return ForkingBalls(ForkConfig(size=preset["size"], radius=(r, r), speed=(v, v), max_speed=v,
                                   fork=preset["fork"], collisions=False))


def clips(world: ForkingBalls, batch: int, frames: int, rng: np.random.Generator) -> torch.Tensor:
    return torch.from_numpy(world.simulate(batch, frames, rng)[0])


def _config(preset: dict, steps: int, seed: int) -> TrainConfig:
    return TrainConfig(steps=steps, lr=preset["lr"], warmup=100, ema_decay=preset["ema_decay"],
                       ckpt_every=max(steps // 4, 1), log_every=100, seed=seed,
                       progress=preset.get("progress", False))


# ---- stage 1: autoencoder ---------------------------------------------------------------------

def train_autoencoder(preset: dict, seed: int, run_dir: Path | None = None,
                      resume: bool = False) -> Autoencoder:
    world = make_world(preset)

    def batch_fn(step):
        rng = step_rng(seed, step, stream=1)
        x = clips(world, preset["ae_batch"], 2, rng).flatten(0, 1)
        return {"x": x, "noise": torch.from_numpy(rng.normal(size=(len(x), preset["latent"],
                preset["size"] // 4, preset["size"] // 4)).astype(np.float32))}

    def loss_fn(ae, batch):
        # latent noise keeps the decoder robust to small token errors; the small penalty keeps
        # the latent scale from growing to drown that noise
        z = ae.encode(batch["x"])
        rec = ae.decode(z + preset["ae_latent_noise"] * batch["noise"])
        return F.mse_loss(rec, batch["x"]) + preset["ae_latent_penalty"] * z.pow(2).mean()

    torch.manual_seed(seed)
    ae = Autoencoder(1, preset["latent"], preset["ae_width"], patch=4)
    cfg = _config(preset, preset["ae_steps"], seed)
    cfg.lr = preset["ae_lr"]
    state = train(ae, loss_fn, batch_fn, cfg, run_dir, resume)
    ae = state.ema.eval()
    ae.fit_scale(clips(world, 256, 4, step_rng(seed, 0, stream=9)).flatten(0, 1).to(_device(ae)))
    for p in ae.parameters():
        p.requires_grad_(False)
    return ae


@torch.no_grad()
def autoencoder_metrics(ae: Autoencoder, preset: dict, seed: int) -> dict:
    world = make_world(preset)
    x = clips(world, 128, 4, step_rng(seed, 0, stream=11)).numpy()
    rec = ae.frames(ae.tokens(torch.from_numpy(x).to(_device(ae)))).cpu().numpy()
    bounds = metrics.area_bounds((preset["radius"],) * 2)
    return {"ae_psnr": float(metrics.psnr(rec, x).mean()),
            "ae_valid": float(metrics.blob_validity(rec, 1, bounds).mean()),
            "ae_data_valid": float(metrics.blob_validity(x, 1, bounds).mean())}


# ---- stage 2: temporal transformer with a diffusion or MSE head --------------------------------

def train_pipeline(kind: str, ae: Autoencoder, preset: dict, seed: int,
                   run_dir: Path | None = None, resume: bool = False) -> method.Pipeline:
    world = make_world(preset)
    n = (preset["size"] // 4) ** 2
    abar = method.mar.alphas_cumprod()

    def batch_fn(step):
        rng = step_rng(seed, step, stream=2)
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        b, t = preset["batch"], preset["clip"]
        with torch.no_grad():
            tokens = ae.tokens(clips(world, b, t, rng).to(_device(ae))).cpu()
        t_noise, eps = method.mar.draw_noise(b * (t - 1) * n, preset["latent"], preset["draws"], g)
        return {"tokens": tokens, "masked": method.random_masks(b, t - 1, n, g),
                "t": t_noise.reshape(preset["draws"], b, t - 1, n).transpose(0, 1),
                "eps": eps.reshape(preset["draws"], b, t - 1, n, -1).transpose(0, 1)}

    torch.manual_seed(seed)
    model = method.Pipeline(kind, preset["latent"], n, preset["clip"], preset)
    state = train(model, lambda m, b: method.loss(m, b, abar), batch_fn,
                  _config(preset, preset["steps"], seed), run_dir, resume)
    return state.ema.eval()


# ---- measurements ---------------------------------------------------------------------------------

def _branch(world: ForkingBalls, state, steps: int):
    """Deterministic run of a fork-0 or fork-1 world: frames, positions (B, T, 2) of the one
    ball, and whether it meets a wall at each step (B, T - 1)."""
    s, pos, hits = state.copy(), [state.pos[:, 0]], []
    for _ in range(steps - 1):
        hits.append(world.wall_hits(s)[:, 0].any(-1))
        s = world.step(s, None)
        pos.append(s.pos[:, 0])
    pos = np.stack(pos, 1)
    frames = world.render(pos[:, :, None], np.repeat(state.radius[:, None], steps, 1),
                          np.repeat(state.colour[:, None], steps, 1))
    return frames, pos, np.stack(hits, 1)


def branches(world: ForkingBalls, state, steps: int, context: int):
    """Both deterministic branches of the same start states, keep (fork 0) and flip (fork 1), each
    as (frames, positions, hits), and which scenes share their first ``context`` frames (their
    context is the same whichever way the fork goes)."""
    keep = _branch(world.with_(fork=0.0), state, steps)
    flip = _branch(world.with_(fork=1.0), state, steps)
    shared = np.abs(keep[1][:, :context] - flip[1][:, :context]).max(axis=(1, 2)) < 1e-9
    return keep, flip, shared


def fork_scenes(preset: dict, seed: int) -> dict:
    """Scenes whose context is shared by both branches of exactly one wall hit that shapes the
    generated horizon, and whose two futures end at least 3 pixels apart. Returns the context
    frames (S, c, C, H, W) and, per branch ("keep", "flip"), frames and positions (S, c + h, 2)."""
    world = make_world(preset)
    c, h, need = preset["context"], preset["fork_horizon"], preset["eval_scenes"]
    rng = np.random.default_rng([seed, 77])
    out = {k: [] for k in ("keep_frames", "keep_pos", "flip_frames", "flip_pos")}
    found = 0
    while found < need:
        (fa, pa, ha), (fb, pb, hb), shared = branches(world, world.initial_state(512, rng),
                                                      c + h, c)
        # a hit at step c - 2 (frame c-2 -> c-1) first shows its fork in frame c
        ok = shared & (np.linalg.norm(pa[:, -1] - pb[:, -1], axis=-1) >= 3.0) \
            & (ha[:, c - 2:].sum(1) == 1) & (hb[:, c - 2:].sum(1) == 1)
        idx = np.flatnonzero(ok)[:need - found]
        for k, v in (("keep_frames", fa), ("keep_pos", pa), ("flip_frames", fb), ("flip_pos", pb)):
            out[k].append(v[idx])
        found += len(idx)
    out = {k: np.concatenate(v) for k, v in out.items()}
    out["context"] = out["keep_frames"][:, :c]
    return out


def first_fork_scenes(preset: dict, seed: int, count: int = 256) -> dict:
    """Scenes whose single wall hit happens between the last two context frames: the context is
    shared by both branches and the next frame is the first to differ (by at least 1.5 px), so
    the world's next frame is exactly 50 / 50. Returns context frames (S, c, C, H, W) and, per
    branch, the next frame and ball position."""
    world = make_world(preset)
    c = preset["context"]
    s0 = world.initial_state(32 * count, np.random.default_rng([seed, 78]))
    (fa, pa, ha), (fb, pb, _), shared = branches(world, s0, c + 1, c)
    ok = shared & ha[:, c - 2] & (np.linalg.norm(pa[:, -1] - pb[:, -1], axis=-1) >= 1.5)
    idx = np.flatnonzero(ok)[:count]
    return {"context": fa[idx, :c], "keep_frame": fa[idx, c], "flip_frame": fb[idx, c],
            "keep_pos": pa[idx, c], "flip_pos": pb[idx, c]}


def flip_side(frames: np.ndarray, scenes: dict) -> np.ndarray:
    """Per frame: 1.0 if its single ball is nearer the flip branch's position, 0.0 if nearer
    keep's, NaN when the frame does not hold exactly one ball."""
    counts, _, cents = metrics.find_blobs(frames)
    out = np.full(len(frames), np.nan)
    for i, (n, cs) in enumerate(zip(counts, cents)):
        if n == 1:
            p = np.asarray(cs[0])
            out[i] = float(np.linalg.norm(p - scenes["flip_pos"][i]) <
                           np.linalg.norm(p - scenes["keep_pos"][i]))
    return out


def coverage(model, ae, scenes: dict, preset: dict, seed: int, temperature: float,
             samples: int = 8) -> float:
    """MAR's premise read per context: ``samples`` next frames of the same first-fork context
    (masked order, which also varies the MSE pipeline through its random decoding order), and the
    share of contexts whose samples take both branches (the world: 1 - 2 * 0.5 ** samples). A
    share of flips across scenes cannot tell this from choosing one branch per scene."""
    context = np.repeat(scenes["context"], samples, axis=0)
    rep = {k: np.repeat(scenes[k], samples, axis=0) for k in ("keep_pos", "flip_pos")}
    frames = generate(model, ae, context, 1, preset, seed, temperature=temperature)[:, 0]
    side = flip_side(frames, rep).reshape(-1, samples)
    both = (np.nanmax(side, 1, initial=-1) == 1) & (np.nanmin(side, 1, initial=2) == 0)
    return float(both.mean())


def generate(model, ae, context_frames: np.ndarray, horizon: int, preset: dict, seed: int, *,
             iterations: int | None = None, order: str = "random",
             temperature: float | None = None) -> np.ndarray:
    """Decoded frames (S, horizon, C, H, W) generated after the given context frames."""
    dev = _device(model)
    g = torch.Generator(device=dev).manual_seed(seed + 4242)
    with torch.no_grad():
        ctx = ae.tokens(torch.from_numpy(context_frames).to(dev))
        tok = method.rollout(model, ctx, horizon, iterations=iterations or preset["iterations"],
                             order=order, abar=method.mar.alphas_cumprod(),
                             sample_steps=preset["sample_steps"],
                             temperature=preset["temperature"] if temperature is None else temperature,
                             generator=g)
        return ae.frames(tok).float().cpu().numpy()


def fork_metrics(frames: np.ndarray, scenes: dict, preset: dict) -> dict:
    """Validity of every generated frame; at the last frame, the share of rollouts whose single
    ball lies within ``near`` pixels of one of the two true futures, and the share of those that
    took the 'flip' branch (the world's true proportion is ``fork``)."""
    bounds = metrics.area_bounds((preset["radius"],) * 2)
    valid = metrics.blob_validity(frames, 1, bounds)
    counts, _, cents = metrics.find_blobs(frames[:, -1])
    near, flip = [], []
    for i, (n, cs) in enumerate(zip(counts, cents)):
        if n != 1:
            near.append(False)
            continue
        p = np.asarray(cs[0])
        da = np.linalg.norm(p - scenes["keep_pos"][i, -1])
        db = np.linalg.norm(p - scenes["flip_pos"][i, -1])
        near.append(min(da, db) <= preset["near"])
        if near[-1]:
            flip.append(db < da)
    return {"valid": float(valid.mean()), "near_mode": float(np.mean(near)),
            "flip_share": float(np.mean(flip)) if flip else float("nan")}


def long_validity(frames: np.ndarray, preset: dict) -> dict:
    bounds = metrics.area_bounds((preset["radius"],) * 2)
    valid = metrics.blob_validity(frames, 1, bounds)
    return {"valid": float(valid.mean()), "survival_end": float(metrics.survival(valid)[-1]),
            "valid_by_horizon": metrics.by_horizon(valid)}


def gate_errors(model, ae, preset: dict, seed: int) -> tuple[float, float]:
    """Pixel MSE of the next frame generated from the true context, and of the mean frame (the
    context-free baseline), on fresh clips."""
    world = make_world(preset)
    c = preset["context"]
    x = clips(world, preset["eval_scenes"], c + 1, step_rng(seed, 0, stream=13)).numpy()
    mean_frame = clips(world, 512, 1, step_rng(seed, 0, stream=14)).numpy().mean(axis=(0, 1))
    gen = generate(model, ae, x[:, :c], 1, preset, seed)[:, 0]
    return float(((gen - x[:, c]) ** 2).mean()), float(((mean_frame - x[:, c]) ** 2).mean())


def measure(ae, models: dict, preset: dict, seed: int, max_gate_ratio: float) -> tuple:
    """Every number the card's claims read: (metrics, curves, gate, figure rows)."""
    out = {f"{k}": v for k, v in autoencoder_metrics(ae, preset, seed).items()}
    scenes, first = fork_scenes(preset, seed), first_fork_scenes(preset, seed)
    n = (preset["size"] // 4) ** 2
    gates, curves, rows = {}, {}, {}
    for kind, model in models.items():
        gates[kind] = context_gate(*gate_errors(model, ae, preset, seed), max_gate_ratio)
        runs = {"masked": dict(iterations=preset["iterations"], order="random")}
        if kind == "diffusion":
            runs["raster"] = dict(iterations=n, order="raster")
            if preset["temperature"] != 1.0:  # also plain sampling, for reference
                runs["masked_t1"] = dict(iterations=preset["iterations"], order="random",
                                         temperature=1.0)
        for name, how in runs.items():
            frames = generate(model, ae, scenes["context"], preset["fork_horizon"], preset, seed,
                              **how)
            for k, v in fork_metrics(frames, scenes, preset).items():
                out[f"{kind}_{name}_{k}"] = v
            out[f"{kind}_{name}_passes_per_frame"] = how["iterations"]
            if name != "masked_t1":
                rows[f"{kind} {name}"] = frames
        # plain sampling (tau = 1): the head's own distribution; the MSE head has no temperature
        out[f"{kind}_coverage" + ("_t1" if kind == "diffusion" else "")] = coverage(
            model, ae, first, preset, seed, 1.0)
        long = generate(model, ae, scenes["context"], preset["long_horizon"], preset, seed)
        lv = long_validity(long, preset)
        out[f"{kind}_long_valid"], out[f"{kind}_long_survival"] = lv["valid"], lv["survival_end"]
        curves[f"{kind}_valid_by_horizon"] = lv["valid_by_horizon"]
    gate = {"passed": all(g["passed"] for g in gates.values()),
            "measured": {f"{kind}_{k}": v for kind, g in gates.items()
                         for k, v in g["measured"].items()}}
    return out, curves, gate, (scenes, rows)


def context_gate(err_with: float, err_without: float, max_ratio: float) -> dict:
    from reproductions.harness.card import context_gate as gate
    return gate(err_with, err_without, max_ratio)


def figure(path: Path, scenes: dict, rows: dict, index: int = 0) -> Path:
    """Context + horizon of one scene: both true futures, then each generated row."""
    from reproductions.harness.figures import rollout_strip
    c = scenes["context"][index]
    strip = [("true: keep", scenes["keep_frames"][index]), ("true: flip", scenes["flip_frames"][index])]
    strip += [(name, np.concatenate([c, frames[index]])) for name, frames in rows.items()]
    return rollout_strip(path, strip)
