// The reward audit (before training, a reward earns trust): held-out pairwise accuracy, calibration, ensemble
// disagreement, component conflict and perturbation probes, summarised as reward cards with a training gate.
export { runAudit, evaluationPairs, type AuditReport, type AuditRun, type AuditOptions, type ExtraAuditReward } from './audit.js';
export {
  auditConfigSchema,
  parseAuditConfig,
  loadAuditConfig,
  type AuditConfig,
  type AuditRewardEntry,
  type PreferenceRmOptions,
} from './config.js';
export { buildCard, rankCards, type RewardCard } from './card.js';
export {
  auditGate,
  checkCard,
  describeCheck,
  AuditGateError,
  DEFAULT_AUDIT_THRESHOLDS,
  type AuditThresholds,
  type GateCheck,
  type GateOptions,
  type GateResult,
} from './gate.js';
export { evaluatePairs, calibrationSplit, pairCredit, type AuditPair, type PairEvaluation } from './pairwise.js';
export { sigmoid, btNll, fitTemperature, expectedCalibrationError, type ReliabilityBin } from './calibration.js';
export { spearman, kendallTauB, conflictRate, averageRanks, pairCounts, stdDev } from './rank-stats.js';
export { agreementTable, type ComponentAgreement } from './components.js';
export { runProbes, blindRate, type ProbeReport, type ProbeCaseScores } from './probes.js';
export { buildProbeSet, type ProbeCase, type ProbeSetOptions } from './probe-set.js';
export {
  PROBE_REGIONS,
  DEFECT_KINDS,
  plantObject,
  plantBlob,
  plantDefect,
  shiftImage,
  regionBox,
  type ProbeRegion,
  type DefectKind,
} from './perturb.js';
export { LeftHalfOnlyReward, blankRightHalf, withDemoFlaw, DEMO_FLAWS, type DemoFlaw } from './demo-flaws.js';
export { buildAuditedReward, trainOrLoadPreferenceRm, rmCacheKey } from './build-rewards.js';
export { writeAuditOutputs, CARDS_FILE, HTML_FILE } from './write.js';
