"""`awm add` and `awm import`: the contributor tools that write new paper records.

Exit codes follow the CLI: 0 done, 1 findings (a duplicate refused, arXiv unavailable, defects
in an imported file), 2 bad usage (unknown section, not an arXiv id, unreadable input).
"""
from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError

from ..discover import load_config
from ..loader import Finding, LoadError, load_catalog, load_taxonomy, read_yaml
from ..model import KEY_PATTERN, Paper, normalise_title
from ..render.files import write_atomic
from . import InputError, dump_record, propose_name, read_input, slug
from . import bibtex as bibtex_importer
from . import markdown as markdown_importer
from .arxiv import ArxivRefError, ArxivUnavailable, fetch, fetch_many, month_of, parse_ref


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _existing(papers_dir: Path, root: Path) -> list[tuple[str, dict]]:
    """(relative path, raw mapping) of every record, read safely; broken files still count
    by their name so that a key is never reused."""
    out = []
    for path in sorted(papers_dir.glob("*.yaml")):
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        try:
            data, _ = read_yaml(path, rel)
        except LoadError:
            data = {}
        out.append((rel, data if isinstance(data, dict) else {}))
    return out


def _duplicate_of(record: dict, existing: list[tuple[str, dict]]) -> str | None:
    """One-line reason when ``record`` is already in the catalog, else None."""
    title = normalise_title(record.get("title") or "")
    for rel, data in existing:
        if Path(rel).stem == record["key"] or data.get("key") == record["key"]:
            return f"key '{record['key']}' is already used by {rel} (choose another with --key)"
        if record.get("arxiv") and str(data.get("arxiv", "")) == record["arxiv"]:
            return f"arXiv {record['arxiv']} is already in the catalog: {rel}"
        if title and normalise_title(str(data.get("title", ""))) == title:
            return f"a paper with this title is already in the catalog: {rel}"
    return None


def _manual_template(key: str, section: str, arxiv_id: str | None) -> str:
    arxiv_line = (f'arxiv: "{arxiv_id}"' if arxiv_id
                  else "arxiv:           # bare id, e.g. 2407.01392")
    date_line = f'date: "{month_of(arxiv_id)}"' if arxiv_id else \
        'date: ""         # YYYY-MM of the first public version'
    return "\n".join([
        f"key: {key}",
        'name: ""         # short name shown in lists',
        'title: ""        # full title, as on the paper',
        "authors: []      # [First Last, ...] in paper order",
        date_line,
        "venue:           # e.g. NeurIPS 2024 (optional)",
        arxiv_line,
        "links:",
        "  project:       # https://... (optional)",
        "  code:          # https://github.com/<owner>/<repo> (optional)",
        f"section: {section}",
        "tags: []         # from catalog/taxonomy.yaml",
        "builds_on: []    # keys of the papers it extends",
        "summary:         # optional: one sentence in your own words",
        "",
    ])


