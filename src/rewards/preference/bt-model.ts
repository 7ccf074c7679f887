/**
 * A learned reward model trained on preference pairs with the Bradley–Terry loss (Bradley & Terry 1952; as in
 * InstructGPT's RM, arXiv 2203.02155, and ImageReward, arXiv 2304.05977):
 *   P(w ≻ l) = σ(r(w) − r(l)),   loss = −log σ(r_w − r_l)   averaged over a minibatch of pairs.
 * BT scores are defined only up to an additive constant; after training the model's mean score over its training
 * images is subtracted, so ensemble members and successive models share a zero.
 */
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { AdamW } from '../../torch/optim/index.js';
import { imagesToTensor } from '../../data/image-tensor.js';
import { Rng } from '../../data/rng.js';
import { MAX_TOKENS, tokenize } from '../../data/shapes/vocab.js';
import { batchImageTensor } from '../batch.js';
import type { DifferentiableRewardModel, RewardBatch, RewardPrompt, RewardResult } from '../types.js';
import { DEFAULT_PREFERENCE_NET, PreferenceNet, type PreferenceNetConfig } from './net.js';
import type { PreferencePair } from './pairs.js';

export interface BradleyTerryTrainOptions {
  net: Partial<PreferenceNetConfig>;
  steps: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  seed: number;
}

export const DEFAULT_BT_TRAIN: Readonly<BradleyTerryTrainOptions> = Object.freeze({
  net: {},
  steps: 300,
  batchSize: 32,
  lr: 3e-3,
  weightDecay: 1e-4,
  seed: 0,
});

/** Prompts → int64 token ids [B, MAX_TOKENS] (shapes vocabulary; unknown words map to <unk>). */
export function promptTokens(prompts: readonly RewardPrompt[]): Tensor {
  const ids = new Int32Array(prompts.length * MAX_TOKENS);
  prompts.forEach((p, i) => ids.set(tokenize(p.text), i * MAX_TOKENS));
  return torch.scope(() => torch.fromTypedArray(ids, [prompts.length, MAX_TOKENS]).long());
}

/** Pairs as tensors: chosen and rejected images [N, 3, H, W] in [−1, 1] and tokens [N, L]. */
export interface PairTensors {
  chosen: Tensor;
  rejected: Tensor;
  tokens: Tensor;
}

export function pairTensors(pairs: readonly PreferencePair[]): PairTensors {
  if (pairs.length === 0) throw new Error('refract bradley-terry: pairs must be non-empty, got none');
  return {
    chosen: imagesToTensor(pairs.map((p) => p.chosen)),
    rejected: imagesToTensor(pairs.map((p) => p.rejected)),
    tokens: promptTokens(pairs.map((p) => p.prompt)),
  };
}

export class BradleyTerryRewardModel implements DifferentiableRewardModel {
  readonly name: string;
  readonly version: string;
  readonly components = ['score'] as const;
  readonly differentiable = true;

  constructor(
    readonly net: PreferenceNet,
    /** Subtracted from raw scores (the mean raw score on the training images). */
    readonly offset = 0,
    opts: { name?: string; version?: string } = {},
  ) {
    this.name = opts.name ?? 'bt_reward';
    this.version = opts.version ?? '1';
  }

  /** Scores [B] of images in [−1, 1], graph kept. */
  scoreDifferentiable(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    return torch.scope(() => this.scoreTokens(images, this.net.config.conditioned ? promptTokens(prompts) : null));
  }

  /** The net's penultimate representation [B, hidden] of images with their prompts (PreferenceNet.penultimate). */
  penultimate(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    return torch.scope(() => this.net.penultimate(images, this.net.config.conditioned ? promptTokens(prompts) : null));
  }

  scoreTokens(images: Tensor, tokens: Tensor | null): Tensor {
    return torch.scope(() => this.net.forward(images, tokens).sub(this.offset));
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const x = batchImageTensor(batch, `reward ${this.name}`);
    try {
      const s = torch.scope(() =>
        torch.noGrad(() => this.scoreDifferentiable(x, batch.prompts).toTypedArray()),
      ) as Float32Array;
      return {
        total: Float32Array.from(s),
        components: { score: Float32Array.from(s) },
        meta: { name: this.name, version: this.version, model: 'bradley-terry-cnn' },
      };
    } finally {
      x.dispose();
    }
  }

