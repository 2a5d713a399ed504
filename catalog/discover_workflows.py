"""The logic of the scheduled and issue-driven workflows in .github/workflows, which only call
this module (no workflow can run outside GitHub; this code runs offline in the tests).

    python -m catalog.discover_workflows weekly  [--days N] [--write N]
        awm discover for the last N days; its drafts and ranked table become ONE pull request
        from the branch ``discover/weekly``, opened or updated.
    python -m catalog.discover_workflows health
        links alive, arXiv metadata drift, code repositories archived/moved/gone; the findings
        become ONE open issue labelled ``health-check``, opened or updated (closed when clean).
    python -m catalog.discover_workflows suggest --issue N   (the issue body in $ISSUE_BODY)
        a "suggest a paper" issue form: the record drafted by ``awm add`` becomes a pull request
        from ``suggest/issue-N``; a suggestion that cannot be drafted gets a comment saying why.

GitHub is reached through its REST API with ``GITHUB_TOKEN`` (the workflow's token) and the
repository named by ``GITHUB_REPOSITORY``; git runs as a subprocess in the checkout.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import requests

from .loader import load_catalog, load_taxonomy
from .render.readme import md_escape

API = "https://api.github.com"
WEEKLY_BRANCH = "discover/weekly"
HEALTH_LABEL = "health-check"
SUGGEST_LABEL = "suggest-paper"
MAX_BODY = 60000  # GitHub refuses a body over 65536 characters


class GitHub:
    """The few REST calls the workflows make. ``session`` is a requests.Session (a fake one in
    the tests); every call raises ``requests.HTTPError`` on a failed answer."""

    def __init__(self, repo: str, token: str, session=None):
        self.repo, self.session = repo, session or requests.Session()
        self.headers = {"Accept": "application/vnd.github+json",
                        "Authorization": f"Bearer {token}",
                        "X-GitHub-Api-Version": "2022-11-28"}

    def _call(self, method: str, path: str, **kwargs):
        response = self.session.request(method, f"{API}/repos/{self.repo}{path}",
                                        headers=self.headers, timeout=30, **kwargs)
        if response.status_code >= 400:
            raise requests.HTTPError(f"GitHub API {method} {path}: HTTP {response.status_code}")
        return response.json() if response.content else None

    def open_or_update_pull(self, head: str, base: str, title: str, body: str) -> str:
        owner = self.repo.split("/")[0]
        found = self._call("GET", "/pulls", params={"head": f"{owner}:{head}", "state": "open"})
        if found:
            number = found[0]["number"]
            self._call("PATCH", f"/pulls/{number}", json={"title": title, "body": body})
            return f"updated pull request #{number}"
        made = self._call("POST", "/pulls", json={"head": head, "base": base, "title": title,
                                                  "body": body})
        return f"opened pull request #{made['number']}"

    def open_issue_with_label(self, label: str) -> dict | None:
        found = self._call("GET", "/issues", params={"labels": label, "state": "open"})
        return next((i for i in found or [] if "pull_request" not in i), None)

    def open_or_update_issue(self, label: str, title: str, body: str) -> str:
        issue = self.open_issue_with_label(label)
        if issue:
            self._call("PATCH", f"/issues/{issue['number']}", json={"title": title, "body": body})
            return f"updated issue #{issue['number']}"
        made = self._call("POST", "/issues", json={"title": title, "body": body,
                                                   "labels": [label]})
        return f"opened issue #{made['number']}"

    def close_issue(self, number: int, comment: str) -> None:
        self._call("POST", f"/issues/{number}/comments", json={"body": comment})
        self._call("PATCH", f"/issues/{number}", json={"state": "closed"})

    def comment(self, number: int, body: str) -> None:
        self._call("POST", f"/issues/{number}/comments", json={"body": body})


def _github(session=None) -> GitHub:
    return GitHub(os.environ["GITHUB_REPOSITORY"], os.environ["GITHUB_TOKEN"], session)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + "\n\n(cut: too long for GitHub)\n"


# ---------------------------------------------------------------- git

def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout


def push_branch(root: Path, branch: str, paths: list[str], message: str) -> bool:
    """Commit ``paths`` on ``branch`` (made fresh from the current commit) and force-push it,
    so the one pull request always holds this run's drafts. False when nothing changed."""
    _git(root, "checkout", "-B", branch)
    _git(root, "add", "--", *paths)
    if not _git(root, "diff", "--cached", "--name-only"):
        return False
    _git(root, "commit", "-m", message)
    _git(root, "push", "--force", "origin", f"{branch}:{branch}")
    return True


