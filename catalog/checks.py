"""Semantic checks over the loaded catalog: one ``Finding`` per problem, with its file and line.

Schema and types are checked while loading (loader.py), and so are unique keys (a second record
with a taken key is not loaded) and hidden characters (in the file's text); what needs the whole
catalog or a rule beyond a field's type lives here. Every check is a function
``(catalog, today) -> findings`` listed in ``CHECKS``; ``run_checks`` runs them all. No check
reads a file.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import defaultdict
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from pydantic import BaseModel

from .loader import Finding
from .model import KEY_PATTERN, Catalog, Paper, lookalikes, normalise_title

Check = Callable[[Catalog, dt.date], Iterable[Finding]]


def _at(catalog: Catalog, key: str, field: str, message: str, fix: str = "") -> Finding:
    source = catalog.sources[key]
    return Finding(source.path, source.line(field), message, fix)


# --- identity -------------------------------------------------------------------------------

def check_key_matches_file(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    for key in catalog.papers:
        stem = catalog.sources[key].path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if stem != key:
            yield _at(catalog, key, "key", f"key '{key}' differs from the file name '{stem}.yaml'",
                      f"rename the file to {key}.yaml or write key: {stem}")


def _code_url(url: str) -> str:
    """A code URL as compared for duplicates: host and path, lower case, no '.git' or '/'."""
    parts = urlsplit(url.lower())
    return parts.netloc.removeprefix("www.") + "/" + parts.path.strip("/").removesuffix(".git")


def _related(a: Paper, b: Paper) -> bool:
    return a.key in b.builds_on or b.key in a.builds_on


def _never(a: Paper, b: Paper) -> bool:
    return False


# (field a finding points at, how it reads, its raw value, the value compared, when sharing it is
# fine). A successor often lives in its predecessor's repository, so a shared code URL is fine
# between papers linked by builds_on; an arXiv id, a title or a name is never shared.
_IDENTITIES = [
    ("arxiv", "arXiv id", lambda p: p.arxiv, str, _never),
    ("title", "title", lambda p: p.title, normalise_title, _never),
    ("name", "name", lambda p: p.name, normalise_title, _never),
    ("links.code", "code URL", lambda p: p.links.code, _code_url, _related),
]


def check_duplicates(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    """Two records for one paper: same arXiv id, same normalised title or name (which reads
    look-alike letters of other scripts as the Latin ones) or same code URL. Records are
    visited in key order; each one that repeats an earlier value gets a finding."""
    for field, what, raw, normalise, shared_ok in _IDENTITIES:
        earlier: dict[str, list[Paper]] = defaultdict(list)
        for key, paper in catalog.papers.items():
            value = raw(paper)
            if not value:
                continue
            compared = normalise(value)
            if not compared:  # a title of no letters or digits identifies nothing here
                continue
            group = earlier[compared]
            if group and not any(shared_ok(paper, other) for other in group):
                read = ", ".join(lookalikes(value + raw(group[0])))
                read = f"; look-alike letters read as Latin: {read}" if read else ""
                yield _at(catalog, key, field,
                          f"same {what} as {catalog.sources[group[0].key].path}: {value!r}{read}",
                          "one paper, one record: merge the two files")
            group.append(paper)


# --- field formats ----------------------------------------------------------------------------

def check_arxiv_id(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    """The pattern is in the schema; here: a real month, and 4 digits before 2015, 5 after."""
    for key, paper in catalog.papers.items():
        if not paper.arxiv:
            continue
        yymm, number = paper.arxiv.split(".")
        month = int(yymm[2:])
        digits = 5 if yymm >= "1501" else 4
        if not 1 <= month <= 12:
            yield _at(catalog, key, "arxiv", f"arXiv id '{paper.arxiv}' has no month {yymm[2:]}",
                      "copy the id from the paper's arxiv.org page")
        elif len(number) != digits:
            yield _at(catalog, key, "arxiv",
                      f"arXiv id '{paper.arxiv}' should have {digits} digits after the dot",
                      "copy the id from the paper's arxiv.org page")


def check_dates(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    now = f"{today.year:04d}-{today.month:02d}"
    for key, paper in catalog.papers.items():
        if paper.date > now:
            yield _at(catalog, key, "date", f"date {paper.date} is in the future (today is {now})",
                      "write the month of the first public version")
        elif paper.arxiv:
            posted = f"20{paper.arxiv[:2]}-{paper.arxiv[2:4]}"
            if paper.date > posted:
                yield _at(catalog, key, "date", f"date {paper.date} is later than the arXiv "
                          f"posting {posted}", f"date is the first public version: write {posted}"
                          " or earlier")


# --- links ------------------------------------------------------------------------------------

def _link_rules(field: str, host: str, path: str) -> tuple[str, str] | None:
    """The (problem, fix) of a well-formed https link placed in the wrong field, if any."""
    github_repo = host == "github.com" and len(path.strip("/").split("/")) >= 2
    if host == "arxiv.org" and field in ("project", "code", "weights"):
        return f"an arxiv.org link is not a {field} link", "put the id in 'arxiv' instead"
    if field == "code" and host == "github.com" and not github_repo:
        return "the code link is a GitHub profile, not a repository", \
            "link the repository: https://github.com/<owner>/<repo>"
    if field == "code" and host.endswith(".github.io"):
        return "a github.io page is a project page, not code", "move it to links.project"
    if field == "project" and github_repo:  # (weights may be a repository's release assets)
        return "a GitHub repository is not a project link", "move it to links.code"
    return None


_URL_CHARS = re.compile(r"^[!#-;=?-\[\]_a-z~%]+$", re.IGNORECASE)  # printable, no space<>"\^`{|}


def _url_problem(where: str, url: str) -> tuple[str, str] | None:
    """(problem, fix) when ``url`` is not a well-formed https URL."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        scheme = f"'{parts.scheme}:'" if parts.scheme else "no scheme"
        return f"{where} is not an https link ({scheme}): {url!r}", \
            "only https:// links are accepted"
    if not parts.netloc or not _URL_CHARS.match(url):
        return f"{where} is not a well-formed URL: {url!r}", \
            "write a plain https://host/path URL; encode spaces as %20"
    return None


