"""A procedural paddle-and-ball game: an action-conditioned world with ground-truth state.

The player moves a paddle along the bottom of a square box with one of three actions
(``STAY``, ``LEFT``, ``RIGHT``). A ball bounces off the side walls and the ceiling; when it
reaches the paddle's top edge it bounces if the paddle is under it, otherwise it is missed and
re-enters at the top in the same column. So the paddle depends only on the actions and the ball
depends on the paddle: predicting frames needs the actions (a world model, not a video
predictor). Optional velocity jitter makes the ball's future uncertain.

Coordinates are world pixels at ``size`` (pixel (row i, column j) centred at (j + .5, i + .5));
the ball never enters the paddle's rows, so the paddle's position can be read back from a
frame's bottom rows (:func:`paddle_x_from_frames`). Vectorised over a batch with numpy;
deterministic given the random generator; rendered anti-aliased at any size.

The action-world protocol (shared with :mod:`reproductions.harness.atari`): a world has
``n_actions``, ``channels``, ``size`` and
  clips(n, length, seed) -> frames (n, T, C, H, W) in [0, 1], actions (n, T) int64
  start(n, k, seed)      -> Start: the last k frames, their actions, the state to continue
  follow(start, actions) -> frames (n, H, C, H, W) and paddle x (n, H) after actions (n, H)
  actions(n, steps, seed) -> action strings (n, steps) of the data policy
  paddle_x(frames)       -> the paddle's x read from frames, in pixels of the frame
  moves                  -> {"left": action id, "right": action id}
The action at t moves the world from frame t to frame t+1.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

STAY, LEFT, RIGHT = 0, 1, 2
ACTION_NAMES = {"s": STAY, "l": LEFT, "r": RIGHT}


@dataclass(frozen=True)
class GameConfig:
    size: int = 24                 # frame side in pixels
    paddle_width: float = 6.0
    paddle_height: float = 2.0
    paddle_speed: float = 2.0      # pixels per step for LEFT / RIGHT
    radius: float = 1.5
    speed: tuple[float, float] = (0.8, 1.4)   # initial ball speed per axis, pixels per step
    jitter: float = 0.0            # std of a per-step kick to the ball's velocity
    ball_level: float = 0.6        # grey level of the ball (the paddle is 1.0)
    action_repeat: float = 0.8     # the data policy repeats its last action with this probability

    def __post_init__(self):
        problems = []
        if self.size < 8:
            problems.append("size must be >= 8")
        if not 0 < self.paddle_width < self.size / 2:
            problems.append("paddle_width must be in (0, size/2)")
        if not 0 < self.paddle_height < self.size / 4:
            problems.append("paddle_height must be in (0, size/4)")
        if not 0 < self.radius < self.size / 6:
            problems.append("radius must be in (0, size/6)")
        if not 0 < self.speed[0] <= self.speed[1] < self.radius * 2:
            problems.append("speed must satisfy 0 < low <= high < 2 * radius")
        if self.jitter < 0 or not 0 <= self.action_repeat <= 1:
            problems.append("jitter must be >= 0 and action_repeat in [0, 1]")
        if problems:
            raise ValueError("GameConfig: " + "; ".join(problems))

    @property
    def floor(self) -> float:
        """The ball centre's lowest y: the paddle's top edge minus the radius."""
        return self.size - self.paddle_height - self.radius


@dataclass
class GameState:
    paddle: np.ndarray   # (B,) paddle centre x
    ball: np.ndarray     # (B, 2) ball centre (x, y)
    vel: np.ndarray      # (B, 2) ball velocity

    def copy(self) -> "GameState":
        return GameState(self.paddle.copy(), self.ball.copy(), self.vel.copy())


class PaddleGame:
    """The paddle-and-ball game: ``play`` returns frames, actions and ground-truth state."""

    n_actions = 3
    channels = 1
    moves = {"left": LEFT, "right": RIGHT}

    def __init__(self, config: GameConfig = GameConfig()):
        self.cfg = config

    @property
    def size(self) -> int:
        return self.cfg.size

    # ---- the action-world protocol ----
    def clips(self, n: int, length: int, seed: int):
        frames, actions, _, _ = self.play(n, length, np.random.default_rng([seed, 2**31]))
        return frames, actions

    def actions(self, n: int, steps: int, seed: int) -> np.ndarray:
        """Action strings (n, steps) drawn by the data policy."""
        return self._policy_strings(n, steps, np.random.default_rng([seed, 2**31 + 2]))

    def _policy_strings(self, n: int, steps: int, rng: np.random.Generator) -> np.ndarray:
        acts = [rng.integers(0, self.n_actions, n)]
        for _ in range(steps - 1):
            acts.append(self.policy(acts[-1], rng))
        return np.stack(acts, 1)

    def start(self, n: int, k: int, seed: int) -> "Start":
        rng = np.random.default_rng([seed, 2**31 + 1])
        frames, actions, _, state = self.play(n, k, rng)
        return Start(frames, actions, (state, rng))

    def follow(self, start: "Start", actions: np.ndarray):
        state, rng = start.state
        rng = np.random.default_rng(rng.bit_generator.state["state"]["state"] % 2**63)
        acts = np.asarray(actions, np.int64)
        # frame 0 of play() is the start's last frame; the rollout is the frames after it
        frames, _, truth, _ = self.play(len(acts), acts.shape[1] + 1, rng, state=state,
                                        actions=np.concatenate([acts, acts[:, -1:]], 1))
        return frames[:, 1:], truth["paddle"][:, 1:]

    def paddle_x(self, frames) -> np.ndarray:
        return paddle_x_from_frames(frames, self.cfg)

    def with_(self, **changes) -> "PaddleGame":
        """A variation of this world (typed: fails on an unknown or invalid field)."""
        return PaddleGame(replace(self.cfg, **changes))

    def initial_state(self, batch: int, rng: np.random.Generator) -> GameState:
        c = self.cfg
        half = c.paddle_width / 2
        paddle = rng.uniform(half, c.size - half, batch)
        ball = np.stack([rng.uniform(c.radius, c.size - c.radius, batch),
                         rng.uniform(c.radius, c.floor - 2, batch)], -1)
        sign = rng.choice([-1.0, 1.0], size=(batch, 2))
        vel = sign * rng.uniform(*c.speed, size=(batch, 2))
        return GameState(paddle, ball, vel)

    def step(self, s: GameState, action: np.ndarray, rng: np.random.Generator | None = None
             ) -> GameState:
        """One step: move the paddle by the action, then the ball (walls, paddle or a miss)."""
        c = self.cfg
        s = s.copy()
        action = np.asarray(action)
        move = np.where(action == LEFT, -1.0, np.where(action == RIGHT, 1.0, 0.0))
        half = c.paddle_width / 2
        s.paddle = np.clip(s.paddle + move * c.paddle_speed, half, c.size - half)
        if c.jitter > 0:
            s.vel += rng.normal(0.0, c.jitter, size=s.vel.shape)
            s.vel = np.clip(s.vel, -c.speed[1], c.speed[1])
        s.ball += s.vel
        x, y = s.ball[:, 0], s.ball[:, 1]
        low, high = c.radius, c.size - c.radius
        hit_side = (x < low) | (x > high)
        s.ball[:, 0] = np.where(x < low, 2 * low - x, np.where(x > high, 2 * high - x, x))
        s.vel[:, 0] = np.where(hit_side, -s.vel[:, 0], s.vel[:, 0])
        top = y < low
        s.ball[:, 1] = np.where(top, 2 * low - y, s.ball[:, 1])
        s.vel[:, 1] = np.where(top, -s.vel[:, 1], s.vel[:, 1])
        down = s.ball[:, 1] > c.floor
        caught = down & (np.abs(s.ball[:, 0] - s.paddle) <= half + c.radius)
        missed = down & ~caught
        s.ball[:, 1] = np.where(caught, 2 * c.floor - s.ball[:, 1],
                                np.where(missed, low + (s.ball[:, 1] - c.floor), s.ball[:, 1]))
        s.vel[:, 1] = np.where(caught, -s.vel[:, 1], s.vel[:, 1])
        return s

    def policy(self, previous: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The data policy: repeat the last action with probability ``action_repeat``, else a
        uniform new one (so the paddle travels across the box)."""
        fresh = rng.integers(0, self.n_actions, size=previous.shape)
        keep = rng.uniform(size=previous.shape) < self.cfg.action_repeat
        return np.where(keep, previous, fresh)

    def render(self, paddle: np.ndarray, ball: np.ndarray, size: int | None = None) -> np.ndarray:
        """Frames (..., 1, H, W) float32 in [0, 1] for paddle x (...) and ball (..., 2)."""
        c = self.cfg
        size = size or c.size
        scale = size / c.size
        centres = (np.arange(size) + 0.5) / scale                 # world coordinate of pixels
        # the paddle: a rectangle whose coverage falls off linearly over one pixel at its ends
        half = c.paddle_width / 2
        cov_x = np.clip((half - np.abs(centres - paddle[..., None])) * scale + 0.5, 0.0, 1.0)
        rows = (centres >= c.size - c.paddle_height).astype(np.float32)
        frame = rows[:, None] * cov_x[..., None, :]               # (..., H, W)
        dx = centres[None, :] - ball[..., 0, None, None]
        dy = centres[:, None] - ball[..., 1, None, None]
        cover = np.clip((c.radius - np.sqrt(dx ** 2 + dy ** 2)) * scale + 0.5, 0.0, 1.0)
        frame = np.maximum(frame, cover * c.ball_level)
        return frame[..., None, :, :].astype(np.float32)

    def play(self, batch: int, steps: int, rng: np.random.Generator,
             actions: np.ndarray | None = None, state: GameState | None = None,
             size: int | None = None):
        """``steps`` frames from ``state`` (drawn when None) under ``actions`` (B, steps): the
        action at t moves the world from frame t to frame t+1 (the last one is unused). When
        ``actions`` is None the data policy draws them.

        Returns frames (B, T, 1, H, W), actions (B, T) int64, state: paddle (B, T) and
        ball (B, T, 2), and the world state after the last frame."""
        s = self.initial_state(batch, rng) if state is None else state
        if actions is None:
            actions = self._policy_strings(batch, steps, rng)
        actions = np.asarray(actions, np.int64)
        paddles, balls = [], []
        for t in range(steps):
            if t > 0:
                s = self.step(s, actions[:, t - 1], rng)
            paddles.append(s.paddle)
            balls.append(s.ball)
        paddle, ball = np.stack(paddles, 1), np.stack(balls, 1)
        return self.render(paddle, ball, size), actions, {"paddle": paddle, "ball": ball}, s


