"""Sliced Wasserstein distance between two sample sets (generic; a candidate for the harness)."""
from __future__ import annotations

import torch


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 256,
                       seed: int = 0) -> float:
    """SW_2 between the empirical distributions of rows of ``a`` (n, d) and ``b`` (m, d):
    the root mean square, over random unit directions, of the 1-D Wasserstein-2 distance of the
    projections (computed from matched quantiles), in float64. Report it with n and m."""
    a, b = a.reshape(len(a), -1).double(), b.reshape(len(b), -1).double()
    g = torch.Generator().manual_seed(seed)
    dirs = torch.randn(a.shape[1], projections, generator=g, dtype=torch.float64)
    dirs = dirs / dirs.norm(dim=0, keepdim=True)
    pa, pb = (a.cpu() @ dirs).sort(dim=0).values, (b.cpu() @ dirs).sort(dim=0).values
    n = max(len(pa), len(pb))
    q = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    qa = torch.quantile(pa, q, dim=0) if len(pa) != n else pa
    qb = torch.quantile(pb, q, dim=0) if len(pb) != n else pb
    return float(((qa - qb) ** 2).mean().sqrt())
