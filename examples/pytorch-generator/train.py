"""Trains unet.FlowUNet (default) or model.FlowDiT on Shapes-world pairs exported by Refract, on one CPU thread, and exports it with
torch.jit.script (issue #15). Plain PyTorch; Refract is needed only to render the data:

    node examples/pytorch-generator/export-data.mjs /tmp/shapes-pairs 40000 0
    /usr/bin/python3 examples/pytorch-generator/train.py /tmp/shapes-pairs examples/pytorch-generator/flow-dit.pt

Rectified-flow training (SD3, arXiv 2403.03206): t ~ logit-normal(0, 1), x_t = (1 - t) x0 + t eps, loss
||v(x_t, t, prompt) - (eps - x0)||^2, prompts dropped to the null (all-pad) prompt 10% of the time for
classifier-free guidance (Ho & Salimans, arXiv 2207.12598). AdamW, linear warm-up then cosine decay, EMA weights
(decay 0.999) exported.
"""
import argparse
import copy
import json
import math
import os
import time

import numpy as np
import torch

from model import FlowDiT
from unet import FlowUNet


def load_pairs(stem):
    with open(stem + ".json") as f:
        header = json.load(f)
    n, (c, h, w), L = header["count"], header["imageShape"], header["maxTokens"]
    folder = os.path.dirname(stem)
    images = np.fromfile(os.path.join(folder, header["images"]), dtype=np.uint8).reshape(n, c, h, w)
    tokens = np.fromfile(os.path.join(folder, header["tokens"]), dtype="<i4").reshape(n, L)
    return header, torch.from_numpy(images), torch.from_numpy(tokens.astype(np.int64))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs")
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-minutes", type=float, default=28.0)
    ap.add_argument("--arch", choices=["unet", "dit"], default="unet",
                    help="unet: the small cross-attention U-Net (unet.py); dit: the flow transformer (model.py)")
    ap.add_argument("--init", default=None, help="continue from an exported module (its state_dict names match FlowDiT's)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    header, images, tokens = load_pairs(args.pairs)
    if args.arch == "unet":
        model = FlowUNet(vocab_size=len(header["vocabulary"]), max_tokens=header["maxTokens"], base=24, text_dim=96)
    else:
        model = FlowDiT(vocab_size=len(header["vocabulary"]), max_tokens=header["maxTokens"])
    if args.init:
        model.load_state_dict(torch.jit.load(args.init).state_dict())
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    print(f"{sum(p.numel() for p in model.parameters())} parameters, {header['count']} pairs", flush=True)

    gen = torch.Generator().manual_seed(args.seed)
    start = time.time()
    cpu_start = time.process_time()
    run = 0.0
    step = 0
    for step in range(1, args.steps + 1):
        lr = args.lr * min(1.0, step / args.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / args.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.randint(0, images.shape[0], (args.batch,), generator=gen)
        x0 = images[idx].float() / 127.5 - 1.0
        tok = tokens[idx].clone()
        tok[torch.rand(args.batch, generator=gen) < 0.1] = 0
        t = torch.sigmoid(torch.randn(args.batch, generator=gen))
        eps = torch.randn(x0.shape, generator=gen)
        tt = t[:, None, None, None]
        xt = (1 - tt) * x0 + tt * eps
        loss = (model(xt, t, tok) - (eps - x0)).pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            decay = min(0.999, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm, alpha=1 - decay)
        run = loss.item() if step == 1 else 0.98 * run + 0.02 * loss.item()
        elapsed = time.time() - start
        if step % 100 == 0:
            eta = elapsed / step * (args.steps - step)
            cpu = (time.process_time() - cpu_start) / 60
            print(f"step {step}/{args.steps} loss {run:.4f} lr {lr:.2e} {elapsed/60:.1f} min (CPU {cpu:.1f} min), ETA {eta/60:.1f} min", flush=True)
        if step % 1000 == 0 or elapsed > args.max_minutes * 60:
            export(ema, args.out)
        if elapsed > args.max_minutes * 60:
            print(f"stopping at step {step}: the {args.max_minutes}-minute budget is spent", flush=True)
            break
    export(ema, args.out)
    with open(args.out + ".train.json", "w") as f:
        json.dump({"steps": step, "seconds": round(time.time() - start, 1),
                   "cpuSeconds": round(time.process_time() - cpu_start, 1), "init": args.init, "batch": args.batch, "lr": args.lr,
                   "seed": args.seed, "pairs": header["count"], "finalLoss": run, "threads": 1, "arch": args.arch,
                   "parameters": sum(p.numel() for p in model.parameters()),
                   "torch": torch.__version__}, f, indent=1)
    print(f"done: {step} steps in {(time.time() - start) / 60:.1f} min -> {args.out}", flush=True)


def export(ema, out):
    scripted = torch.jit.script(copy.deepcopy(ema).eval())
    scripted.save(out + ".tmp")
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
