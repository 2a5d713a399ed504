"""The workflows' logic (catalog/discover_workflows.py), offline: a real git repository with a
bare one as its origin, GitHub's REST API answered by a fake HTTP session that keeps the pull
requests, issues and comments it was sent, and arXiv answered by recorded Atom feeds."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from catalog import discover, discover_workflows as wf
from catalog.importers import commands as importer_commands
from catalog.importers.arxiv import make_client
from catalog.loader import load_taxonomy
from tools.awm import build_parser, main as awm_main

from .conftest import FakeResponse, FakeSession

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SMALL = HERE / "fixtures" / "catalog_small"


class FakeGitHub:
    """GitHub's REST API for one repository, as a ``requests.Session``: it remembers pull
    requests, issues and comments. Other URLs (links, api.github.com/repos/<repo>) are answered
    from ``routes`` as FakeSession does."""

    def __init__(self, routes: dict | None = None):
        self.pulls: list[dict] = []
        self.issues: list[dict] = []
        self.comments: list[tuple[int, str]] = []
        self.links = FakeSession(routes or {}, default=200)

    def _json(self, data, status=200):
        return FakeResponse(status, json.dumps(data).encode())

    def request(self, method, url, json=None, params=None, **_):
        path = urlsplit(url).path.removeprefix("/repos/owner/repo")
        if path == "/pulls" and method == "GET":
            head = params["head"].split(":", 1)[1]
            return self._json([p for p in self.pulls if p["head"] == head and p["state"] == "open"])
        if path == "/pulls" and method == "POST":
            self.pulls.append(dict(json, number=100 + len(self.pulls), state="open"))
            return self._json(self.pulls[-1], 201)
        if path == "/issues" and method == "GET":
            return self._json([i for i in self.issues if params["labels"] in i["labels"]
                               and i["state"] == "open"])
        if path == "/issues" and method == "POST":
            self.issues.append(dict(json, number=1 + len(self.issues), state="open"))
            return self._json(self.issues[-1], 201)
        match = re.fullmatch(r"/(pulls|issues)/(\d+)(/comments)?", path)
        if match:
            number = int(match[2])
            if match[3]:
                self.comments.append((number, json["body"]))
                return self._json({}, 201)
            items = self.pulls if match[1] == "pulls" else self.issues
            item = next(i for i in items if i["number"] == number)
            item.update(json)
            return self._json(item)
        raise AssertionError(f"unexpected GitHub call {method} {url}")

    def get(self, url, **kwargs):
        return self.links.get(url, **kwargs)

    def head(self, url, **kwargs):
        return self.links.head(url, **kwargs)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch) -> Path:
    """A clone of a small catalog whose origin is a bare repository beside it."""
    for name, value in [("GIT_AUTHOR_NAME", "t"), ("GIT_AUTHOR_EMAIL", "t@example.org"),
                        ("GIT_COMMITTER_NAME", "t"), ("GIT_COMMITTER_EMAIL", "t@example.org")]:
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GITHUB_REPOSITORY", "owner/repo")
    monkeypatch.setenv("GITHUB_TOKEN", "token-for-tests")
    root = tmp_path / "checkout"
    shutil.copytree(SMALL, root)
    shutil.copy(REPO / "catalog" / "discover.yaml", root / "catalog")
    git(tmp_path, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "catalog")
    git(root, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(root, "push", "-q", "origin", "main")
    return root


def args(root: Path, *argv: str):
    import argparse
    p = argparse.Namespace(root=root, base="main")
    for flag, value in zip(argv[::2], argv[1::2]):
        setattr(p, flag, value)
    return p


def awm_with_recorded_arxiv(answer):
    """``awm`` as the workflows run it, with arXiv answered by ``answer`` (recorded feeds)."""
    def run(argv: list[str]) -> int:
        parsed = build_parser().parse_args(argv)
        client = make_client(FakeSession({}, default=answer) if not isinstance(answer, dict)
                             else FakeSession(answer), delay_seconds=0, num_retries=0)
        if parsed.command == "discover":
            return discover.main(parsed, client=client, today=dt.date(2026, 11, 7))
        if parsed.command == "add":
            return importer_commands.add(parsed, client=client)
        return awm_main(argv)
    return run


def test_weekly_opens_one_pull_request_then_updates_it(checkout, recorded, capsys):
    github = FakeGitHub()
    runner = awm_with_recorded_arxiv(recorded("arxiv-search-window.xml"))
    assert wf.weekly(args(checkout, "days", 7, "write", 2), github, runner) == 0
    assert [p["number"] for p in github.pulls] == [100]
    pull = github.pulls[0]
    assert pull["head"] == "discover/weekly" and pull["base"] == "main"
    assert "- `papers/rolling-self-forcing.yaml`" in pull["body"]
    assert "| 1 | " in pull["body"] and "2611.90001" in pull["body"]
    assert "6 found on arXiv, 2 already in the catalog" in pull["body"]
    pushed = git(checkout, "ls-tree", "-r", "--name-only", "origin/discover/weekly", "papers")
    assert "papers/rolling-self-forcing.yaml" in pushed.split()
    # next week: the same branch is pushed again and the same pull request updated
    git(checkout, "checkout", "-q", "main")  # as a fresh checkout of main next week
    assert wf.weekly(args(checkout, "days", 7, "write", 1), github, runner) == 0
    assert len(github.pulls) == 1 and "updated pull request #100" in capsys.readouterr().out
    pushed = git(checkout, "ls-tree", "-r", "--name-only", "origin/discover/weekly", "papers")
    assert "papers/playable-game-worlds-from-action.yaml" not in pushed.split()


def test_weekly_with_nothing_found_opens_nothing(checkout, recorded, capsys):
    github = FakeGitHub()
    runner = awm_with_recorded_arxiv(recorded("arxiv-search-empty.xml"))
    assert wf.weekly(args(checkout, "days", 7, "write", 5), github, runner) == 0
    assert github.pulls == [] and "no pull request" in capsys.readouterr().out


def test_weekly_with_arxiv_down_fails_and_opens_nothing(checkout, capsys):
    import requests
    github = FakeGitHub()
    runner = awm_with_recorded_arxiv(requests.ConnectionError("offline"))
    assert wf.weekly(args(checkout, "days", 7, "write", 5), github, runner) == 1
    assert github.pulls == [] and "cannot reach the arXiv API" in capsys.readouterr().err


def test_health_opens_one_issue_updates_it_and_closes_it_when_clean(checkout, arxiv_client,
                                                                     recorded, capsys):
    api = "https://api.github.com/repos/"
    routes = {api + "guandeh17/Self-Forcing": json.dumps(
                  {"full_name": "guandeh17/Self-Forcing", "archived": True}).encode(),
              api + "buoyancy99/diffusion-forcing": json.dumps(
                  {"full_name": "someone/diffusion-forcing-v2", "archived": False}).encode(),
              api + "tianweiy/CausVid": 404,
              "https://causvid.github.io/": 404}
    github = FakeGitHub(routes)
    client = arxiv_client({}, default=recorded("arxiv-empty.xml"))  # arXiv knows none of them
    assert wf.health(args(checkout), github, client) == 0
    assert len(github.issues) == 1
    issue = github.issues[0]
    assert issue["labels"] == ["health-check"] and issue["title"].startswith("Catalog health")
    body = issue["body"]
    assert "code repository guandeh17/Self-Forcing is archived" in body
    assert "code repository buoyancy99/diffusion-forcing moved to https&#58;//github" in body
    assert r"code repository tianweiy/CausVid is gone \(GitHub answers HTTP 404\)" in body
    assert "links.project does not answer: https&#58;//causvid" in body
    assert "arXiv has no paper 2506.08009" in body
    assert wf.health(args(checkout), github, client) == 0
    assert len(github.issues) == 1 and "updated issue #1" in capsys.readouterr().out
    # all clear: every repository answers as named, every link answers, arXiv agrees
    clean = FakeGitHub({k: json.dumps({"full_name": k.removeprefix(api), "archived": False})
                        .encode() for k in routes if k.startswith(api)})
    clean.issues = github.issues
    client = arxiv_client({}, default=recorded("arxiv-batch.xml"))
    for path in (checkout / "papers").glob("*.yaml"):  # keep the two records the feed has
        if path.stem not in ("diffusion-forcing", "self-forcing"):
            path.unlink()
    capsys.readouterr()
    assert wf.health(args(checkout), clean, client) == 0
    assert capsys.readouterr().out == "health: closed issue #1\n"
    assert github.issues[0]["state"] == "closed"
    assert clean.comments == [(1, "The latest health check found nothing: closing.")]


def test_issue_form_body_is_parsed():
    body = ("### arXiv id or URL\n\nhttps://arxiv.org/abs/2506.08009v2\n\n### Section\n\n"
            "algorithm/streaming-distillation\n\n### Why it belongs here\n\n_No response_\n")
    assert wf.parse_issue_form(body) == {
        "arXiv id or URL": "https://arxiv.org/abs/2506.08009v2",
        "Section": "algorithm/streaming-distillation", "Why it belongs here": ""}
    sections = load_taxonomy(REPO / "catalog" / "taxonomy.yaml").sections
    assert wf.read_suggestion(body.replace("\n", "\r\n"), sections) == (
        "https://arxiv.org/abs/2506.08009v2", "algorithm/streaming-distillation")
    with pytest.raises(ValueError, match="'algorithm/nope' is not a section"):
        wf.read_suggestion(body.replace("streaming-distillation", "nope"), sections)
    with pytest.raises(ValueError, match="field is empty"):
        wf.read_suggestion("### Section\n\nalgorithm/foundations\n", sections)
    with pytest.raises(ValueError, match="one arXiv id"):
        wf.read_suggestion(body.replace("2506.08009v2", "2506.08009 and 2407.01392"), sections)


def test_the_issue_form_offers_the_taxonomy_and_the_labels_the_parser_reads():
    form = yaml.safe_load((REPO / ".github" / "ISSUE_TEMPLATE" / "suggest-paper.yml")
                          .read_text(encoding="utf-8"))
    fields = {f["id"]: f for f in form["body"] if "id" in f}
    assert {fid: fields[fid]["attributes"]["label"] for fid in wf.FORM_LABELS} == wf.FORM_LABELS
    sections = list(load_taxonomy(REPO / "catalog" / "taxonomy.yaml").sections)
    assert fields["section"]["attributes"]["options"] == sections
    assert form["labels"] == [wf.SUGGEST_LABEL]


SUGGESTED = ("### arXiv id or URL\n\n2506.08009\n\n### Section\n\n"
             "algorithm/streaming-distillation\n\n### Why it belongs here\n\n_No response_\n")


def test_a_suggestion_becomes_a_pull_request(checkout, recorded, monkeypatch, capsys):
    (checkout / "papers" / "self-forcing.yaml").unlink()  # the suggested paper, not yet there
    git(checkout, "commit", "-q", "-am", "without Self Forcing")
    monkeypatch.setenv("ISSUE_BODY", SUGGESTED)
    github = FakeGitHub()
    runner = awm_with_recorded_arxiv({"2506.08009": recorded("arxiv-2506.08009.xml")})
    assert wf.suggest(args(checkout, "issue", 7), github, runner) == 0
    pull = github.pulls[0]
    assert pull["head"] == "suggest/issue-7" and "closes #7" in pull["body"]
    assert pull["title"] == "Add papers/self-forcing.yaml (suggested in #7)"
    pushed = git(checkout, "show", "origin/suggest/issue-7:papers/self-forcing.yaml")
    assert "title: 'Self Forcing: Bridging the Train-Test Gap in Autoregressive Video Diffusion'" \
        in pushed and "section: algorithm/streaming-distillation" in pushed


def test_a_suggestion_that_cannot_be_drafted_gets_a_comment(checkout, recorded, monkeypatch,
                                                            capsys):
    github = FakeGitHub()
    runner = awm_with_recorded_arxiv({"2506.08009": recorded("arxiv-2506.08009.xml")})
    monkeypatch.setenv("ISSUE_BODY", SUGGESTED)  # Self Forcing is already in the catalog
    assert wf.suggest(args(checkout, "issue", 8), github, runner) == 1
    assert github.pulls == []
    assert github.comments == [(8, "Thank you! `awm add` could not draft this paper: refused: "
                                "arXiv 2506.08009 is already in the catalog: "
                                "papers/self-forcing.yaml")]
    monkeypatch.setenv("ISSUE_BODY", SUGGESTED.replace("2506.08009", "not an id"))
    assert wf.suggest(args(checkout, "issue", 9), github, runner) == 1
    assert github.comments[-1][0] == 9 and "give one arXiv id" in github.comments[-1][1]


# the dev extra's actionlint wheel puts the `actionlint` binary beside the interpreter
ACTIONLINT = shutil.which("actionlint", path=os.pathsep.join(
    [str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def test_every_workflow_passes_actionlint():
    assert ACTIONLINT, "actionlint is missing: pip install -e '.[dev]' installs it"
    files = sorted(str(p) for p in (REPO / ".github" / "workflows").glob("*.yml"))
    assert len(files) >= 5  # checks, pages, discover, health, suggest-paper
    result = subprocess.run([ACTIONLINT, "-no-color", *files], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
