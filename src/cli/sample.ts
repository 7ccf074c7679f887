// `refract sample --checkpoint DIR --prompt "two red circles" --n 16 --out grid.png`; for a video checkpoint,
// `--out clips.gif` writes an animated GIF of the clips (a .png gets a filmstrip: one row of frames per clip).
import type { Command } from 'commander';
import { loadCheckpoint } from '../models/checkpoint.js';
import { generateImages, type FlowSamplingOptions } from '../pipeline/text-to-image.js';
import { generateClips } from '../pipeline/text-to-video.js';
import { writeGridPng } from '../eval/report/png.js';
import { writeClipGridGif } from '../eval/report/gif.js';
import { testbedOfCheckpoint } from '../pretrain/testbeds/of-checkpoint.js';
import { CliError } from './errors.js';

function positiveInt(command: string, flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(command, `${flag} must be a positive integer, got "${v}"`);
  return n;
}

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
      const n = positiveInt('sample', '--n', o.n);
      const steps = positiveInt('sample', '--steps', o.steps);
      const guidance = Number(o.guidance);
      if (!(guidance > 0)) throw new CliError('sample', `--guidance must be a positive number, got "${o.guidance}"`);
      const gif = o.out.toLowerCase().endsWith('.gif');
      const ck = loadCheckpoint(o.checkpoint);
      try {
        const { vocabulary } = testbedOfCheckpoint(ck.kind, ck.extra);
        const unknown = vocabulary.unknownWords(o.prompt);
        if (unknown.length > 0) {
          throw new CliError(
            'sample',
            `--prompt must use the ${vocabulary.name} vocabulary, got unknown word(s) ${unknown.map((w) => `"${w}"`).join(', ')} — known: ${vocabulary.words.slice(2).join(' ')}`,
          );
        }
        const seed = Number(o.seed);
        const sampling: FlowSamplingOptions & { seeds: number[] } = {
          steps,
          guidance,
          sde: 'ode',
          vocabulary,
          seeds: Array.from({ length: n }, (_, i) => seed + i),
        };
        const prompts = Array<string>(n).fill(o.prompt);
        if (ck.kind === 'text-to-video') {
          const clips = generateClips(ck.model, prompts, sampling);
          if (gif) writeClipGridGif(o.out, clips);
          else writeGridPng(o.out, clips.flat(), { cols: clips[0]!.length });
        } else {
          if (gif)
            throw new CliError(
              'sample',
              `--out must end in .png for an image model, got "${o.out}" — GIFs are for video checkpoints`,
            );
          writeGridPng(o.out, generateImages(ck.model, prompts, sampling));
        }
        console.log(
          `refract sample: wrote ${n} ${ck.kind === 'text-to-video' ? 'clips' : 'samples'} of "${o.prompt}" to ${o.out}`,
        );
      } finally {
        ck.model.dispose();
      }
    });
}
