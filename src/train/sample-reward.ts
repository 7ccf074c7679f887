// What the run store keeps of an evaluation image: its PNG; the `reward` JSON of its sample row — the proxy total,
// the gold verdict (1 pass / 0 fail, Shapes source), the proxy's components, and its first per-pixel dense map
// quantised (store/dense-map.ts); and its x̂₀ trajectory strip as a 'trajectory' media file — what the Studio's
// gallery shows with each image.
import { encodeDenseMap, type StoredDenseMap } from '../store/dense-map.js';
import type { SampleInput, SampleMediaInput } from '../store/run-store-types.js';
import { encodeGridPng } from '../eval/report/png.js';
import type { EvalSnapshot } from './monitor.js';
import type { EvalTrajectories } from './evaluation.js';

/** Evaluation image i as a sample row: PNG, reward JSON, and its trajectory strip when the evaluation kept one. */
export function storedSample(s: EvalSnapshot & { seeds?: number[]; trajectories?: EvalTrajectories }, i: number): SampleInput {
  const strip = s.trajectories?.images[i];
  const media: SampleMediaInput[] =
    strip !== undefined && strip.length > 0 && s.trajectories !== undefined
      ? [{ kind: 'trajectory', ext: 'png', bytes: encodeGridPng(strip, { cols: strip.length, gap: 1, scale: 2 }), meta: { steps: s.trajectories.steps, sigmas: s.trajectories.sigmas } }]
      : [];
  return {
    step: s.iteration,
    prompt: s.prompts[i]!.text,
    seed: s.seeds?.[i] ?? i,
    png: encodeGridPng([s.images[i]!], { cols: 1, gap: 0 }),
    reward: sampleReward(s, i),
    ...(media.length > 0 ? { media } : {}),
  };
}

export interface StoredSampleReward {
  proxy: number | null;
  gold: number | null;
  components: Record<string, number | null>;
  dense?: Record<string, StoredDenseMap>;
}

const finiteOrNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

export function sampleReward(s: EvalSnapshot, i: number): StoredSampleReward {
  const components = Object.fromEntries(Object.entries(s.proxyComponentsPerImage ?? {}).map(([k, v]) => [k, finiteOrNull(v[i])]));
  const out: StoredSampleReward = { proxy: finiteOrNull(s.proxyPerImage[i]), gold: finiteOrNull(s.gold?.perPrompt?.[i]), components };
  const pixel = Object.entries(s.proxyDense ?? {}).find(([, m]) => m.layout === 'pixel' && m.shape.length === 3);
  if (pixel !== undefined) {
    const [name, m] = pixel;
    const [, h, w] = m.shape as [number, number, number];
    out.dense = { [name]: encodeDenseMap(m.data.subarray(i * h * w, (i + 1) * h * w), w, h) };
  }
  return out;
}
