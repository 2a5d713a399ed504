"""`awm build`: README.md, papers.bib and catalog.json, rendered from the loaded catalog."""
from __future__ import annotations

import html as html_lib
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import jsonschema
import markdown
import pytest
from markdown_it import MarkdownIt

from catalog.checks import run_checks
from catalog.loader import load_catalog
from catalog.model import Paper
from catalog.render import render_all, stale_outputs
from catalog.render.bibtex import latex_escape, render_bibtex_with_lines, render_entry
from catalog.render.files import write_atomic
from catalog.render.readme import github_slug, md_escape
from tools.awm import main as awm
from tools.synthetic import make_catalog

HOSTILE_TITLE = ("<script>alert(1)</script> <img src=x onerror=alert(2)> ](javascript:alert(3)) "
                 "| *bold* _it_ `code` [x](https://evil.example) http://plain.example @someone")
BIBTEX_LINK = re.compile(r"\[BibTeX\]\(papers\.bib#L(\d+)-L(\d+)\)")


def commonmark(text: str) -> str:
    """HTML as a CommonMark renderer with GitHub's tables would give it."""
    return MarkdownIt("commonmark").enable("table").render(text)


def add_smoke_result(root: Path, expected: list[str], seed0: list[str]) -> None:
    """A card with one smoke claim per ``expected`` verdict (the three-seed verdict the card
    records) and a seed-0 record whose own verdicts are ``seed0``."""
    folder = root / "reproductions" / "alpha-repro"
    (folder / "card.yaml").write_text(json.dumps({"paper": "alpha", "claims": [
        {"id": f"c{i}", "scale": "smoke", "expected": v} for i, v in enumerate(expected)]}))
    claims = [{"id": f"c{i}", "verdict": v} for i, v in enumerate(seed0)]
    (folder / "results").mkdir(parents=True)
    (folder / "results" / "smoke.json").write_text(json.dumps({"scale": "smoke",
                                                                "claims": claims}))


# --- README -------------------------------------------------------------------------------------

def test_readme_starts_with_the_two_setup_commands(good_root):
    readme = render_all(load_catalog(good_root))["README.md"]
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.splitlines()] == [["make", "serve"],
                                                                        ["make", "test"]]
    lines = [line for line in readme.splitlines() if line and not line.startswith("<!--")]
    assert lines[:3] == ["# Video World Models with Autoregressive Diffusion", "## Quick start",
                         "Two commands do all the set-up on a fresh machine (Python 3.10+ and "
                         "`make`; the first run"]


def test_readme_counts_order_and_marks(good_root):
    # the summary counts the three-seed verdicts of the card, not the seed-0 record's
    add_smoke_result(good_root, ["holds", "does not hold", "holds", "does not hold"],
                     ["holds", "holds", "holds", "not learned"])
    readme = render_all(load_catalog(good_root))["README.md"]
    assert "The catalog holds **4 papers**; 3 link their code and 1\nhas a reference" in readme
    assert "| Algorithm | [Native AR-diffusion pretraining](#native-ar-diffusion-pretraining) | 4 |" \
        in readme
    assert "| Infrastructure | [Caching](#caching) | 0 |" in readme
    entries = [line for line in readme.splitlines() if line.startswith("- **")]
    assert [e.split("**")[1] for e in entries] == ["Gamma", "Alpha", "Beta", "Delta"]  # by date
    alpha = entries[1]
    assert alpha.startswith("- **Alpha**: Alpha: A Test Record. *arXiv 2024*. "
                            "[arXiv](https://arxiv.org/abs/2407.00001) · "
                            "[project](https://example.org/alpha/) · "
                            "[code](https://github.com/example/alpha) · [BibTeX](papers.bib#L5-L13)")
    assert alpha.endswith(" · 🔬 [reproduction](reproductions/alpha-repro/): "
                          "2/4 claims hold (smoke)")
    assert entries[3].startswith("- **Delta**: Delta: A Test Record. *ICLR 2025*. "
                                 "[project](https://delta.example.org/) · "
                                 "[weights](https://huggingface.co/example/delta) · [BibTeX]")
    assert "🔬" not in entries[0] + entries[2] + entries[3]
    assert "[gracezhao1997/Awesome-Video-World-Models-with-AR-Diffusion](https://github.com/" \
           "gracezhao1997/Awesome-Video-World-Models-with-AR-Diffusion)" in readme
    assert "MIT" in readme and "CC0-1.0" in readme


def test_a_reproduction_without_results_says_so(good_root):
    readme = render_all(load_catalog(good_root))["README.md"]
    assert "🔬 [reproduction](reproductions/alpha-repro/): not run yet" in readme


