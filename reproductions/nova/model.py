"""The networks of the pipeline: a convolutional autoencoder (stages 1 and 4) and NOVA's temporal
transformer (stage 2); the per-token heads (stage 3) are MAR's, in ``reproductions/mar/model.py``.

Temporal transformer (NOVA, arXiv 2412.14169, Sec. 3 and Fig. 2): frames are causal units, tokens
inside a frame see each other (block-causal attention), and a frame is generated set by set with
MAR's masked random-order decoding. To train every frame of a clip in one pass, the sequence holds
two streams: the *clean* tokens of the context frames, where frame s sees clean frames <= s, and
the *query* tokens of the frames being predicted (known tokens embedded, unknown ones replaced by
a learned mask token), where the query of frame f sees the clean frames < f and its own query
tokens only. A query therefore sees exactly what it would see at generation time, which a test
checks (training pass == one-frame generation pass).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Autoencoder(nn.Module):
    """Frames (B, C, H, W) in [0, 1] <-> latent grids (B, latent, H / patch, W / patch).
    ``tokens``/``frames`` add the per-channel normalisation measured on data (``fit_scale``) and
    flatten the grid in raster order, so the transformer sees unit-scale tokens (B, N, latent)."""

    def __init__(self, channels: int = 1, latent: int = 4, width: int = 64, patch: int = 4):
        super().__init__()
        # a patch-wise convolution (kernel = stride = patch), two 1x1 layers, and a 3x3 layer
        # that lets each token see its neighbours; the decoder mirrors it
        self.patch = patch
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, width, patch, stride=patch), nn.SiLU(),
            nn.Conv2d(width, width, 3, padding=1), nn.SiLU(),
            nn.Conv2d(width, width, 1), nn.SiLU(), nn.Conv2d(width, latent, 1))
        self.decoder = nn.Sequential(
            nn.Conv2d(latent, width, 1), nn.SiLU(), nn.Conv2d(width, width, 3, padding=1), nn.SiLU(),
            nn.Conv2d(width, width, 1), nn.SiLU(),
            nn.ConvTranspose2d(width, channels, patch, stride=patch))
        self.register_buffer("mean", torch.zeros(latent))
        self.register_buffer("std", torch.ones(latent))

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return torch.sigmoid(self.decoder(z))

    @torch.no_grad()
    def fit_scale(self, frames: torch.Tensor) -> None:
        z = self.encode(frames)
        self.mean.copy_(z.mean(dim=(0, 2, 3)))
        self.std.copy_(z.std(dim=(0, 2, 3)).clamp(min=1e-3))

    def tokens(self, frames: torch.Tensor) -> torch.Tensor:
        """(..., C, H, W) -> (..., N, latent), normalised."""
        lead = frames.shape[:-3]
        z = self.encode(frames.reshape((-1,) + frames.shape[-3:]))
        z = (z.flatten(2).transpose(1, 2) - self.mean) / self.std
        return z.reshape(lead + z.shape[1:])

    def frames(self, tokens: torch.Tensor) -> torch.Tensor:
        """(..., N, latent) normalised tokens (a square grid) -> (..., C, H, W)."""
        lead = tokens.shape[:-2]
        side = round(tokens.shape[-2] ** 0.5)
        grid = (side, side)
        z = tokens.reshape((-1,) + tokens.shape[-2:]) * self.std + self.mean
        z = z.transpose(1, 2).reshape(len(z), -1, *grid)
        x = self.decode(z)
        return x.reshape(lead + x.shape[1:])


def two_stream_mask(context_frames: int, query_frames: list[int], tokens: int,
                    device=None) -> torch.Tensor:
    """Boolean (L, L) attention mask, True = may attend, for [clean tokens of frames
    0..context_frames-1, query tokens of the frames in ``query_frames``]."""
    ctx = torch.arange(context_frames, device=device).repeat_interleave(tokens)
    qry = torch.as_tensor(query_frames, device=device).repeat_interleave(tokens)
    qid = torch.arange(len(query_frames), device=device).repeat_interleave(tokens)
    cc = ctx[None, :] <= ctx[:, None]                    # clean: block-causal
    qc = ctx[None, :] < qry[:, None]                     # query: strictly earlier clean frames
    qq = qid[None, :] == qid[:, None]                    # query: its own frame's tokens
    top = torch.cat([cc, cc.new_zeros(len(ctx), len(qry))], dim=1)
    return torch.cat([top, torch.cat([qc, qq], dim=1)], dim=0)


class Block(nn.Module):
    """Pre-norm transformer block with an explicit boolean attention mask."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        b, n, w = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, w // self.heads) \
            .permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        x = x + self.proj(a.transpose(1, 2).reshape(b, n, w))
        return x + self.mlp(self.norm2(x))


class FrameTransformer(nn.Module):
    """Block-causal temporal transformer with masked within-frame queries. Returns one condition
    vector per query token for the per-token head."""

    def __init__(self, token_dim: int, tokens_per_frame: int, max_frames: int, width: int = 64,
                 depth: int = 3, heads: int = 4):
        super().__init__()
        self.tokens_per_frame, self.max_frames = tokens_per_frame, max_frames
        self.embed = nn.Linear(token_dim, width)
        self.mask_token = nn.Parameter(torch.zeros(width))
        self.space = nn.Parameter(0.02 * torch.randn(tokens_per_frame, width))
        self.time = nn.Parameter(0.02 * torch.randn(max_frames, width))
        self.stream = nn.Parameter(0.02 * torch.randn(2, width))
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(width)
        self.width = width

    def forward(self, context: torch.Tensor, query: torch.Tensor, known: torch.Tensor,
                query_frames: list[int]) -> torch.Tensor:
        """context (B, Tc, N, D) clean tokens of frames 0..Tc-1; query (B, Tq, N, D) tokens of the
        frames ``query_frames`` with ``known`` (B, Tq, N) marking the given ones (the others are
        ignored). Returns (B, Tq, N, width)."""
        b, tc, n, _ = context.shape
        tq = query.shape[1]
        qf = torch.as_tensor(query_frames, device=query.device)
        c = self.embed(context) + self.time[:tc, None] + self.space + self.stream[0]
        q = torch.where(known[..., None], self.embed(query), self.mask_token)
        q = q + self.time[qf][:, None] + self.space + self.stream[1]
        x = torch.cat([c.reshape(b, tc * n, -1), q.reshape(b, tq * n, -1)], dim=1)
        allowed = two_stream_mask(tc, query_frames, n, x.device)
        for block in self.blocks:
            x = block(x, allowed)
        return self.norm(x[:, tc * n:]).reshape(b, tq, n, -1)
