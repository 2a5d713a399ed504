"""Streaming speed (issue 7, "Speed"): KV-cached versus full-recompute generation at several
lengths, few-step versus many-step, first-frame latency, and on CUDA the achieved fraction of
the card's peak bf16 matrix throughput for one DMD generator training step.

Definitions. A *frame* is one video frame (``tokens_per_frame`` tokens). *First-frame latency*
is the time from the call to the first finished block (all its denoising steps; decoding is
not involved: the tokens are the output), after one untimed warm-up run. *Steady fps* counts
frames after the first block over the time after it. Untrained weights: speed does not depend
on them.
"""
from __future__ import annotations

import time

import torch

from reproductions.harness.metrics import throughput

from . import method
from .model import StreamConfig, StreamingTransformer

# Dense bf16 tensor-core peaks from NVIDIA's data sheets (TFLOP/s, without sparsity).
PEAK_BF16_TFLOPS = {"H100 80GB HBM3": 989.0, "H100 PCIe": 756.0, "H200": 989.0, "A100": 312.0}


def _sync(device):
    return (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)


def stream_blocks(model, noise, times, cached: bool):
    """Yield blocks as they are finished. ``cached=False`` is the baseline without a KV cache:
    every denoising step re-runs the whole clean prefix plus the noisy block (block-causal)."""
    fpb = model.cfg.frames_per_block
    b, f = noise.shape[1], noise.shape[2]
    cache = model.new_cache() if cached else None
    done = noise[0, :, :0]
    for s in range(0, f, fpb):
        sl = slice(s, s + fpb)
        x = noise[0][:, sl]
        for j in range(len(times)):
            t = times[j].to(x).expand(b, fpb)
            if cached:
                v = model(x, t, cache=cache)
            else:
                seq = torch.cat([done, x], 1)
                ts = torch.cat([torch.zeros(b, done.shape[1]).to(x), t], 1)
                v = model(seq, ts)[:, -fpb:]
            x0 = method.x0_from_velocity(x, v, t)
            if j + 1 < len(times):
                x = method.add_noise(x0, noise[j + 1][:, sl], times[j + 1].to(x).expand(b, fpb))
        if cached:
            model(x0, torch.zeros(b, fpb).to(x0), cache=cache, write=True)
        else:
            done = torch.cat([done, x0], 1)
        yield x0[0]


def streaming(cfg: StreamConfig, device, lengths=(4, 8, 16, 32), batch=1, steps=4,
              teacher_steps=50, dtype=torch.float32) -> list[dict]:
    """Rows of {what, frames, fps_steady, first_frame_latency_s, ...} for a printed table."""
    torch.manual_seed(0)
    model = StreamingTransformer(cfg).to(device).eval()
    times = method.student_times(teacher_steps, steps).to(device)
    rows = []
    autocast = torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32)
    with torch.no_grad(), autocast:
        for blocks in lengths:
            f = blocks * cfg.frames_per_block
            noise = torch.randn(steps, batch, f, cfg.tokens_per_frame, cfg.token_dim, device=device)
            for cached in (True, False):
                m = throughput(lambda: stream_blocks(model, noise, times, cached), 1, _sync(device))
                rows.append({"what": f"{steps}-step stream, {'KV cache' if cached else 'recompute'}",
                             "frames": f, **m})
        # many-step bidirectional teacher: the whole clip at once, nothing streams before the end
        f = lengths[0] * cfg.frames_per_block
        noise = torch.randn(batch, f, cfg.tokens_per_frame, cfg.token_dim, device=device)
        for n_steps in (teacher_steps, steps):
            method.teacher_sample(model, noise, n_steps)
            _sync(device)()
            t0 = time.perf_counter()
            method.teacher_sample(model, noise, n_steps)
            _sync(device)()
            dt = time.perf_counter() - t0
            rows.append({"what": f"{n_steps}-step bidirectional clip", "frames": f,
                         "fps_steady": f / dt, "first_frame_latency_s": dt})
    return rows


