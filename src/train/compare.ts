// `refract compare`: every listed algorithm post-trains the same base under the same budget of generated images
// (each runs until the `samples` of its AlgorithmStepLogs sum to budget.samples), then one table compares them:
// final gold ShapesEval, final proxy reward, KL to the reference, same-prompt diversity, samples used, wall time.
import path from 'node:path';
import { z } from 'zod';
import { loadConfigFile, parseConfig } from '../config/load.js';
import { Rng, deriveSeed } from '../data/rng.js';
import { loadTextToImageCheckpoint } from '../models/checkpoint.js';
import { generateImages, DEFAULT_EVAL_SAMPLING } from '../pipeline/text-to-image.js';
import { promptDiversity } from '../eval/stats/diversity.js';
import { sectionShape, sharedRunShape, runConfigSchema, type RunConfig } from './config.js';
import { ALGORITHM_NAMES, type AlgorithmName } from './registry.js';
import { buildPromptSource } from './prompt-sources.js';
import { loadBase } from './setup.js';
import { runTraining, type TrainingHooks, type TrainingResult } from './trainer.js';

const posInt = z.number().int().positive();

export const compareConfigSchema = z
  .object({
    ...sharedRunShape,
    /** Upper bound on iterations per algorithm (the sample budget normally ends a run first). */
    iterations: posInt.default(100_000),
    out: z.string().min(1).default('runs/compare'),
    algorithms: z.array(z.enum(ALGORITHM_NAMES)).min(1).default([...ALGORITHM_NAMES]),
    budget: z.object({ samples: posInt }).strict(),
    /** Same-prompt diversity of the final policy: this many prompts × samples each. */
    diversity: z.object({ prompts: posInt.default(8), samplesPerPrompt: z.number().int().min(2).default(4) }).strict().prefault({}),
    ...sectionShape,
  })
  .strict();

export type CompareConfig = z.infer<typeof compareConfigSchema>;

export function parseCompareConfig(raw: unknown): Readonly<CompareConfig> {
  return parseConfig(compareConfigSchema, raw, 'refract compare');
}

export function loadCompareConfig(file: string): Readonly<CompareConfig> {
  return loadConfigFile(compareConfigSchema, file, 'refract compare');
}

export interface CompareRow {
  algorithm: AlgorithmName;
  runId: number;
  status: TrainingResult['status'];
  /** Final gold ShapesEval overall (null without a gold evaluator). */
  gold: number | null;
  /** Final proxy reward on the evaluation set. */
  proxy: number | null;
  /** Mean KL-to-reference over the iterations before the final evaluation (null when the algorithm has none). */
  kl: number | null;
  /** Mean pairwise distance of same-prompt samples of the final policy (src/eval/stats/diversity.ts). */
  diversity: number;
  samples: number;
  iterations: number;
  seconds: number;
  out: string;
}

/** The run config of one arm: the shared fields, its algorithm, its own out folder and the sample budget. */
export function armConfig(c: Readonly<CompareConfig>, algorithm: AlgorithmName): Readonly<RunConfig> {
  const { algorithms: _a, budget, diversity: _d, ...shared } = c;
  return runConfigSchema.parse({ ...shared, algorithm, out: path.join(c.out, algorithm), maxSamples: budget.samples });
}

/** Runs every arm in turn (fresh, or resumed when `resume`), returning one row per algorithm. */
export async function runCompare(c: Readonly<CompareConfig>, hooksFor: (a: AlgorithmName) => TrainingHooks = () => ({}), resume = false): Promise<CompareRow[]> {
  const rows: CompareRow[] = [];
  for (const algorithm of c.algorithms) {
    const config = armConfig(c, algorithm);
    const r = await runTraining(config, hooksFor(algorithm), { resume });
    const e = r.lastEval;
    rows.push({
      algorithm,
      runId: r.runId,
      status: r.status,
      gold: e?.gold ? e.gold.overall : null,
      proxy: e && Number.isFinite(e.proxy) ? e.proxy : null,
      kl: e && Number.isFinite(e.klToReference) ? e.klToReference : null,
      diversity: finalDiversity(c, r.status === 'failed' ? config.base : r.finalModel),
      samples: r.samplesUsed,
      iterations: r.lastIteration,
      seconds: r.seconds,
      out: config.out,
    });
  }
  return rows;
}

/** Same-prompt diversity of the model in `dir`: fixed prompts from the source, distinct seeds per sample. */
export function finalDiversity(c: Readonly<CompareConfig>, dir: string): number {
  const base = loadBase(c.base);
  const vocabulary = base.vocabulary;
  if (dir !== c.base) base.model.dispose();
  const model = dir === c.base ? base.model : loadTextToImageCheckpoint(dir);
  try {
    model.eval();
    const rng = new Rng(deriveSeed(c.seed, 0xd1e5));
    const source = buildPromptSource(c.prompts);
    const prompts = Array.from({ length: c.diversity.prompts }, () => source.sample(rng).text);
    const texts = prompts.flatMap((p) => Array<string>(c.diversity.samplesPerPrompt).fill(p));
    const images = generateImages(model, texts, {
      ...DEFAULT_EVAL_SAMPLING,
      steps: c.eval.samplingSteps,
      seeds: texts.map((_, i) => deriveSeed(c.seed, 0xd1e5, i)),
      ...(vocabulary ? { vocabulary } : {}),
    });
    return promptDiversity(images, texts.map((t, i) => `${Math.floor(i / c.diversity.samplesPerPrompt)}:${t}`)).mean;
  } finally {
    model.dispose();
  }
}

/** The comparison as a fixed-width text table. */
export function formatCompareTable(rows: readonly CompareRow[]): string {
  const f = (x: number | null, d: number): string => (x === null ? '—' : x.toFixed(d));
  const header = ['algorithm', 'status', 'gold', 'proxy', 'KL', 'diversity', 'samples', 'iters', 'wall s'];
  const body = rows.map((r) => [r.algorithm, r.status, f(r.gold, 3), f(r.proxy, 3), r.kl === null ? '—' : r.kl.toExponential(2), f(r.diversity, 4), String(r.samples), String(r.iterations), r.seconds.toFixed(0)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
