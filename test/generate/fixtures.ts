// Test fixtures for generate/: a small deterministic stand-in denoiser built from torch ops, and float64 data.
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';

/** Conditioning of the stand-in model: one vector per sample. */
export interface TokenCond {
  tokens: Tensor;
}

/**
 * A fixed random map on [B, C, H, W]: out = W·x (1×1 conv over channels) + t·(0.5·tanh(x) + b) + 0.3·tokens.
 * `timeScale` maps the model's time input into ~[0, 1] (1 for σ, 1/1000 for DDPM timesteps).
 */
export function standInModel(channels: number, seed: number, timeScale = 1) {
  const g = new torch.Generator(seed);
  const weight = torch.randn([channels, channels], { generator: g }).mul(0.3).keep();
  const bias = torch.randn([1, channels, 1, 1], { generator: g }).mul(0.2).keep();
  g.dispose();
  const model = (x: Tensor, time: Tensor, cond: TokenCond): Tensor =>
    torch.scope(() => {
      const B = x.shape[0]!;
      const w = weight.to(x.dtype);
      const mixed = torch.einsum('oc,bchw->bohw', w, x); // W·x
      const t = time.to(x.dtype).mul(timeScale).reshape([B, 1, 1, 1]);
      const timeTerm = x.tanh().mul(0.5).add(bias.to(x.dtype)).mul(t); // t·(0.5·tanh(x) + b)
      const condTerm = cond.tokens.to(x.dtype).reshape([B, channels, 1, 1]).mul(0.3); // 0.3·tokens
      return mixed.add(timeTerm).add(condTerm);
    });
  return { model, weight, bias, dispose: () => (weight.dispose(), bias.dispose()) };
}

export function tokens(batch: number, channels: number, seed: number): TokenCond {
  const g = new torch.Generator(seed);
  const t = torch.randn([batch, channels], { generator: g });
  g.dispose();
  return { tokens: t };
}

/** Values of a tensor as float64 numbers. */
export function values(t: Tensor): number[] {
  return t.toArray();
}

/** A deterministic [B, ...] tensor from a seed, in the given dtype. */
export function seeded(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32', scale = 1): Tensor {
  const g = new torch.Generator(seed);
  const t = torch.scope(() => torch.randn(shape, { generator: g, dtype }).mul(scale));
  g.dispose();
  return t;
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.toArray();
  const y = b.toArray();
  if (x.length !== y.length) throw new Error(`maxAbsDiff: lengths ${x.length} and ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}
