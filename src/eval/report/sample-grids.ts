// Labelled grids of a run's stored samples for the training report: every stored image with its prompt and, when the
// prompt is a Shapes prompt, a ✓/✗ from the gold evaluator (eval/shapes/gold.ts) judging that very image.
//
// Why judge again instead of reading the verdict stored with the evaluation: a sample row holds its prompt text,
// seed and PNG but not its index in the evaluation, so pairing it with `details.perPrompt[i]` would rest on insertion
// order; and old runs have no perPrompt at all. The stored PNG is the evaluation image upscaled with nearest
// neighbour (png.ts), so undoing the upscale gives back the image the evaluation judged (to 8-bit rounding), and
// the gold evaluator reads only the image and the prompt's structure, which promptFromText recovers exactly.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { RGBImage } from '../../data/image.js';
import { promptFromText } from '../../data/shapes/grammar.js';
import { IMAGE_SIZE } from '../../data/shapes/types.js';
import { evaluatePrompt } from '../shapes/gold.js';
import { writeLabelledGridPng, type LabelledCell } from './labelled-grid.js';
import type { ReportSample } from './run-data.js';

/** A decoded PNG: RGBA bytes, row-major (what pngjs returns). */
export interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A labelled grid of stored samples the report wrote (href relative to the run folder). */
export interface SampleGrid {
  readonly which: 'first' | 'last';
  readonly step: number;
  readonly href: string;
  readonly samples: number;
  /** Samples the gold evaluator judged (Shapes prompts with an image) and how many of them it passed. */
  readonly judged: number;
  readonly correct: number;
  readonly prompts: readonly string[];
}

/**
 * Writes `<runDir>/<dir>/samples-first.png` and `samples-last.png`: up to `perGrid` stored samples of the first and
 * of the last step that has any (the last only when it differs from the first).
 */
export function writeSampleGrids(
  runDir: string,
  samples: readonly ReportSample[],
  dir: string,
  perGrid: number,
): SampleGrid[] {
  const out: SampleGrid[] = [];
  for (const which of ['first', 'last'] as const) {
    const picked = samplesAt(samples, which, perGrid);
    if (picked.length === 0) continue;
    const cells = sampleCells(runDir, picked);
    const href = `${dir}/samples-${which}.png`;
    writeLabelledGridPng(path.join(runDir, href), cells, { cols: Math.min(8, cells.length) });
    const judged = cells.filter((c) => c.verdict === true || c.verdict === false);
    out.push({
      which,
      step: picked[0]!.step,
      href,
      samples: cells.length,
      judged: judged.length,
      correct: judged.filter((c) => c.verdict === true).length,
      prompts: picked.map((s) => s.prompt),
    });
  }
  return out;
}

/** One cell per stored sample: its image (grey when missing), prompt, gold verdict (Shapes prompts) and reward. */
export function sampleCells(runDir: string, samples: readonly ReportSample[]): LabelledCell[] {
  const pngs = samples.map((s): Rgba | null => {
    const file = s.href === null ? null : path.join(runDir, s.href);
    return file !== null && existsSync(file) ? PNG.sync.read(readFileSync(file)) : null;
  });
  const shapes = samples.some((s) => promptFromText(s.prompt) !== undefined);
  const k = upscaleFactor(
    pngs.filter((p): p is Rgba => p !== null),
    shapes ? IMAGE_SIZE : undefined,
  );
  const images = pngs.map((p) => (p === null ? null : downsample(p, k)));
  const first = images.find((x) => x !== null);
  const [w, h] = [first?.width ?? IMAGE_SIZE, first?.height ?? IMAGE_SIZE];
  return samples.map((s, i) => {
    const img = images[i] ?? null;
    const image = img !== null && img.width === w && img.height === h ? img : null;
    const note = [image === null ? 'no image' : '', rewardNote(s.reward)].filter((x) => x !== '').join(' · ');
    return {
      image: image ?? greyImage(w, h),
      label: s.prompt,
      verdict: goldVerdict(s.prompt, image),
      ...(note ? { note } : {}),
    };
  });
}

/** The gold verdict on `image` for a Shapes prompt text; null when the text is no Shapes prompt or no 32×32 image. */
export function goldVerdict(prompt: string, image: RGBImage | null): boolean | null {
  const p = promptFromText(prompt);
  if (p === undefined || image === null || image.width !== IMAGE_SIZE || image.height !== IMAGE_SIZE) return null;
  return evaluatePrompt(p, image).ok;
}

/**
 * The nearest-neighbour upscale of stored sample PNGs (png.ts writes them ×4): width / `side` when a native side
 * is known (Shapes: 32) and divides both sides of every PNG; otherwise the largest k of 8..2 for which every k×k
 * block of every PNG is one colour (1 when none is). One factor for all, so the cells keep one size.
 */
export function upscaleFactor(pngs: readonly Rgba[], side?: number): number {
  if (pngs.length === 0) return 1;
  if (
    side !== undefined &&
    pngs.every((p) => p.width === pngs[0]!.width && p.width % side === 0 && p.height % side === 0)
  )
    return pngs[0]!.width / side;
  const fits = (k: number): boolean =>
    pngs.every((p) => p.width % k === 0 && p.height % k === 0 && blocksConstant(p, k));
  return [8, 7, 6, 5, 4, 3, 2].find(fits) ?? 1;
}

/** A PNG read back at 1/k (the top-left pixel of each k×k block) as an RGBImage (planar, [0, 1]). */
export function downsample(png: Rgba, k: number): RGBImage {
  const w = Math.floor(png.width / k);
  const h = Math.floor(png.height / k);
  const out = new Float32Array(3 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * k * png.width + x * k) * 4;
      for (let c = 0; c < 3; c++) out[c * w * h + y * w + x] = png.data[src + c]! / 255;
    }
  }
  return { width: w, height: h, data: out };
}

function blocksConstant(png: Rgba, k: number): boolean {
  const { width: W, height: H, data } = png;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const a = (y * W + x) * 4;
      const b = (Math.floor(y / k) * k * W + Math.floor(x / k) * k) * 4;
      if (data[a] !== data[b] || data[a + 1] !== data[b + 1] || data[a + 2] !== data[b + 2]) return false;
    }
  }
  return true;
}

/** Up to `n` stored samples of the first or the last step that has any (none for 'last' when it is the first). */
export function samplesAt(samples: readonly ReportSample[], which: 'first' | 'last', n: number): ReportSample[] {
  if (samples.length === 0) return [];
  const steps = samples.map((s) => s.step);
  const step = which === 'first' ? Math.min(...steps) : Math.max(...steps);
  if (which === 'last' && step === Math.min(...steps)) return [];
  return samples.filter((s) => s.step === step).slice(0, n);
}

/** "proxy 0.83" / "total 0.5" / "reward 1" from a stored reward (a number, or an object with total or proxy). */
function rewardNote(r: ReportSample['reward']): string {
  const fmt = (v: number): string => String(Number(v.toPrecision(3)));
  if (typeof r === 'number' && Number.isFinite(r)) return `reward ${fmt(r)}`;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return '';
  const key = ['total', 'proxy'].find((k) => typeof r[k] === 'number' && Number.isFinite(r[k]));
  return key === undefined ? '' : `${key} ${fmt(r[key] as number)}`;
}

function greyImage(width: number, height: number): RGBImage {
  return { width, height, data: new Float32Array(3 * width * height).fill(0.5) };
}
