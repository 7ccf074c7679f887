// The labeling pool: images of the Shapes world whose gold answer we know, written as PNGs under the label database's
// folder (`pool/<item>.png`), grouped into comparisons of the same prompt.
//   - pairwise: a synthetic gold-labelled pair (rewards/preference/pairs.ts: a clean render against a contradicting,
//     extra-object, noisy or blurred one), shown in a seeded random order;
//   - best-of-4: the clean render, its contradicting/extra partner, a noisy and a blurred copy of the clean one.
// Item `gold` is 1 for the clean render (what the gold evaluator prefers) and 0 for the others: a simulated labeler
// answers from it, and a known-answer check is a pair whose answer is the gold one.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addGaussianNoise, type RGBImage } from '../data/image.js';
import { Rng } from '../data/rng.js';
import { encodeGridPng } from '../eval/report/png.js';
import { boxBlur, syntheticShapesPairs, PAIR_KINDS, type PairKind, type PreferencePair } from '../rewards/preference/pairs.js';
import type { LabelDb } from './label-db.js';

export interface PoolOptions {
  /** Pairwise comparisons (each a synthetic pair). */
  pairs: number;
  /** Best-of-4 sets. */
  bestOf4: number;
  /** Every `checkEvery`-th pairwise comparison becomes a known-answer check (0: none). */
  checkEvery: number;
  seed: number;
  /** Pair kinds, drawn in turn (repeat a kind to weight it; rewards/preference/pairs.ts). */
  kinds: readonly PairKind[];
}

export const DEFAULT_POOL: Readonly<PoolOptions> = Object.freeze({ pairs: 400, bestOf4: 40, checkEvery: 10, seed: 0, kinds: PAIR_KINDS });

export interface PoolSummary {
  items: number;
  pairs: number;
  checks: number;
  bestOf4: number;
}

/** Adds the pool to `db` (PNG files first, then the rows in one transaction); returns what was added. */
export function buildPool(db: LabelDb, opts: Partial<PoolOptions> = {}): PoolSummary {
  const o = { ...DEFAULT_POOL, ...opts };
  const rng = new Rng(o.seed);
  const pairs = syntheticShapesPairs({ count: o.pairs + o.bestOf4, seed: o.seed, labelNoise: 0, kinds: o.kinds });
  const dir = path.join(db.dir, 'pool');
  mkdirSync(dir, { recursive: true });
  const start = (db.db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM studio_items').get() as { m: number }).m;
  let next = start;
  const pending: { prompt: string; file: string; gold: number }[] = [];
  const item = (img: RGBImage, prompt: string, gold: number): number => {
    const file = `pool/${++next}.png`;
    writeFileSync(path.join(db.dir, file), encodeGridPng([img], { cols: 1, gap: 0, scale: 1 }));
    pending.push({ prompt, file, gold });
    return next;
  };
  const comparisons: { prompt: string; items: number[]; known: string | null }[] = [];
  let checks = 0;
  pairs.slice(0, o.pairs).forEach((p, i) => {
    const order = shuffled([item(p.chosen, p.prompt.text, 1), item(p.rejected, p.prompt.text, 0)], rng);
    const isCheck = o.checkEvery > 0 && (i + 1) % o.checkEvery === 0;
    if (isCheck) checks++;
    comparisons.push({ prompt: p.prompt.text, items: order.ids, known: isCheck ? String(order.ids.indexOf(start + 2 * i + 1)) : null });
  });
  pairs.slice(o.pairs).forEach((p) => comparisons.push({ prompt: p.prompt.text, items: bestOf4(p, item, rng).ids, known: null }));
  db.db.transaction(() => {
    pending.forEach((x) => db.addItem(x.prompt, x.file, x.gold));
    // Random priorities: before any reward model is trained the queue serves pairs in a seeded random order.
    comparisons.forEach((c) => db.addPair(c.prompt, c.items, c.known, rng.uniform()));
  })();
  return { items: pending.length, pairs: o.pairs, checks, bestOf4: o.bestOf4 };
}

function bestOf4(p: PreferencePair, item: (img: RGBImage, prompt: string, gold: number) => number, rng: Rng): { ids: number[] } {
  const t = p.prompt.text;
  const ids = [item(p.chosen, t, 1), item(p.rejected, t, 0), item(addGaussianNoise(p.chosen, 0.25, rng), t, 0), item(boxBlur(p.chosen), t, 0)];
  return shuffled(ids, rng);
}

function shuffled(ids: number[], rng: Rng): { ids: number[] } {
  const a = [...ids];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return { ids: a };
}
