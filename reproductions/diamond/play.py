"""Play the trained world model: steer it with an action string, or from the keyboard.

    python -m reproductions.diamond.play --actions llllrrrrssss --out rollout.gif
    python -m reproductions.diamond.play --interactive          # type l / r / s + Enter

It loads the EMA weights of a finished run (``reproductions/diamond/runs/<scale>/<kind>``,
written by ``awm repro run diamond --scale <scale>``), starts from a seeded game state, and
generates one frame per action with the EDM sampler. ``--out`` writes an animated GIF with the
generated frames beside the game's own frames for the same actions; ``--interactive`` prints
each generated frame as text, so a person can steer the model in a terminal.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from reproductions.harness import runner
from reproductions.harness.game import parse_actions
from reproductions.harness.train import load_trained

FOLDER = Path(__file__).resolve().parent


def load(scale: str, kind: str, seed: int = 0):
    repro = runner.import_module(FOLDER, "repro")
    preset = repro.PRESETS[scale]
    world = repro.make_world(preset)
    tag = runner.run_tag(scale, seed)
    net = load_trained(repro.build_net(preset, world, kind), FOLDER / "runs" / tag / kind,
                       preset["train"]["steps"])
    if net is None:
        raise SystemExit(f"no finished {kind} run in runs/{tag}: run `awm repro run diamond "
                         f"--scale {scale}` first")
    return repro, preset, world, net


def ascii_frame(frame: np.ndarray) -> str:
    grey = frame.mean(0)
    return "\n".join("".join(" .:*#"[min(int(v * 5), 4)] for v in row) for row in grey)


def write_gif(path: Path, generated: np.ndarray, truth: np.ndarray, zoom: int = 6) -> None:
    pairs = np.concatenate([generated, np.ones_like(generated[..., :1]), truth], axis=-1)
    images = []
    for f in pairs:
        img = (np.clip(f, 0, 1).transpose(1, 2, 0) * 255).round().astype(np.uint8)
        img = np.repeat(img, 3, 2) if img.shape[2] == 1 else img
        images.append(Image.fromarray(np.kron(img, np.ones((zoom, zoom, 1), np.uint8))))
    images[0].save(path, save_all=True, append_images=images[1:], duration=120, loop=0)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--actions", default="", help="l (left), r (right), s (stay), e.g. llllrrrr")
    p.add_argument("--out", type=Path, help="write an animated GIF (generated | game)")
    p.add_argument("--interactive", action="store_true", help="steer from the keyboard")
    p.add_argument("--scale", default="smoke", choices=["smoke"])
    p.add_argument("--kind", default="edm", choices=["edm", "ddpm", "edm-ctxnoise"])
    p.add_argument("--steps", type=int, default=3, help="denoising steps per frame")
    p.add_argument("--seed", type=int, default=0, help="the starting state's seed")
    args = p.parse_args(argv)
    if not args.interactive and not args.actions:
        p.error("give --actions or --interactive")
    repro, preset, world, net = load(args.scale, args.kind)
    start = world.start(1, preset["context"], args.seed + 2000)
    step = repro.predictor(net, args.kind, args.steps, args.seed)
    if args.interactive:
        acts: list[int] = []
        print("l = left, r = right, s = stay, q = quit")
        for line in sys.stdin:
            if line.strip().lower() == "q":
                break
            try:
                acts += parse_actions(line).tolist() or [0]
            except ValueError as err:
                print(err)
                continue
            # a fresh sampler with the same seed regenerates the same prefix, then the new frames
            step = repro.predictor(net, args.kind, args.steps, args.seed)
            gen = repro.rollout(step, start, np.array([acts]))
            print(ascii_frame(gen[0, -1]))
        return 0
    acts = parse_actions(args.actions)[None]
    gen = repro.rollout(step, start, acts)
    truth, _ = world.follow(start, acts)
    if args.out:
        write_gif(args.out, gen[0], truth[0])
        print(f"wrote {args.out} ({len(acts[0])} frames: generated | game)")
    else:
        print(ascii_frame(gen[0, -1]))
    return 0


if __name__ == "__main__":
    torch.set_num_threads(2)
    sys.exit(main())
