"""Load the catalog: papers/*.yaml + catalog/taxonomy.yaml + reproductions/*/card.yaml.

Loading never stops at the first bad file: every problem becomes a ``Finding`` with a file and
a line, and the records that did load are returned. YAML is read with the safe loader only
(a ``!!python`` tag is an error, never executed), files above ``MAX_BYTES`` are refused unread.
A record's text is searched for hidden characters (U+202E and the like) before it is parsed
into fields, so each one is reported at its exact line and column.
"""
from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .model import Benchmark, Catalog, Paper, Source, Taxonomy

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 64 * 1024  # a paper record is a few hundred bytes; 64 KB leaves room for BibTeX
DRAFT_FIELD = "draft"  # marks a drafted record that a person has not confirmed yet


@functools.total_ordering
@dataclass(frozen=True)
class Finding:
    """One problem, with its file and line: printed as ``path:line: message (fix)``, or as
    ``path:line: kind: message (fix)`` when it has a kind (every importer finding has one).

    Findings sort by path, line, kind, message, fix: a line's findings group by kind, though
    kind is the last field (so that ``Finding(path, line, message, fix)`` need not name it)."""

    path: str
    line: int
    message: str
    fix: str = ""
    kind: str = ""

    def __str__(self) -> str:
        kind = f"{self.kind}: " if self.kind else ""
        fix = f" ({self.fix})" if self.fix else ""
        return visible(f"{self.path}:{self.line}: {kind}{self.message}{fix}")

    def _sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.path, self.line, self.kind, self.message, self.fix)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self._sort_key() < other._sort_key()


# --- invisible characters -------------------------------------------------------------------

# A character that is not ordinary whitespace and shows nothing, or changes how the text around
# it shows: a format character (Cf: the bidirectional controls U+202A-U+202E and U+2066-U+2069,
# U+200E, U+200F, U+061C, the zero-width U+200B-U+200D, U+2060 and U+FEFF, the soft hyphen,
# the tag characters), a line or paragraph separator (Zl, Zp) or a control character (Cc).
_HIDDEN_CATEGORIES = ("Cf", "Cc", "Zl", "Zp")


def is_hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN_CATEGORIES and char not in "\t\n\r"


# A character that may be hidden, or a YAML escape that may write one (\u202e, \U0001F600, \x85).
_SUSPECT = re.compile(r"[^\t\n\r\x20-\x7e]|\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}"
                      r"|U00(?:0[0-9a-fA-F]|10)[0-9a-fA-F]{4})")


def visible(text: str) -> str:
    """``text`` with each hidden character written as its escape (U+202E as \\u202e)."""
    return "".join(ascii(c)[1:-1] if is_hidden(c) else c for c in text)


def hidden_characters(text: str, rel: str, lines: dict[str, int]) -> list[Finding]:
    """One finding per hidden character in a record's text, written as itself or as an escape,
    with its line, its column and the field it is in: the last of ``lines`` (field -> line)
    that starts on or above it."""
    findings = []
    for match in _SUSPECT.finditer(text):
        written = match[0]
        char = written if len(written) == 1 else chr(int(written[2:], 16))
        if not is_hidden(char):
            continue
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - text.rfind("\n", 0, match.start())
        fields = [f for f, n in lines.items() if f and n <= line]
        where = f" in field '{max(fields, key=lines.__getitem__)}'" if fields else ""
        how = f", written as {written}," if written != char else ""
        findings.append(Finding(rel, line, f"invisible character U+{ord(char):04X} "
                                f"{unicodedata.name(char, '<control>')}{how} at column {column}"
                                f"{where}", "delete it: an invisible character can hide text or "
                                "reverse how it reads"))
    return findings


