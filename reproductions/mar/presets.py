"""Scales of the MAR toy (nanoGPT-style presets). The toy takes seconds, so both scales run it;
``full`` only trains longer and draws more samples."""

smoke = dict(steps=1500, batch=256, draws=4, lr=2e-3, ema_decay=0.995, cond_dim=64, width=64, depth=3,
             eval_samples=2000, sample_steps=50, temperatures=(1.0, 0.5))
full = dict(smoke, steps=6000, eval_samples=20000, sample_steps=100)
