/**
 * The network behind the classifier evaluator: a small VGG-style CNN (Simonyan & Zisserman, arXiv 1409.1556, in
 * miniature) for one-channel 32×32 images — three stages of 3×3 conv → ReLU → 2×2 max-pool (32 → 16 → 8 → 4),
 * then two linear layers. About 0.19 M parameters (0.75 MB in float32), so trained weights ship in the repo and
 * a forward pass over a reward batch costs milliseconds on a CPU.
 *
 * Inputs are [B, 1, 32, 32] in [0, 1]; the net centres them to [−1, 1] itself so callers pass images as every
 * Refract testbed stores them. It is an ordinary Module: `forward` is differentiable, so the same net serves
 * reward back-propagation (ReFL / DRaFT) as well as scoring.
 */
import * as torch from '../../torch/index.js';
import { Conv2d, Linear, Module } from '../../torch/nn/index.js';

export interface CnnConfig {
  /** Output classes. */
  numClasses: number;
  /** Channels of the three conv stages. */
  channels: readonly [number, number, number];
  /** Width of the hidden linear layer. */
  hidden: number;
}

export const DEFAULT_CNN_CONFIG: Readonly<CnnConfig> = Object.freeze({
  numClasses: 10,
  channels: Object.freeze([32, 64, 64]) as readonly [number, number, number],
  hidden: 128,
});

/** Input side the net is built for: three 2× poolings take 32 to 4. */
export const CNN_INPUT_SIZE = 32;

export class SmallCnn extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly conv3: Conv2d;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(
    readonly config: Readonly<CnnConfig> = DEFAULT_CNN_CONFIG,
    opts: { generator?: torch.Generator } = {},
  ) {
    super();
    const [c1, c2, c3] = config.channels;
    const g = { generator: opts.generator };
    this.conv1 = this.registerModule('conv1', new Conv2d(1, c1, 3, { padding: 1, ...g }));
    this.conv2 = this.registerModule('conv2', new Conv2d(c1, c2, 3, { padding: 1, ...g }));
    this.conv3 = this.registerModule('conv3', new Conv2d(c2, c3, 3, { padding: 1, ...g }));
    const side = CNN_INPUT_SIZE / 8;
    this.fc1 = this.registerModule('fc1', new Linear(c3 * side * side, config.hidden, g));
    this.fc2 = this.registerModule('fc2', new Linear(config.hidden, config.numClasses, g));
  }

  /** x [B, 1, 32, 32] in [0, 1] → logits [B, numClasses]. */
  forward(x: torch.Tensor): torch.Tensor {
    const s = x.shape;
    if (s.length !== 4 || s[1] !== 1 || s[2] !== CNN_INPUT_SIZE || s[3] !== CNN_INPUT_SIZE) {
      throw new Error(
        `refract classifier: input must be [B, 1, ${CNN_INPUT_SIZE}, ${CNN_INPUT_SIZE}], got [${s.join(', ')}] — ` +
          'use ImageClassifier.prepare to convert other sizes and channel counts',
      );
    }
    return torch.scope(() => {
      let h = x.mul(2).sub(1);
      for (const conv of [this.conv1, this.conv2, this.conv3]) h = torch.F.maxPool2d(conv.forward(h).relu(), 2);
      return this.fc2.forward(this.fc1.forward(h.flatten(1)).relu());
    });
  }
}
