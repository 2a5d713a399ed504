"""Read an awesome-list README: headings give sections, list items give papers.

An entry looks like

    * **Name**, "Full title". [![arXiv](<badge arXiv-2407.01392>)](https://arxiv.org/abs/2407.01392)
      [![Code](<badge>)](https://github.com/o/r) [![BibTeX](<badge>)](.../list.bib#L6-L13)

(one line in the file; wrapped here).

``parse_markdown`` returns one ``Entry`` per paper item and every defect met on the way; the
checks that need the list's .bib (anchors, papers missing from it) take the parsed .bib too.
``drafts`` turns the entries into draft records, with the corrected fact where the input
disagrees with itself and the .bib settles it.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

from ..loader import Finding
from ..model import Taxonomy, normalise_title
from . import propose_name, slug, unique_key
from .arxiv import ArxivRefError, id_problem, month_of, parse_ref
from .bibtex import BibEntry, BibFile

# Variation selectors (U+FE00-U+FE0F) only choose how the character before them is drawn: the
# star of '⭐️' is U+2B50 U+FE0F. They carry no text, so they are dropped before parsing.
VARIATION_RE = re.compile("[\ufe00-\ufe0f]")
HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET_RE = re.compile(r"^(\s*)([*+-])\s+(.*)$")
BADGE_RE = re.compile(r"\[!\[([^\]]*)\]\(([^)\s]*)\)\]\(([^)\s]*)\)")
LINK_RE = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]*)\)")
NAME_RE = re.compile(r"\*\*(.+?)\*\*")
TITLE_RE = re.compile(r"[\"“]([^\"”]+)[\"”]")
GITHUB_REPO_RE = re.compile(
    r"^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")
ANCHOR_RE = re.compile(r"^L(\d+)(?:-L(\d+))?$")
_STOP = {"and", "for", "the", "of", "a", "an", "via", "with", "ai", "post", "training"}
_LINK_KINDS = {"arxiv": "arxiv", "paper": "arxiv", "website": "project", "project": "project",
               "page": "project", "code": "code", "github": "code", "bibtex": "bibtex",
               "hugging face": "weights", "huggingface": "weights", "weights": "weights",
               "model": "weights", "models": "weights"}


@dataclass
class Entry:
    """One paper item of the list, as written (links already checked for safety)."""

    line: int
    end_line: int
    section: str  # "" under a heading that names no section of the taxonomy: guessed later
    name: str = ""
    title: str = ""
    badge_arxiv: str = ""  # the id written in the badge image text
    link_arxiv: str = ""  # the id in the badge's link
    links: dict[str, str] = field(default_factory=dict)  # project, code, weights
    other: list[str] = field(default_factory=list)
    anchor: tuple[int, int] | None = None  # BibTeX #Lx-Ly
    foreign_bibtex: str = ""  # a BibTeX link that is not an anchor into the list's .bib
    arxiv: str = ""  # resolved id (link, badge or .bib, see resolve_arxiv)
    bib: BibEntry | None = None  # its .bib entry, when the .bib was read
    heading: str = ""  # the heading it is listed under
    draft_note: str = ""  # what the draft still needs (a section), set by guess_sections


# ---------------------------------------------------------------- sections from headings

def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z]+", text.lower())
    return {w[:5] for w in words if w not in _STOP}


def match_heading(heading: str, taxonomy: Taxonomy,
                  area: str | None) -> tuple[str | None, str | None]:
    """(area, section) that a heading names: an area title, or the section of the current area
    whose title shares the most word stems (Jaccard); (area, None) for an unrelated heading."""
    words = _stems(re.sub(r"^[\d.\s]+", "", heading))
    for a in taxonomy.areas:
        if words and words == _stems(a["title"]):
            return a["id"], None
    best, best_score = None, 0.0
    for a in taxonomy.areas:
        if area and a["id"] != area:
            continue
        for sec in a["sections"]:
            theirs = _stems(sec.title)
            score = len(words & theirs) / len(words | theirs) if words | theirs else 0.0
            if score > best_score:
                best, best_score = sec.id, score
    return area, (best if best_score >= 0.25 else None)


# ---------------------------------------------------------------- list items

def _items(lines: list[str]):
    """Yield (first line, last line, text after the bullet, indent, marker) of list items;
    continuation lines are joined."""
    i = 0
    while i < len(lines):
        bullet = BULLET_RE.match(lines[i])
        if not bullet:
            i += 1
            continue
        start, parts = i, [bullet.group(3).strip()]
        i += 1
        while i < len(lines) and lines[i].strip() and not BULLET_RE.match(lines[i]) \
                and not HEADING_RE.match(lines[i]) and not lines[i].lstrip().startswith("<"):
            parts.append(lines[i].strip())
            i += 1
        yield start + 1, i, " ".join(parts), len(bullet.group(1).expandtabs(4)), bullet.group(2)


class _ListShape:
    """Open list levels of a section, to spot an item that leaves its list by accident: a
    bullet character other than its siblings' (Markdown starts a new list there) or an indent
    that matches no enclosing level."""

    def __init__(self):
        self.levels: list[tuple[int, str]] = []  # (indent, marker of the level's first item)

    def place(self, indent: int, marker: str) -> str:
        popped = False
        while self.levels and self.levels[-1][0] > indent:
            self.levels.pop()
            popped = True
        if self.levels and self.levels[-1][0] == indent:
            if self.levels[-1][1] != marker:
                return (f"'{marker}' bullet where its list uses '{self.levels[-1][1]}' "
                        "(Markdown starts a new list)", f"use '{self.levels[-1][1]}'")
            return ""
        self.levels.append((indent, marker))
        if popped:
            return (f"indented by {indent} space{'' if indent == 1 else 's'}, which matches no "
                    "enclosing list",
                    "indent it like its siblings")
        return ""


def _split(url: str) -> SplitResult:
    """urlsplit that never raises: a malformed URL (e.g. a stray '[') splits to nothing."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def _badge_message(image_url: str) -> str:
    """The message part of a shields.io badge: /badge/<label>-<message>-<colour>."""
    path = unquote(_split(image_url).path)
    if "/badge/" not in path:
        return ""
    parts = path.split("/badge/", 1)[1].rsplit(".", 1)[0].split("-")
    return "-".join(parts[1:-1]) if len(parts) >= 3 else ""


