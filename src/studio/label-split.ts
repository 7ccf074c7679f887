// The reward card's held-out set: a fixed, seeded part of the labels people gave, never trained on. The split is by
// prompt — every comparison of a prompt falls on one side — because one image appears in several comparisons of
// its prompt (a model pool's 4 samples make 6 pairs and a best-of-4 set): splitting rows would let the model see a
// held-out image while training. Each prompt's side depends only on (seed, prompt), so it stays put as labels grow.
import type { PreferencePair } from '../rewards/preference/pairs.js';

/** FNV-1a (32-bit) of `seed:text`, as a fraction in [0, 1). */
export function promptHash(text: string, seed: number): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(`${seed}:${text}`)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

export interface LabelSplit {
  train: PreferencePair[];
  heldOut: PreferencePair[];
}

/** Pairs whose prompt hashes below `fraction` are held out; the rest train. */
export function splitByPrompt(pairs: readonly PreferencePair[], fraction: number, seed: number): LabelSplit {
  if (!(fraction > 0 && fraction < 1)) {
    throw new Error(`refract studio: heldOutFraction must be in (0, 1), got ${fraction} — e.g. 0.2`);
  }
  const train: PreferencePair[] = [];
  const heldOut: PreferencePair[] = [];
  for (const p of pairs) (promptHash(p.prompt.text, seed) < fraction ? heldOut : train).push(p);
  return { train, heldOut };
}

/**
 * Accuracy p = Σc_g / Σn_g over pairs grouped by prompt g, with its cluster-robust standard error (pairs of one
 * prompt share images, so they are not independent): SE² = G/(G−1) · Σ_g (c_g − p·n_g)² / (Σ_g n_g)² — the
 * ratio-estimator variance of a clustered proportion (Cameron & Miller, "A Practitioner's Guide to Cluster-Robust
 * Inference", 2015, §2.3, with the G/(G−1) small-sample factor). With one pair per prompt it is the binomial SE
 * times √(G/(G−1)). NaN with fewer than two prompts.
 */
export function clusteredAccuracy(correct: readonly number[], groups: readonly string[]): { accuracy: number; se: number; clusters: number } {
  const byGroup = new Map<string, { c: number; n: number }>();
  correct.forEach((c, i) => {
    const g = byGroup.get(groups[i]!) ?? { c: 0, n: 0 };
    byGroup.set(groups[i]!, { c: g.c + c, n: g.n + 1 });
  });
  const n = correct.length;
  const accuracy = correct.reduce((a, b) => a + b, 0) / n;
  const G = byGroup.size;
  if (G < 2) return { accuracy, se: NaN, clusters: G };
  let ss = 0;
  for (const g of byGroup.values()) ss += (g.c - accuracy * g.n) ** 2;
  return { accuracy, se: Math.sqrt((G / (G - 1)) * ss) / n, clusters: G };
}
