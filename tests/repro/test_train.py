"""The training loop: exact resume, and DDP over two gloo processes equals one process."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import torch

from reproductions.harness.train import TrainConfig, load_trained, train

STEPS = 6


def toy_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.SiLU(),
                               torch.nn.Conv2d(4, 1, 3, padding=1))


def toy_batch(step):
    g = torch.Generator().manual_seed(1000 + step)
    return {"x": torch.randn(8, 1, 6, 6, generator=g), "y": torch.randn(8, 1, 6, 6, generator=g)}


def toy_loss(net, batch):
    return ((net(batch["x"]) - batch["y"]) ** 2).mean()


def test_resume_is_exact(tmp_path):
    cfg = TrainConfig(steps=12, ckpt_every=5, log_every=2, progress=False, warmup=3)
    straight = train(toy_model(), toy_loss, toy_batch, cfg, tmp_path / "a")
    half = TrainConfig(**{**cfg.__dict__, "steps": 5})
    train(toy_model(), toy_loss, toy_batch, half, tmp_path / "b")
    resumed = train(toy_model(), toy_loss, toy_batch, cfg, tmp_path / "b", resume=True)
    assert resumed.step == 12
    for p, q in zip(straight.model.parameters(), resumed.model.parameters()):
        assert torch.equal(p, q)
    for p, q in zip(straight.ema.parameters(), resumed.ema.parameters()):
        assert torch.equal(p, q)
    lines = [json.loads(x) for x in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [2, 4, 6, 8, 10, 12]
    drop_time = lambda rows: [{k: v for k, v in r.items() if k != "time_s"} for r in rows]
    assert drop_time(lines) == drop_time(straight.log)  # same losses, norms, rates
    ema = load_trained(toy_model(), tmp_path / "b", 12)
    assert all(torch.equal(p, q) for p, q in zip(ema.parameters(), straight.ema.parameters()))
    assert load_trained(toy_model(), tmp_path / "b", 13) is None


def test_ddp_two_gloo_processes_match_one_process_on_the_whole_batch(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "ddp.pt"
    env = dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
         "--master_addr=127.0.0.1", f"--master_port={port}",
         str(Path(__file__).with_name("ddp_worker.py")), str(out)],
        capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ddp = torch.load(out)
    one = train(toy_model(), toy_loss, toy_batch, TrainConfig(steps=STEPS, progress=False, warmup=1))
    start = toy_model().state_dict()
    for name, p in one.model.state_dict().items():
        assert not torch.equal(p, start[name])  # training moved the weights
        assert torch.allclose(ddp[name], p, atol=1e-6), name
