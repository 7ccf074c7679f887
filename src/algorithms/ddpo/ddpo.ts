// DDPO as an Algorithm (src/algorithms/algorithm.ts): one iteration composes sample (rollout-stage: DDIM(η) on the
// flow policy through the exact flow → VP change of variables) → reward → per-prompt stat tracking (credit/) →
// PPO-clip update (update-stage). The shared loop (src/train/) owns store, evaluation, checkpoints and resume.
import { optimizerFromState, optimizerToState } from '../optimizer-state.js';
import * as torch from '../../torch/index.js';
import { AdamW } from '../../torch/optim/index.js';
import { tensorToImages } from '../../data/image-tensor.js';
import { PerPromptStatTracker, type StatTrackerState } from '../../credit/stat-tracker.js';
import { clipAdvantages } from '../../credit/group-relative.js';
import { selectSteps } from '../../credit/step-selection.js';
import { advantageStats, type AdvantageStats } from '../../credit/advantages.js';

import type { Algorithm, AlgorithmContext, AlgorithmState, AlgorithmStepLog } from '../algorithm.js';
import { ddpoRollout } from './rollout-stage.js';
import { ddpoUpdateStage, type DdpoUpdateDiagnostics } from './update-stage.js';
import { drawPromptGroups } from '../prompt-groups.js';
import { nonFiniteCount, nonFiniteRewardLog, rewardSummary, type StepLogTail as LogTail } from '../step-log.js';
import type { DdpoSection, DdpoSettings } from './config.js';

export class DdpoAlgorithm implements Algorithm {
  readonly name = 'ddpo';
  readonly #ctx: AlgorithmContext;
  readonly #settings: Readonly<DdpoSettings>;
  readonly #optimizer: AdamW;
  readonly #tracker: PerPromptStatTracker;

  constructor(ctx: AlgorithmContext, section: Readonly<DdpoSection>) {
    this.#ctx = ctx;
    this.#settings = Object.freeze({ ...section, seed: ctx.seed });
    ctx.policy.eval(); // no dropout: rollouts and replays must see the same network
    ctx.policy.encoder.requiresGrad_(false); // conditions are encoded under noGrad; the encoder stays the base's
    this.#optimizer = new AdamW(ctx.policy.parameters().filter((p) => p.requiresGrad), { lr: section.lr, weightDecay: 0 });
    this.#tracker = new PerPromptStatTracker(section.statTracker);
  }

  async step(iteration: number): Promise<AlgorithmStepLog> {
    const t0 = performance.now();
    const s = this.#settings;
    const { policy, reference, reward, prompts, vocabulary } = this.#ctx;
    const groups = drawPromptGroups(prompts, s.seed, iteration, s.promptsPerIteration, s.samplesPerPrompt);
    const trajectory = ddpoRollout(policy, groups, s.sampler, vocabulary);
    try {
      const rgb = tensorToImages(trajectory.finalSample);
      const scored = await reward.score({ rgb, prompts: groups.prompts, metadata: { iteration, seeds: groups.seeds } });
      const head = { samples: groups.prompts.length, ...rewardSummary(scored) };
      const nonFinite = nonFiniteCount(scored.total);
      // the tracker never sees a NaN reward
      if (nonFinite > 0) return { ...head, ...nonFiniteRewardLog(nonFinite, (performance.now() - t0) / 1000) };
      const u = torch.scope(() => {
        const raw = this.#tracker.update(groups.prompts.map((p) => p.text), scored.total); // (r − μ_prompt)/(σ + ε)
        const advantages = clipAdvantages(raw, s.advantageClip);
        const steps = selectSteps(
          s.trainSteps ? { kind: 'random', count: s.trainSteps, seed: s.seed } : { kind: 'all' },
          { numSteps: trajectory.stochastic.length, iteration, stochastic: trajectory.stochastic },
        );
        const update = ddpoUpdateStage({ policy, reference, optimizer: this.#optimizer, trajectory, advantages, steps, settings: s, iteration });
        return { update, advantage: advantageStats(raw, s.advantageClip) };
      });
      return { ...head, ...stepLog(u.update, u.advantage, t0) };
    } finally {
      torch.disposeAll(trajectory); // its tensors and the conditioning it was sampled with
    }
  }

  stateDict(): AlgorithmState {
    const state = optimizerToState(this.#optimizer);
    return { tensors: state.tensors, json: { ...state.json, statTracker: this.#tracker.stateDict() } };
  }

  loadStateDict(state: AlgorithmState): void {
    const tracker = state.json['statTracker'] as StatTrackerState | undefined;
    if (tracker === undefined) throw new Error('refract ddpo: state must hold json.statTracker — was it saved by DDPO?');
    optimizerFromState(this.#optimizer, state, 'ddpo.loadStateDict');
    this.#tracker.loadStateDict(tracker);
  }

  dispose(): void {
    this.#optimizer.dispose();
  }
}

function stepLog(u: DdpoUpdateDiagnostics, adv: AdvantageStats, t0: number): LogTail {
  const ratios = Object.fromEntries(u.firstEpochRatioMean.map((r, k) => [`ratio_mean_step_${k}`, r]));
  return {
    metrics: {
      loss: u.loss,
      clipFraction: u.clipFraction,
      approxKl: u.approxKl,
      gradNorm: u.gradNorm,
      kl: u.klToReference,
      optimizerSteps: u.optimizerSteps,
      seconds: (performance.now() - t0) / 1000,
    },
    diagnostics: {
      ratio_max_dev_before_update: u.ratioMaxDevBeforeUpdate,
      ratio_max_dev_first_epoch: u.firstEpochRatioMaxDev,
      advantage_mean: adv.mean,
      advantage_std: adv.std,
      advantage_min: adv.min,
      advantage_max: adv.max,
      advantage_fraction_clipped: adv.fractionClipped,
      skipped_optimizer_steps: u.skippedSteps,
      ...ratios,
    },
    skippedUpdate: u.skippedSteps > 0,
    klToReference: u.klToReference,
  };
}
