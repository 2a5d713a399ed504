"""`awm discover` on recorded arXiv answers: the real ``arxiv`` client builds the queries and
parses the Atom feeds; only its HTTP session is replaced (FakeSession, conftest.py)."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from catalog import discover
from catalog.importers.arxiv import make_client
from catalog.loader import load_catalog
from tools.awm import build_parser

HERE = Path(__file__).resolve().parent
SMALL = HERE / "fixtures" / "catalog_small"
TODAY = dt.date(2026, 11, 7)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """Eight real records (builds_on emptied), the taxonomy and the discover queries."""
    shutil.copytree(SMALL, tmp_path, dirs_exist_ok=True)
    shutil.copy(HERE.parent.parent / "catalog" / "discover.yaml", tmp_path / "catalog")
    return tmp_path


def run(root: Path, session, *argv: str) -> int:
    args = build_parser().parse_args(["--root", str(root), "discover", *argv])
    client = make_client(session, delay_seconds=0, num_retries=0)
    return discover.main(args, client=client, today=TODAY)


def rows(out: str) -> list[list[str]]:
    """The table's body rows, cells stripped."""
    lines = [line for line in out.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_ranks_new_papers_and_drops_what_the_catalog_has(small, fake_session, recorded, capsys):
    session = fake_session({}, default=recorded("arxiv-search-window.xml"))
    assert run(small, session) == 0
    out, err = capsys.readouterr()
    table = rows(out)
    ids = [r[2].split("]")[0].lstrip("[") for r in table]
    # 2407.01392 (same id) and 2611.90004 (same title as Diffusion Forcing) are in the catalog;
    # the protein paper shares no word with it and scores 0, below min_score
    assert ids == ["2611.90001", "2611.90005", "2611.90002"]
    scores = [float(r[1]) for r in table]
    assert scores == sorted(scores, reverse=True) and scores[-1] >= 0.05
    sections = {i: r[4] for i, r in zip(ids, table)}
    assert sections["2611.90001"].startswith("algorithm/streaming-distillation")
    assert sections["2611.90005"].startswith("application/interactive-world-models")
    assert sections["2611.90002"].startswith("infrastructure/")
    assert "self-forcing (" in table[0][5]  # the reason: its nearest records, with similarity
    assert "6 found on arXiv, 2 already in the catalog, 0 left out by keywords, 1 below " \
        "score 0.05, 3 ranked" in err
    assert sorted(p.name for p in (small / "papers").iterdir()) == sorted(
        p.name for p in (SMALL / "papers").iterdir())  # nothing written without --write


def test_queries_carry_the_window_and_the_categories(small, fake_session, recorded, capsys):
    session = fake_session({}, default=recorded("arxiv-search-empty.xml"))
    assert run(small, session, "--since", "2026-11-01", "--to", "2026-11-03") == 0
    config = discover.load_config(small / "catalog" / "discover.yaml")
    assert len(session.calls) == len(config.queries)  # one page per query: nothing found
    query = parse_qs(urlsplit(session.calls[0][1]).query)["search_query"][0]
    assert query.startswith(f"(({config.queries[0]}) AND (cat:cs.CV OR ")
    assert query.endswith("AND submittedDate:[202611010000 TO 202611032359]")


def test_keywords_and_min_score_filter(small, fake_session, recorded, capsys):
    session = fake_session({}, default=recorded("arxiv-search-window.xml"))
    assert run(small, session, "--include", "game", "--include", "SPARSE ATTENTION") == 0
    out, err = capsys.readouterr()
    assert [r[2][1:11] for r in rows(out)] == ["2611.90005", "2611.90002"]
    assert "2 left out by keywords" in err  # 90001 and the protein paper fail --include
    assert run(small, session, "--exclude", "key-value", "--min-score", "0") == 0
    out, err = capsys.readouterr()
    assert [r[2][1:11] for r in rows(out)] == ["2611.90005", "2611.90002", "2611.90003"]


def test_write_drafts_that_the_loader_refuses(small, fake_session, recorded, capsys):
    session = fake_session({}, default=recorded("arxiv-search-window.xml"))
    assert run(small, session, "--write", "2") == 0
    new = sorted(set(p.name for p in (small / "papers").iterdir()) -
                 set(p.name for p in (SMALL / "papers").iterdir()))
    assert new == ["playable-game-worlds-from-action.yaml", "rolling-self-forcing.yaml"]
    text = (small / "papers" / "rolling-self-forcing.yaml").read_text(encoding="utf-8")
    assert text.startswith("draft: 'found by awm discover: check every field")
    assert 'arxiv: 2611.90001' in text.replace("'", "")
    assert "authors:\n- Ada Example\n- Bo Placeholder\n" in text
    assert "section: algorithm/streaming-distillation\n" in text
    catalog = load_catalog(small)
    assert "rolling-self-forcing" not in catalog.papers
    found = [str(f) for f in catalog.load_findings]
    assert found == [
        "papers/playable-game-worlds-from-action.yaml:1: draft, not yet a record: found by awm "
        "discover: check every field against the paper, add links, tags and builds_on, then "
        "delete this line (check every field against the paper, then delete the 'draft:' line)",
        "papers/rolling-self-forcing.yaml:1: draft, not yet a record: found by awm discover: "
        "check every field against the paper, add links, tags and builds_on, then delete this "
        "line (check every field against the paper, then delete the 'draft:' line)"]


def test_empty_window_prints_an_empty_table_and_writes_nothing(small, fake_session, recorded,
                                                                capsys):
    session = fake_session({}, default=recorded("arxiv-search-empty.xml"))
    assert run(small, session, "--write", "5") == 0
    out, err = capsys.readouterr()
    assert rows(out) == [] and out.startswith("| # | score | arXiv | title |")
    assert "0 found on arXiv" in err and "wrote" not in err
    assert len(list((small / "papers").iterdir())) == 8


@pytest.mark.parametrize("answer, reason", [
    (requests.ConnectionError("offline"), "cannot reach the arXiv API (ConnectionError)"),
    (503, "the arXiv API answered HTTP 503"),
    (b"<html><body>Rate exceeded.</body></html>", "unreadable answer from the arXiv API "
     "(not an Atom feed)"),
    (b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n  <entry>\n    <id>',
     "unreadable answer from the arXiv API (not valid XML"),  # cut off mid-answer
])
def test_a_failed_answer_is_one_line_and_nothing_written(small, fake_session, answer, reason,
                                                         capsys):
    before = sorted(p.name for p in (small / "papers").iterdir())
    assert run(small, fake_session({}, default=answer), "--write", "3",
               "--table", str(small / "table.md")) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"awm discover: {reason}")
    assert err.rstrip().endswith("nothing written (try again later)")
    assert sorted(p.name for p in (small / "papers").iterdir()) == before
    assert not (small / "table.md").exists()


def test_titles_from_arxiv_are_escaped_in_the_table():
    paper = discover.ArxivPaper("2611.90009", "A <script>x</script> | [link](https://e.com)",
                                [], "2026-11")
    text = discover.table([discover.Candidate(paper, discover.Guess(0.5, [], None, 0.0))], 0.5)
    row = text.splitlines()[2]
    assert "<script>" not in row and "](https://e.com)" not in row and row.count(" | ") == 5
    assert "none, needs a section" in row


def test_bad_usage_exits_2(small, fake_session, capsys):
    session = fake_session({})
    assert run(small, session, "--since", "2026-11-08", "--to", "2026-11-01") == 2
    assert "starts (2026-11-08) after it ends" in capsys.readouterr().err
    assert run(small, session, "--to", "yesterday") == 2
    assert session.calls == []
