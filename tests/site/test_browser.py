"""The built site in a real browser (Chromium through Playwright), served on localhost."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PAPER = "self-forcing"


def _table(page, heading: str) -> dict[str, str]:
    """First column -> second column of the table after the heading with this text."""
    rows = page.locator(f"h2:has-text('{heading}') ~ div table").first.locator("tbody tr")
    return {rows.nth(i).locator("td").nth(0).inner_text().strip():
            rows.nth(i).locator("td").nth(1).inner_text().strip() for i in range(rows.count())}


def _lineage_pairs(catalog) -> set[tuple[str, str]]:
    return {(key, other) for key, p in catalog.papers.items() for other in p.builds_on
            if other in catalog.papers and other != key}


def test_home_shows_the_catalog_counts(built_site, visit):
    catalog, _ = built_site
    page = visit.go("index.html")
    shown = _table(page, "The catalog in numbers")
    papers = list(catalog.papers.values())
    assert shown["Papers"] == str(len(papers))
    assert shown["Papers with code"] == str(sum(1 for p in papers if p.links.code))
    assert shown["Papers with a reference reproduction"] == str(
        sum(1 for p in papers if p.key in catalog.reproductions))
    for area in catalog.taxonomy.areas:
        in_area = [p for p in papers if p.section.startswith(area["id"] + "/")]
        assert shown[area["title"]] == str(len(in_area))
        for sec in area["sections"]:
            assert shown[f"{area['title']} / {sec.title}"] == str(
                sum(1 for p in papers if p.section == sec.id)), sec.id
    assert page.locator("a[href*='gracezhao1997/Awesome-Video-World-Models-with-AR-Diffusion']")\
        .count() == 1
    visit.screenshot("home")
    assert visit.errors == [] and visit.external() == []


def test_paper_page_shows_links_lineage_and_bibtex(built_site, visit):
    catalog, _ = built_site
    paper = catalog.papers[PAPER]
    page = visit.go(f"generated/papers/{PAPER}.html")
    assert page.locator("h1").inner_text().strip().startswith(paper.name)
    hrefs = page.eval_on_selector_all("article a[href]", "els => els.map(e => e.href)")
    for _, url in paper.links.all():
        assert url in hrefs
    assert paper.arxiv_url in hrefs
    for other in paper.builds_on:
        assert any(h.endswith(f"/generated/papers/{other}.html") for h in hrefs)
    for other in catalog.built_upon_by(PAPER):
        assert any(h.endswith(f"/generated/papers/{other}.html") for h in hrefs)
    bib = page.locator("pre code").first.inner_text()
    assert re.match(rf"@\w+\{{{PAPER},", bib)
    assert f"eprint = {{{paper.arxiv}}}" in bib
    copy = page.locator("pre button[data-clipboard-target]").first  # the copy button
    copy.wait_for(timeout=5000)
    assert copy.get_attribute("data-clipboard-target").endswith("> code")
    visit.screenshot("paper")
    assert visit.errors == [] and visit.external() == []


def test_search_finds_self_forcing(visit):
    page = visit.go("index.html")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("Self Forcing")
    result = page.locator(f".md-search-result__item a[href*='generated/papers/{PAPER}.html']")
    result.first.wait_for(timeout=15000)
    assert result.count() >= 1
    assert visit.errors == [] and visit.external() == []


def _open_map(visit, query: str = ""):
    page = visit.go("map.html" + query)
    page.wait_for_function("window.awmMap && window.awmMap.cy.nodes().length > 0")
    return page


def test_map_draws_every_paper_and_lineage_edge(built_site, visit):
    catalog, _ = built_site
    page = _open_map(visit)
    counts = page.evaluate("[awmMap.cy.nodes().length, awmMap.cy.edges().length,"
                           " awmMap.cy.nodes(':visible').length]")
    assert counts == [len(catalog.papers), len(_lineage_pairs(catalog)), len(catalog.papers)]
    edges = set(map(tuple, page.evaluate(
        "awmMap.cy.edges().map(e => [e.source().id(), e.target().id()])")))
    assert edges == _lineage_pairs(catalog)
    status = page.locator("#awm-status").inner_text()
    assert f"Showing {len(catalog.papers)} of {len(catalog.papers)} papers" in status
    page.wait_for_timeout(300)
    visit.screenshot("map", scroll_to="#awm-legend")
    assert visit.errors == [] and visit.external() == []


def test_map_filters_reduce_the_visible_nodes(built_site, visit):
    catalog, _ = built_site
    page = _open_map(visit)
    section = "algorithm/streaming-distillation"
    page.select_option("#awm-section", section)
    visible = page.evaluate("awmMap.cy.nodes(':visible').map(n => n.id())")
    assert sorted(visible) == sorted(k for k, p in catalog.papers.items() if p.section == section)
    assert 0 < len(visible) < len(catalog.papers)
    page.select_option("#awm-section", "")
    year = min(p.date[:4] for p in catalog.papers.values())
    page.select_option("#awm-year", year)
    assert page.evaluate("awmMap.cy.nodes(':visible').length") == sum(
        1 for p in catalog.papers.values() if p.date.startswith(year))
    assert visit.errors == []


def test_map_search_highlights_and_click_shows_the_details(built_site, visit):
    catalog, _ = built_site
    page = _open_map(visit, f"?paper={PAPER}")
    assert page.evaluate("awmMap.cy.nodes('.found').map(n => n.id())") == [PAPER]
    page.fill("#awm-search", "self forcing")
    found = page.evaluate("awmMap.cy.nodes('.found').map(n => n.id())")
    expected = [k for k, p in catalog.papers.items()  # every word in the name, title or key
                if all(w in f"{p.name} {p.title} {k}".lower() for w in ("self", "forcing"))]
    assert PAPER in found and sorted(found) == sorted(expected)
    assert page.evaluate("awmMap.cy.nodes('.faded').length") == len(catalog.papers) - len(found)
    page.wait_for_timeout(400)  # the highlight animates the view onto the matches
    box = page.locator("#awm-map").bounding_box()
    x, y = page.evaluate("key => { const p = awmMap.cy.getElementById(key).renderedPosition();"
                         " return [p.x, p.y]; }", PAPER)
    assert 0 < x < box["width"] and 0 < y < box["height"]
    # a click shows the details with a link to the page; a double click opens the page
    # (the paper centred first: the details card covers the map's lower left corner)
    x, y = page.evaluate("key => { const cy = awmMap.cy, n = cy.getElementById(key);"
                         " cy.center(n); const p = n.renderedPosition(); return [p.x, p.y]; }",
                         PAPER)
    page.mouse.click(box["x"] + x, box["y"] + y)
    details = page.locator("#awm-details")
    assert details.is_visible() and catalog.papers[PAPER].name in details.inner_text()
    assert details.locator("a").get_attribute("href") == f"generated/papers/{PAPER}.html"
    assert page.url.endswith(f"map.html?paper={PAPER}")
    page.mouse.dblclick(box["x"] + x, box["y"] + y)
    page.wait_for_url(f"**/generated/papers/{PAPER}.html", timeout=10000)
    assert visit.errors == [] and visit.external() == []


# The labels the map shows (names too small to read are hidden: class quiet), as drawn, in
# pixels of the map box: those inside the view with ``inside``, else every visible paper's
# (boxes scale alike, so this is the whole map's at any zoom). Pairs of them that overlap.
_LABELS = """inside => {
  const cy = awmMap.cy, W = cy.width(), H = cy.height(), boxes = [];
  cy.nodes(':visible').not('.quiet').forEach(n => {
    if (!n.style('label')) return;
    const b = n.renderedBoundingBox({includeLabels: true, includeNodes: false});
    if (inside && (b.x2 < 0 || b.x1 > W || b.y2 < 0 || b.y1 > H)) return;
    boxes.push([n.id(), b.x1, b.y1, b.x2, b.y2]);
  });
  const pairs = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a[1] < b[3] && b[1] < a[3] && a[2] < b[4] && b[2] < a[4]) pairs.push([a[0], b[0]]);
  }
  return {shown: boxes.length, pairs: pairs, zoom: cy.zoom(), font: awmMap.font,
          legible: awmMap.legible};
}"""


def _rects_overlap(rects) -> list:
    return [(i, j) for i, a in enumerate(rects) for j, b in enumerate(rects) if i < j and
            a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and
            a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]]


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_map_labels_are_legible_and_never_overlap(built_site, request, width, scheme):
    catalog, _ = built_site
    visit = request.getfixturevalue("visit" if scheme == "light" else "dark_visit")
    page = visit.go("map.html", width)
    page.wait_for_function("window.awmMap && window.awmMap.cy.nodes().length > 0")
    shown = page.evaluate(_LABELS, True)
    # names show at the opening view, at a size that reads, and none overlaps another
    assert shown["pairs"] == []
    assert shown["zoom"] * shown["font"] >= shown["legible"]
    assert shown["shown"] >= (len(catalog.papers) * 0.8 if width >= 1400 else 25)
    if width < 1400:  # a phone opens zoomed in on the most linked paper, and says so
        assert "Zoomed in so that names can be read" in page.locator("#awm-status").inner_text()
    visit.screenshot(f"map-graph-{width}-{scheme}", scroll_to="#awm-map")
    # the whole map, names as drawn (real font, not the build's estimate): no overlap at all
    page.evaluate("() => { awmMap.cy.zoom(1); }")
    everything = page.evaluate(_LABELS, False)
    assert everything["shown"] == len(catalog.papers) and everything["pairs"] == []
    # the timeline: a month axis whose labels do not collide, and the lanes' names; it opens
    # on the newest months at a zoom where names read, and Fit shows every month and lane
    page.select_option("#awm-view", "timeline")
    titles = [catalog.taxonomy.sections[s].title for s in catalog.taxonomy.sections
              if catalog.in_section(s)]
    first = min(p.date for p in catalog.papers.values())
    for fitted in (False, True):
        if fitted:
            page.click("#awm-fit")
        ticks = page.eval_on_selector_all(
            "#awm-map svg.awm-map-axis text.awm-tick",
            "ts => ts.map(t => { const r = t.getBoundingClientRect();"
            " return {text: t.textContent, x: r.x, y: r.y, width: r.width, height: r.height}; })")
        assert len(ticks) >= 3 and all(re.fullmatch(r"\d{4}-\d{2}", t["text"]) for t in ticks)
        assert [t["text"] for t in ticks] == sorted(t["text"] for t in ticks)
        assert _rects_overlap(ticks) == []
        names = page.eval_on_selector_all("#awm-map svg.awm-map-lanes text.awm-lane-name",
                                          "ts => ts.map(t => t.textContent)")
        assert names and names == [t for t in titles if t in names]
        if fitted:
            assert ticks[0]["text"] <= first[:4] + "-12"
            if width >= 1400:
                assert names == titles
        else:
            assert ticks[-1]["text"] >= max(p.date for p in catalog.papers.values())[:4]
            visit.screenshot(f"map-timeline-{width}-{scheme}", scroll_to="#awm-map")
            shown = page.evaluate(_LABELS, True)
            assert shown["pairs"] == [] and shown["shown"] >= 10
            assert shown["zoom"] * shown["font"] >= shown["legible"]
    page.evaluate("() => { awmMap.cy.zoom(1); }")
    everything = page.evaluate(_LABELS, False)
    assert everything["shown"] == len(catalog.papers) and everything["pairs"] == []
    assert visit.errors == [] and visit.external() == []


def test_map_deep_link_zooms_to_the_paper(built_site, visit):
    catalog, _ = built_site
    page = visit.go(f"map.html?paper={PAPER}", 1400)
    page.wait_for_function("window.awmMap && window.awmMap.cy.nodes().length > 0")
    at = page.evaluate("""key => { const cy = awmMap.cy, n = cy.getElementById(key),
        p = n.renderedPosition(), near = n.closedNeighborhood().nodes();
        return {zoom: cy.zoom(), x: p.x, y: p.y, w: cy.width(), h: cy.height(),
                near: near.map(m => m.id()), faded: near.filter('.faded').length,
                others: cy.nodes().not(near).not('.faded').length}; }""", PAPER)
    # the paper in the middle of the view, its neighbours in colour, the rest faded
    assert abs(at["x"] - at["w"] / 2) < 20 and abs(at["y"] - at["h"] / 2) < 20
    assert at["faded"] == 0 and at["others"] == 0 and len(at["near"]) > 3
    assert catalog.papers[PAPER].name in page.locator("#awm-details").inner_text()
    page.click("#awm-fit")
    fitted = page.evaluate("awmMap.cy.zoom()")
    assert at["zoom"] > 1.3 * fitted
    assert visit.errors == [] and visit.external() == []


def test_map_tap_on_a_phone_shows_the_details_and_stays(built_site, browser, base_url):
    catalog, _ = built_site
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base_url + "map.html", wait_until="load")
        page.wait_for_function("window.awmMap && window.awmMap.cy.nodes().length > 0")
        page.locator("#awm-map").scroll_into_view_if_needed()
        key, x, y = page.evaluate("""() => { const cy = awmMap.cy, W = cy.width(), H = cy.height();
            const n = cy.nodes().filter(n => { const p = n.renderedPosition();
              return p.x > 20 && p.x < W - 20 && p.y > 20 && p.y < H / 2; })
              .sort((a, b) => b.degree() - a.degree())[0];
            const p = n.renderedPosition(); return [n.id(), p.x, p.y]; }""")
        box = page.locator("#awm-map").bounding_box()
        page.touchscreen.tap(box["x"] + x, box["y"] + y)
        details = page.locator("#awm-details")
        details.wait_for(state="visible", timeout=5000)
        paper = catalog.papers[key]
        text = details.inner_text()
        section = catalog.taxonomy.sections[paper.section]
        for part in (paper.name, paper.date, section.title):
            assert part in text
        if paper.title != paper.name:
            assert paper.title in text
        assert details.locator("a").get_attribute("href") == f"generated/papers/{key}.html"
        # in view on the phone's screen, and the page did not change
        card = details.bounding_box()
        assert card["x"] >= 0 and card["x"] + card["width"] <= 390
        assert card["y"] + card["height"] <= 844 and card["y"] >= 0
        page.wait_for_timeout(500)
        assert page.url.endswith("map.html")
        assert errors == []
    finally:
        context.close()


def test_hostile_record_renders_as_text_everywhere(built_site, visit, hostile):
    catalog, _ = built_site
    HOSTILE_KEY, HOSTILE_NAME, HOSTILE_TITLE = hostile.key, hostile.name, hostile.title
    section = catalog.papers[HOSTILE_KEY].section
    page = visit.go(f"generated/papers/{HOSTILE_KEY}.html")
    assert HOSTILE_NAME in page.locator("h1").inner_text()
    assert HOSTILE_TITLE in page.locator("article").inner_text()
    assert page.locator("article img, article svg[onload], article b[onmouseover]").count() == 0
    assert page.locator("article a[href^='javascript']").count() == 0
    assert HOSTILE_NAME in page.title()
    assert not visit.pwned()
    for path in ("index.html", f"generated/{section}.html"):  # lists: newest papers, section
        page = visit.go(path)
        assert HOSTILE_TITLE in page.locator("article").inner_text(), path
        assert page.locator("article img").count() == 0, path
        assert not visit.pwned(), path
    page = _open_map(visit)
    label = page.evaluate(f"awmMap.cy.getElementById('{HOSTILE_KEY}').data('label')")
    assert label == HOSTILE_NAME
    # the details panel writes the hovered paper with textContent
    page.evaluate("key => { awmMap.cy.getElementById(key).emit('mouseover'); }", HOSTILE_KEY)
    assert HOSTILE_TITLE in page.locator("#awm-details").inner_text()
    assert page.locator("#awm-details img, #awm-legend img, .awm-map-controls img").count() == 0
    assert not visit.pwned()
    assert visit.errors == [] and visit.external() == []


@pytest.mark.parametrize("path", ["generated/tags.html", "generated/reproductions/index.html",
                                  "generated/contributing.html",
                                  "generated/algorithm/native-ar-diffusion.html",
                                  "generated/algorithm/index.html", "404.html"])
def test_other_pages_load_cleanly_and_stay_local(visit, path):
    page = visit.go(path)
    assert page.locator("h1").count() >= 1
    assert visit.errors == [] and visit.external() == []


def test_section_table_filters_and_sorts(built_site, visit):
    catalog, _ = built_site
    section = "algorithm/long-video-memory"
    papers = catalog.in_section(section)
    page = visit.go(f"generated/{section}.html")
    rows = page.locator("article table tbody tr")
    assert rows.count() == len(papers)
    first_cells = "els => els.map(r => r.cells[0].textContent.trim())"
    assert page.eval_on_selector_all("article table tbody tr", first_cells) == [
        p.name for p in papers]
    page.fill("input.awm-filter", "forcing")
    shown = page.eval_on_selector_all("article table tbody tr:not([hidden])", first_cells)
    assert 0 < len(shown) < len(papers)
    assert all("forcing" in p.name.lower() + p.title.lower() + " ".join(p.tags)
               for p in papers if p.name in shown)
    page.fill("input.awm-filter", "")
    page.locator("article table th", has_text="Paper").click()
    names = page.eval_on_selector_all("article table tbody tr", first_cells)
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    assert visit.errors == [] and visit.external() == []


def test_built_folder_works_from_file_urls_with_no_server(built_site, file_visit):
    catalog, _ = built_site
    page = file_visit.go("map.html")
    page.wait_for_function("window.awmMap && window.awmMap.cy.nodes().length > 0")
    assert page.evaluate("awmMap.cy.nodes().length") == len(catalog.papers)
    page = file_visit.go("index.html")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("Self Forcing")
    result = page.locator(f".md-search-result__item a[href*='generated/papers/{PAPER}.html']")
    result.first.wait_for(timeout=15000)
    assert file_visit.errors == [] and file_visit.external() == []
    files = [u for u in file_visit.requests if u.startswith("file:")]
    assert any(u.endswith("/generated/catalog-data.js") for u in files)
    assert all(u.startswith("file:") for u in file_visit.requests if not u.startswith("data:"))


# Names whose own page must be the first search result: the examples where a longer name
# ("Self Forcing++", "Causal Forcing++", "Genie 2", "V-JEPA 2") or a tag (self-supervised) once
# came first, and plain ones.
SEARCH_NAMES = ["Self Forcing", "Diffusion Forcing", "Causal Forcing", "CausVid", "Genie",
                "Genie 2", "V-JEPA", "V-JEPA 2", "LongLive", "GameNGen", "Matrix-Game",
                "Rolling Forcing"]


def test_search_puts_the_named_paper_first(built_site, visit):
    catalog, _ = built_site
    by_name = {p.name: key for key, p in catalog.papers.items()}
    page = visit.go("index.html")
    page.locator("input.md-search__input").click()
    first = ("() => { const a = document.querySelector('.md-search-result__item > a');"
             " return a ? a.getAttribute('href') : null; }")
    misses = []
    for name in SEARCH_NAMES:
        page.fill("input.md-search__input", name)
        page.keyboard.press("End")  # the search runs on key events, not on fill's input event
        want = f"generated/papers/{by_name[name]}.html"
        try:
            page.wait_for_function(f"() => ({first})()?.includes('{want}')", timeout=4000)
        except Exception:
            misses.append((name, page.evaluate(first)))
    assert misses == []
    assert visit.errors == [] and visit.external() == []


def _shown(page) -> list[str]:
    return page.eval_on_selector_all("#awm-list tbody tr", "rs => rs.map(r => r.dataset.key)")


def _tick(page, facet: str, value: str) -> None:
    page.locator(f"fieldset[data-facet='{facet}'] input[value='{value}']").check()


def test_all_papers_facets_words_sort_and_shared_address(built_site, visit):
    catalog, _ = built_site
    page = visit.go("papers.html")
    newest_first = sorted(catalog.papers.values(), key=lambda p: (p.date, p.key), reverse=True)
    assert _shown(page) == [p.key for p in newest_first]
    section = "algorithm/streaming-distillation"
    _tick(page, "section", section)
    _tick(page, "has", "code")
    expected = [p.key for p in newest_first if p.section == section and p.links.code]
    assert _shown(page) == expected and 0 < len(expected) < len(catalog.papers)
    # counts beside a value: the papers that ticking it would add, the other groups kept
    other = "algorithm/long-video-memory"
    count = page.locator(f"fieldset[data-facet='section'] input[value='{other}'] ~ "
                         ".awm-facet-count").inner_text()
    assert int(count) == sum(1 for p in catalog.papers.values()
                             if p.section == other and p.links.code)
    page.fill("#awm-q", "forcing")
    with_word = [k for k in expected if "forcing" in " ".join(
        [k, catalog.papers[k].name, catalog.papers[k].title, catalog.papers[k].summary or "",
         " ".join(catalog.papers[k].authors), " ".join(catalog.papers[k].tags)]).lower()]
    assert _shown(page) == with_word and with_word
    page.select_option("#awm-sort", "name")
    assert _shown(page) == sorted(with_word, key=lambda k: (catalog.papers[k].name, k))
    assert page.locator("#awm-count").inner_text() == (
        f"Showing {len(with_word)} of {len(catalog.papers)} papers")
    shared = page.url
    assert "section=algorithm%2Fstreaming-distillation" in shared and "has=code" in shared
    assert "words=forcing" in shared and "sort=name" in shared
    page.goto(shared)  # the address alone restores the view
    assert _shown(page) == sorted(with_word, key=lambda k: (catalog.papers[k].name, k))
    assert page.locator(f"fieldset[data-facet='section'] input[value='{section}']").is_checked()
    assert page.input_value("#awm-q") == "forcing"
    page.click("#awm-reset")
    assert len(_shown(page)) == len(catalog.papers)
    assert page.url.endswith("papers.html?sort=name")  # the filters go, the order stays
    assert visit.errors == [] and visit.external() == []


def test_all_papers_exports_the_selection_as_bibtex_and_csv(built_site, visit, hostile):
    import csv
    catalog, _ = built_site
    page = visit.go("papers.html?section=algorithm%2Ffoundations")
    shown = _shown(page)
    assert hostile.key in shown and shown == [
        p.key for p in sorted(catalog.papers.values(), key=lambda p: (p.date, p.key),
                              reverse=True) if p.section == "algorithm/foundations"]
    with page.expect_download() as done:
        page.click("#awm-bibtex")
    bib = open(done.value.path(), encoding="utf-8").read()
    assert re.findall(r"^@\w+\{([^,]+),", bib, re.M) == shown
    with page.expect_download() as done:
        page.click("#awm-csv")
    assert done.value.suggested_filename == "papers.csv"
    with open(done.value.path(), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["key"] for r in rows] == shown
    row = next(r for r in rows if r["key"] == hostile.key)
    assert row["name"] == hostile.name and row["title"] == hostile.title  # text as it is
    assert row["date"] == catalog.papers[hostile.key].date
    # a cell a spreadsheet would run as a formula is neutralised
    assert page.evaluate("awmPapers.csvCell('=HYPERLINK(1)')") == "\"'=HYPERLINK(1)\""
    assert page.locator("#awm-list img").count() == 0 and not visit.pwned()
    assert hostile.name in page.locator("#awm-list").inner_text()
    assert visit.errors == [] and visit.external() == []


def test_all_papers_are_cards_on_a_phone(built_site, visit):
    page = visit.go("papers.html")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("getComputedStyle(document.querySelector('#awm-list thead')).display"
                         ) == "none"  # no header row
    card = page.locator("#awm-list tbody tr").first
    assert card.evaluate("r => getComputedStyle(r).display") == "block"
    assert card.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not page.locator("#awm-filter-box").evaluate("d => d.open")  # list first on phones
    visit.screenshot("papers-phone")
    assert visit.errors == []


def test_paper_page_has_related_papers_pdf_record_links_and_a_full_contents(built_site, visit,
                                                                              hostile):
    from catalog.site.related import related_papers
    catalog, _ = built_site
    paper = catalog.papers[PAPER]
    page = visit.go(f"generated/papers/{PAPER}.html")
    toc = [t.strip() for t in page.locator(
        ".md-sidebar--secondary .md-nav__link").all_inner_texts()]
    headings = [t.strip().rstrip("¶") for t in page.locator("article h2").all_inner_texts()]
    assert toc == headings and {"Lineage", "Related papers", "BibTeX", "Reproduction"} <= set(toc)
    related = page.locator("ul.awm-related > li > a").evaluate_all(
        "as => as.map(a => a.href.split('/').pop())")
    assert related == [f"{r.key}.html" for r in related_papers(catalog)[PAPER]] and related
    hrefs = page.eval_on_selector_all("article a[href]", "els => els.map(e => e.href)")
    assert f"https://arxiv.org/pdf/{paper.arxiv}" in hrefs
    record = f"papers/{PAPER}.yaml"
    assert f"{hostile.repo_url}/edit/main/{record}" in hrefs
    report = next(h for h in hrefs if h.startswith(f"{hostile.repo_url}/issues/new?"))
    assert "papers%2Fself-forcing.yaml" in report
    # BibTeX wraps inside its box on a phone: nothing cut, nothing to scroll sideways
    page.set_viewport_size({"width": 390, "height": 844})
    code = page.locator("pre code.language-bibtex")
    assert code.evaluate("c => c.scrollWidth <= c.clientWidth + 1")
    assert f"eprint = {{{paper.arxiv}}}" in code.inner_text()
    assert visit.errors == [] and visit.external() == []


def test_wide_tables_fit_at_1400_px(built_site, visit):
    catalog, _ = built_site
    page = visit.page
    page.set_viewport_size({"width": 1400, "height": 900})
    # the largest sections, the one with the hostile record's long name, the reproductions
    paths = [f"generated/{sec}.html" for sec in sorted(
        catalog.taxonomy.sections, key=lambda s: -len(catalog.in_section(s)))[:2]] + [
        f"generated/{catalog.papers['hostile-record'].section}.html",
        "generated/reproductions/index.html"]
    fits = ("() => [...document.querySelectorAll('article .md-typeset__scrollwrap')].every("
            "w => w.scrollWidth <= w.clientWidth + 1)")
    last_head = ("() => { const th = document.querySelector('article table thead th:last-child');"
                 " return th ? th.getBoundingClientRect().right : 0; }")
    cut = []
    for path in paths:
        visit.go(path)
        if not page.evaluate(fits) or not 0 < page.evaluate(last_head) <= 1400:
            cut.append(path)
    assert cut == []
    assert visit.errors == []
