"""The page generator without a browser: escaping, links, code blocks, nav, page set."""
from __future__ import annotations

import math
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


def _toy_reproduction(**changes):
    """The real catalog with one fake reproduction of Diffusion Forcing (folder df-toy): three
    smoke claims and one full-scale claim, records of seeds 0, 1, 2 and a full-scale record."""
    catalog = load_catalog(ROOT)
    key = "diffusion-forcing"
    claims = [{"id": f"c{i}", "statement": f"statement {i}", "source": "Sec. 3",
               "metric": f"words for m{i}", "comparison": f"m{i} >= 1",
               "threshold": f"m{i} at least one", "scale": "smoke", "test": "t"}
              for i in range(3)]
    claims.append({"id": "big", "statement": "at scale", "source": "Sec. 4", "metric": "big m",
                   "comparison": "mb > 2", "threshold": "mb above two", "scale": "full"})
    # the verdicts by the three-seed rule, as the card records them; c1 holds on seed 0 only
    for claim, expected in zip(claims, ["holds", "does not hold", "does not hold"]):
        claim["expected"] = expected

    def record(seed, tag, verdicts, scale="smoke"):
        return {"paper": key, "scale": scale, "device": "cpu (1 threads)", "seed": seed,
                "commit": "abc", "created": "2026-11-26", "wall_time_s": 12.5,
                "protocol": {"samples": 8, "steps": {"few": [1, 3], "many": 20}},
                "gate": {"passed": True, "measured": {}},
                "metrics": {"parameters": 1234, "fps_steady": 99.5 + seed},
                "curves": {"df_rollout_psnr": [30.0, 25.0 - seed, 20.0],
                           "tf_rollout_psnr": [31.0, float("nan"), 15.0, 12.0],
                           "block_sw_a": [0.1, 0.2], "block_sw_b": [0.3, 0.1]},
                "figures": [f"{tag}-rollout.png", "../escape.png"],
                "claims": [{"id": cid, "verdict": v, "measured": {f"m{cid[-1]}": m}}
                           for cid, v, m in verdicts]}
    results = {
        "smoke": record(0, "smoke", [("c0", "holds", 2.0), ("c1", "holds", 1.5),
                                     ("c2", "does not hold", 0.5)]),
        "smoke-seed1": record(1, "smoke-seed1", [("c0", "holds", 2.5),
                                                 ("c1", "does not hold", 0.9),
                                                 ("c2", "does not hold", 0.25)]),
        "smoke-seed2": record(2, "smoke-seed2", [("c0", "does not hold", 0.75),
                                                 ("c1", "does not hold", 0.5),
                                                 ("c2", "holds", 1.25)]),
        "full": record(0, "full", [("big", "holds", 3.0)], scale="full"),
    }
    results["full"]["claims"][0]["measured"] = {"mb": 3.0, "mb_floor": 1.0}
    card = {"paper": key, "title": "DF <b>toy</b>", "folder": "df-toy", "claims": claims,
            "results": results, "reported": [{"what": "FVD", "value": 100, "source": "T1"}],
            "seeds": {"smoke": [0, 1, 2], "holds_on": 2}}
    card.update(changes)
    catalog.reproductions = {key: card}
    return catalog, pages.render_pages(catalog)


def _html(md: str) -> str:
    config = read_config(ROOT)
    exts = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    return markdown.markdown(md, extensions=exts)


def _claim_block(page: str, claim_id: str) -> str:
    """The Markdown of one claim's block, from its heading to the next heading."""
    start = page.index(f"### Claim {claim_id}")
    return page[start:page.index("\n#", start + 1)]


