// `refract sample --checkpoint DIR --prompt "two red circles" --n 16 --out grid.png`
import type { Command } from 'commander';
import { loadTextToImageCheckpoint as loadCheckpoint } from '../models/checkpoint.js';
import { generateImages } from '../pipeline/text-to-image.js';
import { writeGridPng } from '../eval/report/png.js';
import { unknownWords } from '../data/shapes/vocab.js';
import { CliError } from './errors.js';

function positiveInt(command: string, flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(command, `${flag} must be a positive integer, got "${v}"`);
  return n;
}

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('sample images for a prompt and write a PNG grid')
    .requiredOption('--checkpoint <dir>', 'model folder (model.safetensors + config.json)')
    .requiredOption('--prompt <text>', 'prompt, e.g. "two red circles"')
    .option('--n <n>', 'number of samples', '16')
    .option('--out <file>', 'output PNG', 'samples.png')
    .option('--steps <n>', 'sampler steps', '20')
    .option('--guidance <w>', 'classifier-free guidance scale', '3')
    .option('--seed <n>', 'seed of the first sample', '0')
    .action((o: { checkpoint: string; prompt: string; n: string; out: string; steps: string; guidance: string; seed: string }) => {
      const unknown = unknownWords(o.prompt);
      if (unknown.length > 0) {
        throw new CliError('sample', `--prompt must use the testbed's vocabulary, got unknown word(s) ${unknown.map((w) => `"${w}"`).join(', ')}`);
      }
      const n = positiveInt('sample', '--n', o.n);
      const guidance = Number(o.guidance);
      if (!(guidance > 0)) throw new CliError('sample', `--guidance must be a positive number, got "${o.guidance}"`);
      const model = loadCheckpoint(o.checkpoint);
      const seed = Number(o.seed);
      const images = generateImages(model, Array(n).fill(o.prompt), {
        steps: positiveInt('sample', '--steps', o.steps),
        guidance,
        sde: 'ode',
        seeds: Array.from({ length: n }, (_, i) => seed + i),
      });
      writeGridPng(o.out, images);
      console.log(`refract sample: wrote ${n} samples of "${o.prompt}" to ${o.out}`);
      model.dispose();
    });
}
