"""Metrics shared by every reproduction.

Pixel metrics (PSNR, SSIM) come from scikit-image. Physics metrics use the simulator's ground
truth: balls are recovered from a generated frame as connected blobs (scipy.ndimage), giving
blob validity (right count, right size), centroids and the trajectory error against the true
positions; the perturbed-simulator floor is the same error between two runs of the same scene
that differ by a tiny perturbation (the Physics-IQ idea). Arrays are numpy, frames are
(..., C, H, W) in [0, 1].
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


# ---- pixel metrics --------------------------------------------------------------------------

def psnr(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """PSNR per frame for (N, T, C, H, W) arrays -> (N, T); data range 1."""
    out = np.empty(pred.shape[:2])
    for i, j in np.ndindex(*out.shape):
        out[i, j] = peak_signal_noise_ratio(target[i, j], np.clip(pred[i, j], 0, 1), data_range=1.0)
    return out


def ssim(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """SSIM per frame for (N, T, C, H, W) arrays -> (N, T); data range 1, 7x7 window."""
    out = np.empty(pred.shape[:2])
    for i, j in np.ndindex(*out.shape):
        out[i, j] = structural_similarity(target[i, j], np.clip(pred[i, j], 0, 1), data_range=1.0,
                                          channel_axis=0, win_size=7)
    return out


def by_horizon(values: np.ndarray) -> list[float]:
    """(N, T) per-sample values -> [mean over samples at t] (NaNs ignored)."""
    with np.errstate(all="ignore"):
        return [float(v) for v in np.nanmean(np.asarray(values, float), axis=0)]


# ---- blobs, validity, trajectories ------------------------------------------------------------

def find_blobs(frames: np.ndarray, threshold: float = 0.5):
    """Connected bright regions of each frame.

    ``frames`` (..., C, H, W). Returns (counts (...), areas, centroids) where ``areas[i]`` and
    ``centroids[i]`` (x, y in pixels) list the blobs of flattened frame i."""
    lead = frames.shape[:-3]
    inten = np.asarray(frames).max(axis=-3).reshape((-1,) + frames.shape[-2:])
    mask = inten > threshold
    structure = np.zeros((3, 3, 3), bool)
    structure[1] = True  # 8-connected within a frame, never across frames
    labels, n = ndimage.label(mask, structure=structure)
    idx = np.arange(1, n + 1)
    frame_of = np.array([sl[0].start for sl in ndimage.find_objects(labels)], int) if n else \
        np.zeros(0, int)
    area = ndimage.sum(mask, labels, idx) if n else np.zeros(0)
    com = np.array(ndimage.center_of_mass(inten, labels, idx)).reshape(-1, 3) if n else \
        np.zeros((0, 3))
    counts = np.bincount(frame_of, minlength=len(inten))
    areas = [[] for _ in range(len(inten))]
    cents = [[] for _ in range(len(inten))]
    for f, a, c in zip(frame_of, area, com):
        areas[f].append(float(a))
        cents[f].append((c[2] + 0.5, c[1] + 0.5))
    return counts.reshape(lead), areas, cents


def area_bounds(radius: tuple[float, float], scale: float = 1.0,
                tolerance: tuple[float, float] = (0.5, 1.6)) -> tuple[float, float]:
    """Allowed blob areas (pixels above threshold) for balls of these radii at this scale."""
    return (tolerance[0] * np.pi * (radius[0] * scale) ** 2,
            tolerance[1] * np.pi * (radius[1] * scale) ** 2)


def blob_validity(frames: np.ndarray, n_balls: int, bounds: tuple[float, float],
                  threshold: float = 0.5, allow_merged: bool = False) -> np.ndarray:
    """True where a frame shows exactly ``n_balls`` blobs, each of a ball's size. With
    ``allow_merged`` (several balls that may touch), fewer blobs also count when each is at
    least one ball's size and together they cover ``n_balls`` balls' worth of area."""
    counts, areas, _ = find_blobs(frames, threshold)
    lo, hi = bounds

    def ok(c, ar):
        if c == n_balls:
            return all(lo <= a <= hi for a in ar)
        return (allow_merged and 1 <= c < n_balls and all(a >= lo for a in ar)
                and n_balls * lo <= sum(ar) <= n_balls * hi)
    return np.array([ok(c, ar) for c, ar in zip(counts.ravel(), areas)], bool).reshape(counts.shape)


def continuity(frames: np.ndarray, before: np.ndarray, max_jump: float,
               threshold: float = 0.5) -> np.ndarray:
    """(N, T) True where every blob of frame t lies within ``max_jump`` pixels of its nearest
    blob of frame t - 1 (of ``before`` (N, C, H, W) for t = 0): balls move, they do not
    teleport (nearest, not one-to-one, so touching balls may merge and split). A frame with no
    blobs, or whose predecessor has none, is not continuous."""
    seq = np.concatenate([np.asarray(before)[:, None], np.asarray(frames)], axis=1)
    _, _, cents = find_blobs(seq, threshold)
    n, t = seq.shape[:2]
    out = np.zeros((n, t - 1), bool)
    for i in range(n):
        for j in range(1, t):
            a, b = cents[i * t + j], cents[i * t + j - 1]
            if a and b:
                cost = np.linalg.norm(np.asarray(a)[:, None] - np.asarray(b)[None], axis=-1)
                out[i, j - 1] = cost.min(axis=1).max() <= max_jump
    return out


def match_error(found: list[tuple[float, float]], true: np.ndarray) -> float:
    """Mean distance between found centroids and true positions (n, 2) after an optimal
    one-to-one matching; NaN when nothing was found."""
    if not found:
        return float("nan")
    cost = np.linalg.norm(np.asarray(found)[:, None] - true[None], axis=-1)
    r, c = linear_sum_assignment(cost)
    return float(cost[r, c].mean())


def trajectory_error(frames: np.ndarray, positions: np.ndarray, scale: float = 1.0,
                     threshold: float = 0.5) -> np.ndarray:
    """(N, T) centroid error in world pixels of generated frames against true positions
    (N, T, n, 2). Read it together with validity: an invalid frame's error is not meaningful."""
    _, _, cents = find_blobs(frames, threshold)
    flat = positions.reshape((-1,) + positions.shape[-2:])
    err = [match_error([(x / scale, y / scale) for x, y in c], p) for c, p in zip(cents, flat)]
    return np.array(err).reshape(positions.shape[:2])


