"""Speed of this reproduction: training samples per second, rollout frames per second and
first-frame latency (``tools/bench_repro.py diffusion-forcing``)."""
from __future__ import annotations

import numpy as np
import torch

from reproductions.harness import metrics
from reproductions.harness.schedules import noise_table
from reproductions.harness.train import TrainConfig, train

from . import method
from .model import build
from .presets import PRESETS
from .repro import world_of


def bench(scale: str, device: torch.device, train_steps: int = 20, frames: int = 16) -> dict:
    p = PRESETS[scale]
    world, K, T, S = world_of(p), p["num_levels"], p["frames"], p["sample_steps"]
    table, size, bs = noise_table(K), p["render_size"], p["train"]["batch"]
    torch.manual_seed(0)
    net = build(world.cfg.channels, T, K, **p["model"])
    on_gpu = device if device.type == "cuda" else None
    batch = lambda step: method.make_batch(world, "df", bs, T, K, 0, step, size, on_gpu)
    cfg = lambda n: TrainConfig(steps=n, progress=False, warmup=1)
    train(net, method.loss_fn(table), batch, cfg(3), device=device)  # warm-up (allocations)
    state = train(net, method.loss_fn(table), batch, cfg(train_steps), device=device)
    out = {"scale": scale, "device": str(device), "params": metrics.parameter_count(net),
           "resolution": size, "clip_frames": T, "batch": bs,
           "precision": "bf16 autocast" if device.type == "cuda" else "fp32",
           "train_samples_per_s": round(train_steps * bs / state.seconds, 1),
           "sample_steps_per_frame": S}
    net = state.ema.eval()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else \
        torch.autocast("cpu", enabled=False)
    for streams in (1, 16):
        ctx = world.simulate(streams, p["context"], np.random.default_rng(0), size=size,
                             device=device)[0]
        with amp:
            r = metrics.throughput(lambda: method.rollout(net, ctx, frames, T, table, S, 0,
                                                          p["k_stab"]), warmup=1, sync=sync)
        out[f"rollout_fps_streams{streams}"] = round(r["fps_steady"] * streams, 1)
        out[f"first_frame_latency_s_streams{streams}"] = round(r["first_frame_latency_s"], 4)
    return out
