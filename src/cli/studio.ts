// `refract studio [serve] [--runs DIR] [--port N] [--host H --token T]`: the browser Studio over the run stores under
// DIR (src/studio/). The loop from the command line, on the same label database (<runs>/studio/labels.sqlite):
//   refract studio labeler NAME            add a labeler, print its token and sign-in link
//   refract studio pool [--pairs N]        add gold-known comparisons to the labeling pool
//   refract studio reward-model            train a Bradley–Terry ensemble on the labels, print its card
//   refract studio train --reward-model rm-001 --config C   post-train with it (hacking monitor on)
import type { Command } from 'commander';
import path from 'node:path';
import { CliError } from './errors.js';
import { quoteValue } from '../config/errors.js';

interface ServeFlags {
  runs: string;
  port: string;
  host: string;
  token?: string;
}

function int(command: string, flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError(command, `${flag} must be an integer in [${min}, ${max}], got ${quoteValue(value)} — e.g. ${flag} ${min === 0 ? 4177 : min}`);
  }
  return n;
}

async function serve(o: ServeFlags): Promise<void> {
  const port = int('studio', '--port', o.port, 0, 65535);
  const { startStudio, LOOPBACK } = await import('../studio/server.js');
  if (!LOOPBACK.has(o.host) && (o.token === undefined || o.token.length < 16)) {
    throw new CliError('studio', `--token must be given (at least 16 characters) with --host ${o.host}, got ${o.token === undefined ? 'none' : 'a shorter one'} — pass --token <secret>, or leave --host out to stay on 127.0.0.1`);
  }
  const studio = await startStudio({ runsDir: o.runs, port, host: o.host, ...(o.token ? { token: o.token } : {}) });
  process.stdout.write(`refract studio: serving ${path.resolve(o.runs)} at ${studio.url}/\nadmin link (keep it private): ${studio.url}/loop?token=${studio.adminToken}\n`);
  const stop = (): void => void studio.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function registerStudio(program: Command): void {
  const studio = program.command('studio').description('the browser Studio: watch runs, label preferences, train a reward model on them and post-train with it');
  studio
    .command('serve', { isDefault: true })
    .description('serve the Studio (127.0.0.1 unless --host; --host needs --token)')
    .option('--runs <dir>', 'folder of run folders to show (and of the label database, <dir>/studio/)', 'runs')
    .option('--port <n>', 'port (0: any free one)', '4177')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', 'admin token (required with --host; default: a random one, printed)')
    .action(serve);
  studio
    .command('labeler')
    .description('add a labeler and print its token')
    .argument('<name>', 'the labeler\'s name')
    .option('--runs <dir>', 'runs folder', 'runs')
    .action(async (name: string, o: { runs: string }) => {
      if (!/^[A-Za-z0-9 ._-]{1,64}$/.test(name)) throw new CliError('studio labeler', `name must be 1–64 letters, digits, spaces or ._-, got ${quoteValue(name)} — pick a plain name`);
      const { LabelDb } = await import('../studio/label-db.js');
      const db = LabelDb.open(path.join(o.runs, 'studio'));
      try {
        if (db.hasLabeler(name)) throw new CliError('studio labeler', `name must be new, got ${quoteValue(name)}, who exists — pick another name`);
        const token = db.addLabeler(name, 'labeler');
        process.stdout.write(`labeler ${name}: token ${token}\nsign-in link: http://127.0.0.1:4177/label?token=${token}\n`);
      } finally {
        db.close();
      }
    });
  studio
    .command('pool')
    .description('add gold-known comparisons of the Shapes world to the labeling pool')
    .option('--runs <dir>', 'runs folder', 'runs')
    .option('--pairs <n>', 'pairwise comparisons', '400')
    .option('--best-of-4 <n>', 'best-of-4 sets', '40')
    .option('--check-every <n>', 'every n-th pair is a known-answer check', '10')
    .option('--seed <n>', 'seed', '0')
    .option('--from-model <dir>', 'label a model\'s own samples instead: 4 per prompt, gold-scored (e.g. assets/base/shapes)')
    .option('--prompts <n>', 'with --from-model: how many prompts', '200')
    .action(async (o: { runs: string; pairs: string; bestOf4: string; checkEvery: string; seed: string; fromModel?: string; prompts: string }) => {
      const opts = {
        pairs: int('studio pool', '--pairs', o.pairs, 0, 20000),
        bestOf4: int('studio pool', '--best-of-4', o.bestOf4, 0, 5000),
        checkEvery: int('studio pool', '--check-every', o.checkEvery, 0, 1000),
        seed: int('studio pool', '--seed', o.seed, 0, 2 ** 31),
      };
      const [{ LabelDb }, { buildPool }, { buildModelPool }] = await Promise.all([import('../studio/label-db.js'), import('../studio/pool.js'), import('../studio/model-pool.js')]);
      const prompts = int('studio pool', '--prompts', o.prompts, 1, 5000);
      const db = LabelDb.open(path.join(o.runs, 'studio'));
      try {
        const r = o.fromModel === undefined
          ? buildPool(db, opts)
          : await buildModelPool(db, { checkpoint: o.fromModel, prompts, perPrompt: 4, checkEvery: opts.checkEvery, seed: opts.seed });
        process.stdout.write(`pool: +${r.pairs} pairs (${r.checks} known-answer checks), +${r.bestOf4} best-of-4 sets, ${r.items} images in ${db.dir}/pool\n`);
      } finally {
        db.close();
      }
    });
  studio
    .command('reward-model')
    .description('train a Bradley–Terry ensemble on the labels; print its card; re-order the queue by its disagreement')
    .option('--runs <dir>', 'runs folder', 'runs')
    .option('--members <n>', 'ensemble members', '3')
    .option('--steps <n>', 'training steps per member', '300')
    .option('--held-out <fraction>', 'fraction of the labelled prompts held out for the card (never trained on)', '0.2')
    .option('--split-seed <n>', 'seed of the held-out split', '0')
    .action(async (o: { runs: string; members: string; steps: string; heldOut: string; splitSeed: string }) => {
      const members = int('studio reward-model', '--members', o.members, 1, 8);
      const steps = int('studio reward-model', '--steps', o.steps, 1, 5000);
      const splitSeed = int('studio reward-model', '--split-seed', o.splitSeed, 0, 2 ** 31 - 1);
      const heldOutFraction = Number(o.heldOut);
      if (!(heldOutFraction >= 0.05 && heldOutFraction <= 0.5)) {
        throw new CliError('studio reward-model', `--held-out must be a fraction in [0.05, 0.5], got ${quoteValue(o.heldOut)} — e.g. --held-out 0.2`);
      }
      const [{ LabelDb }, rm] = await Promise.all([import('../studio/label-db.js'), import('../studio/reward-model.js')]);
      const db = LabelDb.open(path.join(o.runs, 'studio'));
      try {
        const name = rm.nextRewardModelName(db);
        const card = await rm.trainLabelReward(db, name, { members, steps, heldOutFraction, splitSeed }, (m) => process.stdout.write(`${m}\n`));
        const h = card.heldOut;
        process.stdout.write(`reward model ${name}: trained on ${card.labels} labelled pairs; agreement with ${h.n} held-out labels (${h.prompts} prompts) ${(h.accuracy * 100).toFixed(1)}% ± ${(h.se * 100).toFixed(1)} — ${rm.rewardModelDir(db, name)}\n`);
      } finally {
        db.close();
      }
    });
  studio
    .command('audit')
    .description("the full reward audit (refract audit's card) of a Studio reward model on its held-out labels, gold beside it")
    .argument('<reward-model>', 'a reward model trained in this Studio, e.g. rm-001')
    .option('--runs <dir>', 'runs folder', 'runs')
    .action(async (name: string, o: { runs: string }) => {
      const [{ LabelDb }, { auditLabelReward }, { checkRewardModel, LaunchError }] = await Promise.all([
        import('../studio/label-db.js'),
        import('../studio/audit-card.js'),
        import('../studio/launch-check.js'),
      ]);
      const db = LabelDb.open(path.join(o.runs, 'studio'));
      try {
        try {
          checkRewardModel(db, name);
        } catch (err) {
          if (err instanceof LaunchError) throw new CliError('studio audit', err.message);
          throw err;
        }
        const report = await auditLabelReward(db, name, (m) => process.stdout.write(`${m}\n`));
        for (const c of report.cards) {
          const failed = c.checks.filter((k) => !k.passed).map((k) => k.metric);
          process.stdout.write(`${c.name}: ${c.passed ? 'PASS' : 'FAIL'} pairwise accuracy ${(c.pairwise.accuracy * 100).toFixed(1)}% on ${c.pairwise.pairs} held-out labels${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n`);
        }
      } finally {
        db.close();
      }
    });
  studio
    .command('train')
    .description('post-train with a Studio reward model (the hacking monitor on), in the runs folder')
    .requiredOption('--reward-model <name>', 'a reward model of `refract studio reward-model`, e.g. rm-001')
    .requiredOption('--config <file>', 'run config (inside the runs folder, or a name under configs/)')
    .option('--runs <dir>', 'runs folder', 'runs')
    .option('--out <folder>', 'run folder inside the runs folder (default studio-runs/<rm>-<time>)')
    .option('--iterations <n>', 'override the config\'s iterations')
    .option('--pessimism <λ>', 'optimise the ensemble\'s mean − λ·std over its members (conservative; default 0: the mean)')
    .action(async (o: { rewardModel: string; config: string; runs: string; out?: string; iterations?: string; pessimism?: string }) => {
      const iterations = o.iterations === undefined ? undefined : int('studio train', '--iterations', o.iterations, 1, 100000);
      const pessimism = o.pessimism === undefined ? 0 : Number(o.pessimism);
      if (!Number.isFinite(pessimism) || pessimism < 0 || pessimism > 100) {
        throw new CliError('studio train', `--pessimism must be a number in [0, 100], got ${JSON.stringify(o.pessimism)} — e.g. 1 (mean − 1·std)`);
      }
      const { LabelDb } = await import('../studio/label-db.js');
      const { Jobs } = await import('../studio/jobs.js');
      const db = LabelDb.open(path.join(o.runs, 'studio'));
      const jobs = new Jobs(path.resolve(o.runs), db);
      try {
        const out = o.out ?? `studio-runs/${o.rewardModel}-${Date.now()}`;
        const { checkLaunch, LaunchError } = await import('../studio/launch-check.js');
        try {
          checkLaunch(path.resolve(o.runs), db, { config: o.config, rewardModel: o.rewardModel });
        } catch (err) {
          if (err instanceof LaunchError) throw new CliError('studio train', err.message.replace(/^config/, '--config').replace(/^reward model/, '--reward-model'));
          throw err;
        }
        const job = jobs.start({ kind: 'train', rewardModel: o.rewardModel, config: o.config, out, ...(iterations ? { iterations } : {}), ...(pessimism > 0 ? { pessimism } : {}) });
        const done = await jobs.wait(job.id, 250);
        process.stdout.write(`${done.log.join('\n')}\n`);
        if (done.status !== 'finished') throw new CliError('studio train', `the run must finish, got ${done.status}: ${done.log.at(-1) ?? ''}`);
        process.stdout.write(`run folder: ${path.join(o.runs, out)} (${JSON.stringify(done.result)})\n`);
      } finally {
        db.close();
      }
    });
}
