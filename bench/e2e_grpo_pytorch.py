"""One GRPO iteration of the shipped Shapes base in plain Python PyTorch, in flow_grpo's loop style
(flow_grpo scripts/train_sd3.py: sample with per-step log-probs under CFG -> reward -> group advantages ->
per-minibatch replay of the trained steps with grad, clipped surrogate + beta * KL to the frozen reference ->
clip_grad_norm_ -> one optimizer step). The twin of bench/e2e-grpo.ts, which writes the spec this reads:
the iteration's token ids, per-sample seeds, group ids, trained steps and minibatch order, and the grpo section.

Usage: /usr/bin/python3 bench/e2e_grpo_pytorch.py SPEC.json THREADS
  -> {"ms_per_iteration", "cpu_ms_per_iteration", "iteration_ms", "peak_rss_mb", "mean_reward", "loss"}
Reference only; the product never runs Python.
"""
import json
import math
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shapes_model import load_shapes_base  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def per_sample(v, b):
    return torch.full((b, 1, 1, 1), v)


def guided(model, x, t, cond, uncond, scale):
    both = model.predict(torch.cat([x, x], 0), torch.cat([t, t], 0), tuple(torch.cat([u, c], 0) for u, c in zip(uncond, cond)))
    u, c = both.chunk(2, 0)
    return u + (c - u) * scale


def sde_step(v, x, s, s_next, sigma_max, a, prev=None, gens=None):
    """Flow-GRPO's SDE step with log-prob (flow_grpo sd3_sde_with_logprob.py, sde_type 'sde')."""
    b = x.shape[0]
    sigma, sigma_next = per_sample(s, b), per_sample(s_next, b)
    dt = sigma_next - sigma
    denom = torch.where(sigma.eq(1), torch.tensor(sigma_max), sigma)
    std_dev = (sigma / (1 - denom)).sqrt() * a
    var = std_dev.square()
    two_sigma = sigma * 2
    mean = x * (var * dt / two_sigma + 1) + v * ((var * (1 - sigma) / two_sigma + 1) * dt)
    t_std = std_dev * (-dt).sqrt()
    if prev is None:
        noise = torch.stack([torch.randn(x.shape[1:], generator=g) for g in gens])
        prev = mean + noise * t_std
    log_prob = (-((prev.detach() - mean).square() / (t_std.square() * 2)) - t_std.log() - LOG_SQRT_2PI).mean((1, 2, 3))
    return prev, log_prob, mean, std_dev


def redness(x):
    img = x.detach().float().add(1).div(2).clamp(0, 1).double()
    return (img[:, 0].sum((1, 2)) - img[:, 2].sum((1, 2))) / (img.shape[2] * img.shape[3])


def group_advantages(r, group_ids, eps=1e-4):
    adv = torch.zeros_like(r)
    for g in set(group_ids):
        idx = torch.tensor([i for i, gi in enumerate(group_ids) if gi == g])
        rg = r[idx]
        adv[idx] = (rg - rg.mean()) / (rg.std(unbiased=False) + eps)
    return adv.float()


