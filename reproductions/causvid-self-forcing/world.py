"""The smoke-scale world: 2-D points circling the origin, clockwise or anticlockwise with equal
probability. Every window of frames has the same distribution (uniform phase), so a rollout of
any length can be compared block by block with fresh data; the two directions make the data
bimodal, so a sampler that averages modes (a many-step teacher run with few steps) is visibly
wrong (issue 7: "a bimodal trajectory world, so distribution matching matters")."""
from __future__ import annotations

import math

import torch


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
