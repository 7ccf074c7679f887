/**
 * The reward audit — before training, a reward earns trust. For every reward of the config:
 *   1. build it (or train a Bradley–Terry ensemble, cached);
 *   2. score the held-out preference pairs: pairwise accuracy, calibration, ensemble disagreement (pairwise.ts);
 *   3. correlation and conflict between its components on the pair images (components.ts);
 *   4. perturbation probes: artifact blindness, spatial coverage, template bias, shift invariance (probes.ts);
 *   5. a reward card with pass/fail against the thresholds (card.ts, gate.ts).
 * Then the cards are ranked, and the rewards' totals are compared with each other on the same images.
 */
import type { PreferencePair } from '../../rewards/preference/pairs.js';
import { syntheticShapesPairs } from '../../rewards/preference/pairs.js';
import type { RewardModel } from '../../rewards/types.js';
import { buildAuditedReward } from './build-rewards.js';
import { buildCard, rankCards, type RewardCard } from './card.js';
import { agreementTable, type ComponentAgreement } from './components.js';
import type { AuditConfig, AuditRewardEntry } from './config.js';
import type { AuditThresholds } from './gate.js';
import { evaluatePairs, type AuditPair } from './pairwise.js';
import { buildProbeSet, type ProbeCase } from './probe-set.js';
import { runProbes, type ProbeCaseScores } from './probes.js';

export interface AuditReport {
  createdAt: string;
  preferenceSource: string;
  pairs: number;
  probeCases: number;
  /** Cards in config order. */
  cards: RewardCard[];
  /** Entry names, most reliable first (rankCards). */
  ranking: string[];
  /** Rank agreement between the rewards' totals on the pair images. */
  crossReward: ComponentAgreement[];
  /** Wall-clock seconds per entry (building or training included). */
  seconds: Record<string, number>;
  /** CPU seconds of this process per entry: the cost on an idle machine, whatever else shares the cores. */
  cpuSeconds: Record<string, number>;
}

export interface AuditRun {
  report: AuditReport;
  /** For the HTML page: the probe images and each reward's scores of them. */
  probeCases: ProbeCase[];
  probeScores: Record<string, ProbeCaseScores[]>;
}

export interface AuditOptions {
  /** Held-out pairs for `preferences.source: file` (loaded by the caller, which may read the run store). */
  pairs?: readonly AuditPair[];
  /** Describes `pairs` in the report (e.g. the file path). */
  pairsSource?: string;
  /**
   * Rewards built by the caller (e.g. the Studio's label-trained ensembles, which this layer cannot load), audited
   * after the config's own under the same pairs, probes and thresholds. Each is closed after its audit.
   */
  extraRewards?: readonly ExtraAuditReward[];
  onStatus?: (message: string) => void;
}

export interface ExtraAuditReward {
  name: string;
  description?: string;
  build: () => RewardModel | Promise<RewardModel>;
}

/** The held-out pairs the config names; synthetic ones are drawn here, file ones must be passed in. */
export function evaluationPairs(
  config: Readonly<AuditConfig>,
  opts: AuditOptions,
): { pairs: readonly AuditPair[]; source: string } {
  const p = config.preferences;
  if (p.source === 'synthetic') {
    const pairs: PreferencePair[] = syntheticShapesPairs({
      count: p.count,
      seed: p.seed,
      kinds: p.kinds,
      labelNoise: p.labelNoise,
    });
    return {
      pairs,
      source: `synthetic gold-labelled pairs (${p.kinds.join(', ')}; n=${p.count}, seed ${p.seed}, label noise ${p.labelNoise})`,
    };
  }
  if (opts.pairs === undefined) {
    throw new Error(
      `refract audit: preferences.source 'file' needs the pairs of ${p.path} loaded by the caller, got none — ` +
        'run it through `refract audit`, which reads JSONL and SQLite preference sets',
    );
  }
  return { pairs: opts.pairs, source: opts.pairsSource ?? p.path };
}

