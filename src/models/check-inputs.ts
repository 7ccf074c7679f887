// Shape checks at the entry of the denoisers, so a wrong input fails with the shapes that disagree instead of a
// libtorch message from deep inside a convolution.
import type { Tensor } from '../torch/index.js';
import type { PromptCondition } from './prompt-encoder.js';

export interface InputSpec {
  rank: number;
  /** Dim names for messages, e.g. 'B, C, H, W'. */
  layout: string;
  channels: number;
  contextDim: number;
  /** H and W must be divisible by this (the total downsampling). */
  divisor: number;
}

const dims = (t: Tensor): string => `[${t.shape.join(', ')}]`;

export function checkCondition(where: string, x: Tensor, t: Tensor, cond: PromptCondition, spec: InputSpec): void {
  const fail = (what: string): never => {
    throw new Error(`refract ${where}: ${what}`);
  };
  const s = x.shape;
  const b = s[0]!;
  if (s.length !== spec.rank || s[1] !== spec.channels)
    fail(`x must be [${spec.layout}] with C = ${spec.channels}, got ${dims(x)}`);
  const [h, w] = s.slice(-2) as [number, number];
  if (h % spec.divisor !== 0 || w % spec.divisor !== 0) {
    fail(
      `x's height and width must be divisible by ${spec.divisor} (one halving per level), got ${h}×${w} — pad or resize`,
    );
  }
  if (t.ndim !== 1 || t.shape[0] !== b) fail(`t must be [B] = [${b}] (one noise level per sample), got ${dims(t)}`);
  const { context, mask, pooled } = cond;
  const cs = context.shape;
  if (cs.length !== 3 || cs[0] !== b || cs[2] !== spec.contextDim) {
    fail(
      `cond.context must be [${b}, S, ${spec.contextDim}], got ${dims(context)} — encode the prompts with the matching PromptEncoder`,
    );
  }
  if (mask.dtype !== 'bool' || mask.ndim !== 2 || mask.shape[0] !== b || mask.shape[1] !== cs[1]) {
    fail(`cond.mask must be bool [${b}, ${cs[1]}], got ${mask.dtype} ${dims(mask)}`);
  }
  if (pooled.ndim !== 2 || pooled.shape[0] !== b || pooled.shape[1] !== spec.contextDim) {
    fail(`cond.pooled must be [${b}, ${spec.contextDim}], got ${dims(pooled)}`);
  }
}
