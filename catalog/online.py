"""`awm check --online`: what only the network can tell.

Every link of every record must answer (HEAD, then GET where a server refuses HEAD), and a
record with an arXiv id must still carry arXiv's title and author list. ``check_repositories``
asks the GitHub API whether each code repository was archived, moved or deleted (the scheduled
health check runs it; ``awm check --online`` does not, to stay within the API's anonymous rate
limit). Skipped in CI; tested with a fake HTTP session and an ``arxiv.Client`` that replays
recorded Atom responses.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

from .importers import fold
from .importers.arxiv import ArxivUnavailable, fetch_many
from .loader import Finding
from .model import Catalog, normalise_title

TIMEOUT_S = 15
USER_AGENT = "awm-check/0.1 (link check of a paper catalog)"
_INCONCLUSIVE = {429}  # rate limited: says nothing about the link


def _status(session, url: str) -> str | None:
    """None when the link answers, else a short reason ('HTTP 404', 'ConnectionError')."""
    headers = {"User-Agent": USER_AGENT}
    try:
        response = session.head(url, timeout=TIMEOUT_S, allow_redirects=True, headers=headers)
        if response.status_code in (403, 405, 501) or response.status_code >= 500:
            response = session.get(url, timeout=TIMEOUT_S, allow_redirects=True, headers=headers,
                                   stream=True)
            response.close()
    except requests.RequestException as err:
        return type(err).__name__
    if response.status_code >= 400 and response.status_code not in _INCONCLUSIVE:
        return f"HTTP {response.status_code}"
    return None


def _person(name: str) -> str:
    return re.sub(r"[^a-z]", "", fold(name))


def check_links(catalog: Catalog, session=None) -> list[Finding]:
    session = session or requests.Session()
    urls = sorted({url for p in catalog.papers.values() for _, url in p.links.all()})
    with ThreadPoolExecutor(max_workers=8) as pool:
        reasons = dict(zip(urls, pool.map(lambda u: _status(session, u), urls)))
    failed = [reason for reason in reasons.values() if reason]
    if urls and len(failed) == len(urls) and not any(r.startswith("HTTP") for r in failed):
        return [Finding("papers", 1, f"links not checked: none of {len(urls)} could be reached "
                        f"({failed[0]}); is this machine offline?",
                        "run awm check --online again with a network")]
    findings = []
    for key, paper in catalog.papers.items():
        source = catalog.sources[key]
        for field, url in paper.links.all():
            if reasons[url]:
                findings.append(Finding(source.path, source.line("links"),
                                        f"links.{field} does not answer: {url} ({reasons[url]})",
                                        "fix the address or remove the link"))
    return findings


def check_arxiv(catalog: Catalog, client=None) -> list[Finding]:
    with_ids = {k: p for k, p in catalog.papers.items() if p.arxiv}
    if not with_ids:
        return []
    try:
        found = fetch_many([p.arxiv for p in with_ids.values()], client)
    except ArxivUnavailable as err:
        return [Finding("papers", 1, f"arXiv metadata not checked: {err}",
                        "run awm check --online again later")]
    findings = []
    for key, paper in with_ids.items():
        source = catalog.sources[key]
        theirs = found.get(paper.arxiv)
        if theirs is None:
            findings.append(Finding(source.path, source.line("arxiv"), f"arXiv has no paper "
                                    f"{paper.arxiv}", "check the id on arxiv.org"))
            continue
        if normalise_title(fold(paper.title)) != normalise_title(fold(theirs.title)):
            findings.append(Finding(source.path, source.line("title"), f"title differs from "
                                    f"arXiv {paper.arxiv}: '{theirs.title}'",
                                    "copy the title from arXiv"))
        ours = [_person(a) for a in paper.authors]
        on_arxiv = [_person(a) for a in theirs.authors]
        if ours != on_arxiv:
            first = next((i for i, (a, b) in enumerate(zip(ours, on_arxiv)) if a != b),
                         min(len(ours), len(on_arxiv)))
            here = paper.authors[first] if first < len(paper.authors) else "(none)"
            there = theirs.authors[first] if first < len(theirs.authors) else "(none)"
            findings.append(Finding(source.path, source.line("authors"), f"authors differ from "
                                    f"arXiv {paper.arxiv}: {len(paper.authors)} here, "
                                    f"{len(theirs.authors)} there; author {first + 1} is "
                                    f"'{here}' here, '{there}' on arXiv",
                                    "copy the author list from arXiv"))
    return findings


GITHUB_API = "https://api.github.com"


def _repository(url: str) -> str | None:
    """'owner/repo' of a github.com code link (a folder of a monorepo names its repository)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.hostname != "github.com" or len(segments) < 2:
        return None
    return f"{segments[0]}/{segments[1].removesuffix('.git')}"


def _repository_state(session, name: str) -> str | None:
    """None when the repository is there as named; else what happened to it, or
    'inconclusive: ...' when the API did not say."""
    headers = {"Accept": "application/vnd.github+json", "User-Agent": USER_AGENT}
    token = os.environ.get("GITHUB_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = session.get(f"{GITHUB_API}/repos/{name}", headers=headers, timeout=TIMEOUT_S,
                               allow_redirects=True)
    except requests.RequestException as err:
        return f"inconclusive: {type(err).__name__}"
    if response.status_code in (404, 410, 451):
        return f"is gone (GitHub answers HTTP {response.status_code})"
    if response.status_code != 200:
        return f"inconclusive: HTTP {response.status_code}"
    try:
        data = response.json()
        full_name, archived = str(data["full_name"]), bool(data.get("archived"))
    except (ValueError, KeyError, TypeError):
        return "inconclusive: unreadable answer"
    if full_name.lower() != name.lower():
        return f"moved to https://github.com/{full_name}"
    return "is archived (read-only)" if archived else None


def check_repositories(catalog: Catalog, session=None) -> list[Finding]:
    """One finding per code repository that is archived, moved or gone; one finding in all when
    the API could not answer (rate limit, no network), since that says nothing of the links."""
    session = session or requests.Session()
    names = sorted({n for p in catalog.papers.values() if p.links.code
                    for n in [_repository(p.links.code)] if n})
    with ThreadPoolExecutor(max_workers=4) as pool:
        states = dict(zip(names, pool.map(lambda n: _repository_state(session, n), names)))
    unsure = sorted({s for s in states.values() if s and s.startswith("inconclusive")})
    findings = []
    if unsure:
        findings.append(Finding("papers", 1, f"{sum(1 for s in states.values() if s and s in unsure)}"
                                f" of {len(names)} code repositories not checked "
                                f"({unsure[0].removeprefix('inconclusive: ')})",
                                "run the health check again later, with GITHUB_TOKEN set"))
    for key, paper in catalog.papers.items():
        name = _repository(paper.links.code or "")
        state = states.get(name) if name else None
        if state and not state.startswith("inconclusive"):
            source = catalog.sources[key]
            fix = "link the new address" if state.startswith("moved") else \
                "keep the link if the code is still worth reading, else remove it" \
                if "archived" in state else "remove the link or find where the code went"
            findings.append(Finding(source.path, source.line("links.code"),
                                    f"code repository {name} {state}", fix))
    return sorted(findings)


def run_online_checks(catalog: Catalog, session=None, client=None) -> list[Finding]:
    """Findings about links that do not answer and records that drifted from arXiv."""
    return sorted(check_links(catalog, session) + check_arxiv(catalog, client))
