/**
 * A bounded LRU cache of per-sample rewards, keyed by SHA-256 of (reward name, version, prompt, sample bytes).
 * GRPO scores every sample once, but evaluation passes, reward re-computation after a gate change, and
 * replayed samples (ReFL / DPO reuse) score the same images again — and OCR or an ensemble is slow.
 *
 * The version is part of the key, so a reward whose scoring changes must bump its version. Batch metadata is not
 * part of the key: a reward whose score depends on it must not be cached.
 */
import { createHash } from 'node:crypto';
import * as torch from '../torch/index.js';
import { batchSize, disposeBatch, selectBatch } from './batch.js';
import { joinSamples, sampleOf, validateResult, type SampleReward } from './result.js';
import type { RewardBatch, RewardModel, RewardPrompt, RewardResult } from './types.js';

export class LruCache<V> {
  readonly #map = new Map<string, V>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`refract reward cache: capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const v = this.#map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Map keeps insertion order: re-inserting makes this key the most recently used.
    this.#map.delete(key);
    this.#map.set(key, v);
    return v;
  }

  set(key: string, v: V): void {
    this.#map.delete(key);
    this.#map.set(key, v);
    while (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
  }

  clear(): void {
    this.#map.clear();
  }
}

function promptKey(p: RewardPrompt): string {
  return JSON.stringify([p.text, p.shapes ?? null, p.moving ?? null, p.glyph ?? null, p.classIndex ?? null]);
}

/** The bytes of each sample (image or clip) in a batch, as the cache hashes them. */
function sampleBytes(batch: RewardBatch): Uint8Array[] {
  const B = batchSize(batch, 'reward cache');
  const asBytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const fromTensor = (t: torch.Tensor): Uint8Array[] => {
    const flat = torch.scope(() => t.detach().float().contiguous().toTypedArray()) as Float32Array;
    const per = flat.length / B;
    return Array.from({ length: B }, (_, i) => asBytes(flat.subarray(i * per, (i + 1) * per)));
  };
  if (batch.images !== undefined) return fromTensor(batch.images);
  if (batch.rgb !== undefined) return batch.rgb.map((img) => asBytes(img.data));
  if (batch.clips !== undefined) return fromTensor(batch.clips);
  if (batch.clipFrames !== undefined) {
    return batch.clipFrames.map((frames) => {
      const h = createHash('sha256');
      for (const f of frames) h.update(asBytes(f.data));
      return h.digest();
    });
  }
  throw new Error('refract reward cache: batch must carry images or clips, got neither');
}

/** One key per sample. Images given as a tensor and as RGBImages hash differently: keep one form per pipeline. */
export function sampleKeys(rm: Pick<RewardModel, 'name' | 'version'>, batch: RewardBatch): string[] {
  return sampleBytes(batch).map((bytes, i) =>
    createHash('sha256')
      .update(`${rm.name}\0${rm.version}\0${promptKey(batch.prompts[i]!)}\0`)
      .update(bytes)
      .digest('hex'),
  );
}

/** A reward that looks each sample up in `cache` first and scores only the misses, as one sub-batch. */
export class CachedReward implements RewardModel {
  readonly name: string;
  readonly version: string;
  readonly components: readonly string[];
  readonly differentiable: boolean;
  readonly cache: LruCache<SampleReward>;

  constructor(
    readonly inner: RewardModel,
    opts: { capacity?: number; cache?: LruCache<SampleReward> } = {},
  ) {
    this.name = inner.name;
    this.version = inner.version;
    this.components = inner.components;
    this.differentiable = inner.differentiable;
    this.cache = opts.cache ?? new LruCache(opts.capacity ?? 4096);
    this.#lastMeta = { name: inner.name, version: inner.version };
    if (inner.scoreDifferentiable !== undefined) this.scoreDifferentiable = inner.scoreDifferentiable.bind(inner);
  }

  scoreDifferentiable?: RewardModel['scoreDifferentiable'];
  /** The inner reward's last metadata (a fully cached batch reports it without calling the reward). */
  #lastMeta: RewardResult['meta'];

  async score(batch: RewardBatch): Promise<RewardResult> {
    const keys = sampleKeys(this.inner, batch);
    const found = keys.map((k) => this.cache.get(k));
    const missing = found.flatMap((s, i) => (s === undefined ? [i] : []));
    let meta = this.#lastMeta;
    if (missing.length > 0) {
      const sub = missing.length === keys.length ? batch : selectBatch(batch, missing);
      try {
        const r = validateResult(await this.inner.score(sub), missing.length);
        meta = this.#lastMeta = r.meta;
        missing.forEach((i, j) => {
          const s = sampleOf(r, j);
          found[i] = s;
          this.cache.set(keys[i]!, s);
        });
      } finally {
        if (sub !== batch) disposeBatch(sub);
      }
    }
    return joinSamples(found as SampleReward[], meta);
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

export function cachedReward(rm: RewardModel, opts: { capacity?: number } = {}): CachedReward {
  return new CachedReward(rm, opts);
}
