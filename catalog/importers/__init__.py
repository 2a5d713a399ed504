"""Importers: turn an arXiv id, an awesome-list README or a .bib file into draft paper records.

Every importer returns drafts (plain dicts in the field order of ``catalog.model.Paper``) and
the defects it met in its input, one ``catalog.loader.Finding`` each with its kind set, printed
as ``FILE:LINE: <kind>: <message> (<fix>)``. Drafts are proposals: a field the input does not
state stays empty, and a contributor (or ``awm check``) says what is still missing.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

MAX_INPUT_BYTES = 5 * 1024 * 1024  # the upstream README is 67 KB; a 50 MB "list" is refused unread
# ``draft`` first, where a reader sees it: a record that carries it is refused by the loader.
FIELD_ORDER = ("draft", "key", "name", "title", "authors", "date", "venue", "arxiv", "links",
               "section", "tags", "builds_on", "summary")


class InputError(Exception):
    """The input cannot be imported at all (unreadable, too large, not text)."""


def read_input(path: Path) -> str:
    """Read an input file as UTF-8 text, refusing anything too large to be a paper list."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    if size > MAX_INPUT_BYTES:
        raise InputError(f"{path}: {size} bytes, over the {MAX_INPUT_BYTES}-byte limit "
                         "for an input")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None


def fold(text: str) -> str:
    """ASCII-fold and lower-case: 'Martí Monsó' -> 'marti monso'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def slug(text: str, max_words: int = 6) -> str:
    """A record key from a name or title: lowercase ASCII words joined by single hyphens."""
    text = fold(text).replace("++", " plus plus ").replace("+", " plus ")
    words = re.findall(r"[a-z0-9]+", text)
    return "-".join(words[:max_words])


def propose_name(title: str) -> str:
    """The short name of a paper from its title: the part before a colon when it is short
    ('Self Forcing: Bridging ...' -> 'Self Forcing'), else the whole title."""
    head, sep, _ = title.partition(":")
    if sep and 0 < len(head.split()) <= 4:
        return head.strip()
    name = " ".join(title.split())
    if len(name) > 80:  # the schema's limit for a list name: cut at a word where there is one
        name = name[:81].rsplit(" ", 1)[0][:80]
    return name


def unique_key(base: str, taken: set[str]) -> str:
    key, n = base or "paper", 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def dump_record(record: dict) -> str:
    """YAML text of a draft: known fields in schema order, empty ones left out."""
    ordered = {name: record[name] for name in FIELD_ORDER
               if name in record and record[name] not in (None, "", [], {})}
    if "links" in ordered:
        ordered["links"] = {k: v for k, v in ordered["links"].items() if v}
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)
