"""Benchmark a reproduction: `python tools/bench_repro.py diffusion-forcing [--scale smoke]`.

Each reproduction that can be benchmarked ships ``bench.py`` with
``bench(scale, device, **options) -> dict``; this tool picks the device (CUDA when present,
else CPU with 2 threads, as in CI), runs it and prints one line per figure."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv=None) -> int:
    import torch

    from reproductions.harness.runner import import_module, resolve
    from reproductions.harness.train import auto_device
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("key", help="reproduction folder or paper key")
    ap.add_argument("--scale", choices=["smoke", "full"], default="smoke")
    ap.add_argument("--cpu", action="store_true", help="use the CPU even where CUDA is present")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    aliases = {"streaming": "causvid-self-forcing"}   # issue 7's name for the streaming benchmark
    try:
        folder = resolve(aliases.get(args.key, args.key))
    except KeyError:
        print(f"bench_repro: no reproduction {args.key!r}", file=sys.stderr)
        return 2
    device = torch.device("cpu") if args.cpu else auto_device()
    if device.type == "cpu":
        torch.set_num_threads(2)
    result = import_module(folder, "bench").bench(args.scale, device)
    if device.type == "cuda":
        result["device"] = torch.cuda.get_device_name(device)
    else:
        result["device"] = f"cpu ({torch.get_num_threads()} threads)"
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>32}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
