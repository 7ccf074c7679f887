// A labeling pool of the policy's own samples: for each of `prompts` Shapes prompts, `perPrompt` images from a model
// checkpoint (seeded ODE sampling), each scored by the gold evaluator's partial credit (item `gold`). Comparisons are
// the pairs of images of one prompt whose gold differs (the simulated labeler and the checks need an answer; a
// person labels them all the same), and a best-of-4 set per prompt when it has 4 images. This is what a reward
// model for post-training should see: the distribution the policy will produce — including its failure modes —
// rather than clean renders against perturbed ones (./pool.ts), whose reward GRPO hacked with blank images
// (issue #13 note).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng, deriveSeed } from '../data/rng.js';
import { samplePrompt } from '../data/shapes/grammar.js';
import { encodeGridPng } from '../eval/report/png.js';
import { generateImages } from '../pipeline/text-to-image.js';
import { shapesGoldReward } from '../rewards/shapes-gold.js';
import { loadBase } from '../train/setup.js';
import type { LabelDb } from './label-db.js';

export interface ModelPoolOptions {
  checkpoint: string;
  prompts: number;
  perPrompt: number;
  /** Every `checkEvery`-th comparison is a known-answer check (0: none). */
  checkEvery: number;
  samplingSteps: number;
  seed: number;
}

export const DEFAULT_MODEL_POOL: Readonly<ModelPoolOptions> = Object.freeze({ checkpoint: 'assets/base/shapes', prompts: 200, perPrompt: 4, checkEvery: 10, samplingSteps: 10, seed: 0 });

export async function buildModelPool(db: LabelDb, opts: Partial<ModelPoolOptions> = {}): Promise<{ items: number; pairs: number; checks: number; bestOf4: number }> {
  const o = { ...DEFAULT_MODEL_POOL, ...opts };
  const rng = new Rng(deriveSeed(o.seed, 0x9001));
  const prompts = Array.from({ length: o.prompts }, () => samplePrompt(rng));
  const texts = prompts.flatMap((p) => Array.from({ length: o.perPrompt }, () => p.text));
  const { model, vocabulary } = loadBase(o.checkpoint);
  let images;
  try {
    const seeds = texts.map((_, i) => deriveSeed(o.seed, 0x9002, i));
    images = generateImages(model, texts, { steps: o.samplingSteps, guidance: 3, sde: 'ode', seeds, batchSize: 32, ...(vocabulary ? { vocabulary } : {}) });
  } finally {
    model.dispose();
  }
  const rewardPrompts = prompts.flatMap((p) => Array.from({ length: o.perPrompt }, () => ({ text: p.text, shapes: p })));
  const gold = (await shapesGoldReward({ total: 'partial', dense: false }).score({ rgb: images, prompts: rewardPrompts })).total;
  mkdirSync(path.join(db.dir, 'pool'), { recursive: true });
  const counts = { items: 0, pairs: 0, checks: 0, bestOf4: 0 };
  db.db.transaction(() => {
    for (let p = 0; p < o.prompts; p++) {
      const ids: number[] = [];
      for (let k = 0; k < o.perPrompt; k++) {
        const i = p * o.perPrompt + k;
        const file = `pool/m${o.seed}-${i}.png`;
        writeFileSync(path.join(db.dir, file), encodeGridPng([images[i]!], { cols: 1, gap: 0, scale: 1 }));
        ids.push(db.addItem(texts[i]!, file, gold[i]!));
        counts.items++;
      }
      for (let a = 0; a < ids.length; a++) {
        for (let b = a + 1; b < ids.length; b++) {
          const ga = gold[p * o.perPrompt + a]!;
          const gb = gold[p * o.perPrompt + b]!;
          if (ga === gb) continue;
          counts.pairs++;
          const check = o.checkEvery > 0 && counts.pairs % o.checkEvery === 0 && Math.abs(ga - gb) >= 0.5;
          if (check) counts.checks++;
          db.addPair(texts[p * o.perPrompt]!, [ids[a]!, ids[b]!], check ? (ga > gb ? '0' : '1') : null, rng.uniform());
        }
      }
      if (ids.length === 4 && new Set(ids.map((_, k) => gold[p * o.perPrompt + k])).size > 1) {
        db.addPair(texts[p * o.perPrompt]!, ids, null, rng.uniform());
        counts.bestOf4++;
      }
    }
  })();
  return counts;
}