def _safe_link(url: str, path: str, line: int, defects: list[Finding]) -> bool:
    scheme = _split(url).scheme.lower()
    if scheme == "https":
        return True
    if scheme in ("javascript", "data", "vbscript", "file"):
        defects.append(Finding(path, line, f"{scheme}: link dropped: {url[:60]}",
                               "only https links are accepted", kind="unsafe-link"))
    elif scheme == "http":
        defects.append(Finding(path, line, f"plain http link dropped: {url}",
                               "use the https address", kind="unsafe-link"))
    else:
        defects.append(Finding(path, line, f"relative or unknown link dropped: {url[:60]}",
                               "write the full https URL", kind="unsafe-link"))
    return False


def _read_item(body: str, line: int, end: int, section: str, path: str,
               defects: list[Finding]) -> Entry | None:
    if BULLET_RE.match(body):
        defects.append(Finding(path, line, "double list bullet", "keep one '*' or '-'",
                               kind="markup"))
        body = BULLET_RE.match(body).group(3)
    badges = BADGE_RE.findall(body)
    name_match = NAME_RE.search(body)
    title_match = TITLE_RE.search(body)
    if not badges and not title_match:  # a group label such as "Long-term Memory:", a link
        shown = " ".join(LINK_RE.sub(r"\1", body).split())
        defects.append(Finding(path, line, f"not imported: '{shown[:60]}' is not a paper (no "
                               "quoted title, no badge)", "list a paper as **Name**, \"Title\" "
                               "with its badges", kind="skipped"))
        return None
    entry = Entry(line=line, end_line=end, section=section)
    if end > line:
        defects.append(Finding(path, line, f"entry split over lines {line}-{end}",
                               "write the entry on one line", kind="markup"))
    if name_match:
        entry.name = name_match.group(1).strip()
        if entry.name[-1:] in ":,.;":
            defects.append(Finding(path, line, f"punctuation inside the bold name "
                                   f"'{entry.name}'", "move it after the closing **",
                                   kind="markup"))
            entry.name = entry.name.rstrip(":,.; ")
    else:
        defects.append(Finding(path, line, "no bold **name**", "start with **Name**,",
                               kind="markup"))
    if title_match:
        entry.title = " ".join(title_match.group(1).split())
    else:
        defects.append(Finding(path, line, f"'{entry.name}' has no quoted title",
                               "add the full title in double quotes", kind="missing-title"))
    residue = LINK_RE.sub(" ", BADGE_RE.sub(" ", body))
    residue = NAME_RE.sub(" ", TITLE_RE.sub(" ", residue, count=1), count=1)
    residue = re.sub(r"^\s*(\[⭐\]\s*)?(\([^)]*\)\s*)*", "", residue)
    if re.search(r"[*_`\[\]]", residue):
        defects.append(Finding(path, line, f"stray markup '{' '.join(residue.split())}'",
                               "remove the stray characters", kind="markup"))
    for label, image, target in badges:
        kind = _LINK_KINDS.get(label.strip().lower(), "other")
        if kind == "bibtex":
            _read_anchor(entry, target, path, line, defects)
            continue
        if kind == "arxiv":
            _read_arxiv_badge(entry, image, target, path, line, defects)
            continue
        if not _safe_link(target, path, line, defects):
            continue
        if kind == "code":
            _read_code_link(entry, target, path, line, defects)
        elif kind in ("project", "weights") and kind not in entry.links:
            entry.links[kind] = target
        else:
            entry.other.append(target)
    for _label, target in LINK_RE.findall(BADGE_RE.sub(" ", body)):
        if _safe_link(target, path, line, defects):
            entry.other.append(target)
    return entry


