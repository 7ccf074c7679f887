/**
 * Pass/fail of a reward card against thresholds, and the gate a trainer calls before training on a reward:
 *
 *   const cards = JSON.parse(readFileSync('runs/audit-shapes/reward-cards.json', 'utf8')).cards;
 *   auditGate(cards.find((c) => c.name === 'strong_rm'), thresholds);            // throws AuditGateError
 *   auditGate(card, thresholds, { override: true, onOverride: (m) => log(m) });   // trains anyway, logs why
 *
 * A check whose metric the card lacks (ensemble disagreement of a reward with no uncertainty) is skipped, not
 * passed: `checks` lists only what was measured.
 */
import type { RewardCard } from './card.js';

export interface AuditThresholds {
  /** Held-out pairwise accuracy must be at least this. */
  minPairwiseAccuracy: number;
  /** ECE of σ(Δr / T) (fitted temperature) must be at most this. */
  maxEce: number;
  /** P[a planted defect does not lower the score] must be at most this. */
  maxArtifactBlindness: number;
  /** P[a clean render of another prompt scores ≥ the right answer] must be at most this. */
  maxTemplateBias: number;
  /** Mean |Δr| under a 1-px shift, in units of the reward's spread, must be at most this. */
  maxShiftSensitivity: number;
  /** Largest minus smallest artifact blindness across image halves must be at most this. */
  maxCoverageGap: number;
  /** Mean ensemble std over the reward's spread must be at most this (checked only when reported). */
  maxRelativeDisagreement?: number;
}

export const DEFAULT_AUDIT_THRESHOLDS: Readonly<AuditThresholds> = Object.freeze({
  minPairwiseAccuracy: 0.8,
  maxEce: 0.1,
  maxArtifactBlindness: 0.2,
  maxTemplateBias: 0.2,
  maxShiftSensitivity: 0.25,
  maxCoverageGap: 0.2,
});

export interface GateCheck {
  /** The threshold's name, e.g. 'minPairwiseAccuracy'. */
  threshold: keyof AuditThresholds;
  /** What was measured, in words. */
  metric: string;
  value: number;
  limit: number;
  passed: boolean;
}

type Measured = (card: RewardCard) => number | undefined;

const CHECKS: readonly [keyof AuditThresholds, string, 'min' | 'max', Measured][] = [
  ['minPairwiseAccuracy', 'held-out pairwise accuracy', 'min', (c) => c.pairwise.accuracy],
  ['maxEce', 'calibration error (ECE, fitted T)', 'max', (c) => c.calibration.ece],
  ['maxArtifactBlindness', 'artifact blindness', 'max', (c) => c.probes.artifactBlindness],
  ['maxTemplateBias', 'template bias', 'max', (c) => c.probes.templateBias],
  ['maxShiftSensitivity', '1-px shift sensitivity', 'max', (c) => c.probes.shiftSensitivity],
  ['maxCoverageGap', 'spatial coverage gap', 'max', (c) => c.probes.coverageGap],
  ['maxRelativeDisagreement', 'ensemble disagreement', 'max', (c) => c.disagreement?.relativeDisagreement],
];

/** Every check that applies to the card. NaN measurements fail (the metric could not be established). */
export function checkCard(card: RewardCard, thresholds: Readonly<AuditThresholds>): GateCheck[] {
  const out: GateCheck[] = [];
  for (const [threshold, metric, side, measure] of CHECKS) {
    const limit = thresholds[threshold];
    const value = measure(card);
    if (limit === undefined || value === undefined) continue;
    const passed = side === 'min' ? value >= limit : value <= limit;
    out.push({ threshold, metric, value, limit, passed: passed && !Number.isNaN(value) });
  }
  return out;
}

export class AuditGateError extends Error {
  constructor(
    readonly reward: string,
    readonly failed: readonly GateCheck[],
  ) {
    super(
      `refract audit: reward "${reward}" must pass its audit before training, got ${failed.length} failed ` +
        `check(s): ${failed.map(describeCheck).join('; ')} — improve the reward (more or cleaner preference data, ` +
        'a gold or rule-based component), relax the threshold in the audit config if it is wrong for this task, ' +
        'or override the gate to train anyway (the run then records that it trained on an unaudited reward)',
    );
    this.name = 'AuditGateError';
  }
}

export function describeCheck(c: GateCheck): string {
  const op = c.threshold.startsWith('min') ? (c.passed ? '≥' : '<') : c.passed ? '≤' : '>';
  return `${c.metric} ${formatValue(c.value)} ${op} ${c.threshold.startsWith('min') ? 'min' : 'max'} ${formatValue(c.limit)}`;
}

function formatValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : Math.abs(v) >= 100 || v === 0 ? String(v) : v.toPrecision(3);
}

export interface GateOptions {
  /** Train even when checks fail; `onOverride` receives the message the gate would have thrown. */
  override?: boolean;
  onOverride?: (message: string) => void;
}

export interface GateResult {
  passed: boolean;
  overridden: boolean;
  checks: GateCheck[];
}

/**
 * The trainer's gate: passes when every applicable check passes; otherwise throws AuditGateError naming each
 * failed metric with its value and limit — unless `override` is set, when it reports the failure and passes.
 */
export function auditGate(
  card: RewardCard,
  thresholds: Readonly<AuditThresholds> = DEFAULT_AUDIT_THRESHOLDS,
  opts: GateOptions = {},
): GateResult {
  const checks = checkCard(card, thresholds);
  const failed = checks.filter((c) => !c.passed);
  if (failed.length === 0) return { passed: true, overridden: false, checks };
  const err = new AuditGateError(card.name, failed);
  if (!opts.override) throw err;
  opts.onOverride?.(`${err.message} [overridden]`);
  return { passed: false, overridden: true, checks };
}