def _headings_and_links(readme: str) -> tuple[list[str], list[str]]:
    tokens = MarkdownIt("commonmark").enable("table").parse(readme)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    links = [child.attrs["href"] for t in tokens if t.type == "inline"
             for child in t.children or [] if child.type == "link_open"]
    return headings, links


@pytest.mark.parametrize("which", ["fixture", "committed"])
def test_every_contents_link_reaches_a_heading(which, good_root, repo_root):
    readme = render_all(load_catalog(good_root if which == "fixture" else repo_root))["README.md"]
    headings, links = _headings_and_links(readme)
    seen: dict[str, int] = {}
    anchors = {github_slug(h, seen) for h in headings[1:]}  # the title has no TOC entry
    targets = {link[1:] for link in links if link.startswith("#")}
    assert targets and targets <= anchors


@pytest.mark.parametrize("which", ["fixture", "committed"])
def test_every_bibtex_link_points_at_its_own_entry(which, good_root, repo_root):
    catalog = load_catalog(good_root if which == "fixture" else repo_root)
    rendered = render_all(catalog)
    bib_lines = rendered["papers.bib"].splitlines()
    linked = []
    for line in rendered["README.md"].splitlines():
        for start, end in BIBTEX_LINK.findall(line):
            entry = bib_lines[int(start) - 1:int(end)]
            key = re.match(r"@\w+\{([^,]+),", entry[0]).group(1)
            assert entry[-1] == "}" and all(not ln.startswith("@") for ln in entry[1:])
            assert line.startswith(f"- **{md_escape(catalog.papers[key].name)}**: ")
            linked.append(key)
    assert sorted(linked) == sorted(catalog.papers)


def test_hostile_record_renders_as_text(good_root):
    alpha = good_root / "papers" / "alpha.yaml"
    text = alpha.read_text().replace('title: "Alpha: A Test Record"',
                                     f"title: {json.dumps(HOSTILE_TITLE)}")
    text = text.replace("name: Alpha", 'name: "**Al</b>pha|"').replace(
        "project: https://example.org/alpha/", "project: javascript:alert(4)")
    alpha.write_text(text)
    catalog = load_catalog(good_root)
    assert catalog.papers["alpha"].title == HOSTILE_TITLE
    assert any("javascript:" in f.message for f in run_checks(catalog))  # refused by the check,
    readme = render_all(catalog)["README.md"]  # and escaped by the renderer regardless
    assert "javascript:alert(4)" not in readme
    for html in (commonmark(readme), markdown.markdown(readme, extensions=["tables"])):
        assert "<script" not in html and "<img" not in html and "</b>" not in html
        assert 'href="javascript' not in html and 'href="http://' not in html
        assert "evil.example" not in re.findall(r'href="([^"]*)"', html).__str__()
        entry = next(line for line in html.splitlines() if "onerror" in line)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in entry
        assert "<strong>**Al&lt;/b&gt;pha" in entry.replace("&#124;", "|")
        assert "*bold* _it_ `code` [x](https" in entry.replace("&#124;", "|")
        assert "<em>bold" not in entry and "<em>it" not in entry and "<code>" not in entry


def test_md_escape_keeps_text_and_drops_markup():
    for text in [HOSTILE_TITLE, "a|b", "x](y)", "&amp; & &lt;", "line\nbreak", "\\*"]:
        html = commonmark(md_escape(text))
        plain = re.sub(r"<[^>]+>", "", html).strip()
        assert html_lib.unescape(plain) == " ".join(text.split())


# --- BibTeX -------------------------------------------------------------------------------------

def test_bibtex_parses_with_one_entry_per_paper(repo_root):
    catalog = load_catalog(repo_root)
    library = bibtexparser.parse_string(render_all(catalog)["papers.bib"])
    assert not library.failed_blocks
    assert sorted(e.key for e in library.entries) == sorted(catalog.papers)
    for entry in library.entries:
        paper = catalog.papers[entry.key]
        if not paper.bibtex:
            assert entry["year"] == paper.date[:4]
            assert entry["title"] == "{" + latex_escape(paper.title) + "}"


def test_bibtex_override_keeps_its_text_and_takes_the_record_key(good_root):
    bib, spans = render_bibtex_with_lines(load_catalog(good_root))
    start, end = spans["delta"]
    assert bib.splitlines()[start - 1:end] == [
        "@inproceedings{delta,", "  title = {Delta},", "  booktitle = {ICLR},", "  year = {2025}",
        "}"]


