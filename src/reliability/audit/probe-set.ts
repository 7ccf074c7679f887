/**
 * The probe images of a reward audit, drawn from the shapes world so that the truth of every probe is known:
 * for each case a prompt and a clean, correct render of it (checked by the strict gold evaluator), and
 *   defects    the render with one local defect (a small extra shape or a blob, kinds in turn) planted in each
 *              image half — left, right, top, bottom — each of which the prompt does not allow;
 *   template   a clean, "pretty" render of a DIFFERENT prompt that the gold evaluator fails for this prompt —
 *              what a prompt-blind reward cannot tell from the right answer;
 *   shifted    the render moved by one pixel (direction in turn): the same answer.
 * Cases whose render leaves no room for a defect in some half are redrawn, so every case has all four.
 */
import type { RGBImage } from '../../data/image.js';
import { deriveSeed, Rng } from '../../data/rng.js';
import { samplePrompt } from '../../data/shapes/grammar.js';
import { renderScene } from '../../data/shapes/render.js';
import { sampleScene } from '../../data/shapes/scene-sampler.js';
import type { ShapesPrompt } from '../../data/shapes/types.js';
import { DEFAULT_GOLD_OPTIONS, evaluatePrompt, type GoldOptions } from '../../eval/shapes/gold.js';
import type { RewardPrompt } from '../../rewards/types.js';
import { DEFECT_KINDS, PROBE_REGIONS, plantDefect, shiftImage, type DefectKind, type ProbeRegion } from './perturb.js';

export interface ProbeCase {
  prompt: RewardPrompt;
  clean: RGBImage;
  defectKind: DefectKind;
  defects: Readonly<Record<ProbeRegion, RGBImage>>;
  template: RGBImage;
  /** The prompt the template was rendered for. */
  templatePrompt: string;
  shifted: RGBImage;
  shift: readonly [number, number];
}

export interface ProbeSetOptions {
  count: number;
  seed: number;
  /** Pixels of the invariance shift. */
  shift: number;
  defectKinds: readonly DefectKind[];
}

export const DEFAULT_PROBE_SET: Readonly<ProbeSetOptions> = Object.freeze({
  count: 48,
  seed: 7,
  shift: 1,
  defectKinds: DEFECT_KINDS,
});

const STRICT: GoldOptions = { ...DEFAULT_GOLD_OPTIONS, mode: 'strict' };
const SHIFTS: readonly (readonly [number, number])[] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];

/** A clean render of another prompt that fails `prompt` under the strict gold rules, or null. */
function templateFor(prompt: ShapesPrompt, rng: Rng): { image: RGBImage; text: string } | null {
  for (let t = 0; t < 50; t++) {
    const other = samplePrompt(rng);
    if (other.text === prompt.text) continue;
    const image = renderScene(sampleScene(other, rng));
    if (!evaluatePrompt(prompt, image, STRICT).ok) return { image, text: other.text };
  }
  return null;
}

/** One probe case, or null when this draw leaves no room for a defect or template (the caller redraws). */
function drawCase(rng: Rng, index: number, o: ProbeSetOptions): ProbeCase | null {
  const prompt = samplePrompt(rng);
  const clean = renderScene(sampleScene(prompt, rng));
  if (!evaluatePrompt(prompt, clean, STRICT).ok) return null;
  const defectKind = o.defectKinds[index % o.defectKinds.length]!;
  const defects: Partial<Record<ProbeRegion, RGBImage>> = {};
  for (const region of PROBE_REGIONS) {
    const img = plantDefect(clean, defectKind, region, rng);
    // A defect the strict gold evaluator does not see (a blob too small to detect) is no defect: redraw.
    if (img === null || evaluatePrompt(prompt, img, STRICT).ok) return null;
    defects[region] = img;
  }
  const template = templateFor(prompt, rng);
  if (template === null) return null;
  const dir = SHIFTS[index % SHIFTS.length]!;
  const shift = [dir[0] * o.shift, dir[1] * o.shift] as const;
  return {
    prompt: { text: prompt.text, shapes: prompt },
    clean,
    defectKind,
    defects: defects as Record<ProbeRegion, RGBImage>,
    template: template.image,
    templatePrompt: template.text,
    shifted: shiftImage(clean, shift[0], shift[1]),
    shift,
  };
}

/** `count` probe cases; deterministic given the seed. */
export function buildProbeSet(opts: Partial<ProbeSetOptions> = {}): ProbeCase[] {
  const o = { ...DEFAULT_PROBE_SET, ...opts };
  if (!Number.isInteger(o.count) || o.count < 1) {
    throw new Error(`refract audit probes: count must be a positive integer, got ${o.count}`);
  }
  if (o.defectKinds.length === 0) throw new Error('refract audit probes: defectKinds must be non-empty, got none');
  const rng = new Rng(deriveSeed(o.seed, 0x9e37));
  const cases: ProbeCase[] = [];
  for (let tries = 0; cases.length < o.count; tries++) {
    if (tries > 20 * o.count + 100) {
      throw new Error(
        `refract audit probes: count must be reachable, got ${cases.length} of ${o.count} cases after ${tries} draws`,
      );
    }
    const c = drawCase(rng, cases.length, o);
    if (c !== null) cases.push(c);
  }
  return cases;
}
