"""`awm check`: every check fails on its fixture with its exact message; valid input passes."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
import types
from pathlib import Path

import pytest

from catalog.checks import run_checks
from catalog.loader import MAX_BYTES, Finding, load_catalog
from catalog.render import OUTPUTS
from tools.awm import main as awm

HIDDEN = " (delete it: an invisible character can hide text or reverse how it reads)"
PLAIN = " (write plain text: pages show a field as text, never as HTML)"
MERGE = " (one paper, one record: merge the two files)"
SOURCE = ' (write where it was read, e.g. source: "arXiv 2506.08009, Table 1")'
HARDWARE = ' (name what it was measured on as the source gives it, e.g. hardware: "1x H100")'

# fixture folder -> every finding it must give, exactly (file:line: message (fix))
EXPECTED = {
    "key-mismatch": [
        "papers/file-name.yaml:1: key 'record-key' differs from the file name 'file-name.yaml' "
        "(rename the file to record-key.yaml or write key: file-name)",
    ],
    "duplicate-key": [
        "papers/twin.yaml:1: key 'same' is already used by papers/same.yaml (choose another key)",
    ],
    "duplicate-arxiv": [
        "papers/second.yaml:6: same arXiv id as papers/first.yaml: '2407.00001' "
        "(one paper, one record: merge the two files)",
    ],
    "duplicate-title": [  # 'Self Forcing++' is another paper than 'Self Forcing': no finding
        "papers/fullwidth-name.yaml:2: same name as papers/first.yaml: 'ＦＩＲＳＴ'" + MERGE,
        "papers/second.yaml:3: same title as papers/first.yaml: 'world-models -- a STUDY' "
        "(one paper, one record: merge the two files)",
        "papers/self-forcing-lookalike.yaml:2: same name as papers/self-forcing.yaml: "
        "'S\u0435lf F\u043ercing'; look-alike letters read as Latin: U+0435 CYRILLIC SMALL "
        "LETTER IE as 'e', U+043E CYRILLIC SMALL LETTER O as 'o'" + MERGE,
        "papers/self-forcing-lookalike.yaml:3: same title as papers/self-forcing.yaml: "
        "'Self Forcing: Bridging the Train-Test G\u0430p in Autoregressive Vid\u0435o Diffusion'; "
        "look-alike letters read as Latin: U+0430 CYRILLIC SMALL LETTER A as 'a', U+0435 "
        "CYRILLIC SMALL LETTER IE as 'e'" + MERGE,
    ],
    "hidden-characters": [  # legit-text.yaml (accents, CJK, Arabic, a no-break space) passes
        "papers/bidi-name.yaml:2: invisible character U+202E RIGHT-TO-LEFT OVERRIDE at column 19 "
        "in field 'name'" + HIDDEN,
        "papers/byte-order-mark.yaml:1: invisible character U+FEFF ZERO WIDTH NO-BREAK SPACE at "
        "column 1 in field 'key'" + HIDDEN,
        "papers/comment-override.yaml:1: invisible character U+202E RIGHT-TO-LEFT OVERRIDE at "
        "column 12" + HIDDEN,
        "papers/escaped-authors.yaml:4: invisible character U+2066 LEFT-TO-RIGHT ISOLATE, written "
        "as \\u2066, at column 31 in field 'authors'" + HIDDEN,
        "papers/escaped-authors.yaml:4: invisible character U+2069 POP DIRECTIONAL ISOLATE, "
        "written as \\u2069, at column 43 in field 'authors'" + HIDDEN,
        "papers/link-joiner.yaml:9: links.other is not a well-formed URL: "
        "'https://example.org/slides\\u200d' (write a plain https://host/path URL; encode spaces "
        "as %20)",
        "papers/link-joiner.yaml:11: invisible character U+200D ZERO WIDTH JOINER at column 33 in "
        "field 'links.other'" + HIDDEN,
        "papers/override-tag.yaml:11: invisible character U+202E RIGHT-TO-LEFT OVERRIDE at column "
        "19 in field 'tags'" + HIDDEN,
        "papers/override-tag.yaml:11: unknown tag 'world-model\\u202e' (did you mean "
        "'world-model'? see the tags in catalog/taxonomy.yaml, or add it there)",
        "papers/tag-smuggling.yaml:15: invisible character U+E0067 TAG LATIN SMALL LETTER G at "
        "column 28 in field 'bibtex'" + HIDDEN,
        "papers/tag-smuggling.yaml:15: invisible character U+E0069 TAG LATIN SMALL LETTER I at "
        "column 27 in field 'bibtex'" + HIDDEN,
        "papers/zero-width-title.yaml:3: invisible character U+200B ZERO WIDTH SPACE at column 13 "
        "in field 'title'" + HIDDEN,
    ],
    "markup": [  # plain-text.yaml ('a < b', 'Q&A', 'JavaScript: ...', LaTeX) passes
        "papers/anchor-author.yaml:4: field 'authors' has an HTML tag: "
        "'<a href=\"https://evil.example\">'" + PLAIN,
        "papers/bibtex-script.yaml:13: field 'bibtex' has an HTML tag: '</code>'" + PLAIN,
        "papers/closing-venue.yaml:13: field 'venue' has an HTML tag: '</div>'" + PLAIN,
        "papers/handler-summary.yaml:13: field 'summary' has an HTML event handler: 'onclick='"
        + PLAIN,
        "papers/img-summary.yaml:13: field 'summary' has an HTML tag: "
        "'<img src=x onerror=alert(1)>'" + PLAIN,
        "papers/reference-name.yaml:2: field 'name' has an HTML character reference: '&#x3C;' "
        "(write the character itself)",
        "papers/script-title.yaml:3: field 'title' has an HTML tag: '<script>'" + PLAIN,
        "papers/script-url-summary.yaml:13: field 'summary' has a script URL: "
        "'javascript:alert(1))' (remove it: links go under links:, as https:// URLs)",
    ],
    "duplicate-code": [  # 'successor' shares the URL too, but builds on 'first': allowed
        "papers/second.yaml:8: same code URL as papers/first.yaml: "
        "'https://github.com/Example/shared.git/' (one paper, one record: merge the two files)",
    ],
    "arxiv-format": [
        "papers/no-month.yaml:6: arXiv id '2413.01392' has no month 13 "
        "(copy the id from the paper's arxiv.org page)",
        "papers/short-number.yaml:6: arXiv id '2407.1392' should have 5 digits after the dot "
        "(copy the id from the paper's arxiv.org page)",
        "papers/unquoted.yaml:6: field 'arxiv' must be a quoted string "
        "(write arxiv: \"2407.01392\" with quotes)",
        "papers/version-suffix.yaml:6: field 'arxiv' has a bad format "
        "(write the bare id, e.g. 2407.01392 (no 'v2', no URL))",
    ],
    "link-scheme": [
        "papers/data-link.yaml:8: links.project is not an https link ('data:'): "
        "'data:text/html,<script>alert(1)</script>' (only https:// links are accepted)",
        "papers/other-list.yaml:8: links.other is not an https link ('ftp:'): "
        "'ftp://example.org/file' (only https:// links are accepted)",
        "papers/plain-http.yaml:8: links.code is not an https link ('http:'): "
        "'http://github.com/example/plain-http' (only https:// links are accepted)",
        "papers/script-link.yaml:8: links.project is not an https link ('javascript:'): "
        "'javascript:alert(1)' (only https:// links are accepted)",
        "papers/spaced.yaml:8: links.project is not a well-formed URL: "
        "'https://example.org/a page' (write a plain https://host/path URL; encode spaces as %20)",
    ],
    "link-hosts": [
        "papers/arxiv-as-code.yaml:8: links.code: an arxiv.org link is not a code link "
        "(put the id in 'arxiv' instead)",
        "papers/arxiv-as-project.yaml:8: links.project: an arxiv.org link is not a project link "
        "(put the id in 'arxiv' instead)",
        "papers/pages-as-code.yaml:8: links.code: a github.io page is a project page, not code "
        "(move it to links.project)",
        "papers/profile-as-code.yaml:8: links.code: the code link is a GitHub profile, not a "
        "repository (link the repository: https://github.com/<owner>/<repo>)",
        "papers/repo-as-project.yaml:8: links.project: a GitHub repository is not a project link "
        "(move it to links.code)",
    ],
    "taxonomy": [
        "papers/bad-section.yaml:10: unknown section 'algorithm/native-ar-difusion' (did you mean "
        "'algorithm/native-ar-diffusion'? see the sections in catalog/taxonomy.yaml)",
        "papers/bad-tag.yaml:11: unknown tag 'realtime' (did you mean 'real-time'? see the tags "
        "in catalog/taxonomy.yaml, or add it there)",
        "papers/twice-tag.yaml:11: a tag is listed twice (list each tag once)",
    ],
    "builds-on": [
        "papers/cycle-a.yaml:12: builds_on forms a cycle: cycle-a -> cycle-c -> cycle-b -> cycle-a "
        "(a paper cannot build on its own successors; remove one edge)",
        "papers/itself.yaml:12: builds_on names the paper itself (remove it from builds_on)",
        "papers/missing.yaml:12: builds_on names 'nonexistent-paper', which has no record "
        "(see papers/ for existing keys)",
        "papers/twice.yaml:12: a key is listed twice in builds_on (list each key once)",
    ],
    "dates": [
        "papers/after-arxiv.yaml:5: date 2024-09 is later than the arXiv posting 2024-07 "
        "(date is the first public version: write 2024-07 or earlier)",
        "papers/future.yaml:5: date 2025-07 is in the future (today is 2025-06) "
        "(write the month of the first public version)",
    ],
    "reproduction-card": [
        "reproductions/orphan/card.yaml:2: card names paper 'no-such-paper', which has no record "
        "(see papers/ for existing keys)",
    ],
    "bibtex-override": [
        "papers/not-entry.yaml:13: bibtex override does not start with '@type{key,' "
        "(write one entry: @type{anykey, title = {...}, ...})",
        "papers/two-entries.yaml:13: bibtex override has text after the entry's closing brace "
        "(write one entry: @type{anykey, title = {...}, ...})",
        "papers/unbalanced.yaml:13: bibtex override has unbalanced braces "
        "(write one entry: @type{anykey, title = {...}, ...})",
    ],
    "yaml-safety": [
        "papers/duplicate-field.yaml:13: YAML error: duplicate field 'title' (fix the YAML syntax)",
        "papers/not-a-mapping.yaml:1: a paper record must be a YAML mapping "
        "(start with 'key: <file name>')",
        "papers/notes.txt:1: not a .yaml file (paper records are named <key>.yaml)",
        "papers/python-tag.yaml:3: YAML error: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' "
        "(only plain YAML is accepted: no tags such as !!python)",
    ],
    "knowledge": [  # complete.yaml (every field, valid) and derived.yaml (base in the catalog) pass
        "papers/bad-licence.yaml:8: field 'open.licence' has a bad format "
        "(write the SPDX id the repository states, e.g. Apache-2.0)",
        "papers/base-model.yaml:7: compute.base_model 'complet' is written like a catalog key but "
        "no record has it (did you mean 'complete'? see papers/ for the keys; for a base outside "
        "the catalog write its name as the paper does, e.g. Wan2.1-T2V-1.3B)",
        "papers/markup-source.yaml:7: field 'compute.throughput.hardware' has an HTML tag: "
        "'<b>'" + PLAIN,
        "papers/no-hardware.yaml:7: compute.throughput has no hardware" + HARDWARE,
        "papers/no-hardware.yaml:8: compute.memory has no hardware" + HARDWARE,
        "papers/no-source.yaml:7: results.0 (vbench-total) has no source" + SOURCE,
        "papers/no-source.yaml:10: compute.parameters_b has no source (add compute.source: where "
        "the parameter count was read, e.g. \"official README, model zoo\")",
        "papers/no-source.yaml:11: compute.latency has no source" + SOURCE,
        "papers/non-numeric.yaml:8: field 'results.0.value' must be a number, got '84.3%' (write "
        "the number alone, e.g. 84.31: the unit is the benchmark's or the field's)",
        "papers/non-numeric.yaml:12: field 'results.1.setting.prompts' must be original or "
        "extended, got 'rewritten' (original: the benchmark's prompts as published; extended: "
        "rewritten prompts)",
        "papers/non-numeric.yaml:12: field 'results.1.setting.resolution' has a bad format "
        "(write width x height in pixels, e.g. 832x480)",
        "papers/open-links.yaml:7: open.code is not an https link ('http:'): "
        "'http://github.com/example/open-links' (only https:// links are accepted)",
        "papers/open-links.yaml:8: open.weights is not an https link ('javascript:'): "
        "'javascript:alert(1)' (only https:// links are accepted)",
        "papers/out-of-range.yaml:8: results.0.value 184.3 is outside VBench Total's range "
        "(0 to 100 %) (write the value on VBench Total's own scale, as the source reports it)",
        "papers/out-of-range.yaml:11: compute.throughput.fps 0 is not a positive number of frames "
        "per second (write the frames per second the source gives)",
        "papers/unknown-benchmark.yaml:7: results.0.benchmark: unknown benchmark 'vbench-totl' "
        "(did you mean 'vbench-total'? see catalog/benchmarks.yaml, or add the benchmark there)",
        "papers/unknown-setting.yaml:11: unknown field 'results.0.setting.sampler' (setting allows "
        "only resolution, frames, steps, prompts, dataset, seeds, note; see CONTRIBUTING.md)",
    ],
    "knowledge-streaming": [],  # the comparison fixture (test_knowledge.py): valid throughout
    "schema": [
        "papers/bad-date.yaml:5: field 'date' must be a YYYY-MM string, got "
        "datetime.date(2024, 7, 1) (write e.g. date: \"2024-07\")",
        "papers/bad-key.yaml:1: field 'key' has a bad format "
        "(lowercase letters, digits and single hyphens)",
        "papers/blank-author.yaml:4: field 'authors': list items must be non-empty strings",
        "papers/missing-title.yaml:1: missing field 'title' (add 'title:')",
        "papers/unknown-field.yaml:13: unknown field 'stars' "
        "(see CONTRIBUTING.md for the allowed fields)",
    ],
}


def findings_of(root: Path, today: dt.date) -> list[str]:
    return [str(f) for f in run_checks(load_catalog(root), today)]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_check_fails_its_fixture_with_the_exact_message(case, fixtures_dir, today):
    assert findings_of(fixtures_dir / case, today) == EXPECTED[case]


def test_every_fixture_folder_is_asserted(fixtures_dir):
    assert sorted(p.name for p in fixtures_dir.iterdir()) == sorted([*EXPECTED, "good"])


def test_valid_catalog_has_no_findings(fixtures_dir, today):
    catalog = load_catalog(fixtures_dir / "good")
    assert len(catalog.papers) == 4 and "alpha" in catalog.reproductions
    assert findings_of(fixtures_dir / "good", today) == []


def test_today_decides_what_is_in_the_future(fixtures_dir):
    catalog = load_catalog(fixtures_dir / "dates")
    in_future = [f for f in run_checks(catalog, dt.date(2025, 6, 30)) if "future" in f.message]
    assert [f.path for f in in_future] == ["papers/future.yaml"]
    assert not [f for f in run_checks(catalog, dt.date(2025, 7, 1)) if "future" in f.message]


def test_the_committed_catalog_passes_every_check(repo_root):
    catalog = load_catalog(repo_root)
    assert len(catalog.papers) >= 130
    assert [str(f) for f in run_checks(catalog)] == []


# --- hostile files ----------------------------------------------------------------------------

# fixture record -> the characters it must hold as themselves (an editor may strip them)
HIDDEN_FIXTURES = {
    "bidi-name": "\u202e", "zero-width-title": "\u200b", "link-joiner": "\u200d",
    "byte-order-mark": "\ufeff", "comment-override": "\u202e", "override-tag": "\u202e",
    "tag-smuggling": "\U000e0069\U000e0067", "legit-text": "\u00a0",
}


def test_the_hidden_character_fixtures_hold_the_real_characters(fixtures_dir):
    papers = fixtures_dir / "hidden-characters" / "papers"
    for key, chars in HIDDEN_FIXTURES.items():
        assert all(c in (papers / f"{key}.yaml").read_text(encoding="utf-8") for c in chars), key
    assert (papers / "byte-order-mark.yaml").read_bytes().startswith(b"\xef\xbb\xbf")
    escaped = (papers / "escaped-authors.yaml").read_text(encoding="utf-8")
    assert "\\u2066" in escaped and "\u2066" not in escaped  # written as a YAML escape


def test_a_record_with_hidden_characters_still_loads_for_the_other_checks(fixtures_dir):
    catalog = load_catalog(fixtures_dir / "hidden-characters")
    assert catalog.papers["bidi-name"].name == "Self Forcing\u202e2 noisreV"
    assert catalog.papers["escaped-authors"].authors[1] == "Alan \u2066Turing\u2069"


def test_a_look_alike_copy_of_a_committed_paper_is_a_duplicate(repo_root, tmp_path):
    shutil.copytree(repo_root / "papers", tmp_path / "papers")
    real = (repo_root / "papers" / "self-forcing.yaml").read_text(encoding="utf-8")
    copy = "\n".join(line for line in real.splitlines()
                     if not line.startswith(("arxiv:", "  code:")))
    copy = copy.replace("key: self-forcing", "key: zelf-forcing").replace(
        "name: Self Forcing", "name: SELF ＦＯＲＣＩＮＧ").replace("Train-Test", "Тrain-Tеst")
    (tmp_path / "papers" / "zelf-forcing.yaml").write_text(copy + "\n", encoding="utf-8")
    found = [str(f) for f in run_checks(load_catalog(tmp_path))]
    assert found == [
        "papers/zelf-forcing.yaml:2: same name as papers/self-forcing.yaml: 'SELF ＦＯＲＣＩＮＧ'"
        + MERGE,
        "papers/zelf-forcing.yaml:3: same title as papers/self-forcing.yaml: 'Self Forcing: "
        "Bridging the \u0422rain-T\u0435st Gap in Autoregressive Video Diffusion'; look-alike "
        "letters read as Latin: U+0422 CYRILLIC CAPITAL LETTER TE as 'T', U+0435 CYRILLIC SMALL "
        "LETTER IE as 'e'" + MERGE]

def test_a_50_megabyte_file_is_refused_unread(good_root, today):
    big = good_root / "papers" / "huge.yaml"
    with big.open("wb") as out:  # 50 MB of real YAML text, written in 1 MB pieces
        piece = ("summary: " + "x" * (1024 * 1024 - 10) + "\n").encode()
        for _ in range(50):
            out.write(piece)
    assert big.stat().st_size == 50 * 1024 * 1024
    assert findings_of(good_root, today) == [
        f"papers/huge.yaml:1: file is {50 * 1024 * 1024} bytes, over the {MAX_BYTES}-byte limit "
        "(a paper record is a few lines; remove the bulk)"]


def test_a_python_tag_is_never_executed(good_root, today, tmp_path):
    marker = tmp_path / "pwned"
    (good_root / "papers" / "evil.yaml").write_text(
        f"key: !!python/object/apply:os.system ['touch {marker}']\n")
    found = findings_of(good_root, today)
    assert not marker.exists()
    assert found == ["papers/evil.yaml:1: YAML error: could not determine a constructor for the "
                     "tag 'tag:yaml.org,2002:python/object/apply:os.system' "
                     "(only plain YAML is accepted: no tags such as !!python)"]


def test_a_recursive_alias_is_refused(good_root, today):
    (good_root / "papers" / "loop.yaml").write_text("key: loop\ntags: &t [*t]\n")
    assert findings_of(good_root, today) == [
        "papers/loop.yaml:2: YAML error: recursive alias (fix the YAML syntax)"]


def test_an_alias_bomb_costs_no_more_than_its_text(good_root, today):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"{c}: &{c} [{', '.join(['*' + p] * 10)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    (good_root / "papers" / "bomb.yaml").write_text("\n".join(levels) + "\n")  # 10^9 leaves
    start = time.perf_counter()
    found = findings_of(good_root, today)
    assert time.perf_counter() - start < 5
    assert "papers/bomb.yaml:1: missing field 'key' (add 'key:')" in found
    assert "papers/bomb.yaml:1: unknown field 'a' (see CONTRIBUTING.md for the allowed fields)" \
        in found
    assert all(f.startswith("papers/bomb.yaml:") for f in found)


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_a_symbolic_link_is_refused(good_root, today):
    os.symlink("/etc/hostname", good_root / "papers" / "link.yaml")
    assert findings_of(good_root, today) == [
        "papers/link.yaml:1: is a symbolic link (commit the record as a plain file)"]


# --- the command line -------------------------------------------------------------------------

def test_check_exit_codes_and_one_line_per_finding(fixtures_dir, good_root, capsys):
    assert awm(["--root", str(good_root), "build"]) == 0
    assert awm(["--root", str(good_root), "check"]) == 0
    capsys.readouterr()
    assert awm(["--root", str(fixtures_dir / "link-hosts"), "check"]) == 1
    # record findings only: outputs built from a broken catalog are not compared
    assert capsys.readouterr().out.splitlines() == EXPECTED["link-hosts"]
    with pytest.raises(SystemExit) as usage:
        awm(["check", "--no-such-option"])
    assert usage.value.code == 2
    assert awm(["--root", str(good_root), "check", str(good_root / "papers" / "absent.yaml")]) == 2


def test_paths_filter_the_findings(fixtures_dir, capsys):
    root = fixtures_dir / "link-scheme"
    assert awm(["--root", str(root), "check", str(root / "papers" / "plain-http.yaml")]) == 1
    assert capsys.readouterr().out.splitlines() == [EXPECTED["link-scheme"][2]]
    assert awm(["--root", str(root), "check", str(root / "papers" / "../papers/spaced.yaml")]) == 1
    assert capsys.readouterr().out.splitlines() == [EXPECTED["link-scheme"][4]]


def test_stale_generated_files_are_findings(good_root, capsys):
    assert awm(["--root", str(good_root), "build"]) == 0
    paper = good_root / "papers" / "alpha.yaml"
    paper.write_text(paper.read_text().replace("Alpha: A Test Record", "Alpha: Renamed"))
    capsys.readouterr()
    assert awm(["--root", str(good_root), "check"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{name}:1: generated file is out of date with papers/ (run `awm build` and commit the "
        "result)" for name in ("README.md", "catalog.json", "papers.bib")]
    (good_root / "papers.bib").unlink()
    assert awm(["--root", str(good_root), "build", "--check"]) == 1
    assert "papers.bib:1: generated file is missing" in capsys.readouterr().out
    assert awm(["--root", str(good_root), "build"]) == 0
    assert awm(["--root", str(good_root), "build", "--check"]) == 0


def test_build_refuses_a_broken_catalog_and_writes_nothing(good_root, capsys):
    shutil.copy(good_root / "papers" / "alpha.yaml",
                good_root / "papers" / "zeta.yaml")
    assert awm(["--root", str(good_root), "build"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == ["papers/zeta.yaml:1: key 'alpha' is already used by "
                                "papers/alpha.yaml (choose another key)"]
    assert not (good_root / "README.md").exists()


def test_build_refuses_a_catalog_that_fails_its_checks_unless_allowed(good_root, capsys):
    assert awm(["--root", str(good_root), "build"]) == 0
    outputs = {name: (good_root / name).read_bytes() for name in OUTPUTS}
    alpha = good_root / "papers" / "alpha.yaml"
    alpha.write_text(alpha.read_text().replace("https://example.org/alpha/", "javascript:alert(1)")
                     .replace('"Alpha: A Test Record"', '"Alpha: <script>alert(1)</script>"'))
    refused = [
        "papers/alpha.yaml:3: field 'title' has an HTML tag: '<script>'" + PLAIN,
        "papers/alpha.yaml:8: links.project is not an https link ('javascript:'): "
        "'javascript:alert(1)' (only https:// links are accepted)"]
    capsys.readouterr()
    assert awm(["--root", str(good_root), "build"]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == refused
    assert out.err == ("awm build: 2 finding(s) in the catalog; nothing written (fix them, or pass "
                       "--allow-invalid to build from the records that loaded)\n")
    assert {name: (good_root / name).read_bytes() for name in OUTPUTS} == outputs
    assert awm(["--root", str(good_root), "build", "--allow-invalid"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[:2] == refused
    assert "awm build: building despite 2 finding(s) (--allow-invalid)" in out.err
    assert "&lt;script&gt;" in (good_root / "README.md").read_text()  # rendered as text


def test_online_mode_adds_the_online_findings(good_root, monkeypatch, capsys):
    online = types.ModuleType("catalog.online")
    online.run_online_checks = lambda catalog: [
        Finding("papers/alpha.yaml", 8, f"{len(catalog.papers)} papers seen online", "")]
    monkeypatch.setitem(sys.modules, "catalog.online", online)
    assert awm(["--root", str(good_root), "build"]) == 0
    assert awm(["--root", str(good_root), "check"]) == 0
    capsys.readouterr()
    assert awm(["--root", str(good_root), "check", "--online"]) == 1
    assert capsys.readouterr().out.splitlines() == ["papers/alpha.yaml:8: 4 papers seen online"]


def test_fast_yaml_reading_equals_the_safe_loader(repo_root, fixtures_dir, tmp_path):
    """read_yaml's shortcuts (libyaml, own tag resolution and construction) give exactly what
    yaml.safe_load gives, on every committed record and on YAML of every scalar type."""
    import yaml
    from catalog.loader import read_yaml
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text("a: 1\nb: -2.5e3\nc: yes\nd: ~\ne: 2024-07-01\nf: '07'\ng: [.inf, 0x1F, '']\n"
                     "h: {x: null, y: No}\nbase: &b {k: v}\nmerged: {<<: *b, z: 1}\ni: \"q\"\n")
    files = sorted((repo_root / "papers").glob("*.yaml")) + [mixed]
    for path in files:
        assert read_yaml(path, path.name)[0] == yaml.safe_load(path.read_text()), path.name


# --- results, compute, open ---------------------------------------------------------------------

def test_a_complete_knowledge_record_loads_every_figure(fixtures_dir):
    catalog = load_catalog(fixtures_dir / "knowledge")
    paper = catalog.papers["complete"]
    first = paper.results[0]
    assert (first.benchmark, first.value, first.source) == ("vbench-total", 84.31,
                                                            "fixture, Table 1")
    assert first.setting.label() == "832x480, 81 frames, 4 steps, extended prompts, 5 seeds"
    assert paper.results[1].setting.label() == "UCF-101 test split, 16 frames"
    compute = paper.compute
    assert (compute.parameters_b, compute.base_model) == (1.3, "Wan2.1-T2V-1.3B")
    assert (compute.throughput.fps, compute.throughput.hardware) == (17.0, "1x H100")
    assert (compute.latency.seconds, compute.memory.gb, compute.training.gpu_hours) == \
        (0.69, 24.0, 1200.0)
    assert (paper.open.licence, paper.open.weights) == ("Apache-2.0",
                                                        "https://huggingface.co/example/complete")
    assert catalog.papers["derived"].compute.base_model == "complete"


def test_the_benchmark_vocabulary_is_checked(good_root, today):
    (good_root / "catalog").mkdir()
    (good_root / "catalog" / "benchmarks.yaml").write_text(
        "benchmarks:\n"
        "  ok-score: {name: OK, metric: score, higher_is_better: true, description: d,\n"
        "             url: https://example.org/ok}\n"
        "  plain-http:\n"
        "    name: Plain\n    metric: score\n    higher_is_better: true\n    description: d\n"
        "    url: http://example.org/plain\n", encoding="utf-8")
    catalog = load_catalog(good_root)
    assert list(catalog.benchmarks) == ["ok-score"]
    assert findings_of(good_root, today) == [
        "catalog/benchmarks.yaml:4: field 'url' has a bad format (only https:// links are "
        "accepted)"]


def test_the_committed_vocabulary_is_complete_and_https(repo_root):
    catalog = load_catalog(repo_root)
    assert not [f for f in catalog.load_findings if f.path == "catalog/benchmarks.yaml"]
    wanted = {"vbench-total", "vbench-quality", "vbench-semantic", "vbench-long-total",
              "vbench2-total", "fvd-ucf101", "fvd-kinetics600", "fvd-minecraft", "fvd-dmlab",
              "fid", "psnr", "ssim", "lpips", "worldscore-static", "worldscore-dynamic",
              "physics-iq", "geneval", "dino-sim", "clip-sim"}
    assert wanted <= set(catalog.benchmarks)
    assert all(b.url.startswith("https://") for b in catalog.benchmarks.values())
    assert catalog.benchmarks["vbench-total"].max == 100
    assert catalog.benchmarks["fvd-ucf101"].higher_is_better is False
