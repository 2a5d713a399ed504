"""Sliced Wasserstein distance between two sample sets (generic; a candidate for the harness).

The distance is computed in steps that a caller comparing many sets with one reference can
reuse: ``directions``, ``sorted_projections`` of each set, the reference's ``quantiles`` at the
other set's size, then ``sw_sorted``."""
from __future__ import annotations

import torch


def directions(dim: int, projections: int, seed: int = 0) -> torch.Tensor:
    """``projections`` random unit directions in R^dim, as columns (float64, seeded)."""
    g = torch.Generator().manual_seed(seed)
    dirs = torch.randn(dim, projections, generator=g, dtype=torch.float64)
    return dirs / dirs.norm(dim=0, keepdim=True)


def sorted_projections(x: torch.Tensor, dirs: torch.Tensor) -> torch.Tensor:
    """Rows of ``x`` (n, ...) projected on ``dirs`` and sorted per direction: (n, projections)."""
    return (x.reshape(len(x), -1).double().cpu() @ dirs).sort(dim=0).values


def quantiles(sorted_proj: torch.Tensor, n: int) -> torch.Tensor:
    """The (n, P) matched quantiles (i + 0.5) / n of a sorted projection set."""
    if len(sorted_proj) == n:
        return sorted_proj
    return torch.quantile(sorted_proj, (torch.arange(n, dtype=torch.float64) + 0.5) / n, dim=0)


def sw_sorted(sa: torch.Tensor, sb: torch.Tensor) -> float:
    """SW_2 from two sorted projection sets (n, P) and (m, P): the root mean square, over the
    directions, of the 1-D Wasserstein-2 distance, from matched quantiles."""
    n = max(len(sa), len(sb))
    return float(((quantiles(sa, n) - quantiles(sb, n)) ** 2).mean().sqrt())


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 256,
                       seed: int = 0) -> float:
    """SW_2 between the empirical distributions of rows of ``a`` (n, d) and ``b`` (m, d), in
    float64. Report it with n and m."""
    dirs = directions(a[0].numel(), projections, seed)
    return sw_sorted(sorted_projections(a, dirs), sorted_projections(b, dirs))