@dataclass
class Start:
    """Starting points for action-conditioned rollouts: the last ``k`` frames (N, k, C, H, W),
    the actions taken between them (N, k; the last one is replaced by the rollout's first
    action) and the world's state at the last frame (whatever the world needs to continue)."""
    frames: np.ndarray
    actions: np.ndarray
    state: object


def paddle_x_from_frames(frames: np.ndarray | torch.Tensor, config: GameConfig) -> np.ndarray:
    """The paddle's centre x (world pixels) read from frames (..., C, H, W) in [0, 1]: the
    intensity-weighted mean column of the paddle's rows (the ball never enters them)."""
    f = np.asarray(frames.detach().cpu() if isinstance(frames, torch.Tensor) else frames)
    size = f.shape[-1]
    scale = size / config.size
    first = int(np.floor((config.size - config.paddle_height) * scale + 0.5))
    band = np.clip(f[..., first:, :], 0, 1).mean(axis=(-3, -2))    # (..., W)
    cols = (np.arange(size) + 0.5) / scale
    mass = band.sum(-1)
    return np.where(mass > 1e-6, (band * cols).sum(-1) / np.maximum(mass, 1e-6), np.nan)


def parse_actions(text: str) -> np.ndarray:
    """An action string like ``"llllrrss"`` (l = left, r = right, s = stay) -> action ids."""
    try:
        return np.array([ACTION_NAMES[ch] for ch in text.strip().lower()], np.int64)
    except KeyError as err:
        raise ValueError(f"unknown action {err.args[0]!r}: use l (left), r (right), s (stay)") \
            from None


class GameDataset(torch.utils.data.Dataset):
    """A fixed, seeded set of clips: item i is (frames (T, 1, H, W), actions (T,), paddle (T,))."""

    def __init__(self, world: PaddleGame, n_items: int, length: int, seed: int,
                 size: int | None = None):
        frames, actions, state, _ = world.play(n_items, length,
                                               np.random.default_rng([seed, 2**31]), size=size)
        self.frames = torch.from_numpy(frames)
        self.actions = torch.from_numpy(actions)
        self.paddle = torch.from_numpy(state["paddle"])

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int):
        return self.frames[i], self.actions[i], self.paddle[i]
