"""Line charts of a result record's curves, and the words that caption a record's pictures.

A record's ``curves`` map a name to a list of numbers along the rollout (one per step or per
block). Curves that share their units share a chart: ``edm1_rollout_psnr`` and
``ddpm3_rollout_psnr`` (same ending), ``block_sw_ode`` and ``block_sw_sf`` (same beginning).
Like the statistics charts (stats.py), they are inline SVG drawn at build time: no script, no
chart library, colours from the theme's CSS; each has a <title> and a <desc> in words.
"""
from __future__ import annotations

import math
import re

from catalog.compare import round_ticks

WIDTH, HEIGHT = 460, 200   # the plotting area, in SVG units
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 34, 46  # room for the tick labels and the axis titles
SERIES_STYLES = 8          # .awm-series-0 .. -7 in site.css (colour and dash)

_WORDS = {"psnr": "PSNR", "ssim": "SSIM", "mse": "MSE", "sw": "sliced Wasserstein distance",
          "fd": "Fréchet distance", "fvd": "FVD", "traj": "trajectory", "err": "error",
          "lo": "(low end)", "hi": "(high end)"}
# What a picture of a result record shows, by the tag at the end of its file name.
FIGURE_WORDS = {"rollout": "rollouts beside the true frames",
                "schedules": "the true clip beside clips sampled with each noise schedule"}


def words(name: str) -> str:
    """A metric name in words: ``rollout_psnr`` -> "rollout PSNR"."""
    tokens = [t for t in re.split(r"[_\s]+", str(name)) if t]
    if len(tokens) > 1 and tokens[0] == "block":
        return " ".join(_WORDS.get(t, t) for t in tokens[1:]) + " per block"
    return " ".join(_WORDS.get(t, t) for t in tokens)


def threads(device) -> str:
    """A device string in English: the records' "cpu (1 threads)" -> "cpu (1 thread)"."""
    return re.sub(r"\b1 threads\b", "1 thread", str(device))


def finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def group_curves(names: list[str]) -> list[dict]:
    """Curves of one unit together: first by the name less its first word (``*_rollout_psnr``),
    then, for names left alone, by the name less its last word (``block_sw_*``); the rest each
    on their own. Each group: key (the shared part), label per name, order of first sight."""
    def part(name, how):
        tokens = name.split("_")
        if len(tokens) < 2:
            return None, name
        if how == "suffix":
            return "_".join(tokens[1:]), tokens[0]
        return "_".join(tokens[:-1]), tokens[-1]

    groups: dict[tuple, list[tuple[str, str]]] = {}
    left = list(names)
    for how in ("suffix", "prefix"):
        found: dict[str, list[tuple[str, str]]] = {}
        for name in left:
            key, label = part(name, how)
            if key is not None:
                found.setdefault(key, []).append((name, label))
        for key, members in found.items():
            if len(members) > 1:
                groups[(how, key)] = members
        taken = {n for members in groups.values() for n, _ in members}
        left = [n for n in left if n not in taken]
    for name in left:  # floor_traj_error beside df_traj_error_valid: the same quantity
        key, label = part(name, "suffix")
        near = [g for g in groups if g[0] == "suffix" and key and g[1].startswith(key + "_")]
        if near:
            groups[near[0]].append((name, label))
        else:
            groups[("one", name)] = [(name, name)]
    out = [{"key": key, "how": how, "series": members} for (how, key), members in groups.items()]
    first = {n: i for i, n in enumerate(names)}
    return sorted(out, key=lambda g: min(first[n] for n, _ in g["series"]))


def num(value: float) -> str:
    """A number for a caption or a description: four significant digits."""
    return f"{value:.4g}"


