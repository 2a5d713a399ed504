"""Atari through ale-py: real frames, a checksummed cache, determinism, paddle control, and a
few training steps of the next-frame model on the collected frames (seconds, not a claim)."""
import json

import numpy as np
import pytest
import torch

from .conftest import load

pytest.importorskip("ale_py")
from reproductions.harness.atari import AtariWorld  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return AtariWorld("breakout", size=32, warmup=8, cache_dir=tmp_path_factory.mktemp("ale"))


def test_collects_real_frames_deterministically_and_caches_with_a_checksum(world, tmp_path):
    frames, actions = world.clips(3, 10, seed=0)
    assert frames.shape == (3, 10, 3, 32, 32) and actions.shape == (3, 10)
    assert frames.dtype == np.float32 and 0 <= frames.min() and frames.max() <= 1
    assert frames.std() > 0.05                                   # a real screen, not a blank
    (npz,) = world.cache_dir.glob("*-n3-t10-s0-*.npz")
    assert json.loads(npz.with_suffix(".json").read_text())["sha256"]
    again = AtariWorld("breakout", size=32, warmup=8, cache_dir=tmp_path)   # fresh emulator
    f2, a2 = again.clips(3, 10, seed=0)
    assert np.array_equal(frames, f2) and np.array_equal(actions, a2)
    # a cache whose checksum no longer matches is collected again, not trusted
    meta = npz.with_suffix(".json")
    meta.write_text(json.dumps({"sha256": "0" * 64}))
    assert world._load(npz) is None
    f3, _ = world.clips(3, 10, seed=0)
    assert np.array_equal(frames, f3)


def test_left_and_right_move_the_paddle_read_from_frames(world):
    start = world.start(2, 4, seed=1)
    _, left = world.follow(start, np.full((2, 8), world.moves["left"]))
    _, right = world.follow(start, np.full((2, 8), world.moves["right"]))
    assert np.all(right[:, -1] - left[:, -1] > 8)               # pixels of a 32-wide frame


def test_a_few_training_steps_on_atari_frames(world):
    repro, presets = load("repro"), load("presets")
    preset = {**presets.SMOKE, "world": "atari", "world_args": {},
              "net": {"widths": (16, 16), "cond_dim": 32},
              "train": {**presets.SMOKE["train"], "steps": 3, "batch": 4},
              "data": {"clips": 3, "length": 10}}
    net = repro.trained(preset, world, "edm", seed=0, progress=False)
    start = world.start(2, 4, seed=2)
    gen = repro.rollout(repro.predictor(net, "edm", 1, 0), start, np.zeros((2, 3), np.int64))
    assert gen.shape == (2, 3, 3, 32, 32) and np.isfinite(gen).all()
