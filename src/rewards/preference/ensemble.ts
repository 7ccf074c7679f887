/**
 * An ensemble of K Bradley–Terry reward models, each trained on a bootstrap resample of the pairs (N draws with
 * replacement) from its own initialisation: the mean is the reward, the standard deviation across members its
 * epistemic uncertainty — the recipe of reward-model ensembles against overoptimisation (Coste et al.,
 * arXiv 2310.02743; Lakshminarayanan et al., arXiv 1612.01474, for deep ensembles). Members share a zero
 * (bt-model.ts subtracts each one's mean training score), so their spread is disagreement, not offset.
 * std is the population std over members (divide by K). With `pessimism` λ > 0 the reward is the conservative
 * mean − λ·std (./conservative.ts; Coste et al.'s uncertainty-weighted optimisation), in `score` and
 * `scoreDifferentiable` alike; the components stay the plain mean and std.
 */
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { deriveSeed, Rng } from '../../data/rng.js';
import { batchImageTensor } from '../batch.js';
import type { DifferentiableRewardModel, RewardBatch, RewardPrompt, RewardResult } from '../types.js';
import { BradleyTerryRewardModel, pairTensors, type BradleyTerryTrainOptions } from './bt-model.js';
import type { PreferencePair } from './pairs.js';
import { checkPessimism, conservativeReward } from './conservative.js';

export interface EnsembleOptions extends BradleyTerryTrainOptions {
  members: number;
}

/** How the members' scores become the reward: mean − pessimism·std (0: the plain mean). */
export interface EnsembleRewardOptions {
  pessimism?: number;
}

export class RewardEnsemble implements DifferentiableRewardModel {
  readonly name = 'bt_ensemble';
  readonly version: string;
  readonly components = ['mean', 'std'] as const;
  readonly differentiable = true;

  /** λ of mean − λ·std. */
  readonly pessimism: number;

  constructor(
    readonly members: readonly BradleyTerryRewardModel[],
    opts: EnsembleRewardOptions = {},
    /**
     * Member k's bootstrap resample (row indices into the pairs it was trained on, with repeats) when trained here;
     * null when loaded from disk. A pair outside member k's resample is out of bag for k (Breiman 1996): k's margin
     * on it is a held-out prediction (the Studio's learnability estimate, src/studio/learnability.ts).
     */
    readonly bootstraps: readonly Int32Array[] | null = null,
  ) {
    if (members.length === 0) throw new Error('refract reward ensemble: members must be non-empty, got none');
    this.pessimism = checkPessimism(opts.pessimism ?? 0, 'refract reward ensemble');
    // the version names what decides the scores, so a reward cache never mixes plain and conservative totals
    this.version = members.map((m) => m.version).join(',') + (this.pessimism > 0 ? `;pessimism=${this.pessimism}` : '');
  }

  /** Trains `members` models on bootstrap resamples of `pairs`. */
  static train(pairs: readonly PreferencePair[], opts: Partial<EnsembleOptions> = {}): RewardEnsemble {
    const K = opts.members ?? 4;
    if (!Number.isInteger(K) || K < 1)
      throw new Error(`refract reward ensemble: members must be a positive integer, got ${K}`);
    const seed = opts.seed ?? 0;
    const data = pairTensors(pairs);
    try {
      const N = pairs.length;
      const boots = Array.from({ length: K }, (_, k) => {
        const rng = new Rng(deriveSeed(seed, k, 1));
        return Int32Array.from({ length: N }, () => rng.int(0, N - 1));
      });
      const models = boots.map((boot, k) => BradleyTerryRewardModel.train(data, { ...opts, seed: deriveSeed(seed, k) }, boot));
      return new RewardEnsemble(models, {}, boots);
    } finally {
      torch.disposeAll(data);
    }
  }

  /** Member scores [K, B], graph kept. */
  memberScores(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    return torch.scope(() => torch.stack(this.members.map((m) => m.scoreDifferentiable(images, prompts))));
  }

  /** Member penultimate representations [K, B, hidden] (BradleyTerryRewardModel.penultimate), graph kept. */
  memberPenultimate(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    return torch.scope(() => torch.stack(this.members.map((m) => m.penultimate(images, prompts))));
  }

  /** Mean over members [B] (minus λ·std when pessimistic), graph kept. */
  scoreDifferentiable(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    return torch.scope(() => {
      const s = this.memberScores(images, prompts);
      return this.pessimism > 0 ? s.mean(0).sub(s.std(0, { correction: 0 }).mul(this.pessimism)) : s.mean(0);
    });
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const x = batchImageTensor(batch, `reward ${this.name}`);
    try {
      const { mean, std } = torch.scope(() =>
        torch.noGrad(() => {
          const s = this.memberScores(x, batch.prompts);
          return {
            mean: s.mean(0).toTypedArray() as Float32Array,
            std: s.std(0, { correction: 0 }).toTypedArray() as Float32Array,
          };
        }),
      );
      return {
        total: conservativeReward(mean, std, this.pessimism),
        components: { mean, std },
        uncertainty: Float32Array.from(std),
        meta: {
          name: this.name,
          version: this.version,
          model: `bradley-terry-cnn×${this.members.length}${this.pessimism > 0 ? `, mean − ${this.pessimism}·std` : ''}`,
        },
      };
    } finally {
      x.dispose();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }
}
