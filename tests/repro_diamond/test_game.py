"""The paddle-and-ball game: determinism, ground truth, and actions that move the paddle."""
import numpy as np
import pytest

from reproductions.harness.game import (LEFT, RIGHT, STAY, GameConfig, PaddleGame,
                                        paddle_x_from_frames, parse_actions)


def test_same_seed_same_world_and_different_seed_differs():
    game = PaddleGame()
    a = game.play(4, 30, np.random.default_rng(3))
    b = game.play(4, 30, np.random.default_rng(3))
    c = game.play(4, 30, np.random.default_rng(4))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_actions_move_the_paddle_by_its_speed_and_walls_stop_it():
    cfg = GameConfig()
    game = PaddleGame(cfg)
    state = game.initial_state(1, np.random.default_rng(0))
    state.paddle[:] = 12.0
    for action, expected in ((RIGHT, 14.0), (LEFT, 12.0), (STAY, 12.0)):
        state = game.step(state, np.array([action]))
        assert state.paddle[0] == pytest.approx(expected)
    for _ in range(20):
        state = game.step(state, np.array([LEFT]))
    assert state.paddle[0] == pytest.approx(cfg.paddle_width / 2)


def test_ball_only_depends_on_paddle_through_catching():
    """The ball stays in the box and above the paddle's rows under any actions."""
    cfg = GameConfig()
    game = PaddleGame(cfg)
    _, _, truth, _ = game.play(64, 200, np.random.default_rng(1))
    ball = truth["ball"]
    assert ball[..., 0].min() >= cfg.radius - 1e-9 and ball[..., 0].max() <= cfg.size - cfg.radius + 1e-9
    assert ball[..., 1].min() >= cfg.radius - 1e-9 and ball[..., 1].max() <= cfg.floor + 1e-9


def test_paddle_is_read_back_from_frames_at_any_size():
    game = PaddleGame()
    for size in (24, 48, 64):
        frames, _, truth, _ = game.play(8, 20, np.random.default_rng(2), size=size)
        assert frames.shape == (8, 20, 1, size, size)
        assert np.abs(paddle_x_from_frames(frames, game.cfg) - truth["paddle"]).max() < 1e-4


def test_follow_continues_the_start_and_is_repeatable():
    game = PaddleGame(GameConfig(jitter=0.1))
    start = game.start(3, 4, seed=5)
    left = np.full((3, 6), LEFT)
    f1, p1 = game.follow(start, left)
    f2, p2 = game.follow(start, left)
    assert np.array_equal(f1, f2) and np.array_equal(p1, p2)
    fr, pr = game.follow(start, np.full((3, 6), RIGHT))
    assert np.all(pr[:, -1] >= p1[:, -1])
    assert np.any(pr[:, -1] - p1[:, -1] > 10)
    start_paddle = game.paddle_x(start.frames[:, -1])
    assert np.allclose(p1[:, 0], np.maximum(start_paddle - 2, game.cfg.paddle_width / 2), atol=1e-4)


def test_action_strings_and_bad_config():
    assert parse_actions("lrS").tolist() == [LEFT, RIGHT, STAY]
    with pytest.raises(ValueError, match="unknown action"):
        parse_actions("lx")
    with pytest.raises(ValueError, match="paddle_width"):
        GameConfig(paddle_width=20)
