// `refract eval shapes --checkpoint DIR [--json] [--per-category K]`: ShapesEval of a model; the other testbeds'
// suites (fashion-mnist, mnist, moving-shapes) are run by eval-testbeds.ts, glyphs (OCR) by eval-glyphs.ts.
import type { Command } from 'commander';
import { SHAPES_EVAL_PER_CATEGORY } from '../eval/shapes/shapes-eval.js';
import { measureGoldAccuracy } from '../eval/shapes/measure.js';
import { CliError } from './errors.js';
import { parseIntOption, parsePositiveNumber } from './options.js';
import { runShapesEval, type ShapesEvalFlags } from './eval-shapes.js';
import { isTestbedSuite, runTestbedEval, type TestbedEvalFlags } from './eval-testbeds.js';
import { GLYPH_EVAL_DEFAULT_PER_CHARACTER, runGlyphEval } from './eval-glyphs.js';

export function registerEval(program: Command): void {
  program
    .command('gold')
    .description("measure the Shapes gold evaluator itself: accuracy on renders of random prompts and its rejection of wrong ones, clean and noisy")
    .option('--n <n>', 'prompts per noise level', '2000')
    .option('--noise <list>', 'Gaussian noise stds', '0,0.05,0.1,0.2,0.3')
    .option('--seed <n>', 'seed', '0')
    .action((o: { n: string; noise: string; seed: string }) => {
      const n = parseIntOption('gold', '--n', o.n, { min: 1, max: 100_000 });
      const seed = parseIntOption('gold', '--seed', o.seed, { min: 0, max: 2 ** 32 - 1 });
      const noise = o.noise.split(',').map((v) => parsePositiveNumber('gold', '--noise', v.trim(), true));
      for (const noiseStd of noise) {
        const m = measureGoldAccuracy({ n, noiseStd, seed });
        console.log(JSON.stringify({ noiseStd, n: m.n, accuracy: m.accuracy, trueNegativeRate: m.trueNegativeRate }));
      }
    });
  program
    .command('eval')
    .description('evaluate a model on a testbed benchmark')
    .argument(
      '<suite>',
      'benchmark: shapes (ShapesEval), fashion-mnist | mnist (class accuracy), moving-shapes (physics), glyphs (OCR)',
    )
    .requiredOption('--checkpoint <dir>', 'model folder (model.safetensors + config.json)')
    .option('--json', 'print the result as JSON (shapes: { overall, categories, n, seed }; glyphs: { accuracy, letters, digits, n, seed, baseline? })')
    .option('--per-category <k>', `prompts per category (subset; full set is ${SHAPES_EVAL_PER_CATEGORY})`, String(SHAPES_EVAL_PER_CATEGORY))
    .option('--samples <k>', 'images per prompt', '1')
    .option('--steps <n>', 'sampler steps', '20')
    .option('--guidance <w>', 'classifier-free guidance scale', '3')
    .option('--seed <n>', 'sampling seed', '0')
    .option('--per-class <k>', 'fashion-mnist / mnist: samples per class', '50')
    .option('--clips <n>', 'moving-shapes: clips to generate and judge', '60')
    .option('--per-character <k>', `glyphs: samples per character, 36 characters (default ${GLYPH_EVAL_DEFAULT_PER_CHARACTER})`)
    .option('--baseline <dir>', 'shapes, glyphs: also evaluate this checkpoint on the same prompts and seeds, and report the paired change (± paired SE)')
    .option('--categories <list>', 'shapes: only these ShapesEval categories, comma-separated (e.g. position,color_attr)')
    .option('--swap', 'shapes: also run the swap test ("A left of B" vs "B left of A" from the same noise: mirrored layouts?)')
    .option('--failures', 'shapes: also count, per category, the images failing each kind of requirement (missing, colour, too_many, wrong_relation, no_relation, extra)')
    .option('--grid <file>', 'also write a PNG grid of the first images of each category (a GIF for moving-shapes)')
    .action(
      (suite: string, o: TestbedEvalFlags & ShapesEvalFlags) => {
        if (suite !== 'shapes' && o.swap) throw new CliError('eval', `--swap applies to "eval shapes" only, got suite "${suite}" — drop --swap`);
        if (suite !== 'shapes' && o.failures) throw new CliError('eval', `--failures applies to "eval shapes" only, got suite "${suite}" — drop --failures`);
        if (suite !== 'glyphs' && o.perCharacter !== undefined) {
          throw new CliError('eval', `--per-character applies to "eval glyphs" only, got suite "${suite}" — drop --per-character`);
        }
        if (suite !== 'glyphs' && suite !== 'shapes' && o.baseline !== undefined) {
          throw new CliError('eval', `--baseline applies to "eval shapes" and "eval glyphs" only, got suite "${suite}" — drop --baseline`);
        }
        if (isTestbedSuite(suite)) return suite === 'glyphs' ? runGlyphEval(o) : runTestbedEval(suite, o);
        if (suite !== 'shapes') {
          throw new CliError('eval', `suite must be one of shapes, fashion-mnist, mnist, moving-shapes, glyphs, got "${suite}"`);
        }
        return runShapesEval(o);
      },
    );
}
