// The prompt encoder: token ids → per-token context (for cross-attention) and a pooled vector (added to the
// noise-level embedding), as the text encoders of Imagen / Stable Diffusion but small and trained from scratch.
// Tokens → embeddings + learned positions → pre-norm transformer layers (Xiong et al., arXiv 2002.04745) → LN.
// The layers run channel-first [B, D, S] with 1×1-convolution projections (token-transformer.ts, pointwise.ts).
//
// The null prompt. Classifier-free guidance (Ho & Salimans, arXiv 2207.12598) needs an unconditional input; ours is
// the all-pad prompt. If pads were the only keys, every attention row would be fully masked and softmax would give
// NaN. So every sequence starts with a learned start token (like CLIP's start-of-text) that is always a real key:
// the context has L + 1 positions, position 0 is the start token, and the null prompt's context is well defined
// (the start token alone, learned like any other conditioning). Pad positions are zeroed in the context and
// excluded from the pooled mean, so extra trailing pads change nothing.
import { z } from 'zod';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Embedding } from '../torch/nn/embedding.js';
import { LayerNorm } from '../torch/nn/norm.js';
import { ModuleList } from '../torch/nn/container.js';
import { parseConfig, deepFreeze } from '../config/load.js';
import { TokenTransformerLayer } from './token-transformer.js';

/** Token id of padding; the Shapes tokenizer (src/data/shapes/vocab.ts) uses the same. */
export const PAD_TOKEN = 0;

export interface PromptEncoderConfig {
  /** Ids lie in [0, vocabSize); id 0 is padding. Leave room: new words are appended to the vocabulary. */
  readonly vocabSize: number;
  /** The longest prompt L (the context then has L + 1 positions). */
  readonly maxTokens: number;
  /** Width D of the context and the pooled vector. */
  readonly dim: number;
  readonly layers: number;
  readonly heads: number;
  /** Feed-forward width as a multiple of dim. */
  readonly mlpRatio: number;
  /**
   * Token positions: 'learned' (a parameter, initialised at 0.02 scale: the first Shapes base) or 'sinusoidal'
   * (fixed codes at the token embeddings' scale, Vaswani et al. §3.5), which make "circle … left of … square" and
   * "square … left of … circle" different inputs from the first step. Default 'learned'.
   */
  readonly positions?: 'learned' | 'sinusoidal';
  /**
   * The pooled vector: 'mean' over real positions (permutation-invariant: a bag of words) or 'start', the start
   * token's output after the layers (order-aware, as CLIP pools its end-of-text token). Default 'mean'.
   */
  readonly pooling?: 'mean' | 'start';
}

/** Shapes-world prompts: 32 words today (room for 64), at most 12 tokens (16 allowed). About 0.4 M parameters. */
export const SHAPES_PROMPT_ENCODER_CONFIG: PromptEncoderConfig = deepFreeze({
  vocabSize: 64,
  maxTokens: 16,
  dim: 128,
  layers: 2,
  heads: 4,
  mlpRatio: 2,
});

const posInt = z.number().int().positive();
export const promptEncoderConfigSchema = z
  .object({
    vocabSize: z.number().int().min(2),
    maxTokens: posInt,
    dim: posInt,
    layers: posInt,
    heads: posInt,
    mlpRatio: z.number().positive(),
    positions: z.enum(['learned', 'sinusoidal']).default('learned'),
    pooling: z.enum(['mean', 'start']).default('mean'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.dim % c.heads !== 0) ctx.addIssue({ code: 'custom', path: ['heads'], message: `must divide dim (${c.dim})` });
  });

export function parsePromptEncoderConfig(raw: unknown, where = 'refract PromptEncoder config'): PromptEncoderConfig {
  return parseConfig(promptEncoderConfigSchema, raw, where);
}

/**
 * What the generator networks are conditioned on, computed once per rollout by `encode` and reused at every step.
 * Every field has the batch as dim 0, so generate/'s default ConditioningOps can concatenate and slice it.
 */
export interface PromptCondition {
  /** [B, S, D], S = L + 1: the start token then one vector per token; zero at pads. */
  readonly context: Tensor;
  /** [B, S] bool, true at real positions (the start token and non-pad tokens). */
  readonly mask: Tensor;
  /** [B, D]: mean of the context over real positions. */
  readonly pooled: Tensor;
}

export class PromptEncoder extends Module {
  readonly config: PromptEncoderConfig;
  readonly tokenEmbedding: Embedding;
  /** [maxTokens + 1, D]: position 0 belongs to the start token (a parameter, or fixed codes not saved). */
  readonly positionEmbedding: Tensor;
  /** [D]: the learned start token. */
  readonly startToken: Tensor;
  readonly layers: ModuleList<TokenTransformerLayer>;
  readonly norm: LayerNorm;

