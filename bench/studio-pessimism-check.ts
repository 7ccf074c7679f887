// Does the Studio ensemble's disagreement flag the samples GRPO exploited? Offline check before a conservative run:
// for the base and a post-trained checkpoint, `perCategory` prompts of each Shapes category × `seeds` seeded ODE
// samples (10 steps, CFG 3), scored by the gold evaluator (partial credit) and by each member of a Studio reward model.
// Reports per model the mean of gold, of the members' mean and std, and — per λ — the gold of the best-of-n sample
// under mean − λ·std (Gao et al., arXiv 2210.10760, use best-of-n to measure a proxy), plus the within-prompt
// correlation of mean − λ·std with gold.
// Run: npx tsc && REFRACT_THREADS=1 node dist/bench/studio-pessimism-check.js <studio dir> <reward model> <checkpoint>...
import path from 'node:path';
import * as torch from '../src/torch/index.js';
import { Rng, deriveSeed } from '../src/data/rng.js';
import { samplePrompt } from '../src/data/shapes/grammar.js';
import { CATEGORIES } from '../src/data/shapes/types.js';
import { generateImages } from '../src/pipeline/text-to-image.js';
import { shapesGoldReward } from '../src/rewards/shapes-gold.js';
import { RewardEnsemble } from '../src/rewards/preference/ensemble.js';
import { loadCachedMembers } from '../src/rewards/preference/rm-cache.js';
import { memberScores } from '../src/studio/active.js';
import { loadBase } from '../src/train/setup.js';

torch.setNumThreads(Number(process.env['REFRACT_THREADS'] ?? 1));
const [studioDir, rmName, ...checkpoints] = process.argv.slice(2);
const PER_CATEGORY = Number(process.env['PER_CATEGORY'] ?? 8);
const SEEDS = 8;
const LAMBDAS = [0, 0.25, 0.5, 1, 2];
const members = loadCachedMembers(path.join(studioDir!, 'reward-models', rmName!), 3);
if (members === null) throw new Error('reward model not found');
const ensemble = new RewardEnsemble(members);
const rng = new Rng(deriveSeed(77, 1));
const prompts = CATEGORIES.flatMap((c) => Array.from({ length: PER_CATEGORY }, () => samplePrompt(rng, c)));
const texts = prompts.flatMap((p) => Array.from({ length: SEEDS }, () => p.text));
const rewardPrompts = prompts.flatMap((p) => Array.from({ length: SEEDS }, () => ({ text: p.text, shapes: p })));
const seeds = texts.map((_, i) => deriveSeed(78, i));

const corr = (a: number[], b: number[]): number => {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let ab = 0, aa = 0, bb = 0;
  a.forEach((x, i) => { ab += (x - ma) * (b[i]! - mb); aa += (x - ma) ** 2; bb += (b[i]! - mb) ** 2; });
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
};
const avg = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

const out: Record<string, unknown> = {};
for (const ck of checkpoints) {
  const t0 = performance.now();
  const { model, vocabulary } = loadBase(ck);
  const images = generateImages(model, texts, { steps: 10, guidance: 3, sde: 'ode', seeds, batchSize: 32, ...(vocabulary ? { vocabulary } : {}) });
  model.dispose();
  const gold = Array.from((await shapesGoldReward({ total: 'partial', dense: false }).score({ rgb: images, prompts: rewardPrompts })).total);
  const s = memberScores(ensemble, images, texts);
  const mean = gold.map((_, i) => avg(s.map((m) => m[i]!)));
  const std = gold.map((_, i) => Math.sqrt(avg(s.map((m) => (m[i]! - mean[i]!) ** 2))));
  const perCategory: Record<string, unknown> = {};
  CATEGORIES.forEach((c, ci) => {
    const idx = Array.from({ length: PER_CATEGORY * SEEDS }, (_, k) => ci * PER_CATEGORY * SEEDS + k);
    const within: number[] = [];
    const spread: number[] = [];
    for (let p = ci * PER_CATEGORY; p < (ci + 1) * PER_CATEGORY; p++) {
      const g = Array.from({ length: SEEDS }, (_, k) => p * SEEDS + k);
      const m = g.map((i) => mean[i]!);
      spread.push(Math.sqrt(avg(m.map((x) => (x - avg(m)) ** 2))));
      const c = corr(m, g.map((i) => gold[i]!));
      if (Number.isFinite(c)) within.push(c);
    }
    perCategory[c] = {
      gold: avg(idx.map((i) => gold[i]!)), mean: avg(idx.map((i) => mean[i]!)), std: avg(idx.map((i) => std[i]!)),
      withinPromptCorrelation: avg(within), prompts: within.length, withinPromptSpread: avg(spread),
    };
  });
  const byLambda = LAMBDAS.map((lambda) => {
    const r = mean.map((m, i) => m - lambda * std[i]!);
    const best: number[] = [];
    const within: number[] = [];
    for (let p = 0; p < prompts.length; p++) {
      const idx = Array.from({ length: SEEDS }, (_, k) => p * SEEDS + k);
      const top = idx.reduce((a, b) => (r[b]! > r[a]! ? b : a));
      best.push(gold[top]!);
      const c = corr(idx.map((i) => r[i]!), idx.map((i) => gold[i]!));
      if (Number.isFinite(c)) within.push(c);
    }
    return { lambda, bestOfN: avg(best), withinPromptCorrelation: avg(within), prompts: within.length };
  });
  out[ck] = {
    gold: avg(gold), rmMean: avg(mean), rmStd: avg(std),
    corrStdGold: corr(std, gold), corrMeanGold: corr(mean, gold), perCategory, byLambda,
    seconds: (performance.now() - t0) / 1000,
  };
  process.stderr.write(`${ck}: ${JSON.stringify(out[ck])}\n`);
}
await ensemble.close();
process.stdout.write(`${JSON.stringify({ studioDir, rmName, perCategory: PER_CATEGORY, seeds: SEEDS, models: out }, null, 2)}\n`);