def _read_arxiv_badge(entry: Entry, image: str, target: str, path: str, line: int,
                      defects: list[Finding]) -> None:
    message = _badge_message(image)
    try:
        badge = parse_ref(message)
        entry.badge_arxiv = badge.id
        if badge.version:
            defects.append(Finding(path, line, f"badge text {message} has a version suffix",
                                   f"write {badge.id}", kind="arxiv-link"))
    except ArxivRefError:
        defects.append(Finding(path, line, f"arXiv badge text '{message}' is not an arXiv id",
                               "write the bare id, e.g. 2407.01392", kind="arxiv-link"))
    if not _safe_link(target, path, line, defects):
        return
    try:
        ref = parse_ref(target)
    except ArxivRefError:
        defects.append(Finding(path, line, f"arXiv badge links to {target}",
                               "link https://arxiv.org/abs/<id>", kind="arxiv-link"))
        return
    entry.link_arxiv = ref.id
    if ref.kind != "abs" or ref.version or ref.host != "arxiv.org":
        what = ("has a version suffix" if ref.version else
                f"is not an abs URL ({ref.kind})" if ref.kind != "abs" else f"uses host {ref.host}")
        defects.append(Finding(path, line, f"arXiv link {target} {what}",
                               f"link https://arxiv.org/abs/{ref.id}", kind="arxiv-link"))
    if entry.badge_arxiv and entry.badge_arxiv != ref.id:
        defects.append(Finding(path, line, f"badge text says {entry.badge_arxiv} "
                               f"but the link goes to {ref.id}", "make both the paper's id",
                               kind="badge-mismatch"))


def _read_code_link(entry: Entry, target: str, path: str, line: int,
                    defects: list[Finding]) -> None:
    parts = _split(target)
    segments = [s for s in parts.path.split("/") if s]
    if parts.hostname != "github.com" or len(segments) < 2:
        defects.append(Finding(path, line, f"code link {target} is not a GitHub repository",
                               "link https://github.com/<owner>/<repo>, or list it "
                               "under other links", kind="code-link"))
        entry.other.append(target)
        return
    repo = f"https://github.com/{segments[0]}/{segments[1].removesuffix('.git')}"
    if len(segments) >= 5 and segments[2] == "tree" and not parts.query and not parts.fragment:
        entry.links.setdefault("code", target.rstrip("/"))  # a project folder of a monorepo
        return
    if not GITHUB_REPO_RE.match(target):
        defects.append(Finding(path, line, f"code link {target} is not a repository root",
                               f"link {repo}", kind="code-link"))
    entry.links.setdefault("code", repo)


