"""A small prompt-conditioned flow-matching U-Net, written in plain PyTorch (issue #15).

Nothing here comes from Refract: it is the shape of model most PyTorch users bring, a miniature of diffusers'
UNet2DConditionModel (Rombach et al., arXiv 2112.10752): residual blocks with time conditioning, cross-attention from
the feature map to a prompt encoder's token states, skip connections between the down and up paths. Two things a
tiny U-Net needs to follow layout prompts at all: the attention queries carry fixed 2D sin-cos positions (a
convolution knows where it is only through padding, Islam et al., arXiv 2001.08248), and the prompt encoder is a
small transformer, so "left of" and the order of the nouns reach the keys (a bag of word embeddings cannot carry them).
Convention (rectified flow, SD3, arXiv 2403.03206): x_t = (1 - t) x0 + t eps with t in [0, 1], the network predicts
v = eps - x0. Inputs: x [B, 3, 32, 32] in [-1, 1], t [B] float, tokens [B, L] int64 (0 = pad; an all-pad row is the
null prompt of classifier-free guidance). Scriptable with torch.jit.script.
"""
import math
from typing import List

import torch
import torch.nn.functional as F
from torch import nn, Tensor

from model import sincos_2d, timestep_embedding


class TokenBlock(nn.Module):
    """Pre-LN transformer block over the prompt tokens (pads masked out of the keys)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, h: Tensor, key_bias: Tensor) -> Tensor:
        b, n, d = h.shape
        qkv = self.qkv(self.norm1(h)).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = (qkv[0] @ qkv[1].transpose(-1, -2)) * (d // self.heads) ** -0.5 + key_bias
        h = h + self.proj((att.softmax(dim=-1) @ qkv[2]).transpose(1, 2).reshape(b, n, d))
        return h + self.mlp(self.norm2(h))


class ResBlock(nn.Module):
    """GN-SiLU-conv, time scale/shift, GN-SiLU-conv, plus a 1x1 skip when the width changes (DDPM / diffusers)."""

    def __init__(self, cin: int, cout: int, tdim: int, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(tdim, 2 * cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: Tensor, temb: Tensor) -> Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.time(temb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        return self.skip(x) + self.conv2(F.silu(h))


class CrossAttention(nn.Module):
    """The map's positions (with fixed 2D sin-cos codes) attend to the prompt's token states."""

    def __init__(self, channels: int, side: int, ctx_dim: int, heads: int, groups: int):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, channels)
        self.register_buffer("pos", sincos_2d(side, channels))  # [side*side, C]
        self.q = nn.Linear(channels, channels)
        self.kv = nn.Linear(ctx_dim, 2 * channels)
        self.out = nn.Linear(channels, channels)

    def forward(self, x: Tensor, ctx: Tensor, key_bias: Tensor) -> Tensor:
        b, c, hh, ww = x.shape
        h = self.norm(x).flatten(2).transpose(1, 2) + self.pos  # [B, HW, C]
        d = c // self.heads
        q = self.q(h).view(b, hh * ww, self.heads, d).transpose(1, 2)
        kv = self.kv(ctx).view(b, ctx.shape[1], 2, self.heads, d).permute(2, 0, 3, 1, 4)
        att = (q @ kv[0].transpose(-1, -2)) * d ** -0.5 + key_bias  # key_bias [B, 1, 1, L]
        o = (att.softmax(dim=-1) @ kv[1]).transpose(1, 2).reshape(b, hh * ww, c)
        return x + self.out(o).transpose(1, 2).reshape(b, c, hh, ww)


class Upsample(nn.Module):
    """Nearest-neighbour x2, then a 3x3 convolution (DDPM / diffusers Upsample2D)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class FlowUNet(nn.Module):
    def __init__(self, vocab_size: int = 64, max_tokens: int = 12, image_size: int = 32, base: int = 32,
                 mult: List[int] = [1, 2, 2], text_dim: int = 96, text_layers: int = 2, heads: int = 4,
                 groups: int = 8):
        super().__init__()
        widths = [base * m for m in mult]
        tdim = 4 * base
        self.base = base
        self.token_embed = nn.Embedding(vocab_size, text_dim)
        self.token_pos = nn.Parameter(torch.randn(max_tokens, text_dim) * 0.02)
        self.text = nn.ModuleList([TokenBlock(text_dim, heads) for _ in range(text_layers)])
        self.text_norm = nn.LayerNorm(text_dim)
        self.time_mlp = nn.Sequential(nn.Linear(base, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.prompt_proj = nn.Linear(text_dim, tdim)
        self.stem = nn.Conv2d(3, widths[0], 3, padding=1)
        downs: List[nn.Module] = []
        attn_down: List[nn.Module] = []
        side = image_size
        cin = widths[0]
        skips = [cin]
        for i, w in enumerate(widths):
            downs.append(ResBlock(cin, w, tdim, groups))
            attn_down.append(CrossAttention(w, side, text_dim, heads, groups) if side <= 16 else nn.Identity())
            cin = w
            skips.append(w)
            if i < len(widths) - 1:
                side //= 2
        self.downs = nn.ModuleList(downs)
        self.attn_down = nn.ModuleList(attn_down)
        # one resampler per level (the last is the identity), so the levels can be zipped: TorchScript indexes a
        # ModuleList only with literals
        self.pools = nn.ModuleList([nn.Conv2d(w, w, 3, stride=2, padding=1) for w in widths[:-1]] + [nn.Identity()])
        self.mid = ResBlock(cin, cin, tdim, groups)
        self.mid_attn = CrossAttention(cin, side, text_dim, heads, groups)
        ups: List[nn.Module] = []
        attn_up: List[nn.Module] = []
        for i, w in reversed(list(enumerate(widths))):
            ups.append(ResBlock(cin + skips.pop(), w, tdim, groups))
            attn_up.append(CrossAttention(w, side, text_dim, heads, groups) if side <= 16 else nn.Identity())
            cin = w
            if i > 0:
                side *= 2
        self.ups = nn.ModuleList(ups)
        self.attn_up = nn.ModuleList(attn_up)
        self.upsamples = nn.ModuleList([Upsample(w) for w in reversed(widths[1:])] + [nn.Identity()])
        self.out_norm = nn.GroupNorm(groups, cin)
        self.out = nn.Conv2d(cin, 3, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: Tensor, t: Tensor, tokens: Tensor) -> Tensor:
        real = tokens != 0
        ctx = self.token_embed(tokens) + self.token_pos[: tokens.shape[1]]
        # an all-pad (null) prompt keeps its first key so the softmax is defined; its states are zeroed below
        keep = real.clone()
        keep[:, 0] = True
        key_bias = torch.zeros(keep.shape, dtype=x.dtype, device=x.device).masked_fill(~keep, float("-inf"))
        key_bias = key_bias[:, None, None, :]
        for block in self.text:
            ctx = block(ctx, key_bias)
        ctx = self.text_norm(ctx) * real.unsqueeze(-1).to(x.dtype)
        count = real.to(x.dtype).sum(dim=1, keepdim=True).clamp(min=1.0)
        temb = self.time_mlp(timestep_embedding(t, self.base)) + self.prompt_proj(ctx.sum(dim=1) / count)
        temb = F.silu(temb)
        h = self.stem(x)
        hs: List[Tensor] = [h]
        for block, attn, pool in zip(self.downs, self.attn_down, self.pools):
            h = block(h, temb)
            if isinstance(attn, CrossAttention):
                h = attn(h, ctx, key_bias)
            hs.append(h)
            h = pool(h)
        h = self.mid(h, temb)
        h = self.mid_attn(h, ctx, key_bias)
        for block, attn, up in zip(self.ups, self.attn_up, self.upsamples):
            h = block(torch.cat([h, hs.pop()], dim=1), temb)
            if isinstance(attn, CrossAttention):
                h = attn(h, ctx, key_bias)
            h = up(h)
        return self.out(F.silu(self.out_norm(h)))