def test_reproduction_pages_show_claims_verdicts_and_results():
    catalog, out = _toy_reproduction()
    index = out["generated/reproductions/index.md"]
    assert ("| smoke: seeds 0, 1, 2; full: seed 0 | cpu \\(1 thread\\) | 1 / 3 (smoke), "
            "1 / 1 (full) |") in index
    page = out["generated/reproductions/df-toy.md"]
    block = _claim_block(page, "1: c0")
    assert "**statement 0**" in block and "Source: Sec\\. 3. Scale: smoke." in block
    assert "Measured as: words for m0." in block
    assert "Holds when: <code>m0 &gt;= 1</code> (m0 at least one)." in block
    assert ("Verdict: **holds** (holds on 2 of 3 seeds; a smoke claim holds when it holds on 2 "
            "of its 3 seeds).") in block
    assert "| Seed 0 | holds | 2 |\n| Seed 1 | holds | 2\\.5 |\n| Seed 2 | does not hold | " \
        "0\\.75 |" in block
    assert "Verdict: **does not hold** (holds on 1 of 3 seeds;" in _claim_block(page, "2: c1")
    assert "Verdict: **holds** (judged on the full\\-scale record)." in _claim_block(
        page, "4: big")
    assert "| Full scale, seed 0 | holds | 3 | 1 |" in _claim_block(page, "4: big")
    assert "escape" not in page  # a figure name with a path is not shown
    assert "DF &lt;b&gt;toy&lt;/b&gt;" in page
    assert "## Reproduction" in out["generated/papers/diffusion-forcing.md"]
    assert pages.counts(catalog)["with_reproduction"] == 1
    # the paper's own figures stay labelled as theirs
    assert "### Reported by the paper" in page and "| FVD | 100 | T1 |" in page
    assert "| steps | few: 1, 3; many: 20 |" in page  # protocol in words, not a dict dump
    assert "| fps\\_<wbr>steady | 99\\.5 | 100\\.5 | 101\\.5 | 99\\.5 |" in page


def test_claim_tables_have_a_row_per_seed_record_and_named_headers():
    _, out = _toy_reproduction()
    html = _html(out["generated/reproductions/df-toy.md"])
    tables = re.findall(r"<table>.*?</table>", html, re.S)
    claim_tables = [t for t in tables if "<th>Verdict</th>" in t]
    assert len(claim_tables) == 4
    for table in tables:  # no empty header row anywhere on the page
        heads = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
        assert heads and all(h.strip() for h in heads), table
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", claim_tables[0], re.S)
    assert rows == [("Seed 0", "holds"), ("Seed 1", "holds"), ("Seed 2", "does not hold")]
    assert re.findall(r"<th[^>]*>(.*?)</th>", claim_tables[3]) == [
        "Record", "Verdict", "mb", "mb_<wbr>floor"]
    assert "=" not in "".join(re.findall(r"<td[^>]*>(.*?)</td>", "".join(claim_tables)))


def test_rule_verdict_line_counts_the_smoke_seed_records():
    _, out = _toy_reproduction()
    page = out["generated/reproductions/df-toy.md"]
    lines = re.findall(r"^Verdict: .*$", page, re.M)
    assert [re.search(r"holds on (\d) of (\d) seeds", line).groups() if "seeds" in line
            else None for line in lines] == [("2", "3"), ("1", "3"), ("1", "3"), None]
    # a claim with no record of its scale says so
    _, out = _toy_reproduction(results={})
    page = out["generated/reproductions/df-toy.md"]
    assert "Verdict: **not run yet** (it needs a full\\-scale record)." in page
    assert "Verdict: **not run yet** (it needs a smoke record)." in page
    assert "No result record yet" in page


def _svg_charts(html: str) -> list[str]:
    return re.findall(r'<figure class="awm-chart awm-curve".*?</figure>', html, re.S)


def test_curves_are_svg_line_charts_with_titles_and_finite_coordinates():
    _, out = _toy_reproduction()
    page = out["generated/reproductions/df-toy.md"]
    html = _html(page)
    charts = _svg_charts(html)
    assert len(charts) == 8  # two charts (rollout PSNR, sliced Wasserstein) per record
    for chart in charts:
        svg = re.search(r"<svg[^>]*>.*?</svg>", chart, re.S).group(0)
        labelled = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        title = re.search(r'<title id="([^"]+)">([^<]+)</title>', svg)
        assert title and title.group(1) in labelled and len(title.group(2)) > 20
        paths = re.findall(r'<path class="awm-line awm-series-\d" d="([^"]+)"', svg)
        legend = re.findall(r"<li>.*?</li>", chart, re.S)
        assert len(paths) == 2 == len(legend)  # one line per series, in one chart
        for d in paths:
            numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", d)]
            assert numbers and all(math.isfinite(x) for x in numbers)
            assert "nan" not in d.lower() and "inf" not in d.lower()
        ticks = re.findall(r'<text class="awm-tick"[^>]*>([^<]+)</text>', svg)
        assert len(ticks) >= 4  # both axes are labelled
        assert re.search(r"<figcaption>[^<]{20,}</figcaption>", chart)
    first = charts[0]
    assert "Seed 0: rollout PSNR at each step of 4, one line each for df, tf" in first
    # the missing value of tf leaves a gap: a second moveto, never a NaN coordinate
    tf = re.findall(r'<path class="awm-line awm-series-1" d="([^"]+)"', first)[0]
    assert tf.count("M") == 2
    assert "sliced Wasserstein distance per block" in charts[1]
    assert "<script" not in page and "cdn" not in page.lower()


