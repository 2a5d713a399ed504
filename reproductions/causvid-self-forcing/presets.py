"""Scales as small dicts (nanoGPT style). ``smoke``: CPU, in CI; ``full``: one GPU, < 10 min."""

smoke = dict(
    world="circles", frames=16, frames_per_block=4, tokens_per_frame=1, token_dim=2,
    dim=48, depth=2, heads=4, mlp_ratio=2,
    teacher_steps=50, student_steps=4,
    batch=128, lr=1e-3,
    teacher_iters=1500, ode_pairs=2048, ode_iters=800,
    dmd_iters=1000, dmd_lr=2e-5, fake_lr=2e-4, critic_steps=3, dmd_t_range=(0.02, 0.98),
    ema_decay=0.995, eval_samples=2048, sw_projections=256, gate_max_ratio=0.5,
    interval_groups=16,   # disjoint groups of the evaluation clips for the paired 95% intervals
    cpu_threads=2,      # fixed so that a CPU run is deterministic (CI runs on 2 cores)
)

full = dict(smoke)
full.update(
    world="balls", frames=16, frames_per_block=4, image_size=16, patch=4, tokens_per_frame=16,
    token_dim=16, n_balls=2, radius=(1.5, 2.0), jitter=0.05, colour=False,
    dim=192, depth=6, heads=6, batch=128,
    teacher_iters=2000, ode_pairs=4096, ode_iters=1000, dmd_iters=300,
    eval_samples=1024, cpu_threads=None,
)

PRESETS = {"smoke": smoke, "full": full}