  constructor(config: PromptEncoderConfig = SHAPES_PROMPT_ENCODER_CONFIG) {
    super();
    const c = parsePromptEncoderConfig(config);
    this.config = c;
    this.tokenEmbedding = this.registerModule(
      'tokenEmbedding',
      new Embedding(c.vocabSize, c.dim, { paddingIdx: PAD_TOKEN }),
    );
    this.positionEmbedding =
      c.positions === 'sinusoidal'
        ? this.registerBuffer('positionEmbedding', sinusoidalPositions(c.maxTokens + 1, c.dim), { persistent: false })
        : this.registerParameter('positionEmbedding', torch.randn([c.maxTokens + 1, c.dim]).mul_(0.02));
    this.startToken = this.registerParameter('startToken', torch.randn([c.dim]));
    const blocks = Array.from({ length: c.layers }, () => new TokenTransformerLayer(c.dim, c.heads, c.mlpRatio));
    this.layers = this.registerModule('layers', new ModuleList(blocks));
    this.norm = this.registerModule('norm', new LayerNorm(c.dim));
  }

  /** tokens [B, L] int (0 = pad, L ≤ maxTokens) → the prompt condition. */
  forward(tokens: Tensor): PromptCondition {
    const [b, l] = this.#check(tokens);
    const d = this.config.dim;
    return torch.scope(() => {
      const real = tokens.ne(PAD_TOKEN);
      const mask = torch.cat([torch.ones([b, 1], { dtype: 'bool' }), real], 1); // [B, S]
      const start = this.startToken.view(1, 1, d).expand(b, 1, d);
      const emb = torch.cat([start, this.tokenEmbedding.forward(tokens)], 1); // [B, S, D]
      let h = emb.add(this.positionEmbedding.narrow(0, 0, l + 1)).transpose(1, 2); // [B, D, S]
      const keyPaddingMask = mask.logicalNot();
      for (const layer of this.layers) h = layer.forward(h, keyPaddingMask);
      const m = mask.unsqueeze(2).to(h.dtype); // [B, S, 1]
      const context = this.norm.forward(h.transpose(1, 2)).mul(m); // zero at pads: trailing pads change nothing
      const pooled =
        this.config.pooling === 'start'
          ? context.select(1, 0) // the start token's output: it attended to every real token, in order
          : context.sum(1).div(m.sum(1)); // mean over real positions; m.sum ≥ 1 (the start token)
      return { context, mask, pooled };
    });
  }

  #check(tokens: Tensor): [number, number] {
    const where = 'refract PromptEncoder.forward';
    const s = tokens.shape;
    if (s.length !== 2 || (tokens.dtype !== 'int64' && tokens.dtype !== 'int32')) {
      throw new Error(
        `${where}: tokens must be int64 [B, L], got ${tokens.dtype} [${s.join(', ')}] — tokenize the prompts first`,
      );
    }
    const { maxTokens, vocabSize } = this.config;
    if (s[1]! > maxTokens) {
      throw new Error(
        `${where}: tokens must have L ≤ maxTokens = ${maxTokens}, got L = ${s[1]} — shorten the prompts or raise maxTokens`,
      );
    }
    if (s[0]! > 0 && s[1]! > 0) {
      const [lo, hi] = torch.scope(() => [tokens.min().item(), tokens.max().item()]);
      if (lo! < 0 || hi! >= vocabSize) {
        throw new Error(
          `${where}: token ids must lie in [0, ${vocabSize}), got [${lo}, ${hi}] — the tokenizer and vocabSize disagree`,
        );
      }
    }
    return [s[0]!, s[1]!];
  }
}

/** [n, dim] fixed codes: [sin(p·ω_i), cos(p·ω_i)], ω_i = 10000^(−i/(dim/2)) (Vaswani et al., arXiv 1706.03762 §3.5). */
export function sinusoidalPositions(n: number, dim: number): Tensor {
  const half = Math.floor(dim / 2);
  const out = new Float32Array(n * dim);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < half; i++) {
      const w = Math.pow(10000, -i / half);
      out[p * dim + i] = Math.sin(p * w);
      out[p * dim + half + i] = Math.cos(p * w);
    }
  }
  return torch.fromTypedArray(out, [n, dim]);
}

/** All-pad tokens [B, L]: the null prompt of classifier-free guidance. */
export function nullTokens(batch: number, length: number): Tensor {
  return torch.zeros([batch, length], { dtype: 'int64' });
}
