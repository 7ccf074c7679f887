// `refract train CONFIG.yaml`: GRPO post-training of the Shapes base against the gold reward (src/algorithms/grpo/).
import type { Command } from 'commander';
import { loadGrpoConfig } from '../algorithms/grpo/config.js';
import { trainGrpo } from '../algorithms/grpo/trainer.js';
import { progressBar } from './progress.js';

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('post-train a model with GRPO from a YAML config (runs recorded in SQLite under `out`)')
    .argument('<config>', 'YAML config, e.g. configs/grpo-shapes.yaml')
    .action(async (file: string) => {
      const config = loadGrpoConfig(file);
      const bar = progressBar('grpo', config.iterations, '');
      await trainGrpo(config, {
        onIteration: (l) => {
          bar.update(l.iteration, {
            reward: l.reward.toFixed(3),
            kl: l.update.kl.toExponential(2),
            clip: l.update.clipFraction.toFixed(3),
            ratioDev: l.update.firstEpochRatioMaxDev.toExponential(1),
          });
        },
        onEval: (it, overall, cats) => {
          process.stdout.write(`\niteration ${it}: ShapesEval overall ${(overall * 100).toFixed(1)}% ${JSON.stringify(cats)}\n`);
        },
      });
      bar.stop();
    });
}
