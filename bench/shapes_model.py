"""Python PyTorch twin of the shipped Shapes base (assets/base/shapes): TextToImageModel = PromptEncoder + the
ConditionalUNet with positional attention, coordinate channels and cross-attention at 32/16/8 (src/models/).

Written the way a PyTorch user would write it (nn.Module, F.*), with the same parameter names, shapes and op order
as the TypeScript modules, so the weights of model.safetensors load by name and both sides compute the same thing
(bench/engine.ts checks the first loss agrees). Only the architecture of the shipped config.json is supported.
Used by bench/engine_pytorch.py and bench/e2e_grpo_pytorch.py; reference only (the product never runs Python).
"""
import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

SDPA = torch.ops.aten._scaled_dot_product_attention  # libtorch 1.13's attention op, the one Refract calls


def sdpa(q, k, v, mask):
    return SDPA(q, k, v, mask, 0.0, False, False)[0]


def load_safetensors(path):
    """name -> float32 tensor (the shipped file stores float16)."""
    dtypes = {"F16": torch.float16, "F32": torch.float32, "BF16": torch.bfloat16}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtypes[meta["dtype"]]).reshape(meta["shape"])
        out[name] = t.float()
    return out



class Pointwise(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.conv = nn.Conv1d(i, o, 1)

    def forward(self, x):
        return self.conv(x)


def sinusoidal_positions(n, dim):
    half = dim // 2
    out = torch.zeros(n, dim, dtype=torch.float64)
    for p in range(n):
        for i in range(half):
            w = math.pow(10000, -i / half)
            out[p, i] = math.sin(p * w)
            out[p, half + i] = math.cos(p * w)
    return out.float()


def sin_cos_2d(rows, cols, dim):
    half = dim // 2
    by_row, by_col = sinusoidal_positions(rows, half), sinusoidal_positions(cols, half)
    out = torch.zeros(rows * cols, dim)
    for r in range(rows):
        for c in range(cols):
            out[r * cols + c, :half] = by_row[r]
            out[r * cols + c, half:] = by_col[c]
    return out


def coordinate_channels(h, w):
    xs = torch.tensor([(2 * c) / (w - 1) - 1 for c in range(w)], dtype=torch.float64).float()
    ys = torch.tensor([(2 * r) / (h - 1) - 1 for r in range(h)], dtype=torch.float64).float()
    return torch.stack([xs.view(1, w).expand(h, w), ys.view(h, 1).expand(h, w)]).unsqueeze(0).contiguous()


class ConvAttention(nn.Module):
    def __init__(self, c, heads):
        super().__init__()
        self.heads, self.head_dim = heads, c // heads
        self.query, self.key, self.value, self.out = Pointwise(c, c), Pointwise(c, c), Pointwise(c, c), Pointwise(c, c)

    def forward(self, x, key_padding_mask):
        n, c, l = x.shape
        h, d = self.heads, self.head_dim
        q = self.query(x).view(n, h, d, l).transpose(2, 3)
        mask = key_padding_mask.logical_not().view(n, 1, 1, l)
        k = self.key(x).view(n, h, d, l).transpose(2, 3)
        v = self.value(x).view(n, h, d, l).transpose(2, 3)
        o = sdpa(q, k, v, mask)
        return self.out(o.transpose(2, 3).reshape(n, c, l))


class TokenTransformerLayer(nn.Module):
    def __init__(self, dim, heads, ratio):
        super().__init__()
        self.attnNorm, self.attn, self.ffNorm = nn.LayerNorm(dim), ConvAttention(dim, heads), nn.LayerNorm(dim)
        self.ff = nn.Sequential(Pointwise(dim, dim * ratio), nn.GELU(), Pointwise(dim * ratio, dim))

    def forward(self, x, kpm):
        h = x + self.attn(self.attnNorm(x.transpose(1, 2)).transpose(1, 2), kpm)
        return h + self.ff(self.ffNorm(h.transpose(1, 2)).transpose(1, 2))


class PromptEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dim = c["dim"]
        self.tokenEmbedding = nn.Embedding(c["vocabSize"], c["dim"], padding_idx=0)
        self.register_buffer("positionEmbedding", sinusoidal_positions(c["maxTokens"] + 1, c["dim"]), persistent=False)
        self.startToken = nn.Parameter(torch.zeros(c["dim"]))
        self.layers = nn.ModuleList([TokenTransformerLayer(c["dim"], c["heads"], c["mlpRatio"]) for _ in range(c["layers"])])
        self.norm = nn.LayerNorm(c["dim"])

    def forward(self, tokens):
        b, l = tokens.shape
        d = self.dim
        real = tokens.ne(0)
        mask = torch.cat([torch.ones(b, 1, dtype=torch.bool), real], 1)
        start = self.startToken.view(1, 1, d).expand(b, 1, d)
        emb = torch.cat([start, self.tokenEmbedding(tokens)], 1)
        h = (emb + self.positionEmbedding.narrow(0, 0, l + 1)).transpose(1, 2)
        kpm = mask.logical_not()
        for layer in self.layers:
            h = layer(h, kpm)
        m = mask.unsqueeze(2).to(h.dtype)
        context = self.norm(h.transpose(1, 2)) * m
        return context, mask, context.select(1, 0)  # pooling "start"


class ResBlock(nn.Module):
    def __init__(self, i, o, emb_dim, groups):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(groups, i), nn.Conv2d(i, o, 3, padding=1)
        self.embProj = nn.Linear(emb_dim, 2 * o)
        self.norm2, self.conv2 = nn.GroupNorm(groups, o), nn.Conv2d(o, o, 3, padding=1)
        self.skip = nn.Conv2d(i, o, 1) if i != o else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        e = self.embProj(F.silu(emb)).unsqueeze(2).unsqueeze(3)
        scale, shift = e.chunk(2, 1)
        h = self.norm2(h) * (scale + 1) + shift
        h = self.conv2(F.silu(h))
        return (x if self.skip is None else self.skip(x)) + h


class AttentionBlock(nn.Module):
    def __init__(self, c, heads, groups, self_attention, context_dim, grid):
        super().__init__()
        self.heads, self.head_dim = heads, c // heads
        self.norm, self.query = nn.GroupNorm(groups, c), Pointwise(c, c)
        self.selfKV = Pointwise(c, 2 * c) if self_attention else None
        self.contextKV = Pointwise(context_dim, 2 * c)
        self.out = Pointwise(c, c)
        self.register_buffer("positions", sin_cos_2d(grid, grid, c).transpose(0, 1).unsqueeze(0).contiguous(), persistent=False)

    def forward(self, h, context, kpm):
        n, c, hh, ww = h.shape
        l, heads, d = hh * ww, self.heads, self.head_dim
        x = self.norm(h).view(n, c, l)
        xq = x + self.positions
        q = self.query(xq).view(n, heads, d, l).transpose(2, 3)
        ks, vs, attend = [], [], []
        if self.selfKV is not None:
            kv = self.selfKV(xq).view(n, 2, heads, d, l).transpose(3, 4)
            ks.append(kv.select(1, 0)); vs.append(kv.select(1, 1))
            attend.append(torch.ones(n, l, dtype=torch.bool))
        s = context.shape[1]
        kv = self.contextKV(context.transpose(1, 2)).view(n, 2, heads, d, s).permute(1, 0, 2, 4, 3)
        ks.append(kv.select(0, 0)); vs.append(kv.select(0, 1))
        attend.append(kpm.logical_not())
        k = ks[0] if len(ks) == 1 else torch.cat(ks, 2)
        v = vs[0] if len(vs) == 1 else torch.cat(vs, 2)
        mask = torch.cat(attend, 1).view(n, 1, 1, k.shape[2])
        o = sdpa(q, k, v, mask)
        return h + self.out(o.transpose(2, 3).reshape(n, c, l)).view(n, c, hh, ww)


class ResAttnBlock(nn.Module):
    def __init__(self, i, o, emb_dim, res, u, place):
        super().__init__()
        self.res = ResBlock(i, o, emb_dim, u["groups"])
        attend = place != "midSecond"
        cross = attend and res in u["crossAttentionResolutions"]
        self_attn = attend and (res in u["selfAttentionResolutions"] or (place == "midFirst" and u["midSelfAttention"]))
        assert cross, "the twin supports the shipped layout only (every attending block cross-attends)"
        self.attn = AttentionBlock(o, u["heads"], u["groups"], self_attn, u["contextDim"], res) if cross else None

    def forward(self, h, emb, context, kpm):
        h = self.res(h, emb)
        return h if self.attn is None else self.attn(h, context, kpm)


class MidSecond(nn.Module):
    def __init__(self, c, emb_dim, groups):
        super().__init__()
        self.res = ResBlock(c, c, emb_dim, groups)

    def forward(self, h, emb, context, kpm):
        return self.res(h, emb)


class Conv(nn.Module):
    def __init__(self, i, o, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(i, o, 3, stride=stride, padding=1)


class UNetCore(nn.Module):
    def __init__(self, u, emb_dim):
        super().__init__()
        chs = [u["baseChannels"] * m for m in u["channelMult"]]
        res = [u["imageSize"] // 2 ** i for i in range(len(chs))]
        self.levels = len(chs)
        self.convIn = nn.Conv2d(u["inChannels"] + 2, chs[0], 3, padding=1)
        down, downs, skips, ch = [], [], [], chs[0]
        for i, lc in enumerate(chs):
            down.append(ResAttnBlock(ch, lc, emb_dim, res[i], u, "level"))
            ch = lc
            skips.append(ch)
            if i < len(chs) - 1:
                d = Conv(ch, ch, 2)
                downs.append(d)
        self.downBlocks, self.downsamplers = nn.ModuleList(down), nn.ModuleList(downs)
        self.midBlocks = nn.ModuleList([ResAttnBlock(ch, ch, emb_dim, res[-1], u, "midFirst"), MidSecond(ch, emb_dim, u["groups"])])
        up, ups = [], []
        for i in range(len(chs) - 1, -1, -1):
            up.append(ResAttnBlock(ch + skips.pop(), chs[i], emb_dim, res[i], u, "level"))
            ch = chs[i]
            if i > 0:
                ups.append(Conv(ch, chs[i - 1]))
                ch = chs[i - 1]
        self.upBlocks, self.upsamplers = nn.ModuleList(up), nn.ModuleList(ups)
        self.outNorm = nn.GroupNorm(u["groups"], ch)
        self.convOut = nn.Conv2d(ch, u["outChannels"], 3, padding=1)

    def forward(self, x, emb, context, kpm):
        h = self.convIn(x)
        skips = []
        for i in range(self.levels):
            h = self.downBlocks[i](h, emb, context, kpm)
            skips.append(h)
            if i < self.levels - 1:
                h = self.downsamplers[i].conv(h)
        for m in self.midBlocks:
            h = m(h, emb, context, kpm)
        for k, i in enumerate(range(self.levels - 1, -1, -1)):
            h = self.upBlocks[k](torch.cat([h, skips.pop()], 1), emb, context, kpm)
            if i > 0:
                h = self.upsamplers[self.levels - 1 - i].conv(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.convOut(F.silu(self.outNorm(h)))


class TimestepEmbedding(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.in_dim = i
        self.linear1, self.linear2 = nn.Linear(i, o), nn.Linear(o, o)

    def forward(self, t):
        half = self.in_dim // 2
        freqs = (torch.arange(0, half, 1, dtype=torch.float32) * (-math.log(10000) / half)).exp()
        args = (t.to(torch.float32) * 1000).unsqueeze(1) * freqs.unsqueeze(0)
        return self.linear2(F.silu(self.linear1(torch.cat([args.cos(), args.sin()], 1))))


class ConditionalUNet(nn.Module):
    def __init__(self, u):
        super().__init__()
        emb_dim = 4 * u["baseChannels"]
        self.timeEmbed = TimestepEmbedding(u["baseChannels"], emb_dim)
        self.pooledProj = nn.Linear(u["contextDim"], emb_dim)
        self.core = UNetCore(u, emb_dim)
        self.register_buffer("coords", coordinate_channels(u["imageSize"], u["imageSize"]), persistent=False)

    def forward(self, x, t, cond):
        context, mask, pooled = cond
        emb = self.timeEmbed(t) + self.pooledProj(pooled)
        b, _, hh, ww = x.shape
        inp = torch.cat([x, self.coords.expand(b, 2, hh, ww)], 1)
        return self.core(inp, emb, context, mask.logical_not())


class TextToImageModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.encoder = PromptEncoder(config["encoder"])
        self.backbone = ConditionalUNet(config["unet"])

    def encode(self, tokens):
        return self.encoder(tokens)

    def predict(self, x, t, cond):
        return self.backbone(x, t, cond)

    def forward(self, x, t, tokens):
        return self.predict(x, t, self.encode(tokens))


def load_shapes_base(folder):
    with open(f"{folder}/config.json") as f:
        manifest = json.load(f)
    model = TextToImageModel(manifest["config"])
    missing, unexpected = model.load_state_dict(load_safetensors(f"{folder}/model.safetensors"), strict=False)
    if missing or unexpected:
        raise SystemExit(f"weights do not match the twin: missing {missing}, unexpected {unexpected}")
    return model


def bench_inputs(batch):
    """The deterministic batch bench/engine.ts builds with the same ops: x0, noise, sigma [B], tokens [B, 12]."""
    n = batch * 3 * 32 * 32
    x0 = torch.arange(n, dtype=torch.float32).mul(0.0073).sin().view(batch, 3, 32, 32)
    noise = torch.arange(n, dtype=torch.float32).mul(0.0131).cos().mul(1.5).view(batch, 3, 32, 32)
    sigma = torch.arange(batch, dtype=torch.float32).div(batch).mul(0.9).add(0.05)
    ids = torch.arange(batch * 12).view(batch, 12).mul(7).remainder(31).add(1)
    keep = torch.arange(12).view(1, 12).lt(torch.arange(batch).remainder(4).add(8).view(batch, 1))
    return x0, noise, sigma, ids.mul(keep)
