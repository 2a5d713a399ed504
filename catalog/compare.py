"""Comparisons built from the loaded catalog: results grouped per benchmark and setting, and the
real-time streaming table. Pure functions of the catalog, shared by catalog.json, the README and
the site, so every output ranks and groups the same way.

Two numbers of one benchmark are ranked together only when their settings are equal (the same
resolution, frames, steps, prompt set, dataset and seeds; the free-text note is shown, not
compared): a VBench total on rewritten prompts is not comparable with one on the original
prompts. Such numbers land in separate groups. The largest group with a recorded setting comes
first and is the reference; every other group is marked not comparable with it, and numbers
whose setting the source does not state form a last group, not known to be comparable.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Optional

from .model import Benchmark, Catalog, Paper, Result

FITS_GB = 24  # "fits 24 GB": reported memory at most this (a 24 GB consumer GPU)
STREAMING_QUALITY = "vbench-total"  # the quality axis of the streaming table and scatter plot


@dataclass(frozen=True)
class Entry:
    """One reported number with the paper that reports it."""

    paper: Paper
    result: Result


@dataclass
class Group:
    """Numbers of one benchmark under one setting, best first."""

    setting: str  # Setting.label(note=False), '' when the source states no setting
    entries: list[Entry] = field(default_factory=list)
    comparable: bool = True  # the reference group of the benchmark (see the module docstring)

    @property
    def recorded(self) -> bool:
        return bool(self.setting)


@dataclass
class Comparison:
    benchmark: Benchmark
    groups: list[Group]

    @property
    def count(self) -> int:
        return sum(len(g.entries) for g in self.groups)


def comparisons(catalog: Catalog) -> list[Comparison]:
    """One comparison per vocabulary benchmark that has numbers, in vocabulary order. Groups:
    recorded settings with most numbers first, then by label, the unrecorded setting last;
    inside a group best first (by the benchmark's direction), ties by paper key."""
    by_bench: dict[str, dict[tuple, Group]] = {}
    for paper in catalog.papers.values():
        for result in paper.results:
            if result.benchmark not in catalog.benchmarks:
                continue
            groups = by_bench.setdefault(result.benchmark, {})
            group = groups.setdefault(result.setting.comparable_key(),
                                      Group(result.setting.label(note=False)))
            group.entries.append(Entry(paper, result))
    out = []
    for key, bench in catalog.benchmarks.items():
        if key not in by_bench:
            continue
        sign = -1 if bench.higher_is_better else 1
        groups = sorted(by_bench[key].values(),
                        key=lambda g: (not g.recorded, -len(g.entries), g.setting))
        for index, group in enumerate(groups):
            group.entries.sort(key=lambda e: (sign * e.result.value, e.paper.key, e.result.source
                                              or ""))
            group.comparable = index == 0 and group.recorded
        out.append(Comparison(bench, groups))
    return out


# ---- real-time streaming -----------------------------------------------------------------------

def base_chain(catalog: Catalog, paper: Paper) -> list[str]:
    """The base models from ``paper`` down: catalog keys while the base is a record, ending
    with a name (e.g. ['self-forcing', 'Wan2.1-T2V-1.3B']); [] when no base is recorded."""
    chain: list[str] = []
    current: Optional[Paper] = paper
    while current is not None and current.compute and current.compute.base_model:
        base = current.compute.base_model
        if base in chain or base == paper.key:  # a loop of records: stop
            break
        chain.append(base)
        current = catalog.papers.get(base)
    return chain


def built_on_wan(catalog: Catalog, paper: Paper) -> bool:
    """True when the base chain ends at a Wan model (Wan2.1, Wan 2.2 ...), by its name."""
    chain = base_chain(catalog, paper)
    return bool(chain) and re.match(r"wan\W?\d", chain[-1], re.IGNORECASE) is not None


def open_weights(paper: Paper) -> Optional[str]:
    """The https link to released weights, from open.weights or links.weights."""
    url = (paper.open.weights if paper.open else None) or paper.links.weights
    return url if url and url.startswith("https://") else None


def _first(paper: Paper, benchmark: str) -> Optional[Result]:
    return next((r for r in paper.results if r.benchmark == benchmark), None)


@dataclass(frozen=True)
class StreamingRow:
    """What the streaming table shows of one paper that reports a speed."""

    paper: Paper
    fps: Optional[float]
    fps_hardware: Optional[str]
    fps_resolution: Optional[str]
    fps_source: Optional[str]
    latency: Optional[float]
    latency_hardware: Optional[str]
    latency_note: Optional[str]
    latency_source: Optional[str]
    quality: Optional[Result]  # the paper's first VBench total, with its setting
    # "comparable": its setting is the most common recorded one among the rows; "other":
    # another recorded setting; "unrecorded": the source states none; None: no VBench total
    quality_status: Optional[str]
    parameters_b: Optional[float]
    base_model: Optional[str]
    base_key: Optional[str]  # base_model when it is a catalog key
    weights: Optional[str]
    memory_gb: Optional[float]
    fits_24gb: Optional[bool]  # None: no memory reported
    wan: bool

    def as_dict(self) -> dict:
        """For catalog.json."""
        q = self.quality
        return {"paper": self.paper.key, "name": self.paper.name, "fps": self.fps,
                "fps_hardware": self.fps_hardware, "fps_resolution": self.fps_resolution,
                "fps_source": self.fps_source, "latency_s": self.latency,
                "latency_hardware": self.latency_hardware, "latency_note": self.latency_note,
                "latency_source": self.latency_source,
                "vbench_total": q.value if q else None,
                "vbench_setting": q.setting.label() if q else None,
                "vbench_source": q.source if q else None,
                "vbench_status": self.quality_status,
                "parameters_b": self.parameters_b, "base_model": self.base_model,
                "base_key": self.base_key, "weights": self.weights, "memory_gb": self.memory_gb,
                "fits_24gb": self.fits_24gb, "built_on_wan": self.wan}


def streaming_rows(catalog: Catalog) -> list[StreamingRow]:
    """Every paper that reports a throughput or a latency, fastest first (papers with only a
    latency last, lowest latency first), ties by key."""
    papers = [p for p in catalog.papers.values()
              if p.compute and (p.compute.throughput or p.compute.latency)]
    qualities = {p.key: _first(p, STREAMING_QUALITY) for p in papers}
    settings = [q.setting.comparable_key() for q in qualities.values() if q]
    settings = [s for s in settings if s]
    common = max(set(settings), key=lambda s: (settings.count(s), s)) if settings else None

    def status(quality: Optional[Result]) -> Optional[str]:
        if quality is None:
            return None
        key = quality.setting.comparable_key()
        return "unrecorded" if not key else "comparable" if key == common else "other"
    rows = []
    for paper in papers:
        c = paper.compute
        t, lat, mem = c.throughput, c.latency, c.memory
        quality = qualities[paper.key]
        rows.append(StreamingRow(
            paper=paper, fps=t.fps if t else None, fps_hardware=t.hardware if t else None,
            fps_resolution=t.resolution if t else None, fps_source=t.source if t else None,
            latency=lat.seconds if lat else None, latency_hardware=lat.hardware if lat else None,
            latency_note=lat.note if lat else None, latency_source=lat.source if lat else None,
            quality=quality,
            quality_status=status(quality),
            parameters_b=c.parameters_b, base_model=c.base_model,
            base_key=c.base_model if c.base_model in catalog.papers else None,
            weights=open_weights(paper), memory_gb=mem.gb if mem else None,
            fits_24gb=(mem.gb <= FITS_GB) if mem else None, wan=built_on_wan(catalog, paper)))
    rows.sort(key=lambda r: (r.fps is None, -(r.fps or 0), r.latency or 0, r.paper.key))
    return rows


# ---- the quality-against-speed scatter plot ------------------------------------------------------

@dataclass(frozen=True)
class Point:
    row: StreamingRow
    x: float  # SVG coordinates
    y: float


@dataclass(frozen=True)
class Scatter:
    width: int
    height: int
    points: list[Point]
    x_ticks: list[tuple[float, str]]  # (x, label)
    y_ticks: list[tuple[float, str]]
    left: int
    bottom: int


def round_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) from at or below ``low`` to
    at or above ``high``, about ``count`` intervals."""
    raw = (high - low) / count or 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 6) for i in range(first, max(last, first + 1) + 1)]


def scatter(rows: list[StreamingRow], width: int = 640, height: int = 360) -> Optional[Scatter]:
    """VBench total against frames per second for the rows that report both; None when fewer
    than two do. Axes start at round ticks around the data."""
    shown = [r for r in rows if r.fps is not None and r.quality is not None]
    if len(shown) < 2:
        return None
    left, right, top, bottom = 56, 16, 16, height - 44
    xs = round_ticks(0, max(r.fps for r in shown))
    ys = round_ticks(min(r.quality.value for r in shown), max(r.quality.value for r in shown))
    x0, x1, y0, y1 = xs[0], xs[-1], ys[0], ys[-1]

    def sx(v: float) -> float:
        return round(left + (v - x0) / ((x1 - x0) or 1) * (width - left - right), 1)

    def sy(v: float) -> float:
        return round(bottom - (v - y0) / ((y1 - y0) or 1) * (bottom - top), 1)
    points = [Point(r, sx(r.fps), sy(r.quality.value)) for r in shown]
    return Scatter(width, height, points, [(sx(v), f"{v:g}") for v in xs],
                   [(sy(v), f"{v:g}") for v in ys], left, bottom)
