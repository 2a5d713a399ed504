"""The lineage picture of a paper page: its neighbourhood in the builds_on graph, as geometry.

Pure functions of plain data (no catalog access beyond what the caller passes, no markup):
``neighbourhood`` picks the rows (grandparents, parents, the paper, children, grandchildren),
``layout`` places them in an SVG coordinate box and routes the arrows, and ``lineage_view``
puts names, links and section colours on the nodes for templates/lineage.html.j2.

Arrows run from a paper to the work it builds on, as on the paper map: from the paper up to
its parents, from its children up to it. Parents and children share a bus (a stem from the
paper, a horizontal line, a drop to each node); a row too wide for one line wraps into a
second line set between the first line's nodes, so every drop passes through a gap, and past
that the last slot reads "+N more" and links to the paper on the map. Grandparents and
grandchildren get a lighter row when their near row fits one line ("if room").

Two layouts are drawn when they differ: a wide one (4 nodes a line) for desktop screens and a
narrow one (3 a line) whose text stays readable when a 390 px phone scales it down.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

# The one list of section colours: the paper map (site/assets/js/map.js) reads it from
# window.AWM_SECTION_PALETTE, which `awm site build` writes into generated/catalog-data.js.
# Section i of the taxonomy (in its file's order) gets colour i modulo the list's length.
# Okabe and Ito's colour-blind-safe set (jfly.uni-koeln.de/color), less its black (the text
# colour of light pages, lost on dark ones): seven colours that stay apart under deuteranopia,
# protanopia and tritanopia. The taxonomy has more sections than that (13), so the map pairs
# colour with a second channel, a node shape per area (maplayout.AREA_SHAPES): no two sections
# of one area share a colour as long as an area has at most seven sections.
SECTION_PALETTE = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")
UNKNOWN_COLOUR = "#9e9e9e"  # a section the taxonomy does not list (the map appends those)

NODE_W, NODE_H = 140, 34        # a paper's box, in SVG units (1 unit = 1 px at full size)
CENTRE_W, CENTRE_H = 220, 40    # the paper of the page
# Label widths, in em of the site's sans-serif font (Roboto or the system's): measured
# roughly, on the wide side, so that a label cut to fit never leaves its box.
NARROW_CHARS, WIDE_CHARS = set(" .,:;'!|()[]-/ijlrtf1"), set("MWmw@%&")
PAD = 10                        # text inset from each side of a box (after the colour stripe)
BAND = 52                       # from the paper to its nearest row (the bus runs in between)
LINE_GAP = 24                   # between the two lines of a wrapped row
FAR_BAND = 44                   # from a near row to the grandparents' or grandchildren's row
MARGIN = 8

# The wide layout is 636 units wide: drawn 1:1 in the 680 px column of a desktop page. The
# narrow one (452) scales to about 0.8 on a 390 px phone: 15-unit labels read at 12 px.
WIDE = {"name": "wide", "per_line": 4, "gap": 20, "font": 15}
NARROW = {"name": "narrow", "per_line": 3, "gap": 16, "font": 15}


@dataclass(frozen=True)
class Hood:
    """Keys of a paper's neighbourhood, each row in a stable order, no key twice."""
    key: str
    parents: list[str]
    children: list[str]
    grandparents: list[str]
    grandchildren: list[str]
    edges: set[tuple[str, str]] = field(default_factory=set)  # (paper, what it builds on)

    @property
    def empty(self) -> bool:
        return not self.parents and not self.children


def neighbourhood(key: str, parents_of: dict[str, list[str]],
                  children_of: dict[str, list[str]]) -> Hood:
    """The rows around ``key``. ``parents_of``/``children_of`` map every catalog key to the
    catalog keys it builds on / that build on it (edges to papers outside the catalog are the
    caller's to drop). A key appears in the nearest row it belongs to only."""
    seen = {key}

    def fresh(keys):
        out = []
        for k in keys:
            if k not in seen:
                seen.add(k)
                out.append(k)
        return out
    parents = fresh(parents_of.get(key, []))
    children = fresh(children_of.get(key, []))
    grandparents = fresh(g for p in parents for g in parents_of.get(p, []))
    grandchildren = fresh(g for c in children for g in children_of.get(c, []))
    shown = seen
    edges = {(a, b) for a in shown for b in parents_of.get(a, []) if b in shown and a != b}
    return Hood(key, parents, children, grandparents, grandchildren, edges)


