/**
 * Semantic alignment in the shapes world, from the gold evaluator (src/eval/shapes/gold.ts, GenEval's rules):
 * - `gold`: 1 when the image follows the prompt, else 0 (GenEval's per-image correctness, Flow-GRPO's GenEval
 *   reward is its fractional variant);
 * - `partial`: the fraction of the prompt's requirements met — per object "enough of the shape", "enough in the
 *   named colour", for counting "not too many", for position "the relation holds", in strict mode "nothing
 *   extra" — a softer signal that still moves when `gold` is 0 for the whole group;
 * - dense `pixel_alignment` [B, H, W]: −1 on every pixel of an object the prompt does not account for (the
 *   negated wrongPixelMap), 0 elsewhere — higher is better, like every reward, so credit/dense.ts can normalise
 *   it as one (it cannot mark a missing object: pair it with `gold`).
 * Total = `gold` by default (`total: 'partial'` picks the soft score). With `hindsight`, the result also carries,
 * per image, the prompt it satisfies instead of its own (eval/shapes/hindsight.ts), for algorithms that relabel.
 */
import type { RGBImage } from '../data/image.js';
import type { ShapesPrompt } from '../data/shapes/types.js';
import { detectObjects, type DetectedObject } from '../eval/shapes/detect.js';
import { DEFAULT_GOLD_OPTIONS, judgeDetections, unaccountedObjects, type GoldOptions } from '../eval/shapes/gold.js';
import { relativePosition } from '../eval/shapes/relation.js';
import { hindsightPrompt } from '../eval/shapes/hindsight.js';
import { batchImages } from './batch.js';
import { pixelMap } from './result.js';
import type { RewardBatch, RewardModel, RewardPrompt, RewardResult } from './types.js';

export interface ShapesGoldRewardOptions {
  gold: Partial<GoldOptions>;
  total: 'gold' | 'partial';
  /** Compute the dense wrong-pixel map (skip it when no credit layer reads it). */
  dense: boolean;
  /** Relabel the images that show another prompt of their category (RewardResult.hindsight). */
  hindsight: boolean;
}

export const DEFAULT_SHAPES_GOLD_REWARD: Readonly<ShapesGoldRewardOptions> = Object.freeze({
  gold: {},
  total: 'gold',
  dense: true,
  hindsight: false,
});

/** The fraction of the prompt's requirements the detections meet, following the gold rules one by one. */
export function partialCredit(prompt: ShapesPrompt, detected: readonly DetectedObject[], opts: GoldOptions): number {
  let met = 0;
  let all = 0;
  const req = (ok: boolean): void => {
    all++;
    if (ok) met++;
  };
  const groups = prompt.objects.map((o) => {
    const ofShape = detected.filter((d) => d.shape === o.shape);
    const matching = o.color === undefined ? ofShape : ofShape.filter((d) => d.color === o.color);
    req(ofShape.length >= o.count);
    if (o.color !== undefined) req(matching.length >= o.count);
    if (prompt.category === 'counting') req(ofShape.length <= o.count);
    return matching;
  });
  if (prompt.relation !== undefined) {
    const [subjects, refs] = [groups[0]!, groups[1]!];
    const holds = (a: DetectedObject, b: DetectedObject): boolean =>
      relativePosition(a.box, b.box, opts.positionThreshold).has(prompt.relation!);
    req(subjects.length > 0 && refs.length > 0 && subjects.every((a) => refs.every((b) => holds(a, b))));
  }
  if (opts.mode === 'strict') req(!unaccountedObjects(prompt, detected, opts.positionThreshold).some((w) => w));
  return met / all;
}

function shapesPromptOf(p: RewardPrompt, i: number): ShapesPrompt {
  if (p.shapes === undefined) {
    throw new Error(
      `refract reward shapes-gold: prompts[${i}].shapes must hold the parsed prompt, got none for "${p.text}" — ` +
        'pass the ShapesPrompt from src/data/shapes (the gold evaluator reads structure, not text)',
    );
  }
  return p.shapes;
}

export class ShapesGoldReward implements RewardModel {
  readonly name = 'shapes_gold';
  readonly version = '1';
  readonly components = ['gold', 'partial'] as const;
  readonly differentiable = false;
  readonly options: Readonly<ShapesGoldRewardOptions>;
  readonly #gold: GoldOptions;

  constructor(opts: Partial<ShapesGoldRewardOptions> = {}) {
    this.options = { ...DEFAULT_SHAPES_GOLD_REWARD, ...opts };
    this.#gold = { ...DEFAULT_GOLD_OPTIONS, ...this.options.gold };
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const images = batchImages(batch, 'reward shapes-gold');
    const gold = new Float32Array(images.length);
    const partial = new Float32Array(images.length);
    const maps: Float32Array[] = [];
    const hindsight: (RewardPrompt | null)[] = [];
    images.forEach((img, i) => {
      const prompt = shapesPromptOf(batch.prompts[i]!, i);
      const detected = detectObjects(img, this.#gold);
      gold[i] = judgeDetections(prompt, detected, this.#gold).ok ? 1 : 0;
      partial[i] = partialCredit(prompt, detected, this.#gold);
      if (this.options.dense) maps.push(wrongMap(prompt, img, detected, this.#gold));
      if (this.options.hindsight) {
        const h = hindsightPrompt(prompt, detected, this.#gold);
        hindsight.push(h === null ? null : { text: h.text, shapes: h });
      }
    });
    const r: RewardResult = {
      total: Float32Array.from(this.options.total === 'gold' ? gold : partial),
      components: { gold, partial },
      meta: { name: this.name, version: this.version, model: `gold-${this.#gold.mode}` },
    };
    if (this.options.hindsight) r.hindsight = hindsight;
    const first = images[0];
    if (this.options.dense && first !== undefined) {
      r.dense = { pixel_alignment: pixelMap(maps, first.height, first.width) };
    }
    return r;
  }
}

/** −wrongPixelMap (gold.ts), on detections already made so each image is parsed once. */
function wrongMap(
  prompt: ShapesPrompt,
  img: RGBImage,
  detected: readonly DetectedObject[],
  o: GoldOptions,
): Float32Array {
  const wrong = unaccountedObjects(prompt, detected, o.positionThreshold);
  const map = new Float32Array(img.width * img.height);
  detected.forEach((d, i) => {
    if (wrong[i]) for (const p of d.pixels) map[p] = -1;
  });
  return map;
}

export function shapesGoldReward(opts: Partial<ShapesGoldRewardOptions> = {}): ShapesGoldReward {
  return new ShapesGoldReward(opts);
}
