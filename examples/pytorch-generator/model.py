"""A small prompt-conditioned flow-matching transformer, written in plain PyTorch (issue #15).

Nothing here comes from Refract: it is the kind of model a PyTorch user brings. Convention (rectified flow, as SD3,
arXiv 2403.03206): x_t = (1 - t) * x0 + t * eps with t in [0, 1] (t = 1 is pure noise), and the network predicts the
velocity v = eps - x0. Inputs: x [B, 3, 32, 32] in [-1, 1], t [B] float, tokens [B, L] int64 (0 = pad; an all-pad
row is the null prompt of classifier-free guidance).

Architecture in the style of DiT (Peebles & Xie, arXiv 2212.09748): 4x4 patches -> 64 image tokens with fixed 2D
sin-cos positions, the prompt's word embeddings appended as further tokens (one stream, shared weights), and
adaLN-Zero blocks modulated by the time embedding plus the mean prompt embedding.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn, Tensor


def sincos_2d(side: int, dim: int) -> Tensor:
    """Fixed 2D sin-cos position embedding [side*side, dim] (MAE / DiT style: half the width per axis)."""
    quarter = dim // 4
    omega = 1.0 / (10000 ** (torch.arange(quarter, dtype=torch.float32) / quarter))
    ys, xs = torch.meshgrid(torch.arange(side, dtype=torch.float32), torch.arange(side, dtype=torch.float32), indexing="ij")
    parts = []
    for coord in (ys.reshape(-1), xs.reshape(-1)):
        angle = coord[:, None] * omega[None, :]
        parts += [angle.sin(), angle.cos()]
    return torch.cat(parts, dim=1)


def timestep_embedding(t: Tensor, dim: int) -> Tensor:
    """Sinusoidal embedding of t * 1000 (DDPM / DiT), [B] -> [B, dim]."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    angle = (t.float() * 1000.0)[:, None] * freqs[None, :]
    return torch.cat([angle.cos(), angle.sin()], dim=1)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, h: Tensor, key_bias: Tensor) -> Tensor:
        b, n, d = h.shape
        qkv = self.qkv(h).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q @ k.transpose(-1, -2)) * self.scale + key_bias  # key_bias [B, 1, 1, N]: -inf at pad tokens
        out = att.softmax(dim=-1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    """adaLN-Zero transformer block: the modulation starts at zero, so each block starts as the identity."""

    def __init__(self, dim: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))
        self.ada = nn.Linear(dim, 6 * dim)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(self, h: Tensor, c: Tensor, key_bias: Tensor) -> Tensor:
        s1, b1, g1, s2, b2, g2 = self.ada(F.silu(c)).unsqueeze(1).chunk(6, dim=-1)
        h = h + g1 * self.attn(self.norm1(h) * (1 + s1) + b1, key_bias)
        return h + g2 * self.mlp(self.norm2(h) * (1 + s2) + b2)


class FlowDiT(nn.Module):
    def __init__(self, vocab_size: int = 64, max_tokens: int = 12, image_size: int = 32, patch: int = 4,
                 dim: int = 96, depth: int = 4, heads: int = 4, mlp_ratio: int = 2):
        super().__init__()
        self.patch = patch
        self.side = image_size // patch
        self.dim = dim
        self.patch_embed = nn.Linear(3 * patch * patch, dim)
        self.register_buffer("pos", sincos_2d(self.side, dim))
        self.token_embed = nn.Embedding(vocab_size, dim)
        self.token_pos = nn.Parameter(torch.randn(max_tokens, dim) * 0.02)
        self.time_mlp = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.prompt_proj = nn.Linear(dim, dim)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.final_norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.final_ada = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, 3 * patch * patch)
        for m in (self.final_ada, self.out):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x: Tensor, t: Tensor, tokens: Tensor) -> Tensor:
        b = x.shape[0]
        p, s = self.patch, self.side
        # [B, 3, H, W] -> [B, N, 3*p*p] patches, row-major over the grid
        patches = x.reshape(b, 3, s, p, s, p).permute(0, 2, 4, 1, 3, 5).reshape(b, s * s, 3 * p * p)
        img = self.patch_embed(patches) + self.pos
        real = tokens != 0  # [B, L]
        words = self.token_embed(tokens) + self.token_pos[: tokens.shape[1]]
        words = words * real.unsqueeze(-1).float()
        count = real.float().sum(dim=1, keepdim=True).clamp(min=1.0)
        pooled = words.sum(dim=1) / count
        c = self.time_mlp(timestep_embedding(t, self.dim)) + self.prompt_proj(pooled)
        h = torch.cat([img, words], dim=1)
        keep = torch.cat([torch.ones(b, s * s, dtype=torch.bool, device=x.device), real], dim=1)
        key_bias = torch.zeros(keep.shape, dtype=x.dtype, device=x.device).masked_fill(~keep, float("-inf"))
        key_bias = key_bias[:, None, None, :]
        for block in self.blocks:
            h = block(h, c, key_bias)
        shift, scale = self.final_ada(F.silu(c)).unsqueeze(1).chunk(2, dim=-1)
        h = self.out(self.final_norm(h[:, : s * s]) * (1 + scale) + shift)  # image tokens only
        return h.reshape(b, s, s, 3, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, 3, s * p, s * p)
