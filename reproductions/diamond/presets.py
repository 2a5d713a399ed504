"""Scales as presets (nanoGPT style): one dict per scale, nothing else varies between runs.

smoke: the paddle-and-ball game at 24x24 on a 2-core CPU (each model a few CPU-minutes).
full:  Atari Breakout at 64x64 through ale-py on one GPU (each model about 70 s on an H100;
       both studies together about 5 minutes, the plain EDM model shared).
"""

SMOKE = {
    "world": "game",
    "world_args": {"size": 24},
    "context": 4,
    "net": {"widths": (32, 48, 48), "cond_dim": 64},
    "train": {"steps": 1000, "lr": 1e-3, "warmup": 50, "ema_decay": 0.99, "batch": 32},
    "data": {"clips": 512, "length": 24},
    "eval": {"starts": 32, "horizon": 16, "ctrl_horizon": 8, "noisy_sigma": 0.3},
    "steps_few": [1, 3],           # the few-step regime of DIAMOND Sec. 5.1
    "steps_many": 20,              # the DDPM baseline with many steps (ancestral and DDIM)
    "gate_reference": "mean_frame",   # context-use gate: error / the mean frame's <= 0.5
    "gate_max_ratio": 0.5,
}

FULL = {
    "world": "atari",
    "world_args": {"game": "breakout", "size": 64},
    "context": 4,
    "net": {"widths": (64, 96, 128, 128), "cond_dim": 128},
    "train": {"steps": 2000, "lr": 5e-4, "warmup": 100, "ema_decay": 0.999, "batch": 64},
    "data": {"clips": 400, "length": 48},
    "eval": {"starts": 64, "horizon": 32, "ctrl_horizon": 12, "noisy_sigma": 0.3},
    "steps_few": [1, 3],
    "steps_many": 50,
    "gate_reference": "copy_last",    # Breakout's mean frame is already close (35.6 dB): error
    "gate_max_ratio": 0.75,           # at most 3/4 of copying the last frame's
}

PRESETS = {"smoke": SMOKE, "full": FULL}
