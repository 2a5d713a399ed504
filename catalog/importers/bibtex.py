"""Read a .bib file with bibtexparser: entries with their line spans, and the defects in them.

Titles and names are decoded from LaTeX ({\\'o} -> ó) with pylatexenc, which bibtexparser
already depends on. Authors become "First Last" in paper order.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock
from pylatexenc.latex2text import LatexNodes2Text

from ..loader import Finding
from ..model import normalise_title
from . import propose_name, slug, unique_key
from .arxiv import month_of

_ID_RE = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?!\d)")
_ID_FIELDS = ("eprint", "journal", "url", "note", "volume", "howpublished")
_LATEX = LatexNodes2Text(math_mode="verbatim")


@dataclass
class BibEntry:
    key: str
    type: str
    line: int  # 1-based line of '@type{key,'
    end_line: int
    fields: dict[str, str]
    title: str = ""
    authors: list[str] = field(default_factory=list)
    arxiv: str = ""
    raw: str = ""

    def field_line(self, name: str) -> int:
        """1-based line where ``name =`` is written, else the entry's first line."""
        pattern = re.compile(rf"^\s*{re.escape(name)}\s*=", re.I)
        lines = self.raw.splitlines()
        return self.line + next((i for i, ln in enumerate(lines) if pattern.match(ln)), 0)


@dataclass
class BibFile:
    path: str
    entries: list[BibEntry]

    def entry_at(self, line: int) -> BibEntry | None:
        return next((e for e in self.entries if e.line <= line <= e.end_line), None)


def latex_text(value: str) -> str:
    text = _LATEX.latex_to_text(value) if re.search(r"[\\{}$]", value) else value
    return " ".join(text.split())