function thresholdsFor(config: Readonly<AuditConfig>, entry: AuditedEntry): AuditThresholds {
  const t: AuditThresholds = { ...config.thresholds };
  for (const [k, v] of Object.entries(entry.thresholds ?? {}))
    if (v !== undefined) (t as unknown as Record<string, number>)[k] = v;
  return t;
}

/** What a card needs of an entry: its name, description, planted flaw and threshold overrides. */
type AuditedEntry = Pick<AuditRewardEntry, 'name' | 'description' | 'demoFlaw' | 'thresholds'>;

async function auditOne(
  reward: RewardModel,
  entry: AuditedEntry,
  config: Readonly<AuditConfig>,
  pairs: readonly AuditPair[],
  source: string,
  probeCases: readonly ProbeCase[],
): Promise<{ card: RewardCard; probeScores: ProbeCaseScores[]; totals: Float64Array }> {
  const evaluation = await evaluatePairs(reward, pairs, { seed: config.seed, bins: config.calibration.bins });
  const probes = await runProbes(reward, probeCases, evaluation.scale);
  const card = buildCard({
    name: entry.name,
    ...(entry.description !== undefined ? { description: entry.description } : {}),
    reward: { name: reward.name, version: reward.version, components: reward.components },
    ...(entry.demoFlaw !== undefined ? { demoFlaw: entry.demoFlaw } : {}),
    preferenceSource: source,
    pairs: evaluation,
    components: agreementTable(evaluation.items.components),
    probes,
    thresholds: thresholdsFor(config, entry),
  });
  return { card, probeScores: probes.scores, totals: evaluation.items.total };
}

export async function runAudit(config: Readonly<AuditConfig>, opts: AuditOptions = {}): Promise<AuditRun> {
  const status = opts.onStatus ?? ((): void => undefined);
  const { pairs, source } = evaluationPairs(config, opts);
  status(`${pairs.length} held-out pairs: ${source}`);
  const probeCases = buildProbeSet({
    count: config.probes.count,
    seed: config.probes.seed,
    shift: config.probes.shift,
    defectKinds: config.probes.defectKinds,
  });
  status(`${probeCases.length} probe cases`);
  const cards: RewardCard[] = [];
  const probeScores: Record<string, ProbeCaseScores[]> = {};
  const totals: Record<string, Float64Array> = {};
  const seconds: Record<string, number> = {};
  const cpuSeconds: Record<string, number> = {};
  const extra = opts.extraRewards ?? [];
  const taken = new Set(config.rewards.map((e) => e.name));
  for (const x of extra) {
    if (taken.has(x.name)) throw new Error(`refract audit: extra reward names must differ from the config's, got ${x.name} twice — rename one`);
    taken.add(x.name);
  }
  const entries: { entry: AuditedEntry; build: () => RewardModel | Promise<RewardModel> }[] = [
    ...config.rewards.map((entry) => ({ entry, build: () => buildAuditedReward(entry, { out: config.out, onStatus: status }) })),
    ...extra.map((x) => ({ entry: { name: x.name, ...(x.description !== undefined ? { description: x.description } : {}) }, build: x.build })),
  ];
  for (const { entry, build } of entries) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    status(`auditing ${entry.name}`);
    const reward = await build();
    try {
      const r = await auditOne(reward, entry, config, pairs, source, probeCases);
      cards.push(r.card);
      probeScores[entry.name] = r.probeScores;
      totals[entry.name] = r.totals;
    } finally {
      await reward.close?.();
    }
    seconds[entry.name] = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    cpuSeconds[entry.name] = (cpu.user + cpu.system) / 1e6;
  }
  const report: AuditReport = {
    createdAt: new Date().toISOString(),
    preferenceSource: source,
    pairs: pairs.length,
    probeCases: probeCases.length,
    cards,
    ranking: rankCards(cards).map((c) => c.name),
    crossReward: agreementTable(totals),
    seconds,
    cpuSeconds,
  };
  return { report, probeCases, probeScores };
}