def _untracked_records(root: Path) -> list[str]:
    out = _git(root, "status", "--porcelain", "--untracked-files=all", "--", "papers")
    return sorted(line[3:] for line in out.splitlines() if line.startswith("?? "))


# ---------------------------------------------------------------- weekly discovery

def _run_awm(argv: list[str], runner) -> tuple[int, str, str]:
    """Run one awm command in this process, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = runner(argv)
    return code, out.getvalue(), err.getvalue()


def weekly_body(table: str, summary: str, drafts: list[str]) -> str:
    listed = "\n".join(f"- `{d}`" for d in drafts) or "- none"
    return _clip(f"""Papers that `awm discover` found on arXiv this week, ranked by similarity to the
catalog ({md_escape(summary.strip())}). The drafts below were written for the top of the table;
each starts with a `draft:` line, so `awm check` refuses it until a person has checked every
field against the paper, filled links, tags and `builds_on`, and deleted that line. Delete the
drafts that do not belong in the catalog.

Drafts:
{listed}

{table}""")


def weekly(args, session=None, runner=None) -> int:
    root = Path(args.root)
    runner = runner or _awm_main
    table_file = root / "build" / "discover-table.md"
    table_file.parent.mkdir(parents=True, exist_ok=True)
    code, _, err = _run_awm(["--root", str(root), "discover", "--days", str(args.days),
                             "--write", str(args.write), "--table", str(table_file)], runner)
    sys.stderr.write(err)
    if code:
        return code
    drafts = _untracked_records(root)
    if not drafts:
        print("weekly: no new paper ranked; no pull request")
        return 0
    summary = next((line.split(": ", 1)[1] for line in err.splitlines()
                    if re.match(r"awm discover: \d{4}-", line)), "")
    body = weekly_body(table_file.read_text(encoding="utf-8"), summary, drafts)
    push_branch(root, WEEKLY_BRANCH, drafts, f"Drafts found by awm discover ({summary})")
    print(f"weekly: {_github(session).open_or_update_pull(WEEKLY_BRANCH, args.base, 'Papers found on arXiv this week (drafts to check)', body)}")
    return 0


# ---------------------------------------------------------------- health check

def health_body(findings: list) -> str:
    lines = "\n".join(f"- {md_escape(str(f))}" for f in findings)
    return _clip(f"""The scheduled health check found {len(findings)} problem(s) in the catalog: links
that do not answer, records that drifted from arXiv, code repositories archived, moved or gone.
Each line names the file and the line to fix. This issue is updated by every run and closed by
the first run that finds nothing.

{lines}
""")


def health(args, session=None, client=None) -> int:
    from .online import check_repositories, run_online_checks
    catalog = load_catalog(Path(args.root))
    findings = sorted(set(run_online_checks(catalog, session, client) +
                          check_repositories(catalog, session)))
    for finding in findings:
        print(finding)
    github = _github(session)
    if findings:
        print(f"health: {github.open_or_update_issue(HEALTH_LABEL, f'Catalog health check: {len(findings)} problem(s)', health_body(findings))}")
        return 0
    issue = github.open_issue_with_label(HEALTH_LABEL)
    if issue:
        github.close_issue(issue["number"], "The latest health check found nothing: closing.")
        print(f"health: closed issue #{issue['number']}")
    else:
        print("health: nothing found")
    return 0


# ---------------------------------------------------------------- suggest a paper

_NO_RESPONSE = "_No response_"


def parse_issue_form(body: str) -> dict[str, str]:
    """The answers of an issue form as GitHub writes them into the issue body: each field as
    ``### <label>`` followed by its value (``_No response_`` for an empty one)."""
    answers, label, lines = {}, None, []
    for line in (body or "").replace("\r\n", "\n").split("\n"):
        heading = re.match(r"^###\s+(.+?)\s*$", line)
        if heading:
            if label is not None:
                answers[label] = "\n".join(lines).strip()
            label, lines = heading.group(1), []
        elif label is not None:
            lines.append(line)
    if label is not None:
        answers[label] = "\n".join(lines).strip()
    return {k: ("" if v == _NO_RESPONSE else v) for k, v in answers.items()}


