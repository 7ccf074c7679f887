/**
 * Synthetic preference pairs from the shapes world, labelled by the gold evaluator, with controllable label
 * noise — the stand-in for human preference data (ImageReward, arXiv 2304.05977; HPS v2, arXiv 2306.09341)
 * whose true labels we know, so a learned reward model's accuracy and its decay under noise can be measured.
 *
 * Each pair shows a clean render of a prompt's scene against one of:
 *   'contradict'  a render of a contradicting prompt (src/eval/shapes/negatives.ts) — needs the prompt to rank;
 *   'extra'       the same scene plus one unprompted object;
 *   'noise'       the same render with Gaussian pixel noise;
 *   'blur'        the same render box-blurred.
 * Labels: the gold evaluator in strict mode decides (pass beats fail, then more partial credit); when it ties —
 * noise and blur often still pass — the unperturbed render is preferred. Pairs with no strict preference are
 * redrawn. With probability `labelNoise` the label is flipped (symmetric noise, as annotator disagreement).
 */
import { addGaussianNoise, cloneImage, type RGBImage } from '../../data/image.js';
import { Rng } from '../../data/rng.js';
import { samplePrompt } from '../../data/shapes/grammar.js';
import { renderScene } from '../../data/shapes/render.js';
import { sampleScene } from '../../data/shapes/scene-sampler.js';
import {
  COLORS,
  SHAPES,
  SIZE_MIN,
  objectBox,
  type Scene,
  type SceneObject,
  type ShapesPrompt,
} from '../../data/shapes/types.js';
import { detectObjects } from '../../eval/shapes/detect.js';
import { DEFAULT_GOLD_OPTIONS, judgeDetections, type GoldOptions } from '../../eval/shapes/gold.js';
import { contradictPrompt } from '../../eval/shapes/negatives.js';
import { partialCredit } from '../shapes-gold.js';
import type { RewardPrompt } from '../types.js';

export const PAIR_KINDS = ['contradict', 'extra', 'noise', 'blur'] as const;
export type PairKind = (typeof PAIR_KINDS)[number];

export interface PreferencePair {
  prompt: RewardPrompt;
  chosen: RGBImage;
  rejected: RGBImage;
  kind: PairKind;
  /** True when label noise swapped chosen and rejected (the stored label is then wrong). */
  flipped: boolean;
}

export interface SyntheticPairOptions {
  count: number;
  seed: number;
  /** Probability of flipping each label. */
  labelNoise: number;
  kinds: readonly PairKind[];
  /** Pixel noise std of 'noise' pairs. */
  noiseStd: number;
}

export const DEFAULT_SYNTHETIC_PAIRS: Readonly<SyntheticPairOptions> = Object.freeze({
  count: 256,
  seed: 0,
  labelNoise: 0,
  kinds: PAIR_KINDS,
  noiseStd: 0.3,
});

/** 3×3 box blur with edge clamping. */
export function boxBlur(img: RGBImage): RGBImage {
  const { width: W, height: H } = img;
  const out = cloneImage(img);
  for (let c = 0; c < 3; c++) {
    const base = c * W * H;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let j = -1; j <= 1; j++) {
          for (let i = -1; i <= 1; i++) {
            s += img.data[base + Math.min(H - 1, Math.max(0, y + j)) * W + Math.min(W - 1, Math.max(0, x + i))]!;
          }
        }
        out.data[base + y * W + x] = s / 9;
      }
    }
  }
  return out;
}

/** The scene with one more random object placed clear of the others, or null when none fits. */
function withExtraObject(scene: Scene, rng: Rng): Scene | null {
  for (let t = 0; t < 200; t++) {
    const size = rng.range(SIZE_MIN, 5.5);
    const cand: SceneObject = {
      shape: rng.choice(SHAPES),
      color: rng.choice(COLORS),
      size,
      cx: rng.range(size + 1, scene.width - size - 1),
      cy: rng.range(size + 1, scene.height - size - 1),
    };
    const [a0, a1, a2, a3] = objectBox(cand);
    const clear = scene.objects.every((o) => {
      const [b0, b1, b2, b3] = objectBox(o);
      return a2 + 2 <= b0 || b2 + 2 <= a0 || a3 + 2 <= b1 || b3 + 2 <= a1;
    });
    if (clear) return { ...scene, objects: [...scene.objects, cand] };
  }
  return null;
}

