/**
 * The reward interface (DESIGN §1–2): every reward — gold evaluators, image statistics, classifiers, OCR,
 * TorchScript models, learned preference models — takes a `RewardBatch` and returns a `RewardResult`, async and
 * batched, so the layers above (reliability/, credit/) treat them alike.
 *
 * Results hold plain Float32Arrays, not tensors: scoring runs off the autograd graph, and arrays are cheap to
 * cache, compose, log and store without tensor lifetimes to manage. Rewards that can be differentiated w.r.t. the
 * image (for ReFL / DRaFT reward back-propagation, DESIGN §3) also offer `scoreDifferentiable`, which returns a
 * tensor [B] that keeps the graph.
 */
import type { RGBImage } from '../data/image.js';
import type { GlyphPrompt } from '../data/glyphs/prompts.js';
import type { MovingPrompt } from '../data/moving-shapes/grammar.js';
import type { ShapesPrompt } from '../data/shapes/types.js';
import type { Tensor } from '../torch/index.js';

/**
 * One prompt: its text, plus the parsed structure when the testbed has one. Rewards that need structure read
 * the field for their testbed and, where the grammar allows it, parse `text` when the field is absent.
 */
export interface RewardPrompt {
  text: string;
  /** Shapes world (GenEval categories): required by the gold reward (there is no text parser). */
  shapes?: ShapesPrompt;
  /** Moving-shapes world; parsed from `text` when absent. */
  moving?: MovingPrompt;
  /** Glyph task; the OCR target is otherwise the quoted part of `text` (flow_grpo's convention). */
  glyph?: GlyphPrompt;
  /** Class-conditional real data: the prompted class index; otherwise a class name is looked up in `text`. */
  classIndex?: number;
}

/**
 * What a reward scores. Give images as a tensor, as RGBImages, or both (they must agree); clips likewise.
 * B is the number of prompts; every sample i was generated for prompts[i].
 */
export interface RewardBatch {
  /** [B, 3, H, W] float in [−1, 1] — the range models sample in (src/data/image-tensor.ts). */
  images?: Tensor;
  /** The same samples as CHW [0, 1] images (src/data/image.ts). */
  rgb?: readonly RGBImage[];
  /** Videos [B, C, F, H, W] in [−1, 1] (the VideoUNet layout). */
  clips?: Tensor;
  /** The same videos as frames: clipFrames[i][k] is frame k of sample i. */
  clipFrames?: readonly (readonly RGBImage[])[];
  prompts: readonly RewardPrompt[];
  /** Free-form context (step, seeds, sampler); rewards may ignore it. Not part of cache keys. */
  metadata?: Readonly<Record<string, unknown>>;
}

/**
 * A dense reward map: per pixel [B, H, W] or per frame [B, F], flattened row-major into `data`. Oriented like
 * every reward, higher is better (penalty maps are negative), because credit/dense.ts normalises it as a reward.
 */
export interface DenseMap {
  layout: 'pixel' | 'frame';
  /** [B, H, W] for 'pixel', [B, F] for 'frame'. */
  shape: readonly number[];
  data: Float32Array;
}

/** Which reward produced a result. `version` changes whenever scores change for the same input (cache keys use it). */
export interface RewardMeta {
  name: string;
  version: string;
  /** The model behind the reward, when there is one (a checkpoint path, 'tesseract-legacy', ...). */
  model?: string;
}

/** DESIGN §2: total [B], components {name → [B]}, optional dense maps and uncertainty, and metadata. */
export interface RewardResult {
  total: Float32Array;
  components: Record<string, Float32Array>;
  dense?: Record<string, DenseMap>;
  /** Per-sample standard deviation of the reward estimate (ensembles). */
  uncertainty?: Float32Array;
  /**
   * Per sample, a prompt the image satisfies in place of the one it was asked for (hindsight relabelling, arXiv
   * 1707.01495), or null; present (B entries) whenever the reward was asked to relabel, even if every entry is null.
   */
  hindsight?: (RewardPrompt | null)[];
  meta: RewardMeta;
}

export interface RewardModel {
  readonly name: string;
  readonly version: string;
  /** Names of the components every result carries, in order. */
  readonly components: readonly string[];
  /** True when `scoreDifferentiable` exists and back-propagates to the images. */
  readonly differentiable: boolean;
  score(batch: RewardBatch): Promise<RewardResult>;
  /**
   * Differentiable total: images [B, 3, H, W] in [−1, 1] (with or without requiresGrad) → [B], graph kept.
   * Takes the prompts too because conditional rewards (classifier, preference models) need them.
   */
  scoreDifferentiable?(images: Tensor, prompts: readonly RewardPrompt[]): Tensor;
  /** Releases workers or native memory the reward holds. */
  close?(): Promise<void>;
}

/** A reward that can be back-propagated through (ReFL, DRaFT). */
export interface DifferentiableRewardModel extends RewardModel {
  readonly differentiable: true;
  scoreDifferentiable(images: Tensor, prompts: readonly RewardPrompt[]): Tensor;
}

export function isDifferentiable(rm: RewardModel): rm is DifferentiableRewardModel {
  return rm.differentiable && typeof rm.scoreDifferentiable === 'function';
}
