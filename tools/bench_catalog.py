"""Benchmark the catalog engine on synthetic catalogs (tools/synthetic.py).

    python tools/bench_catalog.py [--sizes 1000 10000] [--repeat 3]

Prints the seconds for load (YAML + schema), the checks, and all generators (README, BibTeX,
JSON), for the fastest of ``--repeat`` runs, and that run's CPU seconds. Target: under 3 s in total at 10,000 papers.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog.checks import run_checks  # noqa: E402
from catalog.loader import load_catalog  # noqa: E402
from catalog.render import render_all  # noqa: E402
from tools.synthetic import make_catalog  # noqa: E402


def bench(root: Path, repeat: int) -> dict[str, float]:
    """Best wall-clock seconds per stage over ``repeat`` runs, plus the CPU seconds of the
    best run (on a shared machine, CPU time shows the work when wall time shows the wait)."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        cpu0, t0 = time.process_time(), time.perf_counter()
        catalog = load_catalog(root)
        t1 = time.perf_counter()
        findings = run_checks(catalog)
        t2 = time.perf_counter()
        render_all(catalog)
        t3, cpu = time.perf_counter(), time.process_time() - cpu0
        if findings:
            raise SystemExit(f"synthetic catalog has findings, e.g. {findings[0]}")
        if t3 - t0 < best.get("total", float("inf")):
            best = {"load": t1 - t0, "check": t2 - t1, "generate": t3 - t2, "total": t3 - t0,
                    "cpu": cpu}
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'papers':>7} {'load s':>8} {'check s':>8} {'generate s':>11} {'total s':>8} "
          f"{'cpu s':>7}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"awm-bench-{n}-") as tmp:
            make_catalog(Path(tmp), n)
            t = bench(Path(tmp), args.repeat)
        print(f"{n:>7} {t['load']:>8.3f} {t['check']:>8.3f} {t['generate']:>11.3f} "
              f"{t['total']:>8.3f} {t['cpu']:>7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
