"""The paper map's layouts, computed at build time (catalog/site/maplayout.py), without a
browser: deterministic, no two label boxes overlapping, sections clustered, papers in no edge
in one compact block per section, a timeline whose labels do not collide, and shapes that
tell apart the sections sharing a colour."""
from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

import pytest

from catalog.loader import load_catalog
from catalog.render.json import catalog_data
from catalog.site import lineage, maplayout, pages

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data():
    catalog = load_catalog(ROOT)
    return catalog, catalog_data(catalog)


@pytest.fixture(scope="module")
def view(data):
    return pages.map_view(data[1])


def _boxes(view, data):
    """Absolute graph boxes (node and label, margin included) of every paper."""
    out = {}
    for p in data[1]["papers"]:
        x, y = view["graph"][p["key"]]
        b = maplayout.graph_box(maplayout.wrap(p["name"]))
        out[p["key"]] = (x + b[0], y + b[1], x + b[2], y + b[3])
    return out


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _overlapping_pairs(boxes: dict) -> list:
    items = sorted(boxes.items())
    return [(k, m) for i, (k, a) in enumerate(items) for m, b in items[i + 1:] if _overlap(a, b)]


def test_every_paper_is_placed_finite_and_the_same_every_time(data, view):
    keys = {p["key"] for p in data[1]["papers"]}
    assert set(view["graph"]) == keys == set(view["timeline"]["positions"]) == set(view["labels"])
    coords = [c for xy in view["graph"].values() for c in xy]
    coords += [c for xy in view["timeline"]["positions"].values() for c in xy]
    assert all(math.isfinite(c) for c in coords)
    # the same data in another order gives the same numbers, byte for byte
    shuffled = dict(data[1], papers=random.Random(7).sample(data[1]["papers"],
                                                            len(data[1]["papers"])),
                    edges=list(reversed(data[1]["edges"])))
    assert json.dumps(pages.map_view(shuffled), sort_keys=True) == json.dumps(view, sort_keys=True)


def test_no_two_label_boxes_overlap_in_the_graph(data, view):
    boxes = _boxes(view, data)
    assert _overlapping_pairs(boxes) == []
    # and the map is wider than tall, as screens are, and not much larger than needed
    x0, y0 = min(b[0] for b in boxes.values()), min(b[1] for b in boxes.values())
    x1, y1 = max(b[2] for b in boxes.values()), max(b[3] for b in boxes.values())
    used = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes.values())
    assert x1 - x0 > y1 - y0
    assert (x1 - x0) * (y1 - y0) < 3 * used


def test_papers_in_no_edge_sit_in_one_compact_block_per_section(data, view):
    catalog, d = data
    linked = {k for e in d["edges"] for k in (e["from"], e["to"])}
    boxes = _boxes(view, data)
    blocks = {}
    for p in d["papers"]:
        if p["key"] not in linked:
            blocks.setdefault(p["section"], []).append(p["key"])
    assert len(blocks) >= 5
    hulls = {}
    for sec, keys in blocks.items():
        bs = [boxes[k] for k in keys]
        hull = (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs),
                max(b[3] for b in bs))
        hulls[sec] = hull
        # compact: the block's rectangle is at most about twice the boxes it holds
        area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in bs)
        assert (hull[2] - hull[0]) * (hull[3] - hull[1]) <= 2.2 * area + 1, sec
        # and no other paper inside it
        others = [k for k in boxes if k not in keys]
        assert not [k for k in others if _overlap(boxes[k], hull)], sec
    # beside the section's own connected papers rather than another's: the block's nearest
    # connected paper of its section is nearer than the mean distance between blocks
    for sec, hull in hulls.items():
        mine = [boxes[k] for k in linked if catalog.papers[k].section == sec]
        if not mine:
            continue
        centre = ((hull[0] + hull[2]) / 2, (hull[1] + hull[3]) / 2)
        near = min(math.dist(centre, ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)) for b in mine)
        spread = max(hull[2] - hull[0], hull[3] - hull[1])
        assert near < spread + 300, sec


