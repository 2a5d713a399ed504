"""Rollout pictures: a PNG strip with generated rows beside their ground truth (Pillow)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def rollout_strip(path: Path, rows: list[tuple[str, np.ndarray]], every: int = 1,
                  max_frames: int = 32, zoom: int = 4) -> Path:
    """Write rows of frames (T, C, H, W in [0, 1]) as one image: one row per (label, frames),
    every ``every``-th frame, at most ``max_frames`` columns, nearest-neighbour zoom, with a
    one-pixel grey grid. Labels are kept in the PNG's text metadata (no font needed)."""
    picked = [(label, np.asarray(f)[::every][:max_frames]) for label, f in rows]
    t = max(len(f) for _, f in picked)
    c, h, w = picked[0][1].shape[1:]
    canvas = np.full((len(picked) * (h + 1) + 1, t * (w + 1) + 1, 3), 0.35, np.float32)
    for r, (_, frames) in enumerate(picked):
        for j, fr in enumerate(frames):
            img = np.clip(fr, 0, 1).transpose(1, 2, 0)
            if c == 1:
                img = np.repeat(img, 3, axis=2)
            canvas[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + j * (w + 1):1 + j * (w + 1) + w] = img
    canvas = np.kron(canvas, np.ones((zoom, zoom, 1), np.float32))
    image = Image.fromarray((canvas * 255).round().astype(np.uint8))
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("rows", " | ".join(label for label, _ in picked))
    info.add_text("every", str(every))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, pnginfo=info)
    return path
