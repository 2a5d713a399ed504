"""The lineage picture of paper pages (catalog/site/lineage.py, templates/lineage.html.j2),
without a browser: rows, links, labels, escaping, finite geometry."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from catalog.loader import load_catalog
from catalog.site import lineage, pages

ROOT = Path(__file__).resolve().parents[2]

# grand -> par -> mid <- kid <- grandkid; mid also builds on a paper outside the catalog;
# loner is in no edge; long-name builds on mid; hostile builds on kid.
LONG = "A Very Long Paper Name That Cannot Possibly Fit In Its Little Box"
HOSTILE = '<script>window.__pwned=1</script> "quoted" & <img src=x onerror=1>'
RECORDS = {
    "grand": ("Grand", "algorithm/foundations", []),
    "par": ("Par", "algorithm/native-ar-diffusion", ["grand"]),
    "mid": ("Mid", "algorithm/streaming-distillation", ["par", "not-in-catalog"]),
    "kid": ("Kid", "application/interactive-world-models", ["mid"]),
    "grandkid": ("Grandkid", "infrastructure/caching", ["kid"]),
    "long-name": (LONG, "algorithm/streaming-distillation", ["mid"]),
    "hostile-kid": (HOSTILE, "algorithm/foundations", ["kid"]),
    "loner": ("Loner", "algorithm/foundations", []),
}


def _yaml(key, name, section, builds_on, month):
    quoted = name.replace("'", "''")
    return (f"key: {key}\nname: '{quoted}'\ntitle: 'The paper {key}'\nauthors: [A. Author]\n"
            f'date: "2025-{month:02d}"\nsection: {section}\ntags: [world-model]\n'
            f"builds_on: {builds_on}\n")


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    papers = tmp_path_factory.mktemp("lineage") / "papers"
    papers.mkdir()
    for i, (key, (name, section, on)) in enumerate(RECORDS.items()):
        (papers / f"{key}.yaml").write_text(
            _yaml(key, name, section, "[" + ", ".join(on) + "]", i + 1), encoding="utf-8")
    catalog = load_catalog(ROOT, papers_dir=papers)
    assert set(catalog.papers) == set(RECORDS), catalog.load_findings
    return catalog, pages.render_pages(catalog)


def _figure(page: str) -> str:
    found = re.findall(r'<figure class="awm-lineage".*?</figure>', page, re.S)
    assert len(found) == 1
    return found[0]


def _svgs(figure: str) -> list[str]:
    return re.findall(r"<svg class=\"awm-lin-[a-z]+\".*?</svg>", figure, re.S)


def test_rows_hold_parents_children_and_one_step_further(fake):
    catalog, _ = fake
    graph = pages.lineage_graph(catalog)
    hood = lineage.neighbourhood("mid", graph[0], graph[1])
    assert hood.parents == ["par"]  # the paper outside the catalog is left out
    assert hood.children == ["kid", "long-name"]  # date order
    assert hood.grandparents == ["grand"]
    assert hood.grandchildren == ["grandkid", "hostile-kid"]
    assert ("mid", "par") in hood.edges and ("par", "grand") in hood.edges
    assert ("grandkid", "kid") in hood.edges
    geo = lineage.layout(hood, **lineage.WIDE)
    rows = {}
    for n in geo["nodes"]:
        rows.setdefault(n["role"], set()).add(float(n["y"]))
    ys = [rows[r].pop() for r in ("grandparent", "parent", "centre", "child", "grandchild")]
    assert ys == sorted(ys) and len(set(ys)) == 5  # one row each, top to bottom
    assert lineage.neighbourhood("loner", graph[0], graph[1]).empty


def test_picture_links_point_at_the_neighbours_pages(fake):
    _, out = fake
    figure = _figure(out["generated/papers/mid.md"])
    for svg in _svgs(figure):
        hrefs = re.findall(r'<a href="([^"]+)" aria-label=', svg)
        assert set(hrefs) == {"par.html", "grand.html", "kid.html", "long-name.html",
                              "grandkid.html", "hostile-kid.html"}
        assert "mid.html" not in hrefs  # the page's own paper is not a link
        labels = re.findall(r'<a [^>]*aria-label="([^"]+)"', svg)
        assert "Par (Mid builds on it)" in labels and "Kid (it builds on Mid)" in labels
        assert re.search(r"<title id=\"[^\"]+-title\">Lineage of Mid</title>", svg)
        assert re.search(r"<desc id=\"[^\"]+-desc\">Mid: 1 paper it builds on, 2 papers", svg)
        assert 'marker-end="url(#' in svg
    assert "<figcaption>" in figure and "../../map.html?paper=mid" in figure
    # every node's colour is the map's colour of its section
    colours = pages.section_colours(fake[0])
    assert 'fill="' + colours["application/interactive-world-models"] + '"' in figure
    assert set(colours.values()) <= set(lineage.SECTION_PALETTE)


def test_long_names_are_cut_with_an_ellipsis_and_kept_whole_in_the_title(fake):
    _, out = fake
    figure = _figure(out["generated/papers/mid.md"])
    label = re.search(r'<title>([^<]+)</title>\n<a href="long-name.html".*?'
                      r'<text class="awm-lin-label"[^>]*>([^<]+)</text>', figure, re.S)
    assert label.group(1).startswith(LONG)
    assert label.group(2).endswith("…") and len(label.group(2)) < len(LONG)
    assert LONG.startswith(label.group(2)[:-1])
    assert lineage.truncate("Short", 10) == "Short"
    assert lineage.fit("Self Forcing", 134, 15) == "Self Forcing"


def test_hostile_names_stay_text_in_the_picture(fake):
    _, out = fake
    figure = _figure(out["generated/papers/kid.md"])
    assert "<script" not in figure and "<img" not in figure and "onerror=1>" not in figure
    assert "&lt;script&gt;" in figure and "&#34;quoted&#34; &amp;" in figure
    tags = set(re.findall(r"<([a-z]+)[\s>]", figure))
    assert tags <= {"figure", "svg", "title", "desc", "defs", "marker", "path", "a", "g",
                    "rect", "text", "figcaption"}
    own = _figure(out["generated/papers/hostile-kid.md"])
    assert "&lt;script&gt;" in own and "<script" not in own


def test_a_paper_in_no_edge_has_no_picture(fake):
    _, out = fake
    page = out["generated/papers/loner.md"]
    assert "awm-lineage" not in page and "<svg" not in page
    assert "Loner is in no lineage edge of the catalog yet" in page


def test_coordinates_are_finite_and_inside_the_box(fake):
    _, out = fake
    for key in RECORDS:
        if key == "loner":
            continue
        for svg in _svgs(_figure(out[f"generated/papers/{key}.md"])):
            box = [float(x) for x in re.search(r'viewBox="([^"]+)"', svg).group(1).split()]
            numbers = [float(x) for a in ("x", "y", "width", "height")
                       for x in re.findall(rf' {a}="(-?[\d.]+)"', svg)]
            for d in re.findall(r' d="([^"]+)"', svg):
                numbers += [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", d)]
            assert numbers and all(math.isfinite(x) for x in numbers)
            coords = " ".join(re.findall(r' (?:[xy]|width|height|d|viewBox)="([^"]*)"', svg))
            assert not re.search(r"nan|inf", coords, re.I)
            xs = [float(x) for x in re.findall(r' x="(-?[\d.]+)"', svg)]
            assert min(xs) >= box[0] and max(xs) <= box[0] + box[2]
    with pytest.raises(ValueError):
        lineage._n(float("nan"))


def test_wide_rows_wrap_then_end_in_a_link_to_the_map():
    children = [f"c{i:02d}" for i in range(20)]
    hood = lineage.neighbourhood("p", {"p": [], **{c: ["p"] for c in children}},
                                 {"p": children})
    geo = lineage.layout(hood, **lineage.NARROW)
    kids = [n for n in geo["nodes"] if n["role"] == "child"]
    assert len(kids) == 3 + 2 and kids[-1]["key"] is None and kids[-1]["more"] == 16
    first = {float(n["y"]) for n in kids[:3]}
    second = {float(n["y"]) for n in kids[3:]}
    assert len(first) == len(second) == 1 and second.pop() > first.pop()
    # a second line's boxes sit between the first line's, so the drops pass through gaps
    for n in kids[3:]:
        for m in kids[:3]:
            assert abs(float(n["cx"]) - float(m["cx"])) >= lineage.NODE_W / 2
    view = lineage.lineage_view(hood, {k: {"name": k, "section": "s", "section_title": "S"}
                                       for k in ["p"] + children}, lambda k: f"{k}.html",
                                "../../map.html?paper=p", {"s": "#3f51b5"})
    assert [v["name"] for v in view["variants"]] == ["wide", "narrow"]
    more = [n for n in view["variants"][1]["nodes"] if n["key"] is None][0]
    assert more["label"] == "+16 more" and more["url"] == "../../map.html?paper=p"


def test_the_map_reads_the_same_palette(fake):
    _, out = fake
    data = out["generated/catalog-data.js"]
    assert "window.AWM_SECTION_PALETTE = " in data
    assert all(c in data for c in lineage.SECTION_PALETTE)
    js = (ROOT / "site" / "assets" / "js" / "map.js").read_text(encoding="utf-8")
    assert "window.AWM_SECTION_PALETTE" in js
    assert not any(c in js for c in lineage.SECTION_PALETTE[1:])  # no second copy


# Colour-vision deficiency, simulated with Machado, Oliveira and Fernandes (2009) at severity
# 1.0 on linear RGB; distances in CIELAB (CIE76, D65). Two colours about 15 apart or more are
# told apart at a glance; the former Material palette had pairs under 2 apart for a deutan.
CVD = {
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}
MIN_DELTA_E = 15


def _lab(hex_colour: str, vision: str | None = None) -> tuple[float, float, float]:
    def linear(v):
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    rgb = [linear(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5)]
    if vision:
        rgb = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in CVD[vision]]
    r, g, b = rgb
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
         for t in (xyz[0] / 0.95047, xyz[1], xyz[2] / 1.08883)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def _closest_pair(palette, vision=None) -> float:
    return min(math.dist(_lab(a, vision), _lab(b, vision))
               for i, a in enumerate(palette) for b in palette[i + 1:])


@pytest.mark.parametrize("vision", [None, *CVD])
def test_section_colours_stay_apart_for_every_colour_vision(vision):
    palette = lineage.SECTION_PALETTE
    assert len(set(c.lower() for c in palette)) == len(palette) >= 5
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in palette)
    assert _closest_pair(palette, vision) >= MIN_DELTA_E, vision
    # the check tells a bad palette: Material's indigo and deep purple merge for a deutan
    assert _closest_pair(("#3f51b5", "#673ab7"), "deuteranopia") < MIN_DELTA_E