def truncate(name: str, limit: int) -> str:
    """``name`` cut to at most ``limit`` characters with an ellipsis, at a word boundary when
    one is near the end."""
    name = " ".join(name.split())
    if len(name) <= limit:
        return name
    cut = name[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" :-–—,(") + "…"


def text_width(label: str, font: float) -> float:
    """The estimated width of ``label`` drawn at ``font`` units."""
    return font * sum(_char_em(c) for c in label)


def _char_em(c: str) -> float:
    if c in NARROW_CHARS:
        return 0.3
    if c in WIDE_CHARS or c == "…":
        return 0.86
    if c.isupper() or not c.isascii():
        return 0.66
    return 0.56 if c.isdigit() else 0.52


def fit(name: str, width: float, font: float) -> str:
    """``name`` whole when it fits ``width`` units at ``font``, else the longest ``truncate``
    of it that does."""
    name = " ".join(name.split())
    room = width - 2 * PAD
    if text_width(name, font) <= room:
        return name
    for limit in range(len(name) - 1, 3, -1):
        cut = truncate(name, limit)
        if text_width(cut, font) <= room:
            return cut
    return truncate(name, 4)


def _line_xs(n: int, per_line: int, gap: int, width: float, second: bool) -> list[float]:
    """Centres of ``n`` nodes on one line. The first line is centred in ``width``; a second
    line sits in the gaps of a full first line (each centre half a slot to the right of a
    first-line centre), so drops to it pass between the first line's boxes."""
    slot = NODE_W + gap
    if second:
        first = (width - (per_line * slot - gap)) / 2 + NODE_W + gap / 2
        start = first + (per_line - 1 - n) // 2 * slot  # centred, on gap positions only
        return [start + i * slot for i in range(n)]
    start = (width - (n * slot - gap)) / 2 + NODE_W / 2
    return [start + i * slot for i in range(n)]


def _rows(keys: list[str], per_line: int, max_lines: int) -> tuple[list[list[str]], int]:
    """``keys`` in lines (a second line holds one fewer); beyond the room the last slot is
    "+N more" (the key None) and N is returned."""
    room = per_line + (per_line - 1) * (max_lines - 1)
    more = 0
    if len(keys) > room:
        more = len(keys) - (room - 1)
        keys = keys[:room - 1] + [None]
    lines = [keys[:per_line]]
    if len(keys) > per_line:
        lines.append(keys[per_line:])
    return lines, more