def _read_anchor(entry: Entry, target: str, path: str, line: int, defects: list[Finding]) -> None:
    parts = _split(target)
    match = ANCHOR_RE.match(parts.fragment)
    if not parts.path.endswith(".bib") or not match:
        entry.foreign_bibtex = target  # reported with the right line once the .bib is read
        return
    first = int(match.group(1))
    entry.anchor = (first, int(match.group(2) or first))


# ---------------------------------------------------------------- the whole file

def parse_markdown(text: str, path: str, taxonomy: Taxonomy) -> tuple[list[Entry], list[Finding]]:
    """Entries (every paper item; its section is the one its heading names, else "") and
    defects (an item that is not a paper is one, kind ``skipped``)."""
    lines = text.splitlines()
    entries: list[Entry] = []
    defects: list[Finding] = []
    area = section = None
    item_lines: list[str] = []  # lines of the current section, others blanked to keep numbers

    def flush():
        shape = _ListShape()
        for start, end, item, indent, marker in _items(item_lines):
            problem = shape.place(indent, marker)
            entry = _read_item(item, start, end, section or "", path, defects)
            if entry:
                entry.heading = heading_text
                entries.append(entry)
                if problem:
                    defects.append(Finding(path, start, *problem, kind="markup"))

    in_fence = False
    heading_text = ""
    for number, raw in enumerate(lines, 1):
        raw = VARIATION_RE.sub("", raw)
        if raw.lstrip().startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else HEADING_RE.match(raw)
        if heading:
            flush()
            area, section = match_heading(heading.group(2), taxonomy, area)
            heading_text = heading.group(2)
            item_lines = [""] * number
            continue
        item_lines.append("" if in_fence else raw)
    flush()
    return entries, defects


def _same_title(entry: Entry, bib: BibEntry) -> bool:
    """Does the .bib title name this entry? The list often gives only the part after 'Name:',
    and an entry without a title is matched by its name at the start of the .bib title."""
    theirs = normalise_title(bib.title)
    if not entry.title:
        ours = normalise_title(entry.name)
        return bool(ours) and theirs.startswith(ours) and len(ours) >= 4
    ours = normalise_title(entry.title)
    if not ours or not theirs:
        return False
    if min(len(ours), len(theirs)) >= 15 and (ours in theirs or theirs in ours):
        return True
    matcher = difflib.SequenceMatcher(None, ours, theirs)  # the quick bounds first: same answer
    return matcher.real_quick_ratio() >= 0.85 and matcher.quick_ratio() >= 0.85 \
        and matcher.ratio() >= 0.85


def find_bib(entry: Entry, bib: BibFile) -> BibEntry | None:
    """The .bib entry of this paper: by title (preferring one whose id the entry carries),
    else by the arXiv id of the link, else by the id in the badge text."""
    ids = [i for i in (entry.link_arxiv, entry.badge_arxiv) if i]
    titled = [b for b in bib.entries if _same_title(entry, b)]
    for b in titled:
        if b.arxiv in ids:
            return b
    if titled:
        return titled[0]
    for ident in ids:
        for b in bib.entries:
            if b.arxiv == ident:
                return b
    return None