FORM_LABELS = {"arxiv": "arXiv id or URL", "section": "Section"}  # labels in the issue form


def read_suggestion(body: str, sections) -> tuple[str, str]:
    """(arXiv reference, section) from an issue body; ValueError with a one-line reason."""
    answers = parse_issue_form(body)
    ref = answers.get(FORM_LABELS["arxiv"], "").strip()
    section = answers.get(FORM_LABELS["section"], "").strip()
    if not ref:
        raise ValueError(f"the form's '{FORM_LABELS['arxiv']}' field is empty")
    if len(ref.split()) != 1:
        raise ValueError("give one arXiv id or URL, e.g. 2407.01392")
    if section not in sections:
        raise ValueError(f"'{section}' is not a section of catalog/taxonomy.yaml")
    return ref, section


def suggest(args, session=None, runner=None) -> int:
    root = Path(args.root)
    runner = runner or _awm_main
    github = _github(session)
    sections = load_taxonomy(root / "catalog" / "taxonomy.yaml").sections
    try:
        ref, section = read_suggestion(os.environ.get("ISSUE_BODY", ""), sections)
    except ValueError as err:
        github.comment(args.issue, f"Thank you! This suggestion cannot be drafted: {md_escape(str(err))}. Edit "
                       "the issue to fix it and the draft will be tried again.")
        print(f"suggest: {err}")
        return 1
    code, out, err = _run_awm(["--root", str(root), "add", ref, "--section", section], runner)
    if code:
        reason = err.strip().splitlines()[-1] if err.strip() else "awm add failed"
        github.comment(args.issue, f"Thank you! `awm add` could not draft this paper: "
                       f"{md_escape(reason.removeprefix('awm add: '))}")
        print(f"suggest: {reason}")
        return 1
    drafts = _untracked_records(root)
    generated = ["README.md", "papers.bib", "catalog.json"]  # the check wants them up to date
    built, _, _ = _run_awm(["--root", str(root), "build"], runner)
    branch = f"suggest/issue-{args.issue}"
    push_branch(root, branch, drafts + ([] if built else generated),
                f"Draft of arXiv {ref} suggested in #{args.issue}")
    body = (f"Drafted by `awm add` from the suggestion in #{args.issue} (closes #{args.issue}).\n\n"
            f"{md_escape(out.strip())}\n\nBefore merging: check the title, authors and date "
            "against the paper, add links, tags and `builds_on`, and run `awm build`.")
    print(f"suggest: {github.open_or_update_pull(branch, args.base, f'Add {drafts[0]} (suggested in #{args.issue})', body)}")
    return 0


# ---------------------------------------------------------------- command line

def _awm_main(argv: list[str]) -> int:
    from tools.awm import main
    return main(argv)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m catalog.discover_workflows",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=Path.cwd())
    p.add_argument("--base", default="main", help="branch the pull requests target")
    sub = p.add_subparsers(dest="job", required=True)
    w = sub.add_parser("weekly")
    w.add_argument("--days", type=int, default=7)
    w.add_argument("--write", type=int, default=10)
    sub.add_parser("health")
    s = sub.add_parser("suggest")
    s.add_argument("--issue", type=int, required=True)
    args = p.parse_args(argv)
    return {"weekly": weekly, "health": health, "suggest": suggest}[args.job](args)


if __name__ == "__main__":
    sys.exit(main())
