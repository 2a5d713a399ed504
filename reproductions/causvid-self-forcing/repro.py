"""`awm repro run self-forcing`: teacher -> ODE initialisation -> DMD fine-tunes (diffusion
forcing = CausVid, teacher forcing, Self Forcing) on one streaming stack, then measurements.

``pipeline`` is shared with reproductions/causvid/ (the CausVid card), which runs only the
diffusion-forcing fine-tune. Metric names (all sliced Wasserstein distances to fresh data,
lower is better; ``sw_*`` over whole clips of the training length, ``block_sw_*`` per block):

    sw_data_floor        an independent data sample (the floor at this sample count)
    sw_teacher_50/_4     the bidirectional teacher with 50 / 4 Euler steps
    sw_ode, sw_<mode>    the 4-step block-causal students (mode: df, tf, sf)
    drift_<model>        last block minus first block, within the training length
    drift2x_<model>      mean over the blocks beyond the training length (a rollout of twice
                         the length with the rolling cache) minus the first block
    slope_<model>        least-squares slope of the per-block distance over all blocks of the
                         rollout of twice the training length (distance per block)
    slope_gap_<b>_lo/_hi 95% interval of slope_<b> - slope_sf (b: df, tf), paired over disjoint
                         groups of the evaluation clips (evaluate.paired_groups)
    sw_gap_<b>_lo/_hi    the same for the clip distance sw_<b> - sw_sf
"""
from __future__ import annotations

import time

import numpy as np
import torch

from reproductions.harness.card import context_gate, judge
from reproductions.harness.figures import rollout_strip
from reproductions.harness.metrics import area_bounds, blob_validity, by_horizon

from . import evaluate, method, stages, worlds
from .presets import PRESETS

MODES = ("df", "tf", "sf")


