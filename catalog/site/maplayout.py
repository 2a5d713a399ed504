"""Positions of the paper map (site/assets/js/map.js), computed at build time.

Pure functions of plain data, deterministic (the same catalog gives the same numbers), no
markup. Two views:

``graph_layout``: papers in a lineage edge are placed by a force-directed layout (springs
along the edges, repulsion between papers, and a pull towards the middle of their section, so
sections form clusters); then boxes that would overlap are pushed apart until none does. Papers
in no edge are packed per section into a compact block (oldest first, in rows) and set beside
their section's connected papers, outside everything placed before. Every box covers a paper's
node and its label (below the node, wrapped onto at most three lines), so no two labels and no
label and node overlap at any zoom: the map scales every box alike.

``timeline_layout``: x is the month of the first version (one column a month), y the section's
lane (taxonomy order). Labels run right of their node; inside a lane papers are packed greedily
into the first row where their label ends before the next node starts, so labels do not overlap
here either. Each lane starts with a caption row for its section's name.

Label widths are estimates (lineage.text_width), on the wide side of the map's sans-serif
font; the browser tests measure the drawn labels.
"""
from __future__ import annotations

import math
import re

from catalog.site import lineage

FONT = 11           # label font size, in map units (1 unit = 1 px at zoom 1)
NODE = 14           # a paper's node, width and height
LABEL_GAP = 3       # node to label
LINE = 1.3 * FONT   # one label line, with room for descenders
WRAP = 120          # a label wider than this wraps at spaces
MAX_LINES = 3
SQUEEZE = 0.35    # the force layout drawn at this scale before boxes are pushed apart (compact)
ASPECT = 1.6      # and this much wider than tall, for a wide map box
PAD_X, PAD_Y = 4, 4  # free space kept around each box (so boxes never touch)

# The map's second channel beside colour: one node shape per area, in the taxonomy's order
# (Cytoscape.js shape names). The palette has fewer colours than there are sections; within an
# area colours differ, across areas the shape tells sections of the same colour apart.
AREA_SHAPES = ("ellipse", "rectangle", "diamond", "triangle", "pentagon", "hexagon")

COL = 44            # timeline: one month
ROW = 20            # timeline: one row of a lane
CAPTION = 22        # timeline: the lane's name row
LANE_PAD = 6
LANE_GAP = 4


def label_width(text: str) -> float:
    """A label's drawn width, estimated on the wide side (capitals and digits run wider in
    the browsers' sans-serif fonts than lineage.text_width's average)."""
    return 1.08 * lineage.text_width(text, FONT) + 2


def wrap(name: str, width: float = WRAP, font: float = FONT) -> list[str]:
    """``name`` in lines of at most ``width`` units, broken at spaces (a single word wider than
    that keeps its own line); at most MAX_LINES, the last one cut with an ellipsis."""
    words = " ".join(name.split()).split(" ")
    lines: list[str] = []
    for w in words:
        if lines and lineage.text_width(lines[-1] + " " + w, font) <= width:
            lines[-1] += " " + w
        else:
            lines.append(w)
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 1] + [lineage.truncate(" ".join(lines[MAX_LINES - 1:]),
                                                          max(4, len(lines[MAX_LINES - 1])))]
    return lines