def test_latex_special_characters_are_escaped():
    assert latex_escape("50% of {A} & B_1 #2 $x$ ~ ^ \\") == (
        r"50\% of \{A\} \& B\_1 \#2 \$x\$ \textasciitilde{} \textasciicircum{} \textbackslash{}")
    paper = Paper(key="p", name="P", title="A {B} & C", date="2024-07",
                  section="algorithm/foundations", authors=["Ann O'Neil", "Zoë Ü_"])
    entry = render_entry(paper)
    assert "  title = {{A \\{B\\} \\& C}}," in entry
    assert "  author = {Ann O'Neil and Zoë Ü\\_}," in entry
    assert bibtexparser.parse_string(entry).entries[0].key == "p"


# --- catalog.json -------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["fixture", "committed"])
def test_json_follows_its_schema_and_the_catalog(which, good_root, repo_root):
    if which == "fixture":
        add_smoke_result(good_root, ["holds", "does not hold"], ["holds", "holds"])
    catalog = load_catalog(good_root if which == "fixture" else repo_root)
    data = json.loads(render_all(catalog)["catalog.json"])
    schema = json.loads((repo_root / "catalog" / "catalog.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert [p["key"] for p in data["papers"]] == sorted(catalog.papers)
    assert data["counts"]["papers"] == len(catalog.papers)
    edges = sorted((k, t) for k, p in catalog.papers.items() for t in set(p.builds_on))
    assert [(e["from"], e["to"]) for e in data["edges"]] == edges
    for p in data["papers"]:
        assert p["built_upon_by"] == catalog.built_upon_by(p["key"])
        assert p["title"] == catalog.papers[p["key"]].title
    if which == "fixture":
        assert data["reproductions"] == [{
            "paper": "alpha", "folder": "alpha-repro", "card": "reproductions/alpha-repro/card.yaml",
            "results": [{"scale": "smoke", "holding": 1, "total": 2}]}]


def test_schema_lists_every_record_field(repo_root):
    schema = json.loads((repo_root / "catalog" / "catalog.schema.json").read_text())
    paper = schema["$defs"]["paper"]["properties"]
    assert set(Paper.model_fields) <= set(paper)
    assert set(paper) - set(Paper.model_fields) == {"arxiv_url", "year", "area", "built_upon_by",
                                                     "reproduced"}


# --- determinism, atomic writes, the committed outputs -----------------------------------------

def test_two_builds_are_byte_identical(tmp_path, good_root):
    other = tmp_path / "other"
    shutil.copytree(good_root, other)
    assert awm(["--root", str(good_root), "build"]) == 0
    assert awm(["--root", str(other), "build"]) == 0
    for name in ("README.md", "papers.bib", "catalog.json"):
        assert (good_root / name).read_bytes() == (other / name).read_bytes()
    before = {n: (good_root / n).stat().st_mtime_ns for n in ("README.md", "papers.bib")}
    assert awm(["--root", str(good_root), "build"]) == 0  # nothing changed: nothing rewritten
    assert before == {n: (good_root / n).stat().st_mtime_ns for n in ("README.md", "papers.bib")}


def test_output_does_not_depend_on_the_hash_seed(repo_root):
    """Set and dict orders change with PYTHONHASHSEED; the outputs must not."""
    script = ("import hashlib, sys; from catalog.loader import load_catalog; "
              "from catalog.render import render_all; "
              "print(hashlib.sha256(repr(sorted(render_all(load_catalog()).items())).encode())"
              ".hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], cwd=repo_root, check=True,
                              capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2", "3")}
    assert len(digests) == 1


def test_output_does_not_depend_on_record_order(tmp_path):
    root = make_catalog(tmp_path / "syn", 120, seed=3)
    catalog = load_catalog(root)
    expected = render_all(catalog)
    items = list(catalog.papers.items())
    random.Random(1).shuffle(items)
    catalog.papers = dict(items)
    assert render_all(catalog) == expected


def test_synthetic_catalog_is_valid_and_renders(tmp_path, repo_root):
    root = make_catalog(tmp_path / "syn", 300)
    catalog = load_catalog(root)
    assert len(catalog.papers) == 300 and run_checks(catalog) == []
    assert sum(len(p.builds_on) for p in catalog.papers.values()) > 100
    schema = json.loads((repo_root / "catalog" / "catalog.schema.json").read_text())
    jsonschema.validate(json.loads(render_all(catalog)["catalog.json"]), schema)


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    write_atomic(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half \udc80 written")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and oct(target.stat().st_mode & 0o777) == "0o644"


def test_committed_generated_files_are_up_to_date(repo_root):
    assert [str(f) for f in stale_outputs(render_all(load_catalog(repo_root)), repo_root)] == []
