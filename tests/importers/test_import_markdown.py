"""`awm import markdown`: every defect of a small synthetic list, drafts, atomic --out."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalog.importers import markdown as md
from catalog.importers.bibtex import parse_bibtex
from catalog.loader import load_catalog, load_taxonomy
from tools.awm import main as awm

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LIST, BIB = FIXTURES / "list.md", FIXTURES / "list.bib"
SMALL = FIXTURES / "catalog_small"  # the catalog the list is compared with: 8 real records

EXPECTED = [  # every line `awm import markdown` prints for fixtures/list.md, in order
    "{bib}:13: bibtex-orphan: orphan2025 ('A Paper Nobody Lists') is not in the list "
    "(list the paper or remove the entry)",
    "{md}:4: missing-bibtex: 'Not in a section' has no entry in {bib} (add its BibTeX entry)",
    "{md}:4: needs-section: 'Not in a section' needs a section: its heading 'Overview' names "
    "none of the taxonomy and no catalog record is near it (choose its section in the draft)",
    "{md}:8: skipped: not imported: 'Group label, not a paper:' is not a paper (no quoted "
    "title, no badge) (list a paper as **Name**, \"Title\" with its badges)",
    "{md}:9: in-catalog: 'Diffusion Forcing' is already in the catalog: "
    "papers/diffusion-forcing.yaml (arXiv 2407.01392); no draft (nothing to do, or improve "
    "that record)",
    "{md}:10: badge-mismatch: badge text says 2502.01392 but the link goes to 2502.06764 "
    "(make both the paper's id)",
    "{md}:10: bibtex-anchor: BibTeX anchor #L1 of 'DFoT' points at chen2024diffusion "
    "('Diffusion forcing: Next-token prediction meets full-sequence diffusion') "
    "(point it at #L7-L12)",
    "{md}:10: markup: indented by 1 space, which matches no enclosing list "
    "(indent it like its siblings)",
    "{md}:11: arxiv-link: arXiv link https://arxiv.org/pdf/2501.00002v2 has a version suffix "
    "(link https://arxiv.org/abs/2501.00002)",
    "{md}:11: arxiv-link: badge text 2501.00002v2 has a version suffix (write 2501.00002)",
    "{md}:11: code-link: code link https://gitlab.com/o/split is not a GitHub repository "
    "(link https://github.com/<owner>/<repo>, or list it under other links)",
    "{md}:11: markup: double list bullet (keep one '*' or '-')",
    "{md}:11: markup: entry split over lines 11-12 (write the entry on one line)",
    "{md}:11: missing-bibtex: 'Split' has no entry in {bib} (add its BibTeX entry)",
    "{md}:13: missing-bibtex: 'Evil' has no entry in {bib} (add its BibTeX entry)",
    "{md}:13: unsafe-link: javascript: link dropped: javascript:alert(1 "
    "(only https links are accepted)",
    "{md}:13: unsafe-link: plain http link dropped: http://github.com/o/evil "
    "(use the https address)",
    "{md}:17: duplicate: 'Diffusion Forcing again' repeats line 9 ('Diffusion Forcing', "
    "2407.01392) (list each paper once)",
    "{md}:18: code-link: code link https://github.com/o/notitle/tree/main is not a "
    "repository root (link https://github.com/o/notitle)",
    "{md}:18: markup: '-' bullet where its list uses '*' (Markdown starts a new list) (use '*')",
    "{md}:18: missing-bibtex: 'NoTitle' has no entry in {bib} (add its BibTeX entry)",
    "{md}:18: missing-title: 'NoTitle' has no quoted title (add the full title in double quotes)",
]


def test_cli_prints_one_line_per_defect_and_exits_1(capsys):
    assert awm(["--root", str(SMALL), "import", "markdown", str(LIST)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [line.format(md=LIST, bib=BIB) for line in EXPECTED]
    assert err.strip() == ("awm import: 7 entries, 6 distinct papers, 1 already in the "
                           "catalog, 22 defects")


def _parsed():
    entries, defects = md.parse_markdown(LIST.read_text(), "list.md", load_taxonomy())
    bib, _ = parse_bibtex(BIB.read_text(), "list.bib")
    md.check_against_bib(entries, bib, "list.md")
    md.check_entries(entries, "list.md")
    return entries


def test_sections_come_from_headings_and_unrelated_headings_leave_them_to_guess():
    entries = _parsed()
    assert [(e.name, e.section) for e in entries] == [
        ("Not in a section", ""),  # under 'Overview': guessed later (guess_sections)
        ("Diffusion Forcing", "algorithm/native-ar-diffusion"),
        ("DFoT", "algorithm/native-ar-diffusion"),
        ("Split", "algorithm/native-ar-diffusion"),
        ("Evil", "algorithm/native-ar-diffusion"),
        ("Diffusion Forcing again", "infrastructure/caching"),
        ("NoTitle", "infrastructure/caching"),
    ]


def test_drafts_carry_the_corrected_facts_and_drop_unsafe_links():
    drafts = {d["key"]: d for d in md.drafts(_parsed())}
    assert sorted(drafts) == ["dfot", "diffusion-forcing", "evil", "not-in-a-section",
                              "notitle", "split"]
    assert all(d["draft"].startswith("imported from an awesome list: check every field")
               for d in drafts.values())
    df = drafts["diffusion-forcing"]
    # the list gave only the subtitle; the .bib shows the full title is "Name: subtitle"
    assert df["title"] == "Diffusion Forcing: Next-token Prediction Meets Full-Sequence Diffusion"
    assert df["authors"] == ["Boyuan Chen", "Diego Martí Monsó"]
    assert df["date"] == "2024-07" and df["arxiv"] == "2407.01392"
    # the duplicate's website is merged into the first record
    assert df["links"]["project"] == "https://boyuan.space/diffusion-forcing/"
    assert drafts["dfot"]["arxiv"] == "2502.06764"  # the .bib confirms the link, not the badge
    assert drafts["split"]["arxiv"] == "2501.00002"
    assert drafts["split"]["links"]["other"] == ["https://gitlab.com/o/split"]
    assert drafts["notitle"]["links"]["code"] == "https://github.com/o/notitle"
    evil = drafts["evil"]["links"]
    assert "project" not in evil and "code" not in evil and evil["other"] == []
    assert "javascript" not in yaml.safe_dump(list(drafts.values()))


def test_hostile_links_of_every_unsafe_scheme_are_reported_and_dropped(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("## 3.2 Caching\n"
                    "* **A**, \"A\". [![Website](https://img.shields.io/badge/W-L-b.svg)]"
                    "(data:text/html;base64,PHNjcmlwdD4=) [![Code](https://img.shields.io/badge/C-G"
                    "-g.svg)](vbscript:msgbox) [x](file:///etc/passwd)\n")
    entries, defects = md.parse_markdown(path.read_text(), "x.md", load_taxonomy())
    assert [d.kind for d in defects] == ["unsafe-link"] * 3
    assert entries[0].links == {} and entries[0].other == []


def test_out_writes_drafts_that_the_loader_refuses_and_never_overwrites(tmp_path, capsys):
    out = tmp_path / "drafts"
    command = ["--root", str(SMALL), "import", "markdown", str(LIST), "--out", str(out)]
    assert awm(command) == 1
    drafted = ["dfot.yaml", "evil.yaml", "not-in-a-section.yaml", "notitle.yaml", "split.yaml"]
    assert sorted(p.name for p in out.iterdir()) == drafted  # Diffusion Forcing: in the catalog
    err = capsys.readouterr().err
    assert f"{out / 'notitle.yaml'}: draft needs date" in err  # no arXiv id, no date: said so
    (tmp_path / "catalog").mkdir()
    catalog = load_catalog(tmp_path, papers_dir=out)
    assert catalog.papers == {}  # every draft waits for a person to confirm it
    assert [f.message.split(":")[0] for f in catalog.load_findings] == ["draft, not yet a record"] * 5

    before = {p.name: p.read_text() for p in out.iterdir()}
    (out / "split.yaml").write_text("key: split\n")  # a hand-edited record is never overwritten
    before["split.yaml"] = "key: split\n"
    (out / "dfot.yaml").unlink()  # the others are still written
    assert awm(command) == 1
    out_text, err = capsys.readouterr()
    assert f"{LIST}:13: file-exists: {out / 'evil.yaml'} already exists: the draft of 'Evil' is " \
        "not written (merge it by hand, or import into another folder)" in out_text.splitlines()
    assert f"{out / 'split.yaml'} already exists" in out_text
    assert "wrote 1 drafts into" in err
    assert {p.name: p.read_text() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".drafts.")]


def test_a_failed_import_leaves_the_folder_as_it_was(tmp_path, capsys, monkeypatch):
    out = tmp_path / "papers"
    out.mkdir()
    (out / "evil.yaml").write_text("key: evil\n")
    real_replace, calls = Path.replace, []

    def failing_replace(self, target):  # the disk fills up on the third file
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", failing_replace)
    assert awm(["--root", str(SMALL), "import", "markdown", str(LIST), "--out", str(out)]) == 1
    assert "nothing written" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["evil.yaml"] and len(calls) == 3


def test_input_over_the_size_limit_is_refused_unread(tmp_path, capsys):
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)
    assert awm(["import", "markdown", str(big)]) == 2
    assert "over the 5242880-byte limit" in capsys.readouterr().err


@pytest.mark.parametrize("url, code, defect", [
    ("https://github.com/o/r", "https://github.com/o/r", None),
    ("https://github.com/o/r.git", "https://github.com/o/r", None),
    ("https://github.com/o/r/tree/main", "https://github.com/o/r", "is not a repository root"),
    ("https://github.com/o/r/blob/main/README.md", "https://github.com/o/r",
     "is not a repository root"),
    ("https://github.com/o/mono/tree/main/Sub-Project", "https://github.com/o/mono/tree/main/"
     "Sub-Project", None),  # a project folder of a monorepo is kept as it is
    ("https://github.com/o", None, "is not a GitHub repository"),
    ("https://huggingface.co/o/r", None, "is not a GitHub repository"),
])
def test_code_links(url, code, defect):
    item = f'## 3.2 Caching\n* **A**, "A". [![Code](https://img.shields.io/badge/C-G-g.svg)]({url})\n'
    entries, defects = md.parse_markdown(item, "x.md", load_taxonomy())
    assert entries[0].links.get("code") == code
    assert [d.message.split(url, 1)[-1].strip() for d in defects] == ([defect] if defect else [])


def test_a_bibtex_link_out_of_the_list_is_reported_with_or_without_the_bib():
    item = ('## 1.1 AR Diffusion (native pretraining)\n* **DFoT**, "History-Guided Video Diffusion". '
            '[![BibTeX](https://img.shields.io/badge/BibTeX-Link-blue)](https://example.org/b.txt)\n')
    entries, _ = md.parse_markdown(item, "x.md", load_taxonomy())
    assert [str(d) for d in md.check_entries(entries, "x.md")] == [
        "x.md:2: bibtex-anchor: BibTeX link https://example.org/b.txt of 'DFoT' does not point at "
        "a line of the list's .bib (link <list>.bib#L<first>-L<last>)"]
    entries, _ = md.parse_markdown(item, "x.md", load_taxonomy())
    bib, _ = parse_bibtex(BIB.read_text(), "list.bib")
    with_bib = md.check_against_bib(entries, bib, "x.md") + md.check_entries(entries, "x.md")
    assert [d.fix for d in with_bib if d.kind == "bibtex-anchor"] == ["point it at #L7-L12"]


# The upstream list's headings (its README, as published) and where their papers belong.
HEADINGS = [
    ("1. Algorithm", "algorithm", None),
    ("1.1 AR Diffusion (native pretraining)", "algorithm", "algorithm/native-ar-diffusion"),
    ("1.2 🔥 AR Diffusion Distillation for Real-time Generation (post training)", "algorithm",
     "algorithm/streaming-distillation"),
    ("1.3 Long Video Generation", "algorithm", "algorithm/long-video-memory"),
    ("2. Application", "application", None),
    ("2.1 Open-source AR Video Foundation Models", "application", "application/foundation-models"),
    ("2.2 Interactive Video Action World Model", "application",
     "application/interactive-world-models"),
    ("2.3 Real-time Interactive Avtar & Motion & Physical & Audio Control", "application",
     "application/avatar-motion-audio"),
    ("2.4 Egocentric Interaction", "application", "application/egocentric"),
    ("2.5 Embodied AI / Autonomous Driving", "application", "application/embodied-driving"),
    ("3 Infrastructure", "infrastructure", None),
    ("3.1 Sparse Attention", "infrastructure", "infrastructure/sparse-attention"),
    ("3.2 Caching", "infrastructure", "infrastructure/caching"),
    ("3.3 Quantized Attention", "infrastructure", "infrastructure/quantization"),
    ("3.4 Speculative Decoding", "infrastructure", "infrastructure/speculative-decoding"),
    ("Contributing", "infrastructure", None),
    ("Acknowledgment", "infrastructure", None),
]


def test_upstream_headings_map_to_our_sections():
    taxonomy, area = load_taxonomy(), None
    got = []
    for heading, _, _ in HEADINGS:
        area, section = md.match_heading(heading, taxonomy, area)
        got.append((heading, area, section))
    assert got == HEADINGS


def test_headings_before_any_area_hold_no_section():
    taxonomy = load_taxonomy()
    for heading in ("Overview", "🌟 Key Features", "📬 Contact", "Table of Contents"):
        assert md.match_heading(heading, taxonomy, None)[1] is None
