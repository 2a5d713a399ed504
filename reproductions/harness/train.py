"""The one training loop of the reproductions.

    state = train(model, loss_fn, batch_fn, TrainConfig(...), run_dir, resume=True)

- ``batch_fn(step)`` returns the *global* batch for that step as a dict of tensors, with every
  random draw (data, noise levels, noise) made from a generator seeded by (seed, step). So a
  resumed run and a run split over ranks see exactly the same numbers: resume is exact and
  DDP with R ranks equals one process on the whole batch (each rank takes its slice).
- ``loss_fn(model, batch)`` is deterministic given the batch and returns a scalar (or a
  (loss, {name: float}) pair for the log).
- Device: CUDA when present, else CPU; bf16 autocast on CUDA; optional ``torch.compile``;
  AdamW with gradient clipping; EMA of the weights; a checkpoint every ``ckpt_every`` steps
  (atomic) and at the end; metrics as JSON lines in ``run_dir/log.jsonl``; a tqdm bar.
- Multi-GPU: launch with ``torchrun``; :func:`init_distributed` reads its environment.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm.auto import tqdm


@dataclass
class TrainConfig:
    steps: int
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup: int = 50
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    ckpt_every: int = 500
    log_every: int = 50
    compile: bool = False
    amp: bool = True        # bf16 autocast, CUDA only
    seed: int = 0
    progress: bool = True


@dataclass
class TrainState:
    model: torch.nn.Module          # the raw model (unwrapped), final weights
    ema: torch.nn.Module            # the EMA copy (use this for evaluation)
    step: int
    log: list[dict]
    seconds: float                  # wall time of the steps run in this call


def auto_device() -> torch.device:
    if torch.cuda.is_available():
        rank = int(os.environ.get("LOCAL_RANK", 0))
        return torch.device("cuda", rank)
    return torch.device("cpu")


def init_distributed() -> tuple[int, int]:
    """(rank, world_size); initialises the process group when launched by torchrun."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    if int(os.environ.get("WORLD_SIZE", 1)) > 1:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard(batch: dict, rank: int, world: int) -> dict:
    """This rank's contiguous slice of every tensor's first dimension."""
    if world == 1:
        return batch
    out = {}
    for k, v in batch.items():
        n = v.shape[0] // world
        out[k] = v[rank * n:(rank + 1) * n]
    return out


def _to(batch: dict, device) -> dict:
    return {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}


def _atomic_save(obj, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(model: torch.nn.Module, loss_fn: Callable, batch_fn: Callable[[int], dict],
          cfg: TrainConfig, run_dir: Path | None = None, resume: bool = False,
          device: torch.device | None = None) -> TrainState:
    rank, world = init_distributed()
    device = device or auto_device()
    torch.manual_seed(cfg.seed)
    model = model.to(device)
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema_decay), use_buffers=True)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, cfg.warmup)))
    step, log = 0, []
    ckpt = Path(run_dir) / "checkpoint.pt" if run_dir is not None else None
    if run_dir is not None:
        Path(run_dir).mkdir(parents=True, exist_ok=True)
    if resume and ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step = state["step"]
        # an end-of-run row of an interrupted run is not part of an uninterrupted log
        log = [r for r in state["log"] if r["step"] % cfg.log_every == 0]
    net = DistributedDataParallel(model) if world > 1 else model
    if cfg.compile:
        net = torch.compile(net)
    use_amp = cfg.amp and device.type == "cuda"
    log_path = Path(run_dir) / "log.jsonl" if run_dir is not None and rank == 0 else None
    if log_path is not None:  # rewrite the log up to the resumed step
        log_path.write_text("".join(json.dumps(r) + "\n" for r in log))

    def save():
        if ckpt is not None and rank == 0:
            _atomic_save({"model": model.state_dict(), "ema": ema.state_dict(),
                          "opt": opt.state_dict(), "sched": sched.state_dict(), "step": step,
                          "log": log, "config": asdict(cfg)}, ckpt)

    start = time.perf_counter()
    bar = tqdm(total=cfg.steps, initial=step, disable=not cfg.progress or rank != 0,
               desc=type(model).__name__, leave=False)
    model.train()
    while step < cfg.steps:
        batch = _to(shard(batch_fn(step), rank, world), device)
        torch.manual_seed(cfg.seed * 1_000_003 + step)  # dropout etc.: a function of the step
        amp = torch.autocast("cuda", dtype=torch.bfloat16) if use_amp else contextlib.nullcontext()
        with amp:
            out = loss_fn(net, batch)
        loss, extra = out if isinstance(out, tuple) else (out, {})
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        sched.step()
        ema.update_parameters(model)
        step += 1
        bar.update(1)
        if step % cfg.log_every == 0 or step == cfg.steps:
            row = {"step": step, "loss": float(loss.detach()), "grad_norm": float(gnorm),
                   "lr": sched.get_last_lr()[0], "time_s": round(time.perf_counter() - start, 2),
                   **{k: float(v) for k, v in extra.items()}}
            log.append(row)
            bar.set_postfix(loss=f"{row['loss']:.4f}")
            if log_path is not None:
                with log_path.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
        if step % cfg.ckpt_every == 0 and step < cfg.steps:
            save()
    bar.close()
    save()
    ema.module.eval()
    model.eval()
    return TrainState(model, ema.module, step, log, time.perf_counter() - start)


def load_trained(model: torch.nn.Module, run_dir: Path, steps: int, device=None):
    """The EMA model of a finished run in ``run_dir`` (None if it has not reached ``steps``)."""
    ckpt = Path(run_dir) / "checkpoint.pt"
    if not ckpt.exists():
        return None
    state = torch.load(ckpt, map_location=device or "cpu", weights_only=False)
    if state["step"] < steps:
        return None
    ema = AveragedModel(model, use_buffers=True)
    ema.load_state_dict(state["ema"])
    return ema.module.to(device or "cpu").eval()
