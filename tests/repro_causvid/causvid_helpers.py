"""Import the CausVid / Self Forcing modules the way the runner does (the folder has a hyphen)."""
from pathlib import Path

from reproductions.harness import runner

FOLDER = Path(__file__).resolve().parents[2] / "reproductions" / "causvid-self-forcing"


def load(name: str):
    return runner.import_module(FOLDER, name)