def line_chart(series: list[tuple[str, list]], x_title: str, y_title: str) -> dict | None:
    """Geometry of a line chart of (label, values) against the 1-based index; values that are
    not finite numbers leave a gap. None when no series has a finite value."""
    points = [(label, [(i, float(v)) for i, v in enumerate(values) if finite(v)])
              for label, values in series if isinstance(values, list)]
    points = [(label, pts) for label, pts in points if pts]
    if not points:
        return None
    n = max(len(values) for _, values in series if isinstance(values, list))
    ys = [y for _, pts in points for _, y in pts]
    low, high = min(ys), max(ys)
    if high - low < 1e-12:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    y_ticks = round_ticks(low, high)
    y0, y1 = y_ticks[0], y_ticks[-1]

    def sx(i: float) -> float:
        return round(WIDTH * (i / (n - 1) if n > 1 else 0.5), 2)

    def sy(v: float) -> float:
        return round(HEIGHT - (v - y0) / (y1 - y0) * HEIGHT, 2)
    x_step = max(1, int(round_ticks(0, max(n - 1, 1), 8)[1]))  # whole steps along the index
    x_ticks = sorted({0, *range(x_step - 1, n, x_step)} | {n - 1}) if n > 1 else [0]
    if len(x_ticks) > 2 and x_ticks[1] - x_ticks[0] < x_step * 0.75:
        x_ticks.pop(1)  # the first index always (1), and no label crowding it
    if len(x_ticks) > 2 and x_ticks[-1] - x_ticks[-2] < x_step / 2:
        x_ticks.pop(-2)  # the last index always, likewise
    lines = []
    for k, (label, pts) in enumerate(points):
        d, prev = [], None
        for i, v in pts:
            d.append(f"{'L' if prev is not None and i == prev + 1 else 'M'}{sx(i)} {sy(v)}")
            prev = i
        if len(pts) == 1:
            d.append(f"L{sx(pts[0][0])} {sy(pts[0][1])}")
        first, last = pts[0], pts[-1]
        lines.append({"label": label, "d": " ".join(d), "style": k % SERIES_STYLES,
                      "words": f"{label}: {num(first[1])} at {x_title.lower()} {first[0] + 1}, "
                               f"{num(last[1])} at {x_title.lower()} {last[0] + 1}"})
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "top": TOP,
            "box": f"{-LEFT} {-TOP} {WIDTH + LEFT + RIGHT} {HEIGHT + TOP + BOTTOM}",
            "lines": lines, "n": n, "x_title": x_title, "y_title": y_title,
            "y_ticks": [{"y": sy(t), "label": f"{t:g}"} for t in y_ticks],
            "x_ticks": [{"x": sx(i), "label": str(i + 1)} for i in x_ticks]}


def record_charts(curves: dict, label: str, slug: str) -> list[dict]:
    """The charts of one record's curves: each with its geometry, an id, a title and a caption."""
    named = {k: v for k, v in (curves or {}).items() if isinstance(k, str) and isinstance(v, list)}
    charts = []
    for group in group_curves(list(named)):
        names = [n for n, _ in group["series"]]
        block = any("block" in n for n in names)
        x_title = "Block" if block else "Step"
        what = words(group["key"]) if group["how"] != "one" else words(names[0])
        chart = line_chart([(lab, named[n]) for n, lab in group["series"]], x_title,
                           what[:1].upper() + what[1:])
        if chart is None:
            continue
        unit = "block" if block else "step"
        labels = [ln["label"] for ln in chart["lines"]]
        each = f", one line each for {', '.join(labels)}" if len(labels) > 1 else ""
        chart.update(id=f"curve-{slug}-{len(charts) + 1}",
                     title=f"{label}: {what} at each {unit} of {chart['n']}{each}",
                     desc="; ".join(ln["words"] for ln in chart["lines"]),
                     caption=f"{label}: {what} at each {unit} of the rollout (1 to "
                             f"{chart['n']}){each}. From the record's curves "
                             f"{', '.join(names)}.")
        charts.append(chart)
    return charts


def figure_words(fig: str, tag: str, label: str, rows=None) -> dict:
    """Alt text and caption of a picture of a record, from its file name: ``smoke-seed1-
    rollout.png`` of the record ``smoke-seed1`` -> "Seed 1: rollouts beside the true frames"."""
    stem = fig.rsplit(".", 1)[0]
    what = stem[len(tag) + 1:] if stem.startswith(tag + "-") else stem
    said = FIGURE_WORDS.get(what, " ".join(re.split(r"[-_]+", what)))
    alt = f"{label}: {said}"
    caption = alt + "."
    if what == "rollout" and isinstance(rows, list) and rows and all(
            isinstance(r, str) for r in rows):
        caption += f" Rows, top to bottom: {', '.join(rows)}."
    return {"alt": alt, "caption": caption}
