"""Speed of DIAMOND's next-frame model (``tools/bench_repro.py diamond``): training samples per
second (EDM), and rollout frames per second with first-frame latency for EDM with 1 and 3
Euler steps and DDPM with 50 DDIM steps, for 1 and 16 parallel streams."""
from __future__ import annotations

import numpy as np
import torch

from reproductions.harness import metrics
from reproductions.harness.train import TrainConfig, train

from .presets import PRESETS
from .repro import batch_fn, build_net, loss_fn, make_world, predictor, stream, to_model


def bench(scale: str, device: torch.device, train_steps: int = 20, frames: int = 8) -> dict:
    p = PRESETS[scale]
    world, k, bs = make_world(p), p["context"], p["train"]["batch"]
    clips, actions = world.clips(64, p["data"]["length"], 0)
    fn = batch_fn(to_model(clips), torch.as_tensor(actions), k, bs, 0, "edm")
    torch.manual_seed(0)
    net = build_net(p, world, "edm")
    cfg = lambda n: TrainConfig(steps=n, progress=False, warmup=1)
    train(net, loss_fn("edm"), fn, cfg(3), device=device)          # warm-up (allocations)
    state = train(net, loss_fn("edm"), fn, cfg(train_steps), device=device)
    out = {"scale": scale, "params": metrics.parameter_count(net), "resolution": world.size,
           "context_frames": k, "batch": bs,
           "precision": "bf16 autocast (train), fp32 (sampling)" if device.type == "cuda" else "fp32",
           "train_samples_per_s": round(train_steps * bs / state.seconds, 1)}
    net = state.ema.eval()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for streams in (1, 16):
        start = world.start(streams, k, 0)
        acts = world.actions(streams, frames, 0)
        for kind, steps in (("edm", 1), ("edm", 3), ("ddpm", p["steps_many"])):
            step = predictor(net, kind, steps, 0)     # DDPM timing only: the EDM net's weights
            r = metrics.throughput(lambda: stream(step, start, acts), warmup=1, sync=sync)
            name = f"{kind}{steps}_streams{streams}"
            out[f"rollout_fps_{name}"] = round(r["fps_steady"], 1)   # frames of all streams
            out[f"first_frame_latency_s_{name}"] = round(r["first_frame_latency_s"], 4)
    return out
