"""A run killed with SIGKILL in the middle of training and resumed ends exactly where an
uninterrupted run ends: the same final weights, the same record, and no partial record between.

The run is a real reproduction's code in a subprocess through the runner: the MAR toy (its
network, Diffusion Loss, harness training loop and evaluation), with a shortened preset so that
the three runs of this test take seconds. CPU, one thread, a fixed seed.
"""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
SEED, STEPS = 3, 200

REPRO = f'''
from reproductions.harness import card as cards
from reproductions.harness.runner import ROOT, import_module

MAR = ROOT / "reproductions" / "mar"
toy, presets = import_module(MAR, "toy"), import_module(MAR, "presets")
PRESET = dict(presets.smoke, steps={STEPS}, eval_samples=128, sample_steps=10)


def run(ctx):
    diff = toy.train("diffusion", PRESET, ctx.seed, ctx.run_dir / "diffusion", ctx.resume)
    mse = toy.train("mse", PRESET, ctx.seed, ctx.run_dir / "mse", ctx.resume)
    m = toy.evaluate(diff, mse, PRESET, ctx.seed)
    return {{"protocol": {{"steps": PRESET["steps"]}}, "gate": {{"passed": True, "measured": {{}}}},
            "metrics": m, "curves": {{}}, "claims": cards.judge(ctx.card, ctx.scale, m, True),
            "figures": []}}
'''

RUN = ("import sys; from pathlib import Path; from reproductions.harness import runner; "
       "runner.run_one(Path(sys.argv[1]), 'smoke', seed=int(sys.argv[2]), "
       "resume=sys.argv[3] == 'resume', root=Path(sys.argv[4]))")


def make_reproduction(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_toy.py").write_text("def test_toy():\n    pass\n")
    folder = root / "reproductions" / "toy-resume"
    folder.mkdir(parents=True)
    (folder / "card.yaml").write_text(
        "paper: mar\ntitle: the MAR toy, interrupted\nreproduced: [resume]\nclaims:\n"
        "  - {id: multimodal, statement: s, source: Sec. 1, metric: m, threshold: 0.5,\n"
        "     comparison: 'toy_diff_near_mode_t1 >= 0.5', scale: smoke,\n"
        "     test: 'tests/test_toy.py::test_toy'}\n")
    (folder / "repro.py").write_text(REPRO)
    return folder


def start(folder: Path, root: Path, resume: bool) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUN, str(folder), str(SEED),
                             "resume" if resume else "fresh", str(root)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> None:
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]


def final_state(folder: Path, model: str) -> dict:
    return torch.load(folder / "runs" / f"smoke-seed{SEED}" / model / "checkpoint.pt",
                      weights_only=False)


def test_killed_run_resumes_to_the_same_weights_and_record(tmp_path):
    killed = make_reproduction(tmp_path / "killed")
    ckpt = killed / "runs" / f"smoke-seed{SEED}" / "diffusion" / "checkpoint.pt"
    proc = start(killed, tmp_path / "killed", resume=False)
    deadline = time.monotonic() + 300
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before its first checkpoint"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    mid = torch.load(ckpt, weights_only=False)
    assert 0 < mid["step"] < STEPS                              # killed in the middle
    assert list((killed / "results").iterdir()) == []           # no record, not even a partial one
    finish(start(killed, tmp_path / "killed", resume=True))

    plain = make_reproduction(tmp_path / "plain")
    finish(start(plain, tmp_path / "plain", resume=False))

    # the resumed run went on from the checkpoint: its log keeps the killed run's rows, timings
    # included (a run started again from step 0 would have timed them anew)
    assert final_state(killed, "diffusion")["log"][:len(mid["log"])] == mid["log"] != []
    for model in ("diffusion", "mse"):
        a, b = final_state(killed, model), final_state(plain, model)
        assert a["step"] == b["step"] == STEPS
        for part in ("model", "ema"):
            assert a[part].keys() == b[part].keys()
            for k in a[part]:
                assert torch.equal(a[part][k], b[part][k]), (model, part, k)
        assert [{k: v for k, v in r.items() if k != "time_s"} for r in a["log"]] == \
            [{k: v for k, v in r.items() if k != "time_s"} for r in b["log"]]
    name = f"smoke-seed{SEED}.json"
    resumed, uninterrupted = (json.loads((f / "results" / name).read_text()) for f in (killed, plain))
    assert resumed["metrics"] == uninterrupted["metrics"]
    assert resumed["claims"] == uninterrupted["claims"]
    assert sorted(p.name for p in (killed / "results").iterdir()) == [name]
