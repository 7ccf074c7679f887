// `refract compare`: every listed algorithm post-trains the same base under the same budget of generated images
// (each runs until the `samples` of its AlgorithmStepLogs sum to budget.samples), then one table compares them:
// the reward it optimised, final gold ShapesEval, final proxy reward, KL to the reference, same-prompt diversity,
// samples used, wall time. Every arm optimises `rewards` unless `rewardOverrides` gives it its own list (reward
// backprop needs a differentiable one, e.g. a learned `preference` reward); gold is ShapesEval for every arm.
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../config/errors.js';
import { loadConfigFile, parseConfig } from '../config/load.js';
import { Rng, deriveSeed } from '../data/rng.js';
import { loadTextToImageCheckpoint } from '../models/checkpoint.js';
import { generateImages, DEFAULT_EVAL_SAMPLING } from '../pipeline/text-to-image.js';
import { promptDiversity } from '../eval/stats/diversity.js';
import { rewardsConfigSchema } from '../rewards/config.js';
import { sectionShape, sharedRunShape, runConfigSchema, type RunConfig } from './config.js';
import { ALGORITHM_NAMES, type AlgorithmName } from './registry.js';
import { buildPromptSource } from './prompt-sources.js';
import { loadBase } from './setup.js';
import { runTraining, type TrainingHooks, type TrainingResult } from './trainer.js';
import { RunStore } from '../store/run-store.js';
import { pairedBinaryDelta } from '../eval/paired.js';
import { efficiencyRatio, samplesToGain, type GoldPoint } from '../eval/sample-efficiency.js';

const posInt = z.number().int().positive();

export const compareConfigSchema = z
  .object({
    ...sharedRunShape,
    /** Upper bound on iterations per algorithm (the sample budget normally ends a run first). */
    iterations: posInt.default(100_000),
    out: z.string().min(1).default('runs/compare'),
    algorithms: z.array(z.enum(ALGORITHM_NAMES)).min(1).default([...ALGORITHM_NAMES]),
    /** Every arm stops at `samples` generated images, or earlier at `seconds` of wall time when given. */
    budget: z.object({ samples: posInt, seconds: posInt.optional() }).strict(),
    /** Per-algorithm replacement of `rewards` (the reward that arm optimises), e.g. `reward_backprop: [...]`. */
    rewardOverrides: z.partialRecord(z.enum(ALGORITHM_NAMES), rewardsConfigSchema).optional(),
    /** The gold gain whose sample cost is compared across arms (ShapesEval points as a fraction: 0.10 = +10). */
    gainTarget: z.number().positive().max(1).default(0.1),
    /**
     * Smaller (or larger) gains whose sample cost and efficiency ratio are reported too, e.g. [0.03, 0.05] when
     * +10 points lies beyond the budget: a censored ratio at one target says less than the ratio along the curve.
     */
    extraGainTargets: z.array(z.number().positive().max(1)).default([]),
    /** The arm the others' sample efficiency is divided by (Flow-GRPO in the papers' claims). */
    efficiencyReference: z.enum(ALGORITHM_NAMES).default('grpo'),
    /** Same-prompt diversity of the final policy: this many prompts × samples each. */
    diversity: z.object({ prompts: posInt.default(8), samplesPerPrompt: z.number().int().min(2).default(4) }).strict().prefault({}),
    ...sectionShape,
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const name of Object.keys(c.rewardOverrides ?? {})) {
      if (!c.algorithms.includes(name as AlgorithmName)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rewardOverrides', name],
          message: `must override an algorithm listed in \`algorithms\` (${c.algorithms.join(', ')}) — add ${name} there or remove its override`,
        });
      }
    }
  });

export type CompareConfig = z.infer<typeof compareConfigSchema>;

export function parseCompareConfig(raw: unknown): Readonly<CompareConfig> {
  return parseConfig(compareConfigSchema, raw, 'refract compare');
}

export function loadCompareConfig(file: string): Readonly<CompareConfig> {
  return loadConfigFile(compareConfigSchema, file, 'refract compare');
}

