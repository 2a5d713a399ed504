"""Procedural worlds with ground-truth state, seeded and deterministic.

Bouncing balls: ``n_balls`` discs in a square box of ``size`` pixels, reflecting off the walls,
optional gravity, elastic collisions between balls (mass proportional to area), optional
velocity jitter (a random kick each step, which makes the future uncertain) and optional
per-ball colour. Everything is vectorised over a batch of worlds with numpy; rendering is
anti-aliased (a pixel's coverage falls linearly over one pixel at the rim) at any size.
Coordinates are in pixels: (x, y) with the pixel (row i, column j) centred at (j + .5, i + .5).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

# bright, distinct colours (max channel >= 0.8 so a blob is found at the same threshold as grey)
PALETTE = np.array([[1.0, 0.25, 0.25], [0.25, 1.0, 0.3], [0.3, 0.45, 1.0], [1.0, 0.9, 0.2],
                    [0.95, 0.3, 1.0], [0.2, 0.95, 0.95]], dtype=np.float32)


@dataclass(frozen=True)
class BallsConfig:
    size: int = 12                 # frame side in pixels
    n_balls: int = 1
    radius: tuple[float, float] = (2.0, 2.0)   # drawn uniformly per ball
    speed: tuple[float, float] = (0.6, 1.2)    # initial speed, pixels per step
    max_speed: float = 1.5         # jitter never pushes a ball faster than this
    gravity: float = 0.0           # pixels per step^2, downwards (+y)
    jitter: float = 0.0            # std of the per-step velocity kick, pixels per step
    collisions: bool = True
    colour: bool = False           # per-ball colour (3 channels) instead of grey (1 channel)

    def __post_init__(self):
        problems = []
        if self.size < 4:
            problems.append("size must be >= 4")
        if self.n_balls < 1 or self.n_balls > len(PALETTE):
            problems.append(f"n_balls must be in 1..{len(PALETTE)}")
        if not 0 < self.radius[0] <= self.radius[1] < self.size / 4:
            problems.append("radius must satisfy 0 < low <= high < size/4")
        if not 0 <= self.speed[0] <= self.speed[1] <= self.max_speed:
            problems.append("speed must satisfy 0 <= low <= high <= max_speed")
        if self.jitter < 0 or self.gravity < 0:
            problems.append("jitter and gravity must be >= 0")
        if problems:
            raise ValueError("BallsConfig: " + "; ".join(problems))

    @property
    def channels(self) -> int:
        return 3 if self.colour else 1


@dataclass
class BallsState:
    pos: np.ndarray      # (B, n, 2) float64, pixels
    vel: np.ndarray      # (B, n, 2) float64, pixels per step
    radius: np.ndarray   # (B, n)
    colour: np.ndarray   # (B, n, C) float32

    def copy(self) -> "BallsState":
        return BallsState(self.pos.copy(), self.vel.copy(), self.radius.copy(), self.colour.copy())


class BouncingBalls:
    """The bouncing-balls world: ``simulate`` returns frames and ground-truth positions."""

    def __init__(self, config: BallsConfig):
        self.cfg = config

    def initial_state(self, batch: int, rng: np.random.Generator) -> BallsState:
        c, n = self.cfg, self.cfg.n_balls
        radius = rng.uniform(*c.radius, size=(batch, n))
        pos = np.empty((batch, n, 2))
        todo = np.ones(batch, bool)
        for _ in range(1000):  # rejection sampling: no ball overlaps another at the start
            k = int(todo.sum())
            if k == 0:
                break
            r = radius[todo][..., None]
            pos[todo] = r + rng.uniform(size=(k, n, 2)) * (c.size - 2 * r)
            d = np.linalg.norm(pos[:, :, None] - pos[:, None], axis=-1)
            gap = d - (radius[:, :, None] + radius[:, None]) - 0.5
            gap[:, np.arange(n), np.arange(n)] = np.inf
            todo = (gap < 0).any(axis=(1, 2))
        angle = rng.uniform(0, 2 * np.pi, size=(batch, n))
        speed = rng.uniform(*c.speed, size=(batch, n))
        vel = np.stack([np.cos(angle), np.sin(angle)], -1) * speed[..., None]
        if c.colour:
            colour = np.stack([PALETTE[rng.permutation(len(PALETTE))[:n]] for _ in range(batch)])
        else:
            colour = np.ones((batch, n, 1), np.float32)
        return BallsState(pos, vel, radius, colour.astype(np.float32))

    def step(self, s: BallsState, rng: np.random.Generator | None) -> BallsState:
        c = self.cfg
        s = s.copy()
        if c.jitter > 0:
            s.vel += rng.normal(0.0, c.jitter, size=s.vel.shape)
        s.vel[..., 1] += c.gravity
        speed = np.linalg.norm(s.vel, axis=-1, keepdims=True)
        s.vel *= np.minimum(1.0, c.max_speed / np.maximum(speed, 1e-12))
        s.pos += s.vel
        if c.collisions and c.n_balls > 1:
            self._collide(s)
        r = s.radius[..., None]
        low, high = r, c.size - r
        below, above = s.pos < low, s.pos > high
        s.pos = np.where(below, 2 * low - s.pos, np.where(above, 2 * high - s.pos, s.pos))
        s.vel = np.where(below | above, -s.vel, s.vel)
        return s

    @staticmethod
    def _collide(s: BallsState) -> None:
        """Elastic collisions of overlapping, approaching pairs (mass ~ area), in place."""
        n = s.pos.shape[1]
        mass = s.radius ** 2
        for i in range(n):
            for j in range(i + 1, n):
                d = s.pos[:, j] - s.pos[:, i]
                dist = np.linalg.norm(d, axis=-1)
                normal = d / np.maximum(dist, 1e-9)[:, None]
                approach = ((s.vel[:, i] - s.vel[:, j]) * normal).sum(-1)
                hit = (dist < s.radius[:, i] + s.radius[:, j]) & (approach > 0)
                mi, mj = mass[:, i], mass[:, j]
                impulse = (2 * approach / (mi + mj) * hit)[:, None] * normal
                s.vel[:, i] -= impulse * mj[:, None]
                s.vel[:, j] += impulse * mi[:, None]

    def render(self, pos, radius, colour, size: int | None = None, device=None):
        """Frames (..., C, H, W) float32 in [0, 1] for positions (..., n, 2) in world pixels;
        ``size`` renders at another resolution (coordinates are scaled). Computed with torch
        (fast on a GPU); returns numpy unless ``device`` is given, then a tensor there."""
        size = size or self.cfg.size
        scale = size / self.cfg.size
        dev = torch.device(device) if device is not None else torch.device("cpu")
        pos, radius, colour = (torch.as_tensor(np.asarray(a), dtype=torch.float32, device=dev)
                               for a in (pos, radius, colour))
        centres = (torch.arange(size, device=dev, dtype=torch.float32) + 0.5) / scale
        dx = centres[None, :] - pos[..., 0, None, None]           # (..., n, 1, W)
        dy = centres[:, None] - pos[..., 1, None, None]           # (..., n, H, 1)
        dist = torch.sqrt(dx ** 2 + dy ** 2)                      # (..., n, H, W)
        cover = ((radius[..., None, None] - dist) * scale + 0.5).clamp(0.0, 1.0)
        frame = torch.zeros(pos.shape[:-2] + (colour.shape[-1], size, size), device=dev)
        for b in range(pos.shape[-2]):  # "over" compositing, later balls in front
            a = cover[..., b, None, :, :]
            frame = frame * (1 - a) + a * colour[..., b, :, None, None]
        return frame if device is not None else frame.numpy()

    def simulate(self, batch: int, steps: int, rng: np.random.Generator,
                 state: BallsState | None = None, size: int | None = None, device=None):
        """``steps`` frames starting at ``state`` (drawn when None).

        Returns frames (B, T, C, H, W) float32 (numpy, or a tensor on ``device``), positions (B, T, n, 2), and the state after the
        last frame (so a run can be continued)."""
        s = self.initial_state(batch, rng) if state is None else state
        positions = []
        for t in range(steps):
            if t > 0:
                s = self.step(s, rng)
            positions.append(s.pos)
        pos = np.stack(positions, 1)
        rad = np.repeat(s.radius[:, None], steps, 1)
        col = np.repeat(s.colour[:, None], steps, 1)
        return self.render(pos, rad, col, size, device), pos, s

    def perturbed(self, state: BallsState, eps: float, rng: np.random.Generator) -> BallsState:
        """The same scene with positions moved by ``eps`` pixels in a random direction: the
        Physics-IQ idea of two runs of 'the same' experiment."""
        s = state.copy()
        angle = rng.uniform(0, 2 * np.pi, size=s.pos.shape[:2])
        s.pos += eps * np.stack([np.cos(angle), np.sin(angle)], -1)
        return s

    def with_(self, **changes) -> "BouncingBalls":
        """A variation of this world (typed: fails on an unknown or invalid field)."""
        return BouncingBalls(replace(self.cfg, **changes))


def step_rng(seed: int, step: int, stream: int = 0) -> np.random.Generator:
    """The generator for one training step: a pure function of (seed, step, stream), so a
    resumed or distributed run draws exactly the same data."""
    return np.random.default_rng([seed, step, stream])


class BallsDataset(torch.utils.data.Dataset):
    """A fixed, seeded set of clips: item i is (frames (T, C, H, W), positions (T, n, 2))."""

    def __init__(self, world: BouncingBalls, n_items: int, length: int, seed: int):
        frames, pos, _ = world.simulate(n_items, length, np.random.default_rng([seed, 2**31]))
        self.frames = torch.from_numpy(frames)
        self.positions = torch.from_numpy(pos)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int):
        return self.frames[i], self.positions[i]
