"""`awm repro run causvid`: the CausVid recipe (teacher -> ODE initialisation -> DMD with
diffusion-forcing inputs) on the streaming stack of reproductions/causvid-self-forcing/.

This folder holds only the CausVid card and its result records. The code is shared; so are the
checkpoints: stages cached by a Self Forcing run of the same scale and seed are reused.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reproductions.harness import runner

SHARED = Path(__file__).resolve().parent.parent / "causvid-self-forcing"


def run(ctx) -> dict:
    shared = runner.import_module(SHARED, "repro")
    staged = replace(ctx, run_dir=SHARED / "runs" / ctx.tag)
    staged.run_dir.mkdir(parents=True, exist_ok=True)
    return shared.finish(ctx, shared.pipeline(staged, modes=("df",)))
