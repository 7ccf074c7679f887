/**
 * An adapter running a TorchScript reward model (torch.jit.trace/script + save in Python, loaded through
 * src/torch/jit.ts) — how a frozen preference model such as ImageReward (arXiv 2304.05977) or HPS v2
 * (arXiv 2306.09341), exported from Python, plugs into Refract. The module maps images [B, 3, H, W] (and, with
 * `promptInput`, a prompt tensor) to scores [B].
 *
 * `inputRange` says what the module expects: 'unit' gets (x + 1)/2 in [0, 1], 'signed' gets x in [−1, 1].
 * Differentiable when the module's output carries a gradient back to its input; probed once at load on a zero
 * image of `probeShape` unless `differentiable` is given.
 */
import * as torch from '../torch/index.js';
import { ScriptModule, type Tensor } from '../torch/index.js';
import { batchImageTensor } from './batch.js';
import type { RewardBatch, RewardModel, RewardPrompt, RewardResult } from './types.js';

export interface TorchScriptRewardOptions {
  name: string;
  version: string;
  inputRange: 'unit' | 'signed';
  /** Builds the module's second input from the prompts (e.g. token ids); absent: images only. */
  promptInput?: (prompts: readonly RewardPrompt[]) => Tensor;
  /** Override the gradient probe. */
  differentiable?: boolean;
  /** [C, H, W] of the probe image. */
  probeShape: readonly [number, number, number];
}

export const DEFAULT_TORCHSCRIPT_REWARD: Readonly<TorchScriptRewardOptions> = Object.freeze({
  name: 'torchscript',
  version: '1',
  inputRange: 'unit',
  probeShape: Object.freeze([3, 32, 32]) as readonly [number, number, number],
});

export class TorchScriptReward implements RewardModel {
  readonly name: string;
  readonly version: string;
  readonly components = ['score'] as const;
  readonly differentiable: boolean;
  readonly options: Readonly<TorchScriptRewardOptions>;

  constructor(
    readonly module: ScriptModule,
    opts: Partial<TorchScriptRewardOptions> = {},
  ) {
    this.options = { ...DEFAULT_TORCHSCRIPT_REWARD, ...opts };
    this.name = this.options.name;
    this.version = this.options.version;
    // A reward is frozen: back-propagating it into the policy must not accumulate gradients in the module.
    for (const p of module.namedParameters().values()) {
      p.requiresGrad_(false);
      p.dispose();
    }
    this.differentiable = this.options.differentiable ?? this.#probe();
  }

  static load(file: string, opts: Partial<TorchScriptRewardOptions> = {}): TorchScriptReward {
    return new TorchScriptReward(ScriptModule.load(file), opts);
  }

  #probe(): boolean {
    return torch.scope(() => {
      const x = torch.zeros([1, ...this.options.probeShape]).requiresGrad_();
      try {
        return this.#forward(x, [{ text: '' }]).requiresGrad;
      } catch {
        return false;
      }
    });
  }

  #forward(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    return torch.scope(() => {
      const x = this.options.inputRange === 'unit' ? images.add(1).div(2) : images;
      const inputs = this.options.promptInput ? [x, this.options.promptInput(prompts)] : [x];
      const out = this.module.forwardTensor(...inputs);
      const B = images.shape[0]!;
      if (out.numel() !== B) {
        throw new Error(
          `refract reward ${this.name}: the module must return one score per image ([${B}]), got ` +
            `[${out.shape.join(', ')}] — squeeze or reduce the output in the exported module`,
        );
      }
      return out.reshape(B);
    });
  }

  /** Scores [B] with the graph kept (meaningful only when `differentiable`). */
  scoreDifferentiable(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    return this.#forward(images, prompts);
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const x = batchImageTensor(batch, `reward ${this.name}`);
    try {
      const s = torch.scope(() =>
        torch.noGrad(() => this.#forward(x, batch.prompts).float().toTypedArray()),
      ) as Float32Array;
      return {
        total: Float32Array.from(s),
        components: { score: Float32Array.from(s) },
        meta: { name: this.name, version: this.version, model: this.module.path },
      };
    } finally {
      x.dispose();
    }
  }

  async close(): Promise<void> {
    this.module.dispose();
  }
}

export function torchscriptReward(file: string, opts: Partial<TorchScriptRewardOptions> = {}): TorchScriptReward {
  return TorchScriptReward.load(file, opts);
}