def iteration(model, ref, opt, sec, it):
    smp = sec["section"]["sampler"]
    B, L = len(it["seeds"]), it["maxTokens"]
    steps, scale, a = smp["steps"], smp["guidance"], smp["noiseLevel"]
    start, end = smp["sdeWindow"]
    sigmas = [1 - i / steps for i in range(steps + 1)]
    sigmas[steps] = 0.0
    sigma_max = next(s for s in sigmas if s < 1)
    tokens = torch.tensor(it["tokens"], dtype=torch.int64).view(B, L)

    # 1. sampling with per-step log-probs (no grad), one Generator per sample seed
    with torch.no_grad():
        cond = model.encode(tokens)
        uncond = model.encode(torch.zeros(B, L, dtype=torch.int64))
        gens = [torch.Generator().manual_seed(s) for s in it["seeds"]]
        x = torch.stack([torch.randn(3, 32, 32, generator=g) for g in gens])
        latents, log_probs = [x], []
        for i in range(steps):
            v = guided(model, x, torch.full((B,), sigmas[i]), cond, uncond, scale)
            if start <= i < end:
                x, lp, _, _ = sde_step(v, x, sigmas[i], sigmas[i + 1], sigma_max, a, gens=gens)
            else:
                x = x + v * (per_sample(sigmas[i + 1], B) - per_sample(sigmas[i], B))
                lp = torch.zeros(B)
            latents.append(x)
            log_probs.append(lp)
        latents, log_probs = torch.stack(latents, 1), torch.stack(log_probs, 1)

    # 2. reward and group-relative advantages
    rewards = redness(x)
    adv = group_advantages(rewards, it["groupIds"])

    # 3. update: one optimizer step over all minibatches (gradient accumulation)
    s = sec["section"]
    mb, clip, beta = s["minibatchSize"], s["clipRange"], s["klCoefficient"]
    order, train = it["order"], it["steps"]
    opt.zero_grad()
    losses = []
    for k in range(0, B, mb):
        idx = torch.tensor(order[k:k + mb])
        c_mb = tuple(t[idx] for t in cond)
        u_mb = tuple(t[idx] for t in uncond)
        lat = latents[idx]
        lps, means, stds, ref_means = [], [], [], []
        for j in train:
            xj, nxt = lat[:, j], lat[:, j + 1]
            t = torch.full((len(idx),), sigmas[j])
            v = guided(model, xj, t, c_mb, u_mb, scale)
            _, lp, mean, std = sde_step(v, xj, sigmas[j], sigmas[j + 1], sigma_max, a, prev=nxt)
            lps.append(lp); means.append(mean); stds.append(std)
        with torch.no_grad():  # the reference's means (Refract replays the reference after the policy, too)
            for j in train:
                xj, nxt = lat[:, j], lat[:, j + 1]
                v_ref = guided(ref, xj, torch.full((len(idx),), sigmas[j]), c_mb, u_mb, scale)
                ref_means.append(sde_step(v_ref, xj, sigmas[j], sigmas[j + 1], sigma_max, a, prev=nxt)[2])
        lp = torch.stack(lps, 1)
        old = log_probs[idx][:, train]
        A = adv[idx].unsqueeze(1)
        ratio = (lp - old).exp()
        surrogate = torch.maximum(-A * ratio, -A * ratio.clamp(1 - clip, 1 + clip)).mean()
        kl = torch.stack([((m - mr).square() / (sd.square() * 2)).mean((1, 2, 3)) for m, mr, sd in zip(means, ref_means, stds)], 1).mean()
        loss = surrogate + kl * beta
        losses.append(loss.item())
        _ = (ratio.detach() - 1).abs().gt(clip).float().mean().item(), (lp - old).detach().square().mean().item()
        (loss * (len(idx) / B)).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), s["gradClip"])
    opt.step()
    return rewards.mean().item(), sum(losses) / len(losses)


def main():
    spec_file, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    with open(spec_file) as f:
        spec = json.load(f)
    base = os.path.join(ROOT, "assets/base/shapes")
    model, ref = load_shapes_base(base), load_shapes_base(base)
    model.eval()
    model.encoder.requires_grad_(False)  # the prompt encoder stays the base's, as in Refract's policyOptimizer
    ref.eval()
    ref.requires_grad_(False)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=spec["section"]["lr"], weight_decay=0)
    ms, cpu, rewards, losses = [], [], [], []
    for it in spec["iterations"]:
        t0, c0 = time.perf_counter(), time.process_time()
        r, l = iteration(model, ref, opt, spec, it)
        ms.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        rewards.append(r)
        losses.append(l)
    timed = ms[1:]
    print(json.dumps({
        "ms_per_iteration": sum(timed) / max(1, len(timed)),
        "cpu_ms_per_iteration": sum(cpu[1:]) / max(1, len(cpu) - 1),
        "iteration_ms": ms,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mean_reward": rewards,
        "loss": losses,
    }))


if __name__ == "__main__":
    main()
