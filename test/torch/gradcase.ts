// The shape of a gradient-check table row, and the loop that turns a table into node:test cases.
import { test } from 'node:test';
import { disposeAll, tensor, type NestedArray, type Tensor } from '../../src/torch/index.js';
import { gradcheck, Inputs, type GradcheckOptions, type GradcheckOutput } from '../gradcheck.js';

export interface GradCase {
  /** The op as the API spells it, plus what the row exercises. */
  name: string;
  /** Builds the inputs from a seeded source; inputs that require grad are checked, the rest are constants. */
  inputs: (r: Inputs) => Tensor[];
  fn: (...xs: Tensor[]) => GradcheckOutput;
  opts?: GradcheckOptions;
}

export function gradCase(
  name: string,
  inputs: (r: Inputs) => Tensor[],
  fn: (...xs: Tensor[]) => GradcheckOutput,
  opts?: GradcheckOptions,
): GradCase {
  return opts ? { name, inputs, fn, opts } : { name, inputs, fn };
}

/** One node:test per row, each with its own seed so rows do not depend on one another. */
export function runGradTable(prefix: string, cases: GradCase[], seedBase: number): void {
  cases.forEach((c, i) => {
    test(`${prefix} ${c.name}`, () => {
      using r = new Inputs(seedBase + i);
      const xs = c.inputs(r);
      try {
        gradcheck(c.fn, xs, c.opts);
      } finally {
        disposeAll(xs);
      }
    });
  });
}

/** An int64 tensor (indices for gather, index, embedding, targets). */
export function i64(data: NestedArray): Tensor {
  return tensor(data, { dtype: 'int64' });
}

/** A bool tensor (masks). */
export function mask(data: NestedArray): Tensor {
  return tensor(data, { dtype: 'bool' });
}
