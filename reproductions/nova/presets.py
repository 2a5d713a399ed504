"""Scales of the pipeline (nanoGPT-style presets).

smoke: 16x16 frames of one ball (radius 2) in the forking world, 4x4 tokens of 4 channels (one per
4x4 patch) per
frame, clips of 6 frames, a 3-layer width-64 transformer and a width-64 diffusion head; CPU.
full: 32x32 frames (8x8 tokens), longer clips, a larger model, longer rollouts; one GPU.
"""

smoke = dict(
    size=16, radius=2.0, speed=2 ** 0.5, fork=0.5, clip=6, latent=4,
    ae_width=64, ae_steps=2000, ae_batch=64, ae_lr=2e-3, ae_latent_noise=0.1,
    ae_latent_penalty=1e-3,
    width=64, depth=3, heads=4, head_width=128, head_depth=3,
    steps=2000, batch=32, draws=4, lr=1e-3, ema_decay=0.995,
    eval_scenes=128, context=3, fork_horizon=5, long_horizon=12,
    iterations=4, sample_steps=30, temperature=0.5, near=1.5,
)
# full: 6000 steps of 64 clips (384k clips: after as many, 12000 steps of 32, the smoke pipeline's
# rollouts first met the diffusion side of the claim; card calibration.longer_training) and
# temperature 1, because tau = 0.5 roughly halves the minority branch (calibration.diagnosis);
# both set before any full-scale run.
full = dict(
    smoke, size=32, radius=3.0, clip=8, ae_steps=2000, ae_batch=128,
    width=128, depth=4, head_width=256, head_depth=3, steps=6000, batch=64, lr=5e-4,
    eval_scenes=512, fork_horizon=8, long_horizon=48, iterations=8, sample_steps=50,
    temperature=1.0, progress=True,
)
