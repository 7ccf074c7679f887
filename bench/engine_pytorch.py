"""Python PyTorch twin of bench/engine.ts: the same models, seeds-independent shapes, the same timing rule.

Usage: /usr/bin/python3 bench/engine_pytorch.py CASE THREADS ITERS  ->  prints {"ms": median_ms}
Cases: conv5_16, conv5_32, unet_attn_32, shapes_base_b32 (bench/shapes_model.py), op_overhead.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def he(o, i, k=3):
    return (torch.randn(o, i, k, k) * (2 / (i * k * k)) ** 0.5).requires_grad_()


def zeros(n):
    return torch.zeros(n, requires_grad=True)


def conv5(size):
    p = [he(32, 3), zeros(32), he(64, 32), zeros(64), he(64, 64), zeros(64), he(32, 64), zeros(32), he(3, 32), zeros(3)]
    x, y = torch.randn(32, 3, size, size), torch.randn(32, 3, size, size)

    def loss():
        h = F.silu(F.conv2d(x, p[0], p[1], padding=1))
        h = F.silu(F.conv2d(h, p[2], p[3], stride=2, padding=1))
        h = F.conv2d(h, p[4], p[5], padding=1)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = F.conv2d(h, p[6], p[7], padding=1)
        h = F.conv2d(h, p[8], p[9], padding=1)
        return F.mse_loss(h, y)

    return p, loss


def unet_attn():
    """Mirrors unetParams/unetForward in bench/engine.ts exactly (names, shapes, op order)."""
    P = {}

    def conv(name, o, i, k=3):
        P[name + ".w"] = he(o, i, k)
        P[name + ".b"] = zeros(o)

    def norm(name, c):
        P[name + ".g"] = torch.ones(c, requires_grad=True)
        P[name + ".b"] = zeros(c)

    def res(name, i, o):
        norm(name + ".n1", i); conv(name + ".c1", o, i); norm(name + ".n2", o); conv(name + ".c2", o, o)
        if i != o:
            conv(name + ".skip", o, i, 1)

    conv("in", 32, 3); res("r1", 32, 32); conv("down1", 64, 32); res("r2", 64, 64)
    norm("attn.n", 64); conv("attn.qkv", 192, 64, 1); conv("attn.proj", 64, 64, 1)
    conv("down2", 64, 64); res("mid", 64, 64); conv("up1", 64, 64); res("r3", 128, 64)
    conv("up2", 32, 64); res("r4", 64, 32); norm("out.n", 32); conv("out", 3, 32)

    def c(name, h, stride=1):
        k = P[name + ".w"].shape[-1]
        return F.conv2d(h, P[name + ".w"], P[name + ".b"], stride=stride, padding=k // 2)

    def gn(name, h):
        return F.group_norm(h, 8, P[name + ".g"], P[name + ".b"])

    def rb(name, h):
        r = c(name + ".c1", F.silu(gn(name + ".n1", h)))
        r = c(name + ".c2", F.silu(gn(name + ".n2", r)))
        return (c(name + ".skip", h) if name + ".skip.w" in P else h) + r

    def attn(h):
        b, ch, hh, ww = h.shape
        qkv = c("attn.qkv", gn("attn.n", h)).reshape(b, 3, 4, ch // 4, hh * ww).permute(1, 0, 2, 4, 3)
        o = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]) if hasattr(F, "scaled_dot_product_attention") else \
            torch.ops.aten._scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])[0]
        o = o.permute(0, 1, 3, 2).reshape(b, ch, hh, ww)
        return h + c("attn.proj", o)

    x, y = torch.randn(16, 3, 32, 32), torch.randn(16, 3, 32, 32)

    def loss():
        h0 = c("in", x)
        h1 = rb("r1", h0)
        h = attn(rb("r2", c("down1", h1, 2)))
        h2 = h
        h = rb("mid", c("down2", h, 2))
        h = c("up1", F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = rb("r3", torch.cat([h, h2], 1))
        h = c("up2", F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = rb("r4", torch.cat([h, h1], 1))
        return F.mse_loss(c("out", F.silu(gn("out.n", h))), y)

    return list(P.values()), loss


def time_steps(params, loss, iters, lr=1e-3):
    """(median wall ms per step after warm-up, median process CPU ms, first step's loss)."""
    opt = torch.optim.Adam(params, lr)
    ts, cs, first = [], [], None
    for i in range(iters):
        t = time.perf_counter()
        c = time.process_time()
        opt.zero_grad()
        l = loss()
        l.backward()
        opt.step()
        if i == 0:
            first = l.item()
        ts.append((time.perf_counter() - t) * 1000)
        cs.append((time.process_time() - c) * 1000)
    skip = max(1, iters // 5)
    ts, cs = sorted(ts[skip:]), sorted(cs[skip:])
    return ts[len(ts) // 2], cs[len(cs) // 2], first


def shapes_base(batch=32):
    """The shipped base (assets/base/shapes) with its weights, one flow-matching step at the demo's minibatch:
    bench/shapes-base.ts."""
    import os
    from shapes_model import load_shapes_base, bench_inputs

    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    model = load_shapes_base(os.path.join(root, "assets/base/shapes"))
    model.train()
    x0, noise, sigma, tokens = bench_inputs(batch)

    def loss():
        s = sigma.view(batch, 1, 1, 1)
        xt = x0 * (1 - s) + noise * s
        return F.mse_loss(model(xt, sigma, tokens), noise - x0)

    return list(model.parameters()), loss


def op_overhead(iters):
    a, b = torch.randn(4), torch.randn(4)
    best, best_cpu = float("inf"), float("inf")
    for _ in range(3):
        t, c0 = time.perf_counter(), time.process_time()
        for _ in range(iters):
            c = a + b
            del c
        best = min(best, (time.perf_counter() - t) * 1000)
        best_cpu = min(best_cpu, (time.process_time() - c0) * 1000)
    return best, best_cpu


def main():
    case, threads, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    loss = None
    if case == "op_overhead":
        ms, cpu = op_overhead(iters)
    elif case == "conv5_16":
        ms, cpu, loss = time_steps(*conv5(16), iters)
    elif case == "conv5_32":
        ms, cpu, loss = time_steps(*conv5(32), iters)
    elif case == "unet_attn_32":
        ms, cpu, loss = time_steps(*unet_attn(), iters)
    elif case == "shapes_base_b32":
        ms, cpu, loss = time_steps(*shapes_base(), iters, lr=1e-4)
    else:
        raise SystemExit(f"unknown case {case}")
    out = {"ms": ms, "cpu_ms": cpu, "loss": loss if case == "shapes_base_b32" else None, "torch": torch.__version__}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
