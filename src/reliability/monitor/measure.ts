// Turning one evaluation of the policy (the loop's EvalSnapshot) into the monitor's signals: proxy and gold as
// the loop measured them, held-out rewards and ensemble disagreement scored here on the same images, KL and
// d = sqrt(KL), diversity and image statistics (src/eval/stats/).
import type { RewardModel } from '../../rewards/types.js';
import type { EvalSnapshot } from './contract.js';
import { meanImageStatistics, promptDiversity } from '../../eval/stats/index.js';
import { finiteMean, type MonitorMetrics, type SignalName } from './signals.js';

export interface MeasureInputs {
  /** Reward models trained on other data and never optimised; the `heldOut` signal is the mean of their means. */
  heldOut: readonly RewardModel[];
  /** A reward whose results carry `uncertainty` (an ensemble, usually the proxy itself); absent: not measured. */
  uncertainty?: RewardModel;
  diversityPool: number;
}

/**
 * Diversity of the snapshot: per prompt when some prompt has several images; otherwise (the loop's evaluation
 * draws one image per prompt) across all images — a collapse of every prompt onto one image still shows there.
 */
export function snapshotDiversity(snapshot: Pick<EvalSnapshot, 'images' | 'prompts'>, pool: number): number {
  const texts = snapshot.prompts.map((p) => p.text);
  const repeated = new Set(texts).size < texts.length;
  const keys = repeated ? texts : texts.map(() => 'all');
  return snapshot.images.length >= 2 ? promptDiversity(snapshot.images, keys, pool).mean : NaN;
}

async function meanScore(rm: RewardModel, snapshot: EvalSnapshot): Promise<{ total: number; uncertainty: number }> {
  const r = await rm.score({ rgb: snapshot.images, prompts: snapshot.prompts, metadata: { iteration: snapshot.iteration, monitor: true } });
  return { total: finiteMean(Array.from(r.total)), uncertainty: r.uncertainty ? finiteMean(Array.from(r.uncertainty)) : NaN };
}

/** The signals of one evaluation. */
export async function measureSnapshot(snapshot: EvalSnapshot, inp: MeasureInputs): Promise<MonitorMetrics> {
  // The base (iteration 0) is the reference: its KL is 0 even though no training step measured it.
  const kl = snapshot.iteration === 0 && !Number.isFinite(snapshot.klToReference) ? 0 : snapshot.klToReference;
  const values: Partial<Record<SignalName, number>> = { proxy: snapshot.proxy, kl, sqrtKl: Math.sqrt(Math.max(0, kl)) };
  if (Number.isFinite(snapshot.trainReward)) values.trainProxy = snapshot.trainReward;
  if (snapshot.gold) values.gold = snapshot.gold.overall;
  if (inp.heldOut.length > 0) {
    const scores = await Promise.all(inp.heldOut.map((rm) => meanScore(rm, snapshot)));
    values.heldOut = finiteMean(scores.map((s) => s.total));
  }
  if (inp.uncertainty) values.uncertainty = (await meanScore(inp.uncertainty, snapshot)).uncertainty;
  if (snapshot.images.length > 0) {
    values.diversity = snapshotDiversity(snapshot, inp.diversityPool);
    Object.assign(values, meanImageStatistics(snapshot.images));
  }
  return { iteration: snapshot.iteration, values };
}
