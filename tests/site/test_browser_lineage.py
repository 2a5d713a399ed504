"""The lineage picture of a paper page in a real browser: drawn, linked, fitting the page."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAPER = "self-forcing"


@pytest.mark.parametrize("width", [1400, 390])
def test_lineage_picture_is_visible_linked_and_fits(built_site, visit, width):
    catalog, _ = built_site
    page = visit.go(f"generated/papers/{PAPER}.html", width)
    assert visit.scroll_width() <= width
    svg = page.locator("figure.awm-lineage svg:visible")
    assert svg.count() == 1  # one layout shown: the wide one on a desktop, the narrow on a phone
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert box and box["height"] > 100 and box["width"] > 0.8 * min(width - 40, 600)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    assert svg.get_attribute("class") == ("awm-lin-wide" if width > 1000 else "awm-lin-narrow")
    hrefs = svg.locator("a").evaluate_all(
        "as => as.map(a => new URL(a.getAttribute('href'), location.href).pathname)")
    labels = svg.locator("a").evaluate_all("as => as.map(a => a.getAttribute('aria-label'))")
    assert all(labels)
    paper = catalog.papers[PAPER]
    for other in paper.builds_on:  # every parent is drawn
        assert any(h.endswith(f"/generated/papers/{other}.html") for h in hrefs)
    children = [h for h in hrefs if h.endswith(".html") and "/generated/papers/" in h]
    upon = {f"/generated/papers/{k}.html" for k in catalog.built_upon_by(PAPER)}
    assert len([h for h in children if any(h.endswith(u) for u in upon)]) >= 3
    assert any(h.endswith("/map.html") for h in hrefs)  # "+N more" opens the map
    # the labels are drawn in the theme's text colour, the boxes in its background
    fill = svg.locator("text.awm-lin-label").first.evaluate("t => getComputedStyle(t).fill")
    assert fill not in ("none", "")
    # a label is inside its box
    for i in range(min(svg.locator("a").count(), 6)):
        node = svg.locator("a").nth(i)
        rect, label = (node.locator(s).first.bounding_box()
                       for s in ("rect.awm-lin-box", "text.awm-lin-label"))
        assert rect["x"] <= label["x"] and label["x"] + label["width"] <= rect["x"] + rect["width"]
    assert visit.errors == [] and visit.external() == []
    visit.screenshot(f"lineage-{PAPER}-{width}", scroll_to="figure.awm-lineage")


def test_lineage_picture_reads_in_dark_mode(built_site, dark_visit):
    page = dark_visit.go(f"generated/papers/{PAPER}.html", 390, 844)
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    svg = page.locator("figure.awm-lineage svg:visible")
    svg.scroll_into_view_if_needed()
    fill, bg = svg.locator("text.awm-lin-label").first.evaluate(
        "t => [getComputedStyle(t).fill, getComputedStyle(t.parentNode.querySelector('rect')).fill]")
    assert fill != bg and fill not in ("rgb(0, 0, 0)", "none")
    assert dark_visit.scroll_width() <= 390
    dark_visit.screenshot(f"lineage-{PAPER}-390-dark", scroll_to="figure.awm-lineage")
