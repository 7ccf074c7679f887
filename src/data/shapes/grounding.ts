// Grounding targets for the prompt encoder's noun tokens: where each named object lies in the rendered scene and
// which colour it has. Used by the auxiliary grounding loss of pretraining (src/pretrain/grounding.ts).
//
// Why: trained only through the flow-matching loss, the Shapes prompt encoder became a bag of words. The context
// vector of "circle" in "a circle to the left of a square" and in "a square to the left of a circle" had cosine
// 0.983, and "left of" against "right of" gave 0.9999 (docs/results/issue-10-session5.md). Cross-attention is
// permutation-invariant over its keys, so with such a context the U-Net cannot tell the two layouts apart, and
// fine-tuning on 96 000 perfectly labelled relation images moved position by +0.8 ± 3.4 points. Asking each noun
// token to predict its own object's box centre and colour puts the role ("I am the subject of left-of") and the
// binding ("red goes with this circle") into the very vectors the U-Net attends to. The scenes give these labels
// for free; a pretrained text encoder (T5 in SD3) brings such syntax from its own pretraining.
import { SHAPES, COLORS } from './types.js';
import type { TrainingExample } from './dataset.js';
import { MAX_TOKENS, VOCAB } from './vocab.js';

/** Ignored colour target (PyTorch's cross_entropy ignore_index default). */
export const IGNORE_COLOR = -100;

/** The grounding targets of a batch of B examples, two noun slots per example (flat, row-major). */
export interface GroundingArrays {
  /** [B, 2] context positions of the first two singular shape nouns (token index + 1 for the start token); 0 when unused. */
  nounIndex: Int32Array;
  /** [B, 2, 2] box centres (x, y) in [−1, 1] (x to the right, y downwards). */
  position: Float32Array;
  /** [B, 2] 1 where the position target counts (position prompts), else 0. */
  positionMask: Float32Array;
  /** [B, 2] colour ids (index into COLORS) where the prompt names the colour, else IGNORE_COLOR. */
  color: Int32Array;
}

const SHAPE_TOKEN_IDS: ReadonlySet<number> = new Set(SHAPES.map((s) => VOCAB.indexOf(s)));

/**
 * Targets for examples whose prompt names exactly two single objects (two_objects, position, color_attr); other
 * examples, and those whose prompt was dropped to the null prompt (`dropped[i]`), get no targets.
 * `tokens` holds each example's token ids (MAX_TOKENS per row) as the model sees them.
 */
export function groundingTargets(
  examples: readonly TrainingExample[],
  tokens: Int32Array,
  dropped: readonly boolean[],
  width: number,
  height: number,
): GroundingArrays {
  const b = examples.length;
  const out: GroundingArrays = {
    nounIndex: new Int32Array(b * 2),
    position: new Float32Array(b * 4),
    positionMask: new Float32Array(b * 2),
    color: new Int32Array(b * 2).fill(IGNORE_COLOR),
  };
  examples.forEach((ex, i) => {
    const objects = ex.prompt.objects;
    if (dropped[i] || objects.length !== 2 || objects.some((o) => o.count !== 1) || ex.scene.objects.length !== 2) return;
    const nouns: number[] = [];
    for (let j = 0; j < MAX_TOKENS; j++) if (SHAPE_TOKEN_IDS.has(tokens[i * MAX_TOKENS + j]!)) nouns.push(j + 1);
    if (nouns.length !== 2) return;
    for (let k = 0; k < 2; k++) {
      const o = ex.scene.objects[k]!; // scenes place the prompt's objects in the order they are named
      out.nounIndex[i * 2 + k] = nouns[k]!;
      if (ex.prompt.category === 'position') {
        out.position[i * 4 + k * 2] = (2 * o.cx) / width - 1;
        out.position[i * 4 + k * 2 + 1] = (2 * o.cy) / height - 1;
        out.positionMask[i * 2 + k] = 1;
      }
      if (objects[k]!.color !== undefined) out.color[i * 2 + k] = COLORS.indexOf(o.color);
    }
  });
  return out;
}
