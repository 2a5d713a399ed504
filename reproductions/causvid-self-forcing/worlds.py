"""The two worlds as token streams: ``sample(n, generator) -> (n, F, P, D)`` clips of tokens,
and ``frames(tokens) -> (n, F, C, H, W)`` images in [0, 1] for pictures and blob metrics.

* ``circles`` (smoke): 2-D points circling the origin, clockwise or anticlockwise with equal
  probability, one token per frame. Every window of frames has the same distribution (uniform
  phase), so a rollout of any length can be compared block by block with fresh data; the two
  directions make the data bimodal, so a sampler that averages modes (a many-step teacher run
  with few steps) is visibly wrong. Pictures draw the point with the harness's ball renderer.
* ``balls`` (full): the harness's bouncing balls, each frame cut into patches (one token per
  patch), values mapped from [0, 1] to [-1, 1].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import math

import numpy as np
import torch

from reproductions.harness.worlds import BallsConfig, BouncingBalls

def circling_points(n: int, frames: int, generator: torch.Generator, *, period: float = 12.0,
                    radius: tuple[float, float] = (0.6, 1.4), speed_jitter: float = 0.1,
                    noise: float = 0.02) -> torch.Tensor:
    """(n, frames, 1, 2) clips: radius r ~ U(radius), phase ~ U(0, 2 pi), direction +-1, angular
    speed 2 pi / period times (1 + speed_jitter * N(0, 1)), plus N(0, noise^2) per coordinate."""
    u = torch.rand(n, 3, generator=generator)
    r = radius[0] + (radius[1] - radius[0]) * u[:, 0]
    phase = 2 * math.pi * u[:, 1]
    direction = torch.where(u[:, 2] < 0.5, -1.0, 1.0)
    speed = 2 * math.pi / period * (1 + speed_jitter * torch.randn(n, generator=generator))
    angle = phase[:, None] + (direction * speed)[:, None] * torch.arange(frames)[None, :]
    xy = torch.stack([angle.cos(), angle.sin()], dim=-1) * r[:, None, None]
    xy = xy + noise * torch.randn(xy.shape, generator=generator)
    return xy[:, :, None, :]


DOT_BOX = 3.2     # the dot picture shows [-1.6, 1.6]^2


@dataclass
class TokenWorld:
    sample: Callable[[int, torch.Generator, int], torch.Tensor]   # (n, generator, frames)
    frames: Callable[[torch.Tensor], np.ndarray]
    n_balls: int = 1
    radius: tuple[float, float] = (1.2, 1.2)


def circles(preset) -> TokenWorld:
    size = preset.get("picture_size", 16)
    renderer = BouncingBalls(BallsConfig(size=size, radius=(1.2, 1.2)))

    def frames(tokens):
        pos = (tokens[:, :, :1, :].double().cpu().numpy() / DOT_BOX + 0.5) * size   # (n, F, 1, 2)
        n, f = pos.shape[:2]
        return renderer.render(pos, np.full((n, f, 1), 1.2), np.ones((n, f, 1, 1), np.float32))

    return TokenWorld(lambda n, g, f: circling_points(n, f, g), frames)


def balls(preset) -> TokenWorld:
    cfg = BallsConfig(size=preset["image_size"], n_balls=preset["n_balls"],
                      radius=tuple(preset["radius"]), jitter=preset["jitter"],
                      colour=preset["colour"])
    world, p = BouncingBalls(cfg), preset["patch"]
    c, s = cfg.channels, cfg.size

    render_on = torch.device("cuda") if torch.cuda.is_available() else None

    def sample(n, g, f):
        rng = np.random.default_rng(int(torch.randint(2**62, (1,), generator=g)))
        x = torch.as_tensor(world.simulate(n, f, rng, device=render_on)[0]) * 2 - 1  # (n, F, C, H, W)
        x = x.reshape(n, f, c, s // p, p, s // p, p).permute(0, 1, 3, 5, 2, 4, 6)
        return x.reshape(n, f, (s // p) ** 2, c * p * p)

    def frames(tokens):
        n, f = tokens.shape[:2]
        x = tokens.float().cpu().reshape(n, f, s // p, s // p, c, p, p).permute(0, 1, 4, 2, 5, 3, 6)
        return ((x.reshape(n, f, c, s, s) + 1) / 2).clamp(0, 1).numpy()

    return TokenWorld(sample, frames, cfg.n_balls, cfg.radius)


def make(preset) -> TokenWorld:
    return {"circles": circles, "balls": balls}[preset["world"]](preset)
