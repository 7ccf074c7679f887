// The auxiliary grounding loss of Shapes pretraining: two linear heads read the prompt encoder's context vector at
// each named object's noun token and predict that object's box centre (position prompts) and colour (prompts that
// name it). The heads are pretraining scaffolding — saved in training checkpoints for exact resume, never exported
// with the model; the encoder they shape is.
//   L = L_flow + λ_pos · Σ_k m_k ‖W_pos·c_k − p_k‖² / max(1, Σ_k m_k) + λ_col · CE(W_col·c_k, colour_k)
// c_k: context at noun k; p_k ∈ [−1, 1]²: its box centre; m_k: 1 on position prompts. Why the encoder needs it:
// src/data/shapes/grounding.ts. Related in spirit to GLIGEN's grounding tokens (Li et al., arXiv 2301.07093), which
// feed boxes in; here the text must produce them, as a syntax-aware pretrained text encoder would.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/module.js';
import { Linear } from '../torch/nn/linear.js';
import { COLORS } from '../data/shapes/types.js';
import { IGNORE_COLOR, type GroundingArrays } from '../data/shapes/grounding.js';

export interface GroundingWeights {
  /** λ_pos; 0 turns the position head off. */
  readonly position: number;
  /** λ_col; 0 turns the colour head off. */
  readonly color: number;
}

export function groundingEnabled(w: GroundingWeights): boolean {
  return w.position > 0 || w.color > 0;
}

export class GroundingHeads extends Module {
  readonly position: Linear;
  readonly color: Linear;

  constructor(readonly contextDim: number) {
    super();
    this.position = this.registerModule('position', new Linear(contextDim, 2));
    this.color = this.registerModule('color', new Linear(contextDim, COLORS.length));
  }
}

export interface GroundingLoss {
  /** Mean squared error of the box centres over the position slots (0 when the batch has none). */
  position: Tensor;
  /** Cross-entropy of the colours over the named-colour slots (0 when the batch has none). */
  color: Tensor;
}

/** The two terms for a context [B, S, D] and a batch's targets (see the formula at the top). */
export function groundingLoss(context: Tensor, targets: GroundingArrays, heads: GroundingHeads): GroundingLoss {
  const [b, , d] = context.shape as [number, number, number];
  return torch.scope(() => {
    const index = torch.fromTypedArray(targets.nounIndex, [b, 2, 1]).long().expand(b, 2, d);
    const nouns = context.gather(1, index); // [B, 2, D]: c_k
    const mask = torch.fromTypedArray(targets.positionMask, [b, 2, 1]);
    const slots = targets.positionMask.reduce((s, m) => s + m, 0);
    const target = torch.fromTypedArray(targets.position, [b, 2, 2]);
    const squared = heads.position.forward(nouns).sub(target).square().mul(mask); // m_k ‖W·c_k − p_k‖² per coordinate
    const position = squared.sum().div(Math.max(1, slots));
    // cross_entropy averages over the named slots; with none it would be 0/0, so such a batch contributes 0
    const color = targets.color.some((c) => c !== IGNORE_COLOR)
      ? torch.F.crossEntropy(heads.color.forward(nouns).reshape(b * 2, COLORS.length), torch.fromTypedArray(targets.color, [b * 2]).long(), {
          ignoreIndex: IGNORE_COLOR,
        })
      : torch.zeros([]);
    return { position, color };
  });
}
