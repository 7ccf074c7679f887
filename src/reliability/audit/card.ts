/**
 * The reward card: everything the audit measured about one reward, with its pass/fail against thresholds —
 * a model card (Mitchell et al., arXiv 1810.03993) for a training signal. Plain JSON, so a trainer can read it
 * back and gate on it (gate.ts) without re-running the audit.
 */
import type { ComponentAgreement } from './components.js';
import { checkCard, type AuditThresholds, type GateCheck } from './gate.js';
import type { CalibrationReport, DisagreementReport, PairEvaluation, PairwiseReport } from './pairwise.js';
import type { ProbeReport } from './probes.js';

export interface RewardCard {
  /** The audit entry's name (the config's `rewards[i].name`). */
  name: string;
  description?: string;
  reward: { name: string; version: string; components: readonly string[] };
  /** Set when the entry plants a deliberate flaw to test the audit itself (never a product reward). */
  demoFlaw?: string;
  /** Where the held-out preference pairs came from. */
  preferenceSource: string;
  pairwise: PairwiseReport;
  calibration: CalibrationReport;
  disagreement?: DisagreementReport;
  components: ComponentAgreement[];
  probes: Omit<ProbeReport, 'scores'>;
  thresholds: AuditThresholds;
  checks: GateCheck[];
  passed: boolean;
}

export interface CardInputs {
  name: string;
  description?: string;
  reward: { name: string; version: string; components: readonly string[] };
  demoFlaw?: string;
  preferenceSource: string;
  pairs: PairEvaluation;
  components: ComponentAgreement[];
  probes: ProbeReport;
  thresholds: AuditThresholds;
}

export function buildCard(i: CardInputs): RewardCard {
  const { scores: _scores, ...probes } = i.probes;
  const card: RewardCard = {
    name: i.name,
    reward: { name: i.reward.name, version: i.reward.version, components: [...i.reward.components] },
    preferenceSource: i.preferenceSource,
    pairwise: i.pairs.pairwise,
    calibration: i.pairs.calibration,
    components: i.components,
    probes,
    thresholds: { ...i.thresholds },
    checks: [],
    passed: false,
  };
  if (i.description !== undefined) card.description = i.description;
  if (i.demoFlaw !== undefined) card.demoFlaw = i.demoFlaw;
  if (i.pairs.disagreement !== undefined) card.disagreement = i.pairs.disagreement;
  card.checks = checkCard(card, i.thresholds);
  card.passed = card.checks.every((c) => c.passed);
  return card;
}

/**
 * Cards ordered from most to least reliable: fewer failed checks first, then higher held-out accuracy, then
 * lower artifact blindness.
 */
export function rankCards(cards: readonly RewardCard[]): RewardCard[] {
  const failed = (c: RewardCard): number => c.checks.filter((k) => !k.passed).length;
  return [...cards].sort(
    (a, b) =>
      failed(a) - failed(b) ||
      b.pairwise.accuracy - a.pairwise.accuracy ||
      a.probes.artifactBlindness - b.probes.artifactBlindness,
  );
}
