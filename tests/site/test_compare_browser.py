"""The comparison pages in a real browser: the streaming table sorts and filters, the benchmark
pages sort, nothing leaves localhost. Expectations come from catalog.compare, the module the
pages are built from."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

STREAMING = "generated/compare/streaming.html"


def _keys(page) -> list[str]:
    """The data-key of each visible row of the streaming table, top to bottom."""
    return page.eval_on_selector_all(
        "#awm-streaming tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.key)")


def _stable(rows, value, reverse: bool) -> list[str]:
    """Rows sorted by value (None last both ways), equal values in their page order."""
    known = [r for r in rows if value(r) is not None]
    ordered = sorted(known, key=value, reverse=reverse)
    return [r.paper.key for r in ordered] + [r.paper.key for r in rows if value(r) is None]


def test_streaming_table_sorts_and_filters(built_site, visit):
    from catalog.compare import streaming_rows
    catalog, _ = built_site
    rows = streaming_rows(catalog)
    assert len(rows) >= 3, "the catalog records speeds for at least three papers"
    page = visit.go(STREAMING)
    assert _keys(page) == [r.paper.key for r in rows]  # fastest first without a click
    assert page.locator(".awm-shown").inner_text() == f"{len(rows)} of {len(rows)} shown"

    fps = page.locator("#awm-streaming th", has_text="FPS")
    fps.click()
    assert fps.get_attribute("aria-sort") == "ascending"
    assert _keys(page) == _stable(rows, lambda r: r.fps, reverse=False)
    fps.click()
    assert fps.get_attribute("aria-sort") == "descending"
    assert _keys(page) == _stable(rows, lambda r: r.fps, reverse=True)
    page.locator("#awm-streaming").get_by_role("button", name="Model", exact=True).click()
    assert _keys(page) == [r.paper.key for r in sorted(rows, key=lambda r: r.paper.name.lower())]

    order = _keys(page)
    by_key = {r.paper.key: r for r in rows}
    page.get_by_label("Open weights").check()
    assert _keys(page) == [k for k in order if by_key[k].weights]
    page.get_by_label("Fits 24 GB (reported memory)").check()
    assert _keys(page) == [k for k in order if by_key[k].weights and by_key[k].fits_24gb]
    page.get_by_label("Open weights").uncheck()
    page.get_by_label("Fits 24 GB (reported memory)").uncheck()
    page.get_by_label("Built on Wan").check()
    wan = [k for k in order if by_key[k].wan]
    assert wan and _keys(page) == wan
    assert page.locator(".awm-shown").inner_text() == f"{len(wan)} of {len(rows)} shown"
    page.get_by_label("Built on Wan").uncheck()
    first = by_key[order[0]]
    page.get_by_label("Filter the table").fill(first.paper.name)
    shown = _keys(page)
    assert first.paper.key in shown and len(shown) < len(rows)
    page.get_by_label("Filter the table").fill("")
    assert _keys(page) == order

    plotted = sum(1 for r in rows if r.fps is not None and r.quality is not None)
    assert page.locator(".awm-scatter circle").count() == (plotted if plotted >= 2 else 0)
    if plotted >= 2:
        caption = page.locator(".awm-scatter figcaption").inner_text()
        assert "not a controlled comparison" in caption
    else:
        assert page.get_by_text("no plot yet").count() == 1
    assert "not a controlled comparison" in page.locator(".admonition").inner_text()
    visit.screenshot("compare-streaming")
    assert visit.errors == [] and visit.external() == [], (visit.errors, visit.external())


def test_benchmark_pages_rank_within_a_setting_and_sort(built_site, visit):
    from catalog.compare import comparisons
    catalog, _ = built_site
    comparison = max(comparisons(catalog), key=lambda c: len(c.groups[0].entries))
    page = visit.go(f"generated/compare/{comparison.benchmark.key}.html")
    tables = page.locator("table[data-awm-compare]")
    assert tables.count() == len(comparison.groups)
    first = tables.first
    names = first.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert names == [e.paper.name for e in comparison.groups[0].entries]  # best first
    values = first.locator("thead th").nth(2)
    values.click()  # ascending by value; equal values keep their page order
    expected = sorted(comparison.groups[0].entries, key=lambda e: e.result.value)
    assert first.locator("tbody tr td:nth-child(2)").all_inner_texts() == \
        [e.paper.name for e in expected]
    assert page.locator("h2 .awm-not-comparable").count() == sum(
        1 for g in comparison.groups if not g.comparable)
    index = visit.go("generated/compare/index.html")
    assert index.locator("a", has_text="Real-time streaming").count() >= 1
    assert visit.errors == [] and visit.external() == []
