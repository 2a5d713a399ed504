"""Seconds of every smoke training: `python tools/bench_smoke.py [KEY ...] [--seed N]`.

Runs each reproduction's smoke scale exactly as `awm repro run KEY --scale smoke` does (one CPU
thread, the smoke protocol), into a temporary folder so that no committed record changes, and
prints one line per run and the total. The test suite trains every smoke model once on two
workers, so half the total is about the share of its wall time that training takes; keep it
well under the suite's 15 minutes on the 2-core machine. GameNGen reuses DIAMOND's plain model
in-process, as in the tests. CausVid's record is made from the checkpoints of the Self Forcing
run (its tests train that pipeline once for both cards), so it is left out unless named.
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
    print(f"{'total':>24}  {total:8.1f} s  ({total / 2:.0f} s on two workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
