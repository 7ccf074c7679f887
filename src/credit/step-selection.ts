// Which denoising steps are trained (credit across steps). A trajectory of T steps has a log-prob at each
// stochastic step (generate/trajectory.ts, `stochastic`); a selection picks K of them.
//
// - 'all': every stochastic step (Flow-GRPO, DDPO with timestep_fraction = 1).
// - 'random': a seeded random subset of K stochastic steps, fresh each iteration (DDPO/flow_grpo train on a fraction
//   of the steps; here the subset is a pure function of (seed, iteration), so a resumed run picks the same steps).
// - 'window': the fixed steps [start, start + size) (Flow-GRPO-Fast, TempFlow-GRPO's early steps).
// - 'sliding': MixGRPO (arXiv 2507.21802, §3.2): a window of `size` steps whose left edge moves by `stride` every
//   `shiftEvery` iterations, l = min(⌊iteration/shiftEvery⌋·stride, T − size); with `wrap` it returns to 0 after
//   reaching the end (MixGRPO's roll-back). Steps outside the window are ODE steps, so the sampler's sdeWindow must
//   equal `windowBounds(...)` for that iteration.
import { Rng, deriveSeed } from '../data/rng.js';

export type StepSelection =
  | { readonly kind: 'all' }
  | { readonly kind: 'random'; readonly count: number; readonly seed: number }
  | { readonly kind: 'window'; readonly start: number; readonly size: number }
  | {
      readonly kind: 'sliding';
      readonly size: number;
      readonly stride: number;
      readonly shiftEvery: number;
      readonly wrap?: boolean;
    };

export interface StepContext {
  /** T, the sampler's number of steps. */
  readonly numSteps: number;
  /** The training iteration (0-based); moves 'sliding' and reseeds 'random'. */
  readonly iteration: number;
  /** Which steps have a log-prob (Trajectory.stochastic); default: all. */
  readonly stochastic?: readonly boolean[];
}

const WHERE = 'refract selectSteps';

function posInt(v: number, what: string, min = 1): void {
  if (!(Number.isInteger(v) && v >= min)) throw new Error(`${WHERE}: ${what} must be an integer ≥ ${min}, got ${v}`);
}

/** [start, end) of a 'window' or 'sliding' selection at this iteration; null for 'all' and 'random'. */
export function windowBounds(
  sel: StepSelection,
  numSteps: number,
  iteration: number,
): readonly [number, number] | null {
  if (sel.kind === 'window') {
    posInt(sel.start, 'start', 0);
    posInt(sel.size, 'size');
    if (sel.start + sel.size > numSteps) {
      throw new Error(
        `${WHERE}: window [${sel.start}, ${sel.start + sel.size}) must fit in T=${numSteps} steps — shrink it`,
      );
    }
    return [sel.start, sel.start + sel.size];
  }
  if (sel.kind !== 'sliding') return null;
  posInt(sel.size, 'size');
  posInt(sel.stride, 'stride');
  posInt(sel.shiftEvery, 'shiftEvery');
  posInt(iteration, 'iteration', 0);
  if (sel.size > numSteps) throw new Error(`${WHERE}: size must be ≤ T=${numSteps}, got ${sel.size}`);
  const last = numSteps - sel.size; // the rightmost left edge
  const moves = Math.floor(iteration / sel.shiftEvery);
  let left: number;
  if (sel.wrap) {
    const positions = Math.floor(last / sel.stride) + 1; // 0, s, 2s, … ≤ T − size
    left = (moves % positions) * sel.stride;
  } else {
    left = Math.min(moves * sel.stride, last); // l = min(⌊it/τ⌋·s, T − w)
  }
  return [left, left + sel.size];
}

/** The trained steps at this iteration, ascending. Throws if a window covers a deterministic step. */
export function selectSteps(sel: StepSelection, ctx: StepContext): number[] {
  const T = ctx.numSteps;
  posInt(T, 'numSteps');
  const stochastic = ctx.stochastic ?? new Array<boolean>(T).fill(true);
  if (stochastic.length !== T) {
    throw new Error(
      `${WHERE}: stochastic must have T=${T} entries, got ${stochastic.length} — pass Trajectory.stochastic`,
    );
  }
  const candidates = stochastic.flatMap((s, i) => (s ? [i] : []));
  if (sel.kind === 'all') return candidates;
  if (sel.kind === 'random') {
    posInt(sel.count, 'count');
    posInt(ctx.iteration, 'iteration', 0);
    if (sel.count > candidates.length) {
      throw new Error(
        `${WHERE}: count must be ≤ ${candidates.length} stochastic steps, got ${sel.count} — lower count`,
      );
    }
    const rng = new Rng(deriveSeed(sel.seed, ctx.iteration));
    const pool = [...candidates];
    for (let i = 0; i < sel.count; i++) {
      const j = rng.int(i, pool.length - 1); // partial Fisher–Yates
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, sel.count).sort((a, b) => a - b);
  }
  const [start, end] = windowBounds(sel, T, ctx.iteration)!;
  const steps: number[] = [];
  for (let i = start; i < end; i++) {
    if (!stochastic[i]) {
      throw new Error(
        `${WHERE}: step ${i} of the ${sel.kind} window [${start}, ${end}) must be stochastic, got a deterministic step` +
          ' — set the sampler sdeWindow to windowBounds(...) for this iteration',
      );
    }
    steps.push(i);
  }
  return steps;
}