def graph_box(lines: list[str]) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a paper's node and label, relative to the node's centre,
    with the free margin included."""
    half = max(NODE, max(label_width(s) for s in lines)) / 2 + PAD_X
    return (-half, -NODE / 2 - PAD_Y,
            half, NODE / 2 + LABEL_GAP + len(lines) * LINE + PAD_Y)


def graph_layout(papers: list[dict], edges: list[tuple[str, str]], sections: list[str]
                 ) -> dict[str, tuple[float, float]]:
    """key -> (x, y) of the node's centre. ``papers``: {"key", "name", "section", "date"} in
    any order; ``edges``: (paper, what it builds on), both keys of ``papers``; ``sections``:
    section ids in the taxonomy's order (a paper's section not in it goes last)."""
    import numpy as np

    order = sorted(papers, key=lambda p: (p["date"], p["key"]))
    keys = [p["key"] for p in order]
    known = set(keys)
    edges = sorted({(a, b) for a, b in edges if a in known and b in known and a != b})
    sec_ids = list(sections) + sorted({p["section"] for p in order} - set(sections))
    rank = {s: i for i, s in enumerate(sec_ids)}
    boxes = {p["key"]: graph_box(wrap(p["name"])) for p in order}
    linked = sorted({k for e in edges for k in e}, key=keys.index)
    section_of = {p["key"]: p["section"] for p in order}

    pos: dict[str, tuple[float, float]] = {}
    placed: list[tuple[float, float, float, float]] = []  # absolute boxes so far
    if linked:
        xy = _force(linked, edges, [rank[section_of[k]] for k in linked], len(sec_ids), np)
        # drawn closer than the forces left them, wider than tall as screens are; the push
        # apart then opens room only where boxes collide
        xy = xy * np.array([SQUEEZE * ASPECT, SQUEEZE / ASPECT])
        xy = _separate(xy, np.array([boxes[k] for k in linked], dtype=float), np)
        for k, (x, y) in zip(linked, xy):
            pos[k] = (float(x), float(y))
            b = boxes[k]
            placed.append((x + b[0], y + b[1], x + b[2], y + b[3]))
    # papers in no edge: a block per section, beside the section's connected papers
    centre = _mean(list(pos.values())) if pos else (0.0, 0.0)
    loose = {}
    for k in keys:
        if k not in pos:
            loose.setdefault(section_of[k], []).append(k)
    for sec in sorted(loose, key=lambda s: (-len(loose[s]), rank[s])):
        block = _pack([boxes[k] for k in loose[sec]])
        bw, bh = block["width"], block["height"]
        members = [pos[k] for k in keys if section_of[k] == sec and k in pos]
        angle = 2 * math.pi * rank[sec] / len(sec_ids) - math.pi / 2
        home = _mean(members) if members else (centre[0] + math.cos(angle),
                                               centre[1] + math.sin(angle))
        dx, dy = home[0] - centre[0], home[1] - centre[1]
        if math.hypot(dx, dy) < 1e-6:
            dx, dy = math.cos(angle), math.sin(angle)
        ox, oy = _free_spot(home, math.atan2(dy, dx), bw, bh, placed)
        placed.append((ox, oy, ox + bw, oy + bh))
        for k, (cx, cy) in zip(loose[sec], block["centres"]):
            pos[k] = (ox + cx, oy + cy)
    # the top-left corner at (0, 0), one decimal
    x0 = min(x + boxes[k][0] for k, (x, _) in pos.items())
    y0 = min(y + boxes[k][1] for k, (_, y) in pos.items())
    return {k: (round(pos[k][0] - x0, 1), round(pos[k][1] - y0, 1)) for k in keys}


def _mean(points):
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def _force(keys, edges, groups, n_groups, np, iterations: int = 400):
    """Fruchterman-Reingold with a pull towards the middle of each paper's section, from a
    fixed start (sections on a circle, their papers on a small spiral), so no randomness."""
    n = len(keys)
    index = {k: i for i, k in enumerate(keys)}
    e = np.array([(index[a], index[b]) for a, b in edges], dtype=int).reshape(-1, 2)
    g = np.array(groups)
    k = 55.0                                   # the ideal distance between linked papers
    radius = k * math.sqrt(n) / 2              # sections start on an ellipse 1.5 times wider
    xy = np.zeros((n, 2))
    seen: dict[int, int] = {}
    for i, grp in enumerate(groups):
        j = seen[grp] = seen.get(grp, -1) + 1
        a = 2 * math.pi * grp / max(1, n_groups)
        r, t = 12 * math.sqrt(j + 1), j * 2.39996  # golden-angle spiral
        xy[i] = (1.5 * radius * math.cos(a) + r * math.cos(t),
                 radius * math.sin(a) + r * math.sin(t))
    same = g[:, None] == g[None, :]
    temp = k
    for step in range(iterations):
        d = xy[:, None, :] - xy[None, :, :]
        dist = np.maximum(np.hypot(d[..., 0], d[..., 1]), 1.0)
        rep = (k * k / dist ** 2)[..., None] * d
        disp = rep.sum(axis=1)
        if len(e):
            de = xy[e[:, 0]] - xy[e[:, 1]]
            le = np.maximum(np.hypot(de[:, 0], de[:, 1]), 1.0)[:, None]
            pull = de * le / k
            np.add.at(disp, e[:, 0], -pull)
            np.add.at(disp, e[:, 1], pull)
        # towards the section's middle, and everything gently towards the origin
        mid = (same[..., None] * xy[None, :, :]).sum(axis=1) / same.sum(axis=1)[:, None]
        disp += 0.08 * (mid - xy) * np.hypot(*(mid - xy).T)[:, None] / k
        disp -= 0.02 * xy * np.array([1.0, 1.5])  # a wide map, as screens are
        length = np.maximum(np.hypot(disp[:, 0], disp[:, 1]), 1e-9)[:, None]
        xy += disp / length * np.minimum(length, temp)
        temp = max(1.0, k * (1 - step / iterations))
    return xy


def _separate(xy, boxes, np, rounds: int = 2000):
    """Push apart boxes that overlap, along the axis where they overlap least, until none
    does. ``boxes``: (left, top, right, bottom) of each relative to its point."""
    xy = xy.copy()
    n = len(xy)
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    for _ in range(rounds):
        left, top = xy[:, 0] + boxes[:, 0], xy[:, 1] + boxes[:, 1]
        right, bottom = xy[:, 0] + boxes[:, 2], xy[:, 1] + boxes[:, 3]
        ox = np.minimum(right[:, None], right[None, :]) - np.maximum(left[:, None], left[None, :])
        oy = (np.minimum(bottom[:, None], bottom[None, :])
              - np.maximum(top[:, None], top[None, :]))
        hit = (ox > 0) & (oy > 0) & upper
        if not hit.any():
            return xy
        i, j = np.nonzero(hit)
        cxi, cxj = (left[i] + right[i]) / 2, (left[j] + right[j]) / 2
        cyi, cyj = (top[i] + bottom[i]) / 2, (top[j] + bottom[j]) / 2
        along_x = ox[i, j] <= oy[i, j]
        sx = np.where(cxi < cxj, -1.0, np.where(cxi > cxj, 1.0, np.where(i < j, -1.0, 1.0)))
        sy = np.where(cyi < cyj, -1.0, np.where(cyi > cyj, 1.0, np.where(i < j, -1.0, 1.0)))
        move = np.zeros_like(xy)
        half = np.where(along_x, ox[i, j], oy[i, j]) / 2 + 1.0
        np.add.at(move[:, 0], i, np.where(along_x, sx * half, 0))
        np.add.at(move[:, 0], j, np.where(along_x, -sx * half, 0))
        np.add.at(move[:, 1], i, np.where(along_x, 0, sy * half))
        np.add.at(move[:, 1], j, np.where(along_x, 0, -sy * half))
        xy += move
    raise RuntimeError("map layout: boxes still overlap")  # pragma: no cover


def _pack(boxes: list[tuple[float, float, float, float]]) -> dict:
    """Boxes in rows (in the given order), the rows about as wide as the block is tall times
    two: {"width", "height", "centres": node centre of each box relative to the block}."""
    area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
    widest = max(b[2] - b[0] for b in boxes)
    target = max(widest, math.sqrt(2 * area))
    rows: list[list[int]] = [[]]
    width = 0.0
    for i, b in enumerate(boxes):
        w = b[2] - b[0]
        if rows[-1] and width + w > target:
            rows.append([])
            width = 0.0
        rows[-1].append(i)
        width += w
    centres: list[tuple[float, float]] = [(0.0, 0.0)] * len(boxes)
    y, block_w = 0.0, 0.0
    for row in rows:
        h = max(boxes[i][3] - boxes[i][1] for i in row)
        x = 0.0
        for i in row:
            b = boxes[i]
            centres[i] = (x - b[0], y - b[1])
            x += b[2] - b[0] + 1
        block_w = max(block_w, x)
        y += h + 1
    return {"width": block_w, "height": y, "centres": centres}


def _free_spot(home, angle, w, h, placed, step: float = 12.0):
    """Top-left corner of a w x h block near ``home``: the first place along rays around
    ``angle`` (straight out first, then turning further each side) that overlaps no box."""
    turns = [0.0] + [s * t for t in (0.3, 0.6, 0.9, 1.2, 1.6) for s in (1, -1)]
    for r in range(0, 400):
        for t in turns:
            a = angle + t
            cx = home[0] + math.cos(a) * r * step
            cy = home[1] + math.sin(a) * r * step / ASPECT  # flatter: screens are wide
            x0, y0 = cx - w / 2, cy - h / 2
            if not any(x0 < b[2] + 2 and b[0] < x0 + w + 2 and y0 < b[3] + 2
                       and b[1] < y0 + h + 2
                       for b in placed):
                return x0, y0
    raise RuntimeError("map layout: no room for a block")  # pragma: no cover


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(date: str) -> int:
    m = _MONTH.match(date)
    if not m:
        raise ValueError(f"not a YYYY-MM date: {date!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def timeline_layout(papers: list[dict], sections: list[dict]) -> dict:
    """{"positions": key -> (x, y), "first": the first month "YYYY-MM", "months": how many
    columns, "col": a column's width, "width": the lanes' width, "lanes": [{"section",
    "title", "top", "bottom"}]} in the order of ``sections`` ({"id", "title"}; a paper's
    section not among them gets a lane at the end, titled with its id). Lanes without papers
    are left out."""
    order = sorted(papers, key=lambda p: (p["date"], p["key"]))
    first = min(month_index(p["date"]) for p in order)
    last = max(month_index(p["date"]) for p in order)
    titles = {s["id"]: s["title"] for s in sections}
    ids = [s["id"] for s in sections]
    ids += sorted({p["section"] for p in order} - set(ids))
    positions: dict[str, tuple[float, float]] = {}
    lanes = []
    top = 0.0
    width = (last - first + 1) * COL
    for sid in ids:
        inside = [p for p in order if p["section"] == sid]
        if not inside:
            continue
        ends: list[float] = []  # where each row's last label ends
        rows = {}
        for p in inside:
            x = (month_index(p["date"]) - first) * COL + NODE / 2 + 2
            label_end = x + NODE / 2 + LABEL_GAP + label_width(" ".join(p["name"].split()))
            for r, end in enumerate(ends):
                if end + PAD_X <= x - NODE / 2:
                    break
            else:
                r = len(ends)
                ends.append(0.0)
            ends[r] = label_end
            rows[p["key"]] = (x, r)
            width = max(width, label_end)
        body = top + LANE_PAD + CAPTION
        for k, (x, r) in rows.items():
            positions[k] = (round(x, 1), round(body + r * ROW + ROW / 2, 1))
        bottom = body + len(ends) * ROW + LANE_PAD
        lanes.append({"section": sid, "title": titles.get(sid, sid), "top": round(top, 1),
                      "bottom": round(bottom, 1)})
        top = bottom + LANE_GAP
    y, m = divmod(first, 12)
    return {"positions": positions, "first": f"{y:04d}-{m + 1:02d}",
            "months": last - first + 1, "col": COL, "width": round(width, 1), "lanes": lanes,
            "caption": CAPTION, "lane_pad": LANE_PAD}


def map_data(papers: list[dict], edges: list[tuple[str, str]], areas: list[dict]) -> dict:
    """What `awm site build` writes as window.AWM_MAP for map.js: both layouts, each paper's
    drawn label (wrapped), and the shape of each section (by its area)."""
    sections = [s for a in areas for s in a["sections"]]
    area_shapes = {a["id"]: AREA_SHAPES[i % len(AREA_SHAPES)] for i, a in enumerate(areas)}
    shapes = {s["id"]: area_shapes[a["id"]] for a in areas for s in a["sections"]}
    return {
        "graph": graph_layout(papers, edges, [s["id"] for s in sections]),
        "timeline": timeline_layout(papers, sections),
        "labels": {p["key"]: "\n".join(wrap(p["name"])) for p in papers},
        "shapes": shapes, "font": FONT, "node": NODE,
        "area_shapes": area_shapes,
    }
