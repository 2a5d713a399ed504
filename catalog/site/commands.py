"""`awm site build|serve`: generate the pages from the catalog, then build or serve the site.

Both refuse a catalog that fails its checks (``awm check``): they print the findings and build
nothing, unless ``--allow-invalid`` says to build from the records that loaded.

``serve`` keeps the pages in step with papers/: it polls the records once a second and
regenerates the pages when one is added, edited or removed; the engine's own watcher then
rebuilds and reloads the browser. An edit that makes the catalog fail its checks is reported
and the pages stay as they were (with ``--allow-invalid``, regenerated from what loaded); the
server keeps running.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from catalog.commands import may_build
from catalog.loader import load_catalog

from .build import build_site, engine_command, engine_env, prepare


def main(args) -> int:
    catalog = load_catalog(args.root)
    if not may_build(catalog, f"site {args.action}", args.allow_invalid):
        return 1
    if args.engine == "zensical" and not shutil.which("zensical"):
        print("awm site: zensical is not installed (pip install zensical)", file=sys.stderr)
        return 2
    if args.action == "build":
        done = build_site(catalog, args.root, engine=args.engine)
        if done.returncode == 0:
            print(f"site built from {len(catalog.papers)} papers into build/site "
                  f"(open build/site/index.html, no server needed)")
        return 0 if done.returncode == 0 else 1
    config = prepare(catalog, args.root)
    print(f"serving on http://127.0.0.1:{args.port}/ (Ctrl-C to stop); pages follow edits "
          "in papers/")
    server = subprocess.Popen(engine_command(args.engine, "serve", config, args.port),
                              cwd=args.root, env=engine_env())
    # a terminated `awm site serve` stops its engine too (SIGTERM would skip the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        watch(args.root / "papers", lambda: regenerate(args.root, args.allow_invalid),
              lambda: server.poll() is None)
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait()
    return 0 if server.returncode in (0, -15, None) else server.returncode


def papers_state(papers: Path) -> list[tuple[str, int, int]]:
    """What a change to the records changes: each YAML file's name, mtime and size."""
    out = []
    for path in sorted(papers.glob("*.yaml")):
        try:
            st = path.stat()
        except FileNotFoundError:   # removed between the listing and the stat
            continue
        out.append((path.name, st.st_mtime_ns, st.st_size))
    return out


def watch(papers: Path, on_change: Callable[[], None], alive: Callable[[], bool],
          interval: float = 1.0) -> None:
    """Call ``on_change`` after each change to papers/*.yaml, while ``alive()``."""
    seen = papers_state(papers)
    while alive():
        time.sleep(interval)
        now = papers_state(papers)
        if now != seen:
            seen = now
            on_change()


def regenerate(root: Path, allow_invalid: bool = False) -> None:
    catalog = load_catalog(root)
    if not may_build(catalog, "site serve", allow_invalid):  # keep serving the last pages
        return
    try:
        prepare(catalog, root)
    except SystemExit as err:   # a navigation problem: say it, keep serving the last pages
        print(f"awm site serve: pages not regenerated: {err}", file=sys.stderr)
        return
    print(f"papers/ changed: pages regenerated from {len(catalog.papers)} papers", flush=True)