# libyaml's parser when PyYAML was built with it (about 10x faster); the safe constructor either way.
_BaseSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseSafeLoader):
    """Safe loader that refuses a mapping with the same key twice (YAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) \
                else self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate field {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    # Tag resolution, called by the parser for every node: a quoted scalar, or a plain one whose
    # first character starts no implicit type (int, float, bool, null, date...), is a string.
    # Same tags as the base resolver, without its per-node Python work. No path resolvers.
    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0] and (not value or value[0] in self.yaml_implicit_resolvers):
                return super().resolve(kind, value, implicit)
            return _STR
        return _MAP if kind is yaml.MappingNode else _SEQ

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def construct_plain(self, node, memo: dict | None = None):
        """Data from a node tree, fast: plain strings, mappings with string keys and sequences
        are built here; everything else (numbers, dates, merge keys, any other tag, which the
        safe constructor refuses) goes through the safe constructor. Shared nodes (aliases)
        stay shared, so an alias bomb costs no more than its text; a recursive one is refused."""
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):  # most nodes: first
            return node.value
        memo = {} if memo is None else memo
        if id(node) in memo:
            if memo[id(node)] is _BUILDING:
                raise yaml.constructor.ConstructorError(
                    None, None, "recursive alias", node.start_mark)
            return memo[id(node)]
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP \
                and all(k.tag == _STR for k, _ in node.value):
            memo[id(node)] = _BUILDING
            out = {}
            for key_node, value_node in node.value:
                if key_node.value in out:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate field {key_node.value!r}", key_node.start_mark)
                out[key_node.value] = self.construct_plain(value_node, memo)
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            memo[id(node)] = _BUILDING
            out = [self.construct_plain(item, memo) for item in node.value]
        else:
            out = self.construct_document(node)
        memo[id(node)] = out
        return out


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq"))
_BUILDING = object()


def _read_text(path: Path, rel: str) -> str:
    """The file's text: a plain file (not a link), at most MAX_BYTES, UTF-8. One open, one
    fstat, one read: this runs once per record."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as err:
        if path.is_symlink():
            raise LoadError(Finding(rel, 1, "is a symbolic link",
                                    "commit the record as a plain file")) from err
        raise LoadError(Finding(rel, 1, f"cannot be read ({err.strerror})", "")) from err
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(fd).st_size
        if size > MAX_BYTES:
            raise LoadError(Finding(rel, 1, f"file is {size} bytes, over the {MAX_BYTES}-byte "
                                    "limit", "a paper record is a few lines; remove the bulk"))
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:  # grew since fstat, or not a regular file
        raise LoadError(Finding(rel, 1, f"file is over the {MAX_BYTES}-byte limit",
                                "a paper record is a few lines; remove the bulk"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise LoadError(Finding(rel, 1, f"not UTF-8 text ({err.reason})", "save the file as UTF-8"))


def read_yaml(path: Path, rel: str) -> tuple[object, dict[str, int]]:
    """Parse one YAML file safely; return (data, top-level field -> line).

    Raises ``LoadError`` carrying a Finding on any problem."""
    return parse_yaml(_read_text(path, rel), rel)


def parse_yaml(text: str, rel: str) -> tuple[object, dict[str, int]]:
    """``read_yaml`` of a file's text, ``rel`` naming the file in findings."""
    try:
        loader = _UniqueKeyLoader(text)
        try:  # parse once: the node gives the field lines, the same node gives the data
            node = loader.get_single_node()
            data = loader.construct_plain(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(str(err.problem or err.context or "invalid YAML").split())
        fix = "only plain YAML is accepted: no tags such as !!python" if "tag" in problem \
            else "fix the YAML syntax"
        raise LoadError(Finding(rel, line, f"YAML error: {problem}", fix))
    except yaml.YAMLError as err:
        raise LoadError(Finding(rel, 1, f"YAML error: {err}", "fix the YAML syntax"))
    lines = {"": 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            lines[str(key_node.value)] = key_node.start_mark.line + 1
            if str(key_node.value) in DEEP_FIELDS:  # results.0.setting.steps and the like
                _nested_lines(value_node, str(key_node.value), lines)
            elif isinstance(value_node, yaml.MappingNode):  # links.code and the like
                for sub_key, _ in value_node.value:
                    lines[f"{key_node.value}.{sub_key.value}"] = sub_key.start_mark.line + 1
    return data, lines


# Fields whose every nested key and list item gets its own line (``results.0.value``): a finding
# about one number points at that number's line. Other fields keep two levels (fast path).
DEEP_FIELDS = ("results", "compute", "open")


def _nested_lines(node, path: str, lines: dict[str, int], depth: int = 0) -> None:
    if depth > 8:  # records are shallow; a deeper node is reported by the schema anyway
        return
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            sub = f"{path}.{key_node.value}"
            lines[sub] = key_node.start_mark.line + 1
            _nested_lines(value_node, sub, lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            sub = f"{path}.{index}"
            lines[sub] = item.start_mark.line + 1
            _nested_lines(item, sub, lines, depth + 1)


class LoadError(Exception):
    def __init__(self, finding: Finding):
        super().__init__(str(finding))
        self.finding = finding


# The fix for an unknown key inside a part of a record: the keys that part allows.
_ALLOWED = {"setting": "resolution, frames, steps, prompts, dataset, seeds, note",
            "throughput": "fps, hardware, resolution, note, source",
            "latency": "seconds, hardware, note, source",
            "memory": "gb, hardware, note, source",
            "training": "hardware, gpu_hours, note, source",
            "compute": "parameters_b, base_model, source, throughput, latency, memory, training",
            "open": "code, weights, licence, source",
            "results": "benchmark, value, setting, source"}


def _allowed_keys(loc: list[str]) -> str:
    """The allowed keys of the part an unknown key sits in, e.g. setting's."""
    for part in reversed(loc[:-1]):
        if part in _ALLOWED:
            return f"{part} allows only {_ALLOWED[part]}; see CONTRIBUTING.md"
    return "see CONTRIBUTING.md for the allowed fields"


def _schema_findings(rel: str, lines: dict[str, int], err: ValidationError) -> list[Finding]:
    out = []
    source = Source(rel, lines)
    for e in err.errors():
        loc = [str(x) for x in e["loc"]]
        where = ".".join(loc) or "record"
        line = source.line(where) if loc else 1
        if e["type"] == "extra_forbidden":
            msg, fix = f"unknown field '{where}'", _allowed_keys(loc)
        elif e["type"] in ("float_type", "finite_number"):
            msg = f"field '{where}' must be a number, got {e['input']!r}"
            fix = "write the number alone, e.g. 84.31: the unit is the benchmark's or the field's"
        elif e["type"] == "literal_error" and loc[-1] == "prompts":
            msg, fix = f"field '{where}' must be original or extended, got {e['input']!r}", \
                "original: the benchmark's prompts as published; extended: rewritten prompts"
        elif e["type"] == "missing":
            msg, fix = f"missing field '{where}'", f"add '{loc[-1]}:'"
        elif e["type"] == "string_pattern_mismatch":
            msg = f"field '{where}' has a bad format"
            fix = {"key": "lowercase letters, digits and single hyphens",
                   "date": "write YYYY-MM, e.g. 2024-07",
                   "arxiv": "write the bare id, e.g. 2407.01392 (no 'v2', no URL)",
                   "resolution": "write width x height in pixels, e.g. 832x480",
                   "licence": "write the SPDX id the repository states, e.g. Apache-2.0",
                   "url": "only https:// links are accepted",
                   }.get(loc[-1] if loc[-1] in ("resolution", "licence", "url") else loc[0], "")
        else:
            msg, fix = f"field '{where}': {e['msg'].removeprefix('Value error, ')}", ""
        out.append(Finding(rel, line, msg, fix))
    return out


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    path = path or ROOT / "catalog" / "taxonomy.yaml"
    data, _ = read_yaml(path, str(path))
    return Taxonomy.from_dict(data)


def load_benchmarks(path: Path, rel: str) -> tuple[dict[str, Benchmark], list[Finding]]:
    """The benchmark vocabulary (catalog/benchmarks.yaml): key -> Benchmark, in file order."""
    try:
        data, lines = read_yaml(path, rel)
    except LoadError as err:
        return {}, [err.finding]
    entries = data.get("benchmarks") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}, [Finding(rel, 1, "no 'benchmarks:' mapping", "write benchmarks: {<key>: {...}}")]
    benchmarks, findings = {}, []
    for key, entry in entries.items():
        try:
            benchmarks[str(key)] = Benchmark.model_validate(
                {"key": key, **(entry if isinstance(entry, dict) else {})})
        except ValidationError as err:
            findings += [Finding(rel, lines.get(f"benchmarks.{key}", 1), f.message, f.fix)
                         for f in _schema_findings(rel, {}, err)]
    return benchmarks, findings


def load_paper(path: Path, rel: str) -> tuple[Paper | None, Source, list[Finding]]:
    """The record, where its fields are, and its problems. A record whose only problems are
    hidden characters still loads: they are findings, and the other checks still see it."""
    source = Source(rel, {"": 1})
    try:
        text = _read_text(path, rel)
    except LoadError as err:
        return None, source, [err.finding]
    try:
        data, lines = parse_yaml(text, rel)
    except LoadError as err:  # a hidden line break (U+2028) may be what broke the YAML: say so
        return None, source, hidden_characters(text, rel, {}) + [err.finding]
    source = Source(rel, lines)
    hidden = hidden_characters(text, rel, lines)
    if not isinstance(data, dict):
        return None, source, hidden + [Finding(rel, 1, "a paper record must be a YAML mapping",
                                               "start with 'key: <file name>'")]
    if DRAFT_FIELD in data:  # written by awm discover / awm import: not a record until confirmed
        note = " ".join(str(data[DRAFT_FIELD]).split())[:300]
        return None, source, hidden + [Finding(
            rel, lines.get(DRAFT_FIELD, 1), f"draft, not yet a record: {note}",
            f"check every field against the paper, then delete the '{DRAFT_FIELD}:' line")]
    # YAML reads 2024-07-01 as a date and 2024 as int: say what to write instead of crashing.
    if "date" in data and not isinstance(data["date"], str):
        return None, source, hidden + [Finding(
            rel, lines.get("date", 1), f"field 'date' must be a YYYY-MM string, got "
            f"{data['date']!r}", "write e.g. date: \"2024-07\"")]
    if "arxiv" in data and isinstance(data["arxiv"], (int, float)):
        return None, source, hidden + [Finding(
            rel, lines.get("arxiv", 1), "field 'arxiv' must be a quoted string",
            f"write arxiv: \"{data['arxiv']}\" with quotes")]
    try:
        return Paper.model_validate(data), source, hidden
    except ValidationError as err:
        return None, source, hidden + _schema_findings(rel, lines, err)


def load_reproductions(root: Path) -> tuple[dict[str, dict], list[Finding]]:
    """Reproduction cards keyed by paper key, with the latest result record when present."""
    cards, findings = {}, []
    for card_path in sorted((root / "reproductions").glob("*/card.yaml")):
        rel = card_path.relative_to(root).as_posix()
        try:
            card, lines = read_yaml(card_path, rel)
        except LoadError as err:
            findings.append(err.finding)
            continue
        if not isinstance(card, dict) or not card.get("paper"):
            findings.append(Finding(rel, 1, "card has no 'paper' field", "name the paper key"))
            continue
        card = dict(card, folder=card_path.parent.name, path=rel, paper_line=lines.get("paper", 1))
        results = {}
        for res in sorted((card_path.parent / "results").glob("*.json")):
            try:
                results[res.stem] = json.loads(res.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                findings.append(Finding(res.relative_to(root).as_posix(), 1,
                                        f"unreadable result record: {err}", "rerun the reproduction"))
        card["results"] = results
        cards[card["paper"]] = card
    return cards, findings


def load_catalog(root: Path | None = None, papers_dir: Path | None = None) -> Catalog:
    """Load everything under ``root`` (the repository by default)."""
    root = Path(root or ROOT)
    papers_dir = Path(papers_dir or root / "papers")
    taxonomy = load_taxonomy(root / "catalog" / "taxonomy.yaml"
                             if (root / "catalog" / "taxonomy.yaml").exists() else None)
    papers, sources, findings = {}, {}, []
    try:
        prefix = papers_dir.resolve().relative_to(root.resolve()).as_posix() + "/"
    except ValueError:
        prefix = papers_dir.as_posix() + "/"
    names = sorted(e.name for e in os.scandir(papers_dir)) if papers_dir.is_dir() else []
    for name in names:
        path, rel = papers_dir / name, prefix + name
        if not name.endswith(".yaml"):
            if path.is_file() or path.is_symlink():
                findings.append(Finding(rel, 1, "not a .yaml file",
                                        "paper records are named <key>.yaml"))
            continue
        paper, source, problems = load_paper(path, rel)
        findings += problems
        if paper is None:
            sources.setdefault(name[:-5], source)
        elif paper.key in papers:  # two files, one key: the first (by file name) keeps it
            sources[f"{paper.key}@{name[:-5]}"] = source
            findings.append(Finding(rel, source.line("key"), f"key '{paper.key}' is already used by "
                                    f"{sources[paper.key].path}", "choose another key"))
        else:
            papers[paper.key] = paper
            sources[paper.key] = source
    cards, card_findings = load_reproductions(root)
    vocabulary = root / "catalog" / "benchmarks.yaml"
    if not vocabulary.exists():  # a fixture catalog without its own: the repository's
        vocabulary = ROOT / "catalog" / "benchmarks.yaml"
    benchmarks, benchmark_findings = load_benchmarks(vocabulary, "catalog/benchmarks.yaml")
    papers = dict(sorted(papers.items()))
    return Catalog(papers, taxonomy, sources, cards, findings + card_findings + benchmark_findings,
                   benchmarks)
