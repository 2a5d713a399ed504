"""GameNGen's context-noise augmentation is a variant of DIAMOND's model: this folder holds
the GameNGen card and records, and the code is reproductions/diamond (see its README)."""
from pathlib import Path

from reproductions.harness import runner


def run(ctx) -> dict:
    diamond = runner.import_module(Path(__file__).resolve().parent.parent / "diamond", "repro")
    return diamond.run(ctx, study="gamengen")
