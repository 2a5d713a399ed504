"""`awm site build|serve`: generate the pages from the catalog, then build or serve the site."""
from __future__ import annotations

import shutil
import subprocess
import sys

from catalog.loader import load_catalog

from .build import build_site, engine_command, engine_env, prepare


def main(args) -> int:
    catalog = load_catalog(args.root)
    for finding in catalog.load_findings:  # pages still build from the records that loaded
        print(f"warning: {finding}", file=sys.stderr)
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
    print(f"serving on http://127.0.0.1:{args.port}/ (Ctrl-C to stop); rerun after editing "
          "papers/ to regenerate the pages")
    try:
        return subprocess.call(engine_command(args.engine, "serve", config, args.port),
                               cwd=args.root, env=engine_env())
    except KeyboardInterrupt:
        return 0