  async close(): Promise<void> {
    this.net.dispose();
  }

  /** Trains a fresh model on `pairs` (see `train`). */
  static fromPairs(
    pairs: readonly PreferencePair[],
    opts: Partial<BradleyTerryTrainOptions> = {},
  ): BradleyTerryRewardModel {
    const data = pairTensors(pairs);
    try {
      return BradleyTerryRewardModel.train(data, opts);
    } finally {
      torch.disposeAll(data);
    }
  }

  /**
   * Trains a fresh model on the pair tensors, or on their rows `indices` (repeats allowed: bootstrap resamples).
   * Minibatches are drawn with replacement from a seeded stream, so the same seed gives the same model.
   */
  static train(
    data: PairTensors,
    opts: Partial<BradleyTerryTrainOptions> = {},
    indices?: Int32Array,
  ): BradleyTerryRewardModel {
    const o = validateTrain({ ...DEFAULT_BT_TRAIN, ...opts });
    const rows = indices ?? Int32Array.from({ length: data.chosen.shape[0]! }, (_, i) => i);
    const gen = new torch.Generator(o.seed);
    const net = new PreferenceNet({ ...DEFAULT_PREFERENCE_NET, ...o.net }, gen);
    gen.dispose();
    const opt = new AdamW(net.parameters(), { lr: o.lr, weightDecay: o.weightDecay });
    const rng = new Rng(o.seed);
    net.train();
    try {
      for (let step = 0; step < o.steps; step++) {
        const idx = Int32Array.from(
          { length: Math.min(o.batchSize, rows.length) },
          () => rows[rng.int(0, rows.length - 1)]!,
        );
        btStep(net, opt, data, idx);
      }
    } finally {
      opt.dispose();
    }
    net.eval();
    net.requiresGrad_(false); // trained: from here on a frozen reward
    return new BradleyTerryRewardModel(net, meanScore(net, data, rows), { version: `seed${o.seed}-steps${o.steps}` });
  }
}

/** One AdamW step on the pairs `idx`: loss = −log σ(r_w − r_l), the Bradley–Terry negative log-likelihood. */
function btStep(net: PreferenceNet, opt: AdamW, data: PairTensors, idx: Int32Array): void {
  torch.scope(() => {
    const sel = torch.fromTypedArray(idx, [idx.length]).long();
    const images = torch.cat([data.chosen.indexSelect(0, sel), data.rejected.indexSelect(0, sel)]);
    const tok = data.tokens.indexSelect(0, sel);
    const r = net.forward(images, net.config.conditioned ? torch.cat([tok, tok]) : null);
    const [rw, rl] = r.split(idx.length);
    const loss = torch.F.logSigmoid(rw!.sub(rl!)).mean().neg();
    opt.zeroGrad();
    loss.backward();
    opt.step();
  });
}

/** Mean raw score over the chosen and rejected images of `rows`: the model's zero. */
function meanScore(net: PreferenceNet, data: PairTensors, rows: Int32Array): number {
  return torch.scope(() =>
    torch.noGrad(() => {
      const sel = torch.fromTypedArray(rows, [rows.length]).long();
      const tok = net.config.conditioned ? data.tokens.indexSelect(0, sel) : null;
      const a = net.forward(data.chosen.indexSelect(0, sel), tok);
      const b = net.forward(data.rejected.indexSelect(0, sel), tok);
      return a.add(b).mean().item() / 2;
    }),
  );
}

function validateTrain(o: BradleyTerryTrainOptions): BradleyTerryTrainOptions {
  for (const k of ['steps', 'batchSize'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) {
      throw new Error(`refract bradley-terry: ${k} must be a positive integer, got ${o[k]}`);
    }
  }
  if (!(o.lr > 0)) throw new Error(`refract bradley-terry: lr must be > 0, got ${o.lr}`);
  if (!(o.weightDecay >= 0)) throw new Error(`refract bradley-terry: weightDecay must be >= 0, got ${o.weightDecay}`);
  return o;
}