def split_authors(value: str) -> list[str]:
    """'Chen, Boyuan and Du, Yilun' -> ['Boyuan Chen', 'Yilun Du'] (splits at depth-0 'and')."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\sand\s", value):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start:match.start()])
            start = match.end()
    names.append(value[start:])
    if len(names) == 1 and value.count(",") >= 2:  # 'A B, C D, E F': commas used for 'and'
        names = value.split(",")
    out = []
    for raw in names:
        name = latex_text(raw)
        if name.lower() == "others" or not name:
            continue
        last, sep, first = name.partition(",")
        out.append(f"{first.strip()} {last.strip()}" if sep and "," not in first else name)
    return out


def _arxiv_of(fields: dict[str, str]) -> tuple[str, str]:
    """(bare id, field it was read from) of the arXiv id an entry states, or ("", "")."""
    for name in _ID_FIELDS:
        value = fields.get(name, "")
        if name == "eprint" or "arxiv" in value.lower():
            match = _ID_RE.search(value)
            if match:
                return match.group(1), name
    return "", ""


def parse_bibtex(text: str, path: str) -> tuple[BibFile, list[Finding]]:
    # bibtexparser logs each block it cannot parse; those become defects below instead
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(text)
    defects: list[Finding] = []
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            defects.append(Finding(path, line, f"cite key {block.key} used twice",
                                   "give each entry its own key", kind="duplicate"))
        else:
            error = getattr(block, "error", None)
            reason = " ".join(str(getattr(error, "abort_reason", "") or error or "").split())[:120]
            defects.append(Finding(path, line, f"entry cannot be parsed: "
                                   f"{reason or 'syntax error'}", "check braces, commas and '='",
                                   kind="bibtex-syntax"))
    entries = []
    for block in library.entries:
        fields = {f.key.lower(): str(f.value) for f in block.fields}
        start = block.start_line + 1
        entry = BibEntry(block.key, block.entry_type.lower(), start,
                         start + block.raw.rstrip().count("\n"), fields,
                         title=latex_text(fields.get("title", "")),
                         authors=split_authors(fields.get("author", "")),
                         arxiv=_arxiv_of(fields)[0], raw=block.raw)
        entries.append(entry)
        defects += _entry_defects(entry, path)
    seen: dict[str, BibEntry] = {}
    for entry in entries:
        for ident in filter(None, (entry.arxiv, normalise_title(entry.title))):
            if ident in seen:
                defects.append(Finding(path, entry.line, f"{entry.key} repeats "
                                       f"{seen[ident].key} (line {seen[ident].line})",
                                       "keep one entry", kind="duplicate"))
                break
            seen[ident] = entry
    return BibFile(path, entries), defects


def _entry_defects(entry: BibEntry, path: str) -> list[Finding]:
    out = []
    if not entry.title:
        out.append(Finding(path, entry.line, f"{entry.key} has no title", "add title={...}",
                           kind="bibtex-entry"))
    author = entry.fields.get("author", "")
    if not author:
        out.append(Finding(path, entry.line, f"{entry.key} has no author",
                           "add author={Last, First and ...}", kind="bibtex-entry"))
    elif " and " not in author and author.count(",") >= 2:
        out.append(Finding(path, entry.field_line("author"),
                           f"{entry.key} separates authors with commas",
                           "separate authors with ' and '", kind="bibtex-authors"))
    if re.search(r"\sand\s+others\s*$", author):
        out.append(Finding(path, entry.field_line("author"), f"{entry.key} cuts "
                           "its author list with 'and others'", "list every author",
                           kind="bibtex-authors"))
    for name in entry.authors:
        # 'Ming-HsuanYang', 'XIndi Zhang': two names run together, or a stray capital
        if re.search(r"[a-z]{2}[A-Z][a-z]{2}|\b[A-Z]{2}[a-z]", name):
            out.append(Finding(path, entry.field_line("author"), f"{entry.key}: "
                               f"unusual capitals in '{name}'", "check the name on the paper",
                               kind="bibtex-authors"))
    arxiv_id, arxiv_field = _arxiv_of(entry.fields)
    if arxiv_id and re.search(rf"{re.escape(arxiv_id)}v\d+", entry.fields[arxiv_field]):
        out.append(Finding(path, entry.field_line(arxiv_field), f"{entry.key} "
                           f"gives arXiv {arxiv_id} with a version suffix", f"write {arxiv_id}",
                           kind="arxiv-link"))
    if not arxiv_id and any("arxiv" in v.lower() for v in entry.fields.values()):
        out.append(Finding(path, entry.line, f"{entry.key} mentions arXiv but gives no arXiv id",
                           "add eprint={<id>} and archivePrefix={arXiv}", kind="bibtex-entry"))
    url = entry.fields.get("url", "")
    if url and not re.match(r"^https://\S+$", url.strip()):
        out.append(Finding(path, entry.field_line("url"),
                           f"{entry.key} url is not an https URL: '{url}'",
                           "put the arXiv id in eprint= and a link in url=", kind="bibtex-entry"))
    if "year" not in entry.fields:
        out.append(Finding(path, entry.line, f"{entry.key} has no year", "add year={...}",
                           kind="bibtex-entry"))
    return out


def drafts(bib: BibFile) -> list[dict]:
    """Draft records from .bib entries: title, authors, arXiv id and month; no section."""
    records: dict[str, dict] = {}
    seen: set[str] = set()
    for entry in bib.entries:
        idents = {entry.arxiv, normalise_title(entry.title)} - {""}
        if not entry.title or idents & seen:
            continue
        seen |= idents
        name = propose_name(entry.title)
        key = unique_key(slug(name), set(records))
        records[key] = {"draft": "imported from a .bib file: choose its section, check every "
                                 "field against the paper, then delete this line",
                        "line": entry.line,  # for reports about the draft; not a record field
                        "key": key, "name": name, "title": entry.title, "authors": entry.authors,
                        "date": month_of(entry.arxiv) if entry.arxiv else "",
                        "arxiv": entry.arxiv or None, "links": {}, "section": "",
                        "tags": [], "builds_on": []}
    return list(records.values())