/** Gold score as a sortable pair (pass, partial credit). */
function goldKey(prompt: ShapesPrompt, img: RGBImage, o: GoldOptions): [number, number] {
  const d = detectObjects(img, o);
  return [judgeDetections(prompt, d, o).ok ? 1 : 0, partialCredit(prompt, d, o)];
}

/** One correctly labelled pair, or null when the gold evaluator and perturbation order give no preference. */
function drawPair(
  rng: Rng,
  kind: PairKind,
  o: SyntheticPairOptions,
  gold: GoldOptions,
): Omit<PreferencePair, 'flipped'> | null {
  const prompt = samplePrompt(rng);
  const scene = sampleScene(prompt, rng);
  const good = renderScene(scene);
  let bad: RGBImage;
  if (kind === 'contradict') bad = renderScene(sampleScene(contradictPrompt(prompt, rng), rng));
  else if (kind === 'extra') {
    const more = withExtraObject(scene, rng);
    if (more === null) return null;
    bad = renderScene(more);
  } else bad = kind === 'noise' ? addGaussianNoise(good, o.noiseStd, rng) : boxBlur(good);
  const [gp, gc] = goldKey(prompt, good, gold);
  const [bp, bc] = goldKey(prompt, bad, gold);
  const perturbed = kind === 'noise' || kind === 'blur';
  const order = gp !== bp ? gp - bp : gc !== bc ? gc - bc : perturbed ? 1 : 0;
  if (order === 0) return null;
  const [chosen, rejected] = order > 0 ? [good, bad] : [bad, good];
  return { prompt: { text: prompt.text, shapes: prompt }, chosen, rejected, kind };
}

/**
 * The same pairs with each label flipped with probability `rate` (a fresh `flipped` flag; images are shared).
 * Flips use their own seeded stream, so one set of images can be studied at several noise rates.
 */
export function withLabelNoise(pairs: readonly PreferencePair[], rate: number, seed: number): PreferencePair[] {
  if (!(rate >= 0 && rate <= 1)) {
    throw new Error(`refract preference pairs: labelNoise must be in [0, 1], got ${rate}`);
  }
  const rng = new Rng(seed ^ 0x5bd1e995);
  return pairs.map((p) => {
    const flip = rng.uniform() < rate;
    const [chosen, rejected] = flip ? [p.rejected, p.chosen] : [p.chosen, p.rejected];
    return { ...p, chosen, rejected, flipped: p.flipped !== flip };
  });
}

/** `count` correctly labelled pairs, kinds in turn, then label noise (withLabelNoise). Deterministic given the seed. */
export function syntheticShapesPairs(opts: Partial<SyntheticPairOptions> = {}): PreferencePair[] {
  const o = { ...DEFAULT_SYNTHETIC_PAIRS, ...opts };
  if (o.kinds.length === 0) throw new Error('refract preference pairs: kinds must be non-empty, got none');
  const gold: GoldOptions = { ...DEFAULT_GOLD_OPTIONS, mode: 'strict' };
  const rng = new Rng(o.seed);
  const pairs: PreferencePair[] = [];
  for (let tries = 0; pairs.length < o.count;) {
    if (++tries > 20 * o.count + 100) {
      throw new Error(
        `refract preference pairs: count must be reachable, got ${pairs.length} of ${o.count} pairs after ${tries} draws`,
      );
    }
    const p = drawPair(rng, o.kinds[pairs.length % o.kinds.length]!, o, gold);
    if (p !== null) pairs.push({ ...p, flipped: false });
  }
  return withLabelNoise(pairs, o.labelNoise, o.seed);
}