def check_against_bib(entries: list[Entry], bib: BibFile, path: str) -> list[Finding]:
    """Anchors that point at another paper, papers absent from the .bib, .bib entries the list
    does not show, .bib entries that disagree with the list. Sets ``entry.bib`` and
    ``entry.arxiv`` (the id the .bib confirms, else the link's)."""
    defects: list[Finding] = []
    used: set[str] = set()
    for entry in entries:
        found = entry.bib = find_bib(entry, bib)
        if found:
            used.add(found.key)
            if entry.title and not _same_title(entry, found):
                defects.append(Finding(bib.path, found.line, f"{found.key} is "
                                       f"titled '{found.title}' but the list (line {entry.line}) "
                                       f"says '{entry.title}'", "check the title on arXiv",
                                       kind="bibtex-title"))
        else:
            defects.append(Finding(path, entry.line, f"'{entry.name}' has no "
                                   f"entry in {bib.path}", "add its BibTeX entry",
                                   kind="missing-bibtex"))
        resolve_arxiv(entry, found, path, defects)
        fix = (f"point it at #L{found.line}-L{found.end_line}" if found
               else "add the paper's entry to the .bib and point the anchor at it")
        if entry.foreign_bibtex:
            defects.append(_foreign_bibtex(entry, path, fix))
            entry.foreign_bibtex = ""
        if entry.anchor is None:
            continue
        first, last = entry.anchor
        at = bib.entry_at(first)
        if at is None:
            defects.append(Finding(path, entry.line, f"BibTeX anchor #L{first} "
                                   f"of '{entry.name}' points at no .bib entry", fix,
                                   kind="bibtex-anchor"))
        elif found is not at:
            defects.append(Finding(path, entry.line, f"BibTeX anchor #L{first} of "
                                   f"'{entry.name}' points at {at.key} ('{at.title}')", fix,
                                   kind="bibtex-anchor"))
        elif first != at.line:
            defects.append(Finding(path, entry.line, f"BibTeX anchor #L{first} of "
                                   f"'{entry.name}' points {first - at.line} line(s) into its "
                                   f"entry {at.key}", fix, kind="bibtex-anchor"))
        elif last != first and last != at.end_line:
            defects.append(Finding(path, entry.line, f"BibTeX anchor #L{first}-L"
                                   f"{last} of '{entry.name}' does not span its entry", fix,
                                   kind="bibtex-anchor"))
    shown = {ident for b in bib.entries if b.key in used
             for ident in (b.arxiv, normalise_title(b.title)) if ident}
    for b in bib.entries:
        if b.key not in used and not {b.arxiv, normalise_title(b.title)} & shown:
            defects.append(Finding(bib.path, b.line, f"{b.key} ('{b.title}') is not in the list",
                                   "list the paper or remove the entry", kind="bibtex-orphan"))
    return defects


def resolve_arxiv(entry: Entry, bib: BibEntry | None, path: str, defects: list[Finding]) -> None:
    """Pick the entry's arXiv id: the one the .bib confirms, else the link's, else the badge's."""
    candidates = [entry.link_arxiv, entry.badge_arxiv]
    if bib and bib.arxiv and bib.arxiv in candidates:
        entry.arxiv = bib.arxiv
    else:
        entry.arxiv = next((c for c in candidates if c), "")
    if bib and bib.arxiv and entry.arxiv and bib.arxiv != entry.arxiv:
        defects.append(Finding(path, entry.line, f"'{entry.name}' links arXiv "
                               f"{entry.arxiv} but its .bib entry {bib.key} says {bib.arxiv}",
                               "check the id on arXiv", kind="badge-mismatch"))


def _foreign_bibtex(entry: Entry, path: str, fix: str) -> Finding:
    return Finding(path, entry.line, f"BibTeX link {entry.foreign_bibtex} of "
                   f"'{entry.name}' does not point at a line of the list's .bib", fix,
                   kind="bibtex-anchor")