def training_step_utilisation(cfg: StreamConfig, device, batch: int, frames: int) -> dict:
    """Achieved fraction of peak bf16 throughput for one Self Forcing DMD generator step
    (rollout with gradient truncation + DMD loss + backward), FLOPs counted by PyTorch."""
    from torch.utils.flop_counter import FlopCounterMode
    gen = StreamingTransformer(cfg).to(device)
    real = StreamingTransformer(cfg).to(device).requires_grad_(False)
    fake = StreamingTransformer(cfg).to(device).requires_grad_(False)
    times = method.student_times(50, 4).to(device)
    shape = (4, batch, frames, cfg.tokens_per_frame, cfg.token_dim)
    exits = torch.full((frames // cfg.frames_per_block,), 3)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            x0 = method.rollout(gen, torch.randn(shape, device=device), times, exit_steps=exits)
            loss = method.dmd_generator_loss(x0, real, fake, torch.rand(batch, device=device),
                                             torch.randn_like(x0))
        loss.backward()

    step()
    with FlopCounterMode(display=False) as counter:
        step()
    torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    reps = 5
    for _ in range(reps):
        step()
    torch.cuda.synchronize(device)
    seconds = (time.perf_counter() - t0) / reps
    name = torch.cuda.get_device_name(device)
    peak = next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)
    achieved = counter.get_total_flops() / seconds / 1e12
    return {"device": name, "tflops_achieved": achieved, "peak_bf16_tflops": peak,
            "fraction_of_peak": achieved / peak if peak else None, "step_s": seconds,
            "batch": batch, "frames": frames}


def bench(scale: str, device, lengths=None) -> dict:
    """The figures for ``tools/bench_repro.py streaming``: the network of the given preset,
    bf16 on CUDA, float32 on the CPU; a KV-cached and a recompute stream at several lengths
    (frames per second and their ratio), first-block latency, the teacher's 50 and 4 steps,
    and on CUDA the fraction of peak bf16 throughput of a Self Forcing training step."""
    from .presets import PRESETS
    from .stages import config
    preset = PRESETS[scale]
    cfg = config(preset)
    cuda = device.type == "cuda"
    dtype = torch.bfloat16 if cuda else torch.float32
    lengths = lengths or ((4, 8, 16, 32) if cuda else (4, 8, 16))
    out = {"network": f"{scale} preset: dim {cfg.dim} x {cfg.depth} layers, "
                      f"{cfg.tokens_per_frame} tokens/frame, blocks of {cfg.frames_per_block} "
                      f"frames, batch 1, {str(dtype).replace('torch.', '')}",
           "student_steps": preset["student_steps"], "teacher_steps": preset["teacher_steps"]}
    rows = streaming(cfg, device, lengths=lengths, dtype=dtype,
                     steps=preset["student_steps"], teacher_steps=preset["teacher_steps"])
    fps = {}
    for r in rows:
        if "stream" in r["what"]:
            kind = "kv" if "KV" in r["what"] else "recompute"
            fps[(kind, r["frames"])] = r["fps_steady"]
            out[f"fps_{kind}_{r['frames']}f"] = round(r["fps_steady"], 1)
            if kind == "kv" and r["frames"] == min(f for _, f in fps):
                out["first_block_latency_s"] = round(r["first_frame_latency_s"], 4)
        else:
            out[f"fps_bidirectional_{r['what'].split('-')[0]}step_{r['frames']}f"] = round(r["fps_steady"], 1)
    for (kind, f), v in sorted(fps.items()):
        if kind == "kv":
            out[f"kv_speedup_{f}f"] = round(v / fps[("recompute", f)], 2)
    if cuda:
        u = training_step_utilisation(cfg, device, batch=preset["batch"], frames=preset["frames"])
        out.update({"train_step_ms": round(u["step_s"] * 1e3, 1),
                    "train_tflops": round(u["tflops_achieved"], 1),
                    "peak_bf16_tflops": u["peak_bf16_tflops"],
                    "fraction_of_peak_bf16": u["fraction_of_peak"] and round(u["fraction_of_peak"], 4)})
    return out