export interface CompareRow {
  algorithm: AlgorithmName;
  /** The reward specs this arm optimised: its `rewardOverrides` entry, else the shared `rewards`. */
  rewards: RunConfig['rewards'];
  runId: number;
  status: TrainingResult['status'];
  /** Final gold ShapesEval overall (null without a gold evaluator). */
  gold: number | null;
  /** Gold of the same evaluation before any update (the base on the same prompts and seeds; null without gold). */
  baseGold: number | null;
  /** gold − baseGold, and one standard error of it (goldGainStdError): paired over the same prompts and seeds. */
  goldGain: number | null;
  goldGainStdError: number | null;
  /** Generated samples at which gold first reached baseGold + gainTarget (interpolated); null if it never did. */
  samplesToTarget: number | null;
  /** efficiencyReference's samplesToTarget / this arm's; `atLeast` when the reference never reached the target. */
  efficiency: ReturnType<typeof efficiencyRatio>;
  /** The same two numbers for each of `extraGainTargets`, in its order. */
  extraTargets: GainCost[];
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

/** Samples an arm needed for `gain` (null: never within its budget) and its efficiency ratio against the reference. */
export interface GainCost {
  gain: number;
  samples: number | null;
  efficiency: ReturnType<typeof efficiencyRatio>;
}

/** The arms of `--arms a,b`: each must be one of the config's algorithms. */
export function parseArms(c: Readonly<CompareConfig>, list: string): AlgorithmName[] {
  const arms = list.split(',').map((a) => a.trim());
  for (const a of arms) {
    if (!(c.algorithms as readonly string[]).includes(a)) {
      throw new UsageError(`refract compare: --arms must list algorithms of the config (${c.algorithms.join(', ')}), got "${a}" — check the spelling or add it to algorithms:`);
    }
  }
  return arms as AlgorithmName[];
}

/** The run config of one arm: the shared fields, its algorithm and rewards (override or shared), its own out folder, the budget. */
export function armConfig(c: Readonly<CompareConfig>, algorithm: AlgorithmName): Readonly<RunConfig> {
  const { algorithms: _a, budget, diversity: _d, rewardOverrides, gainTarget: _g, extraGainTargets: _x, efficiencyReference: _e, ...shared } = c;
  const rewards = rewardOverrides?.[algorithm] ?? c.rewards;
  const maxSeconds = budget.seconds === undefined ? {} : { maxSeconds: budget.seconds };
  return runConfigSchema.parse({ ...shared, algorithm, rewards, out: path.join(c.out, algorithm), maxSamples: budget.samples, ...maxSeconds });
}

/**
 * Runs every arm in turn (fresh, or resumed when `resume`), returning one row per algorithm. `arms` runs a subset
 * (one process per core: each arm has its own out folder and store; a later `--resume` over all arms builds the
 * whole table without rerunning finished ones).
 */
export async function runCompare(
  c: Readonly<CompareConfig>,
  hooksFor: (a: AlgorithmName) => TrainingHooks = () => ({}),
  resume = false,
  arms: readonly AlgorithmName[] = c.algorithms,
): Promise<CompareRow[]> {
  const rows: CompareRow[] = [];
  for (const algorithm of arms) {
    const config = armConfig(c, algorithm);
    const r = await runTraining(config, hooksFor(algorithm), { resume });
    // read from the store, not r.lastEval: a finished arm met again under --resume evaluates nothing new
    const { curve, proxy, kl, secondsUsed } = storedResults(r);
    const before = curve[0];
    const after = curve.length > 0 ? curve[curve.length - 1] : undefined;
    const gold = after?.gold ?? null;
    const gain = gold !== null && before !== undefined ? gold - before.gold : null;
    rows.push({
      algorithm,
      rewards: config.rewards,
      runId: r.runId,
      status: r.status,
      gold,
      baseGold: before?.gold ?? null,
      goldGain: gain,
      goldGainStdError: gain !== null && after && before ? gainError(before, after, c.eval.perCategory) : null,
      samplesToTarget: samplesToGain(curve, c.gainTarget),
      efficiency: null,
      extraTargets: c.extraGainTargets.map((gain) => ({ gain, samples: samplesToGain(curve, gain), efficiency: null })),
      proxy,
      kl,
      diversity: finalDiversity(c, r.status === 'failed' ? config.base : r.finalModel),
      samples: r.samplesUsed,
      iterations: r.lastIteration,
      seconds: secondsUsed ?? r.seconds,
      out: config.out,
    });
  }
  return withEfficiency(rows, c.efficiencyReference);
}

/**
 * Each row's efficiency ratios against the `reference` arm's, at the main target and at each extra one (the rows
 * share the config's targets, in its order); rows unchanged when the reference arm is not among them.
 */
export function withEfficiency(rows: readonly CompareRow[], reference: AlgorithmName): CompareRow[] {
  const ref = rows.find((row) => row.algorithm === reference);
  if (ref === undefined) return [...rows];
  return rows.map((row) => ({
    ...row,
    efficiency: efficiencyRatio(row.samplesToTarget, ref.samplesToTarget, ref.samples),
    extraTargets: row.extraTargets.map((t, i) => ({ ...t, efficiency: efficiencyRatio(t.samples, ref.extraTargets[i]?.samples ?? null, ref.samples) })),
  }));
}

/** A ShapesEval evaluation of a run: its gold point and, where stored, the per-prompt verdicts and categories. */
interface CurvePoint extends GoldPoint {
  step: number;
  categories: Record<string, number>;
  perPrompt?: readonly number[];
}

/** What the run's store holds about its results: the gold curve, the last proxy evaluation, the counted wall time. */
interface StoredResults {
  /** ShapesEval evaluations in order (iteration 0 = the base), each with the samples generated before it. */
  curve: CurvePoint[];
  /** The last evaluation's mean proxy reward and the mean KL-to-reference before it (null when not finite). */
  proxy: number | null;
  kl: number | null;
  /** The wall time the run counted against its budget (training and evaluations, over every resume). */
  secondsUsed: number | null;
}

function storedResults(r: TrainingResult): StoredResults {
  const store = RunStore.open(r.storeFile);
  try {
    const metrics = store.metrics(r.runId);
    const used = new Map(metrics.map((m) => [m.step, m.metrics['samplesUsed'] ?? null]));
    const evaluations = store.evaluations(r.runId).sort((a, b) => a.step - b.step);
    const curve = evaluations
      .filter((e) => e.suite === 'shapes_eval')
      .map((e) => {
        const d = e.details as { categories?: Record<string, number>; perPrompt?: number[] };
        const samples = e.step === 0 ? 0 : (used.get(e.step) ?? NaN);
        return { step: e.step, samples, gold: e.overall, categories: d.categories ?? {}, ...(d.perPrompt ? { perPrompt: d.perPrompt } : {}) };
      });
    const last = evaluations.filter((e) => e.suite === 'proxy').at(-1);
    const kl = last ? (last.details as { klToReference?: number | null }).klToReference : null;
    const finite = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    return { curve, proxy: finite(last?.overall), kl: finite(kl), secondsUsed: finite(metrics.at(-1)?.metrics['secondsUsed']) };
  } finally {
    store.close();
  }
}

/** The paired SE of the gain when both evaluations stored per-prompt verdicts; else the conservative unpaired one. */
function gainError(before: CurvePoint, after: { categories: Readonly<Record<string, number>>; perPrompt?: readonly number[] }, perCategory: number): number {
  if (before.perPrompt && after.perPrompt && before.perPrompt.length === after.perPrompt.length && before.perPrompt.length > 0) {
    return pairedBinaryDelta(before.perPrompt, after.perPrompt).standardError;
  }
  return gainStdError(before.categories, after.categories, perCategory);
}
/**
 * One standard error of a change in ShapesEval overall (the mean of C category accuracies, n prompts each):
 * SE = √(Σ_c [p_c(1−p_c) + q_c(1−q_c)]/n) / C, treating the two evaluations as independent binomials. They share
 * prompts and seeds, so the paired SE is smaller: this one is conservative (a gain beyond 2 SE is real).
 */
export function gainStdError(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>, perCategory: number): number {
  const cats = Object.keys(after).filter((k) => k in before);
  if (cats.length === 0 || perCategory <= 0) return NaN;
  const v = cats.reduce((s, k) => s + (before[k]! * (1 - before[k]!) + after[k]! * (1 - after[k]!)) / perCategory, 0);
  return Math.sqrt(v) / cats.length;
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

/** Reward specs in one cell: `kind`, weighted ones as `w·kind`, several joined by ` + `. */
export function describeRewards(rewards: RunConfig['rewards']): string {
  return rewards.map((r) => (r.weight === 1 ? r.kind : `${r.weight}·${r.kind}`)).join(' + ');
}

/** The comparison as a fixed-width text table; `proxy` is each arm's own optimised reward (column `reward`). */
export function formatCompareTable(rows: readonly CompareRow[]): string {
  const f = (x: number | null, d: number): string => (x === null ? '—' : x.toFixed(d));
  const extra = rows[0]?.extraTargets.map((t) => `samples to +${(100 * t.gain).toFixed(0)} (ratio)`) ?? [];
  const header = ['algorithm', 'reward', 'status', 'base gold', 'gold', 'gain ± SE', 'samples to target', 'efficiency', ...extra, 'proxy', 'KL', 'diversity', 'samples', 'iters', 'wall s'];
  const ratio = (e: CompareRow['efficiency']): string => (e === null ? '—' : `${e.atLeast ? '≥ ' : ''}${e.ratio.toFixed(1)}×`);
  const eff = (r: CompareRow): string => ratio(r.efficiency);
  const extraCells = (r: CompareRow): string[] => r.extraTargets.map((t) => (t.samples === null ? '—' : `${t.samples.toFixed(0)} (${ratio(t.efficiency)})`));
  const gain = (r: CompareRow): string =>
    r.goldGain === null ? '—' : `${r.goldGain >= 0 ? '+' : ''}${r.goldGain.toFixed(3)} ± ${f(r.goldGainStdError, 3)}`;
  const body = rows.map((r) => [r.algorithm, describeRewards(r.rewards), r.status, f(r.baseGold, 3), f(r.gold, 3), gain(r), f(r.samplesToTarget, 0), eff(r), ...extraCells(r), f(r.proxy, 3), r.kl === null ? '—' : r.kl.toExponential(2), f(r.diversity, 4), String(r.samples), String(r.iterations), r.seconds.toFixed(0)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
