"""Reproduction pages in a real browser: charts drawn, nothing scrolling sideways."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGE = "generated/reproductions/diamond.html"


@pytest.mark.parametrize("width", [1400, 390])
def test_reproduction_page_fits_and_shows_its_charts(built_site, visit, width):
    catalog, _ = built_site
    page = visit.go(PAGE, width)
    assert visit.scroll_width() <= width
    charts = page.locator("figure.awm-curve > svg")
    records = catalog.reproductions["diamond"]["results"]
    assert charts.count() >= len(records)
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 0.6 * min(width, 640) and box["height"] > 100
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        assert (chart.locator("title").first.text_content() or "").strip()
        # every line is drawn in a theme colour, never the default black or none
        strokes = chart.locator("path.awm-line").evaluate_all(
            "ps => ps.map(p => getComputedStyle(p).stroke)")
        assert strokes and all(s not in ("none", "rgb(0, 0, 0)") for s in strokes)
    pictures = page.locator("figure.awm-figure img")
    assert pictures.count() >= 1
    assert all(a and not a.endswith(".png") for a in pictures.evaluate_all(
        "imgs => imgs.map(i => i.alt)"))
    assert "1 threads" not in page.inner_text("article")
    assert visit.errors == [] and visit.external() == []
    visit.screenshot(f"reproduction-diamond-{width}", scroll_to="#curve-smoke-1")
