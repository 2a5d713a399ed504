"""What a reader expects of any catalog site, in a real browser: dark mode, the repository in
the header, navigation from the home page, a statistics page, an Atom feed, catalog.json as
the API, and a 404 page that works under the sub-path the site is published at."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.browser

ATOM = "{http://www.w3.org/2005/Atom}"


def _scheme(page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def test_dark_mode_follows_the_system_and_the_toggle(visit, dark_visit):
    assert _scheme(visit.go("index.html")) == "default"
    page = dark_visit.go("index.html")
    assert _scheme(page) == "slate"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    assert _scheme(page) == "default"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background
    page = dark_visit.go("papers.html")  # the choice is kept from page to page
    assert _scheme(page) == "default"
    assert (visit.errors, dark_visit.errors, visit.external()) == ([], [], [])


def test_header_links_the_repository_and_home_links_every_part(built_site, visit, hostile):
    catalog, _ = built_site
    page = visit.go("index.html")
    assert page.locator(".md-header a.md-source").get_attribute("href") == hostile.repo_url
    nav = page.locator("nav.md-nav--primary")
    assert nav.is_visible() and nav.locator("a", has_text="All papers").count() == 1
    browse = page.locator("nav.awm-home-nav a")
    hrefs = browse.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "papers.html" in hrefs and "map.html" in hrefs and "generated/stats.html" in hrefs
    assert all(f"generated/{sec}.html" in hrefs for sec in catalog.taxonomy.sections)
    assert visit.errors == [] and visit.external() == []


def test_statistics_page_draws_the_catalog(built_site, visit):
    catalog, _ = built_site
    papers = list(catalog.papers.values())
    page = visit.go("generated/stats.html")
    bars = page.locator("#chart-month rect.awm-bar title").evaluate_all(
        "ts => ts.map(t => t.textContent)")
    first, last = min(p.date for p in papers), max(p.date for p in papers)
    months = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    assert len(bars) == months and bars[0].startswith(first) and bars[-1].startswith(last)
    assert sum(int(t.split(": ")[1].split()[0]) for t in bars) == len(papers)
    heights = page.locator("#chart-month rect.awm-bar").evaluate_all(
        "rs => rs.map(r => r.getBoundingClientRect().height)")
    assert max(heights) > 50  # drawn, not only written
    rows = dict(zip(page.locator("#chart-sections .awm-hbar-label").all_inner_texts(),
                    page.locator("#chart-sections .awm-hbar-value").all_inner_texts()))
    for sec in catalog.taxonomy.sections.values():
        assert rows[f"{sec.area_title} / {sec.title}"] == str(len(catalog.in_section(sec.id)))
    has = dict(zip(page.locator("#chart-has .awm-hbar-label").all_inner_texts(),
                   page.locator("#chart-has .awm-hbar-value").all_inner_texts()))
    code = sum(1 for p in papers if p.links.code)
    weights = sum(1 for p in papers if p.links.weights)
    assert has["Code"] == f"{code} ({round(100 * code / len(papers))} %)"
    assert has["Weights"].startswith(f"{weights} (")
    toc = page.locator(".md-sidebar--secondary .md-nav__link").all_inner_texts()
    assert [t.strip() for t in toc] == ["Papers per month", "Papers per section",
                                        "What the papers come with"]
    visit.screenshot("stats")
    assert visit.errors == [] and visit.external() == []


def test_atom_feed_lists_the_newest_papers(built_site, visit, hostile):
    # No <link rel="alternate"> in the head: Material would fetch a sitemap.xml beside it,
    # which fails from file://. The home page links the feed.
    catalog, _ = built_site
    page = visit.go("index.html")
    href = page.locator("article a", has_text="Atom feed").evaluate("a => a.href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith(("application", "text"))
    feed = ET.fromstring(response.body())
    entries = feed.findall(f"{ATOM}entry")
    newest = sorted(catalog.papers.values(), key=lambda p: (p.date, p.key), reverse=True)
    assert [e.find(f"{ATOM}link[@rel='alternate']").get("href") for e in entries] == [
        f"generated/papers/{p.key}.html" for p in newest[:len(entries)]]
    assert 10 <= len(entries) <= len(catalog.papers)
    hostile_entry = next(e for e in entries if hostile.key in e.find(f"{ATOM}link").get("href"))
    assert hostile_entry.find(f"{ATOM}title").text == f"{hostile.name}: {hostile.title}"
    assert [a.text for a in hostile_entry.iter(f"{ATOM}name")] == catalog.papers[
        hostile.key].authors
    assert feed.find(f"{ATOM}updated").text == f"{newest[0].date}-01T00:00:00Z"
    assert len({e.find(f"{ATOM}id").text for e in entries}) == len(entries)
    assert visit.errors == [] and visit.external() == []


def test_catalog_json_is_linked_as_the_api(built_site, visit):
    catalog, _ = built_site
    page = visit.go("index.html")
    link = page.locator("article a", has_text="catalog.json").first
    data = json.loads(page.request.get(link.evaluate("a => a.href")).text())
    assert data["counts"]["papers"] == len(catalog.papers)
    assert sorted(p["key"] for p in data["papers"]) == sorted(catalog.papers)
    schema = page.locator("article a", has_text="its JSON schema").first
    assert json.loads(page.request.get(schema.evaluate("a => a.href")).text())["type"] == "object"
    assert visit.errors == []


def test_404_page_works_under_the_sub_path(visit, hostile):
    page = visit.page
    response = page.goto(visit.base_url + "no/such/deep/page.html", wait_until="load")
    assert response.status == 404
    assert "404" in page.locator("h1").inner_text()
    # its styles, scripts and links resolve under the sub-path, not at the server's root
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position"
                         ) == "sticky"
    home = page.locator(".md-header__button.md-logo").evaluate("a => a.href")
    assert home.endswith(hostile.sub_path) or home.endswith(hostile.sub_path + "index.html")
    page.goto(home)
    assert page.locator("nav.awm-home-nav").count() == 1
    missing = [e for e in visit.errors if "404" not in e]
    assert missing == [] and visit.external() == []
    assert len([e for e in visit.errors if "404" in e]) == 1  # the missing page itself only


def _label_brightness(page) -> float:
    rgb = page.evaluate("awmMap.cy.nodes()[0].style('color')")  # "rgb(r,g,b)"
    return sum(int(v) for v in rgb[rgb.index("(") + 1:-1].split(",")[:3]) / 765


def test_map_labels_follow_light_and_dark(dark_visit):
    page = dark_visit.go("map.html")
    page.wait_for_function("window.awmMap && window.awmMap.cy.nodes().length > 0")
    assert _label_brightness(page) > 0.6  # light text on the dark background
    before = page.evaluate("awmMap.cy.nodes()[0].style('color')")
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    page.wait_for_function("c => awmMap.cy.nodes()[0].style('color') !== c", arg=before)
    assert _label_brightness(page) < 0.3
    assert dark_visit.errors == []