def layout(hood: Hood, per_line: int, gap: int, **_ignored) -> dict:
    """Nodes and arrows of ``hood`` in an SVG box: every coordinate a finite number.

    Nodes: {"key" (None for "+N more"), "role" (centre/parent/child/grandparent/grandchild),
    "far", "x", "y" (top left), "w", "h", "cx", "more" (N for the "+N more" node)}.
    Edges: {"d" (an SVG path), "arrow" (ends in an arrowhead), "far", "more"}."""
    width = per_line * (NODE_W + gap) - gap + 2 * MARGIN
    p_lines, p_more = _rows(hood.parents, per_line, 2)
    c_lines, c_more = _rows(hood.children, per_line, 2)
    gp_lines, gp_more = _rows(hood.grandparents, per_line, 1) if len(p_lines) == 1 \
        and hood.parents else ([], 0)
    gc_lines, gc_more = _rows(hood.grandchildren, per_line, 1) if len(c_lines) == 1 \
        and hood.children else ([], 0)
    gp_lines = [ln for ln in gp_lines if ln]
    gc_lines = [ln for ln in gc_lines if ln]

    nodes, edges = [], []
    # vertical positions, top to bottom, starting at 0 and shifted after
    y = 0.0
    gp_y = None
    if gp_lines:
        gp_y = y
        y += NODE_H + FAR_BAND
    p_ys = []
    if hood.parents:
        for _ in p_lines:
            p_ys.append(y)
            y += NODE_H + LINE_GAP
        y += BAND - LINE_GAP
        p_ys.reverse()  # the first line is the one nearest the paper
    centre_y = y
    y += CENTRE_H + (BAND if hood.children else 0)
    c_ys = []
    if hood.children:
        for _ in c_lines:
            c_ys.append(y)
            y += NODE_H + LINE_GAP
        y -= LINE_GAP
    gc_y = None
    if gc_lines:
        gc_y = y + FAR_BAND
        y = gc_y + NODE_H
    height = y

    cx = width / 2
    centre = {"key": hood.key, "role": "centre", "far": False, "x": cx - CENTRE_W / 2,
              "y": centre_y, "w": CENTRE_W, "h": CENTRE_H, "cx": cx, "more": 0}
    nodes.append(centre)

    def place(lines, ys, role, far, more):
        placed = []
        for i, (line, top) in enumerate(zip(lines, ys)):
            xs = _line_xs(len(line), per_line, gap, width, second=i == 1)
            for k, x in zip(line, xs):
                node = {"key": k, "role": role, "far": far, "x": x - NODE_W / 2, "y": top,
                        "w": NODE_W, "h": NODE_H, "cx": x, "more": more if k is None else 0}
                placed.append(node)
                nodes.append(node)
        return placed

    parents = place(p_lines, p_ys, "parent", False, p_more)
    children = place(c_lines, c_ys, "child", False, c_more)
    grandparents = place(gp_lines, [gp_y] * len(gp_lines), "grandparent", True, gp_more)
    grandchildren = place(gc_lines, [gc_y] * len(gc_lines), "grandchild", True, gc_more)

    def bus(row, above):
        """The paper's stem, a horizontal bus and a drop to each node of a near row."""
        if not row:
            return
        top, bottom = centre_y, centre_y + CENTRE_H
        bus_y = top - BAND / 2 if above else bottom + BAND / 2
        xs = [n["cx"] for n in row]
        if len(row) > 1 or abs(xs[0] - cx) > 0.5:
            edges.append({"d": f"M{_n(min(xs + [cx]))} {_n(bus_y)}H{_n(max(xs + [cx]))}",
                          "arrow": False, "far": False, "more": False})
        # above: arrows from the paper up to each parent; below: from each child up to it
        stem = (f"M{_n(cx)} {_n(top)}V{_n(bus_y)}" if above
                else f"M{_n(cx)} {_n(bus_y)}V{_n(bottom + 1)}")
        edges.append({"d": stem, "arrow": not above, "far": False, "more": False})
        for n in row:
            end = n["y"] + n["h"] + 1 if above else n["y"]
            d = (f"M{_n(n['cx'])} {_n(bus_y)}V{_n(end)}" if above
                 else f"M{_n(n['cx'])} {_n(end)}V{_n(bus_y)}")
            edges.append({"d": d, "arrow": above, "far": False, "more": n["key"] is None})
    bus(parents, True)
    bus(children, False)

    def links(lower, upper):
        """Straight arrows from a node of the lower row to what it builds on in the upper."""
        by_key = {n["key"]: n for n in upper if n["key"]}
        for a in lower:
            for b_key in sorted(by_key):
                if (a["key"], b_key) in hood.edges:
                    b = by_key[b_key]
                    edges.append({"d": f"M{_n(a['cx'])} {_n(a['y'])}"
                                       f"L{_n(b['cx'])} {_n(b['y'] + b['h'] + 1)}",
                                  "arrow": True, "far": True, "more": False})
    links(parents, grandparents)
    links(grandchildren, children)
    for n in grandparents + grandchildren:  # a "+N more" of a far row hangs off its near row
        if n["key"] is None:
            near = parents if n["role"] == "grandparent" else children
            if near:
                a = min(near, key=lambda m: abs(m["cx"] - n["cx"]))
                y1, y2 = ((a["y"], n["y"] + n["h"]) if n["role"] == "grandparent"
                          else (n["y"], a["y"] + a["h"]))
                edges.append({"d": f"M{_n(a['cx'])} {_n(y1)}L{_n(n['cx'])} {_n(y2)}",
                              "arrow": False, "far": True, "more": True})
    for n in nodes:
        for k in ("x", "y", "cx", "w", "h"):
            n[k] = _n(n[k])  # text, and finite: _n refuses NaN and infinities
    return {"width": _n(width), "height": _n(height + 2 * MARGIN),
            "box": f"0 {_n(-MARGIN)} {_n(width)} {_n(height + 2 * MARGIN)}",
            "nodes": nodes, "edges": edges}