def test_linked_papers_cluster_by_section(data, view):
    catalog, d = data
    linked = sorted({k for e in d["edges"] for k in (e["from"], e["to"])})
    pos = view["graph"]
    same, other = [], []
    for i, a in enumerate(linked):
        for b in linked[i + 1:]:
            dist = math.dist(pos[a], pos[b])
            together = catalog.papers[a].section == catalog.papers[b].section
            (same if together else other).append(dist)
    assert sum(same) / len(same) < 0.85 * sum(other) / len(other)


def test_labels_wrap_at_spaces_into_at_most_three_lines():
    assert maplayout.wrap("Self Forcing") == ["Self Forcing"]
    lines = maplayout.wrap("WorldCache (heterogeneous token caching)")
    assert len(lines) > 1 and " ".join(lines) == "WorldCache (heterogeneous token caching)"
    assert all(lineage.text_width(s, maplayout.FONT) <= maplayout.WRAP for s in lines)
    long = maplayout.wrap(" ".join(["word"] * 60))
    assert len(long) == maplayout.MAX_LINES and long[-1].endswith("…")


def test_timeline_months_lanes_and_labels_apart(data, view):
    catalog, d = data
    tl = view["timeline"]
    first = maplayout.month_index(tl["first"])
    assert tl["first"] == min(p.date for p in catalog.papers.values())
    assert tl["months"] == maplayout.month_index(max(p.date for p in catalog.papers.values())) \
        - first + 1
    used = [s for s in catalog.taxonomy.sections if catalog.in_section(s)]
    assert [lane["section"] for lane in tl["lanes"]] == used
    assert [lane["title"] for lane in tl["lanes"]] == [catalog.taxonomy.sections[s].title
                                                         for s in used]
    lanes = {lane["section"]: lane for lane in tl["lanes"]}
    for a, b in zip(tl["lanes"], tl["lanes"][1:]):
        assert a["bottom"] < b["top"]
    spans = []
    for key, (x, y) in tl["positions"].items():
        p = catalog.papers[key]
        month = maplayout.month_index(p.date) - first
        # the node's left edge in its month's column
        assert month * tl["col"] <= x - maplayout.NODE / 2 < (month + 1) * tl["col"]
        lane = lanes[p.section]
        assert lane["top"] + tl["caption"] < y < lane["bottom"]
        end = x + maplayout.NODE / 2 + maplayout.LABEL_GAP + maplayout.label_width(
            " ".join(p.name.split()))
        spans.append((x - maplayout.NODE / 2, y - maplayout.ROW / 2 + 1, end,
                      y + maplayout.ROW / 2 - 1))
    assert [(a, b) for i, a in enumerate(spans) for b in spans[i + 1:] if _overlap(a, b)] == []


def test_shape_tells_apart_sections_that_share_a_colour(data, view):
    catalog, _ = data
    colours = pages.section_colours(catalog)
    pairs = {}
    for area in catalog.taxonomy.areas:
        ids = [s.id for s in area["sections"]]
        in_area = [colours[s] for s in ids]
        assert len(set(in_area)) == len(in_area), area["id"]  # no colour twice in an area
        assert {view["shapes"][s] for s in ids} == {view["area_shapes"][area["id"]]}
        for s in ids:
            pairs.setdefault((colours[s], view["shapes"][s]), []).append(s)
    assert all(len(v) == 1 for v in pairs.values()), pairs
    assert len(set(view["area_shapes"].values())) == len(catalog.taxonomy.areas)
    # more sections than colours: the second channel is needed, and the legend says so
    assert len(catalog.taxonomy.sections) > len(lineage.SECTION_PALETTE)
    js = (ROOT / "site" / "assets" / "js" / "map.js").read_text(encoding="utf-8")
    assert "sections of different areas can share a" in js


def test_the_site_ships_the_layouts_in_catalog_data(data):
    out = pages.render_pages(data[0])
    text = out["generated/catalog-data.js"]
    m = re.search(r"^window\.AWM_MAP = (.*);$", text, re.M)
    assert m
    shipped = json.loads(m.group(1))
    assert set(shipped["graph"]) == set(data[0].papers)
    assert shipped["font"] == maplayout.FONT
