"""Seconds of every smoke training: `python tools/bench_smoke.py [KEY ...] [--seed N]`.

Runs each reproduction's smoke scale exactly as `awm repro run KEY --scale smoke` does (with the
card's CPU thread count, 2 on every card today, which the records are made with), into a
temporary folder so that no committed record changes, and prints one line per run and the
total. The test suite trains every smoke model once, one fixture after another (two torch
processes of 2 threads each on the 2-core machine slow each other many times over), so the
total is about the training share of the suite's wall time; the aim is the whole suite in 15
minutes on that machine. GameNGen reuses DIAMOND's plain model in-process, as in the tests.
CausVid's record is made from the checkpoints of the Self Forcing run (its tests train that
pipeline once for both cards), so it is left out unless named.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REUSES_CHECKPOINTS = {"causvid"}   # trained by the causvid-self-forcing run


def main(argv=None) -> int:
    from reproductions.harness import runner
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("keys", nargs="*", help="reproduction folders or paper keys (default: all)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        folders = [runner.resolve(k) for k in args.keys] or \
            [f for name, f in runner.discover().items() if name not in REUSES_CHECKPOINTS]
    except KeyError as err:
        print(f"bench_smoke: no reproduction {err.args[0]!r}", file=sys.stderr)
        return 2
    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for folder in folders:
            start = time.perf_counter()
            record = runner.run_one(folder, "smoke", seed=args.seed,
                                    results_dir=Path(tmp) / folder.name / "results",
                                    run_dir=Path(tmp) / folder.name / "runs")
            seconds = time.perf_counter() - start
            total += seconds
            print(f"{folder.name:>24}  {seconds:8.1f} s  seed {args.seed}  {record['device']}",
                  flush=True)
    print(f"{'total':>24}  {total:8.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
