/**
 * A reward against held-out preference pairs: pairwise accuracy (the fraction of pairs it orders like the label,
 * ties counting half — ImageReward's and HPS v2's preference-prediction metric), calibration of σ(Δr / T)
 * (calibration.ts), and, for rewards that report uncertainty, ensemble disagreement.
 *
 * Disagreement is reported relative to the reward's spread s (std of its totals over the pair images):
 *   relativeDisagreement = mean over images of u / s,
 * and split by whether the pair was ordered correctly — uncertainty that is larger on the mistakes is
 * uncertainty a trainer can use (Coste et al., arXiv 2310.02743, penalise it).
 */
import type { RGBImage } from '../../data/image.js';
import { Rng } from '../../data/rng.js';
import type { RewardModel, RewardPrompt } from '../../rewards/types.js';
import { expectedCalibrationError, fitTemperature, type ReliabilityBin } from './calibration.js';
import { stdDev } from './rank-stats.js';
import { scoreItems, type ScoredItems } from './score.js';

/** One labelled pair: `chosen` was preferred to `rejected` for `prompt`. `kind` groups pairs in the report. */
export interface AuditPair {
  prompt: RewardPrompt;
  chosen: RGBImage;
  rejected: RGBImage;
  kind: string;
}

export interface PairwiseReport {
  pairs: number;
  accuracy: number;
  accuracyByKind: Record<string, { pairs: number; accuracy: number }>;
  /** Fraction of pairs scored exactly equal. */
  tieRate: number;
  /** Accuracy of each component alone (a component that orders pairs worse than chance pulls the total). */
  accuracyByComponent: Record<string, number>;
}

export interface CalibrationReport {
  /** Fitted on `calibrationPairs`; ECE measured on the other `testPairs`. */
  temperature: number;
  calibrationPairs: number;
  testPairs: number;
  /** ECE of σ(Δr) as-is (T = 1) on the test split. */
  eceRaw: number;
  /** ECE of σ(Δr / T) on the test split. */
  ece: number;
  bins: ReliabilityBin[];
  binsRaw: ReliabilityBin[];
}

export interface DisagreementReport {
  relativeDisagreement: number;
  /** Mean u / s over the images of correctly / wrongly ordered pairs (NaN when there are none). */
  onCorrect: number;
  onWrong: number;
}

export interface PairEvaluation {
  pairwise: PairwiseReport;
  calibration: CalibrationReport;
  disagreement?: DisagreementReport;
  /** Scores of the 2N pair images (chosen first, then rejected): the audit's sample for correlations. */
  items: ScoredItems;
  /** Std of the totals over those images. */
  scale: number;
}

/** 1 when d > 0 (the labelled winner scored higher), ½ on a tie, else 0. */
export function pairCredit(d: number): number {
  return d > 0 ? 1 : d === 0 ? 0.5 : 0;
}

function accuracyOf(diffs: ArrayLike<number>, rows: readonly number[]): number {
  return rows.reduce((s, i) => s + pairCredit(diffs[i]!), 0) / Math.max(1, rows.length);
}

/** Half of the pairs (a seeded shuffle, so kinds stay mixed) fit the temperature; the rest measure ECE. */
export function calibrationSplit(n: number, seed: number): { fit: number[]; test: number[] } {
  const idx = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const half = Math.floor(n / 2);
  return { fit: idx.slice(0, half), test: idx.slice(half) };
}

export async function evaluatePairs(
  reward: RewardModel,
  pairs: readonly AuditPair[],
  opts: { seed: number; bins: number },
): Promise<PairEvaluation> {
  const N = pairs.length;
  if (N < 4) throw new Error(`refract audit: preference pairs must number at least 4 (2 to fit, 2 to test), got ${N}`);
  const prompts = [...pairs, ...pairs].map((p) => p.prompt);
  const items = await scoreItems(reward, [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)], prompts);
  const diffs = Float64Array.from(pairs, (_, i) => items.total[i]! - items.total[N + i]!);
  const all = pairs.map((_, i) => i);
  const kinds = [...new Set(pairs.map((p) => p.kind))];
  const pairwise: PairwiseReport = {
    pairs: N,
    accuracy: accuracyOf(diffs, all),
    accuracyByKind: Object.fromEntries(
      kinds.map((k) => {
        const rows = all.filter((i) => pairs[i]!.kind === k);
        return [k, { pairs: rows.length, accuracy: accuracyOf(diffs, rows) }];
      }),
    ),
    tieRate: diffs.filter((d) => d === 0).length / N,
    accuracyByComponent: Object.fromEntries(
      Object.entries(items.components).map(([k, v]) => [
        k,
        accuracyOf(
          Float64Array.from(pairs, (_, i) => v[i]! - v[N + i]!),
          all,
        ),
      ]),
    ),
  };
  const { fit, test } = calibrationSplit(N, opts.seed);
  const temperature = fitTemperature(fit.map((i) => diffs[i]!));
  const testDiffs = test.map((i) => diffs[i]!);
  const fitted = expectedCalibrationError(testDiffs, temperature, opts.bins);
  const raw = expectedCalibrationError(testDiffs, 1, opts.bins);
  const scale = stdDev(items.total);
  const out: PairEvaluation = {
    pairwise,
    calibration: {
      temperature,
      calibrationPairs: fit.length,
      testPairs: test.length,
      eceRaw: raw.ece,
      ece: fitted.ece,
      bins: fitted.bins,
      binsRaw: raw.bins,
    },
    items,
    scale,
  };
  if (items.uncertainty !== undefined) out.disagreement = disagreement(items.uncertainty, diffs, scale);
  return out;
}

function disagreement(u: Float64Array, diffs: Float64Array, scale: number): DisagreementReport {
  const N = diffs.length;
  const rel = (i: number): number => (scale > 0 ? (u[i]! + u[N + i]!) / 2 / scale : 0);
  const mean = (rows: number[]): number =>
    rows.length === 0 ? Number.NaN : rows.reduce((s, i) => s + rel(i), 0) / rows.length;
  const all = Array.from({ length: N }, (_, i) => i);
  return {
    relativeDisagreement: mean(all),
    onCorrect: mean(all.filter((i) => diffs[i]! > 0)),
    onWrong: mean(all.filter((i) => diffs[i]! <= 0)),
  };
}
