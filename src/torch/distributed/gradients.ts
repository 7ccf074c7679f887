// Gradient averaging across ranks, as torch.nn.parallel.DistributedDataParallel's reducer does it
// (torch/csrc/distributed/c10d/reducer.cpp): gradients are packed into buckets of about `bucketBytes`
// (DDP's bucket_cap_mb = 25 MiB), each bucket flattened into one tensor, all-reduced with SUM, divided by the world
// size and unflattened back into the parameters' .grad. What differs: DDP overlaps bucket reductions with
// backward through autograd hooks; here the reduction runs after backward, once per optimizer step, so a step
// costs backward + Σ buckets (the overlap is the next optimisation, see docs/scaling.md).
//
// Two flags ride along in the buffers, so every rank takes the same decision without an extra round trip:
//   - per parameter, "this rank has a gradient": a parameter no rank touched keeps grad = null (as it would in a
//     single process), one that some rank touched gets the average (zeros standing in for the ranks that did not);
//   - per step, "this rank's loss was not finite": if any rank skipped its backward, all ranks skip the step.
import type { Tensor } from '../tensor.js';
import { cat, zeros, tensor } from '../creation.js';
import { noGrad } from '../autograd.js';
import { scope } from '../memory.js';
import { allReduce, type CollectiveOptions, getWorldSize } from './process-group.js';

export interface GradientBuckets extends CollectiveOptions {
  /** Target bytes per bucket (default 25 MiB, DDP's bucket_cap_mb). */
  bucketBytes?: number;
  /** False when this rank's loss was not finite (its gradients are incomplete): every rank then skips the step. */
  localFinite?: boolean;
}

export interface ReducedGradients {
  /** True when every rank's loss was finite (a non-finite gradient still shows up in the norm the caller takes). */
  allFinite: boolean;
  /** Buckets reduced and elements all-reduced (gradients plus the flags), for the log and docs/scaling.md. */
  buckets: number;
  elements: number;
}

const DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024;

/** Averages the gradients of `params` over the ranks of the group, in place (see the header). */
export function allReduceGradients(params: readonly Tensor[], options: GradientBuckets = {}): ReducedGradients {
  const world = getWorldSize(options.group);
  const buckets = packBuckets(params, options.bucketBytes ?? DEFAULT_BUCKET_BYTES);
  let nonFinite = 0;
  let elements = 0;
  buckets.forEach((bucket, b) => {
    const flagged = b === 0 ? (options.localFinite === false ? 1 : 0) : null;
    const r = reduceBucket(bucket, world, flagged, options);
    elements += r.elements;
    if (r.nonFinite > 0) nonFinite = r.nonFinite;
  });
  return { allFinite: nonFinite === 0, buckets: buckets.length, elements };
}

/** Consecutive parameters of one dtype, about `bucketBytes` each (a larger parameter is a bucket of its own). */
function packBuckets(params: readonly Tensor[], bucketBytes: number): Tensor[][] {
  const out: Tensor[][] = [];
  let current: Tensor[] = [];
  let bytes = 0;
  for (const p of params) {
    const size = p.numel() * 4;
    if (current.length > 0 && (bytes + size > bucketBytes || current[0]!.dtype !== p.dtype)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * One bucket: [grad₀ … grad_k | hasGrad₀ … hasGrad_k | nonFinite?] flattened, summed over ranks; gradients divided
 * by the world size and written back. Returns the summed non-finite flag (0 when the bucket carries none).
 */
function reduceBucket(
  bucket: readonly Tensor[],
  world: number,
  nonFiniteFlag: number | null,
  options: CollectiveOptions,
): { nonFinite: number; elements: number } {
  return scope(() =>
    noGrad(() => {
      const grads = bucket.map((p) => p.grad);
      const dtype = bucket[0]!.dtype;
      const flags: number[] = grads.map((g) => (g === null ? 0 : 1));
      if (nonFiniteFlag !== null) flags.push(nonFiniteFlag);
      const parts = grads.map((g, i) => (g === null ? zeros([bucket[i]!.numel()], { dtype }) : g.reshape(-1)));
      const flat = cat([...parts, tensor(flags, { dtype })]).contiguous();
      allReduce(flat, options);
      const summedFlags = flat.narrow(0, flat.numel() - flags.length, flags.length).toArray() as number[];
      let offset = 0;
      bucket.forEach((p, i) => {
        const n = p.numel();
        const mean = flat.narrow(0, offset, n).div(world).view(...p.shape);
        offset += n;
        const g = grads[i]!;
        if (g !== null) g.copy_(mean);
        else if (summedFlags[i]! > 0) p.grad = mean.clone();
      });
      return { nonFinite: nonFiniteFlag !== null ? summedFlags[bucket.length]! : 0, elements: flat.numel() };
    }),
  );
}