def _n(v: float) -> str:
    """A coordinate for SVG text: at most two decimals, no trailing zeros."""
    if not math.isfinite(v):
        raise ValueError(f"not a finite coordinate: {v!r}")
    return f"{v:.2f}".rstrip("0").rstrip(".")


def section_colours(section_ids: list[str]) -> dict[str, str]:
    """Section id -> colour, by the section's place in the taxonomy (as on the map)."""
    return {sid: SECTION_PALETTE[i % len(SECTION_PALETTE)] for i, sid in enumerate(section_ids)}


def lineage_view(hood: Hood, papers: dict[str, dict], url_of, more_url: str,
                 colours: dict[str, str]) -> dict | None:
    """What templates/lineage.html.j2 draws, or None for a paper in no lineage edge.

    ``papers``: key -> {"name", "section_title", "section"} for every key of the hood;
    ``url_of(key)``: the link from this page to that paper's page; ``more_url``: the paper
    on the map, for "+N more"."""
    if hood.empty:
        return None
    name = papers[hood.key]["name"]
    variants = []
    for spec in (WIDE, NARROW):
        geo = layout(hood, **spec)
        for n in geo["nodes"]:
            _dress(n, papers, url_of, more_url, colours, name, spec["font"])
        variants.append({"name": spec["name"], "font": spec["font"], **geo})
    wide, narrow = variants
    if _same(wide, narrow):  # every row fits three a line: one picture, sized as narrow
        variants = [dict(narrow, name="only")]
    counts = [(len(hood.parents), "paper it builds on", "papers it builds on"),
              (len(hood.children), "paper that builds on it", "papers that build on it"),
              (len(hood.grandparents), "paper that those build on",
               "papers that those build on"),
              (len(hood.grandchildren), "paper that builds on those",
               "papers that build on those")]
    words = ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts if n)
    return {"name": name, "variants": variants, "desc": f"{name}: {words}.",
            "title": f"Lineage of {name}", "more_url": more_url,
            "far": any(n["far"] for v in variants for n in v["nodes"])}


def _same(a: dict, b: dict) -> bool:
    keys = lambda v: [(n["key"], n["role"], n["more"]) for n in v["nodes"]]  # noqa: E731
    return keys(a) == keys(b)


def _dress(node, papers, url_of, more_url, colours, name, font) -> None:
    """Label, tooltip, link and colour of one node."""
    role = node["role"]
    if node["key"] is None:
        n = node["more"]
        what = {"parent": "papers it builds on", "child": "papers that build on it",
                "grandparent": "papers further up", "grandchild": "papers further down"}[role]
        node.update(tx=node["cx"], ty=_n(float(node["y"]) + float(node["h"]) / 2))
        node.update(label=f"+{n} more", full=f"{n} more {what}: see {name} on the paper map",
                    url=more_url, colour=None, section="")
        node["aria"] = node["full"]
        return
    info = papers[node["key"]]
    node.update(tx=_n(float(node["cx"]) + 3), ty=_n(float(node["y"]) + float(node["h"]) / 2))
    node.update(label=fit(info["name"], float(node["w"]) - 6, font), full=info["name"],
                section=info["section_title"],
                colour=colours.get(info["section"], UNKNOWN_COLOUR),
                url=None if role == "centre" else url_of(node["key"]))
    relation = {"centre": "this paper", "parent": f"{name} builds on it",
                "child": f"it builds on {name}",
                "grandparent": "a paper that " + name + "'s parents build on",
                "grandchild": "it builds on a paper that builds on " + name}[role]
    node["aria"] = f"{info['name']} ({relation})"
