"""`awm check --online` on recorded answers: dead links, and records that drifted from arXiv."""
from __future__ import annotations

import requests

from catalog.loader import load_catalog
from catalog.online import run_online_checks

SF = """key: self-forcing
name: Self Forcing
title: "Self Forcing: Bridging the Gap"
authors: [Xun Huang, Zhengqi Li, Guande He, Mingyuan Zhou]
date: "2025-06"
arxiv: "2506.08009"
links:
  project: https://self-forcing.github.io/
  code: https://github.com/guandeh17/Self-Forcing
  other: [https://example.org/moved, https://example.org/no-head]
section: algorithm/streaming-distillation
"""
GHOST = """key: ghost
name: Ghost
title: A Paper arXiv Does Not Have
date: "2024-01"
arxiv: "2401.00001"
section: algorithm/foundations
"""
BATCH = "2401.00001,2407.01392,2506.08009"


def _catalog(root):
    (root / "papers" / "self-forcing.yaml").write_text(SF)
    (root / "papers" / "ghost.yaml").write_text(GHOST)
    catalog = load_catalog(root)
    assert catalog.load_findings == []
    return catalog


LINKS = {
    "https://boyuan.space/diffusion-forcing/": 200,
    "https://github.com/buoyancy99/diffusion-forcing": 200,
    "https://self-forcing.github.io/": requests.ConnectTimeout("timed out"),
    "https://github.com/guandeh17/Self-Forcing": 429,  # rate limited: not a dead link
    "https://example.org/moved": 404,
    ("HEAD", "https://example.org/no-head"): 405,  # refuses HEAD, answers GET
    ("GET", "https://example.org/no-head"): 200,
}


def test_findings_name_file_line_and_fix(repo_copy, fake_session, arxiv_client, recorded):
    catalog = _catalog(repo_copy)
    session = fake_session(LINKS)
    client = arxiv_client({BATCH: recorded("arxiv-batch.xml")})
    findings = [str(f) for f in run_online_checks(catalog, session=session, client=client)]
    assert findings == [
        "papers/ghost.yaml:5: arXiv has no paper 2401.00001 (check the id on arxiv.org)",
        "papers/self-forcing.yaml:3: title differs from arXiv 2506.08009: 'Self Forcing: Bridging "
        "the Train-Test Gap in Autoregressive Video Diffusion' (copy the title from arXiv)",
        "papers/self-forcing.yaml:4: authors differ from arXiv 2506.08009: 4 here, 5 there; "
        "author 5 is '(none)' here, 'Eli Shechtman' on arXiv (copy the author list from arXiv)",
        "papers/self-forcing.yaml:7: links.other does not answer: https://example.org/moved "
        "(HTTP 404) (fix the address or remove the link)",
        "papers/self-forcing.yaml:7: links.project does not answer: "
        "https://self-forcing.github.io/ (ConnectTimeout) (fix the address or remove the link)",
    ]
    # Diffusion Forcing matches although arXiv writes 'Marti Monso' without accents
    assert not any("diffusion-forcing" in f for f in findings)
    assert ("GET", "https://example.org/no-head") in session.calls


def test_arxiv_down_is_one_finding_not_a_crash(repo_copy, fake_session, arxiv_client):
    catalog = _catalog(repo_copy)
    findings = run_online_checks(catalog, session=fake_session({}, default=200),
                                 client=arxiv_client({BATCH: 500}))
    assert [str(f) for f in findings] == [
        "papers:1: arXiv metadata not checked: the arXiv API answered HTTP 500 "
        "(run awm check --online again later)"]


def test_a_changed_author_is_named(repo_copy, fake_session, arxiv_client, recorded):
    text = (repo_copy / "papers" / "diffusion-forcing.yaml").read_text()
    (repo_copy / "papers" / "diffusion-forcing.yaml").write_text(
        text.replace("Yilun Du", "Yilun Dub"))
    catalog = load_catalog(repo_copy)
    findings = run_online_checks(catalog, session=fake_session({}, default=200),
                                 client=arxiv_client({"2407.01392": recorded("arxiv-2407.01392.xml")}))
    assert [f.message for f in findings] == [
        "authors differ from arXiv 2407.01392: 6 here, 6 there; author 3 is 'Yilun Dub' here, "
        "'Yilun Du' on arXiv"]


def test_offline_is_said_once_not_per_link(repo_copy, fake_session, arxiv_client):
    catalog = _catalog(repo_copy)
    offline = requests.ConnectionError("Name or service not known")
    findings = run_online_checks(catalog, session=fake_session({}, default=offline),
                                 client=arxiv_client({}, default=offline))
    assert [str(f) for f in findings] == [
        "papers:1: arXiv metadata not checked: cannot reach the arXiv API (ConnectionError) "
        "(run awm check --online again later)",
        "papers:1: links not checked: none of 6 could be reached (ConnectionError); is this "
        "machine offline? (run awm check --online again with a network)",
    ]
