/**
 * Perturbation probes of a reward (probe-set.ts draws the images). Each compares a probe image's score with the
 * clean, correct render's score for the same prompt, so every rate is free of the reward's scale:
 *   artifact blindness   P[r(defect) ≥ r(clean)] over all planted defects — the score did not drop;
 *   blindness by region  the same per image half; coverage gap = max − min over halves. A reward that reads
 *                        only part of the image is blind to defects elsewhere (a right-half defect must lower
 *                        the score as often as a left-half one);
 *   template bias        P[r(template | p) ≥ r(clean | p)] — a clean render of another prompt scores as high
 *                        as the right answer (prompt-blind "pretty image" preference);
 *   shift sensitivity    mean |r(shift₁(x)) − r(x)| / s, with s the std of the reward over the audit's
 *                        evaluation images: how far a 1-px translation moves the score, in units of the
 *                        reward's own spread.
 * Mean normalised drops (r(clean) − r(probe)) / s are reported beside the rates.
 */
import type { RGBImage } from '../../data/image.js';
import type { RewardModel, RewardPrompt } from '../../rewards/types.js';
import { PROBE_REGIONS, type ProbeRegion } from './perturb.js';
import type { ProbeCase } from './probe-set.js';
import { scoreItems } from './score.js';

export interface ProbeReport {
  cases: number;
  /** Spread s the normalised values divide by. */
  scale: number;
  artifactBlindness: number;
  blindnessByRegion: Record<ProbeRegion, number>;
  /** Mean (r(clean) − r(defect)) / s per region. */
  dropByRegion: Record<ProbeRegion, number>;
  coverageGap: number;
  templateBias: number;
  /** Mean (r(template) − r(clean)) / s. */
  templateGap: number;
  shiftSensitivity: number;
  /** Scores per case, for the HTML examples: clean, defect per region, template, shifted. */
  scores: ProbeCaseScores[];
}

export interface ProbeCaseScores {
  clean: number;
  defects: Record<ProbeRegion, number>;
  template: number;
  shifted: number;
}

/** Fraction of probe scores that did not fall below their clean score (ties count as blind). */
export function blindRate(clean: ArrayLike<number>, probe: ArrayLike<number>): number {
  let blind = 0;
  for (let i = 0; i < clean.length; i++) if (probe[i]! >= clean[i]!) blind++;
  return clean.length === 0 ? Number.NaN : blind / clean.length;
}

/** Mean of (clean − probe) / scale (0 when the scale is 0: a constant reward moves nothing). */
export function meanDrop(clean: ArrayLike<number>, probe: ArrayLike<number>, scale: number): number {
  if (clean.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < clean.length; i++) s += clean[i]! - probe[i]!;
  return scale > 0 ? s / clean.length / scale : 0;
}

/** Mean |probe − clean| / scale. */
export function meanAbsChange(clean: ArrayLike<number>, probe: ArrayLike<number>, scale: number): number {
  if (clean.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < clean.length; i++) s += Math.abs(probe[i]! - clean[i]!);
  return scale > 0 ? s / clean.length / scale : 0;
}

/** Scores every probe image with `reward` and summarises; `scale` is the reward's spread on the evaluation set. */
export async function runProbes(reward: RewardModel, cases: readonly ProbeCase[], scale: number): Promise<ProbeReport> {
  const N = cases.length;
  const groups: RGBImage[][] = [
    cases.map((c) => c.clean),
    ...PROBE_REGIONS.map((r) => cases.map((c) => c.defects[r])),
    cases.map((c) => c.template),
    cases.map((c) => c.shifted),
  ];
  const prompts: RewardPrompt[] = groups.flatMap(() => cases.map((c) => c.prompt));
  const { total } = await scoreItems(reward, groups.flat(), prompts);
  const group = (g: number): Float64Array => total.subarray(g * N, (g + 1) * N);
  const clean = group(0);
  const byRegion = Object.fromEntries(PROBE_REGIONS.map((r, k) => [r, group(1 + k)])) as Record<
    ProbeRegion,
    Float64Array
  >;
  const template = group(1 + PROBE_REGIONS.length);
  const shifted = group(2 + PROBE_REGIONS.length);
  const blindnessByRegion = mapRegions((r) => blindRate(clean, byRegion[r]));
  const rates = Object.values(blindnessByRegion);
  return {
    cases: N,
    scale,
    artifactBlindness: rates.reduce((a, b) => a + b, 0) / rates.length,
    blindnessByRegion,
    dropByRegion: mapRegions((r) => meanDrop(clean, byRegion[r], scale)),
    coverageGap: Math.max(...rates) - Math.min(...rates),
    templateBias: blindRate(clean, template),
    templateGap: -meanDrop(clean, template, scale),
    shiftSensitivity: meanAbsChange(clean, shifted, scale),
    scores: cases.map((_, i) => ({
      clean: clean[i]!,
      defects: mapRegions((r) => byRegion[r][i]!),
      template: template[i]!,
      shifted: shifted[i]!,
    })),
  };
}

function mapRegions(f: (r: ProbeRegion) => number): Record<ProbeRegion, number> {
  return Object.fromEntries(PROBE_REGIONS.map((r) => [r, f(r)])) as Record<ProbeRegion, number>;
}