def add(args, client=None) -> int:
    """Write papers/<key>.yaml for one paper, from arXiv or (--manual) as a template."""
    root = Path(args.root)
    papers_dir = root / "papers"
    taxonomy = load_taxonomy(root / "catalog" / "taxonomy.yaml")
    if args.section not in taxonomy.sections:
        _say(f"awm add: unknown section '{args.section}' (choose one of: "
             f"{', '.join(taxonomy.sections)})")
        return 2
    if args.key and not re.match(KEY_PATTERN, args.key):
        _say(f"awm add: bad key '{args.key}' (lowercase letters, digits and single hyphens)")
        return 2
    try:
        arxiv_id = parse_ref(args.ref).id
    except ArxivRefError as err:
        if not (args.manual and re.match(KEY_PATTERN, args.ref)):
            _say(f"awm add: {err}")
            return 2
        arxiv_id = None
    existing = _existing(papers_dir, root)
    papers_dir.mkdir(exist_ok=True)

    if args.manual:
        key = args.key or (args.ref if arxiv_id is None else None)
        if not key:
            _say("awm add: --manual with an arXiv id needs --key (the record key to create)")
            return 2
        reason = _duplicate_of({"key": key, "arxiv": arxiv_id}, existing)
        if reason:
            _say(f"awm add: refused: {reason}")
            return 1
        target = papers_dir / f"{key}.yaml"
        write_atomic(target, _manual_template(key, args.section, arxiv_id))
        print(f"wrote {target.relative_to(root)}: fill in the empty fields, then run awm check")
        return 0

    reason = _duplicate_of({"key": args.key or "", "arxiv": arxiv_id}, existing)
    if reason:  # known before asking arXiv
        _say(f"awm add: refused: {reason}")
        return 1
    try:
        paper = fetch(arxiv_id, client)
    except ArxivUnavailable as err:
        _say(f"awm add: {err}; no file written (try again later, or use --manual)")
        return 1
    name = propose_name(paper.title)
    key = args.key or slug(name, max_words=5)
    if not key:
        _say(f"awm add: cannot propose a key from the title \"{paper.title}\"; no file written "
             "(give one with --key)")
        return 2
    record = {"key": key, "name": name, "title": paper.title, "authors": paper.authors,
              "date": paper.date, "arxiv": paper.arxiv, "links": {}, "section": args.section}
    reason = _duplicate_of(record, existing)
    if reason:
        _say(f"awm add: refused: {reason}")
        return 1
    try:
        Paper.model_validate(record)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(map(str, first["loc"]))
        _say(f"awm add: arXiv's record does not fit the schema ({where}: "
             f"{first['msg']}); no file written (use --manual)")
        return 1
    target = papers_dir / f"{record['key']}.yaml"
    write_atomic(target, dump_record(record))
    print(f"wrote {target.relative_to(root)}: \"{paper.title}\" ({paper.date}); add links, tags "
          "and builds_on, then run awm check")
    return 0


# ---------------------------------------------------------------- import

def _find_bib(markdown_file: Path, explicit: Path | None) -> Path | None:
    """The list's .bib: --bib, else a .bib beside the README with the same stem, else the only
    .bib in that folder."""
    if explicit:
        return explicit
    stem = markdown_file.name.split(".")[0]
    beside = sorted(markdown_file.parent.glob("*.bib"))
    same = [p for p in beside if p.name.split(".")[0] == stem]
    return same[0] if same else (beside[0] if len(beside) == 1 else None)


def in_catalog(records: list[dict], catalog, path: str) -> tuple[list[dict], list[Finding]]:
    """The drafts the catalog does not have yet, and one finding for each it has (same arXiv
    id, or same title as ``normalise_title`` compares them)."""
    by_id = {p.arxiv: k for k, p in catalog.papers.items() if p.arxiv}
    by_title = {normalise_title(p.title): k for k, p in catalog.papers.items()}
    fresh, found = [], []
    for record in records:
        key = by_id.get(record.get("arxiv") or "")
        why = f"arXiv {record.get('arxiv')}"
        if not key:
            key, why = by_title.get(normalise_title(record.get("title") or "")), "same title"
        if key:
            found.append(Finding(path, record.get("line", 1), f"'{record['name']}' is already in "
                                 f"the catalog: {catalog.sources[key].path} ({why}); no draft",
                                 "nothing to do, or improve that record", kind="in-catalog"))
        else:
            fresh.append(record)
    return fresh, found


