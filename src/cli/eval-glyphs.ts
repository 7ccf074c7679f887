// `refract eval glyphs --checkpoint DIR [--baseline DIR] [--per-character K] [--json]`: the glyph task's OCR
// benchmark — each of the 36 characters K times (glyphEvalPrompts), one ODE sample per prompt with seeds
// seed..seed+n−1 (sampleGlyphs), read by tesseract (ocrScoreSync, the OCR reward's scorer). With --baseline, the
// second checkpoint draws the same prompts from the same seeds and the exact reads are compared pairwise
// (pairedBinaryDelta): the reproducible form of the GRPO-on-glyphs OCR result.
import type { RGBImage } from '../data/image.js';
import type { GlyphPrompt } from '../data/glyphs/prompts.js';
import type { FlowSamplingOptions } from '../pipeline/text-to-image.js';
import { glyphEvalPrompts, ocrScoreSync, sampleGlyphs } from '../pretrain/testbeds/glyphs.js';
import { pairedBinaryDelta, type PairedBinaryDelta } from '../eval/paired.js';
import { writeGridPng } from '../eval/report/png.js';
import { CliError } from './errors.js';
import { loadFor, positiveInt, samplingFromFlags, type TestbedEvalFlags } from './eval-testbeds.js';
import { parseIntOption } from './options.js';

/** Samples per character when --per-character is not given: 36 × 3 = 108 images. */
export const GLYPH_EVAL_DEFAULT_PER_CHARACTER = 3;

export interface GlyphEvalScore {
  /** Mean OCR accuracy (1 − normalised edit distance; 0/1 for one character). */
  accuracy: number;
  /** Fraction of letter prompts read back exactly. */
  letters: number;
  /** Fraction of digit prompts read back exactly. */
  digits: number;
  /** Mean OCR accuracy per target character. */
  perTarget: Record<string, number>;
  /** 1 where tesseract read the target exactly, per prompt (prompt order). */
  exact: number[];
}

function meanOf(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Samples the checkpoint's images for the prompts, frees the model, and scores the images by OCR. */
function scoreGlyphCheckpoint(
  dir: string,
  flag: string,
  prompts: readonly GlyphPrompt[],
  sampling: FlowSamplingOptions,
  seed: number,
): { score: GlyphEvalScore; images: RGBImage[] } {
  const ck = loadFor('glyphs', dir, flag, 'pass a glyph checkpoint, e.g. assets/base/glyphs or runs/<run>/final');
  let images: RGBImage[];
  try {
    if (ck.kind !== 'text-to-image') {
      throw new CliError('eval', `${flag} must hold a text-to-image model for "eval glyphs", got ${ck.kind}`);
    }
    images = sampleGlyphs(ck.model, prompts, sampling, seed);
  } finally {
    ck.model.dispose();
  }
  const r = ocrScoreSync(
    images,
    prompts.map((p) => p.target),
  );
  const exact = prompts.map((p, i) => (r.read[i] === p.target ? 1 : 0));
  const exactOf = (kind: GlyphPrompt['kind']): number => meanOf(exact.filter((_, i) => prompts[i]!.kind === kind));
  return {
    score: {
      accuracy: r.accuracy,
      letters: exactOf('letter'),
      digits: exactOf('digit'),
      perTarget: r.perTarget,
      exact,
    },
    images,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function runGlyphEval(o: TestbedEvalFlags): void {
  const perCharacter =
    o.perCharacter === undefined ? GLYPH_EVAL_DEFAULT_PER_CHARACTER : positiveInt('--per-character', o.perCharacter);
  const sampling = samplingFromFlags(o);
  const seed = parseIntOption('eval', '--seed', o.seed, { min: 0, max: 2 ** 32 - 1 });
  const prompts = glyphEvalPrompts(perCharacter);
  const run = scoreGlyphCheckpoint(o.checkpoint, '--checkpoint', prompts, sampling, seed);
  const base =
    o.baseline === undefined ? null : scoreGlyphCheckpoint(o.baseline, '--baseline', prompts, sampling, seed);
  const paired: PairedBinaryDelta | null = base && pairedBinaryDelta(base.score.exact, run.score.exact);
  const { accuracy, letters, digits, perTarget } = run.score;
  const n = prompts.length;
  if (o.json) {
    const baseline = base &&
      paired && {
        checkpoint: o.baseline,
        accuracy: base.score.accuracy,
        letters: base.score.letters,
        digits: base.score.digits,
        exactReads: {
          gained: paired.gained,
          lost: paired.lost,
          delta: paired.delta,
          standardError: paired.standardError,
        },
      };
    console.log(
      JSON.stringify({
        accuracy,
        letters,
        digits,
        perTarget,
        n,
        seed,
        perCharacter,
        sampling,
        ...(baseline ? { baseline } : {}),
      }),
    );
  } else {
    console.log(`glyphs OCR accuracy ${pct(accuracy)} (n=${n}, ${perCharacter} per character, seed ${seed})`);
    console.log(`  exact reads: letters ${pct(letters)}, digits ${pct(digits)}`);
    if (base && paired) {
      console.log(
        `baseline ${o.baseline}: OCR accuracy ${pct(base.score.accuracy)}, exact reads letters ${pct(base.score.letters)}, digits ${pct(base.score.digits)}`,
      );
      const sign = paired.delta >= 0 ? '+' : '−';
      console.log(
        `  paired exact reads vs baseline: gained ${paired.gained}, lost ${paired.lost}, Δ ${sign}${pct(Math.abs(paired.delta))} ± ${pct(paired.standardError)} (paired SE)`,
      );
    }
  }
  if (o.grid) writeGridPng(o.grid, run.images, { cols: Math.min(12, n) });
}
