// The GRPO trainer: composes the stages — sample → reward → advantage (credit/) → update → monitor — and
// records everything in the SQLite run store. Short on purpose (STYLE §4): each stage lives in its own file.
import path from 'node:path';
import * as torch from '../../torch/index.js';
import { AdamW } from '../../torch/optim/index.js';
import { loadTextToImageCheckpoint, saveCheckpoint } from '../../models/checkpoint.js';
import { tensorToImages } from '../../data/image-tensor.js';
import { deriveSeed } from '../../data/rng.js';
import { groupRelativeAdvantages } from '../../credit/group-relative.js';
import { selectSteps } from '../../credit/step-selection.js';
import { advantageStats } from '../../credit/advantages.js';
import { shapesGoldReward } from '../../rewards/shapes-gold.js';
import type { RewardModel } from '../../rewards/types.js';
import { evaluateShapesModel } from '../../eval/shapes/model-eval.js';
import { RunStore } from '../../store/run-store.js';
import { rolloutStage } from './rollout-stage.js';
import { updateStage, type UpdateDiagnostics } from './update-stage.js';
import type { GrpoConfig } from './config.js';

export interface GrpoIterationLog {
  iteration: number;
  reward: number;
  components: Record<string, number>;
  update: UpdateDiagnostics;
  advantage: ReturnType<typeof advantageStats>;
  seconds: number;
}

export interface GrpoHooks {
  onIteration?: (log: GrpoIterationLog) => void;
  onEval?: (iteration: number, overall: number, categories: Record<string, number>) => void;
}

export async function trainGrpo(config: Readonly<GrpoConfig>, hooks: GrpoHooks = {}, reward: RewardModel = shapesGoldReward()): Promise<void> {
  if (config.threads) torch.setNumThreads(config.threads);
  torch.manualSeed(deriveSeed(config.seed, 0));
  const policy = loadTextToImageCheckpoint(config.checkpoint);
  const reference = loadTextToImageCheckpoint(config.checkpoint);
  reference.requiresGrad_(false);
  reference.eval();
  policy.eval(); // no dropout: rollouts and replays must see the same network
  policy.encoder.requiresGrad_(false); // the prompt encoder stays the reference's, as Flow-GRPO keeps its text encoders
  const optimizer = new AdamW(policy.parameters().filter((p) => p.requiresGrad), { lr: config.lr, weightDecay: 0 });
  const store = RunStore.open(path.join(config.out, 'runs.sqlite'));
  const runId = store.createRun({ name: 'grpo', kind: 'grpo', config, seed: config.seed, versions: torch.versions() });
  const evaluate = (it: number): void => {
    const r = evaluateShapesModel(policy, { perCategory: config.eval.perCategory });
    store.logEvaluation(runId, { step: it, suite: 'shapes_eval', overall: r.score.overall, details: r.score.categories });
    hooks.onEval?.(it, r.score.overall, r.score.categories);
  };
  if (config.eval.every > 0) evaluate(0);
  for (let it = 1; it <= config.iterations; it++) {
    const t0 = performance.now();
    const batch = rolloutStage(policy, config, it);
    const rgb = tensorToImages(batch.trajectory.finalSample);
    const scored = await reward.score({ rgb, prompts: batch.prompts.map((p) => ({ text: p.text, shapes: p })) });
    const log = torch.scope(() => {
      const advantages = groupRelativeAdvantages(scored.total, batch.groupIds, { std: config.advantageStd });
      const stochastic = batch.trajectory.stochastic;
      const steps = selectSteps(
        config.trainSteps ? { kind: 'random', count: config.trainSteps, seed: config.seed } : { kind: 'all' },
        { numSteps: stochastic.length, iteration: it, stochastic },
      );
      const update = updateStage(policy, reference, optimizer, batch, advantages, steps, config, it);
      const components = Object.fromEntries(Object.entries(scored.components).map(([k, v]) => [k, mean(v)]));
      return { iteration: it, reward: mean(scored.total), components, update, advantage: advantageStats(advantages), seconds: (performance.now() - t0) / 1000 };
    });
    torch.disposeAll(batch.trajectory);
    store.logStep(runId, it, { reward: log.reward, ...log.components, loss: log.update.loss, kl: log.update.kl, clipFraction: log.update.clipFraction, gradNorm: log.update.gradNorm, seconds: log.seconds }, {
      ratio_max_dev_first_epoch: log.update.firstEpochRatioMaxDev,
      approx_kl: log.update.approxKl,
      advantage_std: log.advantage.std,
      skipped_minibatches: log.update.skippedMinibatches,
    });
    hooks.onIteration?.(log);
    if (config.eval.every > 0 && (it % config.eval.every === 0 || it === config.iterations)) evaluate(it);
  }
  saveCheckpoint(path.join(config.out, 'final'), policy, { grpo: JSON.parse(JSON.stringify(config)) as string });
  store.setStatus(runId, 'finished');
  store.close();
  policy.dispose();
  reference.dispose();
  optimizer.dispose();
}

function mean(a: Float32Array): number {
  return a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);
}
