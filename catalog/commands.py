"""`awm check` and `awm build` (argument parsing lives in tools/awm.py).

Exit codes: 0 clean, 1 findings (or stale files), 2 bad usage.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .checks import run_checks
from .loader import Finding, load_catalog
from .render import render_all, stale_outputs, write_outputs


def _print(findings: list[Finding]) -> None:
    for finding in findings:
        print(finding)


def _wanted(paths: list[Path], root: Path) -> set[Path] | None:
    """The absolute files to report on, or None for all. Raises ValueError for a bad path."""
    if not paths:
        return None
    wanted = set()
    for path in paths:
        if not path.exists():
            raise ValueError(f"no such file: {path}")
        wanted.add(path.resolve())
    return wanted


def check(args) -> int:
    root = Path(args.root).resolve()
    try:
        wanted = _wanted(list(getattr(args, "paths", None) or []), root)
    except ValueError as err:
        print(f"awm check: error: {err}", file=sys.stderr)
        return 2
    catalog = load_catalog(root)
    findings = run_checks(catalog)
    if not findings:  # outputs of a broken catalog would be wrong anyway: fix the records first
        findings = stale_outputs(render_all(catalog), root)
    if getattr(args, "online", False):
        from .online import run_online_checks  # network code only when asked for
        findings += run_online_checks(catalog)
    if wanted is not None:
        findings = [f for f in findings if (root / f.path).resolve() in wanted]
    findings = sorted(set(findings))
    _print(findings)
    scope = f"{len(wanted)} file(s) of " if wanted is not None else ""
    print(f"awm check: {scope}{len(catalog.papers)} papers, {len(findings)} finding(s)",
          file=sys.stderr)
    return 1 if findings else 0


def may_build(catalog, command: str, allow_invalid: bool) -> bool:
    """Print the catalog's findings, one line each; True when ``command`` may build from it:
    the catalog passes its checks, or ``allow_invalid`` says to build anyway (from the records
    that loaded, with the text they hold). An output built from a catalog that fails its checks
    would drop papers silently, or publish what the checks refuse."""
    findings = run_checks(catalog)
    _print(findings)
    if findings and not allow_invalid:
        print(f"awm {command}: {len(findings)} finding(s) in the catalog; nothing written (fix "
              "them, or pass --allow-invalid to build from the records that loaded)",
              file=sys.stderr)
        return False
    if findings:
        print(f"awm {command}: building despite {len(findings)} finding(s) (--allow-invalid)",
              file=sys.stderr)
    return True


def build(args) -> int:
    root = Path(args.root).resolve()
    catalog = load_catalog(root)
    if not may_build(catalog, "build", getattr(args, "allow_invalid", False)):
        return 1
    rendered = render_all(catalog)
    if getattr(args, "check", False):
        stale = stale_outputs(rendered, root)
        _print(stale)
        return 1 if stale else 0
    written = write_outputs(rendered, root)
    for name in rendered:
        print(f"{'wrote' if name in written else 'unchanged'} {name}")
    print(summary(catalog))
    return 0


def summary(catalog) -> str:
    """One line on what the catalog holds, for the end of `awm build`."""
    papers = catalog.papers.values()
    sections = len({p.section for p in papers})
    return (f"{len(catalog.papers)} papers in {sections} sections, "
            f"{sum(1 for p in papers if p.links.code)} with code, "
            f"{sum(1 for k in catalog.reproductions if k in catalog.papers)} with a reproduction, "
            f"{sum(len(p.builds_on) for p in papers)} lineage edges")
