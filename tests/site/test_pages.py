"""The page generator without a browser: escaping, links, code blocks, nav, page set."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml

from catalog.loader import load_catalog
from catalog.site import pages, text
from catalog.site.build import nav_problems, read_config

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "[click](javascript:window.__pwned=1)",
    '{: onclick="window.__pwned=1"} *em* _em_ `code` **bold**',
    "# not a heading | not | a table",
    "a &amp; b &lt;i&gt; \\[x\\]",
    "--8<-- \"/etc/passwd\"",
    "- list item\n\n<div>block</div>",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def _render(md: str) -> _Tags:
    config = read_config(ROOT)
    exts = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    parsed = _Tags()
    parsed.feed(markdown.markdown(md, extensions=exts))
    return parsed


@pytest.mark.parametrize("value", HOSTILE)
def test_record_text_renders_as_exactly_that_text(value):
    out = _render(f"Before {text.md_text(value)} after")
    assert out.tags == ["p"] and out.attrs == []
    assert "".join(out.text) == "Before " + " ".join(value.split()) + " after"


@pytest.mark.parametrize("value", HOSTILE)
def test_record_text_in_a_heading_and_a_table_cell_stays_text(value):
    out = _render(f"# {text.md_text(value)}\n\n| a | b |\n|---|---|\n| {text.md_text(value)} | x |\n")
    assert set(out.tags) <= {"h1", "table", "thead", "tbody", "tr", "th", "td"}
    assert " ".join(value.split()) in "".join(out.text)


def test_links_accept_https_only_and_cannot_break_out():
    assert text.page_link("x", "javascript:alert(1)") == "x"
    assert text.page_link("x", "http://example.org") == "x"
    link = text.page_link("x", 'https://e.org/a b)"<onmouseover=1>(')
    out = _render(link)
    assert out.tags == ["p", "a"]
    assert out.attrs == [("href", "https://e.org/a%20b%29%22%3Conmouseover=1%3E%28")]
    assert text.page_link("x", "../papers/a.md?paper=b") == "[x](../papers/a.md?paper=b)"
    assert text.page_link("x", "../a b.md") == "x"
    with pytest.raises(ValueError):
        text.paper_path("../../etc/passwd")


def test_front_matter_is_yaml_with_html_escaped_values():
    fm = pages.front_matter(title='<img src=x onerror="1">\n---\nevil: 1', tags=["a<b"])
    data = yaml.safe_load(fm.split("---\n")[1])
    assert data == {"title": "&lt;img src=x onerror=&quot;1&quot;&gt; --- evil: 1",
                    "tags": ["a&lt;b"]}


def test_rehome_links_sends_repository_paths_to_github():
    md = "See [the schema](catalog/model.py), [a page](#top), [web](https://x.org) ![p](a.png)"
    assert pages.rehome_links(md, "CONTRIBUTING.md", "https://github.com/o/r") == (
        "See [the schema](https://github.com/o/r/blob/main/catalog/model.py), [a page](#top), "
        "[web](https://x.org) p")
    assert pages.rehome_links(md, "CONTRIBUTING.md", None).startswith("See the schema,")


def test_every_paper_section_and_taxonomy_page_is_generated_and_in_the_nav():
    catalog = load_catalog(ROOT)
    out = pages.render_pages(catalog)
    for key in catalog.papers:
        assert f"generated/papers/{key}.md" in out
    for sid in catalog.taxonomy.sections:
        assert f"generated/{sid}.md" in out
    assert nav_problems(read_config(ROOT), catalog) == []
    config = read_config(ROOT)
    config["nav"] = config["nav"][:2]
    assert "mkdocs.yml: nav does not list generated/algorithm/index.md (add it under its area)" \
        in nav_problems(config, catalog)


def test_pages_are_deterministic_and_lineage_runs_both_ways():
    catalog = load_catalog(ROOT)
    first, second = pages.render_pages(catalog), pages.render_pages(catalog)
    assert first == second
    edges = [(k, o) for k, p in catalog.papers.items() for o in p.builds_on if o in catalog.papers]
    assert edges, "the real catalog has lineage edges"
    for key, other in edges:
        page, target = first[f"generated/papers/{key}.md"], first[f"generated/papers/{other}.md"]
        assert f'href="{other}.html"' in page.split("Built upon by")[0]
        assert f'href="{key}.html"' in target.split("Built upon by")[1]


def test_hostile_paper_page_is_escaped_html(tmp_path, hostile):
    HOSTILE_KEY = hostile.key
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / f"{HOSTILE_KEY}.yaml").write_text(hostile.yaml, encoding="utf-8")
    catalog = load_catalog(ROOT, papers_dir=papers)
    page = pages.render_pages(catalog)[f"generated/papers/{HOSTILE_KEY}.md"]
    body = page.split("---\n", 2)[2]
    out = _render(body)
    assert set(out.tags) <= {"div", "h1", "h2", "p", "strong", "ul", "li", "a", "pre", "code"}
    hrefs = [v for k, v in out.attrs if k == "href"]
    assert all(h.startswith(("https://", "../", "#")) or h.endswith(".html") for h in hrefs)
    assert "https://github.com/example/repo%22onmouseover=%22window.__pwned=1" in hrefs
    assert {k for k, _ in out.attrs} <= {"class", "href", "id", "data-search-exclude"}
    assert catalog.papers[HOSTILE_KEY].title in "".join(out.text)
    assert "<script>window.__pwned=1</script>" in "".join(out.text)  # the BibTeX, as text


def test_home_counts_match_the_catalog():
    catalog = load_catalog(ROOT)
    home = pages.render_pages(catalog)["index.md"]
    assert re.search(rf"^\| Papers \| {len(catalog.papers)} \|$", home, re.M)
    with_code = sum(1 for p in catalog.papers.values() if p.links.code)
    assert re.search(rf"^\| Papers with code \| {with_code} \|$", home, re.M)


def test_reproduction_pages_show_claims_verdicts_and_results():
    catalog = load_catalog(ROOT)
    key = "diffusion-forcing"
    claims = [{"id": f"c{i}", "statement": f"statement {i}", "source": "Sec. 3", "metric": "m",
               "comparison": f"m{i} >= 1", "threshold": 1, "scale": "smoke", "test": "t"}
              for i in range(3)]
    # the verdicts by the three-seed rule, as the card records them; c1 holds on seed 0 only
    for claim, expected in zip(claims, ["holds", "does not hold", "does not hold"]):
        claim["expected"] = expected
    record = {"paper": key, "scale": "smoke", "device": "cpu", "seed": 0, "commit": "abc",
              "created": "2026-11-26", "wall_time_s": 12.5, "protocol": {"samples": 8},
              "gate": {"passed": True, "measured": {}}, "metrics": {"parameters": 1234,
                                                                     "fps_steady": 99.5},
              "curves": {}, "figures": ["smoke-rollout.png", "../escape.png"],
              "claims": [{"id": "c0", "verdict": "holds", "measured": {"m0": 2.0}},
                         {"id": "c1", "verdict": "holds", "measured": {"m1": 1.5}},
                         {"id": "c2", "verdict": "does not hold", "measured": {"m2": 0.5}}]}
    catalog.reproductions = {key: {"paper": key, "title": "DF <b>toy</b>", "folder": "df-toy",
                                   "claims": claims, "results": {"smoke": record},
                                   "reported": [{"what": "FVD", "value": 100, "source": "T1"}]}}
    out = pages.render_pages(catalog)
    index = out["generated/reproductions/index.md"]
    assert "| smoke | cpu | 1 / 3 (smoke) | fps\\_steady 99\\.5; parameters 1234 | FVD: 100 |" \
        in index
    page = out["generated/reproductions/df-toy.md"]
    assert "| **holds** | smoke: **holds** m0=2" in page
    assert "| **does not hold** | smoke: **holds** m1=1\\.5" in page
    assert "| **does not hold** | smoke: **does not hold** m2=0\\.5" in page
    assert "![smoke\\-rollout\\.png](df-toy/smoke-rollout.png)" in page
    assert "escape" not in page  # a figure name with a path is not shown
    assert "DF &lt;b&gt;toy&lt;/b&gt;" in page
    assert "## Reproduction" in out[f"generated/papers/{key}.md"]
    assert pages.counts(catalog)["with_reproduction"] == 1


def test_search_separator_and_boosts_favour_the_exact_name():
    search = next(p["search"] for p in read_config(ROOT)["plugins"]
                  if isinstance(p, dict) and "search" in p)
    assert search["separator"] == pages.SEARCH_SEPARATOR
    assert search["fields"]["title"]["boost"] > 10 * search["fields"]["tags"]["boost"]
    assert [w for w in re.split(pages.SEARCH_SEPARATOR, "Self-Forcing++: Towards") if w] == [
        "Self", "Forcing", "Towards"]
    catalog = load_catalog(ROOT)
    short, long = catalog.papers["v-jepa"], catalog.papers["v-jepa-2"]  # V JEPA, V JEPA 2
    assert pages.search_boost(short, 0) > pages.search_boost(long, 0)
    # "Self Forcing" and "Self Forcing++" are the same words: more descendants break the tie
    paper = catalog.papers["self-forcing"]
    assert pages.search_boost(paper, 5) > pages.search_boost(paper, 0)
    page = pages.render_pages(catalog)["generated/papers/self-forcing.md"]
    front = yaml.safe_load(page.split("---\n")[1])
    assert front["search"]["boost"] == pages.search_boost(
        paper, len(catalog.built_upon_by("self-forcing")))


def test_bibtex_data_holds_each_papers_entry_of_papers_bib():
    catalog = load_catalog(ROOT)
    script = pages.render_pages(catalog)["generated/bibtex-data.js"]
    assert script.startswith("window.AWM_BIBTEX = ") and script.endswith(";\n")
    import json
    entries = json.loads(script[len("window.AWM_BIBTEX = "):-2])
    assert sorted(entries) == sorted(catalog.papers)
    bib = (ROOT / "papers.bib").read_text(encoding="utf-8")
    assert all(entry in bib for entry in entries.values())


def test_read_config_resolves_env_tags_as_mkdocs_does(tmp_path, monkeypatch):
    (tmp_path / "mkdocs.yml").write_text(
        "site_url: !ENV AWM_TEST_SITE\nrepo_url: !ENV [AWM_TEST_A, AWM_TEST_B, 'fallback']\n"
        "edit_uri: !ENV [AWM_TEST_UNSET]\n", encoding="utf-8")
    for name in ("AWM_TEST_SITE", "AWM_TEST_A", "AWM_TEST_B", "AWM_TEST_UNSET"):
        monkeypatch.delenv(name, raising=False)
    assert read_config(tmp_path) == {"site_url": None, "repo_url": "fallback", "edit_uri": None}
    monkeypatch.setenv("AWM_TEST_SITE", "https://example.org/sub/")
    monkeypatch.setenv("AWM_TEST_B", "https://github.com/o/r")
    assert read_config(tmp_path)["site_url"] == "https://example.org/sub/"
    assert read_config(tmp_path)["repo_url"] == "https://github.com/o/r"
    # the repository's own file: both come from the environment, nothing is hard-coded
    assert set(read_config(ROOT)) >= {"site_url", "repo_url"}


def test_related_papers_put_lineage_first_and_say_why():
    from catalog.site.related import related_papers
    catalog = load_catalog(ROOT)
    related = related_papers(catalog)
    assert set(related) == set(catalog.papers)
    for key, found in related.items():
        assert key not in [r.key for r in found] and len(found) <= 6
        assert all(r.reasons for r in found)
        assert [r.score for r in found] == sorted((r.score for r in found), reverse=True)
    # MAR's one descendant in the catalog (NOVA) outranks every paper that only shares words
    mar = related["mar"]
    assert mar[0].key in catalog.built_upon_by("mar") + catalog.papers["mar"].builds_on
    assert "it builds on this paper" in mar[0].reasons
    assert all("builds on" not in " ".join(r.reasons) for r in mar[1:]
               if r.key not in catalog.built_upon_by("mar"))
    assert related == related_papers(catalog)  # the same catalog, the same lists


def test_paper_page_lists_every_section_as_a_markdown_heading():
    catalog = load_catalog(ROOT)
    page = pages.render_pages(catalog, repo_url="https://github.com/o/r")[
        "generated/papers/self-forcing.md"]
    headings = re.findall(r"^## (.+)$", page, re.M)
    assert headings[-3:] == ["Related papers", "BibTeX", "Reproduction"] and "Lineage" in headings
    assert "<h2" not in page
    assert "https://arxiv.org/pdf/2506.08009" in page
    assert 'href="https://github.com/o/r/edit/main/papers/self-forcing.yaml"' in page
    assert 'href="https://github.com/o/r/issues/new?title=papers%2Fself-forcing.yaml' in page
    assert pages.record_links(catalog.papers["self-forcing"], None) == {}  # a local build
