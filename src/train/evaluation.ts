// The loop's periodic evaluation: the policy's images for a fixed prompt set and fixed seeds (deterministic ODE
// sampler), scored by the gold evaluator where the source has one (ShapesEval for Shapes) and by the proxy reward
// always — the pair a reward-hacking monitor compares (./monitor.ts).
import { Rng, deriveSeed } from '../data/rng.js';
import type { WordVocabulary } from '../data/vocabulary.js';
import { evaluateShapesModel } from '../eval/shapes/model-eval.js';
import {
  DEFAULT_EVAL_SAMPLING,
  evenlySpacedSteps,
  generateImagesWithPredictions,
  type FlowSamplingOptions,
  type PromptModel,
} from '../pipeline/text-to-image.js';
import { flowSigmas } from '../generate/flow-schedule.js';
import type { RewardModel, RewardPrompt } from '../rewards/types.js';
import type { PromptSource } from '../algorithms/algorithm.js';
import type { RGBImage } from '../data/image.js';
import type { EvalSnapshot, GoldSnapshot } from './monitor.js';
import type { RunConfig } from './config.js';

/** Stream id of the evaluation prompts and seeds: fixed, so every evaluation of a run sees the same set. */
const EVAL_STREAM = 0x5eed_e7a1;

/** What the loop accumulated over the training iterations since the previous evaluation. */
export interface SinceLastEval {
  klSum: number;
  klCount: number;
  rewardSum: number;
  rewardCount: number;
}

export function emptySince(): SinceLastEval {
  return { klSum: 0, klCount: 0, rewardSum: 0, rewardCount: 0 };
}

export interface EvalInputs {
  policy: PromptModel;
  reward: RewardModel;
  source: PromptSource;
  vocabulary?: WordVocabulary;
  config: Readonly<RunConfig>;
}

interface Generated {
  images: RGBImage[];
  prompts: RewardPrompt[];
  seeds: number[];
  gold?: GoldSnapshot;
  /** x̂₀ strips of the first eval.storeSamples images (empty when eval.trajectorySteps is 0). */
  predictions: RGBImage[][];
}

/**
 * The x̂₀ trajectory of an evaluation's stored samples: images[i][k] is image i's prediction of the clean image at
 * denoising step steps[k] (noise level sigmas[k]), read from the same sampler call that made image i.
 */
export interface EvalTrajectories {
  steps: number[];
  sigmas: number[];
  images: RGBImage[][];
}

/** Which steps to watch, and for how many images: eval.trajectorySteps of the stored samples. */
function predictionCapture(config: Readonly<RunConfig>, sampling: FlowSamplingOptions): { predictionSteps: number[]; predictionLimit: number } {
  const { trajectorySteps, storeSamples } = config.eval;
  const predictionSteps = storeSamples > 0 ? evenlySpacedSteps(sampling.steps, trajectorySteps) : [];
  return { predictionSteps, predictionLimit: storeSamples };
}

/** Evaluates the policy at `iteration`; `since` gives the training-side means (KL, reward) for the snapshot. */
export async function evaluatePolicy(
  inp: EvalInputs,
  iteration: number,
  since: Readonly<SinceLastEval>,
): Promise<EvalSnapshot & { seeds: number[]; trajectories?: EvalTrajectories }> {
  const sampling: FlowSamplingOptions = { ...DEFAULT_EVAL_SAMPLING, steps: inp.config.eval.samplingSteps };
  const g = inp.config.prompts.source === 'shapes' ? shapesImages(inp, sampling) : sourceImages(inp, sampling);
  const scored = await inp.reward.score({ rgb: g.images, prompts: g.prompts, metadata: { iteration, eval: true } });
  const proxyComponents = Object.fromEntries(Object.entries(scored.components).map(([k, v]) => [k, finiteMean(v)]));
  return {
    iteration,
    ...(g.gold ? { gold: g.gold } : {}),
    proxy: finiteMean(scored.total),
    proxyComponents,
    klToReference: since.klCount > 0 ? since.klSum / since.klCount : NaN,
    trainReward: since.rewardCount > 0 ? since.rewardSum / since.rewardCount : NaN,
    images: g.images,
    prompts: g.prompts,
    proxyPerImage: scored.total,
    proxyComponentsPerImage: scored.components,
    ...(scored.dense ? { proxyDense: scored.dense } : {}),
    stats: {},
    seeds: g.seeds,
    ...(g.predictions.length > 0 ? { trajectories: trajectoriesOf(inp.config, sampling, g.predictions) } : {}),
  };
}

function trajectoriesOf(config: Readonly<RunConfig>, sampling: FlowSamplingOptions, images: RGBImage[][]): EvalTrajectories {
  const steps = predictionCapture(config, sampling).predictionSteps;
  const sigmas = flowSigmas(sampling.steps, { shift: sampling.shift ?? 1 });
  return { steps, sigmas: steps.map((k) => sigmas[k]!), images };
}

/** ShapesEval's first `perCategory` prompts per category, scored by the gold evaluator. */
function shapesImages(inp: EvalInputs, sampling: FlowSamplingOptions): Generated {
  const perCategory = inp.config.eval.perCategory;
  const categories = inp.config.eval.categories;
  const capture = predictionCapture(inp.config, sampling);
  const r = evaluateShapesModel(inp.policy, { perCategory, sampling, ...capture, ...(categories ? { categories } : {}) });
  const set = r.set;
  return {
    images: r.images.map((x) => x[0]!),
    prompts: set.prompts.map((p) => ({ text: p.text, shapes: p })),
    seeds: set.prompts.map((p) => p.index * 16), // model-eval.ts's seed of sample 0 at samplingSeed 0
    gold: {
      overall: r.score.overall,
      categories: r.score.categories,
      heldOut: r.score.heldOut.accuracy,
      inDistribution: r.score.inDistribution.accuracy,
      perPrompt: r.score.perPrompt.map((x) => (x >= 0.5 ? 1 : 0)), // one image per prompt: its verdict
    },
    predictions: r.predictions,
  };
}

/** A fixed set of `eval.prompts` prompts drawn from the source (same for every evaluation of the run). */
function sourceImages(inp: EvalInputs, sampling: FlowSamplingOptions): Generated {
  const rng = new Rng(deriveSeed(inp.config.seed, EVAL_STREAM));
  const prompts = Array.from({ length: inp.config.eval.prompts }, () => inp.source.sample(rng));
  const seeds = prompts.map((_, i) => deriveSeed(inp.config.seed, EVAL_STREAM, i));
  const { images, predictions } = generateImagesWithPredictions(inp.policy, prompts.map((p) => p.text), {
    ...sampling,
    seeds,
    batchSize: 32,
    ...predictionCapture(inp.config, sampling),
    ...(inp.vocabulary ? { vocabulary: inp.vocabulary } : {}),
  });
  return { images, prompts, seeds, predictions };
}

/** Mean over the finite entries (NaN when there are none): one broken sample must not hide the others. */
export function finiteMean(a: Float32Array): number {
  let s = 0;
  let n = 0;
  for (const x of a) {
    if (Number.isFinite(x)) {
      s += x;
      n++;
    }
  }
  return n > 0 ? s / n : NaN;
}
