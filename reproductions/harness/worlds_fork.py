"""A stochastic variant of the bouncing-balls world whose next frame is genuinely multimodal.

Balls move diagonally (equal speed along x and y). When a ball meets a wall, the velocity
component normal to the wall reflects as usual and the tangential component keeps or reverses
its sign with probability ``fork`` each: the ball leaves the wall along one of two diagonals, at
random. Between walls the motion is deterministic, so all uncertainty sits at the wall hits, and
both outcomes are equally likely with ``fork = 0.5``. ``fork = 0`` (always keep) and ``fork = 1``
(always reverse) give the two branches of a hit deterministically, which is how an evaluation
computes both possible futures of a scene.

Additive to :mod:`reproductions.harness.worlds` (a subclass; the deterministic world is unchanged).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .worlds import BallsConfig, BallsState, BouncingBalls


@dataclass(frozen=True)
class ForkConfig(BallsConfig):
    fork: float = 0.5   # probability that the tangential velocity reverses at a wall hit

    def __post_init__(self):
        super().__post_init__()
        problems = []
        if not 0.0 <= self.fork <= 1.0:
            problems.append("fork must be a probability in [0, 1]")
        if self.jitter != 0 or self.gravity != 0:
            problems.append("jitter and gravity must be 0 (the fork is the only randomness)")
        if self.n_balls > 1 and self.collisions:
            problems.append("set collisions=False for several balls (hits are read from walls)")
        if problems:
            raise ValueError("ForkConfig: " + "; ".join(problems))


class ForkingBalls(BouncingBalls):
    """Bouncing balls that choose one of two diagonals at every wall hit."""

    cfg: ForkConfig

    def initial_state(self, batch: int, rng: np.random.Generator) -> BallsState:
        s = super().initial_state(batch, rng)
        speed = np.linalg.norm(s.vel, axis=-1, keepdims=True)
        s.vel = np.sign(s.vel + (s.vel == 0)) * speed / np.sqrt(2.0)  # the nearest diagonal
        return s

    def wall_hits(self, s: BallsState) -> np.ndarray:
        """(B, n, 2) bool: the axes on which each ball meets a wall during its next step."""
        r = s.radius[..., None]
        nxt = s.pos + s.vel
        return (nxt < r) | (nxt > self.cfg.size - r)

    def step(self, s: BallsState, rng: np.random.Generator | None) -> BallsState:
        hits = self.wall_hits(s)
        out = super().step(s, rng)
        one_wall = hits.sum(-1) == 1                       # corners reflect on both axes
        u = rng.uniform(size=one_wall.shape) if 0 < self.cfg.fork < 1 else \
            np.zeros(one_wall.shape)
        reverse = one_wall & (u < self.cfg.fork)
        tangential = ~hits & reverse[..., None]            # the axis that did not hit
        out.vel = np.where(tangential, -out.vel, out.vel)
        return out

    def with_(self, **changes) -> "ForkingBalls":
        return ForkingBalls(replace(self.cfg, **changes))
