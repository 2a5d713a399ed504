"""Renderers: each turns the loaded catalog into the text of one generated file.

``render_all`` gives {path relative to the root: text}; ``stale_outputs`` compares that with
the files on disk; ``write_outputs`` writes the changed ones atomically.
"""
from __future__ import annotations

from pathlib import Path

from ..loader import Finding
from ..model import Catalog
from .bibtex import render_bibtex_with_lines
from .files import write_atomic
from .json import render_json
from .readme import render_readme

OUTPUTS = ("README.md", "papers.bib", "catalog.json")


def render_all(catalog: Catalog) -> dict[str, str]:
    bib, spans = render_bibtex_with_lines(catalog)
    return {"README.md": render_readme(catalog, spans), "papers.bib": bib,
            "catalog.json": render_json(catalog)}


def _current(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def stale_outputs(rendered: dict[str, str], root: Path) -> list[Finding]:
    """One finding per generated file that is missing or differs from what the catalog gives."""
    findings = []
    for name, text in rendered.items():
        current = _current(Path(root) / name)
        if current != text:
            what = "is missing" if current is None else "is out of date with papers/"
            findings.append(Finding(name, 1, f"generated file {what}", "run `awm build` and commit"
                                    " the result"))
    return findings


def write_outputs(rendered: dict[str, str], root: Path) -> list[str]:
    """Write the files whose text changed; return their names."""
    written = []
    for name, text in rendered.items():
        if _current(Path(root) / name) != text:
            write_atomic(Path(root) / name, text)
            written.append(name)
    return written
