// Hard constraints on advantages: a sample that violates a constraint (e.g. a safety or format check) must not be
// reinforced, whatever its reward. The violation mask comes from rewards/ (or reliability/); this only edits A.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/**
 * 'zero': A_i = 0 (no credit either way); 'negate': A_i = −|A_i| (always pushed down);
 * 'penalty': A_i − penalty (a fixed cost on top of the normalised advantage).
 */
export type ConstraintMode = 'zero' | 'negate' | 'penalty';

export interface ConstraintOptions {
  readonly mode: ConstraintMode;
  /** Required for 'penalty', > 0. */
  readonly penalty?: number;
}

/** Applies the constraint to the samples where `violations` [B] (bool or 0/1) is true; A [B] is not modified. */
export function applyConstraints(a: Tensor, violations: Tensor, opts: ConstraintOptions): Tensor {
  const fn = 'refract applyConstraints';
  if (a.ndim !== 1 || violations.ndim !== 1 || violations.shape[0] !== a.shape[0]) {
    throw new Error(
      `${fn}: violations must have shape [B] matching A [${a.shape.join(', ')}], got [${violations.shape.join(', ')}]` +
        ' — pass one flag per sample',
    );
  }
  return torch.scope(() => {
    const mask = violations.dtype === 'bool' ? violations : violations.ne(0);
    switch (opts.mode) {
      case 'zero':
        return a.maskedFill(mask, 0);
      case 'negate':
        return torch.where(mask, a.abs().neg(), a); // −|A|
      case 'penalty': {
        const p = opts.penalty;
        if (p === undefined || !(p > 0)) {
          throw new Error(`${fn}: penalty must be a number > 0 for mode 'penalty', got ${p} — e.g. { penalty: 1 }`);
        }
        return torch.where(mask, a.sub(p), a); // A − penalty
      }
      default:
        throw new Error(`${fn}: mode must be 'zero', 'negate' or 'penalty', got ${String(opts.mode)}`);
    }
  });
}
