"""`python tools/bench_repro.py nova [--scale smoke|full]`: training throughput of the diffusion
pipeline (clips per second, autoencoder encoding and batch drawing included) and rollout speed
(frames per second in steady state and first-frame latency, decoding included, one warm-up
rollout excluded), with untrained weights: speed does not depend on what was learned."""
from __future__ import annotations

import time

import numpy as np
import torch

from reproductions.harness import metrics
from reproductions.harness.worlds import step_rng

from . import experiment, method, presets
from .model import Autoencoder


def bench(scale: str, device, train_steps: int = 10, frames: int = 8) -> dict:
    p = getattr(presets, scale)
    torch.manual_seed(0)
    n = (p["size"] // 4) ** 2
    ae = Autoencoder(1, p["latent"], p["ae_width"]).to(device).eval()
    model = method.Pipeline("diffusion", p["latent"], n, p["clip"], p).to(device)
    abar = method.mar.alphas_cumprod()
    world = experiment.make_world(p)
    opt = torch.optim.AdamW(model.parameters(), lr=p["lr"])
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def one_step(step):
        g = torch.Generator().manual_seed(step)
        with torch.no_grad():
            clips = experiment.clips(world, p["batch"], p["clip"], step_rng(0, step, 2))
            tokens = ae.tokens(clips.to(device))
        t, eps = method.mar.draw_noise(p["batch"] * (p["clip"] - 1) * n, p["latent"], p["draws"], g)
        batch = {"tokens": tokens, "masked": method.random_masks(p["batch"], p["clip"] - 1, n, g)
                 .to(device), "t": t.reshape(p["draws"], p["batch"], p["clip"] - 1, n)
                 .transpose(0, 1).to(device), "eps": eps.reshape(p["draws"], p["batch"],
                 p["clip"] - 1, n, -1).transpose(0, 1).to(device)}
        loss = method.loss(model, batch, abar)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for s in range(2):                      # warm-up
        one_step(s)
    sync()
    start = time.perf_counter()
    for s in range(train_steps):
        one_step(100 + s)
    sync()
    train_s = time.perf_counter() - start
    model.eval()
    context = experiment.clips(world, 1, p["context"], np.random.default_rng(0)).numpy()
    g = torch.Generator(device=device).manual_seed(0)

    def stream():
        window = model.transformer.max_frames - 1
        with torch.no_grad():
            toks = list(ae.tokens(torch.from_numpy(context).to(device)).unbind(1))
            for _ in range(frames):
                new = method.generate_frame(model, torch.stack(toks[-window:], 1), p["iterations"],
                                            "random", abar, p["sample_steps"], 1.0, g)
                toks.append(new)
                yield ae.frames(new[:, None])[0]

    speed = metrics.throughput(stream, warmup=1, sync=sync)
    return {"scale": scale, "train_clips_per_s": round(p["batch"] * train_steps / train_s, 2),
            "train_step_s": round(train_s / train_steps, 4),
            "rollout_fps_steady": round(speed["fps_steady"], 2),
            "first_frame_latency_s": round(speed["first_frame_latency_s"], 4),
            "passes_per_frame": p["iterations"], "head_sampling_steps": p["sample_steps"],
            "transformer_params": metrics.parameter_count(model.transformer),
            "head_params": metrics.parameter_count(model.head),
            "autoencoder_params": metrics.parameter_count(ae)}
