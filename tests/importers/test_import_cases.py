"""`awm import markdown` on fixtures/list-cases.md, one item per case: every item that becomes
no draft is reported with its reason; sections guessed from the nearest catalog records; papers
the catalog has (by id or by normalised title) not drafted again; the star emoji's variation
selector (U+FE0F) is no stray markup; impossible arXiv ids refused; a file that exists is
reported while the other drafts are written."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools.awm import main as awm

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES, SMALL = FIXTURES / "list-cases.md", FIXTURES / "catalog_small"


@pytest.fixture
def imported(tmp_path, capsys):
    """(printed lines by line number, summary, the drafts folder) of one import into a folder
    that already holds starred.yaml."""
    (tmp_path / "empty.bib").write_text("")
    out = tmp_path / "drafts"
    out.mkdir()
    (out / "starred.yaml").write_text("key: starred\n")
    status = awm(["--root", str(SMALL), "import", "markdown", str(CASES), "--bib",
                  str(tmp_path / "empty.bib"), "--out", str(out)])
    assert status == 1
    printed, err = capsys.readouterr()
    by_line: dict[int, list[str]] = {}
    for line in printed.splitlines():
        number, kind, rest = line.removeprefix(f"{CASES}:").split(": ", 2)
        if kind != "missing-bibtex":  # the empty .bib: every paper is missing from it
            by_line.setdefault(int(number), []).append(f"{kind}: {rest}")
    return by_line, err, out


def test_every_item_without_a_draft_says_why(imported):
    by_line, err, out = imported
    assert by_line[5] == ["in-catalog: 'Known by id' is already in the catalog: "
                          "papers/diffusion-forcing.yaml (arXiv 2407.01392); no draft (nothing "
                          "to do, or improve that record)"]
    assert by_line[6] == ["in-catalog: 'Known by title' is already in the catalog: "
                          "papers/self-forcing.yaml (same title); no draft (nothing to do, or "
                          "improve that record)"]
    assert by_line[10][0].startswith("skipped: not imported: 'Survey papers:' is not a paper")
    assert by_line[13][0].startswith("skipped: not imported: 'A talk on playable worlds' is not")
    assert "awm import: 9 entries, 9 distinct papers, 2 already in the catalog" in err
    assert not (out / "known-by-id.yaml").exists() and not (out / "known-by-title.yaml").exists()


def test_the_variation_selector_of_a_star_is_not_stray_markup(imported):
    by_line, _, _ = imported
    # '[⭐️]' is U+2B50 U+FE0F: line 4 gets no markup finding, only its file clash (below)
    assert [r.split(":")[0] for r in by_line[4]] == ["file-exists"]


@pytest.mark.parametrize("line, reason", [
    (7, "2613.12345 of 'Month 13' cannot exist (month 13 does not exist)"),
    (8, "2405.1234 of 'Four digits' cannot exist (ids of 2024-05 have 5 digits after the dot)"),
    (9, "2712.00001 of 'Future' cannot exist (2027-12 is in the future)"),
])
def test_impossible_arxiv_ids_are_refused(imported, line, reason):
    by_line, _, out = imported
    assert by_line[line] == [f"arxiv-id: arXiv id {reason}; the draft has no id (check the id "
                             "on arxiv.org)"]


def test_sections_are_guessed_from_the_nearest_records(imported):
    by_line, _, out = imported
    game = yaml.safe_load((out / "game-engine-talk.yaml").read_text())
    assert game["section"] == "application/interactive-world-models" and 14 not in by_line
    assert by_line[15] == ["needs-section: 'Protein' needs a section: its heading 'Talks and "
                           "tweets' names none of the taxonomy and no catalog record is near it "
                           "(choose its section in the draft)"]
    protein = yaml.safe_load((out / "protein.yaml").read_text())
    assert protein["draft"].startswith("imported from an awesome list: needs a section (no "
                                       "catalog record is near it)")


def test_a_name_clash_writes_the_others_and_reports_it(imported):
    by_line, err, out = imported
    clash = [r for rs in by_line.values() for r in rs if r.startswith("file-exists")]
    assert clash == [f"file-exists: {out / 'starred.yaml'} already exists: the draft of "
                     "'Starred' is not written (merge it by hand, or import into another folder)"]
    assert (out / "starred.yaml").read_text() == "key: starred\n"
    assert sorted(p.name for p in out.iterdir()) == [
        "four-digits.yaml", "future.yaml",
        "game-engine-talk.yaml", "month-13.yaml", "protein.yaml", "starred-2.yaml",
        "starred.yaml"]
    assert yaml.safe_load((out / "month-13.yaml").read_text()).get("arxiv") is None
    assert "wrote 6 drafts into" in err


ONLINE_LIST = (
    "## 1.3 Distillation for real-time streaming\n"
    "* **SF**, \"Bridging the Gap\". [![arXiv](https://img.shields.io/badge/arXiv-2506.08009-b31b1b"
    ".svg)](https://arxiv.org/abs/2506.08009)\n"
    "* **Ghost**, \"A Paper arXiv Does Not Have\". [![arXiv](https://img.shields.io/badge/arXiv-"
    "2401.00001-b31b1b.svg)](https://arxiv.org/abs/2401.00001)\n")


def _import_online(repo_copy, tmp_path, client, capsys):
    from catalog.importers import commands
    from tools.awm import build_parser
    (tmp_path / "list.md").write_text(ONLINE_LIST)
    (tmp_path / "list.bib").write_text("")
    out = tmp_path / "drafts"
    args = build_parser().parse_args(["--root", str(repo_copy), "import", "markdown",
                                      str(tmp_path / "list.md"), "--online", "--out", str(out)])
    assert commands.import_(args, client=client) == 1
    printed = [line for line in capsys.readouterr().out.splitlines() if "missing-bibtex" not in line]
    return printed, out


def test_online_fills_drafts_from_arxiv(repo_copy, tmp_path, fake_session, recorded, capsys):
    from catalog.importers.arxiv import make_client
    client = make_client(fake_session({}, default=recorded("arxiv-batch.xml")), 0, 0)
    printed, out = _import_online(repo_copy, tmp_path, client, capsys)
    assert printed == [f"{tmp_path / 'list.md'}:3: arxiv-id: arXiv has no paper 2401.00001 "
                       "('Ghost'); the draft has no id (check the id on arxiv.org)"]
    sf = yaml.safe_load((out / "sf.yaml").read_text())
    assert sf["title"] == "Self Forcing: Bridging the Train-Test Gap in Autoregressive Video " \
        "Diffusion"  # the list gave a shortened title; arXiv's replaces it
    assert sf["authors"] == ["Xun Huang", "Zhengqi Li", "Guande He", "Mingyuan Zhou",
                             "Eli Shechtman"] and sf["date"] == "2025-06"
    assert "arxiv" not in yaml.safe_load((out / "ghost.yaml").read_text())


def test_online_without_network_says_so_once_and_still_drafts(repo_copy, tmp_path, fake_session,
                                                              capsys):
    import requests
    from catalog.importers.arxiv import make_client
    client = make_client(fake_session({}, default=requests.ConnectionError("offline")), 0, 0)
    printed, out = _import_online(repo_copy, tmp_path, client, capsys)
    assert printed == [f"{tmp_path / 'list.md'}:1: arxiv-offline: drafts not filled from arXiv: "
                       "cannot reach the arXiv API (ConnectionError) (run again with a network, "
                       "or without --online)"]
    assert sorted(p.name for p in out.iterdir()) == ["ghost.yaml", "sf.yaml"]
