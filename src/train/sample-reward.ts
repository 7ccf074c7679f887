// What the run store keeps of an evaluation image's reward (the `reward` JSON of its sample row): the proxy total,
// the gold verdict (1 pass / 0 fail, Shapes source), the proxy's components, and its first per-pixel dense map
// quantised (store/dense-map.ts) — what the Studio's gallery shows next to each image.
import { encodeDenseMap, type StoredDenseMap } from '../store/dense-map.js';
import type { EvalSnapshot } from './monitor.js';

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
