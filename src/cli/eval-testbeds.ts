// `refract eval fashion-mnist|mnist|moving-shapes --checkpoint DIR [--json]`: the benchmarks of the other testbeds
// — class-conditional accuracy under the shipped classifier, and the physics evaluator's pass rate on clips. The
// glyphs suite (OCR) runs in eval-glyphs.ts with the checkpoint check and flag parsing exported here.
import { loadCheckpoint, type JsonValue, type LoadedCheckpoint } from '../models/checkpoint.js';
import { evaluateClassConditional } from '../eval/classifier/class-conditional.js';
import { evaluateMovingShapesModel } from '../eval/physics/model-eval.js';
import { writeGridPng } from '../eval/report/png.js';
import { writeClipGridGif } from '../eval/report/gif.js';
import type { FlowSamplingOptions } from '../pipeline/text-to-image.js';
import { testbedOfCheckpoint } from '../pretrain/testbeds/of-checkpoint.js';
import type { TestbedName } from '../pretrain/testbeds/index.js';
import { CliError } from './errors.js';
import { parseIntOption, parsePositiveNumber } from './options.js';
import { progressBar } from './progress.js';

export const TESTBED_SUITES = {
  'fashion-mnist': 'fashion_mnist',
  mnist: 'mnist',
  'moving-shapes': 'moving_shapes',
  glyphs: 'glyphs',
} as const;
export type TestbedSuite = keyof typeof TESTBED_SUITES;

export function isTestbedSuite(s: string): s is TestbedSuite {
  return Object.hasOwn(TESTBED_SUITES, s);
}

export interface TestbedEvalFlags {
  checkpoint: string;
  json?: boolean;
  perClass: string;
  clips: string;
  steps: string;
  guidance: string;
  seed: string;
  grid?: string;
  /** glyphs: samples per character; absent → GLYPH_EVAL_DEFAULT_PER_CHARACTER. */
  perCharacter?: string;
  /** glyphs: a second checkpoint evaluated on the same prompts and seeds, compared pairwise. */
  baseline?: string;
}

/** The most of anything one evaluation generates per flag (samples, clips, steps): a bound on time and memory. */
export const MAX_EVAL_COUNT = 10_000;

export function positiveInt(flag: string, v: string): number {
  return parseIntOption('eval', flag, v, { min: 1, max: MAX_EVAL_COUNT });
}

/** True when neither extra.testbed nor extra.pretrain.testbed is set (testbedOfCheckpoint then guesses by kind). */
function recordsNoTestbed(extra: Readonly<Record<string, JsonValue>>): boolean {
  const pretrain = extra.pretrain;
  const pretrainTestbed =
    typeof pretrain === 'object' && pretrain !== null && !Array.isArray(pretrain)
      ? (pretrain as Readonly<Record<string, JsonValue>>).testbed
      : undefined;
  return extra.testbed === undefined && pretrainTestbed === undefined;
}

/**
 * Loads the checkpoint and checks it was trained on the suite's testbed (else its prompts mean nothing to it).
 * `flag` names the option the folder came from in the error, `fix` what to do about a mismatch.
 */
export function loadFor(
  suite: TestbedSuite,
  dir: string,
  flag = '--checkpoint',
  fix = 'pick the matching suite',
): LoadedCheckpoint {
  const ck = loadCheckpoint(dir);
  const want: TestbedName = TESTBED_SUITES[suite];
  const got = testbedOfCheckpoint(ck.kind, ck.extra).name;
  if (got !== want) {
    ck.model.dispose();
    const unrecorded = recordsNoTestbed(ck.extra)
      ? ` (its config.json records no testbed, so it is read by kind; a ${want} model saved before testbeds were recorded needs "testbed": "${want}" added to "extra")`
      : '';
    throw new CliError(
      'eval',
      `${flag} must hold a ${want} model for "eval ${suite}", got a ${got} model (${ck.kind})${unrecorded} — ${fix}`,
    );
  }
  return ck;
}

/** The deterministic (ODE) sampling the suites share, from --steps and --guidance. */
export function samplingFromFlags(o: Pick<TestbedEvalFlags, 'steps' | 'guidance'>): FlowSamplingOptions {
  const sampling: FlowSamplingOptions = {
    steps: parseIntOption('eval', '--steps', o.steps, { min: 1, max: 1000 }),
    guidance: parsePositiveNumber('eval', '--guidance', o.guidance),
    sde: 'ode',
  };
  return sampling;
}

export function runTestbedEval(suite: Exclude<TestbedSuite, 'glyphs'>, o: TestbedEvalFlags): void {
  const sampling = samplingFromFlags(o);
  const samplingSeed = parseIntOption('eval', '--seed', o.seed, { min: 0, max: 2 ** 32 - 1 });
  const ck = loadFor(suite, o.checkpoint);
  try {
    if (ck.kind === 'text-to-video') {
      const clips = positiveInt('--clips', o.clips);
      const bar = o.json ? null : progressBar('physics', clips);
      const r = evaluateMovingShapesModel(ck.model, {
        clips,
        sampling,
        samplingSeed,
        onProgress: (d) => bar?.update(d),
      });
      bar?.stop();
      const { passRate, score, byObjects, n } = r;
      if (o.json) console.log(JSON.stringify({ passRate, score, byObjects, n, seed: samplingSeed }));
      else
        console.log(
          `physics pass rate ${(passRate * 100).toFixed(1)}% (n=${n}), mean per-frame score ${score.toFixed(3)}, one object ${(byObjects.one * 100).toFixed(1)}%, two ${(byObjects.two * 100).toFixed(1)}%`,
        );
      if (o.grid) writeClipGridGif(o.grid, r.clips.slice(0, 16), { cols: 4 });
      return;
    }
    const dataset = suite === 'mnist' ? 'mnist' : 'fashion-mnist';
    const perClass = positiveInt('--per-class', o.perClass);
    const bar = o.json ? null : progressBar(dataset, perClass * 10);
    const r = evaluateClassConditional(ck.model, {
      dataset,
      perClass,
      sampling,
      samplingSeed,
      onProgress: (d) => bar?.update(d),
    });
    bar?.stop();
    const { accuracy, perClass: classes, meanProb, n } = r;
    if (o.json) console.log(JSON.stringify({ accuracy, perClass: classes, meanProb, n, seed: samplingSeed }));
    else {
      console.log(
        `${dataset} class-conditional accuracy ${(accuracy * 100).toFixed(1)}% (n=${n}), mean prompted-class probability ${meanProb.toFixed(3)}`,
      );
      for (const [c, a] of Object.entries(classes)) console.log(`  ${c.padEnd(12)} ${(a * 100).toFixed(1)}%`);
    }
    if (o.grid)
      writeGridPng(
        o.grid,
        r.images.flatMap((imgs) => imgs.slice(0, 8)),
        { cols: Math.min(8, perClass) },
      );
  } finally {
    ck.model.dispose();
  }
}
