"""`awm`: the one command line of the project.

    awm check [--online] [PATHS...]     validate the catalog (exit 1 on findings)
    awm build [--check]                 regenerate README.md, papers.bib, catalog.json
    awm add ARXIV_ID_OR_URL --section S write papers/<key>.yaml from arXiv (or --manual)
    awm import markdown|bibtex FILE     turn an awesome list / .bib into records
    awm discover [--days N] [--write N] new arXiv papers ranked against the catalog
    awm site build|serve                generate the site pages and build or serve them
    awm repro ACTION [KEY]              reference reproductions: list, run, check, report,
                                        diagnose

`build` and `site` build nothing from a catalog that fails its checks: they print the findings
and exit 1, unless given --allow-invalid. Exit codes: 0 success, 1 findings, 2 bad usage. Each
subcommand lives in the module that owns its logic; this file only parses arguments and
dispatches.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOW_INVALID = ("build even when `awm check` refuses the catalog (its findings are printed; "
                 "without this flag nothing is built)")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="awm", description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    c = sub.add_parser("check", help="validate papers/*.yaml, cards and generated files")
    c.add_argument("--online", action="store_true",
                   help="also check that links answer and titles/authors match arXiv (network)")
    c.add_argument("paths", nargs="*", type=Path, help="only report findings for these files")

    b = sub.add_parser("build", help="regenerate README.md, papers.bib and catalog.json")
    b.add_argument("--check", action="store_true", help="only report stale files, write nothing")
    b.add_argument("--allow-invalid", action="store_true", help=ALLOW_INVALID)

    a = sub.add_parser("add", help="add a paper from its arXiv id or URL")
    a.add_argument("ref", help="arXiv id (2407.01392) or URL; with --manual, the key to create")
    a.add_argument("--section", required=True, help="<area>/<section> from catalog/taxonomy.yaml")
    a.add_argument("--key", help="record key (default: proposed from the title)")
    a.add_argument("--manual", action="store_true", help="write a template to fill, no network")

    i = sub.add_parser("import", help="import records from an awesome list or a .bib file")
    i.add_argument("format", choices=["markdown", "bibtex"])
    i.add_argument("file", type=Path)
    i.add_argument("--out", type=Path, help="write records into this folder (default: print a report)")
    i.add_argument("--bib", type=Path, help="the list's .bib, to check BibTeX anchors (markdown; "
                   "default: the .bib beside FILE)")
    i.add_argument("--online", action="store_true", help="fill the drafts' titles, authors and "
                   "dates from arXiv (network)")

    d = sub.add_parser("discover", help="new arXiv papers in a date window, ranked by "
                       "similarity to the catalog (queries: catalog/discover.yaml)")
    d.add_argument("--since", metavar="YYYY-MM-DD", help="first day of the window")
    d.add_argument("--to", metavar="YYYY-MM-DD", help="last day of the window (default: today)")
    d.add_argument("--days", type=int, help="window length in days, ending at --to "
                   "(default: window_days in catalog/discover.yaml)")
    d.add_argument("--min-score", type=float, help="leave out candidates scoring below this "
                   "(default: min_score in catalog/discover.yaml)")
    d.add_argument("--include", action="append", metavar="WORD",
                   help="keep only candidates whose title or abstract has one of these words "
                   "(repeat the option for more)")
    d.add_argument("--exclude", action="append", metavar="WORD",
                   help="leave out candidates whose title or abstract has any of these words")
    d.add_argument("--write", type=int, metavar="N", help="draft records for the top N")
    d.add_argument("--out", type=Path, help="folder for the drafts (default: papers/)")
    d.add_argument("--limit", type=int, help="show only the first N rows of the table")
    d.add_argument("--table", type=Path, help="also write the table (Markdown) to this file")
    d.add_argument("--config", type=Path, help="queries file (default: catalog/discover.yaml)")

    s = sub.add_parser("site", help="generate and build or serve the documentation site")
    s.add_argument("action", choices=["build", "serve"])
    s.add_argument("--engine", choices=["mkdocs", "zensical"], default="mkdocs")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--allow-invalid", action="store_true", help=ALLOW_INVALID)

    r = sub.add_parser("repro", help="reference reproductions")
    r.add_argument("action", choices=["list", "run", "check", "report", "diagnose"])
    r.add_argument("key", nargs="?", help="reproduction folder or paper key")
    r.add_argument("--scale", choices=["smoke", "full"], default="smoke")
    r.add_argument("--resume", action="store_true")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--steps", type=int, help="diagnose: continue training to this many steps first")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("check", "build"):
        from catalog import commands
        return getattr(commands, args.command)(args)
    if args.command in ("add", "import"):
        from catalog.importers import commands
        return getattr(commands, "import_" if args.command == "import" else "add")(args)
    if args.command == "discover":
        from catalog import discover
        return discover.main(args)
    if args.command == "site":
        from catalog.site import commands
        return commands.main(args)
    if args.command == "repro":
        from reproductions.harness import runner
        return runner.main(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
