/**
 * The network of the Bradley–Terry reward model: a small CNN image encoder and a prompt encoder, joined by an MLP
 * into one scalar score — ImageReward's shape (image and text features into an MLP head, arXiv 2304.05977) at
 * toy scale (≈ 60 K parameters).
 *
 * Conditioned on the prompt, because a preference between a render of the prompt and a clean render of a
 * contradicting prompt cannot be read from the image alone. The prompt encoder keeps word order (token +
 * position embeddings, flattened): colour-attribution contradictions swap colours between shapes, which leaves
 * the bag of words unchanged. `conditioned: false` drops the prompt branch (image-only quality models).
 *
 *   image [B, 3, 32, 32] in [−1, 1] → conv s2 ×3 (32 → 4) → linear → f [B, hidden]
 *   tokens [B, L]                    → embed + pos → flatten → linear → p [B, hidden]
 *   score = MLP([f, p, f ⊙ p]) [B]:  h = silu(head1([f, p, f ⊙ p])) [B, hidden] (`penultimate`), score = head2(h)
 */
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Conv2d, Embedding, Linear, Module } from '../../torch/nn/index.js';
import { MAX_TOKENS, VOCAB } from '../../data/shapes/vocab.js';

export interface PreferenceNetConfig {
  channels: readonly [number, number, number];
  hidden: number;
  tokenDim: number;
  conditioned: boolean;
  /** Image side (a multiple of 8). */
  imageSize: number;
}

export const DEFAULT_PREFERENCE_NET: Readonly<PreferenceNetConfig> = Object.freeze({
  channels: Object.freeze([16, 32, 32]) as readonly [number, number, number],
  hidden: 64,
  tokenDim: 16,
  conditioned: true,
  imageSize: 32,
});

export class PreferenceNet extends Module {
  readonly convs: Conv2d[];
  readonly imageProj: Linear;
  readonly embed: Embedding | null;
  readonly pos: Tensor | null;
  readonly promptProj: Linear | null;
  readonly head1: Linear;
  readonly head2: Linear;

  constructor(
    readonly config: Readonly<PreferenceNetConfig>,
    generator?: torch.Generator,
  ) {
    super();
    if (!Number.isInteger(config.imageSize / 8) || config.imageSize < 8) {
      throw new Error(
        `refract preference net: imageSize must be a multiple of 8 (three stride-2 convs), got ${config.imageSize}`,
      );
    }
    const g = { generator };
    const [c1, c2, c3] = config.channels;
    this.convs = [
      [3, c1],
      [c1, c2],
      [c2, c3],
    ].map(([i, o], k) => this.registerModule(`conv${k + 1}`, new Conv2d(i!, o!, 3, { stride: 2, padding: 1, ...g })));
    const side = config.imageSize / 8;
    const h = config.hidden;
    this.imageProj = this.registerModule('imageProj', new Linear(c3 * side * side, h, g));
    if (config.conditioned) {
      this.embed = this.registerModule('embed', new Embedding(VOCAB.length, config.tokenDim, g));
      this.pos = this.registerParameter(
        'pos',
        torch.scope(() => torch.randn([MAX_TOKENS, config.tokenDim], { generator }).mul(0.1)),
      );
      this.promptProj = this.registerModule('promptProj', new Linear(MAX_TOKENS * config.tokenDim, h, g));
    } else {
      this.embed = this.pos = this.promptProj = null;
    }
    this.head1 = this.registerModule('head1', new Linear(config.conditioned ? 3 * h : h, h, g));
    this.head2 = this.registerModule('head2', new Linear(h, 1, g));
  }

  /** images [B, 3, S, S] in [−1, 1], tokens [B, MAX_TOKENS] int64 → scores [B]. */
  forward(images: Tensor, tokens: Tensor | null): Tensor {
    return torch.scope(() => this.head2.forward(this.penultimate(images, tokens)).squeeze(1));
  }

  /**
   * The representation the score is a linear function of, silu(head1(joint)) [B, hidden]: the feature space in which
   * the Studio's active learning finds a pair's labelled neighbours (src/studio/learnability.ts).
   */
  penultimate(images: Tensor, tokens: Tensor | null): Tensor {
    const s = images.shape;
    const S = this.config.imageSize;
    if (s.length !== 4 || s[1] !== 3 || s[2] !== S || s[3] !== S) {
      throw new Error(`refract preference net: images must be [B, 3, ${S}, ${S}], got [${s.join(', ')}]`);
    }
    return torch.scope(() => {
      let x = images;
      for (const c of this.convs) x = torch.F.silu(c.forward(x));
      const f = torch.F.silu(this.imageProj.forward(x.flatten(1)));
      let joint = f;
      if (this.embed !== null) {
        if (tokens === null)
          throw new Error('refract preference net: tokens must be given to a conditioned net, got null');
        const e = this.embed.forward(tokens).add(this.pos!);
        const p = torch.F.silu(this.promptProj!.forward(e.flatten(1)));
        joint = torch.cat([f, p, f.mul(p)], 1);
      }
      return torch.F.silu(this.head1.forward(joint));
    });
  }
}
