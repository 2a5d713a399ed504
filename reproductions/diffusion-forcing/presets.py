"""Scales, nanoGPT style: one dict per scale, nothing else changes between them."""

SMOKE = {
    # two grey balls that collide, with velocity jitter, on 14x14 frames: learnable in
    # CPU-minutes, and hard enough that a model's own small errors compound over a rollout
    "world": {"size": 14, "n_balls": 2, "radius": (1.5, 1.8), "speed": (0.6, 1.2),
              "max_speed": 1.5, "jitter": 0.15},
    "render_size": 14,
    "frames": 8,              # training clip length T
    "context": 2,             # true frames given before sampling
    "num_levels": 100,        # K, the diffusion levels of the noise table
    "model": {"width": 32, "depth": 3, "heads": 2, "patch": 1},
    "train": {"steps": 800, "batch": 32, "lr": 2e-3, "ema_decay": 0.995, "warmup": 50},
    "sample_steps": 10,       # S, denoising rows per frame
    "k_stab": 2,              # level at which DF shows every finished frame (Sec. 3.3)
    "eval": {"gate_clips": 128, "schedule_samples": 64, "rollouts": 32, "rollout_frames": 64,
             "stabilisation_ablation": True},
    "gate_max_ratio": 0.5,
    "noisy_context_level": 30,  # context shown at this level for the noisy-context claim
}

FULL = {
    # several coloured colliding balls rendered at 64x64 (physics on a 16-pixel box, scaled)
    "world": {"size": 16, "n_balls": 3, "radius": (1.6, 2.0), "speed": (0.5, 1.0),
              "max_speed": 1.4, "jitter": 0.12, "colour": True},
    "render_size": 64,
    "frames": 16,
    "context": 2,
    "num_levels": 100,
    "model": {"width": 64, "depth": 4, "heads": 4, "patch": 2},
    "train": {"steps": 2000, "batch": 32, "lr": 1e-3, "ema_decay": 0.998, "warmup": 200},
    "sample_steps": 8,
    "k_stab": 4,
    "eval": {"gate_clips": 128, "schedule_samples": 64, "rollouts": 48, "rollout_frames": 256,
             "stabilisation_ablation": True},
    "gate_max_ratio": 0.5,
    "noisy_context_level": 30,  # context shown at this level for the noisy-context claim
}

PRESETS = {"smoke": SMOKE, "full": FULL}
