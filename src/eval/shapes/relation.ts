/**
 * Relative position of two boxes, ported in idea from GenEval's `relative_position`
 * (djghosh13/geneval, evaluation/evaluate_images.py; Ghosh et al., arXiv 2310.11513).
 *
 * The centre offset is shrunk on each axis by threshold·(sum of the two box sizes on that axis) — objects must
 * clear each other by a margin — then normalised by the unshrunk offset's length; an axis whose normalised
 * component exceeds 0.5 (within ~60° of that axis) yields its relation. Same rule and default threshold (0.1)
 * as GenEval; here boxes come from our mask components instead of Mask2Former. Image y grows downwards.
 */
import type { Box, Relation } from '../../data/shapes/types.js';

export const GENEVAL_POSITION_THRESHOLD = 0.1;

/** Every relation in which box `a` stands to box `b` (possibly none, possibly two such as left of + above). */
export function relativePosition(a: Box, b: Box, threshold = GENEVAL_POSITION_THRESHOLD): Set<Relation> {
  const offset = [(a[0] + a[2]) / 2 - (b[0] + b[2]) / 2, (a[1] + a[3]) / 2 - (b[1] + b[3]) / 2];
  const dims = [a[2] - a[0] + (b[2] - b[0]), a[3] - a[1] + (b[3] - b[1])];
  const revised = offset.map((o, i) => Math.max(Math.abs(o) - threshold * dims[i], 0) * Math.sign(o));
  const out = new Set<Relation>();
  if (revised.every((r) => Math.abs(r) < 1e-3)) return out;
  const len = Math.hypot(offset[0], offset[1]);
  const [dx, dy] = [revised[0] / len, revised[1] / len];
  if (dx < -0.5) out.add('left of');
  if (dx > 0.5) out.add('right of');
  if (dy < -0.5) out.add('above');
  if (dy > 0.5) out.add('below');
  return out;
}