def _write_records(records: list[dict], out: Path, path: str) -> tuple[list[str], list[Finding]]:
    """Write every record whose file does not exist yet; a name clash is reported (kind
    ``file-exists``) and the others are still written. Files are built in a temporary folder
    beside ``out`` and moved in one by one; if a move fails, those already moved are removed,
    so a failed import leaves ``out`` as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    clashes = [Finding(path, r.get("line", 1), f"{out / (r['key'] + '.yaml')} already exists: "
                       f"the draft of '{r['name']}' is not written", "merge it by hand, or "
                       "import into another folder", kind="file-exists")
               for r in records if (out / f"{r['key']}.yaml").exists()]
    records = [r for r in records if not (out / f"{r['key']}.yaml").exists()]
    notes = []
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    moved: list[Path] = []
    try:
        for record in records:
            (staging / f"{record['key']}.yaml").write_text(dump_record(record), encoding="utf-8")
            try:
                Paper.model_validate({k: v for k, v in record.items()
                                      if v not in ("", None) and k not in ("draft", "line")})
            except ValidationError as err:
                missing = sorted({str(e["loc"][0]) for e in err.errors()})
                notes.append(f"{out / (record['key'] + '.yaml')}: draft needs {', '.join(missing)}")
        out.mkdir(exist_ok=True)
        try:
            for record in records:
                target = out / f"{record['key']}.yaml"
                (staging / target.name).replace(target)
                moved.append(target)
        except OSError:
            for target in moved:
                target.unlink(missing_ok=True)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return notes, clashes


def fill_from_arxiv(records: list[dict], path: str, client=None) -> list[Finding]:
    """With --online: each draft with an arXiv id takes arXiv's title, authors and month of
    version 1 (what the list wrote may be a subtitle or miss authors). An id arXiv does not
    know is a finding and leaves the draft without an id; arXiv out of reach is one finding."""
    ids = [r["arxiv"] for r in records if r.get("arxiv")]
    if not ids:
        return []
    try:
        found = fetch_many(ids, client)
    except ArxivUnavailable as err:
        return [Finding(path, 1, f"drafts not filled from arXiv: {err}",
                        "run again with a network, or without --online", kind="arxiv-offline")]
    findings = []
    for record in records:
        if not record.get("arxiv"):
            continue
        paper = found.get(record["arxiv"])
        if paper is None:
            findings.append(Finding(path, record.get("line", 1), f"arXiv has no paper "
                                    f"{record['arxiv']} ('{record['name']}'); the draft has no id",
                                    "check the id on arxiv.org", kind="arxiv-id"))
            record["arxiv"] = None
            continue
        record.update(title=paper.title, authors=paper.authors, date=paper.date)
    return findings


def import_(args, client=None) -> int:
    """Parse an awesome-list README or a .bib: print one line per defect, optionally fill the
    drafts from arXiv (--online) and write them with --out."""
    root = Path(args.root)
    path = Path(args.file)
    shown = str(path)
    bib_path = None
    catalog = load_catalog(root)
    confidence = load_config().section_confidence
    try:
        text = read_input(path)
        if args.format == "bibtex":
            bib, defects = bibtex_importer.parse_bibtex(text, shown)
            records = bibtex_importer.drafts(bib)
            count = len(bib.entries)
        else:
            taxonomy = load_taxonomy(root / "catalog" / "taxonomy.yaml")
            entries, defects = markdown_importer.parse_markdown(text, shown, taxonomy)
            bib_path = _find_bib(path, getattr(args, "bib", None))
            if bib_path:
                bib, bib_defects = bibtex_importer.parse_bibtex(read_input(bib_path), str(bib_path))
                defects += bib_defects + markdown_importer.check_against_bib(entries, bib, shown)
            defects += markdown_importer.check_entries(entries, shown)
            defects += markdown_importer.guess_sections(entries, catalog, confidence, shown)
            records = markdown_importer.drafts(entries)
            count = len(entries)
    except InputError as err:
        _say(f"awm import: {err}")
        return 2
    if getattr(args, "online", False):
        defects += fill_from_arxiv(records, shown, client)
    records, known = in_catalog(records, catalog, shown)
    defects += known
    for defect in sorted(set(defects)):
        print(defect)
    no_bib = " (no .bib found: anchors not checked)"
    clashes: list[Finding] = []
    if args.out:
        try:
            notes, clashes = _write_records(records, Path(args.out), shown)
        except OSError as err:
            _say(f"awm import: nothing written: {err}")
            return 1
        for clash in clashes:
            print(clash)
        for note in notes:
            _say(note)
    _say(f"awm import: {count} entries, {len(records) + len(known)} distinct papers, "
         f"{len(known)} already in the catalog, {len(set(defects)) + len(clashes)} "
         f"defects{'' if args.format == 'bibtex' or bib_path else no_bib}")
    if args.out:
        _say(f"awm import: wrote {len(records) - len(clashes)} drafts into {args.out}")
    return 1 if defects or clashes else 0
