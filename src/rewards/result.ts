// Building, checking, splitting and joining RewardResults. Splitting into per-sample records and joining them back
// is what lets the cache score only its misses and still return one batched result in the caller's order.
import type { DenseMap, RewardMeta, RewardResult } from './types.js';

/** One sample's share of a RewardResult. */
export interface SampleReward {
  total: number;
  components: Record<string, number>;
  /** Per-sample dense values: shape without the batch dim ([H, W] or [F]). */
  dense?: Record<string, { layout: DenseMap['layout']; shape: readonly number[]; data: Float32Array }>;
  uncertainty?: number;
}

/** Throws unless every array has B entries and every dense map is [B, ...] with matching data length. */
export function validateResult(r: RewardResult, B: number): RewardResult {
  const where = `refract reward ${r.meta.name}`;
  const need = (what: string, n: number): void => {
    if (n !== B) throw new Error(`${where}: ${what} must have ${B} entries (one per sample), got ${n}`);
  };
  need('total', r.total.length);
  for (const [k, v] of Object.entries(r.components)) need(`components.${k}`, v.length);
  if (r.uncertainty !== undefined) need('uncertainty', r.uncertainty.length);
  if (r.hindsight !== undefined) need('hindsight', r.hindsight.length);
  for (const [k, d] of Object.entries(r.dense ?? {})) {
    const rank = d.layout === 'pixel' ? 3 : 2;
    const size = d.shape.reduce((a, b) => a * b, 1);
    if (d.shape.length !== rank || d.shape[0] !== B || d.data.length !== size) {
      throw new Error(
        `${where}: dense.${k} must be ${d.layout === 'pixel' ? '[B, H, W]' : '[B, F]'} with B = ${B} and matching ` +
          `data, got shape [${d.shape.join(', ')}] and ${d.data.length} values`,
      );
    }
  }
  return r;
}

/** Sample i of a result. */
export function sampleOf(r: RewardResult, i: number): SampleReward {
  const s: SampleReward = {
    total: r.total[i]!,
    components: Object.fromEntries(Object.entries(r.components).map(([k, v]) => [k, v[i]!])),
  };
  if (r.uncertainty !== undefined) s.uncertainty = r.uncertainty[i]!;
  if (r.dense !== undefined) {
    s.dense = {};
    for (const [k, d] of Object.entries(r.dense)) {
      const per = d.data.length / d.shape[0]!;
      s.dense[k] = { layout: d.layout, shape: d.shape.slice(1), data: d.data.slice(i * per, (i + 1) * per) };
    }
  }
  return s;
}

/** Joins per-sample records (all from one reward, so with the same keys) into a batched result. */
export function joinSamples(samples: readonly SampleReward[], meta: RewardMeta): RewardResult {
  const B = samples.length;
  const first = samples[0];
  const components: Record<string, Float32Array> = {};
  for (const k of Object.keys(first?.components ?? {}))
    components[k] = Float32Array.from(samples, (s) => s.components[k]!);
  const r: RewardResult = { total: Float32Array.from(samples, (s) => s.total), components, meta };
  if (first?.uncertainty !== undefined) r.uncertainty = Float32Array.from(samples, (s) => s.uncertainty ?? 0);
  if (first?.dense !== undefined) {
    r.dense = {};
    for (const [k, d] of Object.entries(first.dense)) {
      const per = d.data.length;
      const data = new Float32Array(B * per);
      samples.forEach((s, i) => data.set(s.dense![k]!.data, i * per));
      r.dense[k] = { layout: d.layout, shape: [B, ...d.shape], data };
    }
  }
  return r;
}

/** A pixel map [B, H, W] from per-sample maps of H·W values. */
export function pixelMap(maps: readonly Float32Array[], height: number, width: number): DenseMap {
  const data = new Float32Array(maps.length * height * width);
  maps.forEach((m, i) => data.set(m, i * height * width));
  return { layout: 'pixel', shape: [maps.length, height, width], data };
}

/** A frame map [B, F] from per-sample arrays of F values. */
export function frameMap(rows: readonly Float32Array[]): DenseMap {
  const F = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * F);
  rows.forEach((r, i) => {
    if (r.length !== F) throw new Error(`refract reward: every clip must have ${F} frames, got ${r.length} at ${i}`);
    data.set(r, i * F);
  });
  return { layout: 'frame', shape: [rows.length, F], data };
}
