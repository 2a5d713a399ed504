"""Atari through ale-py (it ships the ROMs): an action world for the next-frame models.

A collector plays a game with a seeded random policy that repeats its last action with a
probability (so the paddle travels), with sticky actions off (``repeat_action_probability``
0) and a fixed frame skip, so frames are a deterministic function of the seed. Frames are
downsampled with area averaging to ``size`` x ``size`` RGB in [0, 1]. Collected clips are cached
on disk (a temporary folder by default, never the repository) as ``.npz`` with a SHA-256 of the
arrays in a sidecar ``.json``; a cache file whose checksum does not match is collected again.

The world follows the action-world protocol of :mod:`reproductions.harness.game`; ``start``
keeps the emulator's state (``cloneState``) so the same starting point can be continued under
different action strings (the ground truth for controllability). The paddle's position is read
from frames (Breakout: the red paddle's mean column in its rows), for ground truth and for
generated frames alike.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .game import Start

# Breakout's paddle: rows 189-192 of the 210x160 screen, colour (200, 72, 72)
PADDLE_ROWS = {"breakout": (189, 193)}
CACHE_VERSION = 1


def _checksum(arrays: dict) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode() + str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()


class AtariWorld:
    channels = 3

    def __init__(self, game: str = "breakout", size: int = 64, frameskip: int = 4,
                 action_repeat: float = 0.8, warmup: int = 40, cache_dir: str | None = None):
        import ale_py
        from ale_py import roms
        self.game, self.size, self.frameskip = game, size, frameskip
        self.action_repeat, self.warmup = action_repeat, warmup
        self.cache_dir = Path(cache_dir or os.environ.get("AWM_CACHE")
                              or Path(tempfile.gettempdir()) / "awm-atari")
        self._ale = ale_py.ALEInterface()
        self._ale.setLoggerMode(ale_py.LoggerMode.Error)
        self._ale.setInt("random_seed", 0)
        self._ale.setFloat("repeat_action_probability", 0.0)   # sticky actions off
        self._ale.loadROM(roms.get_rom_path(game))
        self._actions = list(self._ale.getMinimalActionSet())
        names = [a.name for a in self._actions]
        self.n_actions = len(names)
        self.moves = {"left": names.index("LEFT"), "right": names.index("RIGHT")}
        self._fire = names.index("FIRE") if "FIRE" in names else None

    # ---- emulator ---------------------------------------------------------------------------
    def _frame(self) -> np.ndarray:
        screen = torch.from_numpy(self._ale.getScreenRGB()).permute(2, 0, 1)[None].float() / 255
        return F.interpolate(screen, size=(self.size, self.size), mode="area")[0].numpy()

    def _act(self, a: int) -> None:
        lives = self._ale.lives()
        for _ in range(self.frameskip):
            self._ale.act(self._actions[a])
        if self._ale.game_over():
            self._ale.reset_game()
        elif self._ale.lives() < lives and self._fire is not None:
            self._ale.act(self._actions[self._fire])    # relaunch the ball after a lost life

    def _policy(self, rng: np.random.Generator, n: int) -> np.ndarray:
        acts = [int(rng.integers(self.n_actions))]
        for _ in range(n - 1):
            keep = rng.uniform() < self.action_repeat
            acts.append(acts[-1] if keep else int(rng.integers(self.n_actions)))
        return np.array(acts, np.int64)

    def _begin(self, rng: np.random.Generator) -> None:
        """A new game, the ball launched, then a random number of random warm-up steps."""
        self._ale.reset_game()
        if self._fire is not None:
            self._act(self._fire)
        for a in self._policy(rng, int(rng.integers(0, self.warmup + 1))):
            self._act(int(a))

    def _record(self, actions: np.ndarray) -> np.ndarray:
        """Frames after each action (len(actions), C, H, W)."""
        out = []
        for a in actions:
            self._act(int(a))
            out.append(self._frame())
        return np.stack(out)

    # ---- the action-world protocol -----------------------------------------------------------
    def clips(self, n: int, length: int, seed: int):
        key = f"{self.game}-{self.size}-fs{self.frameskip}-n{n}-t{length}-s{seed}-v{CACHE_VERSION}"
        path = self.cache_dir / f"{key}.npz"
        cached = self._load(path)
        if cached is not None:
            return cached["frames"], cached["actions"]
        rng = np.random.default_rng([seed, 7])
        frames, actions = [], []
        for _ in range(n):
            self._begin(rng)
            acts = self._policy(rng, length)
            # frame 0 is the current screen; action t moves frame t to frame t+1
            frames.append(np.concatenate([self._frame()[None], self._record(acts[:-1])]))
            actions.append(acts)
        data = {"frames": np.stack(frames).astype(np.float32), "actions": np.stack(actions)}
        self._save(path, data)
        return data["frames"], data["actions"]

    def actions(self, n: int, steps: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng([seed, 8])
        return np.stack([self._policy(rng, steps) for _ in range(n)])

    def start(self, n: int, k: int, seed: int) -> Start:
        rng = np.random.default_rng([seed, 9])
        frames, actions, states = [], [], []
        for _ in range(n):
            self._begin(rng)
            acts = self._policy(rng, k)
            frames.append(np.concatenate([self._frame()[None], self._record(acts[:-1])]))
            actions.append(acts)
            states.append(self._ale.cloneState())
        return Start(np.stack(frames), np.stack(actions), states)

    def follow(self, start: Start, actions: np.ndarray):
        frames = []
        for state, acts in zip(start.state, np.asarray(actions)):
            self._ale.restoreState(state)
            frames.append(self._record(acts))
        frames = np.stack(frames)
        return frames, self.paddle_x(frames)

    def paddle_x(self, frames) -> np.ndarray:
        """The paddle's mean column (pixels of the frame) from frames (..., 3, H, W): red
        minus green in the paddle's rows, walls excluded; NaN where no paddle is seen."""
        f = np.asarray(frames.detach().cpu() if isinstance(frames, torch.Tensor) else frames)
        top, bottom = PADDLE_ROWS[self.game]
        lo, hi = int(top / 210 * self.size), int(np.ceil(bottom / 210 * self.size))
        wall = int(np.ceil(8 / 160 * self.size))
        red = np.clip(f[..., 0, lo:hi, wall:-wall] - f[..., 1, lo:hi, wall:-wall], 0, 1).sum(-2)
        cols = np.arange(wall, self.size - wall) + 0.5
        mass = red.sum(-1)
        return np.where(mass > 0.3, (red * cols).sum(-1) / np.maximum(mass, 1e-6), np.nan)

    # ---- cache -------------------------------------------------------------------------------
    @staticmethod
    def _load(path: Path):
        meta = path.with_suffix(".json")
        if not (path.is_file() and meta.is_file()):
            return None
        try:
            with np.load(path) as z:
                data = {k: z[k] for k in z.files}
            if json.loads(meta.read_text())["sha256"] != _checksum(data):
                return None
        except (OSError, ValueError, KeyError):
            return None
        return data

    @staticmethod
    def _save(path: Path, data: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez_compressed(tmp, **data)
        os.replace(tmp, path)
        path.with_suffix(".json").write_text(json.dumps({"sha256": _checksum(data)}))
