// Shapes-world training pairs as plain files, for training a generator outside Refract (issue #15: a model
// defined and trained in plain PyTorch). Three files share a stem: `<stem>.json` (header), `<stem>.images.u8`
// (uint8 [N, 3, H, W], 0–255, channel-major as RGBImage) and `<stem>.tokens.i32` (int32 little-endian [N, L],
// the prompt's token ids right-padded with 0). Raw arrays with a JSON header keep the reader a three-liner in any
// language (numpy.fromfile / torch.frombuffer) and need no extra dependency on either side.
import { writeFileSync } from 'node:fs';
import { Rng } from '../rng.js';
import { sampleTrainingExample, type TrainingSampleOptions } from './dataset.js';
import { SHAPES_VOCABULARY } from './vocab.js';

export interface PairsFileHeader {
  readonly format: 'refract.shapes-pairs';
  readonly version: 1;
  readonly count: number;
  readonly imageShape: readonly [number, number, number];
  readonly maxTokens: number;
  readonly vocabulary: readonly string[];
  readonly seed: number;
  readonly images: string;
  readonly tokens: string;
  /** The prompts' text, one per pair (for inspection; the tokens are what a model reads). */
  readonly prompts: readonly string[];
}

/** Writes `count` pairs drawn from the pretraining distribution (held-out combinations excluded by default). */
export function writeShapesPairs(stem: string, count: number, seed: number, opts: Partial<TrainingSampleOptions> = {}): PairsFileHeader {
  if (!Number.isInteger(count) || count <= 0) {
    throw new Error(`refract export-shapes: count must be a positive integer, got ${count} — e.g. 20000`);
  }
  const rng = new Rng(seed);
  const L = SHAPES_VOCABULARY.maxTokens;
  let images: Uint8Array | null = null;
  const tokens = new Int32Array(count * L);
  const prompts: string[] = [];
  let shape: [number, number, number] = [3, 0, 0];
  for (let i = 0; i < count; i++) {
    const ex = sampleTrainingExample(rng, opts);
    const per = ex.image.data.length;
    if (images === null) {
      images = new Uint8Array(count * per);
      shape = [3, ex.image.height, ex.image.width];
    }
    for (let j = 0; j < per; j++) images[i * per + j] = Math.round(Math.min(1, Math.max(0, ex.image.data[j]!)) * 255);
    tokens.set(SHAPES_VOCABULARY.tokenize(ex.prompt.text), i * L);
    prompts.push(ex.prompt.text);
  }
  const base = stem.split('/').pop()!;
  const header: PairsFileHeader = {
    format: 'refract.shapes-pairs',
    version: 1,
    count,
    imageShape: shape,
    maxTokens: L,
    vocabulary: SHAPES_VOCABULARY.words,
    seed,
    images: `${base}.images.u8`,
    tokens: `${base}.tokens.i32`,
    prompts,
  };
  writeFileSync(`${stem}.images.u8`, images!);
  writeFileSync(`${stem}.tokens.i32`, new Uint8Array(tokens.buffer));
  writeFileSync(`${stem}.json`, JSON.stringify(header));
  return header;
}
