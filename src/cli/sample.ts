// `refract sample --checkpoint DIR --prompt "two red circles" --n 16 --out grid.png`; for a video checkpoint,
// `--out clips.gif` writes an animated GIF of the clips (a .png gets a filmstrip: one row of frames per clip).
import type { Command } from 'commander';
import { loadCheckpoint } from '../models/checkpoint.js';
import { generateImages, type FlowSamplingOptions } from '../pipeline/text-to-image.js';
import { generateClips } from '../pipeline/text-to-video.js';
import { writeGridPng } from '../eval/report/png.js';
import { writeClipGridGif } from '../eval/report/gif.js';
import { testbedOfCheckpoint } from '../pretrain/testbeds/of-checkpoint.js';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { quoteValue } from '../config/errors.js';
import { CliError } from './errors.js';
import { parseIntOption, parsePositiveNumber, parsePromptOption } from './options.js';

/** The most samples one command draws (all are held in memory for the grid): about 12 MB of 32×32 images. */
export const MAX_SAMPLES = 1024;
/** The most sampler steps (the Shapes bases use 20). */
export const MAX_STEPS = 1000;

interface SampleFlags {
  checkpoint: string;
  prompt: string;
  n: string;
  out: string;
  steps: string;
  guidance: string;
  seed: string;
}

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('sample images (PNG grid) or clips (animated GIF, or PNG filmstrip) for a prompt')
    .requiredOption('--checkpoint <dir>', 'model folder (model.safetensors + config.json)')
    .requiredOption('--prompt <text>', 'prompt, e.g. "two red circles", "a sneaker", "a red circle bouncing"')
    .option('--n <n>', 'number of samples', '16')
    .option('--out <file>', 'output .png (images, or clip frames) or .gif (clips, animated)', 'samples.png')
    .option('--steps <n>', 'sampler steps', '20')
    .option('--guidance <w>', 'classifier-free guidance scale', '3')
    .option('--seed <n>', 'seed of the first sample', '0')
    .action((o: SampleFlags) => {
      const { n, steps, guidance, seed, prompt, gif } = sampleArgs(o);
      const ck = loadCheckpoint(o.checkpoint);
      try {
        const { vocabulary } = testbedOfCheckpoint(ck.kind, ck.extra);
        const unknown = vocabulary.unknownWords(prompt);
        if (unknown.length > 0) {
          throw new CliError(
            'sample',
            `--prompt must use the ${vocabulary.name} vocabulary, got unknown word(s) ${unknown.slice(0, 5).map((w) => quoteValue(w, 40)).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} — known: ${vocabulary.words.slice(2).join(' ')}`,
          );
        }
        const words = vocabulary.split(prompt).length;
        if (words > vocabulary.maxTokens) {
          throw new CliError('sample', `--prompt must have at most ${vocabulary.maxTokens} words for the ${vocabulary.name} vocabulary, got ${words} — shorten it`);
        }
        const sampling: FlowSamplingOptions & { seeds: number[] } = {
          steps,
          guidance,
          sde: 'ode',
          vocabulary,
          seeds: Array.from({ length: n }, (_, i) => seed + i),
        };
        const prompts = Array<string>(n).fill(prompt);
        if (ck.kind === 'text-to-video') {
          const clips = generateClips(ck.model, prompts, sampling);
          if (gif) writeClipGridGif(o.out, clips);
          else writeGridPng(o.out, clips.flat(), { cols: clips[0]!.length });
        } else {
          if (gif)
            throw new CliError(
              'sample',
              `--out must end in .png for an image model, got ${quoteValue(o.out)} — GIFs are for video checkpoints`,
            );
          writeGridPng(o.out, generateImages(ck.model, prompts, sampling));
        }
        console.log(
          `refract sample: wrote ${n} ${ck.kind === 'text-to-video' ? 'clips' : 'samples'} of ${quoteValue(prompt)} to ${o.out}`,
        );
      } finally {
        ck.model.dispose();
      }
    });
}

/** Every flag checked before the checkpoint is loaded or anything is written. */
function sampleArgs(o: SampleFlags): { n: number; steps: number; guidance: number; seed: number; prompt: string; gif: boolean } {
  const c = 'sample';
  const n = parseIntOption(c, '--n', o.n, { min: 1, max: MAX_SAMPLES, fix: `draw more with several runs and different --seed values` });
  const steps = parseIntOption(c, '--steps', o.steps, { min: 1, max: MAX_STEPS });
  const guidance = parsePositiveNumber(c, '--guidance', o.guidance);
  const seed = parseIntOption(c, '--seed', o.seed, { min: 0, max: 2 ** 32 - 1, fix: 'e.g. --seed 0' });
  const prompt = parsePromptOption(c, '--prompt', o.prompt);
  if (!existsSync(path.join(o.checkpoint, 'config.json'))) {
    throw new CliError(c, `--checkpoint must be a model folder with config.json, got ${quoteValue(o.checkpoint)} — e.g. --checkpoint assets/base/shapes`);
  }
  checkOutFile(o.out);
  return { n, steps, guidance, seed, prompt, gif: o.out.toLowerCase().endsWith('.gif') };
}

/** --out must name a .png or .gif file whose folder, if it exists, is a folder (it is created otherwise). */
function checkOutFile(out: string): void {
  const lower = out.toLowerCase();
  if (!lower.endsWith('.png') && !lower.endsWith('.gif')) {
    throw new CliError('sample', `--out must be a file ending in .png or .gif, got ${quoteValue(out)} — e.g. --out grid.png`);
  }
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new CliError('sample', `--out must be a file, got ${quoteValue(out)}, which is a folder — e.g. --out ${path.join(out, 'grid.png')}`);
  }
  const dir = path.dirname(path.resolve(out));
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new CliError('sample', `--out must be in a folder, got ${quoteValue(out)} whose parent is a file — pick another path`);
  }
}