def check_links(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    for key, paper in catalog.papers.items():
        for field, url in paper.links.all():
            where = f"links.{field}"
            parts = urlsplit(url)
            if problem := _url_problem(where, url):
                yield _at(catalog, key, where, *problem)
            elif rule := _link_rules(field, parts.netloc.lower().removeprefix("www."),
                                     parts.path):
                yield _at(catalog, key, where, f"{where}: {rule[0]}", rule[1])


# --- free text ------------------------------------------------------------------------------

# Markup in a free-text field, by what a browser would act on: a tag opens with '<' and a
# letter, '/', '!' or '?' right after it ("a < b" is text), an event handler is 'on' and three
# or more letters before '=' (the shortest, oncut, has three: "one = two" is text), a script URL
# has no space after its colon ("JavaScript: a study" is text), a character reference ends with
# ';' unless numeric ("Q&A", "AT&T" are text). Pages show every field as the text it is, so
# markup would only ever show as its own source; in a record it is a mistake or an attack.
_MARKUP = re.compile(r"""
      (?P<tag> <(?:/?[a-z]|!|\?)[^<>]*> )
    | (?P<handler> \bon[a-z]{3,}\s*= )
    | (?P<url> \b(?:javascript|vbscript|data):\S+ )
    | (?P<reference> &(?:\#[0-9]+;?|\#x[0-9a-f]+;?|[a-z][a-z0-9]*;) )
""", re.IGNORECASE | re.VERBOSE)

_PLAIN = "write plain text: pages show a field as text, never as HTML"
_MARKUP_KINDS = {  # group -> (what it is, the fix)
    "tag": ("an HTML tag", _PLAIN),
    "handler": ("an HTML event handler", _PLAIN),
    "url": ("a script URL", "remove it: links go under links:, as https:// URLs"),
    "reference": ("an HTML character reference", "write the character itself"),
}

_FREE_TEXT = ("name", "title", "authors", "venue", "summary", "bibtex")


def _texts(paper: Paper, field: str) -> list[str]:
    value = getattr(paper, field)
    return value if isinstance(value, list) else [value] if value else []


def check_markup(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    """HTML, script URLs and character references in the free-text fields: one finding per
    value (an author, the title...), naming the first piece of markup in it."""
    for key, paper in catalog.papers.items():
        texts = [(field, text) for field in _FREE_TEXT for text in _texts(paper, field)]
        for field, text in texts + _knowledge_texts(paper):
            if match := _MARKUP.search(text):
                what, fix = _MARKUP_KINDS[match.lastgroup]
                shown = match[0] if len(match[0]) <= 40 else match[0][:37] + "..."
                yield _at(catalog, key, field, f"field '{field}' has {what}: {shown!r}", fix)


def _knowledge_texts(paper: Paper) -> list[tuple[str, str]]:
    """(field path, text) of every free text in results, compute and open (sources, notes,
    hardware, datasets, the base model's name, the licence)."""
    def strings(prefix: str, part) -> list[tuple[str, str]]:
        if part is None:
            return []
        out = []
        for name, value in part:
            if isinstance(value, str) and name not in ("code", "weights"):  # links: check_open
                out.append((f"{prefix}.{name}", value))
            elif isinstance(value, BaseModel):  # a nested part: setting, throughput...
                out += strings(f"{prefix}.{name}", value)
        return out
    texts = []
    for index, result in enumerate(paper.results):
        texts += strings(f"results.{index}", result)
    return texts + strings("compute", paper.compute) + strings("open", paper.open)


# --- taxonomy and lineage ---------------------------------------------------------------------

def _suggest(value: str, choices: Iterable[str], where: str) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f"did you mean '{close[0]}'? see {where}" if close else f"see {where}"


def check_taxonomy(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    sections, tags = catalog.taxonomy.sections, catalog.taxonomy.tags
    for key, paper in catalog.papers.items():
        if paper.section not in sections:
            yield _at(catalog, key, "section", f"unknown section '{paper.section}'",
                      _suggest(paper.section, sections, "the sections in catalog/taxonomy.yaml"))
        for tag in paper.tags:
            if tag not in tags:
                yield _at(catalog, key, "tags", f"unknown tag '{tag}'",
                          _suggest(tag, tags, "the tags in catalog/taxonomy.yaml, or add it there"))
        if len(set(paper.tags)) != len(paper.tags):
            yield _at(catalog, key, "tags", "a tag is listed twice", "list each tag once")


def check_builds_on(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    for key, paper in catalog.papers.items():
        for target in paper.builds_on:
            if target == key:
                yield _at(catalog, key, "builds_on", "builds_on names the paper itself",
                          "remove it from builds_on")
            elif target not in catalog.papers:
                yield _at(catalog, key, "builds_on", f"builds_on names '{target}', which has no "
                          "record", _suggest(target, catalog.papers, "papers/ for existing keys"))
        if len(set(paper.builds_on)) != len(paper.builds_on):
            yield _at(catalog, key, "builds_on", "a key is listed twice in builds_on",
                      "list each key once")
    for cycle in _cycles(catalog):
        yield _at(catalog, cycle[0], "builds_on",
                  "builds_on forms a cycle: " + " -> ".join(cycle + [cycle[0]]),
                  "a paper cannot build on its own successors; remove one edge")


def _cycles(catalog: Catalog) -> list[list[str]]:
    """One cycle per strongly connected component of the builds_on graph (Tarjan, iterative),
    starting at the component's smallest key."""
    graph = {k: sorted({t for t in p.builds_on if t in catalog.papers and t != k})
             for k, p in catalog.papers.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(graph[node]):
                work.append((node, i + 1))
                nxt = graph[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(set(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return [_cycle_through(min(c), c, graph) for c in sorted(components, key=min)]


def _cycle_through(start: str, members: set[str], graph: dict[str, list[str]]) -> list[str]:
    """The shortest path start -> ... -> start inside one component (breadth first)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in graph[node]:
                if nxt not in members:
                    continue
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                if nxt not in came_from:
                    came_from[nxt] = node
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return [start]  # unreachable for a real component


# --- results, compute, open (the knowledge-base fields) ---------------------------------------

_SOURCE_FIX = 'write where it was read, e.g. source: "arXiv 2506.08009, Table 1"'
_HARDWARE_FIX = 'name what it was measured on as the source gives it, e.g. hardware: "1x H100"'
# (part of compute, its number's field, the unit shown in messages); each needs a source, and
# the speed and memory parts a hardware: a frame rate without its GPU compares nothing.
_COMPUTE_PARTS = [("throughput", "fps", "frames per second", True),
                  ("latency", "seconds", "seconds", True),
                  ("memory", "gb", "GB", True),
                  ("training", "gpu_hours", "GPU-hours", False)]


def _range_text(low: float | None, high: float | None) -> str:
    def num(x: float) -> str:
        return f"{x:g}"
    if low is not None and high is not None:
        return f"{num(low)} to {num(high)}"
    return f"at least {num(low)}" if low is not None else f"at most {num(high)}"


def check_results(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    """Each reported number names a benchmark of the vocabulary, lies in its range and says
    where it was read."""
    vocabulary = catalog.benchmarks
    for key, paper in catalog.papers.items():
        for index, result in enumerate(paper.results):
            where = f"results.{index}"
            bench = vocabulary.get(result.benchmark)
            if bench is None:
                yield _at(catalog, key, f"{where}.benchmark",
                          f"{where}.benchmark: unknown benchmark '{result.benchmark}'",
                          _suggest(result.benchmark, vocabulary,
                                   "catalog/benchmarks.yaml, or add the benchmark there"))
            elif (bench.min is not None and result.value < bench.min) or \
                    (bench.max is not None and result.value > bench.max):
                unit = f" {bench.unit}" if bench.unit else ""
                yield _at(catalog, key, f"{where}.value",
                          f"{where}.value {result.value:g} is outside {bench.name}'s range "
                          f"({_range_text(bench.min, bench.max)}{unit})",
                          f"write the value on {bench.name}'s own scale, as the source reports it")
            if not result.source:
                yield _at(catalog, key, where, f"{where} ({result.benchmark}) has no source",
                          _SOURCE_FIX)


def _looks_like_key(text: str) -> bool:
    return re.fullmatch(KEY_PATTERN, text) is not None


def check_compute(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    """Every figure positive, with its source; speed and memory with their hardware; a
    base_model written like a catalog key names one."""
    for key, paper in catalog.papers.items():
        compute = paper.compute
        if compute is None:
            continue
        if compute.parameters_b is not None:
            if compute.parameters_b <= 0:
                yield _at(catalog, key, "compute.parameters_b", "compute.parameters_b "
                          f"{compute.parameters_b:g} is not a positive number of billions",
                          "write the parameter count in billions, e.g. 1.3")
            if not compute.source:
                yield _at(catalog, key, "compute.parameters_b",
                          "compute.parameters_b has no source",
                          'add compute.source: where the parameter count was read, e.g. '
                          '"official README, model zoo"')
        base = compute.base_model
        if base and _looks_like_key(base) and base not in catalog.papers:
            yield _at(catalog, key, "compute.base_model",
                      f"compute.base_model '{base}' is written like a catalog key but no record "
                      "has it", _suggest(base, catalog.papers, "papers/ for the keys; for a base "
                                         "outside the catalog write its name as the paper does, "
                                         "e.g. Wan2.1-T2V-1.3B"))
        elif base == key:
            yield _at(catalog, key, "compute.base_model", "compute.base_model names the paper "
                      "itself", "name the model its weights start from")
        for part, number, unit, needs_hardware in _COMPUTE_PARTS:
            figure = getattr(compute, part)
            if figure is None:
                continue
            where = f"compute.{part}"
            value = getattr(figure, number)
            if value is not None and value <= 0:
                yield _at(catalog, key, f"{where}.{number}", f"{where}.{number} {value:g} is "
                          f"not a positive number of {unit}", f"write the {unit} the source gives")
            if needs_hardware and not figure.hardware:
                yield _at(catalog, key, where, f"{where} has no hardware", _HARDWARE_FIX)
            if not figure.source:
                yield _at(catalog, key, where, f"{where} has no source", _SOURCE_FIX)


def check_open(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    """open.code and open.weights are well-formed https links."""
    for key, paper in catalog.papers.items():
        if paper.open is None:
            continue
        for field in ("code", "weights"):
            url = getattr(paper.open, field)
            if url and (problem := _url_problem(f"open.{field}", url)):
                yield _at(catalog, key, f"open.{field}", *problem)


# --- BibTeX override and reproduction cards ---------------------------------------------------

def check_bibtex_override(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    from .render.bibtex import override_problem  # the renderer owns the shape it can rewrite
    for key, paper in catalog.papers.items():
        if paper.bibtex and (problem := override_problem(paper.bibtex)):
            yield _at(catalog, key, "bibtex", f"bibtex override {problem}",
                      "write one entry: @type{anykey, title = {...}, ...}")


def check_reproduction_cards(catalog: Catalog, today: dt.date) -> Iterator[Finding]:
    for paper_key, card in sorted(catalog.reproductions.items()):
        if paper_key not in catalog.papers:
            yield Finding(card.get("path", "reproductions"), card.get("paper_line", 1),
                          f"card names paper '{paper_key}', which has no record",
                          _suggest(str(paper_key), catalog.papers, "papers/ for existing keys"))


CHECKS: list[Check] = [
    check_key_matches_file,
    check_duplicates,
    check_arxiv_id,
    check_dates,
    check_links,
    check_markup,
    check_taxonomy,
    check_builds_on,
    check_bibtex_override,
    check_reproduction_cards,
    check_results,
    check_compute,
    check_open,
]


def run_checks(catalog: Catalog, today: dt.date | None = None) -> list[Finding]:
    """Everything found while loading plus every check above, sorted by file and line."""
    today = today or dt.date.today()
    findings = list(catalog.load_findings)
    for check in CHECKS:
        findings.extend(check(catalog, today))
    return sorted(set(findings))