def pipeline(ctx, modes=MODES, preset: dict | None = None, log=print) -> dict:
    """Train (or load from ``ctx.run_dir``) every stage, measure, and return the run's dict."""
    preset = dict(PRESETS[ctx.scale] if preset is None else preset)
    device, seed, run = ctx.device, ctx.seed, ctx.run_dir
    if device.type == "cpu" and preset["cpu_threads"]:
        torch.set_num_threads(preset["cpu_threads"])
    torch.manual_seed(seed)
    world = worlds.make(preset)
    fpb, frames = preset["frames_per_block"], preset["frames"]
    times = method.student_times(preset["teacher_steps"], preset["student_steps"]).to(device)
    started = time.perf_counter()
    seconds = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        out = fn()
        seconds[name] = round(time.perf_counter() - t0, 1)
        log(f"{name}: {seconds[name]} s")
        return out

    teacher = timed("teacher", lambda: stages.train_teacher(
        preset, lambda n, g: world.sample(n, g, frames), device, seed, run / "teacher", True))
    pairs = timed("ode_pairs", lambda: stages.ode_pairs(preset, teacher, device, seed,
                                                        run / "ode_pairs.pt"))
    ode = timed("ode", lambda: stages.train_ode_init(preset, teacher, pairs, device, seed,
                                                     run / "ode", True))
    students = {"ode": ode}
    for mode in modes:
        students[mode] = timed(f"dmd_{mode}", lambda: stages.train_dmd(
            preset, mode, ode, teacher, pairs, device, seed, run / f"dmd-{mode}.pt"))

    # --- measurements on fresh data and fixed noise -----------------------------------------
    n, proj = preset["eval_samples"], preset["sw_projections"]
    g = torch.Generator().manual_seed(10_000 + seed)
    reference = world.sample(n, g, 2 * frames).to(device)
    floor = world.sample(n, g, frames).to(device)
    shape = (n, 2 * frames, preset["tokens_per_frame"], preset["token_dim"])
    noise = torch.randn((preset["student_steps"],) + shape, generator=g).to(device)
    clips = {"teacher_50": method.teacher_sample(teacher, noise[0, :, :frames], preset["teacher_steps"]),
             "teacher_4": method.teacher_sample(teacher, noise[0, :, :frames], preset["student_steps"])}
    long_clips = {}
    for name, net in students.items():
        long_clips[name] = method.generate(net, noise, times, window_frames=frames - fpb)
        clips[name] = method.generate(net, noise[:, :, :frames], times)

    metrics = {"sw_data_floor": evaluate.clip_distance(floor, reference[:, :frames], proj)}
    curves = {}
    for name, clip in clips.items():
        metrics[f"sw_{name}"] = evaluate.clip_distance(clip, reference[:, :frames], proj)
    n_blocks = frames // fpb
    for name, clip in long_clips.items():
        per_block = evaluate.block_distances(clip, reference, fpb, proj)
        curves[f"block_sw_{name}"] = per_block
        metrics[f"drift_{name}"] = per_block[n_blocks - 1] - per_block[0]
        metrics[f"drift2x_{name}"] = float(np.mean(per_block[n_blocks:])) - per_block[0]
        metrics[f"slope_{name}"] = evaluate.slope(per_block)
    if "sf" in students:   # Self Forcing against each baseline, paired over the same noise
        rivals = [m for m in students if m in ("df", "tf")]
        parts = timed("intervals", lambda: evaluate.paired_groups(
            {m: long_clips[m] for m in rivals + ["sf"]}, {m: clips[m] for m in rivals + ["sf"]},
            reference, fpb, proj, preset["interval_groups"]))
        for b in rivals:
            for what in ("slope", "sw"):
                lo, hi = evaluate.interval(parts[b][what] - parts["sf"][what])
                metrics[f"{what}_gap_{b}_lo"], metrics[f"{what}_gap_{b}_hi"] = lo, hi
    if preset["world"] == "balls":   # blob validity per frame (harness metric), full scale
        bounds = area_bounds(world.radius)
        for name, clip in long_clips.items():
            valid = blob_validity(world.frames(clip), world.n_balls, bounds)
            curves[f"valid_{name}"] = by_horizon(valid)
            metrics[f"valid_{name}"] = float(valid[:, :frames].mean())
            metrics[f"valid2x_{name}"] = float(valid[:, frames:].mean())
    metrics.update({f"seconds_{k}": v for k, v in seconds.items()})

    # --- the context-use gate: every student, true context against the mean block -----------
    measured, passed = {}, True
    gate_g = torch.Generator().manual_seed(20_000 + seed)
    for name, net in students.items():
        with_ctx, without = evaluate.context_use(net, reference[:, :frames], times, gate_g)
        gate = context_gate(with_ctx, without, preset["gate_max_ratio"])
        measured[name] = gate["measured"]
        passed = passed and gate["passed"]
        metrics[f"gate_ratio_{name}"] = gate["measured"]["ratio"]

    # --- picture: data, teachers, students at twice the training length ----------------------
    show = 2
    rows = [("data", world.frames(reference[:show]))]
    rows += [(name, world.frames(clips[name][:show])) for name in ("teacher_50", "teacher_4")]
    rows += [(name, world.frames(long_clips[name][:show])) for name in students]
    figure = f"{ctx.tag}-rollout.png"
    rollout_strip(ctx.results_dir / figure,
                  [(f"{label} #{i}", fr[i]) for label, fr in rows for i in range(show)],
                  max_frames=2 * frames)

    protocol = {"world": preset["world"], "frames": frames, "frames_per_block": fpb,
                "eval_frames_long": 2 * frames, "rolling_cache_frames": frames - fpb,
                "samples": n, "metric": f"sliced Wasserstein-2, {proj} projections, float64",
                "interval_groups": preset["interval_groups"],
                "teacher_steps": preset["teacher_steps"], "student_steps": preset["student_steps"],
                "student_times": [round(float(t), 4) for t in times],
                "iterations": {k: preset[k] for k in ("teacher_iters", "ode_iters", "dmd_iters")},
                "critic_steps": preset["critic_steps"], "batch": preset["batch"],
                "threads": torch.get_num_threads(),
                "train_seconds": round(time.perf_counter() - started, 1)}
    return {"protocol": protocol, "gate": {"passed": passed, "measured": measured},
            "metrics": metrics, "curves": curves, "figures": [figure],
            "_students": students, "_teacher": teacher}


def run(ctx) -> dict:
    out = pipeline(ctx)
    return finish(ctx, out)


def finish(ctx, out: dict) -> dict:
    """Judge the card's claims at this scale and drop the in-memory models."""
    result = {k: v for k, v in out.items() if not k.startswith("_")}
    result["claims"] = judge(ctx.card, ctx.scale, result["metrics"], result["gate"]["passed"])
    return result