def check_entries(entries: list[Entry], path: str) -> list[Finding]:
    """Defects visible across entries: duplicates, a code link that names another entry, and
    BibTeX links out of the list when no .bib was read."""
    defects: list[Finding] = [_foreign_bibtex(e, path, "link <list>.bib#L<first>-L<last>")
                             for e in entries if e.foreign_bibtex]
    by_id: dict[str, Entry] = {}
    by_title: dict[str, Entry] = {}
    for entry in entries:
        if not entry.arxiv:
            entry.arxiv = entry.link_arxiv or entry.badge_arxiv
        problem = id_problem(entry.arxiv) if entry.arxiv else ""
        if problem:
            defects.append(Finding(path, entry.line, f"arXiv id {entry.arxiv} of '{entry.name}' "
                                   f"cannot exist ({problem}); the draft has no id",
                                   "check the id on arxiv.org", kind="arxiv-id"))
            entry.arxiv = ""
        first = by_id.get(entry.arxiv) if entry.arxiv else None
        if first is None and entry.title:
            first = by_title.get(normalise_title(entry.title))
        if first:
            defects.append(Finding(path, entry.line, f"'{entry.name}' repeats line "
                                   f"{first.line} ('{first.name}', {entry.arxiv or 'same title'})",
                                   "list each paper once", kind="duplicate"))
            continue
        if entry.arxiv:
            by_id[entry.arxiv] = entry
        if entry.title:
            by_title[normalise_title(entry.title)] = entry
    first_named: dict[str, Entry] = {}
    for entry in entries:
        name = re.sub(r"[^a-z0-9+]", "", entry.name.lower())  # 'X++' is not 'X'
        if entry.title and name == normalise_title(entry.title):
            defects.append(Finding(path, entry.line, f"the short name of '{entry.name}' "
                                   "repeats the whole title", "give it a short name",
                                   kind="markup"))
        other = first_named.setdefault(name, entry) if name else entry
        if other is not entry and other.arxiv != entry.arxiv:
            defects.append(Finding(path, entry.line, f"'{entry.name}' is also the "
                                   f"name of another paper (line {other.line}, "
                                   f"{other.arxiv or 'no arXiv id'})", "give them names that tell "
                                   "them apart", kind="name-clash"))
    names = {normalise_title(e.name): e for e in entries if e.name}
    for entry in entries:
        code = entry.links.get("code", "")
        repo = normalise_title(code.rsplit("/", 1)[-1]) if code else ""
        other = names.get(repo)
        if other and normalise_title(entry.name) != repo and \
                other.links.get("code") != code:
            defects.append(Finding(path, entry.line, f"code link of '{entry.name}' "
                                   f"({code}) is the repository of '{other.name}' (line "
                                   f"{other.line})", "link this paper's own repository",
                                   kind="code-link"))
    return defects


def guess_sections(entries: list[Entry], catalog, threshold: float, path: str) -> list[Finding]:
    """Give each entry whose heading names no section the section its nearest catalog records
    vote for (``catalog.discover.CatalogIndex``, as ``awm discover`` does); below ``threshold``
    the draft is marked as needing a section, and a finding says so."""
    todo = [e for e in entries if not e.section]
    if not todo:
        return []
    from ..discover import CatalogIndex  # scikit-learn, imported only when there is a guess
    defects = []
    guesses = CatalogIndex(catalog).guess([f"{e.name} {e.title}" for e in todo])
    for entry, guess in zip(todo, guesses):
        entry.section = guess.section or ""
        if not guess.needs_section(threshold):
            continue
        said = (f"guessed {guess.section} (confidence {guess.confidence:.2f})" if guess.section
                else "no catalog record is near it")
        entry.draft_note = f"needs a section ({said})"
        defects.append(Finding(path, entry.line, f"'{entry.name}' needs a section: its heading "
                               f"'{entry.heading}' names none of the taxonomy and {said}",
                               "choose its section in the draft", kind="needs-section"))
    return defects


def drafts(entries: list[Entry]) -> list[dict]:
    """Draft records, one per distinct paper (first occurrence wins, later links merged)."""
    records: dict[str, dict] = {}
    seen: dict[str, str] = {}
    for entry in entries:
        ident = entry.arxiv or normalise_title(entry.title or entry.name)
        if ident in seen:
            links = records[seen[ident]]["links"]
            for kind, url in entry.links.items():
                links.setdefault(kind, url)
            continue
        found = entry.bib
        title = entry.title
        if found and entry.name and normalise_title(f"{entry.name} {title}") == \
                normalise_title(found.title):
            title = f"{entry.name}: {title}"  # the list gave only the subtitle
        name = propose_name(entry.name or title)
        key = unique_key(slug(name), set(records))
        seen[ident] = key
        todo = "check every field against the paper, add tags and builds_on"
        records[key] = {
            "draft": f"imported from an awesome list: {entry.draft_note + '; ' if entry.draft_note else ''}"
                     f"{todo}, then delete this line",
            "line": entry.line,  # for reports about the draft; not a field of the record
            "key": key, "name": name, "title": title or name,
            "authors": found.authors if found else [],
            "date": month_of(entry.arxiv) if entry.arxiv else "",
            "arxiv": entry.arxiv or None,
            "links": dict(entry.links, other=list(dict.fromkeys(entry.other))),
            "section": entry.section, "tags": [], "builds_on": [],
        }
    return list(records.values())
