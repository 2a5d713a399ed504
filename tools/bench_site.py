"""Seconds to generate and build the site: the real catalog, then synthetic ones.

    python tools/bench_site.py                     # real, 1,000 and 10,000 papers with MkDocs
    python tools/bench_site.py --sizes 1000 --engine zensical

Each build is what `awm site build` does (load, generate every page, strict build) into a
temporary folder. Synthetic catalogs come from tools/synthetic.py. Targets: real catalog under
10 s, 10,000 papers under 120 s with MkDocs.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog.loader import load_catalog  # noqa: E402
from catalog.site.build import prepare, run_engine  # noqa: E402
from tools.synthetic import make_catalog  # noqa: E402

TARGETS = {"real": 10.0, 10000: 120.0}


def bench(label, papers_root: Path, engine: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        start = time.perf_counter()
        catalog = load_catalog(papers_root)
        loaded = time.perf_counter()
        config = prepare(catalog, ROOT, Path(tmp) / "docs", Path(tmp) / "out")
        generated = time.perf_counter()
        done = run_engine(config, engine, capture=True)
        end = time.perf_counter()
        if done.returncode != 0:
            raise SystemExit(f"{label}: build failed\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        pages = sum(1 for _ in (Path(tmp) / "out").rglob("*.html"))
    return {"label": label, "papers": len(catalog.papers), "pages": pages,
            "load_s": loaded - start, "generate_s": generated - loaded,
            "build_s": end - generated, "total_s": end - start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--engine", choices=["mkdocs", "zensical"], default="mkdocs")
    parser.add_argument("--no-real", action="store_true", help="skip the real catalog")
    args = parser.parse_args(argv)
    runs = [] if args.no_real else [("real", ROOT)]
    print(f"{'catalog':>8} {'papers':>7} {'pages':>7} {'load s':>7} {'gen s':>7} "
          f"{'build s':>8} {'total s':>8}  target")
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        for n in args.sizes:
            runs.append((n, make_catalog(Path(tmp) / str(n), n)))
        for label, root in runs:
            r = bench(label, root, args.engine)
            target = TARGETS.get(label)
            verdict = "" if target is None else \
                f"< {target:g} s {'met' if r['total_s'] < target else 'MISSED'}"
            failed |= target is not None and r["total_s"] >= target
            print(f"{label!s:>8} {r['papers']:>7} {r['pages']:>7} {r['load_s']:>7.2f} "
                  f"{r['generate_s']:>7.2f} {r['build_s']:>8.2f} {r['total_s']:>8.2f}  {verdict}",
                  flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