def survival(valid: np.ndarray) -> np.ndarray:
    """(N, T) validity -> fraction of rollouts whose frames 0..t are all valid, per t."""
    return np.cumprod(np.asarray(valid, bool), axis=1).mean(axis=0)


def perturbed_floor(world, state, steps: int, eps: float, seed: int) -> np.ndarray:
    """Trajectory error per step (mean over the batch) between two runs of the same scene whose
    positions differ by ``eps`` pixels and whose random kicks are drawn independently: the error
    that even the simulator itself makes against one ground truth."""
    rng = np.random.default_rng([seed, 7])
    a = world.simulate(len(state.pos), steps, np.random.default_rng([seed, 8]),
                       state=world.perturbed(state, eps, rng))[1]
    b = world.simulate(len(state.pos), steps, np.random.default_rng([seed, 9]),
                       state=world.perturbed(state, eps, rng))[1]
    err = np.array([[match_error(list(map(tuple, a[i, t])), b[i, t]) for t in range(steps)]
                    for i in range(len(a))])
    return err.mean(axis=0)


# ---- distributions ------------------------------------------------------------------------------

def frechet_from_moments(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), in float64.

    The matrix square root goes through symmetric eigendecompositions (eigh), which stay real
    and stable where a general sqrtm can return complex noise."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    w, v = np.linalg.eigh((s1 + s1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = root1 @ s2 @ root1
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * cross)


def frechet_distance(x: np.ndarray, y: np.ndarray) -> dict:
    """Fréchet distance between Gaussian fits of two sample sets (N, D); always returned with
    its sample counts, because the estimate is biased upward at small N."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    value = frechet_from_moments(x.mean(0), np.cov(x, rowvar=False), y.mean(0),
                                 np.cov(y, rowvar=False))
    return {"value": value, "n_x": len(x), "n_y": len(y)}


# ---- cost ------------------------------------------------------------------------------------------

def parameter_count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def throughput(generate: Callable[[], Iterable], warmup: int = 1, sync: Callable = lambda: None,
               repeats: int = 3) -> dict:
    """Steady-state frames per second and first-frame latency of a streaming generator.

    ``generate()`` returns an iterable that yields frames (or chunks: anything with len() is
    counted by its leading dimension). Warm-up calls run first and are not timed; latency is
    from the call to the first yielded frame (with ``sync``, e.g. torch.cuda.synchronize);
    steady fps counts the frames after the first chunk over the time after it. Each figure is the
    median over ``repeats`` timed runs, so one stall of a shared machine does not set it."""
    for _ in range(warmup):
        for _ in generate():
            pass
    runs = [_timed_run(generate, sync) for _ in range(repeats)]
    return {"first_frame_latency_s": float(np.median([r[0] for r in runs])),
            "fps_steady": float(np.median([r[1] for r in runs])), "frames": runs[0][2]}


def _timed_run(generate: Callable[[], Iterable], sync: Callable) -> tuple[float, float, int]:
    sync()
    start = time.perf_counter()
    first, frames_after, t_first = None, 0, None
    for chunk in generate():
        sync()
        n = len(chunk) if hasattr(chunk, "__len__") else 1
        if first is None:
            first, t_first = n, time.perf_counter()
        else:
            frames_after += n
    end = time.perf_counter()
    fps = frames_after / (end - t_first) if frames_after else float("nan")
    return t_first - start, fps, first + frames_after