def test_curve_grouping_puts_one_unit_in_one_chart():
    from catalog.site import curves
    groups = curves.group_curves(["edm1_rollout_psnr", "ddpm3_rollout_psnr", "block_sw_ode",
                                  "block_sw_sf", "floor_traj_error", "df_traj_error_valid",
                                  "tf_traj_error_valid", "lonely"])
    assert [[n for n, _ in g["series"]] for g in groups] == [
        ["edm1_rollout_psnr", "ddpm3_rollout_psnr"], ["block_sw_ode", "block_sw_sf"],
        ["df_traj_error_valid", "tf_traj_error_valid", "floor_traj_error"], ["lonely"]]
    assert curves.line_chart([("a", [None, float("inf")])], "Step", "y") is None
    flat = curves.line_chart([("a", [2.0, 2.0, 2.0])], "Step", "y")
    assert all(math.isfinite(float(t["y"])) for t in flat["y_ticks"]) and len(flat["y_ticks"]) > 1


def test_pictures_have_captions_and_alt_text_in_words():
    _, out = _toy_reproduction()
    html = _html(out["generated/reproductions/df-toy.md"])
    figures = re.findall(r'<figure class="awm-figure">.*?</figure>', html, re.S)
    assert len(figures) == 4
    seed1 = next(f for f in figures if "smoke-seed1-rollout.png" in f)
    assert 'src="df-toy/smoke-seed1-rollout.png"' in seed1
    assert 'alt="Seed 1: rollouts beside the true frames"' in seed1
    assert "<figcaption>Seed 1: rollouts beside the true frames.</figcaption>" in seed1
    alts = re.findall(r'alt="([^"]*)"', "".join(figures))
    assert all(a and ".png" not in a for a in alts)


def test_summary_links_to_the_reproduction_page_only_from_the_paper_page():
    _, out = _toy_reproduction()
    page = out["generated/reproductions/df-toy.md"]
    paper = out["generated/papers/diffusion-forcing.md"]
    assert "full reproduction page" not in page and "](df-toy.md)" not in page
    assert "([full reproduction page](../reproductions/df-toy.md))" in paper
    # the same claim blocks on the paper page, as paragraphs: its contents list its sections
    assert "**Claim 1 (c0): statement 0**" in paper and "### Claim" not in paper
    assert "| Seed 1 | holds | 2\\.5 |" in paper


def test_device_strings_say_one_thread():
    _, out = _toy_reproduction()
    for path in ("generated/reproductions/df-toy.md", "generated/reproductions/index.md"):
        assert "1 threads" not in out[path] and "1 thread" in out[path]
    real = pages.render_pages(load_catalog(ROOT))
    assert not [p for p, t in real.items() if p.endswith(".md") and "1 threads" in t]
    from catalog.site.curves import threads
    assert threads("cpu (1 threads)") == "cpu (1 thread)"
    assert threads("cpu (11 threads)") == "cpu (11 threads)"


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_reproduction_card_and_record_stay_text(value):
    claim = {"id": value, "statement": value, "source": value, "metric": value,
             "comparison": value, "threshold": value, "scale": "smoke", "expected": value}
    record = {"scale": "smoke", "seed": 0, "device": value, "commit": value, "created": value,
              "wall_time_s": value, "protocol": {value: [value, {value: value}]},
              "gate": {"passed": True}, "metrics": {value: 1.0},
              "curves": {value: [1.0, 2.0], f"{value}_b": [2.0, 1.0]},
              "figures": [value, "smoke-rollout.png"],
              "claims": [{"id": value, "verdict": value, "measured": {value: value}}]}
    _, out = _toy_reproduction(claims=[claim], results={"smoke": record},
                               reported=[{"what": value, "value": value, "source": value}])
    paper = out["generated/papers/diffusion-forcing.md"]
    for md in (out["generated/reproductions/df-toy.md"], paper[paper.index("## Reproduction"):]):
        parsed = _Tags()
        parsed.feed(_html(md))
        assert "script" not in parsed.tags and "div" not in parsed.tags
        assert not [k for k, _ in parsed.attrs if k.startswith("on")]
        assert not [v for k, v in parsed.attrs if k in ("href", "src") and v
                    and not v.startswith(("../", "df-toy/", "#", "https://"))]
        assert [v for k, v in parsed.attrs if k == "src"] in ([], ["df-toy/smoke-rollout.png"])
        assert " ".join(value.split()) in "".join(parsed.text)


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
