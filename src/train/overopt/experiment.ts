// Runs the overoptimisation experiment: trains the proxy and held-out preference rewards, then post-trains the
// base through the shared loop (src/train/) against the proxy with the hacking monitor attached, and logs every
// step and evaluation to <out>/overopt-log.jsonl and a summary to <out>/overopt-summary.json.
import { appendFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { BradleyTerryRewardModel, RewardEnsemble, syntheticShapesPairs } from '../../rewards/preference/index.js';
import type { RewardModel } from '../../rewards/types.js';
import { parseRunConfig, type RunConfig } from '../config.js';
import { loadTextToImageCheckpoint } from '../../models/checkpoint.js';
import { evaluateShapesModel } from '../../eval/shapes/model-eval.js';
import { DEFAULT_EVAL_SAMPLING } from '../../pipeline/text-to-image.js';
import { runTraining, type TrainingHooks, type TrainingResult } from '../trainer.js';
import { parseMonitorConfig } from '../../reliability/monitor/config.js';
import type { FiredAlarm } from '../../reliability/monitor/decide.js';
import { HackingMonitor } from '../../reliability/monitor/hacking-monitor.js';
import type { MonitorMetrics } from '../../reliability/monitor/signals.js';
import { loadOveroptFile, type PreferenceRewardSpec, type ProxyRewardSpec } from './config.js';
import { compositeReward } from '../../rewards/composite.js';
import { shapesGoldReward } from '../../rewards/shapes-gold.js';
import { summariseOveropt, type OveroptSummary } from './summary.js';

/** Trains the preference reward a spec describes (one model or a bootstrap ensemble). */
export function trainPreferenceReward(spec: Readonly<PreferenceRewardSpec>): RewardModel {
  const pairs = syntheticShapesPairs({ count: spec.pairs, seed: spec.seed, labelNoise: spec.labelNoise, kinds: spec.kinds });
  const train = { steps: spec.steps, seed: spec.seed };
  return spec.members === 1 ? BradleyTerryRewardModel.fromPairs(pairs, train) : RewardEnsemble.train(pairs, { ...train, members: spec.members });
}

export interface OveroptHooks {
  onLog?(line: Record<string, unknown>): void;
}

export interface OveroptResult {
  training: TrainingResult;
  summary: OveroptSummary & { finalModelGold: number };
  history: readonly MonitorMetrics[];
  alarms: readonly FiredAlarm[];
}

/** The optimised reward of the proxy spec: the learned model, or a weighted sum with the gold partial credit. */
export function proxyReward(learned: RewardModel, spec: Readonly<ProxyRewardSpec>): RewardModel {
  if (spec.goldPartialWeight === 0 && spec.weight === 1) return learned;
  const rewards = spec.goldPartialWeight > 0 ? [shapesGoldReward({ total: 'partial', dense: false }), learned] : [learned];
  return compositeReward({ rewards, weights: { [learned.name]: spec.weight, ...(spec.goldPartialWeight > 0 ? { shapes_gold: spec.goldPartialWeight } : {}) }, name: 'proxy' });
}

/** ShapesEval overall of the saved final model on the run's evaluation subset (after any rollback). */
function finalGold(dir: string, config: Readonly<RunConfig>): number {
  const model = loadTextToImageCheckpoint(dir);
  try {
    const sampling = { ...DEFAULT_EVAL_SAMPLING, steps: config.eval.samplingSteps };
    return evaluateShapesModel(model, { perCategory: config.eval.perCategory, sampling }).score.overall;
  } finally {
    model.dispose();
  }
}

/** Runs the experiment file `file` (configs/overopt-*.yaml). */
export async function runOveroptExperiment(file: string, hooks: OveroptHooks = {}): Promise<OveroptResult> {
  const where = 'refract overopt';
  const { sections, run } = loadOveroptFile(file, where);
  // The experiment attaches its own monitor (with the held-out models and the proxy ensemble); the loop must not
  // build a second one from the run config's `monitor:` section.
  const { monitor: monitorRaw, ...runRaw } = run;
  const config = parseRunConfig(runRaw, `${where} (${file})`);
  const monitorConfig = parseMonitorConfig(monitorRaw ?? {}, `${where} (${file}): monitor`);
  mkdirSync(config.out, { recursive: true });
  const logFile = path.join(config.out, 'overopt-log.jsonl');
  const log = (line: Record<string, unknown>): void => {
    appendFileSync(logFile, `${JSON.stringify(line)}\n`);
    hooks.onLog?.(line);
  };
  const learned = trainPreferenceReward(sections.proxy);
  const proxy = proxyReward(learned, sections.proxy);
  const heldOut = sections.heldOut.map((s) => trainPreferenceReward(s));
  const monitor = new HackingMonitor(monitorConfig, {
    heldOut,
    ...(sections.proxy.members > 1 ? { uncertainty: learned } : {}),
    onRecord: (m, alarms) => log({ type: 'eval', iteration: m.iteration, values: m.values, alarms }),
  });
  const trainingHooks: TrainingHooks = {
    monitors: [monitor],
    reward: proxy,
    onStep: (it, l) => log({ type: 'step', iteration: it, reward: l.reward, kl: l.klToReference, skipped: l.skippedUpdate }),
    onMonitorAction: (it, name, action, outcome) => log({ type: 'action', iteration: it, monitor: name, action, outcome }),
  };
  try {
    const training = await runTraining(config, trainingHooks);
    // a failed or diverged run writes no final model (issue #12): its gold is unknown, not an error
    const hasFinal = existsSync(path.join(training.finalModel, 'config.json'));
    const finalModelGold = hasFinal ? finalGold(training.finalModel, config) : NaN;
    log({ type: 'final', iteration: training.lastIteration, gold: finalModelGold });
    const summary = { ...summariseOveropt(monitor.history, monitor.alarms, training), finalModelGold };
    writeFileSync(path.join(config.out, 'overopt-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return { training, summary, history: monitor.history, alarms: monitor.alarms };
  } finally {
    await Promise.all(heldOut.map((rm) => rm.close?.()));
  }
}
